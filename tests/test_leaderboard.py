import shutil
from pathlib import Path

import pytest
from scipy import stats

from bright_eval import leaderboard
from bright_eval.cli import main
from bright_eval.domains import DOMAINS
from bright_eval.evaluation import average, evaluate
from bright_eval.results import (
    MEASURED,
    FirstStage,
    RerankerRecord,
    load_system,
    load_systems,
    save_system,
)
from bright_eval.runs import read_run
from bright_eval.significance import holm
from tests.conftest import REASONIR_RUN, REPO
from tests.helpers import row_of, section

REASONIR = REPO / "results" / "reasonir-8b-gpt4-reason-top100" / "system.json"


def test_committed_leaderboards_regenerate_byte_for_byte():
    results = REPO / "results"
    board = leaderboard.build(load_systems(results), leaderboard.load_official(results))
    for name, text in board.markdown.items():
        assert (REPO / "leaderboards" / name).read_bytes() == text.encode("utf-8"), name
    assert leaderboard.stale(board, REPO / "leaderboards", str(REPO / "README.md")) == []
    assert sorted(p.name for p in (REPO / "leaderboards").glob("*.md")) == sorted(board.markdown)


def test_committed_reasonir_row_is_a_fresh_evaluation_of_the_shared_run(bright):
    per_domain = {}
    for d in DOMAINS:
        ev = evaluate(
            read_run(REASONIR_RUN.format(domain=d)), bright.qrels(d), bright.excluded_ids(d)
        )
        per_domain[d] = ev.metrics
    stored = load_system(REASONIR)
    assert stored.metrics == per_domain
    main_md = (REPO / "leaderboards" / "main.md").read_text()
    row = row_of(main_md, "ReasonIR-8B (first stage)", "measured")
    assert row[2] == "43.5" and row[-1] == "30.6"  # published: 43.5 biology, 30.59 average
    assert row[-1] == f"{average(per_domain)['NDCG@10'] * 100:.1f}"
    summary = row_of(
        (REPO / "README.md").read_text(),
        "ReasonIR-8B, GPT-4 reasoning queries, top 100",
        "ReasonIR-8B (first stage) (measured)",
    )
    # 1 measured row + ReasonRank Table 1 (11 rows) + Table 8 (5); best: ReasonRank (32B), 38.03.
    assert summary[2:] == ["ReasonRank (32B)", "reported [1]", "17", "30.6", "38.0"]


def test_reported_rows_are_marked_and_group_means_worked_by_hand():
    main_md = (REPO / "leaderboards" / "main.md").read_text()
    row = row_of(main_md, "BM25", "R-orig", "Each over its own first stage")
    # BRIGHT paper, BM25 on original queries: StackExchange (18.9 + 27.2 + 14.9 + 12.5 + 13.6
    # + 18.4 + 15.0) / 7 = 17.21; theorem (6.2 + 4.9 + 10.4) / 3 = 7.17; published average 14.53.
    assert row[2].startswith("reported [") and row[3] == "18.9"
    assert row[-4:] == ["17.2", "16.2", "7.2", "14.5"]
    assert "Su et al., BRIGHT (arXiv 2407.12883) baselines" in main_md


def copy_results(tmp_path, published_runs: bool = True) -> Path:
    """The committed results; without the published runs re-scored for the audit
    (docs/audit.md) when their real rerankers would add gain rows and † marks a toy case does
    not expect."""
    results = REPO / "results"
    left_out = set() if published_runs else {p.parent.name for p in results.glob("*/audit.json")}
    left_out.discard("reasonir-8b-gpt4-reason-top100")  # the base every toy row builds on
    shutil.copytree(results, tmp_path / "results", ignore=lambda _, names: left_out & set(names))
    return tmp_path / "results"


