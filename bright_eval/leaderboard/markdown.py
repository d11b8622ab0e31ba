"""Markdown the leaderboard files share: aligned tables, prose wrapped to a readable width, and
a contents list whose links are the ids GitHub gives headings."""

from __future__ import annotations

from tabulate import tabulate

WIDTH = 100  # prose lines are wrapped to this; a table row cannot be


def _starts_block(word: str) -> bool:
    """A word that, first on a line, would start a list, heading, quote or table instead of
    continuing the paragraph."""
    return (
        word in ("-", "*", "+")
        or word.startswith(("#", ">", "|", "="))
        or (word[:-1].isdigit() and word[-1:] in ".)")
    )


def wrap(lines: list[str]) -> list[str]:
    """Prose and list items wrapped (markdown joins the lines again), so that no line but a
    table row runs hundreds of characters. Words are never split (URLs, code)."""
    out = []
    for line in lines:
        if len(line) <= WIDTH or line.startswith(("|", "#", "<!--", "![")):
            out.append(line)
            continue
        indent = "  " if line.startswith("- ") else ""
        words = line.split(" ")
        current = words[0]
        for word in words[1:]:
            if len(current) + 1 + len(word) > WIDTH and not _starts_block(word):
                out.append(current)
                current = indent + word
            else:
                current += " " + word
        out.append(current)
    return out


def table(rows: list[list[str]], headers: list[str], left: int = 2, text_after: int = 0) -> str:
    """Text columns left-aligned (the first `left`, and the last `text_after`), numbers right."""
    numbers = len(headers) - left - text_after
    align = ["left"] * left + ["right"] * numbers + ["left"] * text_after
    return tabulate(rows, headers, tablefmt="github", disable_numparse=True, colalign=align)


def anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    kept = "".join(c for c in heading.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def contents(lines: list[str]) -> list[str]:
    """A linked list of the `###` sections in `lines` (their ids are unique: one per group)."""
    headings = [ln.removeprefix("### ") for ln in lines if ln.startswith("### ")]
    if not headings:
        return []
    return ["Contents:", "", *(f"- [{h}](#{anchor(h)})" for h in headings), ""]
