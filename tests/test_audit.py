"""`audit`: published runs re-scored here beside the numbers printed for them."""

import gzip
import json
import math
import shutil

import pytrec_eval

from bright_eval.audit import disagreements, load_audits
from bright_eval.cli import main
from tests.conftest import REPO

REASONIR = "reasonir-8b-gpt4-reason-top100"


def test_a_measured_value_disagrees_only_when_it_does_not_round_to_the_printed_one():
    # Two places: 43.494 rounds to 43.49; 19.62 is 0.07 from 19.55.
    measured = {"biology": 43.494, "pony": 19.62, "aops": 7.0}
    printed = {"biology": 43.49, "pony": 19.55, "leetcode": 31.69}
    assert disagreements(measured, printed, 2) == {"pony": 19.62 - 19.55}
    # One place: 26.46 rounds to 26.5 (0.04 away); 26.44 does not (0.06 away).
    assert disagreements({"average": 26.46}, {"average": 26.5}, 1) == {}
    assert list(disagreements({"average": 26.44}, {"average": 26.5}, 1)) == ["average"]


def test_a_hand_made_disagreement_is_flagged_by_the_command(tmp_path, capsys):
    results = tmp_path / "results"
    shutil.copytree(REPO / "results" / REASONIR, results / REASONIR)
    audit_file = results / REASONIR / "audit.json"
    data = json.loads(audit_file.read_text())
    data["published"]["ndcg10"]["biology"] = 43.59  # measured 43.493 (stored 0.43493)
    audit_file.write_text(json.dumps(data))
    assert main(["audit", "--results-dir", str(results), "--detail"]) == 0
    out = capsys.readouterr().out
    assert "DISAGREES: biology -0.097 (compared on 12 of 12 domains, ±0.005)" in out
    assert "  biology: 43.49 43.59  <- disagrees" in out


def test_a_broken_audit_file_is_one_line_naming_it(tmp_path, capsys):
    results = tmp_path / "results"
    shutil.copytree(REPO / "results" / REASONIR, results / REASONIR)
    (results / REASONIR / "audit.json").write_text('{"source": {}}')
    assert main(["audit", "--results-dir", str(results)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {results / REASONIR / 'audit.json'}: not an audit file")
    assert "\n" not in err


def ndcg10_by_hand(ranking: list[str], gold: set[str]) -> float:
    dcg = sum(1 / math.log2(rank + 2) for rank, doc in enumerate(ranking[:10]) if doc in gold)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(len(gold), 10)))
    return dcg / ideal


def test_a_re_scored_number_equals_an_independent_computation(shared_bright):
    """Biology of the ReasonRank run: query 0 by hand, the domain with raw pytrec_eval (no
    excluded ids in biology), both from the shared files, read without the harness."""
    run: dict[str, dict[str, float]] = {}
    with gzip.open(shared_bright / "runs/reasonir-gpt4-reason-top100/biology.trec.gz", "rt") as f:
        for line in f:
            qid, _, doc, _, score, _ = line.split()
            run.setdefault(qid, {})[doc] = float(score)
    qrels: dict[str, dict[str, int]] = {}
    for line in (shared_bright / "qrels/biology.txt").read_text().splitlines():
        qid, _, doc, rel = line.split()
        qrels.setdefault(qid, {})[doc] = int(rel)
    ranking = sorted(run["0"], key=lambda d: -run["0"][d])
    record = json.loads((REPO / "results" / REASONIR / "per_query.json").read_text())
    assert abs(record["biology"]["0"] - ndcg10_by_hand(ranking, set(qrels["0"]))) < 1e-5
    per_query = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10"}).evaluate(run)
    expected = 100 * sum(v["ndcg_cut_10"] for v in per_query.values()) / len(qrels)
    audit = next(a for a in load_audits(REPO / "results") if a.name == REASONIR)
    assert abs(audit.measured["biology"] - expected) < 1e-3  # stored to 5 places
    assert round(expected, 2) == audit.published.ndcg10["biology"] == 43.49


def test_the_committed_audits():
    audits = {a.name: a for a in load_audits(REPO / "results")}
    assert set(audits) >= {
        REASONIR,
        "xrr2-qe-bm25s-top100",
        "xrr2-rr-gemini-2.5-flash",
        "xrr2-rr2-gemini-2.5-flash",
        "inf-x-retriever",
    }
    assert all(a.agrees for a in audits.values())
    # XRR2's README prints an rr2 value for theoremqa_questions that has no file behind it.
    assert audits["xrr2-rr2-gemini-2.5-flash"].not_measured == ["theoremqa_questions"]
    assert audits["xrr2-rr-gemini-2.5-flash"].measured["biology"] == 62.31
    assert audits["xrr2-qe-bm25s-top100"].published is None
