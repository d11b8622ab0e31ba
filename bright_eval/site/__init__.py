"""A static leaderboard site: every board of `leaderboards/` (measured and reported rows grouped
by first stage, long documents, the official board) as sortable, filterable HTML tables, the
reproduction matrix of the measured rows, and the report of each measured reranked row.

One self-contained folder: Jinja2 templates rendered here, one CSS and two plain-JS files
copied beside them; no server, no network, it opens from disk. `build_site(systems, ...)`
writes it; `python -m bright_eval site` is the command.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from bright_eval.atomic import atomic_write_text
from bright_eval.data import DataError
from bright_eval.leaderboard.gains import SIGNIFICANCE_NOTE
from bright_eval.leaderboard.official import OfficialBoard
from bright_eval.leaderboard.trial import TRIAL_MARK, TRIAL_NOTE
from bright_eval.report import build_report
from bright_eval.report.records import ReportError
from bright_eval.report.render import environment
from bright_eval.results import SystemRecord, system_dir
from bright_eval.results.schema import OUTPUTS_DIR
from bright_eval.site.reproduce import reproductions
from bright_eval.site.rows import (
    KINDS,
    SIZE_NAMES,
    boards,
    first_stages,
    official_tables,
)

__all__ = ["build_site"]

# report.js sorts any `table.sortable` (data-key / data-value cells): the site uses it as is.
STATIC = (("bright_eval.report", "report.css"), ("bright_eval.report", "report.js"),
          ("bright_eval.site", "site.css"), ("bright_eval.site", "site.js"))  # fmt: skip
REPORTS = "reports"


def copy_static(out: Path) -> None:
    (out / "static").mkdir(parents=True, exist_ok=True)
    for package, name in STATIC:
        with resources.as_file(resources.files(package) / "static" / name) as src:
            shutil.copyfile(src, out / "static" / name)


def build_site(
    systems: Sequence[SystemRecord],
    official: OfficialBoard | None,
    results_dir: str | Path,
    out: str | Path,
    data_dir: str | None = None,
    with_reports: bool = True,
) -> Path:
    """Write the site under `out`; returns the path of its index.html. Each measured reranked
    row gets its report under reports/<name>/ (documents not loaded: a site holds every
    system); one that cannot be built is named on stderr and in the matrix, with why."""
    out = Path(out)
    env = environment()
    env.loader = _loader()
    copy_static(out)
    tables = boards(systems)
    matrix = reproductions(systems)
    for r in matrix:
        if r.no_report:
            continue
        if not with_reports:
            r.no_report = "not built (--no-reports)"
            continue
        if not (system_dir(results_dir, r.name) / OUTPUTS_DIR).is_dir():
            # Recorded from run files (a published run re-scored, say): an expected absence,
            # said in the matrix rather than warned about on every build.
            r.no_report = "no reranker outputs beside its record (recorded from run files)"
            continue
        try:
            build_report(
                system_dir(results_dir, r.name),
                out / REPORTS / r.name,
                data_dir=data_dir,
                with_documents=False,
            )
            r.report = f"{REPORTS}/{r.name}/index.html"
        except (ReportError, DataError) as err:
            r.no_report = str(err)
            print(f"warning: no report for {r.name}: {err}", file=sys.stderr)
    reports = {r.name: r.report for r in matrix}
    trial = any(row.label.endswith(TRIAL_MARK) for b in tables for row in b.rows)
    common = {
        "results_dir": Path(results_dir).as_posix(),
        "official": official is not None,
        "generated": "python -m bright_eval site",
    }
    pages = {
        "index.html": env.get_template("index.html").render(
            **common,
            page="index",
            boards=tables,
            kinds=KINDS,
            sizes=[s for s in SIZE_NAMES if any(r.size == s for b in tables for r in b.rows)],
            first_stages=first_stages(tables),
            reports=reports,
            significance=SIGNIFICANCE_NOTE,
            trial_note=TRIAL_NOTE if trial else "",
        ),
        "reproduce.html": env.get_template("reproduce.html").render(
            **common, page="reproduce", matrix=matrix
        ),
    }
    if official is not None:
        pages["official.html"] = env.get_template("official.html").render(
            **common, page="official", tables=official_tables(official), board=official
        )
    for name, html in pages.items():
        atomic_write_text(out / name, html)
    return out / "index.html"


def _loader():
    import jinja2  # environment() has already said how to install it when it is missing

    return jinja2.PackageLoader("bright_eval.site", "templates")
