"""`python -m bright_eval site`: the committed results/ as a static site with the same numbers as
the markdown boards; a measured reranked row (the report tests' scripted oracle through the real
pipeline) links to its report and to the command that reproduces it."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bright_eval.cli import main
from bright_eval.commands.leaderboard import DEFAULT_RESULTS
from bright_eval.leaderboard import build, load_official
from bright_eval.results import load_systems
from bright_eval.site.rows import row_type, size_of
from tests.report_snapshot import Oracle, run, snapshot

RESULTS = Path(__file__).resolve().parents[1] / DEFAULT_RESULTS
QUERY_IDS = ["11", "30"]
HELPS = {"11"}


class Site(HTMLParser):
    """Every table row of a page (its attributes and cell texts) and every link."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[dict] = []
        self.links: list[str] = []
        self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if tag == "tr":
            self.rows.append({"attrs": attrs, "cells": {}})
        if tag == "td" and self.rows and "data-key" in attrs:
            self._cell = attrs["data-key"]
            self.rows[-1]["cells"][self._cell] = ""

    def handle_data(self, data):
        if self._cell is not None:
            self.rows[-1]["cells"][self._cell] += data

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None


def read(path: Path) -> Site:
    return Site(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def committed(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    assert main(["site", "--results-dir", str(RESULTS), "--out", str(out)]) == 0
    return out


def markdown_rows(text: str) -> list[list[str]]:
    """Body rows of every table in a markdown file, cells stripped."""
    rows = []
    for line in text.splitlines():
        if line.startswith("| ") and not set(line) <= set("|-: "):
            rows.append([c.strip() for c in line.strip("|").split("|")])
    headers = [r for r in rows if r[0] == "System"]
    return [r for r in rows if r not in headers]


def test_the_site_shows_every_row_of_main_and_long_with_the_same_numbers(committed):
    board = build(load_systems(RESULTS), load_official(RESULTS))
    site = read(committed / "index.html")
    rows = [r for r in site.rows if "data-name" in r["attrs"]]
    short = [r for r in rows if "biology" in r["cells"] and "aops" in r["cells"]]
    long = [r for r in rows if r not in short]
    number = re.compile(r"^[–\d.]+")

    def values(cells):
        return [number.match(c).group(0) for c in cells]

    # main.md: 148 rows in 14 tables (144 rows before the audit + the 4 re-scored published
    # runs: XRR2's first stage, rr and rr2, INF-X's theoremqa_theorems); each row's 12 domain
    # values, 3 group means and average.
    expected = [values(r[-16:]) for r in markdown_rows(board.markdown["main.md"])]
    assert len(expected) == len(short) == 144 + 4
    shown = [values(list(r["cells"].values())[-16:]) for r in short]
    assert shown == expected
    expected = [values(r[-9:]) for r in markdown_rows(board.markdown["long.md"])]
    assert len(expected) == len(long) == 14
    assert [values(list(r["cells"].values())[-9:]) for r in long] == expected
    # The measured first stage of results/: 43.5 on biology, 31.7 on leetcode (its record's
    # 0.43493 and 0.31733, half up).
    [measured] = [r for r in short if r["attrs"]["data-name"] == "reasonir-8b-gpt4-reason-top100"]
    assert (measured["cells"]["biology"], measured["cells"]["leetcode"]) == ("43.5", "31.7")
    assert measured["attrs"]["data-kind"] == "retriever"
    assert measured["attrs"]["data-first-stage"] == "reasonir-8b/gpt4_reason/top100"


def test_official_board_every_entry_both_settings(committed):
    site = read(committed / "official.html")
    rows = [r for r in site.rows if r["cells"]]
    short = [r for r in rows if "aops" in r["cells"]]
    assert (len(short), len(rows) - len(short)) == (111, 17)
    first = short[0]["cells"]
    assert (first["rank"], first["system"], first["average"], first["biology"]) == (
        "1", "Mira-Reasoning-Retrieval", "66.9", "86.7"
    )  # fmt: skip
    # INF-X long earth_science is 59.55 on the board: half up, as the other boards round.
    infx = [r["cells"] for r in rows if r["cells"]["system"] == "INF-X-Retriever"]
    assert [c["earth_science"] for c in infx if "aops" not in c] == ["59.6"]


def test_kind_and_size_of_rows_worked_by_hand():
    by_name = {s.name: s for s in load_systems(RESULTS)}
    cases = {
        "rr1-reasonrank-32b": ("reranker", "10–100B"),  # "ReasonRank (32B)"
        "reasonir-8b-gpt4-reason-top100": ("retriever", "1–10B"),  # "ReasonIR-8B (first stage)"
        "div-diver-v2": ("pipeline", "not stated"),  # "DIVER V2": no size in the label
        "rstar6-bm25-gpt-4-reasoning": ("retriever", "not stated"),  # "BM25 (GPT-4 reasoning)"
    }
    found = {n: (row_type(by_name[n]), size_of(by_name[n])) for n in cases}
    assert found == cases
    sizes = {s.label: size_of(s) for s in by_name.values()}
    assert sizes["DeepSeek-R1 (671B) listwise"] == "≥100B"


def test_reproduction_matrix_names_command_scores_and_date(committed):
    html = (committed / "reproduce.html").read_text(encoding="utf-8")
    record = json.loads((RESULTS / "reasonir-8b-gpt4-reason-top100" / "system.json").read_text())
    assert 'id="reasonir-8b-gpt4-reason-top100"' in html
    # The measured rows of results/: the ReasonIR run and the 4 re-scored published runs.
    assert html.count('<section class="repro"') == 5
    command = record["provenance"]["command"]
    assert command.replace("'", "&#39;").replace('"', "&#34;") in html
    assert '<dd class="verified">2026-11-26</dd>' in html
    assert "none: a first-stage row: nothing was reranked" in html
    # Expected scores as main.md prints the row: 43.5 on biology, 30.6 on average.
    section = html.split('id="reasonir-8b-gpt4-reason-top100"', 1)[1].split("</section>")[0]
    [expected] = [r["cells"] for r in Site(section).rows if r["cells"]]
    assert (expected["biology"], expected["average"]) == ("43.5", "30.6")


def test_rows_recorded_from_run_files_say_why_they_have_no_report(tmp_path, capsys):
    # XRR2's rr and rr2 are published runs re-scored by `record`: measured reranked rows with
    # no outputs/ folder, which is no reason to warn on every build.
    assert main(["site", "--results-dir", str(RESULTS), "--out", str(tmp_path)]) == 0
    assert "warning" not in capsys.readouterr().err
    html = (tmp_path / "reproduce.html").read_text(encoding="utf-8")
    for name in ("xrr2-rr-gemini-2.5-flash", "xrr2-rr2-gemini-2.5-flash"):
        section = html.split(f'id="{name}"', 1)[1].split("</section>")[0]
        assert "none: no reranker outputs beside its record (recorded from run files)" in section, (
            name
        )


def test_every_link_inside_the_site_resolves(committed):
    for page in ("index.html", "official.html", "reproduce.html"):
        site = read(committed / page)
        local = [u for u in site.links if not re.match(r"^[a-z]+:", u)]
        assert local, page
        for u in local:
            path, _, anchor = u.partition("#")
            target = committed / (path or page)
            assert target.is_file(), f"{page}: {u}"
            if anchor:
                assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), f"{page}: {u}"
    html = (committed / "index.html").read_text(encoding="utf-8")
    # Scripts and styles are the folder's own: nothing fetched, no CDN.
    assets = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', html)
    assert assets == [
        "static/report.css", "static/site.css", "static/report.js", "static/site.js"
    ]  # fmt: skip


@pytest.fixture(scope="module")
def measured_reranker(shared_bright, tmp_path_factory):
    """The scripted oracle over the snapshot domain (a test snapshot: shown with
    --include-smoke), in a results folder of its own."""
    root = tmp_path_factory.mktemp("bright")
    rows, _, _ = snapshot(shared_bright, root, QUERY_IDS, 5)
    Oracle.gold = {r["id"]: set(r["gold_ids"]) for r in rows}
    Oracle.helps = HELPS
    base = tmp_path_factory.mktemp("oracle")
    folder = run(root, base / "results", base / "cache", Oracle.name)
    return base / "results", folder


def test_a_measured_reranker_links_to_its_report(measured_reranker, tmp_path, capsys):
    results, folder = measured_reranker
    out = tmp_path / "site"
    assert main(["site", "--results-dir", str(results), "--out", str(out)]) == 0
    # A test snapshot is not BRIGHT's pinned data: left out, as `leaderboard` leaves it out.
    left_out = "left out 1 smoke run(s) or run(s) on unverified data (--include-smoke shows them)"
    assert f"{left_out}: {Oracle.name}" in capsys.readouterr().err
    assert not (out / "reports").exists()
    out = tmp_path / "site-smoke"
    argv = ["site", "--results-dir", str(results), "--out", str(out), "--include-smoke"]
    assert main(argv) == 0
    report = out / "reports" / Oracle.name / "index.html"
    assert report.is_file()
    assert (out / "reports" / Oracle.name / "biology" / "q-11.html").is_file()
    index, matrix = read(out / "index.html"), read(out / "reproduce.html")
    assert f"reports/{Oracle.name}/index.html" in index.links
    assert f"reports/{Oracle.name}/index.html" in matrix.links
    assert f"reproduce.html#{Oracle.name}" in index.links
    [row] = [r for r in index.rows if r["attrs"].get("data-name") == Oracle.name]
    assert (row["attrs"]["data-kind"], row["cells"]["source"]) == ("reranker", "measured")
    # Its label (marked as test data) then the link to its report.
    label = json.loads((folder / "system.json").read_text())["label"]
    assert row["cells"]["label"] == f"{label} ‡ report"


def test_bad_results_folder_is_one_line(tmp_path, capsys):
    assert main(["site", "--results-dir", str(tmp_path / "missing"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "missing" in err and "\n" not in err
