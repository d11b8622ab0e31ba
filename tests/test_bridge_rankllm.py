"""Any rank_llm reranker as a bright_eval reranker (`bright_eval.bridges.rankllm`): each window
a real rank_llm `Request` in and `Result` out, through the output cache and into the record.
rank_llm's own rerankers import vLLM; the stand-in here answers as one, with rank_llm's types."""

import copy
import gzip
import json
from importlib.metadata import version

import pytest

data = pytest.importorskip(
    "rank_llm.data", reason="rank_llm is not installed (extra: rankllm; --no-deps suffices)"
)

from bright_eval.bridges import BridgeError  # noqa: E402
from bright_eval.bridges.rankllm import RankLLMReranker  # noqa: E402
from bright_eval.cli import main  # noqa: E402
from bright_eval.pipeline import DataSpec, PipelineSpec, run  # noqa: E402
from bright_eval.rerank import Candidate  # noqa: E402
from bright_eval.rerank.cache import OutputCache  # noqa: E402
from bright_eval.rerank.runner import rerank  # noqa: E402
from bright_eval.results import system_dir  # noqa: E402
from bright_eval.runs import ranked  # noqa: E402
from tests.snapshot import build_domain  # noqa: E402


class Reverser:
    """A rank_llm model coordinator's contract (`rerank_batch`) and settings (`_model`,
    `_window_size`, ...): each window's answer is its ids reversed, `[n] > ... > [1]`, or
    `answer` when given (the order returned is then rank_llm's repair of it)."""

    def __init__(self, model="stub/reverser-1", answer=None):
        self._model = model
        self._context_size = 4096
        self._window_size = 20
        self._stride = 10
        self._device = "cpu"
        self._keys = ["sk-not-for-the-cache"]
        self._answer = answer
        self.calls = []

    def rerank_batch(self, requests, rank_start=0, rank_end=100, shuffle_candidates=False,
                     logging=False, **kwargs):  # fmt: skip
        if len({len(r.candidates) for r in requests}) != 1:  # as rank_llm's vLLM coordinator
            raise ValueError("Batched requests must have the same number of candidates")
        self.calls.append((requests, rank_start, rank_end, kwargs))
        results = []
        for request in requests:
            n = len(request.candidates)
            answer = self._answer or " > ".join(f"[{i}]" for i in range(n, 0, -1))
            ids = [
                int(x) - 1
                for x in answer.replace("[", " ").replace("]", " ").split()
                if x.isdigit()
            ]
            order = list(dict.fromkeys(ids)) + [i for i in range(n) if i not in ids]
            call = data.InferenceInvocation("prompt", answer, 10 * n, n)
            reordered = [copy.deepcopy(request.candidates[i]) for i in order]
            results.append(data.Result(copy.deepcopy(request.query), reordered, [call]))
        return results


def candidates(qid: str, n: int) -> list[Candidate]:
    return [
        Candidate(qid, f"query {qid}", f"d{i:02}", f"text {i}", i, 100.0 - i)
        for i in range(1, n + 1)
    ]


def test_each_window_is_a_rank_llm_request_and_its_order_comes_back(tmp_path):
    stub = Reverser()
    bridge = RankLLMReranker(ranker=stub)
    result = rerank(bridge, {"q1": candidates("q1", 25), "q2": candidates("q2", 15)},
                    OutputCache(tmp_path), progress=False)  # fmt: skip
    # Step 1: q1's window at 5 (d06..d25) and q2's whole list (15) go out as two calls, since
    # rank_llm batches requests of one length only. Step 2: q1's window at 0.
    assert [(len(reqs), end, kw) for reqs, _, end, kw in stub.calls] == [
        (1, 20, {"top_k_retrieve": 20, "populate_invocations_history": True}),
        (1, 15, {"top_k_retrieve": 15, "populate_invocations_history": True}),
        (1, 20, {"top_k_retrieve": 20, "populate_invocations_history": True}),
    ]
    first = stub.calls[0][0][0]
    assert isinstance(first, data.Request) and first.query == data.Query("query q1", "q1")
    assert first.candidates[0] == data.Candidate("d06", 94.0, {"text": "text 6"})
    # Reversing d06..d25 then the top 20 (d01..d05, d25..d11) gives d11..d25, d05..d01, then
    # positions 20-24 untouched since step 1: d10..d06.
    order = [d for d, _ in ranked(result.runs["score"]["q1"])]
    expected = [f"d{i:02}" for i in [*range(11, 26), *range(5, 0, -1), *range(10, 5, -1)]]
    assert order == expected
    assert [d for d, _ in ranked(result.runs["score"]["q2"])] == [
        f"d{i:02}" for i in range(15, 0, -1)
    ]
    assert result.outputs[0]["raw"] == " > ".join(f"[{i}]" for i in range(20, 0, -1))
    stats = result.stats
    assert (stats.items, stats.parse_failures) == (3, 0)
    assert (stats.all_prompt_tokens, stats.all_generated_tokens) == (10 * 55, 55)

    again = Reverser()
    bridge = RankLLMReranker(ranker=again)
    cached = rerank(bridge, {"q1": candidates("q1", 25)}, OutputCache(tmp_path), progress=False)
    assert again.calls == [] and cached.stats.cached == 2
    assert [d for d, _ in ranked(cached.runs["score"]["q1"])] == expected


