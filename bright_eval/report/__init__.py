"""A browsable, static HTML report of what a reranker decided: per domain, per query and per
document, with the model's explanations, next to the query text, gold ids and first-stage ranks.

`build_report(system_folder, out)` reads a `results/<system>/` record (records.py), the BRIGHT
data it names (corpus.py), rebuilds the lists (rankings.py), builds the view model (build.py,
view.py) and writes the pages (render.py, templates/, static/).
"""

from __future__ import annotations

from pathlib import Path

from bright_eval.report.build import prepare
from bright_eval.report.records import ReportError
from bright_eval.report.render import write_report

__all__ = ["ReportError", "build_report"]


def build_report(
    system: str | Path,
    out: str | Path,
    compare: str | Path | None = None,
    data_dir: str | None = None,
    domains: list[str] | None = None,
    doc_chars: int = 8000,
    with_documents: bool = True,
) -> Path:
    """Write the report of `system` (a results/<system>/ folder) under `out`; returns the path
    of its index.html. `compare`: a second system over the same first stage, shown side by side."""
    report = prepare(
        str(system),
        None if compare is None else str(compare),
        data_dir,
        domains,
        doc_chars,
        with_documents,
    )
    return write_report(report, out)
