"""kill -9 mid-run: the outputs on disk are the ones that had completed, less at most those in
flight, and the rerun computes only the rest."""

import os
import signal
import subprocess
import sys
import time

from bright_eval.rerank import Candidate
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.runner import rerank
from tests.conftest import REPO
from tests.openai_server import Server
from tests.stand_ins import Instant

QUERIES, DOCS = 100, 4  # 400 pairs

RUN = """
import sys
from bright_eval.rerank import Candidate, RerankerOptions, get_reranker_class
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.runner import rerank
from tests.stand_ins import Slow

folder, kind, arg = sys.argv[1:4]
cands = {f"q{i}": [Candidate(f"q{i}", "why?", f"d{k}", f"text {k}", k + 1) for k in range(4)]
         for i in range(100)}
if kind == "slow":
    reranker, batch_size = Slow(0.01, arg), 4
else:  # a streaming backend: the server at `arg`, four requests at a time
    options = RerankerOptions(model="m", backend="openai",
                              backend_options={"base_url": arg, "concurrency": 4})
    reranker, batch_size = get_reranker_class("llm-pointwise")(options), 256
rerank(reranker, cands, OutputCache(folder), batch_size, progress=False)
"""


def start(folder, kind, arg):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", RUN, str(folder), kind, str(arg)], env=env)


def lines(path):
    return path.read_text().splitlines() if path.exists() else []


def kill_when(process, ready, timeout=120):
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()


def all_pairs():
    return {f"q{i}": [Candidate(f"q{i}", "why?", f"d{k}", f"text {k}", k + 1) for k in range(DOCS)]
            for i in range(QUERIES)}  # fmt: skip


def test_a_killed_run_keeps_every_output_finished_but_the_last_group(tmp_path):
    log = tmp_path / "finished.log"
    process = start(tmp_path, "slow", log)
    kill_when(process, lambda: len(lines(log)) >= 40)
    finished = len(lines(log))
    stored = len(OutputCache(tmp_path))
    # Stored after finishing; lost at most the group of 4 finished but not yet written.
    assert stored <= finished <= stored + 4 and stored < QUERIES * DOCS
    result = rerank(Instant(), all_pairs(), OutputCache(tmp_path), progress=False)
    assert result.stats.cached == stored and result.stats.computed == QUERIES * DOCS - stored


def test_a_streaming_backend_writes_each_answer_before_its_batch_is_done(tmp_path):
    server = Server(delay=0.02)
    try:
        process = start(tmp_path, "openai", server.url)
        # The whole run is one batch of 256 pairs then one of 144: outputs on disk before the
        # first batch is done are there because each was written as it came.
        kill_when(process, lambda: len(lines(tmp_path / "all.jsonl")) >= 40)
        answered = server.answered
    finally:
        server.close()
    stored = len(OutputCache(tmp_path))
    assert 40 <= stored < 256
    # Lost: the answers in flight, at most the four requests open plus the few answered
    # but not yet written when the kill came.
    assert stored <= answered <= stored + 8
