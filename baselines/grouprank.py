"""GroupRank (`AQ-MedAI/Diver`, Reranker/rerank_groupwise.py; models `AQ-MedAI/Diver-GroupRank-*`):
a groupwise reranker. The model sees a group of up to 20 documents labelled [1]..[n], reasons in
<reason>, and gives every document an integer score 0-10 in a JSON object inside <answer>. Each
query's top 100 is shuffled and cut into groups of 20, six times over; a document's score is
the mean of its groups' scores / 10 (`bright_eval.rerank.groupwise`). Settings are the v3 BRIGHT
command in `Reranker/reranker_script.sh` (group size 20, interval 20, repeat 6) and
`GroupReranker`: temperature 0.3, top-p 0.8, at most 8,000 new tokens, documents' runs of
newlines as one space and cut to 3,000 characters.

Parsing is the authors' `_extract_rerank_output`: the <answer> part if there is one, the last
```json block in it (else the last {...}), a "[7]]" typo mended, a missing closing brace added,
whitespace collapsed, then JSON. An answer that cannot be read, names a label beyond the group
or gives a score that is not a number scores every member 0, as the authors do; it is counted
(`no_answer`, repaired). A member the answer leaves out gets no score from that group (counted
`missing`). One difference: a label 0 or below, which the authors' `dids[int(idx) - 1]` would
give to a member counted from the end, is dropped here (counted `unknown`).

Their second output interpolates with the first stage, 0.6 x score + 0.4 x retriever score
(`reranker_retriever_results.json`); it is the alternative score `interpolated` here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from bright_eval.rerank import Candidate, RepairStats, RerankerMeta
from bright_eval.rerank.backends.base import Prompt
from bright_eval.rerank.groupwise import INTERPOLATED, GroupwiseReranker
from bright_eval.rerank.listwise import GenerativeListwise
from bright_eval.rerank.meta import GENERATIVE
from bright_eval.rerank.permutation import no_answer, repair
from bright_eval_zoo.grouprank_prompts import (
    GROUPRANK_ANSWER,
    GROUPRANK_DOC,
    GROUPRANK_JSON_BARE,
    GROUPRANK_JSON_BLOCK,
    GROUPRANK_SYSTEM,
    GROUPRANK_USER,
)

SOURCE = "AQ-MedAI/Diver@95b111b0adad85bf388e628b9073552055f6f408"


class Unreadable(ValueError):
    pass


def answer_json(text: str) -> dict:
    """The authors' `_extract_rerank_output`: label -> score, or `Unreadable`."""
    match = GROUPRANK_ANSWER.search(text)
    if match:
        text = match.group(1).strip()
    blocks = GROUPRANK_JSON_BLOCK.findall(text)
    bare = GROUPRANK_JSON_BARE.findall(text)
    if not blocks and not bare:
        raise Unreadable("no JSON")
    found = (blocks[-1] if blocks else bare[-1]).strip()
    found = re.sub(r"(\[\d+\])\]", r"\1", found)  # "[7]]" -> "[7]"
    if found.count("{") > found.count("}"):
        found += "}"
    found = re.sub(r"\s+", " ", found).strip()
    try:
        answer = json.loads(found)
        return dict(answer)
    except (ValueError, TypeError) as err:
        raise Unreadable(str(err)) from err


def parse_grouprank(text: str | None, n: int) -> tuple[list[float | None], RepairStats]:
    """Each member's score (label's score / 10; None where the answer names no score for it),
    and what reading it needed. An unreadable answer scores every member 0."""
    try:
        answer = answer_json(text or "")
        scores: list[float | None] = [None] * n
        unknown = 0
        for label, score in answer.items():
            i = int(str(label).strip().strip("[]")) - 1
            if i >= n or isinstance(score, bool) or not isinstance(score, int | float):
                raise Unreadable(f"label {label!r} or score {score!r}")
            if i < 0:
                unknown += 1
                continue
            scores[i] = score / 10
    except (Unreadable, ValueError):
        return [0.0] * n, no_answer(n)[1]
    ranked = sorted((i for i in range(n) if scores[i] is not None), key=lambda i: -scores[i])
    _, fixed = repair([*ranked, *([None] * unknown)], n)
    return scores, fixed


def group_doc(text: str, max_chars: int) -> str:
    return re.sub("\n+", " ", text)[:max_chars]


class GroupRank(GenerativeListwise, GroupwiseReranker):
    meta = RerankerMeta(
        name="grouprank-32b",
        description="Diver GroupRank 32B: scores a group of 20 at once (0-10, JSON); mean of 6",
        model_id="AQ-MedAI/Diver-GroupRank-32B",
        accepts=GENERATIVE,
        alternative_scores=(INTERPOLATED,),
        citation=(
            "GroupRank (arXiv 2511.11653), DIVER (arXiv 2508.07995); "
            f"{SOURCE} Reranker/rerank_groupwise.py, Reranker/reranker_script.sh (v3)"
        ),
        published=(
            "46.8 as part of DIVER-v3 (DIVER expansion and retrieval, then GroupRank-32B), "
            "not GroupRank over a fixed first stage (BRIGHT board #5; Diver README)"
        ),
        notes="each query's shuffle seeded by (666, query id), not one stream for all queries",
    )
    prompts = {"system": GROUPRANK_SYSTEM, "user": GROUPRANK_USER, "doc": GROUPRANK_DOC}
    prompt_version = "grouprank-1"
    group_size = 20
    interval = 20
    rounds = 6
    default_max_new_tokens = 8000
    temperature = 0.3
    top_p = 0.8
    max_doc_chars = 3000

    def prompt(self, window: Sequence[Candidate]) -> Prompt:
        p = self.prompts
        docs = "".join(
            p["doc"].format(i, group_doc(c.document, self.max_doc_chars))
            for i, c in enumerate(window, start=1)
        )
        user = p["user"].format(QUERY=window[0].query, PASSAGES=docs, TOPK=len(window))
        return [{"role": "system", "content": p["system"]}, {"role": "user", "content": user}]

    def parse(self, text: str, n: int) -> tuple[list[int], RepairStats]:
        scores, fixed = parse_grouprank(text, n)
        if fixed.no_answer:
            return list(range(n)), fixed
        ranked = sorted(range(n), key=lambda i: (scores[i] is None, -(scores[i] or 0)))
        return ranked, fixed

    def group_scores(self, text: str | None, n: int) -> list[float | None]:
        return parse_grouprank(text, n)[0]
