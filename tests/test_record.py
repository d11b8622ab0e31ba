import gzip
import hashlib
import json
import shlex
import shutil

from bright_eval.cli import main
from bright_eval.results import load_system
from bright_eval.runs import read_run
from tests.conftest import REASONIR_RUN, REPO
from tests.helpers import reference_metrics


def test_record_stores_metrics_hashes_and_per_query(tmp_path, shared_bright, bright, capsys):
    results = tmp_path / "results"
    argv = ["record", "--name", "reasonir-two", "--label", "ReasonIR, two domains",
            "--run", REASONIR_RUN, "--domains", "biology,pony", "--data-dir", str(shared_bright),
            "--first-stage", "reasonir-8b/gpt4_reason/top100",
            "--first-stage-settings", '{"depth": 100}', "--results-dir", str(results)]  # fmt: skip
    assert main(argv) == 0
    record = load_system(results / "reasonir-two" / "system.json")
    for domain in ("biology", "pony"):
        path = REASONIR_RUN.format(domain=domain)
        assert record.metrics[domain] == reference_metrics(read_run(path), bright.qrels(domain))
        entry = next(f for f in record.runs if f.domain == domain)
        with open(path, "rb") as f:
            assert entry.sha256 == hashlib.sha256(f.read()).hexdigest()
        assert (tmp_path / entry.path).resolve().samefile(path)
        values = record.per_query[domain]
        assert len(values) == len(bright.qrels(domain))
        assert round(sum(values.values()) / len(values), 5) == record.metrics[domain]["NDCG@10"]
    assert record.first_stage.settings == {"depth": 100}
    assert record.provenance["data"]["source"] == "local"
    # The command that made it, as given (pytest's own argv is not it).
    assert record.provenance["command"] == shlex.join(["python", "-m", "bright_eval", *argv])
    assert record.provenance["started_by"] == "command line"
    assert "wrote" in capsys.readouterr().out


