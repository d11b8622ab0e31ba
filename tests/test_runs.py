import gzip
import json

import pytest

from bright_eval.runs import RunFormatError, domain_path, read_run, write_score_json, write_trec


def test_docids_with_spaces_survive_a_round_trip(tmp_path, shared_bright):
    run = read_run(shared_bright / "runs" / "reasonir-gpt4-reason-top100" / "stackoverflow.trec.gz")
    spaced = [d for docs in run.values() for d in docs if " " in d]
    assert len(spaced) == 12  # the shared README counts twelve such ids
    assert "pytorch_torch_tensor_functions/Memory Management_2_0.txt" in run["4"]
    path = write_trec(run, tmp_path / "so.trec.gz")
    assert read_run(path) == run


def test_trec_writer_uses_trec_eval_order_and_ranks(tmp_path):
    path = write_trec({"q": {"a": 1.0, "b": 1.0, "c": 2.0}}, tmp_path / "r.trec")
    lines = path.read_text().splitlines()
    assert [line.split()[2:4] for line in lines] == [["c", "1"], ["b", "2"], ["a", "3"]]


def test_score_json_is_detected(tmp_path):
    path = tmp_path / "score.json"
    path.write_text(json.dumps({"1": {"d1": 0.5, "d 2": 0.25}}))
    assert read_run(path) == {"1": {"d1": 0.5, "d 2": 0.25}}
    write_score_json({"1": {"x": 1.0}}, tmp_path / "out.json")
    assert read_run(tmp_path / "out.json") == {"1": {"x": 1.0}}


def test_gzip_trec(tmp_path):
    path = tmp_path / "r.trec.gz"
    path.write_bytes(gzip.compress(b"7 Q0 doc 1 3.5 tag\n"))
    assert read_run(path) == {"7": {"doc": 3.5}}


@pytest.mark.parametrize(
    "line, message",
    [
        ("1 Q0 doc 1 0.5", "r.trec:2: expected 6 fields"),
        ("1 Q0 doc one 0.5 tag", "r.trec:2: rank must be an integer"),
        ("1 Q0 doc 1 high tag", "r.trec:2: rank must be an integer and score a number"),
        ("1 Q0 a 2 0.4 tag", "r.trec:2: document 'a' listed twice for query 1"),
    ],
)
def test_malformed_trec_lines_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "r.trec"
    path.write_text("1 Q0 a 1 0.9 tag\n" + line + "\n")
    with pytest.raises(RunFormatError, match=message):
        read_run(path)


def test_malformed_json_and_missing_file(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"1": {"a": 1.0},\n "2": [1, 2]}')
    with pytest.raises(RunFormatError, match="query '2' maps to list"):
        read_run(path)
    path.write_text('{"1": {"a": 1.0,}}')
    with pytest.raises(RunFormatError, match="s.json:1: invalid JSON"):
        read_run(path)
    with pytest.raises(RunFormatError, match="does not exist"):
        read_run(tmp_path / "missing.trec")


def test_path_template_needs_domain_placeholder():
    assert str(domain_path("runs/{domain}.trec", "pony")) == "runs/pony.trec"
    with pytest.raises(RunFormatError, match="no '\\{domain\\}' placeholder"):
        domain_path("runs/pony.trec", "pony")
