"""The reranker output cache on damaged files: every unreadable line is skipped and reported,
never a traceback, and no valid line is lost; a torn tail is cut before the next append."""

import json
import math
import os
import signal
import subprocess
import sys
from dataclasses import asdict

import pytest

from bright_eval.rerank import Judgement, Permutation, PointwiseReranker
from bright_eval.rerank import cache as cache_module
from bright_eval.rerank.cache import OutputCache, cache_folder_name, pair_key, window_key
from bright_eval.rerank.cache_lines import InvalidOutputError
from tests.helpers import cand, judgement


def filled(folder, n=3, writer="all"):
    """A cache file with outputs d0..d{n-1}; returns the cache (closed) and its file."""
    with OutputCache(folder, writer) as cache:
        for i in range(n):
            cache.put_judgements([cand(f"d{i}")], [judgement(i)])
    return folder / f"{writer}.jsonl"


def entry_line(doc, i):
    c = cand(doc)
    entry = {"key": pair_key(c), "query_id": c.query_id, "doc_id": c.doc_id,
             "judgement": asdict(judgement(i))}  # fmt: skip
    return json.dumps(entry, ensure_ascii=False).encode() + b"\n"


def assert_all_there(cache, docs):
    for i, doc in docs:
        assert cache.get_judgement(cand(doc)) == judgement(i), doc


def test_cost_fields_and_every_other_field_round_trip(tmp_path):
    filled(tmp_path, 2)
    cache = OutputCache(tmp_path)
    got = cache.get_judgement(cand("d1"))
    assert (got.model_seconds, got.hardware, got.raw) == (0.5, "transformers on cpu", "reason 1 😀")
    assert got == judgement(1) and cache.skipped == {}
    w = [cand("d1"), cand("d2")]
    p = Permutation(order=[1, 0], raw="[2] > [1]", prompt_tokens=40, generated_tokens=9,
                    model_seconds=2.5, hardware="vllm on 1x NVIDIA H200")  # fmt: skip
    cache.put_permutations([w], [p])
    cache.close()
    again = OutputCache(tmp_path)
    assert again.get_permutation(w) == p and again.get_judgement(cand("d2")) is None
    assert len(again) == 3


@pytest.mark.parametrize(
    "damage, reasons",
    [
        # cut inside the 4-byte emoji of a raw text, no newline: a killed write
        (lambda line: line[: line.index("😀".encode()) + 2], {"cut short": 1}),
        # the same cut, then a newline: bytes that are not UTF-8
        (lambda line: line[: line.index("😀".encode()) + 2] + b"\n", {"not UTF-8": 1}),
        (lambda line: b"\xff\xfe\x00garbage\x9c", {"cut short": 1}),
        (lambda line: b"\xff\xfe\x00garbage\x9c\n\x80\n", {"not UTF-8": 2}),
        (lambda line: b'{"key": "q1\\t", "judgement": {"score": \n', {"not JSON": 1}),
        (lambda line: b'[1, 2]\nnull\n"text"\n', {"not an output": 3}),
        (lambda line: b'{"key": 5, "judgement": {"score": 1}}\n', {"not an output": 1}),
        (lambda line: b'{"key": "k"}\n{"key": "k", "judgement": []}\n', {"not an output": 2}),
        # wrong field types or a required field missing
        (lambda line: b'{"key": "k", "judgement": {"score": "high"}}\n', {"not an output": 1}),
        (lambda line: b'{"key": "k", "judgement": {"score": true}}\n', {"not an output": 1}),
        (lambda line: b'{"key": "k", "judgement": {"parsed": false}}\n', {"not an output": 1}),
        (lambda line: b'{"key": "k", "permutation": {"order": ["a"]}}\n', {"not an output": 1}),
        (
            lambda line: b'{"key": "k", "judgement": {"score": 1, "label": 1.5}}\n',
            {"not an output": 1},
        ),  # fmt: skip
        # numbers Python's json reads but JSON cannot hold, in any typed number of an output
        (lambda line: line.replace(b'"score": 9.0', b'"score": NaN'), {"not a finite number": 1}),
        (
            lambda line: b'{"key": "k", "judgement": {"score": 1, "scores": {"e": Infinity}}}\n',
            {"not a finite number": 1},
        ),  # fmt: skip
        (
            lambda line: b'{"key": "k", "judgement": {"score": 1, "model_seconds": -Infinity}}\n',
            {"not a finite number": 1},
        ),  # fmt: skip
        (
            lambda line: b'{"key": "k", "permutation": {"order": [0], "model_seconds": NaN}}\n',
            {"not a finite number": 1},
        ),  # fmt: skip
    ],
)
def test_each_corruption_is_skipped_counted_and_reported(tmp_path, capsys, damage, reasons):
    path = filled(tmp_path, 2)
    bad = damage(entry_line("d9", 9))
    with open(path, "ab") as f:
        f.write(bad)
    if bad.endswith(b"\n"):  # damage in the middle of the file: a valid line follows it
        with open(path, "ab") as f:
            f.write(entry_line("d2", 2))
    cache = OutputCache(tmp_path)
    assert cache.skipped == {"all.jsonl": reasons}
    assert_all_there(cache, [(0, "d0"), (1, "d1")] + [(2, "d2")] * bad.endswith(b"\n"))
    assert cache.get_judgement(cand("d9")) is None
    n = sum(reasons.values())
    [warning] = capsys.readouterr().err.splitlines()
    lines = "line" if n == 1 else "lines"
    assert warning.startswith(f"warning: {path}: skipped {n} unreadable {lines} (")
    assert warning.endswith("); any output they held is recomputed")


