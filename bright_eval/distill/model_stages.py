"""The model stages as the command line runs them (annotate, sft, sample, score, refine), with
the helpers of `stages.py`: skip when up to date, write the output and its record."""

from __future__ import annotations

import dataclasses
import sys
from contextlib import contextmanager
from pathlib import Path

from bright_eval.distill import records as rec
from bright_eval.distill.records import DistillError
from bright_eval.distill.stages import finish, settings_with, start
from bright_eval.distill.trainset import read_jsonl, read_trainset, select, write_jsonl


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


def annotate(args) -> int:
    from bright_eval.distill.annotate import annotate

    settings = {
        "model": args.model,
        "backend": args.backend,
        "max_new_tokens": args.max_new_tokens,
        "query_tokens": args.query_tokens,
        "questions": args.questions,
    }
    record = start("annotate", args, {"train": args.train}, settings)
    if record is None and not args.shard:
        return 0
    records = select(read_trainset(args.train), args.questions)
    part, writer = sharded(args, "annotate", records)
    with engine_of(args) as engine:
        labelled, counts = annotate(
            part,
            generation_options(args),
            args.max_new_tokens,
            args.query_tokens,
            args.batch_size,
            writer,
            args.cached_only,
            not args.no_progress,
            engine,
        )
    failures = counts["labels"]["parse_failures"]
    print(
        f"annotate: {counts['labels']['items']} pairs, parse failures {failures} "
        f"{counts['labels']['how_parsed']}",
        file=sys.stderr,
    )
    if args.shard:
        return 0
    write_jsonl(args.out, labelled)
    return finish(record, Path(args.out), counts)


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
    records = select(read_trainset(args.train), args.questions)
    out = Path(args.out)
    result = run_sft(records, args.model, out, settings, card("sft", args, record, settings))
    return finish(
        record, out, {k: result[k] for k in ("examples", "losses", "effective")}, result["notes"]
    )


def sample(args) -> int:
    from bright_eval.distill.sample import sample

    settings = {
        "model": args.model,
        "backend": args.backend,
        "k": args.k,
        "temperature": args.temperature,
        "max_new_tokens": args.max_new_tokens,
        "questions": args.questions,
    }
    record = start("sample", args, {"train": args.train, "adapter": args.adapter}, settings)
    if record is None and not args.shard:
        return 0
    records = select(read_trainset(args.train), args.questions)
    part, writer = sharded(args, "sample", records)
    with engine_of(args) as engine:
        rows, counts = sample(
            part,
            generation_options(args, args.adapter),
            args.k,
            args.temperature,
            args.max_new_tokens,
            args.batch_size,
            writer,
            args.cached_only,
            not args.no_progress,
            engine,
        )
    if args.shard:
        return 0
    write_jsonl(args.out, rows)
    return finish(record, Path(args.out), counts)


def score(args) -> int:
    from bright_eval.distill.score import score

    inputs = {"samples": args.samples}
    record = start("score", args, inputs, {"reward_model": args.reward_model})
    if record is None:
        return 0
    if not Path(args.samples).is_file():
        raise DistillError(f"samples file {args.samples!r} does not exist; run `distill sample`")
    rows, counts = score(
        list(read_jsonl(args.samples)), args.reward_model, args.batch_size, not args.no_progress
    )
    write_jsonl(args.out, rows)
    return finish(record, Path(args.out), counts)


def refine(args) -> int:
    from bright_eval.distill.refine import run_refine

    settings = train_settings(args)
    config = {
        "model": args.model,
        "min_reward": args.min_reward,
        "boosted": args.boosted,
        **dataclasses.asdict(settings),
    }
    record = start("refine", args, {"scored": args.scored, "adapter": args.adapter}, config)
    if record is None:
        return 0
    if not Path(args.scored).is_file():
        raise DistillError(f"scored file {args.scored!r} does not exist; run `distill score`")
    rows = list(read_jsonl(args.scored))
    out = Path(args.out)
    info = card("refine", args, record, settings)
    info.update(min_reward=args.min_reward, boosted=args.boosted)
    result = run_refine(
        rows, args.model, args.adapter, out, settings, args.min_reward, args.boosted, info
    )
    counts = {k: v for k, v in result.items() if k != "notes"}
    return finish(record, out, counts, result["notes"])