def add_reranked(results: Path, shift_biology: float) -> dict:
    """A measured reranked row over the real ReasonIR per-query scores: biology raised by
    `shift_biology` on every query (capped at 1), every other domain left unchanged."""
    base = load_system(results / "reasonir-8b-gpt4-reason-top100" / "system.json")
    per_query = {d: dict(v) for d, v in base.per_query.items()}
    per_query["biology"] = {q: min(1.0, v + shift_biology) for q, v in per_query["biology"].items()}
    metrics = {d: dict(m) for d, m in base.metrics.items()}
    values = list(per_query["biology"].values())
    metrics["biology"]["NDCG@10"] = round(sum(values) / len(values), 5)
    save_system(
        type(base)(
            name="toy-reranker",
            label="Toy reranker",
            source=MEASURED,
            first_stage=FirstStage(base.first_stage.id, base.first_stage.label),
            reranker=RerankerRecord("toy", {"depth": 100}),
            metrics=metrics,
            per_query=per_query,
        ),
        results,
    )
    return {"base": base.per_query, "reranked": per_query}


@pytest.mark.slow  # writes every board from a copy of results/
def test_gain_table_marks_what_scipy_finds_significant(tmp_path):
    results = copy_results(tmp_path, published_runs=False)
    scores = add_reranked(results, shift_biology=0.05)
    out = tmp_path / "leaderboards"
    assert (
        main(["leaderboard", "--results-dir", str(results), "--out", str(out), "--readme", ""]) == 0
    )
    gains_md = (out / "gains.md").read_text()
    row = row_of(gains_md, "Toy reranker", "ReasonIR-8B (first stage)")
    qids = sorted(scores["base"]["biology"])
    a = [scores["reranked"]["biology"][q] for q in qids]
    b = [scores["base"]["biology"][q] for q in qids]
    gain = (sum(a) - sum(b)) / len(a)
    p = stats.ttest_rel(a, b).pvalue  # an independent test agrees it is far below 0.05
    assert p < 1e-6
    # 11 unchanged domains have p = 1, so Holm leaves biology's tiny p well below 0.05.
    assert holm([p] + [1.0] * 11)[0] < 0.05
    assert row[2] == f"{gain * 100:+.1f}†"
    assert row[3:14] == ["0.0"] * 11
    # Only measured rows are tested against the measured first stage: no published row here.
    assert [ln for ln in gains_md.splitlines() if ln.startswith("| ") and "System" not in ln] == [
        next(ln for ln in gains_md.splitlines() if ln.startswith("| Toy reranker"))
    ]
    main_md = (out / "main.md").read_text()
    assert row_of(main_md, "Toy reranker", "measured")[2].endswith("†")
    assert "Holm-Bonferroni" in main_md


@pytest.mark.slow  # writes every board from a copy of results/
def test_significance_is_stated_under_a_table_without_a_mark(tmp_path):
    results = copy_results(tmp_path, published_runs=False)
    add_reranked(results, shift_biology=0.0)  # identical per-query scores: nothing significant
    out = tmp_path / "leaderboards"
    assert (
        main(["leaderboard", "--results-dir", str(results), "--out", str(out), "--readme", ""]) == 0
    )
    for name in ("main.md", "gains.md"):
        text = (out / name).read_text()
        group = section(text, "### First stage: ReasonIR-8B, GPT-4 reasoning queries, top 100\n")
        assert "Toy reranker" in group
        assert "†" not in group.split("\n\n")[1], name  # no cell of the table carries one
        # ... and yet the table says how one would be decided: test, correction, level.
        said = " ".join(group.split())
        assert "two-sided paired randomisation test" in said, name
        assert "Holm-Bonferroni corrected over the domains of the row" in said, name
        assert "significant at α = 0.05" in said, name
        assert "No cell of this table carries one." in said, name


