"""How a pipeline run becomes a leaderboard row: a `results/<system>/` record (results.py) for
the reranked system, and one for its first stage when results/ has none, so that the
leaderboard can test the gain over exactly the candidates that were reranked.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, is_dataclass
from pathlib import Path

from bright_eval import provenance
from bright_eval.atomic import atomic_write_text
from bright_eval.evaluation import DomainResults
from bright_eval.record import keep_runs, repo_root
from bright_eval.rerank.runner import RerankResult, RerankStats
from bright_eval.results import (
    HEADLINE,
    MEASURED,
    Efficiency,
    FirstStage,
    Reranker,
    SystemResult,
    load_systems,
    save_system,
    system_dir,
)
from bright_eval.runs import domain_path

OUTPUTS_DIR = "outputs"  # the model's raw outputs (explanations), one JSONL.gz per domain


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.") or "system"


def per_query_ndcg(results: DomainResults) -> dict[str, dict[str, float]]:
    return {
        d: {q: v[HEADLINE] for q, v in sorted(ev.per_query.items())}
        for d, ev in results.evaluations.items()
    }


def existing_first_stage(
    spec: str, systems: list[SystemResult], results_dir: str, domains: list[str]
) -> FirstStage | None:
    """The first stage of a measured record whose run files are exactly this imported run,
    so a rerank of e.g. the ReasonIR files joins the ReasonIR group."""
    if not spec.startswith("file:"):
        return None
    root = repo_root(results_dir)
    wanted = {
        provenance.relative_path(domain_path(spec.removeprefix("file:"), d), root) for d in domains
    }
    for system in systems:
        if system.source == MEASURED and not system.is_reranked:
            if wanted <= {f.path for f in system.runs}:
                return system.first_stage
    return None


def stage_id(spec: str, stage: str) -> str:
    """A short, stable id: imported run files are named by their folder plus a hash of the full
    path template (two folders of the same name elsewhere stay apart)."""
    if spec.startswith("file:"):
        template = spec.removeprefix("file:")
        digest = hashlib.sha256(template.encode()).hexdigest()[:8]
        return f"{slug(Path(template).parent.name or 'runs')}-{digest}"
    return slug(stage)


def first_stage_of(
    args, first_stage_config: dict, systems: list[SystemResult], domains: list[str]
) -> FirstStage:
    # A partial run (--max-queries) never joins a full first stage's group.
    partial = args.max_queries is not None
    if not partial:
        found = existing_first_stage(args.first_stage, systems, args.results_dir, domains)
        if found is not None:
            return found
    stage = first_stage_config.get("retriever", args.first_stage)
    fs_id = f"{stage_id(args.first_stage, stage)}/{args.query_variant}" + (
        f"/first-{args.max_queries}" if partial else ""
    )
    label = f"{stage}, {args.query_variant} queries" + (
        f", first {args.max_queries} queries per domain" if partial else ""
    )
    return FirstStage(fs_id, label, {"spec": args.first_stage, **first_stage_config})


def save_first_stage(
    fs: FirstStage,
    first_stage: DomainResults,
    systems: list[SystemResult],
    results_dir: str,
    data,
) -> None:
    """Record the first stage as its own row unless results/ already has one for it."""
    if any(s.first_stage.id == fs.id and not s.is_reranked for s in systems):
        return
    save_system(
        SystemResult(
            name=slug(fs.id.replace("/", "__")),
            label=f"{fs.label} (first stage)",
            source=MEASURED,
            first_stage=fs,
            metrics=first_stage.per_domain,
            per_query=per_query_ndcg(first_stage),
            provenance=provenance.capture(repo_root(results_dir), data),
            notes="first stage evaluated by the reranking pipeline over the queries it reranked",
        ),
        results_dir,
    )


def save_reranked(
    args,
    name: str,
    reranker,
    config: dict,
    per_score: dict[str, DomainResults],
    first_stage: DomainResults,
    first_stage_config: dict,
    results: dict[str, RerankResult],
    stats: dict[str, RerankStats],
    total: RerankStats,
    data,
    wall_seconds: float,
) -> Path:
    """Write the reranked system (and its first stage when new); returns its folder."""
    domains = list(results)
    systems = load_systems(args.results_dir) if Path(args.results_dir).is_dir() else []
    fs = first_stage_of(args, first_stage_config, systems, domains)
    primary = per_score[args.score]
    n_queries = sum(ev.n_queries for ev in primary.evaluations.values())
    result = SystemResult(
        name=name,
        label=f"{reranker.name}" + (" (zero-shot)" if "zeroshot" in reranker.name else ""),
        source=MEASURED,
        first_stage=fs,
        reranker=Reranker(reranker.name, config),
        metrics={} if args.long else primary.per_domain,
        metrics_long=primary.per_domain if args.long else {},
        per_query={} if args.long else per_query_ndcg(primary),
        efficiency=Efficiency(
            parameters=(config.get("backend") or {}).get("parameters"),
            model_calls=total.items,
            input_tokens=total.all_prompt_tokens,
            output_tokens=total.all_generated_tokens,
            wall_seconds=round(wall_seconds, 1),
            # The reranking time on the GPU when there is one (first stage and evaluation aside).
            gpu_seconds=round(total.wall_s, 1) if provenance.hardware()["gpus"] else None,
            n_queries=n_queries,
            hardware=model_hardware(),
        ),
        provenance=provenance.capture(repo_root(args.results_dir), data, wall_seconds),
        notes=notes(args),
    )
    # A partial run (--max-queries) is not re-evaluable against the full qrels: keep no runs.
    if not args.max_queries and not args.long:
        keep_runs(result, {d: r.runs[args.score] for d, r in results.items()}, args.results_dir)
    save_system(result, args.results_dir)
    if not args.long:
        save_first_stage(fs, first_stage, systems, args.results_dir, data)
    folder = system_dir(args.results_dir, name)
    write_extras(folder, per_score, results, stats, total, getattr(reranker, "stats", None))
    return folder


def model_hardware() -> str:
    machine = provenance.hardware()
    return ", ".join(machine["gpus"]) if machine["gpus"] else f"CPU: {machine['cpu']}"


def notes(args) -> str:
    marks = []
    if args.max_new_tokens is not None:
        marks.append(
            f"max_new_tokens overridden to {args.max_new_tokens}: not the published setting"
        )
    if args.max_queries is not None:
        marks.append(f"first {args.max_queries} queries per domain only")
    return "; ".join(marks)


def as_json(data) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def write_extras(
    folder: Path,
    per_score: dict[str, DomainResults],
    results: dict[str, RerankResult],
    stats: dict[str, RerankStats],
    total: RerankStats,
    repairs=None,
) -> None:
    """Beside the record: every score's metrics, counts (parse failures) and raw outputs."""
    by_score = {name: r.to_json() for name, r in per_score.items()}
    atomic_write_text(
        folder / "by_score.json", json.dumps(by_score, indent=1, sort_keys=True) + "\n"
    )
    counts = {"total": asdict(total), "domains": {d: asdict(s) for d, s in stats.items()}}
    if is_dataclass(repairs):
        # A listwise reranker's repair breakdown covers only the windows it answered in this
        # invocation (cached windows are not parsed again); `total` counts them all.
        counts["repairs_this_invocation"] = asdict(repairs)
    atomic_write_text(folder / "counts.json", as_json(counts))
    for domain, result in results.items():
        lines = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in result.outputs)
        atomic_write_text(folder / OUTPUTS_DIR / f"{domain}.jsonl.gz", lines)
