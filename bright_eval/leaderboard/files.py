"""Writing the leaderboard files, and `--check`: telling which of them `results/` no longer
produces."""

from __future__ import annotations

import os
from pathlib import Path

from bright_eval.leaderboard.board import Leaderboard
from bright_eval.leaderboard.chart import CHART, chart_data_sha, draw_chart

README_START = "<!-- leaderboard:main:start -->"
README_END = "<!-- leaderboard:main:end -->"


def replace_block(text: str, block: str) -> str | None:
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return None
    return text[: start + len(README_START)] + "\n" + block + "\n" + text[end:]


def write(board: Leaderboard, out_dir: str | os.PathLike, readme: str | None) -> list[Path]:
    """Write what changed; returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in board.markdown.items():
        path = out / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    chart = out / CHART
    if board.chart_sha is None:
        if chart.exists():
            chart.unlink()
            written.append(chart)
    elif chart_data_sha(chart) != board.chart_sha:
        draw_chart(board.chart_rows, board.chart_sha, chart)
        written.append(chart)
    if readme is not None and Path(readme).is_file():
        path = Path(readme)
        text = path.read_text(encoding="utf-8")
        new = replace_block(text, board.readme_block)
        if new is not None and new != text:
            path.write_text(new, encoding="utf-8")
            written.append(path)
    return written


def stale(board: Leaderboard, out_dir: str | os.PathLike, readme: str | None) -> list[str]:
    """Why each stale file is stale; empty when everything matches `results/`."""
    out = Path(out_dir)
    problems = []
    for name, text in board.markdown.items():
        path = out / name
        if not path.is_file():
            problems.append(f"{path} is missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path} differs from what results/ produces")
    chart = out / CHART
    if board.chart_sha is not None and chart_data_sha(chart) != board.chart_sha:
        problems.append(f"{chart} is missing or drawn from other data")
    if board.chart_sha is None and chart.exists():
        problems.append(f"{chart} should not exist: no row has all 12 domains")
    extra = (
        sorted(p.name for p in out.glob("*.md") if p.name not in board.markdown)
        if out.is_dir()
        else []
    )
    problems += [f"{out / name} is not produced from results/" for name in extra]
    if readme is not None:
        text = Path(readme).read_text(encoding="utf-8") if Path(readme).is_file() else ""
        new = replace_block(text, board.readme_block)
        if new is None:
            problems.append(f"{readme} has no {README_START} ... {README_END} block")
        elif new != text:
            problems.append(f"{readme} main table differs from what results/ produces")
    return problems