def test_every_table_of_reranked_rows_states_significance_before_any_mark():
    main_md = (REPO / "leaderboards" / "main.md").read_text()
    tables = main_md.split("\n### ")[1:]
    reranked = [t for t in tables if t.startswith("First stage:")]
    # The 12 first stages of reported rerankers, and XRR2's own first stage, whose published
    # rr and rr2 runs were re-scored (docs/audit.md). INF-X-Retriever's re-scored run is a
    # retriever alone: nothing to compare, so it is a row of the last table, not a table.
    assert len(reranked) == 13
    assert "First stage: INF-X" not in main_md
    for t in reranked:
        said = " ".join(t.split())
        assert "two-sided paired randomisation test" in said, t[:60]
        assert "Holm-Bonferroni" in said and "α = 0.05" in said, t[:60]
    # Only XRR2's measured rerankers over its measured first stage can carry a mark: 17 cells
    # do (main.md's XRR2 table). Every other table says why none can: the 12, and the table of
    # the rest, which holds one reranked row (DIVER's Rank-R1-14B, first stage not stated).
    xrr2 = [t for t in reranked if t.startswith("First stage: XRR2:")]
    assert [t.split("\n\n")[1].count("†") for t in xrr2] == [17]
    assert "17 cells of this table carry one." in " ".join(xrr2[0].split())
    assert "†" not in "".join(t.split("\n\n")[1] for t in reranked if t not in xrr2)
    assert " ".join(main_md.split()).count("No row of this table can carry one yet") == 13


@pytest.mark.slow  # writes every board from a copy of results/
def test_check_names_the_stale_file(tmp_path, capsys):
    results = copy_results(tmp_path)
    out = tmp_path / "leaderboards"
    shutil.copytree(REPO / "leaderboards", out)
    args = [
        "leaderboard",
        "--check",
        "--results-dir",
        str(results),
        "--out",
        str(out),
        "--readme",
        "",
    ]
    assert main(args) == 0
    add_reranked(results, shift_biology=0.01)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"stale: {out / 'main.md'} differs from what results/ produces" in err
    assert f"stale: {out / 'efficiency.md'}" in err
    assert f"{out / leaderboard.CHART} is missing or drawn from other data" in err
    assert main(args[:1] + args[2:]) == 0  # write, then the check passes
    assert main(args) == 0


def test_chart_carries_the_fingerprint_of_its_data(tmp_path):
    rows = [("A", "measured", [10.0] * 12), ("B", "reported", [20.0] * 12)]
    sha = leaderboard.chart_fingerprint(rows)
    leaderboard.draw_chart(rows, sha, tmp_path / "c.png")
    assert leaderboard.chart_data_sha(tmp_path / "c.png") == sha
    assert leaderboard.chart_fingerprint(rows[:1]) != sha
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_readme_without_the_block_is_reported(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# no table here\n")
    args = ["leaderboard", "--check", "--out", str(REPO / "leaderboards"), "--readme", str(readme)]
    assert main([*args, "--results-dir", str(REPO / "results")]) == 1
    assert "has no <!-- leaderboard:main:start -->" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["missing-folder"])
def test_missing_results_folder_is_a_one_line_error(tmp_path, capsys, bad):
    assert main(["leaderboard", "--results-dir", str(tmp_path / bad)]) == 2
    err = capsys.readouterr().err
    assert "results folder" in err and "does not exist" in err and err.count("\n") == 1


def test_long_and_efficiency_views_worked_by_hand():
    fs = FirstStage("x/y", "X first stage")
    long_domains = [d.name for d in DOMAINS.values() if d.has_long_documents]
    # Recall@1 of 0.1, 0.2, ... 0.8 on the 8 long domains: mean 0.45.
    row = type(load_system(REASONIR))(
        name="toy",
        label="Toy",
        source=MEASURED,
        first_stage=fs,
        reranker=RerankerRecord("toy"),
        metrics_long={d: {"Recall@1": (i + 1) / 10} for i, d in enumerate(long_domains)},
    )
    row.efficiency.parameters = 3_210_000_000
    row.efficiency.model_calls = 2768
    row.efficiency.n_queries = 1384
    row.efficiency.gpu_seconds = 692.0
    row.efficiency.hardware = "1x H100"
    board = leaderboard.build([row])
    long_row = row_of(board.markdown["long.md"], "Toy", "RR")
    assert "- Toy: Kind: reranks X first stage." in board.markdown["long.md"]
    assert long_row[2] == "measured"
    assert long_row[3:] == ["10.0", "20.0", "30.0", "40.0", "50.0", "60.0", "70.0", "80.0", "45.0"]
    eff = row_of(board.markdown["efficiency.md"], "Toy", "X first stage")
    # 2768 / 1384 = 2 calls per query; 692 / 1384 = 0.5 GPU seconds per query.
    assert eff[2:7] == ["3.2B", "2.0", "–", "–", "0.50"]
    assert eff[8] == "1x H100"


