"""`retrieve`: compute (or reuse from the cache) first-stage runs and print their paths."""

from __future__ import annotations

import argparse
import sys

from bright_eval.cache_dir import CACHE_ENV
from bright_eval.commands.options import add_data_options, data_from_args
from bright_eval.data import QUERY_VARIANTS
from bright_eval.domains import parse_domains
from bright_eval.retrieval import get_retriever
from bright_eval.retrieval.base import load_builtin_retrievers
from bright_eval.retrieval.cache import DEPTH, first_stage_run


def register(commands) -> None:
    names = ", ".join(sorted(load_builtin_retrievers()))
    rt = commands.add_parser(
        "retrieve",
        help="first-stage runs, computed once and cached; prints each run file's path",
    )
    rt.add_argument(
        "--retriever",
        required=True,
        help=f"{names}, or file:<run path with {{domain}}>",
    )
    rt.add_argument(
        "--query-variant",
        default="original",
        choices=list(QUERY_VARIANTS),
        help="queries: original, or an LLM's reasoning (default: original)",
    )
    add_data_options(rt)
    rt.add_argument("--depth", type=int, default=DEPTH, help="documents kept per query (1000)")
    rt.add_argument("--refresh", action="store_true", help="recompute even when cached")
    rt.add_argument("--cache-dir", help=f"cache folder (default: ${CACHE_ENV}, else per-user)")
    rt.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    data = data_from_args(args)
    domains = parse_domains(args.domains, long_documents=args.long)
    retriever = get_retriever(args.retriever)
    retriever.check([d.name for d in domains])
    for d in domains:
        _, path, provenance = first_stage_run(
            retriever,
            data,
            d.name,
            query_variant=args.query_variant,
            long_documents=args.long,
            refresh=args.refresh,
            depth=args.depth,
            cache_dir=args.cache_dir,
            command=args.command_line,
        )
        print(path, flush=True)
        how = "reused" if provenance["reused"] else f"computed in {provenance['seconds']} s"
        print(f"{d.name}: {how}", file=sys.stderr)
    return 0