def test_the_key_holds_what_the_rank_llm_reranker_answers_by(tmp_path):
    bridge = RankLLMReranker(ranker=Reverser())
    assert bridge.name == "rank-llm-reverser-1"  # named after the model it wraps
    key = bridge.cache_config()
    assert key["wrapped"]["model"] == "stub/reverser-1"
    assert key["wrapped"]["class"] == f"{__name__}.Reverser"
    assert (key["window_size"], key["stride"]) == (20, 10)  # rank_llm's own window
    # Its version is the record's, not the key's: a release that changes no answer re-keys nothing.
    assert "rank_llm_version" not in key
    assert bridge.backend_info()["rank_llm"] == version("rank-llm")
    assert "sk-not-for-the-cache" not in json.dumps(key)  # nor `device`, nor the history
    assert "device" not in key["wrapped"]

    on_gpu = Reverser()
    on_gpu._device = "cuda"
    assert RankLLMReranker(ranker=on_gpu).config_hash() == bridge.config_hash()
    other = RankLLMReranker(ranker=Reverser(model="stub/reverser-2"))
    assert other.config_hash() != bridge.config_hash()
    assert (
        RankLLMReranker(ranker=Reverser(), window_size=10, stride=5).config_hash()
        != bridge.config_hash()
    )


def test_what_the_answer_needed_is_counted(tmp_path):
    # "[2] > [2] > [1]": a duplicate, and position 3 left out; rank_llm appends it.
    bridge = RankLLMReranker(ranker=Reverser(answer="[2] > [2] > [1]"))
    result = rerank(bridge, {"q1": candidates("q1", 3)}, OutputCache(tmp_path), progress=False)
    assert [d for d, _ in ranked(result.runs["score"]["q1"])] == ["d02", "d01", "d03"]
    repairs = result.stats.repairs
    assert (repairs.repaired, repairs.duplicates, repairs.missing) == (1, 1, 1)
    assert result.stats.parse_failures == 1


def test_no_rank_llm_reranker_is_one_line_saying_what_to_pass():
    with pytest.raises(
        BridgeError, match=r"rank-llm wraps .*: pass one, RankLLMReranker\(ranker=Zeph"
    ):
        RankLLMReranker()


def test_a_plugin_subclass_without_make_is_one_line_on_the_command_line(
    shared_bright, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    build_domain(shared_bright, tmp_path, "pony", ["42"], 3)
    plugin = tmp_path / "unmade.py"
    plugin.write_text(
        "from bright_eval.bridges.rankllm import RankLLMReranker\n\n\n"
        "class Unmade(RankLLMReranker):\n    name = 'test-rank-llm-unmade'\n"
    )
    argv = ["--plugin", str(plugin), "--reranker", "test-rank-llm-unmade", "--first-stage",
            f"file:{tmp_path}/{{domain}}.trec", "--data-dir", str(tmp_path), "--domains", "pony",
            "--results-dir", str(tmp_path / "results"), "--no-progress"]  # fmt: skip
    assert main(argv) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: test-rank-llm-unmade wraps a rank_llm reranker: pass one, "
        "RankLLMReranker(ranker=ZephyrReranker()), or give the subclass a make() that builds one"
    )


def test_a_subclass_builds_its_rank_llm_reranker_on_first_use_only(tmp_path):
    built = []

    class Lazy(RankLLMReranker):
        name = "test-rank-llm-lazy"
        model = "stub/reverser-1"  # a declared setting: the key, before anything is built

        def make(self):
            built.append(Reverser(self.model))
            return built[-1]

    folder = tmp_path / "cache"
    rerank(Lazy(), {"q1": candidates("q1", 3)}, OutputCache(folder), progress=False)
    again = rerank(Lazy(), {"q1": candidates("q1", 3)}, OutputCache(folder), progress=False)
    assert len(built) == 1 and again.stats.cached == 1  # the cached rerun built nothing
    assert [d for d, _ in ranked(again.runs["score"]["q1"])] == ["d03", "d02", "d01"]


def test_a_pipeline_run_records_it(shared_bright, tmp_path, monkeypatch):
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "bright"
    root.mkdir()
    build_domain(shared_bright, root, "pony", ["42"], 3)
    bridge = RankLLMReranker(ranker=Reverser())
    spec = PipelineSpec(reranker=bridge.name, first_stage=f"file:{root}/{{domain}}.trec",
                        data=DataSpec(data_dir=str(root)), domains="pony", top_k=3,
                        results_dir=str(tmp_path / "results"), progress=False)  # fmt: skip
    result = run(spec, reranker=bridge)
    folder = system_dir(tmp_path / "results", result.name)
    assert result.name.startswith("rank-llm-reverser-1__bright-top3__pony")
    system = json.loads((folder / "system.json").read_text())
    assert system["reranker"]["config"]["reranker"]["wrapped"]["model"] == "stub/reverser-1"
    [window] = [json.loads(line) for line in gzip.open(folder / "outputs" / "pony.jsonl.gz")]
    assert (window["order"], window["raw"]) == ([2, 1, 0], "[3] > [2] > [1]")


def test_a_wrapper_is_read_through_to_the_model_it_wraps():
    class Zephyrish:  # as rank_llm's ZephyrReranker holds its RankListwiseOSLLM
        def __init__(self, inner):
            self._reranker = inner

        def rerank_batch(self, *args, **kwargs):
            return self._reranker.rerank_batch(*args, **kwargs)

    inner = Reverser(model="castorini/rank_zephyr_7b_v1_full")
    inner._window_size, inner._stride = 10, 5
    bridge = RankLLMReranker(ranker=Zephyrish(inner))
    assert bridge.name == "rank-llm-rank_zephyr_7b_v1_full"
    assert (bridge.window_size, bridge.stride) == (10, 5)
    assert bridge.cache_config()["wrapped"]["reranker"]["model"] == inner._model
