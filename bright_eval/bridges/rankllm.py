"""Any rank_llm reranker as a bright_eval listwise reranker (`pip install 'bright-eval[rankllm]'`).

bright_eval slides the windows (rank_llm's own rule: its window and stride, bottom-up) and hands
each window to the wrapped object's `rerank_batch` as one rank_llm `Request`, so each window's
permutation goes through the output cache (a killed run resumes, shards merge, a cached rerun
calls no model) and into the record (the raw answer, tokens, repairs), as a native reranker's
does. Only `rank_llm.data` is imported here: rank_llm's rerankers import vLLM, which a machine
that only scores or replays a cache need not have.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum
from importlib.metadata import PackageNotFoundError, version

from bright_eval.bridges import BridgeError
from bright_eval.redact import is_secret_name, redact_mapping
from bright_eval.rerank.base import Candidate, ListwiseReranker, Permutation
from bright_eval.rerank.listwise import parse_ranking
from bright_eval.rerank.meta import RerankerMeta
from bright_eval.rerank.permutation import repair
from bright_eval.rerank.settings import json_value
from bright_eval.results.schema import slug

# A reranker with no window of its own (rank_llm's monoT5, duoT5, the identity) is given the
# whole candidate list as one window, as rank_llm itself would.
WHOLE_LIST = 1000
# rank_llm attributes that say where or how fast it runs, or that move as it runs (an output
# file name stamped with the time, which API key is next), not what it answers: outside the key.
RUN_STATE = frozenset(
    {"device", "batch_size", "num_gpus", "keys", "cur_key_id", "filename",
     "output_token_estimate"}
)  # fmt: skip
NESTED = 2  # rank_llm objects followed: a `Reranker` -> its coordinator -> its prompt handler


def rank_llm_version() -> str | None:
    try:
        return version("rank-llm")
    except PackageNotFoundError:
        return None


def data_types():
    """rank_llm's `Query`, `Candidate` and `Request`."""
    try:
        from rank_llm.data import Candidate as RankLLMCandidate
        from rank_llm.data import Query, Request
    except ImportError as e:
        raise BridgeError(
            f"rank_llm cannot be imported ({e}): pip install 'bright-eval[rankllm]'"
        ) from e
    return Query, RankLLMCandidate, Request


def describe(obj, depth: int = 0) -> dict:
    """What the cache key knows of a rank_llm object: its class and every attribute that is
    plain data (model, context size, window, stride, prompt template, few-shot examples),
    following the rank_llm objects it holds; a loaded model, tokenizer or client is not data
    and stays out, and so do `RUN_STATE` and secrets."""
    out: dict = {"class": f"{type(obj).__module__}.{type(obj).__qualname__}"}
    for attr, value in sorted(getattr(obj, "__dict__", {}).items()):
        name = attr.lstrip("_")
        if name in RUN_STATE or is_secret_name(name):
            continue
        if isinstance(value, Enum):
            value = value.value
        if json_value(value):
            out[name] = json.loads(json.dumps(value))
        elif depth < NESTED and (
            type(value).__module__.startswith("rank_llm.") or value is coordinator_of(obj)
        ):
            out[name] = describe(value, depth + 1)
    return redact_mapping(out)


def coordinator_of(ranker):
    """The object that holds the settings: a `rank_llm.rerank.Reranker`'s model coordinator, the
    `RankListwiseOSLLM` inside a `ZephyrReranker` or `VicunaReranker`, else the object itself."""
    for holder in ("_model_coordinator", "_reranker"):
        inner = getattr(ranker, holder, None)
        if inner is not None and hasattr(inner, "rerank_batch"):
            return inner
    return ranker


