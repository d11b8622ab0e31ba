"""The 12 BRIGHT domains as metadata records."""

from __future__ import annotations

from dataclasses import dataclass

from bright_eval.errors import BrightEvalError

STACKEXCHANGE = "StackExchange"
CODING = "Coding"
THEOREM = "Theorem-based"
GROUPS = (STACKEXCHANGE, CODING, THEOREM)


class UnknownDomainError(BrightEvalError, ValueError):
    pass


@dataclass(frozen=True)
class Domain:
    name: str  # the Hugging Face split name
    group: str
    has_long_documents: bool
    n_queries: int
    n_documents: int


DOMAINS: dict[str, Domain] = {
    d.name: d
    for d in (
        Domain("biology", STACKEXCHANGE, True, 103, 57_359),
        Domain("earth_science", STACKEXCHANGE, True, 116, 121_249),
        Domain("economics", STACKEXCHANGE, True, 103, 50_220),
        Domain("psychology", STACKEXCHANGE, True, 101, 52_835),
        Domain("robotics", STACKEXCHANGE, True, 101, 61_961),
        Domain("stackoverflow", STACKEXCHANGE, True, 117, 107_081),
        Domain("sustainable_living", STACKEXCHANGE, True, 108, 60_792),
        Domain("leetcode", CODING, False, 142, 413_932),
        Domain("pony", CODING, True, 112, 7_894),
        Domain("aops", THEOREM, False, 111, 188_002),
        Domain("theoremqa_theorems", THEOREM, False, 76, 23_839),
        Domain("theoremqa_questions", THEOREM, False, 194, 188_002),
    )
}
DOMAIN_NAMES: tuple[str, ...] = tuple(DOMAINS)
LONG_DOMAIN_NAMES: tuple[str, ...] = tuple(d.name for d in DOMAINS.values() if d.has_long_documents)


def get_domain(name: str) -> Domain:
    # ir_datasets and pyserini spell domains with dashes; accept both.
    key = name.strip().replace("-", "_")
    if key not in DOMAINS:
        raise UnknownDomainError(
            f"unknown BRIGHT domain {name!r}; valid domains: {', '.join(DOMAIN_NAMES)}"
        )
    return DOMAINS[key]


def parse_domains(names: str | list[str] | None, long_documents: bool = False) -> list[Domain]:
    """Domains from a comma-separated string or list; None or 'all' means every domain.

    With long documents, 'all' means the eight domains that have them, and naming a domain
    without them is an error.
    """
    if names is None or names == "all" or names == ["all"]:
        chosen = list(DOMAINS.values())
        return [d for d in chosen if d.has_long_documents] if long_documents else chosen
    if isinstance(names, str):
        names = [n for n in names.split(",") if n.strip()]
    chosen = [get_domain(n) for n in names]
    if long_documents:
        for d in chosen:
            require_long_documents(d)
    return chosen


def require_long_documents(domain: Domain) -> None:
    if not domain.has_long_documents:
        valid = ", ".join(LONG_DOMAIN_NAMES)
        raise UnknownDomainError(
            f"domain {domain.name!r} has no long-document setting; domains with long documents: "
            f"{valid}"
        )
