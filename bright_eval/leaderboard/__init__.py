"""Leaderboard markdown (and one chart) built from `results/`, deterministic byte for byte.

Nothing here reads the clock or the machine: every value comes from the records, tables are
sorted, floats have a fixed format. That is what lets `leaderboard --check` compare bytes.
"""

from bright_eval.leaderboard.board import (
    EFFICIENCY,
    GAINS,
    LONG,
    MAIN,
    MARKDOWN_FILES,
    Leaderboard,
    build,
)
from bright_eval.leaderboard.chart import CHART, chart_data_sha, chart_fingerprint, draw_chart
from bright_eval.leaderboard.files import README_END, README_START, stale, write
from bright_eval.leaderboard.official import OFFICIAL, OfficialBoard, load_official

__all__ = [
    "CHART",
    "EFFICIENCY",
    "GAINS",
    "LONG",
    "MAIN",
    "MARKDOWN_FILES",
    "OFFICIAL",
    "OfficialBoard",
    "README_END",
    "README_START",
    "Leaderboard",
    "build",
    "chart_data_sha",
    "chart_fingerprint",
    "draw_chart",
    "load_official",
    "stale",
    "write",
]
