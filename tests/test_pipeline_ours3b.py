"""`python -m bright_eval --reranker ours-3b` end to end on real weights: SmolLM2-135M-Instruct
stands in for the 3B model, on a small BRIGHT-format domain built from real biology queries."""

import gzip
import json

import pytest

from bright_eval.cli import main
from bright_eval.provenance import examples_sha256
from bright_eval.rerank.weights import content_hash
from bright_eval.results import load_system, load_systems
from bright_eval.runs import ranked, read_run
from bright_eval_zoo.interank import parse_explained
from tests.snapshot import Recorder, build_domain

QUERY_IDS = ["11", "20"]  # the two shortest biology queries: short prompts, fast on a CPU
DOCS_PER_QUERY = 3


@pytest.fixture(scope="module")
def domain(shared_bright, tmp_path_factory):
    root = tmp_path_factory.mktemp("bright")
    rows, docs = build_domain(shared_bright, root, "biology", QUERY_IDS, DOCS_PER_QUERY)
    return root, rows, docs


def command(root, smollm2_path, results, extra=()):
    return [
        "--reranker", "ours-3b", "--model", smollm2_path, "--backend", "transformers",
        "--first-stage", f"file:{root}/{{domain}}.trec", "--domains", "biology",
        "--data-dir", str(root), "--max-new-tokens", "8", "--batch-size", "3",
        "--results-dir", str(results), "--no-progress", *extra,
    ]  # fmt: skip


