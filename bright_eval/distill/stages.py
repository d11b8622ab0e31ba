"""The stages as the command line runs them: read inputs, skip when up to date, run, write the
output and its record (`records.py`). Arguments arrive as an `argparse.Namespace`. The data
stages are here; the model stages, which share these helpers, are in `model_stages.py`."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

from bright_eval.distill import records as rec
from bright_eval.distill.records import DistillError
from bright_eval.distill.trainset import read_trainset, write_jsonl

log = logging.getLogger(__name__)


def settings_with(cls, overrides: list[str] | None):
    """A settings dataclass with `KEY=VALUE` overrides, each value parsed as its field's type."""
    names = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for item in overrides or []:
        key, sep, text = item.partition("=")
        if not sep or key not in names:
            raise DistillError(
                f"--set {item!r}: expected KEY=VALUE with KEY one of {', '.join(names)}"
            )
        default = getattr(cls(), key)
        try:
            if isinstance(default, bool):
                if text.lower() not in ("true", "false", "1", "0"):
                    raise ValueError(text)
                values[key] = text.lower() in ("true", "1")
            elif isinstance(default, list):
                values[key] = [x for x in text.split(",") if x]
            else:
                values[key] = type(default)(text)
        except ValueError as err:
            kind = type(default).__name__
            raise DistillError(f"--set {item!r}: {key} takes a {kind}") from err
    return cls(**values)


def start(stage: str, args, inputs: dict, settings: dict) -> rec.StageRecord | None:
    """The new record, or None when the output is up to date (and --force not given)."""
    record = rec.new_record(stage, inputs, settings)
    record.command = getattr(args, "command_line", None)  # set by cli.main
    if not args.force and rec.up_to_date(record, args.out):
        print(f"{stage}: {args.out} is up to date (same inputs and settings); --force reruns it")
        return None
    return record


def finish(record: rec.StageRecord, out: Path, counts: dict, notes=()) -> int:
    record.counts, record.notes = counts, list(notes)
    path = record.save(out)
    print(f"{record.stage}: wrote {out} ({json.dumps(counts, default=str)[:300]}); record {path}")
    return 0


def collect(args) -> int:
    from bright_eval.distill.collect import CollectSettings, add_negatives, collect
    from bright_eval.distill.fetch import FetchSettings

    if args.jsonl:  # the user's own questions and documents
        record = start("collect", args, {"jsonl": args.jsonl}, {"source": "jsonl"})
        if record is None:
            return 0
        records = read_trainset(args.jsonl, "collect")
        if not any(r.get("other_document") for r in records):
            add_negatives(records, seed=0)
        write_jsonl(args.out, records)
        return finish(record, Path(args.out), {"questions": len(records)})
    if not args.posts:
        raise DistillError("collect needs --posts Posts.xml (a StackExchange dump) or --jsonl FILE")
    settings = settings_with(CollectSettings, args.set)
    fetch = FetchSettings(
        concurrency=args.concurrency,
        per_host=args.per_host,
        host_delay_s=args.host_delay,
        timeout_s=args.timeout,
        retries=args.retries,
    )
    both = {"collect": dataclasses.asdict(settings), "fetch": dataclasses.asdict(fetch)}
    record = start("collect", args, {"posts": args.posts}, both)
    if record is None:
        return 0
    cache = Path(args.fetch_cache) if args.fetch_cache else Path(args.out).parent / "fetch-cache"
    records, outcome = collect(args.posts, cache, settings, fetch)
    write_jsonl(args.out, records)
    return finish(record, Path(args.out), dict(outcome))


def decontaminate(args) -> int:
    from bright_eval.data import BrightData
    from bright_eval.distill.decontaminate import (
        DecontaminateSettings,
        decontaminate,
        load_references,
    )
    from bright_eval.domains import parse_domains

    settings = settings_with(DecontaminateSettings, args.set)
    data = BrightData.from_options(args.data_dir)
    domains = [d.name for d in parse_domains(args.domains)]
    config = {**dataclasses.asdict(settings), "bright": data.describe(), "domains": domains}
    record = start("decontaminate", args, {"train": args.train}, config)
    if record is None:
        return 0
    records = read_trainset(args.train, "decontaminate")
    queries, golds, source = load_references(data, domains)
    kept, report = decontaminate(records, queries, golds, settings)
    write_jsonl(args.out, kept)
    print_report(report, source)
    counts = {
        "questions_in": len(records),
        "questions_out": len(kept),
        **report,
        "gold_source": source,
    }
    notes = [
        f"{d}: gold texts from the examples' gold_answer (corpus not loadable)"
        for d, s in source.items()
        if s != "corpus"
    ]
    return finish(record, Path(args.out), counts, notes)


def print_report(report: dict, source: dict) -> None:
    from tabulate import tabulate

    rows = [
        (d, report["dropped_questions"].get(d, 0), report["dropped_pages"].get(d, 0), s)
        for d, s in source.items()
    ]
    headers = ["BRIGHT domain", "questions dropped", "pages dropped", "gold texts from"]
    log.info(tabulate(rows, headers=headers, tablefmt="simple"))
