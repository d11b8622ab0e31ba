"""Write results/reported/*.json and results/official/board.json from
../shared/spec/reported-numbers.md and tools/reported_rows.toml.

    python tools/import_reported.py [--spec ../shared/spec/reported-numbers.md] \
        [--results-dir results]

Values are read from the spec by header name (the spec has already re-mapped every source's
column order onto domain names); the toml only says whose numbers they are and what each row
reranks. Files this script wrote before and no longer produces are removed; hand-written
reported files (no `generated_by` in their provenance) are left alone.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import spec_tables  # noqa: E402
from official_board import board_json  # noqa: E402

from bright_eval.commands.options import add_results_dir  # noqa: E402
from bright_eval.domains import DOMAIN_NAMES, LONG_DOMAIN_NAMES  # noqa: E402
from bright_eval.results import (  # noqa: E402
    HEADLINE,
    LONG_HEADLINE,
    REPORTED,
    REPORTED_DIR,
    Citation,
    FirstStage,
    RerankerRecord,
    SystemRecord,
    load_system,
    save_system,
)

GENERATED_BY = "tools/import_reported.py"
HERE = Path(__file__).resolve().parent
FIRST_STAGE_MARKS = ("[first stage", "[retriever]")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower().replace("+", " plus ")).strip("-.")


def clean_label(name: str) -> str:
    name = name.split(" = ")[0]
    name = re.sub(r"\s*\[[^\]]*\]", "", name)
    return re.sub(r"\s+", " ", name).strip()


def shown_label(row: dict) -> str:
    """The label tables show: `shown` where the toml gives one (two sources print the same
    label for different rows), never another paper's "(ours)". The file name keeps coming from
    the spec's label, so that renaming what is shown renames no file."""
    return row["over"].get("shown") or re.sub(r"\s*\(ours\)", "", row["label"], flags=re.I)


def spec_rows(tables: dict, curation: dict) -> list[dict]:
    """Every per-domain row of the curated tables, in priority order."""
    out = []
    for key in curation["priority"]:
        table, meta = tables[key], curation["tables"][key]
        long = key == "LONG"
        domains = LONG_DOMAIN_NAMES if long else DOMAIN_NAMES
        parent, above = "", ""
        for i, row in enumerate(table.rows, 1):
            rk = f"{key}.{i}"
            over = curation.get("rows", {}).get(rk, {})
            name = row.get("system") or row.get("leaderboard entry") or row["entry"]
            label = clean_label(name)
            if label.startswith("+"):
                label = f"{parent} {label}"
            else:
                parent = label
            stage_cell = row.get("first stage", "")
            stage_cell = above if stage_cell == "same" else stage_cell
            above = stage_cell
            avg_cell = row.get("stated avg") or row.get("source-stated avg") or ""
            if key == "L1":
                avg_cell = row["leaderboard avg"]
            out.append(
                {
                    "key": rk,
                    "table": key,
                    "name": name,
                    "label": over.get("label", label),
                    "long": long,
                    "values": {d: spec_tables.number(row[d]) for d in domains},
                    "decimals": max(spec_tables.decimals(row[d]) for d in domains),
                    "stated": spec_tables.number(avg_cell),
                    "stage_cell": stage_cell,
                    "over": over,
                    "meta": meta,
                }
            )
    return out


def same_values(a: dict, b: dict) -> bool:
    # Copies printed at other precisions agree within half a unit of the coarser one.
    return a["long"] == b["long"] and all(
        abs(a["values"][d] - b["values"][d]) <= 0.05 + 1e-9 for d in a["values"]
    )


def clusters(rows: list[dict]) -> list[list[dict]]:
    by_key = {r["key"]: r for r in rows}
    groups: list[list[dict]] = []
    for r in rows:
        if r["over"].get("copy_of"):
            continue
        for g in groups:
            if same_values(g[0], r):
                g.append(r)
                break
        else:
            groups.append([r])
    for r in rows:  # copies that differ (a typo, swapped columns) join the row they copy
        if r["over"].get("copy_of"):
            next(g for g in groups if by_key[r["over"]["copy_of"]] in g).append(r)
    # The canonical copy: the one marked so, else the first in priority order.
    for g in groups:
        g.sort(key=lambda r: (not r["over"].get("canonical", False),))
    return groups