def test_ours_3b_end_to_end_then_fully_cached(domain, smollm2_path, tmp_path, monkeypatch, capsys):
    root, rows, docs = domain
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    recorder = Recorder(monkeypatch)
    assert main(command(root, smollm2_path, tmp_path / "results")) == 0
    assert len(recorder.inputs) == len(QUERY_IDS) * DOCS_PER_QUERY
    # The exact text the model received for query 11 and its first candidate: SmolLM2's
    # template adds its default system prompt; the user turn is the authors' prompt.
    query = next(r["query"] for r in rows if r["id"] == "11")
    first_doc = ranked(read_run(root / "biology.trec")["11"])[0][0]
    expected = (
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
        "Face<|im_end|>\n<|im_start|>user\nExplain whether the following document is relevant "
        "or not to the given question. Then end your response with a relevance label (0: "
        "irrelevant, 1: partially relevant, 2: relevant) and the symbol '##'. Question: "
        f"{query}\nDocument: {docs[first_doc]}<|im_end|>\n<|im_start|>assistant\n"
    )
    assert expected in recorder.inputs
    captured = capsys.readouterr()
    assert "[SMOKE RUN: not the published setting" in captured.out

    # Named after reranker, first stage (a run file's folder) and depth, then every departure:
    # the stand-in model (named by its folder and the hash of its weights), the override, the
    # domain subset, the local data.
    folder = (
        tmp_path
        / "results"
        / (
            f"ours-3b__{root.name}-top100__model-smollm2-135m-instruct-"
            f"{content_hash(smollm2_path)[:4]}__max-new-tokens-8__biology__"
            f"data-local-{examples_sha256(root)[:8]}"
        )
    )
    record = load_system(folder / "system.json")
    config = record.reranker.config
    assert config["reranker"]["model_sha256"] == content_hash(smollm2_path)
    assert config["max_new_tokens_override"] == 8
    assert config["reranker"]["max_new_tokens"] == 8
    assert config["reranker"]["max_new_tokens_overridden"] is True
    assert config["backend"]["backend"] == "transformers"
    assert config["backend"]["versions"]["torch"].startswith("2.")
    outputs = [json.loads(line) for line in gzip.open(folder / "outputs" / "biology.jsonl.gz")]
    assert sorted(o["raw"] for o in outputs) == sorted(recorder.outputs)
    failures = 0
    for o in outputs:  # each stored label is the authors' parse of the stored text
        parsed = parse_explained(o["raw"])
        assert (o["label"], o["how_parsed"]) == (parsed.label, parsed.how)
        failures += parsed.how in ("no-keyword", "invalid-label")
    counts = json.loads((folder / "counts.json").read_text())["total"]
    assert counts["items"] == 6 and "pairs 6: cached 0, model calls 6" in captured.err
    assert counts["parse_failures"] == failures
    assert f"parse failures {failures} " in captured.err
    # Ties follow the first stage: among equal labels, first-stage order is kept.
    run = read_run(folder / "run" / "biology.trec.gz")
    label = {(o["query_id"], o["doc_id"]): o["label"] for o in outputs}
    first = {(o["query_id"], o["doc_id"]): o["first_stage_rank"] for o in outputs}
    for qid in QUERY_IDS:
        order = [d for d, _ in ranked(run[qid])]
        assert order == sorted(order, key=lambda d: (-label[qid, d], first[qid, d]))
        assert sorted(run[qid].values()) == [1.0, 2.0, 3.0]  # distinct scores
    metrics = record.metrics
    assert set(json.loads((folder / "by_score.json").read_text())) == {"score", "expected_label"}
    # The record's per-query nDCG@10 and its first stage's row are what the leaderboard pairs.
    from transformers import AutoModelForCausalLM

    smollm2 = AutoModelForCausalLM.from_pretrained(smollm2_path)
    assert record.efficiency.parameters == sum(p.numel() for p in smollm2.parameters())
    assert record.efficiency.model_calls == 6 and record.first_stage.settings["spec"].startswith(
        "file:"
    )
    # A smoke run (shortened generation) is marked, and claims no first-stage row.
    assert record.smoke
    assert [s.name for s in load_systems(tmp_path / "results")] == [record.name]

    # What computed the outputs, as loaded there: its parameter count is the model's.
    assert config["backend"]["parameters"] == record.efficiency.parameters

    # Second run: everything comes from the cache; the model is never called (nor loaded),
    # and not a byte of the record changes, its date and backend included.
    written = {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    again = Recorder(monkeypatch)
    assert main(command(root, smollm2_path, tmp_path / "results")) == 0
    assert {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} == written
    assert again.inputs == []
    assert "cached 6, model calls 0" in capsys.readouterr().err
    assert read_run(folder / "run" / "biology.trec.gz") == run
    assert load_system(folder / "system.json").metrics == metrics


def test_an_interrupted_run_resumes_without_recomputing(
    domain, smollm2_path, tmp_path, monkeypatch, capsys
):
    root, _, _ = domain
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    stopped = Recorder(monkeypatch, stop_after_batches=1)  # batch size 3: 3 of 6 pairs done
    assert main(command(root, smollm2_path, tmp_path / "results")) == 130
    assert "interrupted: 3 outputs are safe in" in capsys.readouterr().err
    assert len(stopped.inputs) == 3
    resumed = Recorder(monkeypatch)
    assert main(command(root, smollm2_path, tmp_path / "results")) == 0
    assert len(resumed.inputs) == 3 and not set(resumed.inputs) & set(stopped.inputs)
    assert "pairs 6: cached 3, model calls 3" in capsys.readouterr().err


def test_user_errors_are_one_line(domain, tmp_path, monkeypatch, capsys):
    root, _, _ = domain
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    base = ["--first-stage", f"file:{root}/{{domain}}.trec", "--domains", "biology",
            "--data-dir", str(root), "--backend", "transformers"]  # fmt: skip
    ours = ["--reranker", "ours-3b", "--adapter", "a"]
    cases = [
        (["--reranker", "ours-3b"], "the trained InteRank weights are not public: pass your LoRA"),
        (["--reranker", "ours-3c"], "unknown reranker 'ours-3c'; valid rerankers:"),
        ([*ours, "--shard", "3/2"], "--shard '3/2': expected i/n"),
        ([*ours, "--score", "mean"], "ranks by score, expected_label"),
        ([*ours, "--backend", "vlm"], "unknown backend 'vlm'"),
    ]
    for extra, message in cases:
        assert main([*base, *extra]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
