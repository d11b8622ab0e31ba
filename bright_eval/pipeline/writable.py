"""Whether a pipeline's record may be written under its name: the folder must be writable, and
a record already there must have been made the same way (an identical rerun, a resumed run, the
merge of shards), or a second run would silently replace another configuration's numbers.
Checked before any model work."""

from __future__ import annotations

import os
from pathlib import Path

from bright_eval import provenance
from bright_eval.pipeline.record import run_config
from bright_eval.results.from_runs import repo_root
from bright_eval.results.schema import SYSTEM_FILE, RerankerRecord, ResultsError
from bright_eval.results.store import load_system, system_dir


def check_writable(results_dir: str, name: str, spec, reranker, data, domains: list[str]) -> None:
    """Fail before any model work when the record could not be written, or would silently
    replace a record made another way."""
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
    if not (folder / SYSTEM_FILE).is_file():
        return  # nothing to replace (and no need to ask the reranker for its config yet)
    config = run_config(spec, reranker, domains, first_stage_config=None, backend={})
    described = provenance.describe_data(data, repo_root(results_dir))
    check_made_alike(results_dir, name, reranker.name, made_with(config, described))


def check_first_stage_alike(results_dir: str, name: str, reranker, first_stage_config: dict):
    """The same check for the first stage's settings, known once its run is at hand."""
    made = made_with({"first_stage": {"config": first_stage_config}}, {})
    check_made_alike(results_dir, name, reranker.name, made)


# The run settings a record states besides its reranker's and first stage's.
MADE_WITH = ("top_k", "ranked_by", "query_variant", "rerank_query", "long_documents",
             "max_queries", "max_new_tokens_override", "domains")  # fmt: skip


def made_with(config: dict, described_data: dict) -> dict:
    """What a record was made with, as far as its reranker's config and its data's description
    state it, in the order a difference is reported. Where the data folder is and when the
    record was made are left out: moving a snapshot or rerunning changes no number."""
    first = config.get("first_stage") or {}
    # The first stage's cache entry is named by a hash of the data folder's path: left out too.
    # Sorted, as a record reads back: a difference is named in the same key order both sides.
    settings = {k: v for k, v in sorted((first.get("config") or {}).items()) if k != "cache_key"}
    data = {k: v for k, v in sorted(described_data.items()) if k not in ("path", "home")}
    made = {
        "reranker config hash": config.get("reranker_config_hash"),
        "first stage": first.get("spec"),
        "first stage settings": settings or None,
        **{key: config[key] for key in MADE_WITH if key in config},
        "data": data or None,
    }
    return {k: v for k, v in made.items() if v is not None or k in MADE_WITH}


def check_made_alike(results_dir: str, name: str, reranker_name: str, new: dict) -> None:
    """Refuse, naming the first difference, to replace a record made another way. An identical
    rerun, a resumed run and the merge of shards state the same and pass; what an older record
    does not state is no difference."""
    existing = system_dir(results_dir, name) / SYSTEM_FILE
    if not existing.is_file():
        return
    record = load_system(existing)
    if record.reranker is None or "reranker_config_hash" not in record.reranker.config:
        # Not a pipeline's record (a run file's or first stage's row): nothing to compare, and
        # nothing a rerank may replace.
        raise ResultsError(
            f"{existing.parent} holds a record the pipeline did not make ({record.label}); pass "
            "--system-name NAME to write elsewhere, or remove that folder to replace it"
        )
    old = made_with((record.reranker or RerankerRecord("")).config,
                    record.provenance.get("data", {}))  # fmt: skip
    for key, value in new.items():
        if key in old and old[key] != value:
            raise ResultsError(
                f"{existing.parent} holds another configuration of {reranker_name} ({key} "
                f"{old[key]!r}, this run {value!r}); pass --system-name NAME to keep both, or "
                "remove that folder to replace it"
            )
