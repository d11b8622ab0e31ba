"""The named revisions of the BRIGHT dataset on the Hub (`xlangai/BRIGHT`), as the field names
them: `v1`, the first release, which MTEB's `BrightRetrieval` task pins, and `v1.1`, the later
revision with corrected data, which MTEB's `BRIGHT(v1.1)` benchmark pins and this harness uses
by default. What is known about the difference is in docs/formats.md."""

from __future__ import annotations

import re

REVISIONS: dict[str, str] = {
    "v1": "a75a0eb483f6a5233a6efc2d63d71540a4443dfb",
    "v1.1": "3066d29c9651a576c8aba4832d249807b181ecae",
}
DEFAULT_NAME = "v1.1"
_HEX = re.compile(r"^[0-9a-f]{7,40}$")


def resolve_revision(text: str | None) -> str | None:
    """A revision name (`v1`, `v1.1`) or an abbreviated commit of a named revision as its full
    commit; anything else (another commit, a branch) is passed to the Hub as given."""
    if not text:
        return None
    text = text.strip()
    if text in REVISIONS:
        return REVISIONS[text]
    if _HEX.match(text.lower()):
        known = [full for full in REVISIONS.values() if full.startswith(text.lower())]
        if len(known) == 1:
            return known[0]
    return text


def revision_name(revision: str | None) -> str | None:
    """`v1` or `v1.1` for a named revision's commit (full or abbreviated), else None."""
    full = resolve_revision(revision)
    return next((name for name, commit in REVISIONS.items() if commit == full), None)
