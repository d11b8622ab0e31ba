"""Writing the report: Jinja2 templates shipped with the package, autoescaping everything (the
explanations and documents are untrusted text), plus one CSS and one plain-JS file. The folder
needs no server and no network: `index.html` opens from disk."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from bright_eval.atomic import atomic_write_text
from bright_eval.report.build import Report, domain_views
from bright_eval.report.records import LISTWISE, ReportError

STATIC = ("report.css", "report.js")


def environment():
    try:
        import jinja2
    except ImportError as err:
        raise ReportError("the report needs Jinja2: pip install 'bright-eval[report]'") from err
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bright_eval.report", "templates"),
        autoescape=True,  # every page is HTML; nothing is marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["x100"] = lambda v: "–" if v is None else f"{v * 100:.1f}"
    env.filters["signed"] = lambda v: "–" if v is None else f"{v * 100:+.1f}"
    env.filters["pvalue"] = lambda p: "–" if p is None else ("<0.001" if p < 0.001 else f"{p:.3f}")
    env.filters["num"] = lambda v, d=3: "–" if v is None else f"{v:.{d}f}"
    # Labels used as scores print as the integers they are; model scores keep 4 decimals.
    env.filters["score"] = lambda v: f"{v:.0f}" if float(v).is_integer() else f"{v:.4f}"
    return env


def write_report(report: Report, out: str | Path) -> Path:
    """Write every page under `out`; returns the path of index.html."""
    out = Path(out)
    env = environment()
    mine = report.mine.record
    common = {
        "report": report,
        "record": mine,
        "other": report.other.record if report.other else None,
        "listwise": mine.family == LISTWISE,
        "corpus": report.corpus,
    }
    (out / "static").mkdir(parents=True, exist_ok=True)
    for name in STATIC:
        with resources.as_file(resources.files("bright_eval.report") / "static" / name) as src:
            shutil.copyfile(src, out / "static" / name)
    query_page = env.get_template("query.html")
    domain_page = env.get_template("domain.html")
    everything = []  # every query of every domain, for the overview's search box
    for domain in domain_views(report):
        folder = out / domain.name
        for i, q in enumerate(domain.queries):
            neighbours = {
                "previous": domain.queries[i - 1] if i else None,
                "next": domain.queries[i + 1] if i + 1 < len(domain.queries) else None,
            }
            html = query_page.render(**common, root="../", domain=domain, q=q, **neighbours)
            atomic_write_text(folder / q.file, html)
        atomic_write_text(
            folder / "index.html", domain_page.render(**common, root="../", domain=domain)
        )
        for q in domain.queries:
            q.docs, q.windows, q.diff = [], [], []  # pages written: let the texts go
            everything.append(q)
        report.domains.append(domain)
    index = out / "index.html"
    atomic_write_text(
        index, env.get_template("index.html").render(**common, root="", queries=everything)
    )
    return index
