"""How a pipeline run becomes a leaderboard row: a `results/<system>/` record for the reranked
system, and one for its first stage when results/ has none, so that the leaderboard can test
the gain over exactly the candidates that were reranked.

The record is a function of the outputs it used, never of the invocation that happened to
finish the work: cost is summed over outputs (each carries its own model seconds and tokens),
the parameter count comes from the model's config, and rerunning a finished system rewrites
nothing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bright_eval import pinned, provenance
from bright_eval.atomic import atomic_write_text
from bright_eval.redact import redact_mapping
from bright_eval.results.from_runs import keep_runs, per_domain_ndcg, repo_root
from bright_eval.results.schema import (
    BY_SCORE_FILE,
    COUNTS_FILE,
    MEASURED,
    OUTPUTS_DIR,
    OUTPUTS_SUFFIX,
    Efficiency,
    FirstStage,
    RerankerRecord,
    SystemRecord,
    slug,
    to_json,
)
from bright_eval.results.store import load_systems, save_system, system_dir
from bright_eval.runs import domain_path

if TYPE_CHECKING:
    from bright_eval.pipeline import PipelineResult


def existing_first_stage(
    spec, systems: list[SystemRecord], domains: list[str]
) -> FirstStage | None:
    """The first stage of a measured record whose run files are exactly this imported run,
    so a rerank of e.g. the ReasonIR files joins the ReasonIR group."""
    if not spec.first_stage_name.startswith("file:"):
        return None
    root = repo_root(spec.results_dir)
    template = spec.first_stage_name.removeprefix("file:")
    wanted = {provenance.relative_path(domain_path(template, d), root) for d in domains}
    for system in systems:
        if system.source == MEASURED and not system.is_reranked:
            if wanted <= {f.path for f in system.runs}:
                return system.first_stage
    return None


def stage_id(first_stage: str, stage: str) -> str:
    """A short, stable id: imported run files are named by their folder plus a hash of the full
    path template (two folders of the same name elsewhere stay apart)."""
    if first_stage.startswith("file:"):
        template = first_stage.removeprefix("file:")
        return f"{slug(Path(template).parent.name or 'runs')}-{provenance.short_hash(template)}"
    return slug(stage)


def first_stage_of(
    result: PipelineResult, systems: list[SystemRecord], verified: bool = True
) -> FirstStage:
    spec = result.spec
    if not spec.is_smoke and verified:
        found = existing_first_stage(spec, systems, list(result.reranked))
        if found is not None:
            return found
    stage = result.first_stage_config.get("retriever", spec.first_stage_name)
    fs_id = f"{stage_id(spec.first_stage_name, stage)}/{spec.query_variant}"
    label = f"{stage}, {spec.query_variant} queries"
    if spec.max_queries is not None:  # never joins the full first stage's group
        fs_id += f"/first-{spec.max_queries}"
        label += f", first {spec.max_queries} queries per domain"
    if not verified:  # other candidates than the real first stage's: never in its group
        mark = pinned.data_mark(result.data) or "data-unverified"
        fs_id += f"/{mark}"
        label += f", {mark}"
    return FirstStage(fs_id, label, {"spec": spec.first_stage_name, **result.first_stage_config})


def efficiency(result: PipelineResult) -> Efficiency:
    total = result.stats
    model_seconds = round(total.all_model_seconds, 1)
    on_gpu = any(provenance.ran_on_gpu(h) for h in total.hardware)
    return Efficiency(
        parameters=result.reranker.parameter_count(),
        model_calls=total.items,
        input_tokens=total.all_prompt_tokens,
        output_tokens=total.all_generated_tokens,
        wall_seconds=model_seconds,
        gpu_seconds=model_seconds if on_gpu else None,
        n_queries=sum(ev.n_queries for ev in result.primary.evaluations.values()),
        hardware="; ".join(sorted(total.hardware)) or None,
    )


def reranker_record(result: PipelineResult) -> RerankerRecord:
    config = run_config(result.spec, result.reranker, list(result.reranked),
                        result.first_stage_config, computed_by(result.stats))  # fmt: skip
    return RerankerRecord(result.reranker.name, config)


def computed_by(stats) -> dict:
    """What computed the outputs used, as each output recorded it where it ran (not this
    invocation's backend, which a fully cached run never loads): one backend's description,
    `{"mixed": [...]}` when shards ran on different ones, {} when none was recorded."""
    described = [stats.backends[k] for k in sorted(stats.backends)]
    if len(described) > 1:
        return {"mixed": described}
    return described[0] if described else {}


def run_config(spec, reranker, domains: list[str], first_stage_config, backend: dict) -> dict:
    """The reranker's configuration as its record states it, with the run's settings."""
    return {
        "reranker": reranker.config(),
        "reranker_config_hash": reranker.config_hash(),
        "backend": redact_mapping(backend),  # e.g. a server URL's password
        "first_stage": {"spec": spec.first_stage_name, "config": first_stage_config},
        "top_k": spec.top_k,
        "query_variant": spec.query_variant,
        "rerank_query": spec.rerank_query,
        "ranked_by": spec.score,
        "max_queries": spec.max_queries,
        "max_new_tokens_override": spec.options.max_new_tokens,
        "long_documents": spec.long_documents,
        "domains": domains,
    }


def notes(spec, verified: bool = True) -> str:
    marks = []
    if not verified:
        marks.append("data not verified as the pinned BRIGHT revision: test data")
    if spec.options.max_new_tokens is not None:
        marks.append(f"max_new_tokens overridden to {spec.options.max_new_tokens}: smoke run")
    if spec.max_queries is not None:
        marks.append(f"first {spec.max_queries} queries per domain only: smoke run")
    return "; ".join(marks)


def same_but_provenance(a: SystemRecord, b: SystemRecord) -> bool:
    """Whether the two would be written alike but for their provenance (compared as written:
    a record read back holds lists where one made here may hold tuples)."""

    def written(record: SystemRecord) -> str:
        unprovenanced = replace(record, provenance={})
        return as_json([to_json(unprovenanced), unprovenanced.per_query])

    return written(a) == written(b)


def save_record(result: PipelineResult) -> Path:
    """Write the reranked system (and its first stage when new); returns its folder."""
    spec = result.spec
    root = Path(spec.results_dir)
    systems = load_systems(root) if root.is_dir() else []
    verified = pinned.is_pinned(result.data, list(result.reranked))
    fs = first_stage_of(result, systems, verified)
    primary = result.primary
    # Started from Python, the spec is what says how: there is no command line.
    started = {"command": spec.command, "spec": None if spec.command else spec.as_dict()}
    captured = provenance.capture(repo_root(root), result.data, **started)
    record = SystemRecord(
        name=result.name,
        label=result.label,
        source=MEASURED,
        first_stage=fs,
        reranker=reranker_record(result),
        metrics={} if spec.long_documents else primary.per_domain,
        metrics_long=primary.per_domain if spec.long_documents else {},
        per_query={} if spec.long_documents else per_domain_ndcg(primary),
        efficiency=efficiency(result),
        provenance=captured,
        notes=notes(spec, verified),
        smoke=spec.is_smoke,
        data_verified=verified,
    )
    # A run over the first N queries only is not re-evaluable against the full qrels: keep no runs.
    if not spec.max_queries and not spec.long_documents:
        runs = {d: r.runs[spec.score] for d, r in result.reranked.items()}
        keep_runs(record, runs, root)
    folder = system_dir(root, result.name)
    old = next((s for s in systems if s.name == record.name), None)
    if old is None or not same_but_provenance(old, record):
        save_system(record, root)
    if not record.trial and not spec.long_documents:
        save_first_stage(fs, result, systems, root, captured)
    write_extras(folder, result)
    return folder


def save_first_stage(
    fs: FirstStage, result: PipelineResult, systems, root: Path, captured: dict
) -> None:
    """Record the first stage as its own row unless results/ already has one for it."""
    if any(s.first_stage.id == fs.id and not s.is_reranked for s in systems):
        return
    save_system(
        SystemRecord(
            name=slug(fs.id.replace("/", "__")),
            label=f"{fs.label} (first stage)",
            source=MEASURED,
            first_stage=fs,
            metrics=result.first_stage.per_domain,
            per_query=per_domain_ndcg(result.first_stage),
            provenance=captured,
            notes="first stage evaluated by the reranking pipeline over the queries it reranked",
        ),
        root,
    )


def as_json(data) -> str:
    # Strict JSON: a NaN here is a bug to stop at, not a file other tools cannot read.
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def write_extras(folder: Path, result: PipelineResult) -> None:
    """Beside the record: every score's metrics, counts over the outputs used (parse failures
    by kind, repairs, tokens) and the raw outputs. None of it depends on which invocation
    computed an output, so a rerun leaves these files unchanged too."""
    by_score = {name: r.to_json() for name, r in result.per_score.items()}
    atomic_write_text(folder / BY_SCORE_FILE, as_json(by_score))
    counts = {
        "total": result.stats.totals(),
        "domains": {d: r.stats.totals() for d, r in result.reranked.items()},
    }
    atomic_write_text(folder / COUNTS_FILE, as_json(counts))
    for domain, reranked in result.reranked.items():
        lines = "".join(json.dumps(o, ensure_ascii=False, allow_nan=False) + "\n"
                        for o in reranked.outputs)  # fmt: skip
        atomic_write_text(folder / OUTPUTS_DIR / f"{domain}{OUTPUTS_SUFFIX}", lines)
