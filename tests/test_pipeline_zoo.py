"""`python -m bright_eval --reranker NAME` builds zoo rerankers from the command line and runs
them: llm-pointwise on SmolLM2 through the transformers backend, and the cross-encoder on a
local MiniLM folder, over one real pony query and its first-stage top 3."""

import gzip
import json

import pytest

from bright_eval.cli import main
from bright_eval.results import load_systems, system_dir
from bright_eval.runs import ranked, read_run
from bright_eval_zoo.interank import parse_explained
from tests.snapshot import Recorder, build_domain

QUERY_ID = "42"  # the shortest pony query
TOP_K = 3


@pytest.fixture(scope="module")
def pony(shared_bright, tmp_path_factory):
    root = tmp_path_factory.mktemp("bright")
    # Four first-stage documents, so --top-k 3 has one to leave out.
    rows, docs = build_domain(shared_bright, root, "pony", [QUERY_ID], TOP_K + 1)
    return root, rows[0]["query"], docs


def run_pipeline(root, tmp_path, monkeypatch, *extra):
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    results = tmp_path / "results"
    argv = [*extra, "--first-stage", f"file:{root}/{{domain}}.trec", "--data-dir", str(root),
            "--domains", "pony", "--top-k", str(TOP_K),
            "--results-dir", str(results), "--no-progress"]  # fmt: skip
    # No --max-queries: the snapshot holds one query, and a partial run keeps no run files.
    assert main(argv) == 0
    [record] = [s for s in load_systems(results) if s.is_reranked]
    folder = system_dir(results, record.name)
    outputs = [json.loads(line) for line in gzip.open(folder / "outputs" / "pony.jsonl.gz")]
    run = read_run(folder / "run" / "pony.trec.gz")
    return record, folder, outputs, [doc for doc, _ in ranked(run[QUERY_ID])]


def first_stage_top(root) -> list[str]:
    return [doc for doc, _ in ranked(read_run(root / "pony.trec")[QUERY_ID])][:TOP_K]


def test_llm_pointwise_from_the_command_line(pony, smollm2_path, tmp_path, monkeypatch):
    root, query, docs = pony
    recorder = Recorder(monkeypatch)
    record, folder, outputs, order = run_pipeline(
        root, tmp_path, monkeypatch, "--reranker", "llm-pointwise", "--model", smollm2_path,
        "--backend", "transformers", "--max-new-tokens", "8",
    )  # fmt: skip
    top = first_stage_top(root)
    # The model saw the zero-shot prompt once for each of the top 3, and wrote at most 8 tokens.
    assert len(recorder.inputs) == TOP_K
    for doc in top:
        turn = f"Question: {query}\nDocument: {docs[doc]}<|im_end|>\n<|im_start|>assistant\n"
        assert sum(turn in i for i in recorder.inputs) == 1
    assert "Your response should have this format" in recorder.inputs[0]
    assert sorted(o["raw"] for o in outputs) == sorted(recorder.outputs)
    label = {}
    for o in outputs:
        parsed = parse_explained(o["raw"])
        assert (o["label"], o["how_parsed"]) == (parsed.label, parsed.how)
        label[o["doc_id"]] = parsed.label
    assert sorted(order) == sorted(top)
    assert order == sorted(top, key=lambda d: (-label[d], top.index(d)))
    counts = json.loads((folder / "counts.json").read_text())["total"]
    assert counts["items"] == TOP_K and counts["all_generated_tokens"] <= TOP_K * 8
    config = record.reranker.config
    assert config["reranker"]["model"] == smollm2_path
    assert config["reranker"]["max_new_tokens"] == 8 and config["reranker"]["explain"]


def test_cross_encoder_from_the_command_line(pony, minilm_cross_encoder, tmp_path, monkeypatch):
    from sentence_transformers import CrossEncoder

    root, query, docs = pony
    record, _, outputs, order = run_pipeline(
        root, tmp_path, monkeypatch, "--reranker", "cross-encoder",
        "--model", str(minilm_cross_encoder),
    )  # fmt: skip
    top = first_stage_top(root)
    encoder = CrossEncoder(str(minilm_cross_encoder), device="cpu")
    scores = encoder.predict([(query, docs[d]) for d in top], show_progress_bar=False)
    expected = dict(zip(top, (float(s) for s in scores), strict=True))
    assert len(set(expected.values())) == TOP_K  # distinct: the order is the scores' alone
    assert order == sorted(top, key=lambda d: -expected[d])
    assert order != top  # it reorders: the run cannot be the first stage passed through
    assert {o["doc_id"]: o["score"] for o in outputs} == pytest.approx(expected, rel=1e-5)


def test_rankgpt_from_the_command_line(pony, smollm2_path, tmp_path, monkeypatch):
    from bright_eval_zoo.listwise import parse_ranking

    root, _, _ = pony
    record, folder, outputs, order = run_pipeline(
        root, tmp_path, monkeypatch, "--reranker", "rankgpt", "--model", smollm2_path,
        "--backend", "transformers", "--max-new-tokens", "12",
    )  # fmt: skip
    # Three candidates fit one window: one model call, whose answer (parsed and repaired here
    # with RankGPT's rule, independently of the run) is the run's order.
    [window] = outputs
    assert window["doc_ids"] == first_stage_top(root)
    parsed, fix = parse_ranking(window["raw"], TOP_K)
    assert order == [window["doc_ids"][i] for i in parsed]
    counts = json.loads((folder / "counts.json").read_text())
    assert counts["total"]["items"] == 1
    assert counts["total"]["parse_failures"] == fix.repaired
    repairs = counts["total"]["repairs"]
    assert repairs["windows"] == 1 and repairs["missing"] == fix.missing
    assert record.efficiency.model_calls == 1
