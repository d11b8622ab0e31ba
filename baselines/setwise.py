"""Rank-R1 (Zhuang et al. 2025, `ielab/llm-rankers`, folder Rank-R1): a setwise reasoning
reranker. Each call shows the model a set of up to 20 documents labelled [1]..[n]; it reasons in
<think> and names the most relevant one in <answer>[i]</answer>. A heap sort over sets of
num_child + 1 = 20 places the top k = 10 (`bright_eval.rerank.setwise`); the rest keep their
first-stage order. Settings are the README's BRIGHT command (`run_setwise.py --hits 100
--query_length 1024 --passage_length 1024 setwise --num_child 19 --method heapsort --k 10`) and
`R1SetwiseLlmRanker`: greedy, at most 2,048 new tokens, a LoRA adapter over Qwen2.5-Instruct.

Parsing is the authors': their pattern on the lower-cased text, and the answer must be exactly
a label of the set ("[3]"); anything else is a failed answer, which keeps the set's order (its
first member, the heap node, wins, as their `heapify` does) and is counted.

One difference, recorded in the notes: the authors present each set in an order drawn from
Python's global random stream (`random.sample`, seed 929), which depends on every call before
it; here a set is shown in heap order, so a cached call is the same call in any run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bright_eval.rerank import Candidate, RepairStats, RerankerMeta
from bright_eval.rerank.backends.base import Prompt
from bright_eval.rerank.listwise import GenerativeListwise
from bright_eval.rerank.meta import GENERATIVE
from bright_eval.rerank.permutation import no_answer
from bright_eval.rerank.reasoning import ReasoningBudget
from bright_eval.rerank.setwise import SetwiseReranker, winner_first
from bright_eval_zoo.listwise import ModelTokenizer
from bright_eval_zoo.setwise_prompts import RANKR1_DOC, RANKR1_PATTERN, RANKR1_SYSTEM, RANKR1_USER

SOURCE = "ielab/llm-rankers@a5ee1a974e311e9704a4b1176ea37fa09bb7e08d"


def rankr1_query(text: str) -> str:
    """Rank-R1/bright/write_pyserini_queries.py: newlines, tabs, CR and FF become spaces; the
    query file's line is then stripped (`run_setwise.py`)."""
    for ch in "\n\t\r\f":
        text = text.replace(ch, " ")
    return text.strip()


def parse_rankr1(text: str, n: int) -> tuple[list[int], RepairStats]:
    """The winner of one set: the authors' pattern on the lower-cased text, and its answer must
    be one of the set's labels "[1]".."[n]" exactly (after stripping)."""
    match = re.search(RANKR1_PATTERN, text.lower(), re.DOTALL)
    labels = [f"[{i}]" for i in range(1, n + 1)]
    answer = match.group(1).strip() if match else None
    if answer not in labels:
        return no_answer(n)
    return winner_first(labels.index(answer), n)


class RankR1(ReasoningBudget, ModelTokenizer, GenerativeListwise, SetwiseReranker):
    meta = RerankerMeta(
        name="rank-r1-7b",
        description="Rank-R1 7B: setwise, reasons in <think>, names the best of 20 in <answer>",
        model_id="Qwen/Qwen2.5-7B-Instruct",
        accepts=GENERATIVE,
        citation=(
            "Zhuang et al. 2025, Rank-R1 (arXiv 2503.06034); "
            f"{SOURCE} Rank-R1/run_setwise.py, Rank-R1/prompts/prompt_setwise-R1.toml, "
            "llmrankers/setwise.py (heapify, heapSort, rerank)"
        ),
        published="20.57 over ReasonIR-8B GPT-4-reasoning top-100 (ReasonRank paper, Table 1)",
        notes="adapter ielabgroup/Rank-R1-7B-v0.1; sets shown in heap order, not shuffled",
    )
    default_adapter = "ielabgroup/Rank-R1-7B-v0.1"
    prompts = {"system": RANKR1_SYSTEM, "user": RANKR1_USER, "doc": RANKR1_DOC,
               "pattern": RANKR1_PATTERN}  # fmt: skip
    prompt_version = "rank-r1-setwise-1"
    num_child = 19
    k = 10
    default_max_new_tokens = 2048
    query_tokens = 1024
    passage_tokens = 1024

    def prompt(self, window: Sequence[Candidate]) -> Prompt:
        p = self.prompts
        query = self.truncate(rankr1_query(window[0].query), self.query_tokens)
        docs = "\n".join(
            p["doc"].format(label=i, text=self.truncate(c.document, self.passage_tokens))
            for i, c in enumerate(window, start=1)
        )
        return [
            {"role": "system", "content": p["system"]},
            {"role": "user", "content": p["user"].format(query=query, docs=docs)},
        ]

    def parse(self, text: str, n: int) -> tuple[list[int], RepairStats]:
        return parse_rankr1(text, n)
