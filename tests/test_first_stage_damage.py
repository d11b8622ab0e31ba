"""A damaged first-stage cache entry is recomputed with a one-line warning; a damaged imported
run (the source of truth, nothing to recompute it from) is a one-line error naming the file."""

import gzip

import pytest

from bright_eval.cli import main
from bright_eval.data import BrightData
from bright_eval.retrieval.cache import cache_file_name, first_stage_run
from bright_eval.runs import RunFormatError, write_trec
from tests.helpers import build_snapshot


@pytest.fixture
def data(shared_bright, tmp_path):
    return BrightData.from_options(str(build_snapshot(shared_bright, tmp_path / "BRIGHT")))


def test_a_damaged_entry_is_recomputed_with_a_warning(data, tmp_path, capsys, counted):
    cache = tmp_path / "cache"
    run, path, provenance = first_stage_run("bm25-python", data, "pony", cache_dir=cache)
    assert counted == ["pony"] and not provenance["reused"] and len(run) == 112  # pony's queries
    assert cache / cache_file_name(path) == path and cache_file_name(path).startswith("runs/")
    whole = path.read_bytes()
    damages = {
        "EOFError": whole[: len(whole) // 2],  # cut mid-stream: gzip's end marker is missing
        "RunFormatError: cannot read as text (Not a gzipped file": b"not gzip at all\n",
        "RunFormatError: line 1: expected 6 fields": gzip.compress(b"pony-1 Q0\n"),
    }
    capsys.readouterr()
    for error, damaged in damages.items():
        path.write_bytes(damaged)
        again, _, provenance = first_stage_run("bm25-python", data, "pony", cache_dir=cache)
        assert again == run and not provenance["reused"]
        [warning] = capsys.readouterr().err.splitlines()
        assert warning.startswith(f"warning: {path}: damaged first-stage cache entry ({error}")
        assert warning.endswith("; recomputing it")
    assert counted == ["pony"] * 4
    assert path.read_bytes() == whole  # rewritten exactly as first written
    provenance_path = path.with_name("pony.provenance.json")
    provenance_path.write_text('{"key": ')
    assert first_stage_run("bm25-python", data, "pony", cache_dir=cache)[0] == run
    assert f"warning: {provenance_path}: damaged" in capsys.readouterr().err
    # Healed: the next call reuses the entry.
    assert first_stage_run("bm25-python", data, "pony", cache_dir=cache)[2]["reused"]
    assert counted == ["pony"] * 5


def test_retrieve_recomputes_a_truncated_entry(data, tmp_path, capsys, counted):
    argv = ["retrieve", "--retriever", "bm25-python", "--data-dir", str(data.data_dir),
            "--domains", "pony", "--cache-dir", str(tmp_path / "cache")]  # fmt: skip
    assert main(argv) == 0
    [path] = capsys.readouterr().out.splitlines()
    with open(path, "r+b") as f:
        f.truncate(100)
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [path] and counted == ["pony", "pony"]
    assert err.splitlines()[0].startswith(f"warning: {path}: damaged first-stage cache entry (EOF")


def test_a_damaged_imported_run_is_an_error_naming_the_file_and_refresh(data, tmp_path, capsys):
    source = tmp_path / "runs" / "pony.trec.gz"
    run = {"1": {"d1": 2.0, "d2": 1.0}}  # query ids of pony are "0".."111"
    write_trec(run, source)
    template = str(tmp_path / "runs" / "{domain}.trec.gz")
    cache = tmp_path / "cache"
    got, cached, _ = first_stage_run(f"file:{template}", data, "pony", cache_dir=cache)
    assert got == run
    # The cached copy damaged, the source intact: recomputed from the source.
    cached.write_bytes(cached.read_bytes()[:20])
    assert first_stage_run(f"file:{template}", data, "pony", cache_dir=cache)[0] == run
    # The source itself damaged: nothing to recompute it from.
    source.write_bytes(source.read_bytes()[:20])
    with pytest.raises(RunFormatError) as err:
        first_stage_run(f"file:{template}", data, "pony", cache_dir=cache)
    message = str(err.value)
    assert message.startswith(f"{source}: the imported run cannot be read (EOFError")
    assert message.endswith("restore the file, then rerun with --refresh")
    capsys.readouterr()
    argv = ["retrieve", "--retriever", f"file:{template}", "--data-dir", str(data.data_dir),
            "--domains", "pony", "--cache-dir", str(cache)]  # fmt: skip
    assert main(argv) == 2
    assert capsys.readouterr().err == f"error: {message}\n"


def test_records_name_a_cached_run_relative_to_the_cache_root(tmp_path):
    path = tmp_path / "cache" / "runs" / "bm25-original-short-0123456789abcdef" / "pony.trec.gz"
    assert cache_file_name(path) == "runs/bm25-original-short-0123456789abcdef/pony.trec.gz"
