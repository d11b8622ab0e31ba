"""Answers cut off at the token limit or without a parseable label are counted, and kept out of
the training data unless a flag keeps them (scripted teacher and student servers, no model)."""

import json

import pytest

from bright_eval.cli import main
from bright_eval.distill.prompts import relevance_target
from bright_eval.distill.refine import Keep, weighted_examples
from bright_eval.distill.sft import examples
from bright_eval.distill.trainset import read_jsonl, write_jsonl
from tests.distill_fixtures import QUERY_LIST, TeacherServer
from tests.openai_server import Server

RECORDS = [
    {"id": "sky", "question": {"title": "Why is the sky blue?", "body": ""},
     "links": [{"text": "Rayleigh scattering makes the sky blue."}]},
    {"id": "penguin", "question": {"title": "How do penguins sleep?", "body": ""},
     "links": [{"text": "Penguins sleep standing up."}]},  # the teacher answers without a label
    {"id": "volcano", "question": {"title": "Why do Volcanoes erupt?", "body": ""},
     "links": [{"text": "Volcanoes erupt when magma rises."}]},  # ... and runs out of tokens
]  # fmt: skip
TEN_QUERIES = QUERY_LIST + " ##"
SKY = relevance_target("The page explains the cause.", 2)
VOLCANO = relevance_target("The page is relevant because volcanoes", 2)  # keyword fallback


class StudentServer(Server):
    """The student's sample j (seed j): 0 a good answer, 1 no label at all, 2 cut off at the
    token limit (whose keyword fallback still reads a label)."""

    ANSWERS = [
        ("It explains it.\nRelevance Label: 2", "stop"),
        ("Hmm, hard to say.", "stop"),
        ("The page is relevant since", "length"),
    ]

    def answer(self, path, body):
        text, finish = self.ANSWERS[body["seed"]]
        choice = {"message": {"role": "assistant", "content": text}, "finish_reason": finish}
        return {"choices": [choice], "usage": {"prompt_tokens": 50, "completion_tokens": 5}}


