"""The nDCG@10-per-domain chart, and the fingerprint of the data it was drawn from."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from bright_eval.domains import DOMAINS
from bright_eval.leaderboard.grouping import Group
from bright_eval.leaderboard.values import SHORT_NAMES, headline_values
from bright_eval.results import MEASURED, REPORTED

CHART = "ndcg10-by-domain.png"
CHART_DATA_KEY = "Description"


def chart_rows(grouped: list[Group]) -> list[tuple[str, str, list[float]]]:
    """(label, source, 12 values x100) of every row with all 12 domains in a group that has a
    measured row: the rows this project can compare with its own; the rest stay in tables."""
    out = []
    for group in grouped:
        if not any(s.source == MEASURED for s in group.systems):
            continue
        for s in group.systems:
            values = headline_values(s)
            if all(values[d] is not None for d in DOMAINS):
                name = f"{s.label} over {group.label}" if s.is_reranked else group.label
                out.append((name, s.source, [round(values[d] * 100, 2) for d in DOMAINS]))
    return out


def chart_fingerprint(rows: list[tuple[str, str, list[float]]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def draw_chart(rows: list[tuple[str, str, list[float]]], sha: str, path: Path) -> None:
    """Grouped bars per domain; reported rows hatched. The data fingerprint goes into the PNG's
    metadata so that `--check` can tell a stale chart without comparing pixels, which differ
    between matplotlib/freetype builds for the same data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    x = np.arange(len(DOMAINS))
    width = 0.8 / max(len(rows), 1)
    fig, ax = plt.subplots(figsize=(12, 4.5), dpi=100)
    for i, (label, source, values) in enumerate(rows):
        ax.bar(
            x + (i - (len(rows) - 1) / 2) * width,
            values,
            width,
            label=f"{label} ({source})",
            color=plt.cm.tab20(i % 20),
            hatch="//" if source == REPORTED else None,
            edgecolor="black" if source == REPORTED else None,
            linewidth=0.3,
        )
    ax.set_xticks(x, [SHORT_NAMES[d] for d in DOMAINS])
    ax.set_ylabel("nDCG@10 x 100")
    ax.set_title("BRIGHT nDCG@10 per domain")
    ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.08), frameon=False)
    ax.grid(axis="y", linewidth=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(
        path,
        format="png",
        bbox_inches="tight",
        metadata={"Software": None, CHART_DATA_KEY: sha},
    )
    plt.close(fig)


def chart_data_sha(path: Path) -> str | None:
    from PIL import Image

    try:
        with Image.open(path) as image:
            return image.text.get(CHART_DATA_KEY)
    except (OSError, ValueError):
        return None
