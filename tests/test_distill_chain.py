"""The whole recipe on tiny models, through the command line: own JSONL -> decontaminate (real
BRIGHT queries) -> annotate (a scripted teacher behind the openai backend) -> sft (SmolLM2-135M
with LoRA) -> sample -> score (a tiny reward model) -> refine -> `--reranker ours-3b --adapter`."""

import gzip
import json

import pyarrow.parquet as pq
import pytest

from bright_eval.cli import main
from bright_eval.distill.prompts import relevance_target
from bright_eval.distill.trainset import read_jsonl, write_jsonl
from tests.distill_fixtures import (
    QUERY_LIST,
    TeacherServer,
    one_torch_thread,
    tiny_reward_model,
    training_records,
)
from tests.snapshot import Recorder, build_domain


def leaked_question(shared_bright) -> dict:
    """BRIGHT biology query 1 with three words changed: a near copy that must not be trained on."""
    rows = pq.read_table(shared_bright / "examples" / "biology-00000-of-00001.parquet").to_pylist()
    query = next(r["query"] for r in rows if r["id"] == "1")
    words = query.split()
    for i in (3, 10, 17):
        words[i] = "edited"
    return {"id": "leak", "question": {"title": " ".join(words[:8]), "body": " ".join(words[8:])},
            "links": [{"text": "Rayleigh scattering, again."}]}  # fmt: skip


single_thread = pytest.fixture(scope="module", autouse=True)(one_torch_thread)


@pytest.fixture(scope="module")
def chain(tmp_path_factory, shared_bright, smollm2_path):
    """Runs every stage once; the tests below check what each left behind."""
    root = tmp_path_factory.mktemp("distill")
    mp = pytest.MonkeyPatch()
    mp.setenv("BRIGHT_EVAL_CACHE", str(root / "cache"))
    write_jsonl(root / "own.jsonl", [leaked_question(shared_bright), *training_records()])
    server = TeacherServer()
    common = ["--no-progress"]
    steps = {
        "collect": ["collect", "--jsonl", root / "own.jsonl", "--out", root / "train.jsonl"],
        "decontaminate": ["decontaminate", "--train", root / "train.jsonl",
                          "--data-dir", shared_bright, "--out", root / "clean.jsonl"],
        "annotate": ["annotate", "--train", root / "clean.jsonl", "--model", "teacher",
                     "--backend", "openai", "--base-url", server.url,
                     "--out", root / "labelled.jsonl"],
        "sft": ["sft", "--train", root / "labelled.jsonl", "--model", smollm2_path,
                "--questions", "0:2", "--out", root / "sft", "--set", "max_steps=3",
                "--set", "grad_accum=1", "--set", "lr=0.001", "--set", "lora_r=8"],
        "sample": ["sample", "--train", root / "labelled.jsonl", "--model", smollm2_path,
                   "--adapter", root / "sft", "--backend", "transformers", "--questions", "2:4",
                   "--k", "2", "--max-new-tokens", "8", "--out", root / "samples.jsonl"],
        "score": ["score", "--samples", root / "samples.jsonl", "--reward-model",
                  tiny_reward_model(smollm2_path, root / "rm"), "--out", root / "scored.jsonl"],
        # 8 new tokens cut off every sample: keep them, or there may be nothing to train on.
        "refine": ["refine", "--scored", root / "scored.jsonl", "--model", smollm2_path,
                   "--adapter", root / "sft", "--out", root / "final", "--set", "max_steps=2",
                   "--set", "grad_accum=1", "--set", "lora_r=8", "--keep-truncated",
                   "--keep-unparsed"],
    }  # fmt: skip
    codes = {}
    for name, argv in steps.items():
        codes[name] = main(["distill", *[str(a) for a in argv], *common])
    server.close()
    yield root, codes, server
    mp.undo()


def test_every_stage_succeeds(chain):
    _, codes, _ = chain
    assert codes == dict.fromkeys(codes, 0)