def test_a_torn_tail_is_cut_before_the_next_append_and_nothing_is_lost(tmp_path, capsys):
    path = filled(tmp_path, 2)
    line = entry_line("d2", 2)
    fragment = line[: line.index("😀".encode()) + 1]
    with open(path, "ab") as f:
        f.write(fragment)
    cache = OutputCache(tmp_path)
    assert (len(cache), cache.torn_lines) == (2, 1)
    assert cache.get_judgement(cand("d2")) is None  # to be recomputed
    cache.put_judgements([cand("d2")], [judgement(2)])
    cache.close()
    assert path.read_bytes().count(fragment) == 1  # only inside the whole line just appended
    assert path.read_bytes().endswith(line)
    capsys.readouterr()
    again = OutputCache(tmp_path)
    assert again.skipped == {} and len(again) == 3
    assert_all_there(again, [(0, "d0"), (1, "d1"), (2, "d2")])
    assert capsys.readouterr().err == ""


def test_an_output_glued_to_a_fragment_by_an_older_version_is_recovered(tmp_path):
    path = filled(tmp_path, 1)
    line = entry_line("d1", 1)
    with open(path, "ab") as f:
        f.write(line[:40] + entry_line("d2", 2) + entry_line("d3", 3))
    cache = OutputCache(tmp_path)
    assert cache.skipped == {"all.jsonl": {"not JSON": 1}}
    assert_all_there(cache, [(0, "d0"), (2, "d2"), (3, "d3")])


def test_a_fragment_with_no_newline_at_all_is_cut_to_an_empty_file(tmp_path):
    path = tmp_path / "all.jsonl"
    path.write_bytes(b'{"key": "q1')
    with OutputCache(tmp_path) as cache:
        assert cache.torn_lines == 1
        cache.put_judgements([cand("d0")], [judgement(0)])
    assert path.read_bytes() == entry_line("d0", 0)


def test_fields_from_a_newer_version_are_dropped_not_fatal(tmp_path):
    entry = json.loads(entry_line("d0", 0))
    entry["judgement"]["joules"] = 12.5
    (tmp_path / "all.jsonl").write_text(json.dumps(entry) + "\n")
    cache = OutputCache(tmp_path)
    assert cache.skipped == {} and cache.get_judgement(cand("d0")) == judgement(0)


def test_other_writers_fragments_are_reported_but_never_cut(tmp_path):
    shard = filled(tmp_path, 1, writer="shard-1-of-2")
    with open(shard, "ab") as f:
        f.write(b'{"key": ')
    with OutputCache(tmp_path) as cache:
        cache.put_judgements([cand("d5")], [judgement(5)])
    assert shard.read_bytes().endswith(b'{"key": ')
    assert OutputCache(tmp_path).skipped == {"shard-1-of-2.jsonl": {"cut short": 1}}


