"""How the committed leaderboard files read: one rounding, marked averages, unique labels, named
columns, short kinds (issue 19, items 1 and 6)."""

import re

from bright_eval.domains import DOMAIN_NAMES
from bright_eval.leaderboard.markdown import anchor
from bright_eval.leaderboard.official import _cell
from tests.conftest import REPO
from tests.helpers import row_of, section

BOARDS = REPO / "leaderboards"
FILES = ("main.md", "long.md", "gains.md", "efficiency.md", "official.md")


def read(name: str) -> str:
    """A leaderboard file, or the README's generated block."""
    if name != "README.md":
        return (BOARDS / name).read_text()
    text = (REPO / name).read_text()
    start, end = "<!-- leaderboard:main:start -->", "<!-- leaderboard:main:end -->"
    return text[text.index(start) : text.index(end)]


def tables(markdown: str) -> list[list[list[str]]]:
    """Each markdown table as rows of cells, the header row first."""
    out, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            if not set(line) <= set("|-: "):
                current.append([c.strip() for c in line.strip("|").split("|")])
        elif current:
            out.append(current)
            current = []
    return out + ([current] if current else [])


def test_one_half_up_rounding_in_official_md_and_long_md():
    # INF-X long earth_science is 59.55 (results.json): half up gives 59.6, binary .1f 59.5.
    assert _cell(59.55) == "59.6" and _cell(None) == "–"
    long_board = section(read("official.md"), "## Long documents")
    assert row_of(long_board, "2", "INF-X-Retriever")[6] == "59.6"
    assert row_of(read("long.md"), "INF-X-Retriever", "P")[4] == "59.6"


def test_an_average_that_is_not_the_mean_of_its_values_is_marked_in_every_file():
    main_md, official = read("main.md"), read("official.md")
    # instructor-xl with GPT-4 reasoning (RaDeR's copy): 46.7 + 51.2 + 29.9 + 40.5 + 20.8 + 30.1
    # + 26.9 + 35.1 + 2.1 + 8.2 + 17.0 + 24.2 = 332.7, / 12 = 27.725, printed 26.9.
    label = "instructor-xl, with gpt-4-0125-preview reasoning"
    assert row_of(main_md, label, "R-GPT4")[-1] == "26.9*"
    assert row_of(official, "24", label)[5] == "26.9*"
    for text in (main_md, official):
        said = " ".join(text.split())
        assert f"{label}: shown 26.9, mean of its 12 values 27.73" in said
    # Voyage long (Mira's values): 34.4 + 35.4 + 26.7 + 41.6 + 12.9 + 12.8 + 31.1 + 1.3 = 196.2,
    # / 8 = 24.525; the board shows 24.6, Mira (long.md's source) 24.5.
    long_board = section(official, "## Long documents")
    assert row_of(long_board, "9", "voyage-large-2-instruct")[4] == "24.6*"
    assert "voyage-large-2-instruct: shown 24.6, mean of its 8 values 24.53" in " ".join(
        official.split()
    )
    assert row_of(read("long.md"), "voyage-large-2-instruct", "R-orig")[-1] == "24.5"
    # gecko long averages 22.45: half a unit from 22.4, which rounding explains: not marked.
    assert row_of(long_board, "10", "google-gecko")[4] == "22.4"


def test_values_from_names_the_table_the_values_are_in():
    short = section(read("official.md"), "## Short documents")
    # The four GPT-4-reasoning retriever rows are in DIVER's retriever table (DIVR), not its
    # overall table (DIV); InteRank's row is in the overall table.
    for rank in ("28", "32", "42", "90"):
        cells = [c for c in short.splitlines() if c.startswith(f"| {rank} ")][0].split("|")
        assert cells[-3].strip().startswith("DIVR (`lat1-"), rank
    interank = [c for c in short.splitlines() if c.startswith("| 21 ")][0].split("|")
    assert interank[-3].strip() == "DIV (`div-interank-3b`)"


def test_row_labels_are_unique_in_every_table_and_carry_no_ours():
    for name in (*FILES, "README.md"):
        for t in tables(read(name)):
            header, rows = t[0], t[1:]
            assert len(set(header)) == len(header), (name, header)  # no two "Avg." columns
            key = 1 if header[0] == "#" else 0
            labels = [r[key] for r in rows]
            assert len(set(labels)) == len(labels), (name, labels)
            assert not any("(ours)" in label.lower() for label in labels), name
    main_md = read("main.md")
    group = section(main_md, "### First stage: ReasonIR-8B, GPT-4 reasoning queries, top 100\n")
    assert row_of(group, "ReasonIR-8B (first stage)", "measured")
    assert row_of(group, "ReasonIR-8B (ReasonRank Table 1)", "reported")
    said = " ".join(main_md.split())
    assert "Qwen3-Embedding-8B (NeMo's copy): Not the same row as Qwen3-Embedding-8B (Mira" in said
    assert "Qwen3-Embedding-8B (Mira's copy): Not the same row as Qwen3-Embedding-8B (NeMo" in said