def test_decontamination_drops_the_near_copy_of_a_bright_query(chain):
    root, _, _ = chain
    assert [r["id"] for r in read_jsonl(root / "clean.jsonl")] == [f"q{i}" for i in range(5)]
    record = json.loads((root / "clean.jsonl.record.json").read_text())
    assert record["counts"]["dropped_questions"] == {"biology": 1}
    assert record["counts"]["gold_source"]["biology"] == "gold_answer"  # no corpus offline


def test_annotate_keeps_the_teachers_labels_and_counts_failures(chain):
    root, _, server = chain
    labelled = {r["id"]: r for r in read_jsonl(root / "labelled.jsonl")}
    # The scripted teacher: 2 for pages mentioning Rayleigh, 0 otherwise, nothing for penguins.
    assert [labelled[q]["links"][0].get("label") for q in sorted(labelled)] == [2, 2, 0, 2, None]
    assert labelled["q0"]["links"][0]["explanation"] == "The page explains the cause."
    assert labelled["q0"]["generated_queries"] == [f"sky colour query {i}" for i in range(1, 11)]
    counts = json.loads((root / "labelled.jsonl.record.json").read_text())["counts"]
    # 5 questions x 2 pages; the penguin page is linked once and is one other_document.
    assert counts["labels"]["items"] == 10
    assert counts["labels"]["parse_failures"] == 2
    assert counts["labels"]["how_parsed"] == {"label": 8, "no-keyword": 2}
    # The teacher got the authors' API prompt with the format instruction.
    first = next(body for path, body in server.requests if path == "/v1/chat/completions")
    assert "Your response should have this format: '<explanation>\nRelevance Label: <label> ##'" \
        in first["messages"][0]["content"]  # fmt: skip
    assert first["temperature"] == 0.0
    assert QUERY_LIST  # the query list the teacher sent, parsed above


def test_sft_lowers_the_loss_on_its_training_examples(chain, smollm2_path):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from bright_eval.distill.sft import examples
    from bright_eval.distill.training import chat_ids

    root, _, _ = chain
    trained = list(read_jsonl(root / "labelled.jsonl"))[:2]
    pairs = examples(trained, label_only=False, min_queries=10)
    # 2 questions: a query list each, and 2 labelled pages each.
    assert len(pairs) == 6
    assert pairs[1][1] == relevance_target("The page explains the cause.", 2)
    tokenizer = AutoTokenizer.from_pretrained(smollm2_path)
    base = AutoModelForCausalLM.from_pretrained(smollm2_path)

    def mean_nll(model):
        losses = []
        for user, assistant in pairs[:2]:
            ids = torch.tensor([chat_ids(tokenizer, user, assistant)[0]])
            with torch.no_grad():
                losses.append(model(input_ids=ids, labels=ids).loss.item())
        return sum(losses) / len(losses)

    before = mean_nll(base)
    after = mean_nll(PeftModel.from_pretrained(base, str(root / "sft")))
    assert after < before - 0.05, (before, after)
    record = json.loads((root / "sft" / "distill-record.json").read_text())
    assert record["settings"]["lora_r"] == 8 and record["settings"]["lora_alpha"] == 16
    assert any("plain LoRA" in note for note in record["notes"])  # no GPU here: not QLoRA
    assert json.loads((root / "sft" / "train_question_ids.json").read_text()) == ["q0", "q1"]
    card = (root / "sft" / "README.md").read_text()
    assert record["inputs"][str(root / "labelled.jsonl")] in card  # data hash in the model card


