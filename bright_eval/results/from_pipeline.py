"""How a pipeline run becomes a leaderboard row: a `results/<system>/` record for the reranked
system, and one for its first stage when results/ has none, so that the leaderboard can test
the gain over exactly the candidates that were reranked.

The record is a function of the outputs it used, never of the invocation that happened to
finish the work: cost is summed over outputs (each carries its own model seconds and tokens),
the parameter count comes from the model's config, and rerunning a finished system rewrites
nothing. (Duck-typed on `bright_eval.pipeline.PipelineResult`; this layer does not import the
pipeline.)
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bright_eval import provenance
from bright_eval.atomic import atomic_write_text
from bright_eval.redact import redact_mapping
from bright_eval.results.from_runs import keep_runs, per_domain_ndcg, repo_root
from bright_eval.results.schema import (
    BY_SCORE_FILE,
    COUNTS_FILE,
    MEASURED,
    OUTPUTS_DIR,
    OUTPUTS_SUFFIX,
    SYSTEM_FILE,
    Efficiency,
    FirstStage,
    RerankerRecord,
    ResultsError,
    SystemRecord,
    slug,
)
from bright_eval.results.store import load_system, load_systems, save_system, system_dir
from bright_eval.runs import domain_path

if TYPE_CHECKING:
    from bright_eval.pipeline import PipelineResult


def check_writable(results_dir: str, name: str, reranker) -> None:
    """Fail before any model work when the record could not be written, or would silently
    replace a record of another configuration."""
    folder = system_dir(results_dir, name)
    probe_dir = folder if folder.is_dir() else Path(results_dir)
    try:
        probe_dir.mkdir(parents=True, exist_ok=True)
        probe = probe_dir / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as err:
        raise ResultsError(
            f"cannot write results to {probe_dir} ({err.strerror}); pass a writable --results-dir"
        ) from None
    existing = folder / SYSTEM_FILE
    if existing.is_file():
        old = (load_system(existing).reranker or RerankerRecord("")).config
        old_hash = old.get("reranker_config_hash")
        if old_hash and old_hash != reranker.config_hash():
            raise ResultsError(
                f"{folder} holds another configuration of {reranker.name} (config hash "
                f"{old_hash}, this run {reranker.config_hash()}); pass --system-name NAME to keep "
                "both, or remove that folder to replace it"
            )


def existing_first_stage(
    spec, systems: list[SystemRecord], domains: list[str]
) -> FirstStage | None:
    """The first stage of a measured record whose run files are exactly this imported run,
    so a rerank of e.g. the ReasonIR files joins the ReasonIR group."""
    if not spec.first_stage.startswith("file:"):
        return None
    root = repo_root(spec.results_dir)
    template = spec.first_stage.removeprefix("file:")
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


def first_stage_of(result: PipelineResult, systems: list[SystemRecord]) -> FirstStage:
    spec = result.spec
    if not spec.is_smoke:
        found = existing_first_stage(spec, systems, list(result.reranked))
        if found is not None:
            return found
    stage = result.first_stage_config.get("retriever", spec.first_stage)
    fs_id = f"{stage_id(spec.first_stage, stage)}/{spec.query_variant}"
    label = f"{stage}, {spec.query_variant} queries"
    if spec.max_queries is not None:  # never joins the full first stage's group
        fs_id += f"/first-{spec.max_queries}"
        label += f", first {spec.max_queries} queries per domain"
    return FirstStage(fs_id, label, {"spec": spec.first_stage, **result.first_stage_config})


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
    spec, reranker = result.spec, result.reranker
    config = {
        "reranker": reranker.config(),
        "reranker_config_hash": reranker.config_hash(),
        "backend": redact_mapping(reranker.backend_info()),  # e.g. a server URL's password
        "first_stage": {"spec": spec.first_stage, "config": result.first_stage_config},
        "top_k": spec.top_k,
        "query_variant": spec.query_variant,
        "rerank_query": spec.rerank_query,
        "ranked_by": spec.score,
        "max_queries": spec.max_queries,
        "max_new_tokens_override": spec.options.max_new_tokens,
        "long_documents": spec.long_documents,
        "domains": list(result.reranked),
    }
    return RerankerRecord(reranker.name, config)


def notes(spec) -> str:
    marks = []
    if spec.options.max_new_tokens is not None:
        marks.append(f"max_new_tokens overridden to {spec.options.max_new_tokens}: smoke run")
    if spec.max_queries is not None:
        marks.append(f"first {spec.max_queries} queries per domain only: smoke run")
    return "; ".join(marks)


def same_but_provenance(a: SystemRecord, b: SystemRecord) -> bool:
    return replace(a, provenance={}) == replace(b, provenance={})


def save(result: PipelineResult) -> Path:
    """Write the reranked system (and its first stage when new); returns its folder."""
    spec = result.spec
    root = Path(spec.results_dir)
    systems = load_systems(root) if root.is_dir() else []
    fs = first_stage_of(result, systems)
    primary = result.primary
    # Started from Python, the spec is what says how: there is no command line.
    started = {"command": spec.command, "spec": None if spec.command else asdict(spec)}
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
        notes=notes(spec),
        smoke=spec.is_smoke,
    )
    # A run over the first N queries only is not re-evaluable against the full qrels: keep no runs.
    if not spec.max_queries and not spec.long_documents:
        runs = {d: r.runs[spec.score] for d, r in result.reranked.items()}
        keep_runs(record, runs, root)
    folder = system_dir(root, result.name)
    old = next((s for s in systems if s.name == record.name), None)
    if old is None or not same_but_provenance(old, record):
        save_system(record, root)
    if not spec.is_smoke and not spec.long_documents:
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
