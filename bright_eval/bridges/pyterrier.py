"""A bright_eval reranker as a PyTerrier transformer (`pip install 'bright-eval[pyterrier]'`;
pure Python, no Java).

`RerankerTransformer(reranker)` takes PyTerrier's result frame (`qid`, `query`, `docno`,
`text`, and the first stage's `rank` or `score`) and returns the same rows with the reranker's
`score` and `rank`, best first per query, as any PyTerrier reranker does:
`bm25 >> pt.text.get_text(dataset, "text") >> RerankerTransformer("rank1-7b")`. The pairs or
windows go through bright_eval's runner and output cache, so ties are broken by first-stage
rank as in a bright_eval run, a rerun calls no model, and outputs are shared with
`python -m bright_eval` wherever the query and document ids and texts are the same.
"""

from __future__ import annotations

from bright_eval.bridges import BridgeError
from bright_eval.rerank.base import Candidate, PointwiseReranker, Reranker, RerankerOptions
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.registry import get_reranker_class
from bright_eval.rerank.runner import PRIMARY, RerankStats, rerank
from bright_eval.rerank.settings import check_unchanged

try:
    import pyterrier as pt
except ImportError as e:  # an ImportError still, so `pytest.importorskip` and extras work
    raise ImportError(f"{e}: pip install 'bright-eval[pyterrier]'") from e

NEEDED = ("qid", "query", "docno", "text")


def candidates_of(frame, domain: str = "") -> dict[str, list[Candidate]]:
    """Each query's rows in first-stage order: by `rank` where given, else by `score`
    descending, else as they come (ties keep their order)."""
    missing = [c for c in NEEDED if c not in frame.columns]
    if missing:
        raise BridgeError(
            f"the input frame lacks {', '.join(missing)}: a reranker needs qid, query, docno "
            "and text (add the text with pt.text.get_text(dataset, 'text'))"
        )
    if "rank" in frame.columns:
        frame = frame.sort_values("rank", kind="stable")
    elif "score" in frame.columns:
        frame = frame.sort_values("score", ascending=False, kind="stable")
    out: dict[str, list[Candidate]] = {}
    seen: set[tuple[str, str]] = set()
    scores = frame["score"] if "score" in frame.columns else [0.0] * len(frame)
    rows = zip(frame["qid"], frame["query"], frame["docno"], frame["text"], scores, strict=True)
    for qid, query, docno, text, score in rows:
        qid, docno = str(qid), str(docno)
        if (qid, docno) in seen:
            raise BridgeError(f"query {qid} lists document {docno} twice: one row per document")
        seen.add((qid, docno))
        cands = out.setdefault(qid, [])
        cands.append(Candidate(qid, str(query), docno, str(text), len(cands) + 1, float(score),
                               domain))  # fmt: skip
    return out


class RerankerTransformer(pt.Transformer):
    """`reranker`: a bright_eval reranker, or its registered name (built with `options`, as
    `--reranker NAME` builds it). `cache_root`: where outputs are kept (default
    `$BRIGHT_EVAL_CACHE`, the pipeline's). `score`: which of the reranker's scores ranks.
    `stats` sums what every call used, as a record's `counts.json` does."""

    def __init__(
        self,
        reranker: Reranker | str,
        options: RerankerOptions | None = None,
        cache_root=None,
        batch_size: int = 256,
        score: str = PRIMARY,
        domain: str = "",
        cached_only: bool = False,
        progress: bool = False,
    ):
        if isinstance(reranker, str):
            reranker = get_reranker_class(reranker)(options)
        valid = (PRIMARY, *reranker.meta.alternative_scores)
        if score not in valid:
            raise BridgeError(f"score {score!r}: {reranker.name} ranks by {', '.join(valid)}")
        self.reranker = reranker
        self.cache_root = cache_root
        self.batch_size = batch_size
        self.score = score
        self.domain = domain  # BRIGHT's domain, for rerankers whose prompt depends on it
        self.cached_only = cached_only
        self.progress = progress
        self.stats = RerankStats()

    def __repr__(self) -> str:
        return f"RerankerTransformer({self.reranker.name})"

    def transform(self, inp):
        candidates = candidates_of(inp, self.domain)
        out = inp.copy()
        if not candidates:
            out["score"], out["rank"] = [], []
            return out
        with OutputCache.for_reranker(self.reranker, self.cache_root) as cache:
            result = rerank(self.reranker, candidates, cache, self.batch_size, self.progress,
                            self.reranker.name, self.cached_only)  # fmt: skip
        check_unchanged(self.reranker, cache.key, cache.folder)
        self.stats.add(result.stats)
        # The run's distinct scores (n..1, ties already broken by first-stage rank), so no
        # later stage can reorder ties; a pointwise reranker's own score is kept beside them.
        run = result.runs[self.score]
        pairs = list(zip(inp["qid"].astype(str), inp["docno"].astype(str), strict=True))
        out["score"] = [run[q][d] for q, d in pairs]
        if isinstance(self.reranker, PointwiseReranker):
            own = {(o["query_id"], o["doc_id"]): o for o in result.outputs}
            # As the runner ranks: an output without the alternative score keeps its own.
            out["reranker_score"] = [own[p]["scores"].get(self.score, own[p]["score"])
                                     for p in pairs]  # fmt: skip
        out = pt.model.add_ranks(out)
        return out.sort_values(["qid", "rank"], kind="stable").reset_index(drop=True)