def test_sample_and_score(chain):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from bright_eval.distill.prompts import relevance_prompt

    root, _, _ = chain
    samples = list(read_jsonl(root / "samples.jsonl"))
    # Questions q2 and q3 (disjoint from SFT's q0, q1); q2's other page (penguins) has no label.
    assert [(s["question_id"], s["page"]) for s in samples] == [
        ("q2", "L0"), ("q3", "L0"), ("q3", "other")]  # fmt: skip
    assert all(len(s["samples"]) == 2 for s in samples)
    answers = [a for s in samples for a in s["samples"]]
    counts = json.loads((root / "samples.jsonl.record.json").read_text())["counts"]
    assert counts["truncated"] == sum(a["truncated"] for a in answers)
    assert counts["parse_failures"] == sum(not a["parsed"] for a in answers)
    assert all(a["parsed"] == (a["label"] is not None) for a in answers)
    scored = list(read_jsonl(root / "scored.jsonl"))
    # score carries each answer's flags to refine; the teacher's answers all finished.
    flags = [[(c["parsed"], c["truncated"]) for c in r["candidates"]] for r in scored]
    assert flags == [[*((a["parsed"], a["truncated"]) for a in s["samples"]), (True, False)]
                     for s in samples]  # fmt: skip
    rm = AutoModelForSequenceClassification.from_pretrained(root / "rm")
    tokenizer = AutoTokenizer.from_pretrained(root / "rm")
    row, pair = scored[0], samples[0]
    candidate = row["candidates"][-1]  # the teacher's answer
    assert candidate["source"] == "teacher" and candidate["text"] == pair["teacher"]
    user = relevance_prompt("reward", pair["question"], pair["document"], 4000)
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": user}, {"role": "assistant", "content": pair["teacher"]}],
        tokenize=False,
    )
    ids = tokenizer(text, add_special_tokens=False, return_tensors="pt")
    with torch.no_grad():
        expected = rm(**ids).logits[0, 0].item()
    assert candidate["reward"] == pytest.approx(expected, abs=1e-4)
    for row in scored:
        rewards = [c["reward"] for c in row["candidates"]]
        low, high = min(rewards), max(rewards)
        for c in row["candidates"]:
            assert c["normalised"] == pytest.approx((c["reward"] - low) / (high - low))


def test_refine_then_plug_in(chain, smollm2_path, shared_bright, tmp_path, monkeypatch):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    root, _, _ = chain
    record = json.loads((root / "final" / "distill-record.json").read_text())
    scored = list(read_jsonl(root / "scored.jsonl"))
    kept = sum(c["normalised"] >= 0.85 for r in scored for c in r["candidates"])
    assert record["counts"]["examples"] == kept >= len(scored)  # bad answers kept by the flags
    assert record["counts"]["left_out_unparsed"] == record["counts"]["left_out_truncated"] == 0
    assert (root / "final" / "adapter_model.safetensors").read_bytes() != (
        root / "sft" / "adapter_model.safetensors"
    ).read_bytes()

    data = tmp_path / "bright"
    data.mkdir()
    build_domain(shared_bright, data, "biology", ["11"], 2)
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    recorder = Recorder(monkeypatch)
    argv = ["--reranker", "ours-3b", "--model", smollm2_path, "--adapter", str(root / "final"),
            "--backend", "transformers", "--first-stage", f"file:{data}/{{domain}}.trec",
            "--domains", "biology", "--data-dir", str(data), "--max-new-tokens", "6",
            "--results-dir", str(tmp_path / "results"), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    folder = next((tmp_path / "results").glob("ours-3b__*"))
    system = json.loads((folder / "system.json").read_text())
    assert system["reranker"]["config"]["reranker"]["adapter"] == str(root / "final")
    # The pipeline's output is what base + final adapter generate greedily for that prompt.
    tokenizer = AutoTokenizer.from_pretrained(smollm2_path)
    model = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(smollm2_path), str(root / "final")
    )
    ids = tokenizer(recorder.inputs[0], add_special_tokens=False, return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=6, do_sample=False)
    expected = tokenizer.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)
    outputs = [json.loads(x) for x in gzip.open(folder / "outputs" / "biology.jsonl.gz")]
    assert expected.split(" ##")[0] in {o["raw"] for o in outputs}