class RankLLMReranker(ListwiseReranker):
    """`RankLLMReranker(ranker=...)` for a rank_llm object built in Python; a subclass with its own
    name and a `make()` builds one on first use (so a cached run builds none) and is usable
    with `--plugin`, its class-level settings then being the key."""

    meta = RerankerMeta(
        name="rank-llm",
        description="any rank_llm reranker, window by window through the output cache",
        citation="Sharifymoghaddam et al. 2025, RankLLM (castorini/rank_llm)",
    )
    _use_alpha = False  # rank_llm's letter ids ([A] > [B]): its answers are not counted here

    def __init__(self, options=None, *, ranker=None, window_size=None, stride=None):
        # `options` first, as the pipeline builds every reranker: `cls(options)`.
        super().__init__(options)
        if ranker is None and type(self).make is RankLLMReranker.make:
            raise BridgeError(
                f"{self.name} wraps a rank_llm reranker: pass one, RankLLMReranker("
                "ranker=ZephyrReranker()), or give the subclass a make() that builds one"
            )
        self._ranker = ranker
        # A library version is the record's (backend_info), not the cache key's.
        self._rank_llm_version = rank_llm_version()
        self.wrapped = None if ranker is None else describe(ranker)
        if ranker is not None:
            coordinator = coordinator_of(ranker)
            model = getattr(coordinator, "_model", None)
            own = model.rstrip("/").split("/")[-1] if isinstance(model, str) else None
            # Named after what it wraps, so two models never share a results name.
            self.name = slug(f"rank-llm-{own or type(coordinator).__name__}")
            self.window_size = getattr(coordinator, "_window_size", WHOLE_LIST)
            self.stride = getattr(coordinator, "_stride", self.stride)
            self._use_alpha = bool(getattr(coordinator, "_use_alpha", False))
        self.window_size = window_size or self.window_size
        self.stride = stride or self.stride

    def make(self):
        """The rank_llm reranker, built on first use (a subclass's)."""
        raise NotImplementedError

    @property
    def ranker(self):
        if self._ranker is None:
            self._ranker = self.make()
            self._use_alpha = bool(getattr(coordinator_of(self._ranker), "_use_alpha", False))
        return self._ranker

    def backend_info(self) -> dict:
        return {"backend": "rank_llm", "rank_llm": self._rank_llm_version}

    def permute(self, windows: Sequence[Sequence[Candidate]]) -> list[Permutation]:
        Query, RankLLMCandidate, Request = data_types()
        by_size: dict[int, list[int]] = {}
        for i, window in enumerate(windows):  # rank_llm batches requests of one length only
            by_size.setdefault(len(window), []).append(i)
        permutations: list[Permutation | None] = [None] * len(windows)
        for size, positions in by_size.items():
            requests = [
                Request(
                    query=Query(text=windows[i][0].query, qid=windows[i][0].query_id),
                    candidates=[
                        RankLLMCandidate(docid=c.doc_id, score=c.first_stage_score,
                                         doc={"text": c.document})
                        for c in windows[i]
                    ],
                )
                for i in positions
            ]  # fmt: skip
            results = self.ranker.rerank_batch(
                requests, rank_start=0, rank_end=size, top_k_retrieve=size,
                populate_invocations_history=True,
            )  # fmt: skip
            for i, result in zip(positions, results, strict=True):
                permutations[i] = self.permutation(windows[i], result)
        return permutations

    def permutation(self, window: Sequence[Candidate], result) -> Permutation:
        """rank_llm's order as positions in the window; the answer's repairs counted by the one
        rule (rank_llm's `receive_permutation` applies the same one to `[i] > [j]` answers)."""
        position = {c.doc_id: i for i, c in enumerate(window)}
        order, fix = repair([position.get(str(c.docid)) for c in result.candidates], len(window))
        # rank_llm's own default for the history is not a list: read only real invocations.
        history = [h for h in (result.invocations_history or ()) if hasattr(h, "response")]
        raw = "\n".join(h.response for h in history) or None
        if len(history) == 1 and not fix.repaired and not self._use_alpha:
            fix = parse_ranking(raw, len(window))[1]
        return Permutation(
            order=order,
            repair=fix,
            raw=raw,
            prompt_tokens=sum(h.input_token_count or 0 for h in history),
            generated_tokens=sum(h.output_token_count or 0 for h in history),
        )
