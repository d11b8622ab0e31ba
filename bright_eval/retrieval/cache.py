"""The first-stage cache: each (retriever, settings, data, query variant, setting) run once.

Layout: `<root>/runs/<label>-<hash>/` holds `key.json` (what the hash covers) and, per domain,
`<domain>.trec.gz` plus `<domain>.provenance.json`. One folder per configuration, so the folder
with `{domain}.trec.gz` is a run template that `evaluate --run` takes as is. A domain's entry is
complete only when its provenance exists: the run is written first (atomically), the provenance
last, so an interrupted computation is never mistaken for a finished one. An entry damaged anyway
(a truncated gzip, malformed lines, unreadable provenance) is recomputed with a one-line warning;
an imported run that cannot be read is an error naming the file (it is the source of truth).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import bright_eval
from bright_eval.atomic import atomic_write_text
from bright_eval.cache_dir import cache_root
from bright_eval.data import BrightData, resolve_variant
from bright_eval.domains import get_domain, require_long_documents
from bright_eval.provenance import started_by
from bright_eval.retrieval.base import Retriever, get_retriever
from bright_eval.runs import DAMAGE, Run, describe, read_run, write_trec

log = logging.getLogger(__name__)

# Bump when the cache layout or the run post-processing changes.
CACHE_VERSION = 1
DEPTH = 1000


def cache_key(
    retriever: Retriever,
    data: BrightData,
    query_variant: str,
    long_documents: bool,
    depth: int = DEPTH,
) -> dict:
    """Everything a cached run depends on, except the domain (one file per domain)."""
    resolve_variant(query_variant)
    return {
        "cache_version": CACHE_VERSION,
        "first_stage": retriever.config(),
        "data": data.describe(),
        "query_variant": query_variant,
        "documents": "long" if long_documents else "short",
        "depth": depth,
    }


def key_hash(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def entry_dir(key: dict, root: Path) -> Path:
    # Readable, not unique: the hash is what tells configurations apart.
    spec = key["first_stage"]["retriever"].replace("{domain}", "")
    label = re.sub(r"[^A-Za-z0-9-]+", "_", spec).strip("_")[-60:].strip("_")
    return root / "runs" / f"{label}-{key['query_variant']}-{key['documents']}-{key_hash(key)}"


def cache_file_name(path: Path) -> str:
    """A cached run's path relative to the cache root (`runs/<entry>/<domain>.trec.gz`), as
    records keep it: an absolute path would name one machine's home directory."""
    return Path(path).relative_to(Path(path).parents[2]).as_posix()


def local_data_files(data: BrightData, domain: str, query_variant: str, long_documents: bool):
    """For a local snapshot, the files this domain's run reads (name, size, mtime): a folder
    re-filled with other files must not hit the cache. The Hub is pinned by revision instead."""
    if data.data_dir is None:
        return None
    configs = [resolve_variant(query_variant), "long_documents" if long_documents else "documents"]
    files = []
    for config in configs:
        for f in sorted((Path(data.data_dir) / config).glob(f"{domain}-*.parquet")):
            st = f.stat()
            files.append([f"{config}/{f.name}", st.st_size, st.st_mtime_ns])
    return files


def first_stage_run(
    spec: str | Retriever,
    data: BrightData,
    domain: str,
    query_variant: str = "original",
    long_documents: bool = False,
    refresh: bool = False,
    depth: int = DEPTH,
    cache_dir: str | os.PathLike | None = None,
    command: str | None = None,
) -> tuple[Run, Path, dict]:
    """The first-stage run of one domain, from the cache or computed and cached.

    Returns the run (top `depth`, excluded ids removed), the path of its cached TREC file, and
    its provenance (the cache key, data fingerprint, timings, versions, and how it was started:
    `command`, the CLI's command line, or None from Python; see `provenance.started_by`).
    """
    retriever = get_retriever(spec) if isinstance(spec, str) else spec
    d = get_domain(domain)
    if long_documents:
        require_long_documents(d)
    key = cache_key(retriever, data, query_variant, long_documents, depth)
    folder = entry_dir(key, cache_root(cache_dir))
    run_path = folder / f"{d.name}.trec.gz"
    provenance_path = folder / f"{d.name}.provenance.json"
    fingerprint = {
        "data_files": local_data_files(data, d.name, query_variant, long_documents),
        "first_stage": retriever.fingerprint(d.name),
    }
    if not refresh and provenance_path.is_file() and run_path.is_file():
        cached = read_entry(run_path, provenance_path, fingerprint)
        if cached is not None:
            return cached[0], run_path, {**cached[1], "reused": True}

    started = time.perf_counter()
    queries = data.queries(d.name, query_variant)
    if retriever.parts:
        # A fusion: its parts come from (and go to) the cache too.
        part_runs = [
            first_stage_run(p, data, d.name, query_variant, long_documents, refresh, depth,
                            cache_dir, command)[0]
            for p in retriever.parts
        ]  # fmt: skip
        run = retriever.fuse(part_runs, depth)
    else:
        run = retriever.retrieve(data, d.name, queries, long_documents=long_documents, depth=depth)
    elapsed = time.perf_counter() - started
    provenance = {
        "key": key,
        "key_hash": key_hash(key),
        "domain": d.name,
        "fingerprint": fingerprint,
        "queries": len(queries),
        "queries_ranked": sum(1 for docs in run.values() if docs),
        "seconds": round(elapsed, 3),
        "index": retriever.index_stats,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "bright_eval": bright_eval.__version__,
        "python": platform.python_version(),
        **started_by(command),
    }
    atomic_write_text(folder / "key.json", json.dumps(key, indent=2, sort_keys=True) + "\n")
    write_trec(run, run_path, tag=_tag(key))
    atomic_write_text(provenance_path, json.dumps(provenance, indent=2) + "\n")
    return run, run_path, {**provenance, "reused": False}


def read_entry(run_path: Path, provenance_path: Path, fingerprint: dict):
    """A cached (run, provenance); None when stale, or when damaged (said on stderr: a damaged
    entry is recomputed like a stale one)."""
    path = provenance_path
    try:
        provenance = json.loads(provenance_path.read_text(encoding="utf-8"))
        if not isinstance(provenance, dict):
            raise ValueError("not a JSON object")
        if provenance.get("fingerprint") != fingerprint:
            return None
        path = run_path
        return read_run(run_path), provenance
    except DAMAGE as err:
        why = describe(err, path)
        log.warning(f"{path}: damaged first-stage cache entry ({why}); recomputing it")
        return None


def _tag(key: dict) -> str:
    return re.sub(r"\s+", "_", key["first_stage"]["retriever"]) + "-" + key_hash(key)[:8]
