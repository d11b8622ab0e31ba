"""The leaderboard site in a real browser (headless Chromium through playwright, as the report's
browser test): built from the committed results/, opened from disk; sorting and filtering are
checked against counts and orders worked out from the records."""

from pathlib import Path

import pytest

from bright_eval.cli import main
from tests.browser import CHROMIUM, FLAGS, keep, open_page, png_size
from tests.conftest import REPO

VIEWPORT = {"width": 1280, "height": 800}
# The first table: rows over ReasonIR-8B, GPT-4 reasoning queries, top 100 (17 records).
FIRST = "#fs-1"
# 148 rows of main.md (14 tables: 144 rows before the audit + the 4 re-scored published runs)
# and 14 of long.md.
ALL_ROWS = 148 + 14

pytestmark = [
    pytest.mark.slow,  # a browser: not for the unit lane
    pytest.mark.skipif(
        not CHROMIUM.is_file(),
        reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)",
    ),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    assert main(["site", "--results-dir", str(REPO / "results"), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


def names(page, board: str) -> list[str]:
    return page.eval_on_selector_all(
        f"{board} tbody tr", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.name)"
    )


def visible(page, selector: str = "section.board") -> int:
    return page.eval_on_selector_all(
        f"{selector}:not([hidden]) tbody tr",
        "rows => rows.filter(r => !r.hidden).length",
    )


def test_every_page_opens_from_disk_without_errors(site, browser):
    for name in ("index.html", "official.html", "reproduce.html"):
        page, problems, requests = open_page(browser, site / name, VIEWPORT)
        assert problems == [], f"{name}: {problems}"
        assert requests and all(u.startswith(site.as_uri() + "/") for u in requests), requests
        assert page.locator("h1").count() == 1
        page.close()


def test_sorting_a_column_reorders_the_rows(site, browser):
    page, problems, _ = open_page(browser, site / "index.html", VIEWPORT)
    # As main.md orders them: the first stages, then the rerankers by average.
    assert names(page, FIRST)[:3] == [
        "reasonir-8b-gpt4-reason-top100", "rr1-reasonir-8b-first-stage", "rr1-reasonrank-32b"
    ]  # fmt: skip
    page.click(f"{FIRST} th[data-sort=biology]")
    # Biology nDCG@10 of the records: RankT5 0.1362, RankZephyr 0.349, Rank-R1 (7B) 0.367.
    assert names(page, FIRST)[:3] == ["rr1-rankt5-3b", "rr1-rankzephyr-7b", "rr1-rank-r1-7b"]
    page.click(f"{FIRST} th[data-sort=biology]")
    # ReasonRank (32B) 0.5817, ReasonRank (7B) 0.567, ReasonRank (8B, Qwen3) 0.5516.
    assert names(page, FIRST)[:3] == [
        "rr1-reasonrank-32b", "rr1-reasonrank-7b", "rr8-reasonrank-8b-qwen3"
    ]  # fmt: skip
    assert page.get_attribute(f"{FIRST} th[data-sort=biology]", "aria-sort") == "descending"
    page.click(f"{FIRST} th[data-sort=label]")  # text columns sort too
    assert names(page, FIRST)[:2] == ["rr1-rank-k-32b", "rr1-rank-r1-14b"]
    assert problems == []


def test_filters_hide_the_right_rows(site, browser, tmp_path):
    page, problems, _ = open_page(browser, site / "index.html", VIEWPORT)
    assert visible(page) == ALL_ROWS
    assert page.text_content("#shown") == f"{ALL_ROWS} of {ALL_ROWS} rows shown"
    # 73 reranked records (71 reported, XRR2's re-scored rr and rr2), all with nDCG@10 (no
    # reranked row has long-document results, so the long-document table goes).
    page.select_option("select[data-filter=kind]", "reranker")
    assert visible(page) == 73 and page.is_hidden("#long")
    # 16 pipelines with nDCG@10 (15 reported, INF-X's re-scored run, whose first stage says
    # "pipeline: query aligner + dense retriever" as the reported INF-X row does) and 2 with
    # long-document results (INF-X, Mira).
    page.select_option("select[data-filter=kind]", "pipeline")
    assert visible(page, "section.board[data-board=short]") == 16
    assert visible(page, "#long") == 2
    page.select_option("select[data-filter=kind]", "")
    # The 17 rows over the ReasonIR-8B top-100 run, every other table hidden.
    page.select_option("select[data-filter=first-stage]", "reasonir-8b/gpt4_reason/top100")
    assert visible(page) == 17 and visible(page, FIRST) == 17
    assert page.eval_on_selector_all("section.board:not([hidden])", "s => s.length") == 1
    # Of them, the two first-stage rows are retrievers of 8B ("ReasonIR-8B (first stage)").
    page.select_option("select[data-filter=kind]", "retriever")
    assert names(page, FIRST) == ["reasonir-8b-gpt4-reason-top100", "rr1-reasonir-8b-first-stage"]
    page.select_option("select[data-filter=size]", "10–100B")
    assert visible(page) == 0 and page.is_visible(".none-shown")
    page.select_option("select[data-filter=kind]", "reranker")
    # ReasonRank (32B), Rank1 (32B), Rank-K (32B), Rank-R1 (14B).
    assert sorted(names(page, FIRST)) == [
        "rr1-rank-k-32b", "rr1-rank-r1-14b", "rr1-rank1-32b", "rr1-reasonrank-32b"
    ]  # fmt: skip
    page.select_option("select[data-filter=first-stage]", "")
    page.select_option("select[data-filter=size]", "")
    page.select_option("select[data-filter=kind]", "")
    assert visible(page) == ALL_ROWS
    shot = tmp_path / "site.png"
    page.screenshot(path=str(shot))
    assert png_size(shot) == (VIEWPORT["width"], VIEWPORT["height"])
    keep(shot)
    assert problems == []


def test_links_open_files_of_the_site(site, browser):
    page, problems, _ = open_page(browser, site / "index.html", VIEWPORT)
    page.click(f'{FIRST} tr[data-name="reasonir-8b-gpt4-reason-top100"] td[data-key=label] a')
    assert page.url == (site / "reproduce.html").as_uri() + "#reasonir-8b-gpt4-reason-top100"
    assert page.locator("#reasonir-8b-gpt4-reason-top100 .verified").text_content() == "2026-11-26"
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    local = [h.split("#")[0] for h in hrefs if h.startswith("file:")]
    assert local and all(Path(h.removeprefix("file://")).is_file() for h in local)
    assert problems == []
