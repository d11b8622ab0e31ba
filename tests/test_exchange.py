"""The field's formats: `export` (board submission, MTEB result file, TREC runs), MTEB result
files read back by `evaluate` and `record`, and ranx / ir_datasets runs read as runs."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from bright_eval.cli import main
from bright_eval.domains import DOMAIN_NAMES
from bright_eval.results import FirstStage, RerankerRecord, SystemRecord, load_system, save_system
from bright_eval.runs import read_run

V11 = "3066d29c9651a576c8aba4832d249807b181ecae"
# nDCG@10 0.2 everywhere but three domains, to see rounding (half up) and the column order.
NDCG = {d: 0.2 for d in DOMAIN_NAMES} | {
    "biology": 0.3265,
    "theoremqa_questions": 0.5,
    "theoremqa_theorems": 0.1,
}


def system(name="mine", domains=DOMAIN_NAMES) -> SystemRecord:
    return SystemRecord(
        name=name,
        label="BM25 + Mine",
        source="measured",
        first_stage=FirstStage("bm25", "BM25 (GPT-4 reasoning)"),
        reranker=RerankerRecord("mine"),
        metrics={d: {"NDCG@10": NDCG[d], "Recall@100": 0.9, "MRR": 0.5} for d in domains},
        provenance={"data": {"source": "hub", "dataset": "xlangai/BRIGHT", "revision": V11}},
    )


def export(tmp_path, fmt, *extra) -> int:
    return main(["export", "mine", "--format", fmt, "--out", str(tmp_path / "out"),
                 "--results-dir", str(tmp_path / "results"), *extra])  # fmt: skip


def test_official_submission_in_the_boards_column_order(tmp_path):
    save_system(system(), tmp_path / "results")
    assert export(tmp_path, "official", "--link", "https://example.org/mine") == 0
    sub = json.loads((tmp_path / "out" / "official.json").read_text())
    assert sub["system"] == "BM25 + Mine"
    assert sub["method"] == "BM25 (GPT-4 reasoning), reranked by mine"
    assert sub["link"] == "https://example.org/mine"
    # (0.3265 + 0.5 + 0.1 + 9 * 0.2) / 12 = 0.227208 -> 22.7; 0.3265 rounds half up to 32.7.
    assert list(sub["NDCG@10"].items()) == [
        ("Bio.", "32.7"), ("Earth.", "20.0"), ("Econ.", "20.0"), ("Psy.", "20.0"),
        ("Rob.", "20.0"), ("Stack.", "20.0"), ("Sus.", "20.0"), ("Leet.", "20.0"),
        ("Pony", "20.0"), ("AoPS", "20.0"), ("TheoQ.", "50.0"), ("TheoT.", "10.0"),
        ("Avg.", "22.7"),
    ]  # fmt: skip
    markdown = (tmp_path / "out" / "official.md").read_text().splitlines()
    assert "| Bio. | Earth. | Econ. | Psy. | Rob. | Stack. | Sus. | Leet. | Pony | AoPS | " \
        "TheoQ. | TheoT. | Avg. |" in markdown  # fmt: skip
    assert "| 32.7 | 20.0 | 20.0 | 20.0 | 20.0 | 20.0 | 20.0 | 20.0 | 20.0 | 20.0 | 50.0 | " \
        "10.0 | 22.7 |" in markdown  # fmt: skip


def test_a_system_missing_a_domain_is_no_submission(tmp_path, capsys):
    save_system(system(domains=DOMAIN_NAMES[:11]), tmp_path / "results")
    assert export(tmp_path, "official") == 2
    assert capsys.readouterr().err == (
        "error: system 'mine' has no NDCG@10 for theoremqa_questions: the board averages all "
        "12 domains\n"
    )


def test_mteb_result_file_and_back(tmp_path, capsys):
    save_system(system(), tmp_path / "results")
    assert export(tmp_path, "mteb") == 0
    path = tmp_path / "out" / "BrightRetrieval.json"
    data = json.loads(path.read_text())
    assert (data["task_name"], data["dataset_revision"]) == ("BrightRetrieval", V11)
    assert list(data["scores"]) == ["standard"]
    assert data["scores"]["standard"][0] == {
        "hf_subset": "biology",
        "languages": ["eng-Latn"],
        "main_score": 0.3265,
        "ndcg_at_10": 0.3265,
        "recall_at_100": 0.9,
        "mrr": 0.5,
    }
    # evaluate shows it as reported scores ...
    capsys.readouterr()
    assert main(["evaluate", "--run", str(path), "--domains", "biology,aops"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(f"(dataset revision {V11}); it holds no rankings, so nothing was "
                             "evaluated")  # fmt: skip
    assert lines[3].split() == ["biology", "32.6", "90.0", "50.0"]  # 32.65 as binary .1f
    assert lines[5].split() == ["average", "26.3", "90.0", "50.0"]  # (0.3265 + 0.2) / 2
    # ... and record makes it a reported row without runs, its origin kept.
    argv = ["record", "--name", "from-mteb", "--label", "Mine (MTEB)", "--run", str(path),
            "--first-stage", "bm25", "--results-dir", str(tmp_path / "results")]  # fmt: skip
    assert main(argv) == 0
    back = load_system(tmp_path / "results" / "reported" / "from-mteb.json")
    assert (back.source, back.runs) == ("reported", [])
    assert back.metrics == system().metrics
    assert back.provenance["data"] == {"source": "mteb", "revision": V11}
    assert back.provenance["mteb_file"]["path"] == "out/BrightRetrieval.json"
    assert back.citation.via == "out/BrightRetrieval.json"


def pony_snapshot(root):
    (root / "examples").mkdir(parents=True)
    rows = [{"id": "q1", "query": "a", "reasoning": "", "excluded_ids": ["N/A"],
             "gold_ids": ["d1"], "gold_ids_long": ["N/A"], "gold_answer": ""}]  # fmt: skip
    pq.write_table(pa.Table.from_pylist(rows), root / "examples" / "pony-00000-of-00001.parquet")


def test_trec_runs_from_the_records_run_files(tmp_path, capsys):
    pony_snapshot(tmp_path / "data")
    (tmp_path / "runs").mkdir()
    run = tmp_path / "runs" / "pony.tsv"  # an ir_datasets TSV run, recorded as it is
    run.write_text("q1\td2\t2.5\nq1\td1\t1.0\n")
    argv = ["record", "--name", "mine", "--label", "Mine",
            "--run", str(tmp_path / "runs/{domain}.tsv"), "--domains", "pony",
            "--first-stage", "x", "--data-dir", str(tmp_path / "data"),
            "--results-dir", str(tmp_path / "results")]  # fmt: skip
    assert main(argv) == 0
    assert export(tmp_path, "trec") == 0
    assert (tmp_path / "out" / "pony.trec").read_text() == (
        "q1 Q0 d2 1 2.5 mine\nq1 Q0 d1 2 1.0 mine\n"
    )
    # A local snapshot not verified as BRIGHT's (two made-up queries): no MTEB file from it.
    capsys.readouterr()
    assert export(tmp_path, "mteb") == 2
    assert "scored on data not verified as BRIGHT's" in capsys.readouterr().err
    # A run file changed since it was recorded is refused.
    run.write_text("q1\td1\t2.5\n")
    assert export(tmp_path, "trec") == 2
    assert "run file" in capsys.readouterr().err


def test_ranx_json_and_ir_datasets_tsv_runs(tmp_path):
    ranx = tmp_path / "run.json"
    ranx.write_text('{"q1": {"d1": 2, "d2": 1.5}}')  # ranx's Run.save(..., kind="json")
    assert read_run(ranx) == {"q1": {"d1": 2.0, "d2": 1.5}}
    tsv = tmp_path / "run.tsv"
    tsv.write_text("query_id\tdoc_id\tscore\nq1\tpy/Memory Management_2_0.txt\t0.5\nq2\td1\t3\n")
    assert read_run(tsv) == {"q1": {"py/Memory Management_2_0.txt": 0.5}, "q2": {"d1": 3.0}}


def test_a_smoke_or_unverified_system_is_no_submission(tmp_path, capsys):
    from dataclasses import replace

    save_system(replace(system(), smoke=True), tmp_path / "results")
    for fmt in ("official", "mteb"):
        capsys.readouterr()
        assert export(tmp_path, fmt) == 2
        err = capsys.readouterr().err
        assert err == ("error: system 'mine' is a smoke run or was scored on data not verified "
                       "as BRIGHT's; only --format trec exports it\n")  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_a_malformed_mteb_file_is_one_line(tmp_path, capsys):
    path = tmp_path / "BrightRetrieval.json"
    cases = {
        "no hf_subset": {"standard": [{"ndcg_at_10": 0.3}]},
        "a score that is text": {"standard": [{"hf_subset": "biology", "ndcg_at_10": "high"}]},
        "scores as a list": [],
    }
    for scores in cases.values():
        path.write_text(json.dumps({"task_name": "BrightRetrieval", "scores": scores}))
        capsys.readouterr()
        assert main(["evaluate", "--run", str(path), "--domains", "biology"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {path}: ") and err.count("\n") == 1


def test_an_mteb_file_of_v1_is_recorded_as_unverified(tmp_path):
    path = tmp_path / "BrightRetrieval.json"
    # MTEB's BrightRetrieval task pins v1 (a75a0eb...), not the v1.1 the boards hold.
    v1 = "a75a0eb483f6a5233a6efc2d63d71540a4443dfb"
    entries = [{"hf_subset": d, "ndcg_at_10": 0.2} for d in DOMAIN_NAMES]
    for revision, verified in ((v1, False), (V11, True)):
        path.write_text(json.dumps({"task_name": "BrightRetrieval", "dataset_revision": revision,
                                    "scores": {"standard": entries}}))  # fmt: skip
        argv = ["record", "--name", "m", "--label", "M", "--run", str(path), "--first-stage",
                "bm25", "--results-dir", str(tmp_path / f"results-{verified}")]  # fmt: skip
        assert main(argv) == 0
        back = load_system(tmp_path / f"results-{verified}" / "reported" / "m.json")
        assert back.data_verified is verified