def test_placements_read_next_higher_and_lower_and_count_alike():
    official = read("official.md")
    header = [t for t in tables(official) if t[0][0] == "Measured system"][0][0]
    assert header[3:] == ["Would rank (of 112)", "Next higher entry", "Next lower entry"]
    assert "would rank #18 of 112" in read("README.md")
    readme_header = [t for t in tables(read("README.md")) if t[0][0] == "First stage"][0][0]
    assert readme_header[-2:] == ["First-stage avg.", "Best reranker avg."]


def test_theorem_columns_are_named_and_their_order_stated():
    for name in ("main.md", "official.md", "gains.md"):
        text = read(name)
        for t in tables(text):
            header = t[0]
            if "TheoremQA-T" in header:
                assert header.index("TheoremQA-T") + 1 == header.index("TheoremQA-Q")
            assert "TheoT." not in header and "TheoQ." not in header
        assert "compare those columns by name, never by position" in " ".join(text.split())


def test_main_md_is_narrow_with_kind_codes_and_a_contents_list():
    main_md = read("main.md")
    lines = main_md.splitlines()
    # Prose is wrapped at 100 (a word, such as a heading's anchor, is never split); the widest
    # line left is a table row; it was 731 characters.
    assert max(len(ln) for ln in lines if not ln.startswith("|")) <= 130
    assert max(len(ln) for ln in lines) < 300
    rest = section(main_md, "### Each over its own first stage")
    kinds = {r[1] for r in tables(rest)[0][1:]}
    assert kinds <= {"R-orig", "R-GPT4", "R-CoT", "R-QExp", "R", "P", "RR", "?"}
    legend = " ".join(rest.split("Kind: ", 1)[1].split("\n\n")[0].split())
    assert all(f"`{k}`" in legend for k in kinds)
    # The kind text a code leaves out goes into the row's note.
    assert "- DIVER v3: Kind: query expansion + hybrid retrieval + GroupRank-32B" in " ".join(
        rest.split()
    ).replace(" - ", "\n- ")
    headings = [ln[4:] for ln in lines if ln.startswith("### ")]
    # 14 tables and the chart: the 13 of before the audit and XRR2's re-scored first stage
    # with its rr and rr2 (INF-X's re-scored retriever alone is a row of the last table).
    assert len(headings) == 15
    contents = " ".join(main_md.split("Contents:", 1)[1].split("\n### ")[0].split())
    for h in headings:
        assert f"(#{anchor(h)})" in contents, h
    assert anchor("First stage: BM25 (BRIGHT's), GPT-4 reasoning queries") == (
        "first-stage-bm25-brights-gpt-4-reasoning-queries"
    )
    assert re.search(r"\[First stage: GPT-4o query expansion \+ weighted BM25s, top 100 \(XRR2\)\]"
                     r"\(#first-stage-gpt-4o-query-expansion--weighted-bm25s-top-100-xrr2\)",
                     contents)  # fmt: skip


def test_chart_rows_have_short_unique_labels_and_distinct_colours():
    from bright_eval.leaderboard.chart import FIRST_STAGE, _colours, chart_rows
    from bright_eval.leaderboard.grouping import groups
    from bright_eval.results import load_systems

    rows = chart_rows(groups(load_systems(REPO / "results")))
    labels = [label for label, _, _ in rows]
    # The ReasonIR group: the measured run, ReasonRank's copy of it, and 15 rerankers; the XRR2
    # group: its re-scored first stage and rr (rr2 has no theoremqa_questions file, INF-X only
    # theoremqa_theorems: a row needs all 12 domains).
    assert len(rows) == 19 and len(set(labels)) == 19
    assert labels[:2] == [
        f"ReasonIR-8B (first stage){FIRST_STAGE}",
        f"ReasonIR-8B (ReasonRank Table 1){FIRST_STAGE}",
    ]
    assert "ReasonRank (32B)" in labels  # no "over <first stage>" tail: the chart says it once
    assert max(len(label.removesuffix(FIRST_STAGE)) for label in labels) <= 40
    assert labels[17:] == [
        f"XRR2 expansion + BM25s (first stage){FIRST_STAGE}",
        "XRR2 rr: Gemini-2.5-Flash listwise",
    ]
    colours = _colours(19)
    assert len(set(colours)) == 19


def test_a_reranker_charted_over_two_first_stages_keeps_two_labels():
    from bright_eval.leaderboard.chart import chart_rows
    from bright_eval.leaderboard.grouping import Group
    from bright_eval.results import FirstStage, RerankerRecord, SystemRecord

    def row(first_stage):
        metrics = {d: {"NDCG@10": 0.25} for d in DOMAIN_NAMES}
        stage = FirstStage(first_stage, first_stage)
        return SystemRecord("x-" + first_stage, "Mine", "measured", stage,
                            reranker=RerankerRecord("mine"), metrics=metrics)  # fmt: skip

    rows = chart_rows([Group("a", "BM25", [row("a")]), Group("b", "ReasonIR", [row("b")])])
    assert [r[0] for r in rows] == ["Mine (over BM25)", "Mine (over ReasonIR)"]
