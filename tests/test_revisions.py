"""BRIGHT's named revisions (v1, v1.1), and one run scored on two versions of the data."""

from __future__ import annotations

import json
import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bright_eval import pinned, provenance
from bright_eval.cli import main
from bright_eval.data import DEFAULT_REVISION, BrightData
from bright_eval.revisions import resolve_revision, revision_name

V1 = "a75a0eb483f6a5233a6efc2d63d71540a4443dfb"
V11 = "3066d29c9651a576c8aba4832d249807b181ecae"


def test_names_resolve_to_the_full_commits():
    assert resolve_revision("v1") == V1
    assert resolve_revision("v1.1") == V11 == DEFAULT_REVISION
    # MTEB's first results files abbreviate v1 to seven digits.
    assert resolve_revision("a75a0eb") == V1
    assert resolve_revision("main") == "main"  # anything else goes to the Hub as given
    assert (revision_name("a75a0eb"), revision_name(V11), revision_name("main")) == (
        "v1",
        "v1.1",
        None,
    )


def test_the_record_names_the_revision_selected_by_name(tmp_path):
    data = BrightData.from_options(revision="v1")
    assert data.revision == V1
    described = provenance.describe_data(data, tmp_path)
    assert described == {"source": "hub", "dataset": "xlangai/BRIGHT", "revision": V1}
    # Not the pinned revision: its records are marked, and kept off the committed board.
    assert pinned.data_mark(data) == "data-rev-a75a0eb4"
    assert not pinned.is_pinned(data, ["pony"])
    assert BrightData.from_options(revision="v1.1").revision == DEFAULT_REVISION


def snapshot(root, rows):
    (root / "examples").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), root / "examples" / "pony-00000-of-00001.parquet")
    return root


def row(qid, gold, excluded=("N/A",)):
    return {
        "id": qid,
        "query": f"question {qid}",
        "reasoning": "",
        "excluded_ids": list(excluded),
        "gold_ids": list(gold),
        "gold_ids_long": ["N/A"],
        "gold_answer": "",
    }


def test_evaluate_against_another_snapshot_prints_the_per_domain_difference(tmp_path, capsys):
    # Two snapshots that differ in one qrel (q1 gains d3) and in one query (q3 only in "new").
    old = snapshot(tmp_path / "old", [row("q1", ["d1"]), row("q2", ["d2"])])
    new = snapshot(
        tmp_path / "new", [row("q1", ["d1", "d3"]), row("q2", ["d2"]), row("q3", ["d9"])]
    )
    (tmp_path / "pony.trec").write_text(
        "q1 Q0 d1 1 3.0 t\nq1 Q0 d2 2 2.0 t\nq1 Q0 d3 3 1.0 t\nq2 Q0 d2 1 3.0 t\nq2 Q0 d1 2 2.0 t\n"
    )
    out = tmp_path / "out.json"
    argv = ["evaluate", "--run", str(tmp_path / "{domain}.trec"), "--domains", "pony"]
    argv += ["--data-dir", str(old), "--against-data-dir", str(new), "--out", str(out)]
    assert main(argv) == 0
    # old: both queries find their one gold document first: nDCG@10 = 1.
    # new: q1's gold d1 (rank 1) and d3 (rank 3): (1 + 1/log2 4) / (1 + 1/log2 3) = 0.91972;
    # q2 = 1; q3 has no ranking and scores 0: (0.91972 + 1 + 0) / 3 = 0.63991.
    q1 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    expected = round((q1 + 1 + 0) / 3, 5)
    assert expected == 0.63991
    against = json.loads(out.read_text())["against"]
    assert against["metric"] == "NDCG@10"
    assert against["domains"]["pony"] == {
        "queries": [2, 3],
        "judgements_changed": 1,
        "values": [1.0, expected],
        "difference": round(expected - 1.0, 5),
    }
    table = capsys.readouterr().out.splitlines()
    assert table[-4].split() == [
        "domain", "queries", "old", "queries", "new", "judgements", "changed",
        "NDCG@10", "old", "NDCG@10", "new", "new", "-", "old",
    ]  # fmt: skip
    assert table[-2].split() == ["pony", "2", "3", "1", "100.0", "64.0", "-36.0"]
    assert table[-1].split() == ["average", "100.0", "64.0", "-36.0"]


def test_a_bad_against_folder_is_one_line_before_any_scoring(tmp_path, capsys):
    argv = ["evaluate", "--run", str(tmp_path / "{domain}.trec"), "--domains", "pony"]
    assert main([*argv, "--against-data-dir", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: BRIGHT data folder {str(tmp_path / 'nowhere')!r} does not exist\n"


@pytest.mark.parametrize("name", ["v1", "v1.1"])
def test_the_cli_takes_revision_names(name, monkeypatch):
    seen = {}
    monkeypatch.setattr(
        "bright_eval.commands.evaluate.data_from_args",
        lambda args: seen.setdefault("data", BrightData.from_options(None, args.revision)),
    )
    monkeypatch.delenv("BRIGHT_DATA_DIR", raising=False)
    # It stops at the missing run file, after the data were opened.
    assert main(["evaluate", "--run", "/nowhere/{domain}.trec", "--revision", name]) == 2
    assert seen["data"].revision == resolve_revision(name)