def test_reasonir_group_shows_reasonrank_table_1_with_its_citation_under_it():
    main_md = (REPO / "leaderboards" / "main.md").read_text()
    group = section(main_md, "### First stage: ReasonIR-8B, GPT-4 reasoning queries, top 100\n")
    row = row_of(group, "ReasonRank (7B)", "reported")
    # ReasonRank Table 1 prints Econ 35.05, Earth 47.75, Rob 31.22, Bio 56.70 ..., avg 35.74.
    assert row[2:6] == ["56.7", "47.8", "35.1", "47.8"] and row[-1] == "35.7"
    assert row_of(group, "ReasonIR-8B (first stage)", "measured")
    # ReasonRank Table 1's 11 rows (spec section RR1), each with all 12 domains and 3 groups.
    table_1 = ["ReasonIR-8B (ReasonRank Table 1)", "RankT5 (3B)", "RankZephyr (7B)", "Rank-R1 (7B)",
               "Rank-R1 (14B)", "Rank1 (7B)", "Rank1 (32B)", "Rearank (7B)", "Rank-K (32B)",
               "ReasonRank (7B)", "ReasonRank (32B)"]  # fmt: skip
    for label in table_1:
        assert "–" not in row_of(group, label, "reported [")[2:], label
    n = row[1].removeprefix("reported [").removesuffix("]")
    assert f"- [{n}] Liu et al., ReasonRank" in group.split("Sources:")[1]
    assert "Table 1" in group.split("Sources:")[1]


def rank_rows(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln[:2] == "| " and ln[2:3].isdigit()]


def test_official_md_lists_every_entry_and_where_the_measured_row_would_rank():
    official = (REPO / "leaderboards" / "official.md").read_text()
    short = section(official, "## Short documents")
    long = section(official, "## Long documents")
    assert len(rank_rows(short)) == 111 and len(rank_rows(long)) == 17
    assert row_of(short, "21", "Qwen1.5-7B with InteRank-3B re-ranking")[5] == "27.4"
    # ReasonIR-8B measured at 30.59: board entries #1-#17 score 35.8 or more, #18 (Llama-3.1-70B
    # reranking, Salesforce) 30.4, so it would take rank 18 (spec section 1.3, by hand).
    placed = row_of(official, "ReasonIR-8B (first stage)", "ReasonIR-8B, GPT-4")
    assert placed[2:4] == ["30.6", "18"] and placed[4] == "JudgeRank"


def test_check_fails_when_a_reported_file_changes(tmp_path, capsys):
    results = copy_results(tmp_path)
    out = tmp_path / "leaderboards"
    shutil.copytree(REPO / "leaderboards", out)
    args = [
        "leaderboard",
        "--check",
        "--results-dir",
        str(results),
        "--out",
        str(out),
        "--readme",
        "",
    ]
    assert main(args) == 0
    path = results / "reported" / "rr1-rankzephyr-7b.json"
    path.write_text(path.read_text().replace('"NDCG@10": 0.349', '"NDCG@10": 0.359', 1))
    assert main(args) == 1
    assert (
        f"stale: {out / 'main.md'} differs from what results/ produces" in capsys.readouterr().err
    )


def test_a_broken_official_board_is_a_one_line_error(tmp_path, capsys):
    results = copy_results(tmp_path)
    board = results / "official" / "board.json"
    board.write_text(board.read_text().replace('"short":', '"shortlist":', 1))
    assert main(["leaderboard", "--check", "--results-dir", str(results), "--readme", ""]) == 2
    err = capsys.readouterr().err
    assert "board.json: not an official board (KeyError: 'short')" in err
    assert err.count("\n") == 1
