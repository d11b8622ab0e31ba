"""Where cached work lives (first-stage runs, embeddings, reranker outputs): one root for all."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "BRIGHT_EVAL_CACHE"


def cache_root(cache_dir: str | os.PathLike | None = None) -> Path:
    """`cache_dir` when given, else $BRIGHT_EVAL_CACHE, else the per-user cache folder."""
    if cache_dir is not None:
        return Path(cache_dir)
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    import platformdirs

    return Path(platformdirs.user_cache_dir("bright_eval"))