def results_beside_shared(tmp_path, shared_bright):
    """A checkout copy whose `../shared/bright` is the real shared folder."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "results", repo / "results")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "bright").symlink_to(shared_bright)
    return repo


def test_default_command_reproduces_the_committed_record(
    tmp_path, shared_bright, capsys, monkeypatch
):
    repo = results_beside_shared(tmp_path, shared_bright)
    record = repo / "results" / "reasonir-8b-gpt4-reason-top100" / "system.json"
    before = record.read_bytes()
    monkeypatch.delenv("BRIGHT_DATA_DIR", raising=False)
    monkeypatch.chdir(repo)
    assert main([]) == 0  # finds the data at ../shared/bright, as the record says
    out = capsys.readouterr().out
    assert "reasonir-8b-gpt4-reason-top100: reproduced" in out
    assert "nDCG@10 average 30.59" in out
    assert record.read_bytes() == before
    for name in ("main.md", "long.md", "efficiency.md", "gains.md", "ndcg10-by-domain.png"):
        assert (repo / "leaderboards" / name).is_file()
    assert (repo / "leaderboards" / "main.md").read_bytes() == (
        REPO / "leaderboards" / "main.md"
    ).read_bytes()


def test_refresh_skips_absent_runs_and_refuses_changed_ones(tmp_path, shared_bright, capsys):
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "results", repo / "results")
    args = ["refresh", "--results-dir", str(repo / "results"), "--out", str(repo / "lb"),
            "--readme", ""]  # fmt: skip
    assert main(args) == 0  # ../shared is not beside this copy
    assert "skipped (run file ../shared/bright/runs/" in capsys.readouterr().out

    (tmp_path / "shared" / "bright" / "runs" / "reasonir-gpt4-reason-top100").mkdir(parents=True)
    run_dir = tmp_path / "shared" / "bright" / "runs" / "reasonir-gpt4-reason-top100"
    for src in (shared_bright / "runs" / "reasonir-gpt4-reason-top100").iterdir():
        shutil.copy(src, run_dir / src.name)
    lines = gzip.open(run_dir / "pony.trec.gz", "rt").read().splitlines()
    with gzip.open(run_dir / "pony.trec.gz", "wt") as f:
        f.write("\n".join(lines[1:]) + "\n")
    assert main([*args, "--data-dir", str(shared_bright)]) == 2
    err = capsys.readouterr().err
    assert "run file ../shared/bright/runs/reasonir-gpt4-reason-top100/pony.trec.gz differs" in err
    assert err.count("\n") == 1


def test_record_needs_a_run(tmp_path, capsys):
    assert main(["record", "--name", "x", "--label", "X", "--first-stage", "f",
                 "--results-dir", str(tmp_path)]) == 2  # fmt: skip
    assert "give --run (short documents) and/or --long-run" in capsys.readouterr().err


def test_record_rejects_bad_settings_json(tmp_path, shared_bright, capsys):
    code = main(["record", "--name", "x", "--label", "X", "--first-stage", "f",
                 "--run", REASONIR_RUN, "--first-stage-settings", "[1]",
                 "--results-dir", str(tmp_path), "--data-dir", str(shared_bright)])  # fmt: skip
    assert code == 2
    assert "--first-stage-settings: expected a JSON object, got list" in capsys.readouterr().err


def test_reranked_runs_are_kept_only_when_small(tmp_path):
    from bright_eval.results import MEASURED, FirstStage, SystemRecord, save_system
    from bright_eval.results.from_runs import keep_runs

    result = SystemRecord("toy", "Toy", MEASURED, FirstStage("f", "F"))
    runs = {"pony": {"q1": {"Pony/a.txt": 2.0, "Pony/b c.txt": 1.0}}}
    assert keep_runs(result, runs, tmp_path / "results")
    kept = tmp_path / "results" / "toy" / "run" / "pony.trec.gz"
    assert read_run(kept) == runs["pony"]  # the docid with a space survives the round trip
    assert result.runs[0].path == "results/toy/run/pony.trec.gz"
    assert result.runs[0].sha256 == hashlib.sha256(kept.read_bytes()).hexdigest()
    save_system(result, tmp_path / "results")
    assert load_system(tmp_path / "results" / "toy" / "system.json").runs == result.runs

    other = SystemRecord("big", "Big", MEASURED, FirstStage("f", "F"))
    assert not keep_runs(other, runs, tmp_path / "results", max_bytes=10)
    assert not (tmp_path / "results" / "big" / "run" / "pony.trec.gz").exists()
    assert other.runs == []


def test_refresh_rewrites_a_record_whose_metrics_no_longer_reproduce(
    tmp_path, shared_bright, capsys
):
    repo = results_beside_shared(tmp_path, shared_bright)
    record = repo / "results" / "reasonir-8b-gpt4-reason-top100" / "system.json"
    data = json.loads(record.read_text())
    data["metrics"]["pony"]["NDCG@10"] = 0.5
    record.write_text(json.dumps(data))
    args = ["refresh", "--results-dir", str(repo / "results"), "--out", str(repo / "lb"),
            "--readme", ""]  # fmt: skip
    assert main(args) == 0
    assert "reasonir-8b-gpt4-reason-top100: updated" in capsys.readouterr().out
    fixed = load_system(record)
    # What `evaluate` prints for pony on this run (docs/evaluation.md): 19.6.
    assert f"{fixed.metrics['pony']['NDCG@10'] * 100:.1f}" == "19.6"
    assert "reevaluated" in fixed.provenance
    assert fixed.data_verified  # scored on ../shared/bright, the pinned revision's queries


def test_refresh_on_other_data_marks_the_record_unverified(tmp_path, shared_bright, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    repo = results_beside_shared(tmp_path, shared_bright)
    # A copy of the queries whose first pony query has lost its gold documents but one.
    other = tmp_path / "other"
    shutil.copytree(shared_bright / "examples", other / "examples")
    pony = other / "examples" / "pony-00000-of-00001.parquet"
    rows = pq.read_table(pony).to_pylist()
    rows[0]["gold_ids"] = rows[0]["gold_ids"][:1]
    pq.write_table(pa.Table.from_pylist(rows), pony)
    args = ["refresh", "--results-dir", str(repo / "results"), "--out", str(repo / "lb"),
            "--readme", "", "--data-dir", str(other)]  # fmt: skip
    assert main(args) == 0
    assert "reasonir-8b-gpt4-reason-top100: updated" in capsys.readouterr().out
    record = repo / "results" / "reasonir-8b-gpt4-reason-top100" / "system.json"
    assert load_system(record).data_verified is False  # its numbers are no longer BRIGHT's
