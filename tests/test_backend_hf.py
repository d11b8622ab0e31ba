"""The transformers backend on a real chat model (SmolLM2-135M-Instruct), checked against a
greedy loop written here from plain forward passes."""

import math
from dataclasses import replace

import pytest

from bright_eval.rerank.backends import GenerationParams, get_backend

USER = [{"role": "user", "content": "Name three colours."}]
LONGER = [{"role": "user", "content": "Write one sentence about the sea and the wind at night."}]


@pytest.fixture(scope="module")
def backend(smollm2_path):
    return get_backend("transformers", smollm2_path)


def greedy_by_hand(backend, prompt, n):
    """n greedy tokens from full forward passes, no cache, no padding."""
    import torch

    ids = backend.tokenizer(backend.render(prompt), add_special_tokens=False)["input_ids"]
    model = backend.hf_model
    new, logprobs = [], []
    for _ in range(n):
        with torch.inference_mode():
            logits = model(torch.tensor([ids + new])).logits[0, -1].float().log_softmax(-1)
        token = int(logits.argmax())
        new.append(token)
        logprobs.append(float(logits[token]))
    return new, logprobs


def test_render_applies_the_chat_template_with_one_user_turn(backend):
    assert backend.render(USER) == (
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
        "Face<|im_end|>\n<|im_start|>user\nName three colours.<|im_end|>\n<|im_start|>assistant\n"
    )
    assert backend.render("raw text") == "raw text"


def test_batched_left_padded_generation_equals_greedy_by_hand(backend):
    n = 6
    expected_ids, expected_lp = greedy_by_hand(backend, USER, n)
    params = GenerationParams(max_new_tokens=n, top_logprobs=3)
    short, _ = backend.generate([USER, LONGER], params)  # USER is padded on the left
    assert short.generated_tokens == n and short.finish_reason == "length"
    assert short.text == backend.tokenizer.decode(expected_ids, skip_special_tokens=True)
    assert short.tokens == [backend.tokenizer.decode([t]) for t in expected_ids]
    prompt_ids = backend.tokenizer(backend.render(USER), add_special_tokens=False)["input_ids"]
    assert short.prompt_tokens == len(prompt_ids)
    for step, (token, lp) in enumerate(zip(short.tokens, expected_lp, strict=True)):
        top = short.token_logprobs[step]
        assert len(top) <= 3 and max(top, key=top.get) == token
        assert top[token] == pytest.approx(lp, abs=1e-3)
    first = backend.next_token_logprobs([USER], [short.tokens[0]])[0]
    assert first[short.tokens[0]] == pytest.approx(expected_lp[0], abs=1e-3)


def test_a_stop_string_ends_the_text_before_it(backend):
    free = backend.generate([USER], GenerationParams(max_new_tokens=8))[0]
    stop = free.text[3:6]  # a piece of what the model writes anyway
    assert len(stop) == 3
    stopped = backend.generate([USER], GenerationParams(max_new_tokens=8, stop=(stop,)))[0]
    assert stopped.text == free.text[: free.text.index(stop)]
    assert stopped.finish_reason == "stop"
    # Generation ends with the token that completes the stop string, none after it.
    needed = next(k for k in range(1, 9) if stop in "".join(free.tokens[:k]))
    assert stopped.generated_tokens == needed < 8
    assert stopped.tokens == free.tokens[:needed]


def test_sampling_keeps_only_the_top_p_nucleus(backend):
    greedy, _ = greedy_by_hand(backend, USER, 6)
    # At temperature 5 almost any token may be drawn; a nucleus this small holds only the most
    # likely one, so sampling must give the greedy tokens, whatever the seed draws.
    hot = GenerationParams(max_new_tokens=6, temperature=5.0, seed=1)
    expected = [backend.tokenizer.decode([t]) for t in greedy]
    assert backend.generate([USER], replace(hot, top_p=1e-6))[0].tokens == expected
    assert backend.generate([USER], hot)[0].tokens != expected


def test_sub_batches_respect_the_token_budget(backend):
    backend.max_batch_tokens, backend.max_batch_size = 100, 3
    backend.max_padding = math.inf
    try:
        # Longest first (40, 30, 20, 10, 5, 5); rows x (longest + 10 new tokens) <= 100:
        # 2 x 50 = 100 fits, 3 x 50 does not; then 3 x 30 = 90 fits and the group is full.
        assert backend.batches([10, 40, 20, 30, 5, 5], 10) == [[1, 3], [2, 0, 4], [5]]
        assert backend.batches([5] * 7, 10) == [[0, 1, 2], [3, 4, 5], [6]]
    finally:
        backend.max_batch_tokens, backend.max_batch_size, backend.max_padding = 32_768, 64, 0.1


def test_sub_batches_pad_at_most_a_tenth(backend):
    # By hand, longest first, padded <= 1.1 x own: 100, 95: 200 <= 214.5; + 90: 300 <= 313.5;
    # + 50: 400 > 368.5, a new group. 50, 48: 100 <= 107.8; + 45: 150 <= 157.3; + 10: 200 >
    # 168.3, a new group. 10, 10: 20 <= 22.
    lengths = [95, 50, 100, 10, 48, 90, 45, 10]
    assert backend.batches(lengths, 32) == [[2, 0, 5], [1, 4, 6], [3, 7]]
    assert backend.max_padding == 0.1  # the default


def test_a_lora_adapter_is_applied(smollm2_path, tmp_path):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    # A rank-4 adapter with random (non-zero) weights on the attention projections.
    base = AutoModelForCausalLM.from_pretrained(smollm2_path)
    config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    torch.manual_seed(0)
    peft_model = get_peft_model(base, config)
    peft_model.save_pretrained(tmp_path / "adapter")
    with_adapter = get_backend("transformers", smollm2_path, adapter=str(tmp_path / "adapter"))
    plain = get_backend("transformers", smollm2_path)
    token = "The"
    ids = with_adapter.tokenizer(with_adapter.render(USER), add_special_tokens=False)["input_ids"]
    with torch.inference_mode():
        expected = peft_model(torch.tensor([ids])).logits[0, -1].float().log_softmax(-1)
    got = with_adapter.next_token_logprobs([USER], [token])[0][token]
    assert got == pytest.approx(float(expected[with_adapter.single_token_id(token)]), abs=1e-4)
    assert abs(got - plain.next_token_logprobs([USER], [token])[0][token]) > 1e-3


def test_a_model_that_cannot_be_loaded_is_a_one_line_error(tmp_path, capsys):
    from bright_eval.cli import main

    missing = tmp_path / "no-such-model"
    code = main(["--reranker", "ours-3b-zeroshot", "--model", str(missing),
                 "--backend", "transformers", "--domains", "pony"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot load the tokenizer of model '{missing}'")
    assert err.count("\n") == 1
