"""The pipeline: `python -m bright_eval --reranker NAME ...` (top-level options, no subcommand).

First stage -> candidates (top k, with document texts) -> reranking (cached, resumable,
sharded by query) -> evaluation -> table -> `results/<system>/`. By default the reranker sees
the original query even when the first stage used a reasoning-expanded one, as the published
systems do.
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bright_eval.commands.options import add_data_options, data_from_args
from bright_eval.commands.rerank_results import save_reranked, slug
from bright_eval.data import BrightData, DataError, Query
from bright_eval.domains import parse_domains
from bright_eval.engines.options import add_engine_arguments, engine_from_args
from bright_eval.evaluation import DomainResults, evaluate
from bright_eval.rerank import Candidate, RerankerOptions, get_reranker_class
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.runner import PRIMARY, RerankResult, RerankStats, rerank
from bright_eval.retrieval import get_retriever
from bright_eval.retrieval.cache import DEPTH
from bright_eval.retrieval.cache import first_stage_run as cached_first_stage_run
from bright_eval.runs import Run
from bright_eval.tables import format_metrics_table

METRICS = ["NDCG@10", "Recall@10", "MRR"]
RESULTS_DIR = "results"


class RerankUsageError(ValueError):
    pass


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("reranking pipeline (python -m bright_eval --reranker NAME)")
    g.add_argument("--reranker", help="reranker name (e.g. ours-3b); runs the pipeline")
    g.add_argument(
        "--first-stage", default="bm25", help="retriever name or file:<run with {domain}>"
    )
    g.add_argument("--top-k", type=int, default=100, help="candidates reranked per query")
    g.add_argument("--query-variant", default="original", help="query variant of the first stage")
    g.add_argument("--rerank-query", default="original", help="query variant the reranker sees")
    g.add_argument("--model", help="model path or Hub id (a merged checkpoint for ours-3b)")
    g.add_argument("--adapter", help="LoRA adapter path or Hub id")
    g.add_argument("--model-revision", help="model revision on the Hub")
    g.add_argument("--backend", default="auto", help="auto, vllm, transformers or openai")
    g.add_argument("--base-url", help="OpenAI-compatible server for --backend openai")
    g.add_argument("--max-queries", type=int, help="first N queries per domain (smoke runs)")
    g.add_argument("--max-new-tokens", type=int, help="override the reranker's generation limit")
    g.add_argument("--shard", help="i/n: rerank the i-th of n query shards (1-based)")
    g.add_argument("--batch-size", type=int, default=256, help="pairs per model call")
    g.add_argument(
        "--cached-only", action="store_true", help="never call the model (merging shards)"
    )
    g.add_argument("--score", default=PRIMARY, help="which score ranks: score or expected_label")
    g.add_argument("--results-dir", default=RESULTS_DIR, help="where results/<system>/ goes")
    g.add_argument("--system-name", help="name of the results folder (default: derived)")
    g.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_engine_arguments(g)
    add_data_options(parser)


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @property
    def writer(self) -> str:
        return "all" if self.count == 1 else f"shard-{self.index}-of-{self.count}"

    def takes(self, position: int) -> bool:
        return position % self.count == self.index - 1


def parse_shard(text: str | None) -> Shard:
    if text is None:
        return Shard(1, 1)
    m = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if m is None or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise RerankUsageError(f"--shard {text!r}: expected i/n with 1 <= i <= n, e.g. 2/8")
    return Shard(int(m.group(1)), int(m.group(2)))


def build_reranker(args: argparse.Namespace):
    cls = get_reranker_class(args.reranker)
    if args.max_new_tokens is not None and args.max_new_tokens < 1:
        raise RerankUsageError(f"--max-new-tokens {args.max_new_tokens}: must be at least 1")
    backend_options = {"base_url": args.base_url} if args.base_url else {}
    options = RerankerOptions(
        model=args.model,
        adapter=args.adapter,
        revision=args.model_revision,
        backend=args.backend,
        max_new_tokens=args.max_new_tokens,
        backend_options=backend_options,
    )
    valid = (PRIMARY, *cls.alternative_scores)
    if args.score not in valid:
        raise RerankUsageError(f"--score {args.score!r}: {cls.name} ranks by {', '.join(valid)}")
    return cls(options)


def first_stage_run(
    spec: str,
    data: BrightData,
    domain: str,
    query_variant: str,
    query_ids: list[str],
    long: bool,
    engine=None,
) -> tuple[Run, dict]:
    """The first stage's run over the chosen queries, from the first-stage cache (computed and
    cached on first use at BRIGHT's depth of 1,000), and what identifies it. A dense
    retriever encodes its corpus on a distributed `engine` (in one call when local)."""
    retriever = get_retriever(spec)
    if engine is not None and engine.name != "local" and hasattr(retriever, "engine"):
        retriever.engine = engine
    run, path, prov = cached_first_stage_run(retriever, data, domain, query_variant, long)
    wanted = set(query_ids)
    config = {**retriever.config(), "query_variant": query_variant, "depth": DEPTH}
    config["cache"] = {"file": str(path), "key_hash": prov.get("key_hash")}
    return {q: docs for q, docs in run.items() if q in wanted}, config


def load_documents(data: BrightData, domain: str, ids: set[str], long: bool) -> dict[str, str]:
    """Texts of the wanted documents only: the id column is scanned, the rest read by index."""
    corpus = data.documents(domain, long)
    all_ids = corpus.data.column("id").to_pylist()
    rows = [i for i, doc_id in enumerate(all_ids) if doc_id in ids]
    found = corpus.select(rows)
    texts = dict(zip(found["id"], found["content"], strict=True))
    missing = sorted(ids - set(texts))
    if missing:
        raise DataError(
            f"{len(missing)} candidate document(s) are not in the {domain} corpus, e.g. "
            f"{missing[0]!r}: is the first-stage run for this domain and corpus?"
        )
    return texts


def build_candidates(
    run: Run, rerank_queries: dict[str, Query], texts: dict[str, str], top_k: int
) -> dict[str, list[Candidate]]:
    from bright_eval.runs import ranked

    candidates = {}
    for qid, docs in run.items():
        top = ranked(docs)[:top_k]
        query = rerank_queries[qid].text
        candidates[qid] = [
            Candidate(qid, query, doc_id, texts[doc_id], rank, score)
            for rank, (doc_id, score) in enumerate(top, 1)
        ]
    return candidates


def system_name(args: argparse.Namespace) -> str:
    if args.system_name:
        return slug(args.system_name)
    stage = args.first_stage
    if stage.startswith("file:"):
        stage = Path(stage.removeprefix("file:")).parent.name or "file"
    parts = [args.reranker, f"{stage}-top{args.top_k}"]
    if args.query_variant != "original":
        parts.append(f"q-{args.query_variant}")
    if args.max_new_tokens is not None:
        parts.append(f"max-new-tokens-{args.max_new_tokens}")  # marked: not the published setting
    if args.max_queries is not None:
        parts.append(f"first-{args.max_queries}-queries")
    return slug("__".join(parts))


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    data = data_from_args(args)
    domains = parse_domains(args.domains, long_documents=args.long)
    shard = parse_shard(args.shard)
    if args.top_k < 1:
        raise RerankUsageError(f"--top-k {args.top_k}: must be at least 1")
    reranker = build_reranker(args)
    engine = engine_from_args(args)
    cache = OutputCache.for_reranker(reranker, writer=shard.writer)
    print(
        f"{reranker.name}: outputs cached in {cache.folder} ({len(cache)} so far)", file=sys.stderr
    )
    position = 0
    first_stage_config: dict = {}
    first_stage_evals, stats_by_domain = {}, {}
    alt_evals: dict[str, dict] = {}
    results: dict[str, RerankResult] = {}
    for d in domains:
        queries = list(data.queries(d.name, args.query_variant))[: args.max_queries]
        rerank_queries = {q.id: q for q in data.queries(d.name, args.rerank_query)}
        first, first_stage_config = first_stage_run(
            args.first_stage,
            data,
            d.name,
            args.query_variant,
            [q.id for q in queries],
            args.long,
            engine,
        )
        mine = []
        for q in queries:
            if shard.takes(position):
                mine.append(q.id)
            position += 1
        first_mine = {qid: first[qid] for qid in mine if qid in first}
        needed = {doc for docs in first_mine.values() for doc in docs}
        texts = load_documents(data, d.name, needed, args.long)
        candidates = build_candidates(first_mine, rerank_queries, texts, args.top_k)
        result = rerank(
            reranker, candidates, cache, args.batch_size, not args.no_progress, d.name,
            cached_only=args.cached_only, engine=engine,
        )  # fmt: skip
        results[d.name] = result
        stats_by_domain[d.name] = result.stats
        if shard.count > 1:
            continue
        all_qrels = data.qrels(d.name, args.long)
        qrels = {q.id: all_qrels[q.id] for q in queries}
        excluded = data.excluded_ids(d.name)
        first_stage_evals[d.name] = evaluate(first, qrels, excluded, domain=d.name)
        for name, run_ in result.runs.items():
            ev = evaluate(run_, qrels, excluded, domain=d.name)
            alt_evals.setdefault(name, {})[d.name] = ev
        first_stage_evals[d.name].warn_missing(d.name)
    engine.close()
    total = RerankStats()
    for s in stats_by_domain.values():
        total.add(s)
    print(summary_line(total), file=sys.stderr)
    if shard.count > 1:
        print(
            f"shard {shard.index}/{shard.count} done. When every shard has finished, copy the "
            f"shard files into one {cache.folder.relative_to(cache.folder.parents[1])} folder "
            "and run the same command without --shard to merge and evaluate.",
            file=sys.stderr,
        )
        return 0
    per_score = {name: DomainResults(e) for name, e in alt_evals.items()}
    primary = per_score[args.score]
    first_stage = DomainResults(first_stage_evals)
    name = system_name(args)
    print(title(args, reranker))
    print(format_metrics_table(primary.per_domain, primary.average, METRICS))
    print(f"first stage average NDCG@10: {first_stage.average['NDCG@10'] * 100:.1f}")
    for score_name, res in per_score.items():
        print(f"reranked by {score_name}: average NDCG@10 {res.average['NDCG@10'] * 100:.1f}")
    config = {
        "system": name,
        "reranker": reranker.config(),
        "reranker_config_hash": reranker.config_hash(),
        "backend": backend_description(reranker),
        "first_stage": {"spec": args.first_stage, "config": first_stage_config},
        "top_k": args.top_k,
        "query_variant": args.query_variant,
        "rerank_query": args.rerank_query,
        "ranked_by": args.score,
        "max_queries": args.max_queries,
        "max_new_tokens_override": args.max_new_tokens,
        "long_documents": args.long,
        "data": data.describe(),
        "cache": str(cache.folder),
        "command": sys.argv,
        "python": platform.python_version(),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_s": round(time.perf_counter() - started, 1),
    }
    out = save_reranked(
        args, name, reranker, config, per_score, first_stage, first_stage_config, results,
        stats_by_domain, total, data, time.perf_counter() - started,
    )  # fmt: skip
    print(f"results written to {out}", file=sys.stderr)
    return 0


def title(args: argparse.Namespace, reranker) -> str:
    text = f"{reranker.name} over {args.first_stage} top-{args.top_k}"
    if args.max_new_tokens is not None:
        text += f"  [* max_new_tokens={args.max_new_tokens} OVERRIDDEN: not the published setting]"
    if args.max_queries is not None:
        text += f"  [first {args.max_queries} queries per domain]"
    return text


def summary_line(s: RerankStats) -> str:
    how = ", ".join(f"{k} {v}" for k, v in sorted(s.how_parsed.items()))
    return (
        f"pairs {s.items}: cached {s.cached}, model calls {s.computed}, parse failures "
        f"{s.parse_failures} ({how}); tokens in {s.prompt_tokens:,} out "
        f"{s.generated_tokens:,}; {s.wall_s:.1f} s"
    )


def backend_description(reranker) -> dict | None:
    backend = getattr(reranker, "_backend", None)  # only when a model was actually used
    if backend is not None:
        return backend.describe()
    return {"backend": getattr(reranker, "backend_name", None), "loaded": False}
