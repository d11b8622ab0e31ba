"""Outputs as they finish: the OpenAI and vLLM backends' streams, the local engine feeding a
batch-written reranker one item per thread, and each output's recorded cost."""

import sys
import threading
import time
import types

import pytest

from bright_eval.engines.local import LocalEngine
from bright_eval.rerank import Candidate, Judgement, PointwiseReranker
from bright_eval.rerank.backends import GenerationParams, get_backend, vllm_backend
from bright_eval.rerank.backends.base import Generation, GenerationBackend
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.generative import GenerativeMixin
from bright_eval.rerank.runner import rerank
from tests.helpers import fake_vllm
from tests.openai_server import Server


def chat(text):
    return [{"role": "user", "content": text}]


def test_openai_yields_each_response_as_it_arrives():
    server = Server(delays={"slow": 0.6})
    try:
        backend = get_backend("openai", "m", base_url=server.url, concurrency=3)
        stream = backend.generate_stream([chat("slow"), chat("a"), chat("b")], GenerationParams())
        arrived = [(i, g.text, g.model_seconds) for i, g in stream]
    finally:
        server.close()
    assert [i for i, _, _ in arrived] == [1, 2, 0] or [i for i, _, _ in arrived] == [2, 1, 0]
    assert arrived[-1][1] == "echo slow" and arrived[-1][2] >= 0.6  # its request's latency
    assert backend.hardware() == f"server: {server.url}"


def test_vllm_steps_its_engine_and_yields_each_output_the_step_it_finishes(
    smollm2_path, monkeypatch
):
    calls = {}
    for name, module in fake_vllm(calls).items():
        monkeypatch.setitem(sys.modules, name, module)
    backend = get_backend("vllm", smollm2_path, data_parallel_size=2)
    assert backend.engine_args["data_parallel_size"] == 2  # passed through to vLLM
    engine = backend.llm.llm_engine
    monkeypatch.setattr(
        vllm_backend, "time", types.SimpleNamespace(perf_counter=lambda: engine.clock)
    )
    # The stand-in engine finishes request k at step k + 1, last prompt first.
    out = list(backend.generate_stream([chat("a"), chat("b"), chat("c")], GenerationParams()))
    assert [i for i, _ in out] == [2, 1, 0]
    assert engine.steps == 3 and engine.aborted == []
    assert all(g.text == "Fine.\n\nRelevance Label: 2" for _, g in out)
    # Step times are shared by the requests still running: 3 of them in step 1, 2, then 1.
    step = engine.step_seconds
    shares = [g.model_seconds for _, g in out]
    assert shares == pytest.approx([step / 3, step / 3 + step / 2, step / 3 + step / 2 + step])
    # A caller that stops early frees the engine of the requests it no longer wants.
    stream = backend.generate_stream([chat("a"), chat("b"), chat("c")], GenerationParams())
    next(stream)
    stream.close()
    assert sorted(engine.aborted) == ["bright-eval-3", "bright-eval-4"]


def test_with_vllm_items_ready_mid_round_join_the_running_engine(smollm2_path, monkeypatch):
    calls = {}
    for name, module in fake_vllm(calls).items():
        monkeypatch.setitem(sys.modules, name, module)
    backend = get_backend("vllm", smollm2_path)
    backend.llm.llm_engine.pause = 0.1  # a step takes long enough for a freed thread to ask
    streams = []
    stream = backend.generate_stream
    monkeypatch.setattr(backend, "generate_stream", lambda p, s: streams.append(p) or stream(p, s))
    reranker = OneCall()
    reranker.backend = backend
    cands = [Candidate("q", "?", f"d{k}", chat(f"doc {k}"), k) for k in range(5)]
    # Two items in flight at a time, five items: one engine loop serves them all.
    groups = list(LocalEngine().map(reranker, "judge", cands, batch_size=2))
    assert sorted(i for g in groups for i, _ in g) == [0, 1, 2, 3, 4]
    assert len(streams) == 1 and len(streams[0]) == 5
    assert backend.llm.llm_engine.steps == 5


class StreamingFake(GenerationBackend):
    """Answers every prompt with its own text reversed, yielding the round in reverse order;
    counts rounds and records the prompts of each."""

    name = ""

    def __init__(self, pause=0.0):
        super().__init__("fake")
        self.rounds, self.yielded, self.pause = [], 0, pause

    def generate(self, prompts, params):
        raise AssertionError("the engine should stream")

    def generate_stream(self, prompts, params):
        self.rounds.append(list(prompts))
        for i in reversed(range(len(prompts))):
            yield i, Generation(text=prompts[i][::-1], generated_tokens=2, model_seconds=0.5)
            self.yielded += 1
            time.sleep(self.pause)  # a slow engine: the waiting thread parses meanwhile

    def next_token_logprobs(self, prompts, tokens):
        self.rounds.append(list(prompts))
        return [{t: -float(len(p)) for t in tokens} for p in prompts]


