"""results/official/board.json: every entry of the official BRIGHT leaderboard (sections 1.3
and 1.4 of the spec), with the per-domain values found for it (tables L1 and LONG)."""

from __future__ import annotations

import re

import spec_tables

from bright_eval.domains import DOMAINS, LONG_DOMAIN_NAMES

BOARD_REPO = "brightbenchmark/brightbenchmark.github.io"
BOARD_COMMIT = "3f9fe1eab1faa7c5d8c4c6e7207518a61b0320b0"

# The spec's free-text "type" of an entry, reduced to the five kinds the board shows. Checked in
# order; the first prefix that matches decides.
KINDS = (
    ("retrieve-then-rerank", "retrieve-then-rerank"),
    ("agentic", "agentic"),
    ("LLM-guided hierarchical search", "tree search"),
    ("retrieval with LLM-reasoning query", "LLM-rewritten query"),
    ("retrieval only", "retrieval only"),
    ("retrieval (RL-trained query rewriter", "LLM-rewritten query"),
    ("retrieval (query aligner", "LLM-rewritten query"),
    ("retrieval (INF-X-style query rewriter", "LLM-rewritten query"),
    ("retrieval (BM25 on TongSearch-QR", "LLM-rewritten query"),
    ("unknown", "unknown"),
)


def kind_of(text: str) -> str:
    for prefix, kind in KINDS:
        if text.startswith(prefix):
            return kind
    raise ValueError(f"board entry type {text!r} matches no kind; add it to KINDS")


def links(cell: str) -> list[str]:
    return re.findall(r"<([^>]+)>", cell)


def long_match(entry: str, systems: list[str]) -> str:
    """The 1.4 entry a LONG row names: LONG shortens or annotates some names."""
    found = [s for s in systems if s == entry or s.startswith(entry) or entry.startswith(s)]
    exact = [s for s in found if s == entry]
    if len(exact or found) != 1:
        raise ValueError(f"long-document row {entry!r} matches {found or 'no entry'}")
    return (exact or found)[0]


def values_table(cell: str, values: dict[str, float | None], tables: dict, fallback: str) -> str:
    """The one section-3 table that holds these values. L1 names some sources loosely ("DIV /
    DIVR": DIVER's README has two tables) or name a copy the spec did not transcribe; then the
    table of the reported row that holds them (`fallback`) is named."""
    keys = [k for k in re.split(r"[\s/]+", cell) if k in tables] or [fallback]
    held = [k for k in keys if any(same(r, values) for r in tables[k].rows)]
    if len(held) != 1:
        held = [fallback] if same_anywhere(tables[fallback], values) else held
    if len(held) != 1:
        raise ValueError(f"per-domain source {cell!r}: the values are in {held or 'no table'}")
    return held[0]


def same(row: dict, values: dict[str, float | None]) -> bool:
    try:
        return all(abs(spec_tables.number(row[d]) - v) <= 0.05 + 1e-9 for d, v in values.items())
    except (KeyError, TypeError, ValueError):
        return False


def same_anywhere(table, values) -> bool:
    return any(same(r, values) for r in table.rows)


def board_json(
    tables: dict, curation: dict, spec_row_to_name: dict[str, str], row_table: dict[str, str]
) -> dict:
    """`row_table`: the section-3 table each reported row (by name) was read from."""
    l1 = {r["leaderboard entry"]: (i, r) for i, r in enumerate(tables["L1"].rows, 1)}
    short = []
    for row in tables["1.3"].rows:
        i, found = l1.pop(row["system"], (None, None))
        reported = spec_row_to_name.get(f"L1.{i}", "") if found else ""
        short.append(
            {
                "rank": int(row["#"]),
                "date": row["date"],
                "system": row["system"],
                "organisation": row["organisation"],
                "links": links(row["link(s)"]),
                "kind": kind_of(row["type"]),
                "type_as_stated": row["type"],
                "average": float(row["avg nDCG@10"]),
                "per_domain": {d: spec_tables.number(found[d]) for d in DOMAINS} if found else {},
                "per_domain_source": values_table(
                    found["per-domain source"],
                    {d: spec_tables.number(found[d]) for d in DOMAINS},
                    tables,
                    row_table[reported],
                )
                if found
                else "",
                "per_domain_note": found["note"] if found else "",
                "reported_row": reported,
            }
        )
    if l1:
        raise ValueError(f"L1 rows with no board entry: {sorted(l1)}")
    systems = [r["system"] for r in tables["1.4"].rows]
    long_rows = {}
    for i, r in enumerate(tables["LONG"].rows, 1):
        long_rows[long_match(r["entry"], systems)] = (i, r)
    long = []
    for row in tables["1.4"].rows:
        i, found = long_rows.get(row["system"], (None, None))
        long.append(
            {
                "rank": int(row["#"]),
                "date": row["date"],
                "system": row["system"],
                "organisation": row["organisation"],
                "links": links(row["link"]),
                "average": float(row["avg Recall@1 (8 long-doc domains)"]),
                "per_domain": {d: spec_tables.number(found[d]) for d in LONG_DOMAIN_NAMES}
                if found
                else {},
                "per_domain_source": found["source"] if found else "",
                "reported_row": spec_row_to_name.get(f"LONG.{i}", "") if found else "",
            }
        )
    sources = {
        key: {k: meta[k] for k in ("reference", "where", "url") if k in meta}
        for key, meta in curation["tables"].items()
    }
    return {
        "source": {
            "repository": BOARD_REPO,
            "commit": BOARD_COMMIT,
            "files": "leaderboard_scores/main.py, long.py, utils.py, index.html",
            "via": f"{curation['via']} §1.3, §1.4, §L1, §LONG",
        },
        "short_metric": "average nDCG@10 x 100 over the 12 domains",
        "long_metric": "average Recall@1 x 100 over the 8 long-document domains",
        "value_sources": sources,
        "short": short,
        "long": long,
    }
