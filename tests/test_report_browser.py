"""The report in a real browser: headless Chromium (Debian's `chromium` package, which `.ci/run`
installs) opens it from disk through playwright, with the browser console captured.

The run is a scripted oracle through the real pipeline, so every query's gain is known by
construction: it ranks gold documents first on two queries and last on four."""

import math

import pytest

from bright_eval.cli import main
from bright_eval.runs import ranked, read_run
from tests.browser import (
    CHROMIUM,
    FLAGS,
    VIEWPORT,
    keep,
    open_page,
    png_size,
)
from tests.report_snapshot import DOMAIN, Oracle, Reverser, run, snapshot

QUERY_IDS = ["11", "20", "7", "27", "30", "5"]  # short biology queries, gold in their top 5
HELPS = {"11", "30"}
DEPTH = 5
pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)",
)


@pytest.fixture(scope="module")
def oracle(shared_bright, tmp_path_factory):
    root = tmp_path_factory.mktemp("bright")
    rows, _, _ = snapshot(shared_bright, root, QUERY_IDS, DEPTH)
    Oracle.gold = {r["id"]: set(r["gold_ids"]) for r in rows}
    Oracle.helps = HELPS
    base = tmp_path_factory.mktemp("oracle")
    folder = run(root, base / "results", base / "cache", Oracle.name)
    out = base / "report"
    assert main(["report", str(folder), "--out", str(out)]) == 0
    return root, folder, out, Oracle.gold


@pytest.fixture(scope="module")
def browser():
    # Imported here so that a machine without Chromium skips rather than fails to collect.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # launch() gives each browser a fresh temporary profile (user data dir) and headless mode.
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


def ndcg10(order, gold):
    """Binary nDCG@10 by its definition, independent of the harness."""
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(order[:10]) if d in gold)
    return dcg / sum(1 / math.log2(i + 2) for i in range(min(10, len(gold))))


def gains(root, folder, gold):
    first = read_run(root / f"{DOMAIN}.trec")
    after = read_run(folder / "run" / f"{DOMAIN}.trec.gz")
    return {
        q: ndcg10([d for d, _ in ranked(after[q])], gold[q])
        - ndcg10([d for d, _ in ranked(first[q])], gold[q])
        for q in QUERY_IDS
    }


def test_pages_render_without_errors_from_disk_only(oracle, browser, tmp_path):
    _, _, out, _ = oracle
    for path in [out / "index.html", out / DOMAIN / "index.html", out / DOMAIN / "q-11.html"]:
        page, problems, requests = open_page(browser, path)
        assert problems == [], f"{path.name}: {problems}"
        # Nothing but files from the report folder: no server, no network.
        assert requests and all(u.startswith(out.as_uri() + "/") for u in requests), requests
        assert page.locator("h1").count() == 1
        if path == out / "index.html":
            # The overview's search finds queries of every domain; its list shows on typing.
            assert page.is_hidden("#all-queries")
            page.fill("input[data-search-target=all-queries]", "hearing")
            rows = page.locator("#all-queries tbody tr:not([hidden])")
            assert page.is_visible("#all-queries") and rows.count() == 1
            rows.locator("a").click()
            assert page.url == (out / DOMAIN / "q-30.html").as_uri()
        assert problems == [], f"{path.name}: {problems}"
        page.close()
    # Folding works: every explanation and document opens with one click, and the hostile
    # text in them stays text (no dialog, no script run: `problems` stays empty).
    page, problems, _ = open_page(browser, out / DOMAIN / "q-11.html")
    assert page.eval_on_selector_all("main details", "ds => ds.filter(d => d.open).length") == 0
    page.click("button[data-fold=open]")
    total = page.locator("main details").count()
    # One fold per document's text (the gold documents' ranks are not folded: a table above).
    assert (
        total == DEPTH
        and page.eval_on_selector_all("main details", "ds => ds.filter(d => d.open).length")
        == total
    )
    assert page.locator("pre.text", has_text="<script>alert(1)</script>").count() == 1
    shot = tmp_path / "report-query.png"
    page.screenshot(path=str(shot), full_page=True)
    assert png_size(shot)[0] == VIEWPORT["width"]
    keep(shot)
    assert problems == []


def test_sorting_by_gain_reorders_the_rows(oracle, browser, tmp_path):
    root, folder, out, gold = oracle
    gain = gains(root, folder, gold)
    assert len({round(g, 9) for g in gain.values()}) == len(QUERY_IDS)  # no ties to break
    page, problems, _ = open_page(browser, out / DOMAIN / "index.html")

    def shown():
        return page.eval_on_selector_all(
            "#queries tbody tr", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.qid)"
        )

    worst_first = sorted(QUERY_IDS, key=lambda q: gain[q])
    assert shown() == worst_first
    page.click("#queries th[data-sort=gain]")
    assert shown() == worst_first[::-1]
    assert page.get_attribute("#queries th[data-sort=gain]", "aria-sort") == "descending"
    page.click("#queries th[data-sort=gain]")
    assert shown() == worst_first
    # The search box filters by query text: only query 11 asks about coconuts.
    page.fill("input[data-search-target=queries]", "Coconut")
    assert shown() == ["11"]
    page.fill("input[data-search-target=queries]", "")
    shot = tmp_path / "report-domain.png"
    page.screenshot(path=str(shot))
    assert png_size(shot) == (VIEWPORT["width"], VIEWPORT["height"])
    keep(shot)
    assert problems == []


@pytest.fixture(scope="module")
def compared(oracle, tmp_path_factory):
    """The oracle (A) against the reverser (B, listwise), over the same snapshot first stage:
    two different rerankers, so documents move (the README's screenshot is this comparison)."""
    root, folder, _, _ = oracle
    base = folder.parent.parent
    theirs = run(root, base / "results", base / "cache", Reverser.name)
    out = tmp_path_factory.mktemp("compared") / "report"
    assert main(["report", str(folder), "--out", str(out), "--compare", str(theirs)]) == 0
    return out


def test_a_comparison_shows_what_moved_and_fits_the_page(compared, browser, tmp_path):
    wide = {"width": 1280, "height": 900}
    page, problems, _ = open_page(browser, compared / "index.html", wide)
    # The overview, compared columns included, needs no horizontal scrolling at 1280 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= wide["width"]
    fits = "w => w.scrollWidth <= w.clientWidth"  # nor inside its own scrolling box
    assert page.eval_on_selector(".overview-wrap", fits)
    assert page.locator("svg.scatter circle").count() == len(QUERY_IDS)
    shot = tmp_path / "report-overview.png"
    page.screenshot(path=str(shot), full_page=True)
    keep(shot)
    page.close()
    # Query 11: the oracle ranks its gold documents first; the side by side shows the first
    # stage beside both systems, and the gold table unfolded above it.
    page, problems, _ = open_page(browser, compared / DOMAIN / "q-11.html", wide)
    assert page.evaluate("document.documentElement.scrollWidth") <= wide["width"]
    assert page.is_visible("table.gold-moves") and page.is_visible("table.diff")
    assert page.locator("table.diff tr.differs").count() > 0  # the two systems differ
    shot = tmp_path / "report-query.png"
    page.screenshot(path=str(shot), full_page=False)
    assert png_size(shot) == (wide["width"], wide["height"])
    keep(shot)
    assert problems == []
