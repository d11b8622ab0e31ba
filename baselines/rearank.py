"""Rearank (Zhang et al. 2025, `lezhang7/Rearank`, model `le723z/Rearank-7B`): a listwise
reasoning reranker trained with RL on Qwen2.5-7B. RankGPT's multi-turn conversation (one user
turn per passage, each acknowledged) under the authors' own system prompt and instructions; the
model reasons in <think> and ranks in <answer> [i] > [j] </answer>. Settings are
`process_rank_results_in_batches` and `QwenClient`: window 20, step 10 from the bottom of the
top 100, passages' whitespace collapsed and cut to 400 characters, greedy, at most 2,048 new
tokens.

Parsing is the authors' `clean_response`: the text inside <answer>...</answer> if there is one
(else the whole text), what follows the last </think>, then every number, with RankGPT's repair
(duplicates and unknown ids dropped, missing ones appended). One difference: an answer cut off
inside its reasoning (<think> and no </think>) is a failed answer here, the window keeping its
order (counted), where the authors read numbers out of the reasoning itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from bright_eval.rerank import Candidate, RepairStats, RerankerMeta
from bright_eval.rerank.backends.base import Prompt
from bright_eval.rerank.listwise import GenerativeListwise, ids_in
from bright_eval.rerank.meta import GENERATIVE
from bright_eval.rerank.permutation import no_answer, repair_ids
from bright_eval.rerank.reasoning import ReasoningBudget
from bright_eval_zoo.rearank_prompts import (
    REARANK_ACK,
    REARANK_ANSWER,
    REARANK_INSTRUCTION,
    REARANK_PASSAGE,
    REARANK_RECEIVED,
    REARANK_SUFFIX,
    REARANK_SYSTEM,
)

SOURCE = "lezhang7/Rearank@abb4bd024b1ec65567f2a86195a62c3573d90d54"


def rearank_content(text: str, max_chars: int = 400) -> str:
    """`create_permutation_instruction_rearank`: whitespace collapsed, first 400 characters."""
    return " ".join(text.replace("Title: Content: ", "").strip().split())[:max_chars]


def parse_rearank(text: str, n: int) -> tuple[list[int], RepairStats]:
    if "<answer>" in text:
        match = REARANK_ANSWER.search(text)
        text = match.group(1).strip() if match else text.strip()
    if "<think>" in text:
        if "</think>" not in text:  # cut off while reasoning: no ranking was given
            return no_answer(n)
        text = text.split("</think>")[-1]
    ids = ids_in(text)
    return repair_ids(ids, n) if ids else no_answer(n)


class Rearank(ReasoningBudget, GenerativeListwise):
    meta = RerankerMeta(
        name="rearank-7b",
        description="Rearank 7B: RankGPT-style turns, reasons in <think>, ranks in <answer>",
        model_id="le723z/Rearank-7B",
        accepts=GENERATIVE,
        citation=(
            "Zhang et al. 2025, REARANK (arXiv 2505.20046); "
            f"{SOURCE} rank_gpt.py (create_permutation_instruction_rearank, clean_response, "
            "sliding_windows_batch), agent.py (QwenClient)"
        ),
        published="31.75 over ReasonIR-8B GPT-4-reasoning top-100 (ReasonRank paper, Table 1)",
        notes="an answer cut off inside <think> keeps the window's order (counted)",
    )
    # A forced answer ranks 20 ids ("[i] > " is about 5 tokens each), as ReasonRank's does.
    answer_tokens = 100
    prompts = {
        "system": REARANK_SYSTEM,
        "instruction": REARANK_INSTRUCTION,
        "ack": REARANK_ACK,
        "passage": REARANK_PASSAGE,
        "received": REARANK_RECEIVED,
        "suffix": REARANK_SUFFIX,
    }
    prompt_version = "rearank-1"
    default_max_new_tokens = 2048
    max_chars = 400

    def prompt(self, window: Sequence[Candidate]) -> Prompt:
        p = self.prompts
        query = window[0].query
        messages = [
            {"role": "system", "content": p["system"]},
            {"role": "user", "content": p["instruction"].format(query=query, num=len(window))},
            {"role": "assistant", "content": p["ack"]},
        ]
        for rank, c in enumerate(window, start=1):
            content = rearank_content(c.document, self.max_chars)
            messages.append(
                {"role": "user", "content": p["passage"].format(rank=rank, content=content)}
            )
            messages.append({"role": "assistant", "content": p["received"].format(rank=rank)})
        messages.append({"role": "user", "content": p["suffix"].format(query=query)})
        return messages

    def parse(self, text: str, n: int) -> tuple[list[int], RepairStats]:
        return parse_rearank(text, n)
