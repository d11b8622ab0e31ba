"""The pipeline command: `python -m bright_eval --reranker NAME ...` (top-level options, no
subcommand). It turns its options into a `PipelineSpec`, runs `bright_eval.pipeline.run` and
prints the table; everything else happens in the pipeline."""

from __future__ import annotations

import argparse
import sys

from bright_eval.commands.options import (
    add_backend_arguments,
    add_data_options,
    add_results_dir,
    backend_options,
    engine_spec,
)
from bright_eval.engines.options import add_engine_arguments
from bright_eval.pipeline import PipelineResult, PipelineSpec, Shard, run
from bright_eval.pipeline.spec import PRIMARY, DataSpec
from bright_eval.rerank import RerankerOptions
from bright_eval.rerank.registry import load_plugin_file
from bright_eval.rerank.runner import RerankStats
from bright_eval.tables import format_metrics_table

METRICS = ["NDCG@10", "Recall@10", "MRR"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("reranking pipeline (python -m bright_eval --reranker NAME)")
    g.add_argument("--reranker", help="reranker name (e.g. ours-3b); runs the pipeline")
    g.add_argument(
        "--plugin", action="append", default=[], help="a .py file or module defining rerankers"
    )
    g.add_argument(
        "--first-stage", default="bm25", help="retriever name or file:<run with {domain}>"
    )
    g.add_argument("--top-k", type=int, default=100, help="candidates reranked per query")
    g.add_argument("--query-variant", default="original", help="query variant of the first stage")
    g.add_argument("--rerank-query", default="original", help="query variant the reranker sees")
    g.add_argument("--model", help="model path or Hub id (a merged checkpoint for ours-3b)")
    g.add_argument("--adapter", help="LoRA adapter path or Hub id")
    g.add_argument("--model-revision", help="model revision on the Hub")
    add_backend_arguments(g)
    g.add_argument("--max-queries", type=int, help="first N queries per domain (smoke runs)")
    g.add_argument("--max-new-tokens", type=int, help="override the reranker's generation limit")
    g.add_argument("--shard", help="i/n: rerank the i-th of n query shards (1-based)")
    g.add_argument("--batch-size", type=int, default=256, help="pairs per model call")
    g.add_argument(
        "--cached-only", action="store_true", help="never call the model (merging shards)"
    )
    g.add_argument("--refresh", action="store_true", help="recompute the first stage")
    g.add_argument("--score", default=PRIMARY, help="which score ranks: score or expected_label")
    add_results_dir(g, help="where results/<system>/ goes (default: results)")
    g.add_argument("--system-name", help="name of the results folder (default: derived)")
    g.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_engine_arguments(g)
    add_data_options(parser)


def pipeline_flags_given(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """Pipeline options set to something other than their default (without --reranker they
    would be silently ignored)."""
    given = []
    for action in parser._actions:
        if action.dest in ("help", "command", "reranker") or not action.option_strings:
            continue
        if getattr(args, action.dest, None) != action.default:
            given.append(action.option_strings[0])
    return given


def spec_from_args(args: argparse.Namespace) -> PipelineSpec:
    for plugin in args.plugin:
        load_plugin_file(plugin)
    options = RerankerOptions(
        model=args.model,
        adapter=args.adapter,
        revision=args.model_revision,
        backend=args.backend,
        max_new_tokens=args.max_new_tokens,
        backend_options=backend_options(args),
    )
    return PipelineSpec(
        reranker=args.reranker,
        options=options,
        first_stage=args.first_stage,
        top_k=args.top_k,
        domains=args.domains,
        long_documents=args.long,
        query_variant=args.query_variant,
        rerank_query=args.rerank_query,
        data=DataSpec(args.source, args.data_dir, args.revision),
        shard=Shard.parse(args.shard),
        max_queries=args.max_queries,
        batch_size=args.batch_size,
        cached_only=args.cached_only,
        refresh=args.refresh,
        score=args.score,
        results_dir=args.results_dir,
        system_name=args.system_name,
        progress=not args.no_progress,
        engine=engine_spec(args),
        command=getattr(args, "command_line", None),  # set by cli.main
    )


def summary_line(s: RerankStats) -> str:
    how = ", ".join(f"{k} {v}" for k, v in sorted(s.how_parsed.items()))
    return (
        f"pairs {s.items}: cached {s.cached}, model calls {s.computed}, parse failures "
        f"{s.parse_failures} ({how}); tokens in {s.prompt_tokens:,} out "
        f"{s.generated_tokens:,}; {s.wall_s:.1f} s"
    )


def title(result: PipelineResult) -> str:
    spec = result.spec
    text = f"{result.label} over {spec.first_stage} top-{spec.top_k}"
    if spec.is_smoke:
        text += "  [SMOKE RUN: not the published setting; kept out of the leaderboard]"
    return text


def report(result: PipelineResult) -> None:
    print(summary_line(result.stats), file=sys.stderr)
    spec = result.spec
    if not result.evaluated:
        print(
            f"shard {spec.shard.index}/{spec.shard.count} done. When every shard has finished, "
            "put the shard files in one cache folder (a shared $BRIGHT_EVAL_CACHE, or copy them) "
            "and run the same command without --shard to merge and evaluate.",
            file=sys.stderr,
        )
        return
    primary = result.primary
    print(title(result))
    print(format_metrics_table(primary.per_domain, primary.average, METRICS))
    print(f"first stage average NDCG@10: {result.first_stage.average['NDCG@10'] * 100:.1f}")
    for score_name, res in result.per_score.items():
        print(f"reranked by {score_name}: average NDCG@10 {res.average['NDCG@10'] * 100:.1f}")
    if result.record_path is not None:
        print(f"results written to {result.record_path}", file=sys.stderr)


def run_command(args: argparse.Namespace) -> int:
    report(run(spec_from_args(args)))
    return 0