@pytest.fixture
def teacher(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    write_jsonl(tmp_path / "train.jsonl", RECORDS)
    server = TeacherServer()
    yield server
    server.close()


def annotate(tmp_path, server, out, *extra):
    return main(["distill", "annotate", "--train", str(tmp_path / "train.jsonl"), "--model",
                 "teacher", "--backend", "openai", "--base-url", server.url, "--out",
                 str(tmp_path / out), "--no-progress", *extra])  # fmt: skip


def sft_targets(path):
    return [target for _, target in examples(list(read_jsonl(path)), False, 10)]


def test_annotate_leaves_cut_off_and_unparsed_answers_unlabelled(tmp_path, teacher, capsys):
    assert annotate(tmp_path, teacher, "labelled.jsonl") == 0
    labelled = {r["id"]: r for r in read_jsonl(tmp_path / "labelled.jsonl")}
    assert [labelled[q]["links"][0].get("label") for q in ("sky", "penguin", "volcano")] == [
        2, None, None]  # fmt: skip
    assert labelled["volcano"]["generated_queries"] == []  # the cut-off query list
    counts = json.loads((tmp_path / "labelled.jsonl.record.json").read_text())["counts"]
    labels, lists = counts["labels"], counts["queries"]
    assert (labels["items"], labels["parse_failures"], labels["truncated"]) == (3, 1, 1)
    assert labels["how_parsed"] == {"label": 1, "no-keyword": 1, "keyword": 1}
    assert labels["left_out"] == 2  # the penguin (no label) and the volcano (cut off)
    assert (lists["items"], lists["parse_failures"], lists["truncated"], lists["left_out"]) == (
        3, 0, 1, 1)  # fmt: skip
    assert (
        "annotate: 3 pairs, parse failures 1 {'keyword': 1, 'label': 1, 'no-keyword': 1}, cut off "
        "at --max-new-tokens 1: 2 left unlabelled; 3 query lists, parse failures 0, cut off at "
        "--query-tokens 1: 1 dropped (--keep-truncated keeps the answers cut off that parsed)"
    ) in capsys.readouterr().err
    # SFT: the two ten-query lists and the sky page; nothing of the volcano's or the penguin's.
    assert sft_targets(tmp_path / "labelled.jsonl") == [TEN_QUERIES, SKY, TEN_QUERIES]

    # --keep-truncated: the volcano's cut-off answer is a label again (marked), its two queries
    # come back (too few for a query example); the unparsed penguin answer stays unlabelled.
    assert annotate(tmp_path, teacher, "kept.jsonl", "--keep-truncated") == 0
    kept = {r["id"]: r for r in read_jsonl(tmp_path / "kept.jsonl")}
    assert kept["volcano"]["links"][0] == {
        "text": "Volcanoes erupt when magma rises.", "label": 2, "truncated": True,
        "explanation": "The page is relevant because volcanoes"}  # fmt: skip
    assert kept["volcano"]["generated_queries"] == ["volcano query one", "volcano"]
    assert kept["penguin"]["links"][0].get("label") is None
    counts = json.loads((tmp_path / "kept.jsonl.record.json").read_text())["counts"]
    assert (counts["labels"]["truncated"], counts["labels"]["left_out"]) == (1, 1)
    assert counts["queries"]["left_out"] == 0
    assert sft_targets(tmp_path / "kept.jsonl") == [TEN_QUERIES, SKY, TEN_QUERIES, VOLCANO]


def test_sample_flags_each_answer_and_never_rewrites_a_failed_parse(tmp_path, teacher, capsys):
    assert annotate(tmp_path, teacher, "labelled.jsonl") == 0
    adapter = tmp_path / "sft"  # served by the student server; only its folder is read here
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    student = StudentServer()
    try:
        argv = ["distill", "sample", "--train", str(tmp_path / "labelled.jsonl"), "--model",
                "student", "--adapter", str(adapter), "--backend", "openai", "--base-url",
                student.url, "--k", "3", "--out", str(tmp_path / "samples.jsonl"),
                "--no-progress"]  # fmt: skip
        assert main(argv) == 0
    finally:
        student.close()
    [row] = read_jsonl(tmp_path / "samples.jsonl")  # only the sky page has a teacher label
    assert row["samples"] == [
        {"text": relevance_target("It explains it.", 2), "label": 2, "parse": "label",
         "parsed": True, "truncated": False},
        {"text": "Hmm, hard to say.", "label": None, "parse": "no-keyword", "parsed": False,
         "truncated": False},  # as written: not "Relevance Label: 0"
        {"text": relevance_target("The page is relevant since", 2), "label": 2,
         "parse": "keyword", "parsed": True, "truncated": True},
    ]  # fmt: skip
    assert row["teacher_truncated"] is False
    counts = json.loads((tmp_path / "samples.jsonl.record.json").read_text())["counts"]
    assert (counts["pairs"], counts["items"], counts["parse_failures"], counts["truncated"]) == (
        1, 3, 1, 1)  # fmt: skip
    assert (
        "sample: 3 samples of 1 pairs, parse failures 1, cut off at --max-new-tokens 1 (all "
        "scored; refine trains on neither unless --keep-unparsed / --keep-truncated)"
    ) in capsys.readouterr().err


def scored_row():
    def candidate(text, normalised, parsed=True, truncated=False, source="student"):
        return {"text": text, "source": source, "label": 2 if parsed else None,
                "parsed": parsed, "truncated": truncated, "normalised": normalised}  # fmt: skip

    return {"question": "q", "document": "d", "misclassification": 0.5, "candidates": [
        candidate("good", 0.9),
        candidate("Hmm, hard to say.", 0.95, parsed=False),
        candidate("cut", 0.88, truncated=True),
        candidate("cut and unparsed", 0.86, parsed=False, truncated=True),
        candidate("low", 0.2, parsed=False),  # below 0.85: never kept, not counted
        candidate("teacher", 1.0, source="teacher")]}  # fmt: skip


def test_refine_leaves_bad_answers_out_unless_told():
    kept, left_out = weighted_examples([scored_row()], 0.85, boosted=False)
    assert [(text, r) for _, text, r, _ in kept] == [("good", 0.9), ("teacher", 1.0)]
    assert left_out == {"unparsed": 2, "truncated": 1}  # cut-and-unparsed counts as unparsed
    kept, left_out = weighted_examples([scored_row()], 0.85, False, Keep(truncated=True))
    assert [text for _, text, _, _ in kept] == ["good", "cut", "teacher"]
    assert left_out == {"unparsed": 2, "truncated": 0}
    kept, left_out = weighted_examples([scored_row()], 0.85, False, Keep(True, unparsed=True))
    assert [text for _, text, _, _ in kept] == [
        "good", "Hmm, hard to say.", "cut", "cut and unparsed", "teacher"]  # fmt: skip
    assert left_out == {"unparsed": 0, "truncated": 0}


def test_refine_with_only_bad_answers_left_stops_and_says_why(tmp_path, capsys):
    row = scored_row()
    row["candidates"] = [c for c in row["candidates"] if not (c["parsed"] and not c["truncated"])]
    write_jsonl(tmp_path / "scored.jsonl", [{"question_id": "a", "page": "L0", **row}])
    adapter = tmp_path / "sft"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    argv = ["distill", "refine", "--scored", str(tmp_path / "scored.jsonl"), "--adapter",
            str(adapter), "--model", "m", "--out", str(tmp_path / "final"),
            "--no-progress"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "refine: 3 candidates with normalised reward >= 0.85: 0 kept, left out 2 unparsed and 1 "
        "cut off at the token limit (--keep-unparsed / --keep-truncated keep them)",
        "error: no candidate with a normalised reward >= 0.85 is left to train on (left out: 2 "
        "unparsed, 1 cut off)",
    ]
    # A scored file from before answers were flagged cannot say which to leave out.
    for c in row["candidates"]:
        del c["parsed"], c["truncated"]
    write_jsonl(tmp_path / "scored.jsonl", [{"question_id": "a", "page": "L0", **row}])
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "error: the scored file does not say which answers parsed or were cut off (made by an "
        "older version): rerun distill sample with --force, then distill score\n"
    )
