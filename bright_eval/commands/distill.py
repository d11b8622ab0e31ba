"""`distill <stage>`: make ours-3b with the InteRank recipe (collect, decontaminate, annotate,
sft, sample, score, refine). The work is in `bright_eval.distill`; this module declares the
options, and checks the backend and engine options of annotate and sample before a stage starts."""

from __future__ import annotations

import argparse

from bright_eval.commands.options import add_backend_arguments, backend_options, engine_spec
from bright_eval.engines.options import add_engine_arguments

STUDENT = "meta-llama/Llama-3.2-3B-Instruct"
REWARD_MODEL = "Skywork/Skywork-Reward-Llama-3.1-8B-v0.2"

STAGES = ("collect", "decontaminate", "annotate", "sft", "sample", "score", "refine")


def register(commands) -> None:
    distill = commands.add_parser("distill", help="make ours-3b: the InteRank training recipe")
    stages = distill.add_subparsers(dest="stage", metavar="STAGE", required=True)
    helps = {
        "collect": "StackExchange questions and the pages their answers link to -> train.jsonl",
        "decontaminate": "drop questions and pages that nearly copy BRIGHT queries/gold documents",
        "annotate": "the teacher's explanations, labels and search queries",
        "sft": "multi-task LoRA (QLoRA on a GPU) fine-tuning of the student",
        "sample": "k answers per pair from the SFT student at temperature 1",
        "score": "reward-model scores of the samples and the teacher's answer",
        "refine": "reward-weighted SFT on the best-rated answers -> the final adapter",
    }
    parsers = {name: stages.add_parser(name, help=helps[name]) for name in STAGES}
    for name, p in parsers.items():
        p.add_argument(
            "--out", required=True, help="output file (an adapter folder for sft/refine)"
        )
        p.add_argument("--force", action="store_true", help="rerun even when up to date")
        p.add_argument("--no-progress", action="store_true", help="no progress bars")
        p.set_defaults(func=run)
        if name in ("collect", "decontaminate", "sft", "refine"):
            p.add_argument(
                "--set",
                action="append",
                metavar="KEY=VALUE",
                help="override a setting (repeatable); see docs/distill.md",
            )
    c = parsers["collect"]
    c.add_argument("--posts", help="Posts.xml of a StackExchange data dump")
    c.add_argument("--jsonl", help="your own questions and documents in train.jsonl format")
    c.add_argument("--fetch-cache", help="cache of fetched pages (default: beside --out)")
    c.add_argument("--concurrency", type=int, default=16, help="requests in flight (16)")
    c.add_argument("--per-host", type=int, default=2, help="requests in flight per host (2)")
    c.add_argument(
        "--host-delay", type=float, default=1.0, help="seconds between requests to a host"
    )
    c.add_argument("--timeout", type=float, default=20.0, help="seconds per request (20)")
    c.add_argument("--retries", type=int, default=2, help="retries of transient failures (2)")
    d = parsers["decontaminate"]
    d.add_argument("--train", required=True, help="train.jsonl from collect")
    d.add_argument("--data-dir", help="local BRIGHT snapshot (default: the Hub)")
    d.add_argument("--domains", default="all", help="BRIGHT domains to check against (all)")
    for name in ("annotate", "sample"):
        p = parsers[name]
        p.add_argument("--train", required=True, help="train.jsonl (labelled, for sample)")
        p.add_argument("--model", required=True, help="teacher (annotate) or student base model")
        add_backend_arguments(p)
        add_engine_arguments(p)
        p.add_argument("--batch-size", type=int, default=256, help="pairs per model call (256)")
        p.add_argument("--shard", help="i/n: this machine's share of the questions (cache only)")
        p.add_argument("--cached-only", action="store_true", help="merge shards, never compute")
        p.add_argument("--questions", help="START:END slice of the questions")
        p.add_argument("--max-new-tokens", type=int, default=1024, help="per answer (1024)")
    parsers["annotate"].add_argument(
        "--query-tokens", type=int, default=512, help="new tokens for the query list (512)"
    )
    parsers["annotate"].add_argument(
        "--keep-truncated", action="store_true",
        help="label pages whose answer was cut off at the token limit (default: left unlabelled)",
    )  # fmt: skip
    s = parsers["sample"]
    s.add_argument("--adapter", required=True, help="the SFT adapter")
    s.add_argument("--k", type=int, default=8, help="samples per pair (8)")
    s.add_argument("--temperature", type=float, default=1.0, help="(1.0)")
    t = parsers["sft"]
    t.add_argument("--train", required=True, help="labelled train.jsonl from annotate")
    t.add_argument("--model", default=STUDENT, help="the student")
    t.add_argument("--questions", help="START:END slice of the questions (default: all)")
    t.add_argument("--label-only", action="store_true", help="the ablation without explanations")
    r = parsers["score"]
    r.add_argument("--samples", required=True, help="samples.jsonl from sample")
    r.add_argument("--reward-model", default=REWARD_MODEL)
    r.add_argument("--batch-size", type=int, default=8, help="candidates per forward pass (8)")
    f = parsers["refine"]
    f.add_argument("--scored", required=True, help="scored.jsonl from score")
    f.add_argument("--model", default=STUDENT, help="the student")
    f.add_argument("--adapter", required=True, help="the SFT adapter to refine")
    f.add_argument("--min-reward", type=float, default=0.85, help="normalised reward kept (0.85)")
    f.add_argument("--boosted", action="store_true", help="weight by misclassification rate")
    f.add_argument(
        "--keep-truncated", action="store_true",
        help="train on answers cut off at the token limit too (default: left out, counted)",
    )  # fmt: skip
    f.add_argument(
        "--keep-unparsed", action="store_true",
        help="train on answers whose label could not be parsed too, as written (default: left "
        "out, counted)",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from bright_eval.distill import model_stages, stages

    if args.stage in ("annotate", "sample"):
        args.backend_options = backend_options(args)
        args.engine_spec = engine_spec(args)
    module = stages if args.stage in ("collect", "decontaminate") else model_stages
    return getattr(module, args.stage)(args)