class OneCall(GenerativeMixin, PointwiseReranker):
    name = ""

    def judge(self, candidates):
        generations = self.backend.generate([c.document for c in candidates], GenerationParams())
        return [Judgement(score=len(g.text), raw=g.text) for g in generations]


def test_each_output_is_returned_while_the_rest_still_generate():
    backend = StreamingFake(pause=0.2)
    reranker = OneCall()
    reranker.backend = backend
    cands = [Candidate("q", "?", f"d{k}", "x" * k, k) for k in range(1, 6)]
    groups = LocalEngine().map(reranker, "judge", cands, batch_size=8)
    first = next(groups)
    assert first[0][1].raw == "xxxxx"  # the backend's first finished: the last prompt
    assert backend.yielded < 5  # returned before the round was over
    rest = list(groups)
    assert sorted(i for g in [first, *rest] for i, _ in g) == [0, 1, 2, 3, 4]
    assert backend.rounds == [["x" * k for k in range(1, 6)]]  # every prompt in one round


class TwoCalls(GenerativeMixin, PointwiseReranker):
    """Generates, then asks for log-probabilities after what it generated (as Rank1 does)."""

    name = ""

    def judge(self, candidates):
        texts = [
            g.text
            for g in self.backend.generate([c.document for c in candidates], GenerationParams())
        ]
        logprobs = self.backend.next_token_logprobs([t + "!" for t in texts], ["x"])
        return [Judgement(score=lp["x"], raw=t) for t, lp in zip(texts, logprobs, strict=True)]


def test_a_batch_written_reranker_streams_one_output_per_item(tmp_path):
    backend = StreamingFake()
    reranker = TwoCalls()
    reranker.backend = backend
    cands = {"q": [Candidate("q", "?", f"d{k}", "x" * k, k) for k in range(1, 6)]}
    groups = list(LocalEngine().map(reranker, "judge", cands["q"], batch_size=8))
    assert sorted(i for g in groups for i, _ in g) == [0, 1, 2, 3, 4]
    # Two rounds: all five prompts at once, then all five follow-up calls at once.
    assert sorted(backend.rounds[0]) == ["x" * k for k in range(1, 6)]
    assert sorted(backend.rounds[1]) == ["x" * k + "!" for k in range(1, 6)]
    judged = {i: j for g in groups for i, j in g}
    assert [judged[i].score for i in range(5)] == [-2.0, -3.0, -4.0, -5.0, -6.0]
    # Model seconds: the generation's 0.5 s plus a fifth of the (instant) log-prob call.
    assert judged[0].model_seconds == pytest.approx(0.5, abs=0.05)
    assert judged[0].hardware.startswith("CPU: ")
    assert reranker.backend is backend  # put back
    result = rerank(reranker, cands, OutputCache(tmp_path), progress=False)
    assert result.stats.computed == 5 and result.stats.all_model_seconds == pytest.approx(2.5, 0.1)


def test_an_error_in_one_item_stops_the_stream_and_frees_every_thread():
    class Fails(TwoCalls):
        def judge(self, candidates):
            if candidates[0].doc_id == "d3":
                raise ValueError("bad item d3")
            return super().judge(candidates)

    reranker = Fails()
    reranker.backend = StreamingFake()
    cands = [Candidate("q", "?", f"d{k}", "x" * k, k) for k in range(1, 6)]
    before = threading.active_count()
    with pytest.raises(ValueError, match="bad item d3"):
        list(LocalEngine().map(reranker, "judge", cands, batch_size=8))
    assert threading.active_count() == before


def test_a_plain_reranker_gets_chunks_and_each_output_its_share_of_the_call():
    class Counts(PointwiseReranker):
        name = ""

        def judge(self, candidates):
            return [Judgement(score=1.0) for _ in candidates]

    cands = [Candidate("q", "?", f"d{k}", "t", k) for k in range(5)]
    groups = list(LocalEngine().map(Counts(), "judge", cands, batch_size=2))
    assert [[i for i, _ in g] for g in groups] == [[0, 1], [2, 3], [4]]
    assert all(j.model_seconds > 0 and j.hardware.startswith("CPU: ") for g in groups for _, j in g)


def test_transformers_yields_each_sub_batch_before_computing_the_next(smollm2_path, monkeypatch):
    backend = get_backend("transformers", smollm2_path, max_batch_size=2)
    batches = []

    def one_batch(rows, params, prefix=None):
        batches.append(len(rows))
        return [Generation(text=str(len(r))) for r in rows]

    monkeypatch.setattr(backend, "_generate_batch", one_batch)
    # Five prompts, two rows per sub-batch: 2 + 2 + 1, longest first.
    prompts = [chat("word " * n) for n in (1, 5, 2, 4, 3)]
    stream = backend.generate_stream(prompts, GenerationParams(max_new_tokens=4))
    first = [next(stream), next(stream)]
    assert batches == [2] and sorted(i for i, _ in first) == [1, 3]  # the two longest
    rest = list(stream)
    assert batches == [2, 2, 1] and sorted(i for i, _ in rest) == [0, 2, 4]
    assert all(g.model_seconds > 0 for _, g in first + rest)
