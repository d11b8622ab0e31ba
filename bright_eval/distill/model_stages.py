"""The model stages as the command line runs them (annotate, sft, sample, score, refine), with
the helpers of `stages.py`: skip when up to date, write the output and its record."""

from __future__ import annotations

import dataclasses
import logging
from contextlib import contextmanager
from pathlib import Path

from bright_eval.distill import records as rec
from bright_eval.distill.stages import finish, settings_with, start
from bright_eval.distill.trainset import read_rows, read_trainset, select, write_jsonl

log = logging.getLogger(__name__)

KEEP_HINT = " (--keep-truncated keeps the answers cut off that parsed)"


def generation_options(args, adapter: str | None = None):
    from bright_eval.rerank.base import RerankerOptions

    return RerankerOptions(
        model=args.model,
        adapter=adapter,
        backend=args.backend,
        backend_options=args.backend_options,
    )


@contextmanager
def engine_of(args):
    """Where the stage's model work runs (`--engine`), closed when the stage ends."""
    engine = args.engine_spec.start()
    try:
        yield engine
    finally:
        engine.close()


def sharded(args, stage: str, records: list[dict]):
    from bright_eval.distill.jobs import shard_of

    part, writer = shard_of(records, args.shard)
    if args.shard:
        print(
            f"{stage}: shard {args.shard} ({len(part)} questions): outputs go to the cache only; "
            "once every shard has run, the same command without --shard merges them"
        )
    return part, writer


def generation_stage(
    args, stage: str, inputs: dict, settings: dict, work, report=None, check=None
) -> int:
    """annotate and sample: skip when up to date (a shard always runs: it fills the cache),
    `check(questions)` before any work, run `work(questions, run)` -> (rows, counts) on
    `--engine`, then write the output and record (never for a shard)."""
    from bright_eval.distill.jobs import RunOptions

    common = {
        "model": args.model,
        "backend": args.backend,
        "max_new_tokens": args.max_new_tokens,
        "questions": args.questions,
    }
    record = start(stage, args, inputs, {**common, **settings})
    if record is None and not args.shard:
        return 0
    records = select(read_trainset(args.train, stage), args.questions)
    if check is not None:
        check(records)
    part, writer = sharded(args, stage, records)
    with engine_of(args) as engine:
        run = RunOptions(args.batch_size, writer, args.cached_only, not args.no_progress, engine)
        rows, counts = work(part, run)
    if report is not None:
        report(counts)
    if args.shard:
        return 0
    write_jsonl(args.out, rows)
    return finish(record, Path(args.out), counts)


def annotate(args) -> int:
    from bright_eval.distill.annotate import annotate

    def work(part, run):
        options = generation_options(args)
        return annotate(
            part, options, args.max_new_tokens, args.query_tokens, run, args.keep_truncated
        )

    def report(counts):
        labels, lists = counts["labels"], counts["queries"]
        how = dict(sorted(labels["how_parsed"].items()))  # answers arrive in any order
        log.info(
            f"annotate: {labels['items']} pairs, parse failures {labels['parse_failures']} "
            f"{how}, cut off at --max-new-tokens {labels['truncated']}: "
            f"{labels['left_out']} left unlabelled; {lists['items']} query lists, parse failures "
            f"{lists['parse_failures']}, cut off at --query-tokens {lists['truncated']}: "
            f"{lists['left_out']} dropped{KEEP_HINT if not args.keep_truncated else ''}"
        )

    inputs = {"train": args.train}
    settings = {"query_tokens": args.query_tokens, "keep_truncated": args.keep_truncated}
    return generation_stage(args, "annotate", inputs, settings, work, report)


def train_settings(args):
    from bright_eval.distill.training import TrainSettings

    overrides = list(args.set or [])
    if getattr(args, "label_only", False):
        overrides.append("label_only=true")
    return settings_with(TrainSettings, overrides)


def card(stage: str, args, record: rec.StageRecord, settings) -> dict:
    label_only = getattr(settings, "label_only", False)
    return {
        "title": f"InteRank student ({stage})",
        "base_model": args.model,
        "reranker": "ours-3b-label-only" if label_only else "ours-3b",
        "stage": stage,
        "data": record.inputs,
        "settings": dataclasses.asdict(settings),
        "versions": record.versions,
        "device": record.device,
    }


def sft(args) -> int:
    from bright_eval.distill.sft import run_sft

    settings = train_settings(args)
    config = {"model": args.model, "questions": args.questions, **dataclasses.asdict(settings)}
    record = start("sft", args, {"train": args.train}, config)
    if record is None:
        return 0
    records = select(read_trainset(args.train, "sft"), args.questions)
    out = Path(args.out)
    result = run_sft(records, args.model, out, settings, card("sft", args, record, settings))
    return finish(
        record, out, {k: result[k] for k in ("examples", "losses", "effective")}, result["notes"]
    )


def sample(args) -> int:
    from bright_eval.distill.sample import check_labelled, sample
    from bright_eval.rerank.backends import resolve_backend_name
    from bright_eval.rerank.backends.base import check_adapter

    check_adapter(args.adapter, resolve_backend_name(args.backend))

    def work(part, run):
        options = generation_options(args, args.adapter)
        return sample(part, options, args.k, args.temperature, args.max_new_tokens, run)

    def check(records):
        where = args.train + (f" (questions {args.questions})" if args.questions else "")
        check_labelled(records, where)

    def report(counts):
        log.info(
            f"sample: {counts['items']} samples of {counts['pairs']} pairs, parse failures "
            f"{counts['parse_failures']}, cut off at --max-new-tokens {counts['truncated']} "
            "(all scored; refine trains on neither unless --keep-unparsed / --keep-truncated)"
        )

    inputs = {"train": args.train, "adapter": args.adapter}
    settings = {"k": args.k, "temperature": args.temperature}
    return generation_stage(args, "sample", inputs, settings, work, report, check)


def score(args) -> int:
    from bright_eval.distill.score import score

    rows = read_rows(args.samples, "samples", "score")
    inputs = {"samples": args.samples}
    record = start("score", args, inputs, {"reward_model": args.reward_model})
    if record is None:
        return 0
    rows, counts = score(rows, args.reward_model, args.batch_size, not args.no_progress)
    write_jsonl(args.out, rows)
    return finish(record, Path(args.out), counts)


def refine(args) -> int:
    from bright_eval.distill.refine import Keep, run_refine
    from bright_eval.rerank.backends.base import check_adapter

    rows = read_rows(args.scored, "scored samples", "refine")
    check_adapter(args.adapter, "transformers")  # refine trains it here
    settings = train_settings(args)
    config = {
        "model": args.model,
        "min_reward": args.min_reward,
        "boosted": args.boosted,
        "keep_truncated": args.keep_truncated,
        "keep_unparsed": args.keep_unparsed,
        **dataclasses.asdict(settings),
    }
    record = start("refine", args, {"scored": args.scored, "adapter": args.adapter}, config)
    if record is None:
        return 0
    out = Path(args.out)
    info = card("refine", args, record, settings)
    info.update(min_reward=args.min_reward, boosted=args.boosted)
    keep = Keep(truncated=args.keep_truncated, unparsed=args.keep_unparsed)
    result = run_refine(
        rows, args.model, args.adapter, out, settings, args.min_reward, args.boosted, info, keep
    )
    counts = {k: v for k, v in result.items() if k != "notes"}
    return finish(record, out, counts, result["notes"])
