import json

from bright_eval.cli import main
from bright_eval.runs import read_run
from tests.conftest import REASONIR_RUN
from tests.helpers import reference_metrics


def test_evaluate_writes_json_of_the_documented_shape(tmp_path, shared_bright, bright, capsys):
    out = tmp_path / "r.json"
    code = main(
        ["evaluate", "--run", REASONIR_RUN, "--data-dir", str(shared_bright),
         "--domains", "biology,pony", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    result = json.loads(out.read_text())
    assert set(result) == {"domains", "average"}
    assert list(result["domains"]) == ["biology", "pony"]
    assert len(result["domains"]["biology"]) == 25
    # Each domain's values equal BRIGHT's metric code re-derived on raw pytrec_eval.
    for domain in ("biology", "pony"):
        run = read_run(REASONIR_RUN.format(domain=domain))
        assert result["domains"][domain] == reference_metrics(run, bright.qrels(domain))
    pair = (result["domains"]["biology"]["MRR"] + result["domains"]["pony"]["MRR"]) / 2
    assert result["average"]["MRR"] == round(pair, 5)
    table = capsys.readouterr().out
    biology_row = next(line for line in table.splitlines() if line.startswith("biology"))
    assert f"{result['domains']['biology']['NDCG@10'] * 100:.1f}" == biology_row.split()[1]


def test_errors_are_one_line_with_exit_status_2(tmp_path, shared_bright, capsys):
    bad = tmp_path / "bad_{domain}.trec"
    (tmp_path / "bad_pony.trec").write_text("1 Q0 doc 1 0.5\n")
    cases = [
        (["--run", REASONIR_RUN, "--domains", "biolgy"], "unknown BRIGHT domain 'biolgy'"),
        (["--run", REASONIR_RUN, "--domains", "leetcode", "--long"], "no long-document setting"),
        (["--run", str(bad), "--domains", "pony"], "bad_pony.trec:1: expected 6 fields"),
        (["--run", REASONIR_RUN, "--domains", "pony", "--metrics", "nDCG@10"], "unknown metric"),
    ]
    for extra, message in cases:
        assert main(["evaluate", "--data-dir", str(shared_bright), *extra]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


def test_missing_queries_are_reported(tmp_path, shared_bright, capsys):
    (tmp_path / "pony.trec").write_text("0 Q0 Pony/2_ops_10.txt 1 1.0 t\n")
    assert main(["evaluate", "--run", str(tmp_path / "{domain}.trec"),
                 "--data-dir", str(shared_bright), "--domains", "pony"]) == 0  # fmt: skip
    assert (
        "pony: 111 of 112 queries have no ranking in the run and score 0" in capsys.readouterr().err
    )