def first_stage_of(row: dict, curation: dict, name: str) -> tuple[FirstStage, bool]:
    over, meta = row["over"], row["meta"]
    fs_id = over.get("first_stage", meta.get("first_stage", "own"))
    if fs_id == "own":
        query = over.get("query") or meta.get("query") or ""
        if not query and row["stage_cell"] not in ("", "-"):
            query = row["stage_cell"]
        kind = over.get("kind") or (f"retrieval, {query}" if query else "as the source states")
        settings = {"kind": kind, "as_stated": row["stage_cell"] or "-"}
        return FirstStage(f"own/{name}", row["label"], settings), False
    spec = curation["first_stages"][fs_id]
    settings = {**spec.get("settings", {}), "as_stated": row["stage_cell"] or "-"}
    marked = any(m in row["name"] for m in FIRST_STAGE_MARKS)
    reranked = over.get("rerank", not marked)
    return FirstStage(fs_id, spec["label"], settings), reranked


def record(group: list[dict], curation: dict) -> SystemRecord:
    row = group[0]
    over, meta = row["over"], row["meta"]
    cite = curation["tables"][over["cite"]] if "cite" in over else meta
    name = slug(f"{row['table']}-{row['label']}")
    if "name_suffix" in over:  # one table, one label, two first stages
        name = f"{name}-{over['name_suffix']}"
    first_stage, reranked = first_stage_of(row, curation, name)
    metric = LONG_HEADLINE if row["long"] else HEADLINE
    values = {d: {metric: round(v / 100, 6)} for d, v in row["values"].items()}
    stated = row["stated"]
    if stated is None:  # INF-X's results.json prints no average; its README does
        stated = next(r["stated"] for r in group if r["stated"] is not None)
    notes = [f"Discrepancy: {over['discrepancy']}"] if "discrepancy" in over else []
    notes += [over["note"]] if "note" in over else []
    notes += [r["over"]["note"] for r in group[1:] if "note" in r["over"]]
    copies = [r for r in group[1:] if "note" not in r["over"]]
    if copies:
        where = "; ".join(
            f"{r['meta']['short']} '{clean_label(r['name'])}' (§{r['table']})" for r in copies
        )
        notes.append(f"Same values also printed in: {where}.")
    provenance = {
        "generated_by": GENERATED_BY,
        "spec_row": row["key"],
        "spec_row_name": row["name"],
        "copies": [r["key"] for r in group[1:]],
        "decimals": row["decimals"],
    }
    if "discrepancy" in over:
        provenance["discrepancy"] = over["discrepancy"]
    depth = over.get("depth", meta.get("depth"))
    return SystemRecord(
        name=name,
        label=shown_label(row),
        source=REPORTED,
        first_stage=first_stage,
        reranker=RerankerRecord(slug(row["label"]), {"depth": depth}) if reranked else None,
        metrics={} if row["long"] else values,
        metrics_long=values if row["long"] else {},
        reported_average={metric: round(stated / 100, 6)},
        provenance=provenance,
        citation=Citation(
            reference=cite["reference"],
            where=over.get("where", cite.get("where", "")),
            url=cite.get("url", ""),
            via=f"{curation['via']} §{over.get('cite', row['table'])}",
        ),
        notes=" ".join(notes),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default="../shared/spec/reported-numbers.md")
    add_results_dir(parser)
    parser.add_argument("--curation", default=str(HERE / "reported_rows.toml"))
    args = parser.parse_args(argv)
    tables = spec_tables.read(args.spec)
    curation = tomllib.loads(Path(args.curation).read_text(encoding="utf-8"))
    rows = spec_rows(tables, curation)
    groups = clusters(rows)
    records = [record(g, curation) for g in groups]
    names = [r.name for r in records]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SystemExit(f"error: two rows would be saved as {', '.join(dupes)}")
    out = Path(args.results_dir)
    for old in sorted((out / REPORTED_DIR).glob("*.json")):
        if load_system(old).provenance.get("generated_by") == GENERATED_BY and (
            old.stem not in names
        ):
            old.unlink()
    for r in records:
        save_system(r, out)
    spec_row_to_name = {
        k: r.name for r, g in zip(records, groups, strict=True) for k in [x["key"] for x in g]
    }
    row_table = {r.name: g[0]["table"] for r, g in zip(records, groups, strict=True)}
    board = board_json(tables, curation, spec_row_to_name, row_table)
    path = out / "official" / "board.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(board, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    n_rows = len(rows)
    print(f"{n_rows} spec rows -> {len(records)} reported records; wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
