"""Rank1's per-domain BRIGHT query templates, as the authors' MTEB runs apply them.

From `prompts.py` of orionw/rank1 (commit fda47c8, `PROMPT_DICT["BrightRetrieval_<domain>"]`, the
plain `BrightRetrieval` one for every other domain): the query takes the place of
`FILL_QUERY_HERE`, and the result is the query in Rank1's prompt. Whitespace is theirs, to the
character (the leetcode template's indented blank line and trailing space included).
"""

# ruff: noqa: E501  (one source line per template line, kept whole so the text reads as theirs)

from __future__ import annotations

PLACEHOLDER = "FILL_QUERY_HERE"

TEMPLATES = {
    "default": (
        "Can you find background information about the concepts used to answer the question:\n"
        "\n"
        "FILL_QUERY_HERE\n"
        "\n"
        "A passage is relevant if it contains background information about a **sub-concept** that someone might cite/link to when answering the above question."
    ),
    "aops": (
        "Find different but similar math problems to FILL_QUERY_HERE\n"
        "\n"
        "A document is relevant if it uses the same class of functions and shares **any** overlapping techniques."
    ),
    "leetcode": (
        "I am looking to find different problems that share similar data structures (of any kind) or algorithms (e.g. DFS, DP, sorting, traversals, etc.). I am looking for problems that share one or both of these similarities to this:\n"
        "    \n"
        "FILL_QUERY_HERE\n"
        "\n"
        "Does this passage share any similarities? e.g. if there was a textbook on leetcode problems, this would be in the same book even though it could be in a different chapter. \n"
        "\n"
        "\n"
    ),
    "pony": (
        "I will use the programming language pony. Problem: FILL_QUERY_HERE\n"
        "\n"
        "But to solve the problem above, I need to know things about pony. A passage is relevant if it contains docs that match **any** part (even basic parts) of the code I will have to write for the above program."
    ),
    "theoremqa_questions": (
        "Find a passage which uses the same mathematical process as this one: FILL_QUERY_HERE"
    ),
}
TEMPLATES["theoremqa_theorems"] = TEMPLATES["theoremqa_questions"]  # as the authors alias it


def templated_query(query: str, domain: str) -> str:
    """The query as Rank1 sees it in `domain`; a candidate with no domain keeps its query."""
    if not domain:
        return query
    return TEMPLATES.get(domain, TEMPLATES["default"]).replace(PLACEHOLDER, query)
