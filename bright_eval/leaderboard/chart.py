"""The nDCG@10-per-domain chart, and the fingerprint of the data it was drawn from."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from bright_eval.domains import DOMAINS
from bright_eval.leaderboard.grouping import Group
from bright_eval.leaderboard.values import SHORT_NAMES, headline_values
from bright_eval.results import MEASURED

CHART = "ndcg10-by-domain.png"
CHART_DATA_KEY = "Description"
FIRST_STAGE = " [first stage]"  # ends the chart label of a first-stage row


def chart_rows(grouped: list[Group]) -> list[tuple[str, str, list[float]]]:
    """(label, source, 12 values x100) of every row with all 12 domains in a group that has a
    measured row: the rows this project can compare with its own; the rest stay in tables.
    Labels are the tables' own, short; one that two groups share (the same reranker over two
    first stages) adds its group's; a first-stage row ends in FIRST_STAGE."""
    rows = []
    for group in grouped:
        if not any(s.source == MEASURED for s in group.systems):
            continue
        for s in group.systems:
            values = headline_values(s)
            if all(values[d] is not None for d in DOMAINS):
                name = s.label if s.is_reranked else f"{s.label}{FIRST_STAGE}"
                scores = [round(values[d] * 100, 2) for d in DOMAINS]
                rows.append((name, s.source, scores, group.label))
    seen = Counter(name for name, *_ in rows)
    return [(f"{name} (over {over})" if seen[name] > 1 else name, source, scores)
            for name, source, scores, over in rows]  # fmt: skip


def chart_fingerprint(rows: list[tuple[str, str, list[float]]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def _colours(n: int) -> list:
    """n colours told apart easily: tab10, then tab20's lighter halves, then Set3."""
    import matplotlib.pyplot as plt

    palette = [plt.cm.tab10(i) for i in range(10)]
    palette += [plt.cm.tab20(2 * i + 1) for i in range(10)]
    palette += [plt.cm.Set3(i) for i in range(12)]
    return [palette[i % len(palette)] for i in range(n)]


def draw_chart(rows: list[tuple[str, str, list[float]]], sha: str, path: Path) -> None:
    """Small multiples: one panel per domain, one dot per row (the same colour and line in every
    panel), the first stage as a dashed line, so that a reranker reads as left or right of what
    it reranks. Reported rows are hollow, measured ones filled. The data fingerprint goes into
    the PNG's metadata so that `--check` can tell a stale chart without comparing pixels, which
    differ between matplotlib/freetype builds for the same data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    n = len(rows)
    colours = _colours(n)
    y = list(range(n))
    ncols = 4
    nrows = -(-len(DOMAINS) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(13, 1.2 + nrows * (0.6 + 0.17 * n)), dpi=100, sharey=True
    )
    flat = list(axes.flat)
    for k, d in enumerate(DOMAINS):
        ax = flat[k]
        for i, (label, source, values) in enumerate(rows):
            if label.endswith(FIRST_STAGE):
                ax.axvline(values[k], color=colours[i], linestyle="--", linewidth=1)
            ax.scatter(
                values[k],
                y[i],
                s=28,
                color=colours[i] if source == MEASURED else "white",
                edgecolors=[colours[i]],
                linewidths=1.4,
                zorder=3,
            )
        ax.set_title(SHORT_NAMES[d], fontsize=10)
        ax.grid(axis="x", linewidth=0.3)
        ax.tick_params(labelsize=8)
        ax.set_yticks(y, [label.removesuffix(FIRST_STAGE) for label, _, _ in rows])
        ax.invert_yaxis() if k == 0 else None  # shared: inverting once orders every panel
    for ax in flat[len(DOMAINS) :]:
        ax.set_visible(False)
    for ax in flat[-ncols:]:
        ax.set_xlabel("nDCG@10 x 100", fontsize=8)
    fig.suptitle("BRIGHT nDCG@10 per domain, rows over the same first stage", fontsize=12)
    legend = [
        Line2D(
            [], [], marker="o", color="grey", markerfacecolor="grey", linestyle="", label="measured"
        ),
        Line2D(
            [],
            [],
            marker="o",
            color="grey",
            markerfacecolor="white",
            linestyle="",
            label="reported",
        ),
        Line2D([], [], color="grey", linestyle="--", label="first stage"),
    ]
    fig.legend(handles=legend, loc="lower center", ncol=3, frameon=False, fontsize=9)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
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