def test_every_put_survives_a_sigkill(tmp_path):
    """One output per call, then the process kills itself: no close, no fsync, no exit hook."""
    script = f"""
import os, signal, sys
sys.path.insert(0, {str(os.getcwd())!r})
from tests.helpers import cand, judgement
from bright_eval.rerank.cache import OutputCache
cache = OutputCache({str(tmp_path)!r})
for i in range(5):
    cache.put_judgements([cand(f"d{{i}}")], [judgement(i)])
os.kill(os.getpid(), signal.SIGKILL)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    cache = OutputCache(tmp_path)
    assert cache.skipped == {}
    assert_all_there(cache, [(i, f"d{i}") for i in range(5)])


def test_fsync_every_n_outputs_and_on_close(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(cache_module.os, "fsync", lambda fd: synced.append(fd))
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: 100.0)  # no time passes
    cache = OutputCache(tmp_path)
    for i in range(600):
        cache.put_judgements([cand(f"d{i}")], [judgement(i)])
    assert len(synced) == 2  # after outputs 256 and 512
    cache.close()
    assert len(synced) == 3  # the last 88
    cache.close()
    assert len(synced) == 3


def test_fsync_at_least_every_second(tmp_path, monkeypatch):
    synced, now = [], [100.0]
    monkeypatch.setattr(cache_module.os, "fsync", lambda fd: synced.append(fd))
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: now[0])
    cache = OutputCache(tmp_path)
    cache.put_judgements([cand("d0")], [judgement(0)])
    now[0] += 0.4
    cache.put_judgements([cand("d1")], [judgement(1)])
    assert synced == []
    now[0] += 0.7  # 1.1 s since the cache opened
    cache.put_judgements([cand("d2")], [judgement(2)])
    assert len(synced) == 1


def test_two_writers_on_one_file_interleave_whole_lines(tmp_path):
    a, b = OutputCache(tmp_path), OutputCache(tmp_path)
    for i in range(0, 40, 2):
        a.put_judgements([cand(f"d{i}")], [judgement(i)])
        b.put_judgements([cand(f"d{i + 1}")], [judgement(i + 1)])
    a.close()
    b.close()
    cache = OutputCache(tmp_path)
    assert cache.skipped == {} and len(cache) == 40


def test_records_name_the_folder_relative_to_the_cache_root(tmp_path):
    from tests.helpers import Labels

    reranker = Labels()
    cache = OutputCache.for_reranker(reranker, root=tmp_path / "root")
    expected = f"rerank/-{reranker.config_hash()}"  # Labels is unnamed
    assert cache.name == cache_folder_name(reranker) == expected
    assert cache.folder == tmp_path / "root" / "rerank" / f"-{reranker.config_hash()}"
    assert window_key([cand("d1")]) != pair_key(cand("d1"))


def test_threads_storing_one_output_each_lose_nothing(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    cache = OutputCache(tmp_path)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: cache.put_judgements([cand(f"d{i}")], [judgement(i)]), range(400)))
    cache.close()
    again = OutputCache(tmp_path)
    assert again.skipped == {}
    assert_all_there(again, [(i, f"d{i}") for i in range(400)])


def test_the_warning_line_counts_each_reason(tmp_path, capsys):
    path = filled(tmp_path, 1)
    with open(path, "ab") as f:
        f.write(b"{\n}\n" + entry_line("d1", 1) + b'{"key": "q')
    (tmp_path / "z.jsonl").mkdir()  # not a file at all
    cache = OutputCache(tmp_path)
    assert_all_there(cache, [(0, "d0"), (1, "d1")])
    assert capsys.readouterr().err.splitlines() == [
        f"warning: {path}: skipped 3 unreadable lines (1 cut short, 2 not JSON); any output "
        "they held is recomputed",
        f"warning: {tmp_path / 'z.jsonl'}: skipped 1 unreadable line (1 unreadable file: Is a "
        "directory); any output they held is recomputed",
    ]
    assert cache.skipped["all.jsonl"] == {"cut short": 1, "not JSON": 2}
    # The writer's own torn tail is cut on opening: later runs do not warn about it again.
    assert path.read_bytes().endswith(b"}\n" + entry_line("d1", 1))
    assert OutputCache(tmp_path, warn=False).skipped["all.jsonl"] == {"not JSON": 2}


def test_a_fragment_left_by_a_writer_that_died_meanwhile_is_cut_before_appending(tmp_path):
    path = filled(tmp_path, 1)
    cache = OutputCache(tmp_path)
    cache.put_judgements([cand("d1")], [judgement(1)])
    with open(path, "ab") as f:  # another process with the same writer name, killed mid-line
        f.write(entry_line("d2", 2)[:50])
    cache.put_judgements([cand("d3")], [judgement(3)])
    cache.close()
    assert path.read_bytes() == entry_line("d0", 0) + entry_line("d1", 1) + entry_line("d3", 3)


def strict(line: str):
    """JSON as the standard has it: NaN and Infinity are not numbers of it."""

    def reject(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(line, parse_constant=reject)


def test_a_label_outside_the_rerankers_labels_is_damage(tmp_path, capsys):
    path = tmp_path / "all.jsonl"
    path.write_bytes(entry_line("d1", 1) + entry_line("d5", 5) + entry_line("d2", 2))
    # judgement(i) has label i % 3; the line of d5 is changed to label 3.
    text = path.read_text().replace('"label": 2, "raw": "reason 5', '"label": 3, "raw": "reason 5')
    path.write_text(text)
    cache = OutputCache(tmp_path, labels=(0, 1, 2))
    assert cache.skipped == {"all.jsonl": {"label outside the reranker's labels": 1}}
    assert cache.get_judgement(cand("d5")) is None  # recomputed
    assert_all_there(cache, [(1, "d1"), (2, "d2")])
    assert "(1 label outside the reranker's labels)" in capsys.readouterr().err
    # A reranker that declares no labels takes any.
    assert OutputCache(tmp_path).get_judgement(cand("d5")).label == 3


def test_rerankers_declare_their_labels_and_the_cache_checks_them(tmp_path):
    from bright_eval_zoo.interank import InteRank
    from bright_eval_zoo.llm_pointwise import LLMPointwise
    from bright_eval_zoo.rank1 import Rank1
    from tests.helpers import Labels

    assert (InteRank.valid_labels, LLMPointwise.valid_labels, Rank1.valid_labels) == (
        (0, 1, 2), (0, 1, 2), (0, 1),
    )  # fmt: skip
    assert Labels.valid_labels is None

    class ZeroOneTwo(Labels):
        valid_labels = (0, 1, 2)

    cache = OutputCache.for_reranker(ZeroOneTwo(), root=tmp_path)
    assert cache.labels == (0, 1, 2)
    # Declaring labels describes the reranker; it changes no cache key.
    assert ZeroOneTwo().config_hash() == Labels().config_hash()


def test_storing_a_non_finite_number_or_an_undeclared_label_is_refused(tmp_path):
    cache = OutputCache(tmp_path, labels=(0, 1, 2))
    nan = Judgement(score=float("nan"))
    with pytest.raises(InvalidOutputError) as err:
        cache.put_judgements([cand("d0"), cand("d1")], [judgement(0), nan])
    assert str(err.value) == (
        f"{cache.name}: query q1, document d1: score is nan, not a finite number; nothing was "
        "cached (the reranker must give finite scores)"
    )
    inf = Judgement(score=1.0, scores={"expected_label": float("inf")})
    with pytest.raises(InvalidOutputError, match="scores is {'expected_label': inf}"):
        cache.put_judgements([cand("d2")], [inf])
    with pytest.raises(InvalidOutputError) as err:
        cache.put_judgements([cand("d3")], [Judgement(score=3.0, label=3)])
    assert str(err.value) == (
        f"{cache.name}: query q1, document d3: label 3 is not one of the reranker's labels "
        "(0, 1, 2); nothing was cached"
    )
    bad_window = Permutation(order=[0], model_seconds=float("nan"))
    with pytest.raises(InvalidOutputError, match="model_seconds is nan"):
        cache.put_permutations([[cand("d4")]], [bad_window])
    cache.close()
    # Nothing of a refused batch was stored, not even its good output (d0).
    assert len(cache) == 0 and not (tmp_path / "all.jsonl").exists()


def test_minus_infinity_in_free_form_details_is_kept_as_strict_json(tmp_path):
    # Rank1's log-probability of a verdict token outside the top alternatives: -inf, a value.
    j = Judgement(score=1.0, label=1, details={"logprob_false": float("-inf"), "n": [1.5]})
    with OutputCache(tmp_path) as cache:
        cache.put_judgements([cand("d1")], [j])
    [line] = (tmp_path / "all.jsonl").read_text().splitlines()
    assert strict(line)["judgement"]["details"] == {"logprob_false": "-Infinity", "n": [1.5]}
    got = OutputCache(tmp_path).get_judgement(cand("d1"))
    assert got.details == {"logprob_false": "-Infinity", "n": [1.5]} and got.score == 1.0
    # A line an older version wrote with the bare constant in its details is still an output.
    old = entry_line("d2", 2).replace(b'"details": {"i": 2}', b'"details": {"lp": -Infinity}')
    (tmp_path / "old.jsonl").write_bytes(old)
    again = OutputCache(tmp_path)
    assert again.skipped == {} and again.get_judgement(cand("d2")).details == {"lp": -math.inf}


class ThreeLabels(PointwiseReranker):
    name = "test-three-labels"
    valid_labels = (0, 1, 2)
    _asked: list[str] = []  # private: not a setting, so not in the key

    def judge(self, candidates):
        ThreeLabels._asked += [c.doc_id for c in candidates]
        return [Judgement(score=float(len(c.document) % 3), label=len(c.document) % 3,
                          details={"logprob": float("-inf")}) for c in candidates]  # fmt: skip


def test_a_damaged_cached_output_is_recomputed_and_outputs_are_strict_json(
    shared_bright, tmp_path, monkeypatch, capsys
):
    import gzip

    from bright_eval.cli import main
    from bright_eval.rerank import REGISTRY
    from tests.snapshot import build_domain

    root = tmp_path / "bright"
    root.mkdir()
    _, docs = build_domain(shared_bright, root, "pony", ["42"], 3)
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    argv = ["--reranker", "test-three-labels", "--first-stage", f"file:{root}/{{domain}}.trec",
            "--data-dir", str(root), "--domains", "pony", "--system-name", "three",
            "--results-dir", str(tmp_path / "results"), "--no-progress"]  # fmt: skip
    try:
        ThreeLabels._asked = []
        assert main(argv) == 0
        first = list(ThreeLabels._asked)
        assert len(first) == 3
        # Damage two of the three cached outputs: a NaN score, and a label it never gives.
        [cache_file] = (tmp_path / "cache" / "rerank").glob("test-three-labels-*/all.jsonl")
        lines = cache_file.read_text().splitlines(keepends=True)
        nan, three = json.loads(lines[0]), json.loads(lines[1])
        lines[0] = lines[0].replace(f'"score": {nan["judgement"]["score"]}', '"score": NaN')
        lines[1] = lines[1].replace(f'"label": {three["judgement"]["label"]}', '"label": 3')
        cache_file.write_text("".join(lines))
        ThreeLabels._asked = []
        capsys.readouterr()
        assert main(argv) == 0
    finally:
        REGISTRY.pop("test-three-labels", None)
    assert ThreeLabels._asked == [nan["doc_id"], three["doc_id"]]  # recomputed, in rank order
    assert (
        "skipped 2 unreadable lines (1 label outside the reranker's labels, 1 not a finite "
        "number); any output they held is recomputed"
    ) in capsys.readouterr().err
    path = tmp_path / "results" / "three" / "outputs" / "pony.jsonl.gz"
    outputs = [strict(line) for line in gzip.open(path, "rt")]
    for o in outputs:
        label = len(docs[o["doc_id"]]) % 3
        assert (o["score"], o["label"]) == (float(label), label)
        assert o["details"] == {"logprob": "-Infinity"}


class NotANumber(PointwiseReranker):
    name = "test-not-a-number"

    def judge(self, candidates):
        return [Judgement(score=float("nan")) for _ in candidates]


def test_a_reranker_giving_nan_stops_the_run_with_one_line(shared_bright, tmp_path, monkeypatch,
                                                           capsys):  # fmt: skip
    from bright_eval.cli import main
    from bright_eval.rerank import REGISTRY
    from bright_eval.runs import ranked, read_run
    from tests.snapshot import build_domain

    root = tmp_path / "bright"
    root.mkdir()
    build_domain(shared_bright, root, "pony", ["42"], 2)
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    argv = ["--reranker", "test-not-a-number", "--first-stage", f"file:{root}/{{domain}}.trec",
            "--data-dir", str(root), "--domains", "pony",
            "--results-dir", str(tmp_path / "results"), "--no-progress"]  # fmt: skip
    try:
        assert main(argv) == 2
    finally:
        REGISTRY.pop("test-not-a-number", None)
    first_doc = ranked(read_run(root / "pony.trec")["42"])[0][0]
    folder = cache_folder_name(NotANumber())
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"error: {folder}: query 42, document {first_doc}: score is nan, not a finite number; "
        "nothing was cached (the reranker must give finite scores)"
    )
    assert not list((tmp_path / "results").glob("*/system.json"))
