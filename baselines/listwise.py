"""Listwise rerankers: RankGPT, RankZephyr, ReasonRank and BRIGHT's own GPT-4 reranker.

Each sees one window of candidates numbered [1]..[n] and answers with a permutation. The runner
slides the windows (`ListwiseReranker.window_starts`). Each class here builds one window's prompt
and, where its answers are not `[i] > [j]`, its parser; `GenerativeListwise`
(bright_eval/rerank/listwise.py) generates, and the one repair rule
(bright_eval/rerank/permutation.py) completes the permutation, recording what it fixed on the
`Permutation`; a window whose answer could not be found keeps its input order and is recorded
as such, never scored as if the model had answered.

Prompts are the authors' text, character for character (sources named on each class).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from bright_eval.rerank import Candidate, RepairStats, RerankerMeta
from bright_eval.rerank.backends.base import Prompt, loading
from bright_eval.rerank.listwise import GenerativeListwise, parse_ranking
from bright_eval.rerank.meta import GENERATIVE
from bright_eval.rerank.permutation import no_answer, repair_ids
from bright_eval.rerank.reasoning import ReasoningBudget
from bright_eval_zoo.listwise_prompts import (
    BRIGHT_JSON,
    BRIGHT_PASSAGE,
    BRIGHT_PROMPT,
    BRIGHT_SYSTEM,
    RANKGPT_PASSAGE,
    RANKGPT_PASSAGE_ASSISTANT,
    RANKGPT_PREFIX,
    RANKGPT_PREFIX_ASSISTANT,
    RANKGPT_SUFFIX,
    RANKGPT_SYSTEM,
    RANKZEPHYR_PASSAGE,
    RANKZEPHYR_PREFIX,
    RANKZEPHYR_SUFFIX,
    RANKZEPHYR_SYSTEM,
    REASONRANK_ANSWER,
    REASONRANK_PASSAGE,
    REASONRANK_PREFIX,
    REASONRANK_SUFFIX,
    REASONRANK_SYSTEM,
)

# --- parsing and repair ------------------------------------------------------------------------


def reasonrank_answer(text: str) -> str | None:
    """The ranking inside <answer>: the authors' pattern (matched on the lower-cased text), else
    whatever follows the last <answer> tag. None when there is no answer tag: the authors then
    read digits out of the reasoning itself; here the window keeps its input order instead."""
    match = REASONRANK_ANSWER.search(text.lower())
    if match:
        return match.group(1).strip()
    if "<answer>" in text:
        return text.split("<answer>")[-1]
    return None


def parse_reasonrank(text: str, n: int) -> tuple[list[int], RepairStats]:
    answer = reasonrank_answer(text)
    return no_answer(n) if answer is None else parse_ranking(answer, n)


def parse_bright(text: str, n: int) -> tuple[list[int], RepairStats]:
    """BRIGHT's `parse_json`: the last ```json block, a list of 1-based ids. Anything else
    (no block, invalid JSON, not a list) is a failed answer and keeps the input order, as the
    reference does ("use the original ranks if fail"). Non-integers count as unknown ids."""
    matches = BRIGHT_JSON.findall(text)
    try:
        answer = json.loads(matches[-1].strip()) if matches else None
    except json.JSONDecodeError:
        answer = None
    if not isinstance(answer, list):
        return no_answer(n)
    return repair_ids(answer, n)


# --- passage text ------------------------------------------------------------------------------


def replace_number(text: str) -> str:
    """rank_llm writes "[12]" in passages and queries as "(12)": it must not read as an id."""
    return re.sub(r"\[(\d+)\]", r"(\1)", text)


def rank_llm_content(text: str, max_words: int) -> str:
    """rank_llm `convert_doc_to_prompt_content`: strip, ftfy, first max_words words, ids escaped."""
    from ftfy import fix_text

    return replace_number(" ".join(fix_text(text.strip()).split()[:max_words]))


def rank_llm_max_words(num: int) -> int:
    """rank_llm gives each passage 300 words in a window of 20, scaled by the window's size."""
    return int(300 * (20 / num))


def rankgpt_content(text: str, max_words: int = 300) -> str:
    """RankGPT `create_permutation_instruction`: whitespace collapsed, first 300 words."""
    return " ".join(text.replace("Title: Content: ", "").strip().split()[:max_words])


# --- rerankers ---------------------------------------------------------------------------------


class ModelTokenizer:
    """Passages (and queries) cut to a number of the model's own tokens, as the authors cut
    them; `tokenizer=` in the constructor gives another (an object or a path)."""

    def __init__(self, options=None, tokenizer=None, **windows):
        super().__init__(options, **windows)
        self._tokenizer = tokenizer  # an object or a path; loaded from the model id if None

    def tokenizer(self):
        if self._tokenizer is None or isinstance(self._tokenizer, str):
            from transformers import AutoTokenizer

            name = self.tokenizer_name()
            with loading("tokenizer", name):
                self._tokenizer = AutoTokenizer.from_pretrained(
                    name, revision=self.options.revision
                )
        return self._tokenizer

    def tokenizer_name(self) -> str:
        """Which tokenizer cuts the passages (it decides where the cut falls)."""
        if self._tokenizer is None:
            return self.model_name()
        if isinstance(self._tokenizer, str):
            return self._tokenizer
        return getattr(self._tokenizer, "name_or_path", type(self._tokenizer).__name__)

    def truncate(self, text: str, tokens: int) -> str:
        """The first `tokens` tokens, rejoined by the tokenizer (llm-rankers `truncate`)."""
        tok = self.tokenizer()
        return tok.convert_tokens_to_string(tok.tokenize(text)[:tokens])

    def config(self) -> dict:
        return super().config() | {"tokenizer": self.tokenizer_name()}


class RankGPT(GenerativeListwise):
    meta = RerankerMeta(
        name="rankgpt",
        description="RankGPT listwise prompt (multi-turn, one passage per turn) on any chat model",
        model_id=None,
        accepts=GENERATIVE,
        citation="Sun et al. 2023, Is ChatGPT Good at Search? (sunnweiwei/RankGPT)",
    )
    prompts = {
        "system": RANKGPT_SYSTEM,
        "prefix": RANKGPT_PREFIX,
        "prefix_assistant": RANKGPT_PREFIX_ASSISTANT,
        "passage": RANKGPT_PASSAGE,
        "passage_assistant": RANKGPT_PASSAGE_ASSISTANT,
        "suffix": RANKGPT_SUFFIX,
    }
    prompt_version = "rankgpt-1"
    max_words = 300

    def prompt(self, window: Sequence[Candidate]) -> Prompt:
        p = self.prompts
        num = len(window)
        query = window[0].query
        messages = [
            {"role": "system", "content": p["system"]},
            {"role": "user", "content": p["prefix"].format(num=num, query=query)},
            {"role": "assistant", "content": p["prefix_assistant"]},
        ]
        for rank, c in enumerate(window, start=1):
            content = rankgpt_content(c.document, self.max_words)
            messages.append(
                {"role": "user", "content": p["passage"].format(rank=rank, content=content)}
            )
            received = p["passage_assistant"].format(rank=rank)
            messages.append({"role": "assistant", "content": received})
        messages.append({"role": "user", "content": p["suffix"].format(query=query, num=num)})
        return messages


class RankZephyr(GenerativeListwise):
    meta = RerankerMeta(
        name="rankzephyr",
        description="RankZephyr 7B listwise reranker (rank_llm prompt, [i] > [j] answers)",
        model_id="castorini/rank_zephyr_7b_v1_full",
        accepts=GENERATIVE,
        citation="Pradeep et al. 2023, RankZephyr (castorini/rank_llm)",
        published="22.64 over ReasonIR-8B GPT-4-reasoning top-100 (ReasonRank paper, Table 1)",
    )
    prompts = {
        "system": RANKZEPHYR_SYSTEM,
        "prefix": RANKZEPHYR_PREFIX,
        "passage": RANKZEPHYR_PASSAGE,
        "suffix": RANKZEPHYR_SUFFIX,
        "passage_words": "300 * 20 / window",
    }
    prompt_version = "rank_llm-zephyr-1"

    def prompt(self, window: Sequence[Candidate]) -> Prompt:
        p = self.prompts
        num = len(window)
        query = replace_number(window[0].query)
        words = rank_llm_max_words(num)
        text = p["prefix"].format(num=num, query=query)
        for rank, c in enumerate(window, start=1):
            content = rank_llm_content(c.document, words)
            text += p["passage"].format(rank=rank, content=content)
        text += p["suffix"].format(query=query, num=num)
        return [{"role": "system", "content": p["system"]}, {"role": "user", "content": text}]


class ReasonRank(ReasoningBudget, ModelTokenizer, GenerativeListwise):
    meta = RerankerMeta(
        name="reasonrank-7b",
        description="ReasonRank 7B: reasons in <think>, ranks in <answer> (listwise)",
        model_id="liuwenhan/reasonrank-7B",
        accepts=GENERATIVE,
        citation="Liu et al. 2025, ReasonRank (arXiv 2508.07050; 8421BCD/ReasonRank)",
        published="35.74 over ReasonIR-8B GPT-4-reasoning top-100 (ReasonRank paper, Table 1)",
    )
    prompts = {
        "system": REASONRANK_SYSTEM,
        "prefix": REASONRANK_PREFIX + "\n",
        "passage": REASONRANK_PASSAGE,
        "suffix": REASONRANK_SUFFIX,
    }
    prompt_version = "reasonrank-1"
    # A forced answer ranks 20 ids ("[i] > " is about 5 tokens each): the authors' 100.
    answer_tokens = 100
    # The authors' BRIGHT settings: reasoning_maxlen 3072 (+100 for the answer), passages cut to
    # 512 tokens of the model's own tokenizer (index_and_topics.DOC_MAXLEN), greedy decoding.
    default_max_new_tokens = 3072 + 100
    passage_tokens = 512

    def content(self, text: str) -> str:
        """ReasonRank `convert_doc_to_prompt_content(truncate_by_word=False)`: the first 512
        tokens, rejoined by the tokenizer, ids escaped."""
        from ftfy import fix_text

        return replace_number(self.truncate(fix_text(text.strip()), self.passage_tokens))

    def prompt(self, window: Sequence[Candidate]) -> Prompt:
        from ftfy import fix_text

        p = self.prompts
        num = len(window)
        query = replace_number(window[0].query).strip()
        text = p["prefix"].format(num=num, query=query)
        for rank, c in enumerate(window, start=1):
            text += p["passage"].format(rank=rank, content=self.content(c.document))
        text += p["suffix"].format(query=query, num=num)
        # The authors run ftfy over the rendered prompt; over the message text it is the same
        # repair, as the chat template's own markup has nothing for it to fix.
        return [
            {"role": "system", "content": p["system"]},
            {"role": "user", "content": fix_text(text)},
        ]

    def parse(self, text: str, n: int) -> tuple[list[int], RepairStats]:
        return parse_reasonrank(text, n)


class BrightListwise(GenerativeListwise):
    meta = RerankerMeta(
        name="bright-listwise",
        description="BRIGHT's own LLM reranker prompt (rerank.py): reasons, then a JSON id list",
        model_id=None,
        accepts=GENERATIVE,
        citation="Su et al. 2024, BRIGHT (arXiv 2407.12883), rerank.py",
        published="17.0 with GPT-4 over BM25 top-100 (BRIGHT paper; ../shared/spec/zoo.md)",
    )
    prompts = {"system": BRIGHT_SYSTEM, "passage": BRIGHT_PASSAGE, "prompt": BRIGHT_PROMPT}
    prompt_version = "bright-rerank-1"
    # The reference puts the whole top-k (input_k, 100 in the paper) in one prompt, with no
    # sliding window; window_size=100 reproduces that over a top-100 first stage.
    window_size = 100
    stride = 100
    default_max_new_tokens = 2048
    # rerank.py samples at temperature 0.8 and top_p 0.8.
    temperature = 0.8
    top_p = 0.8

    def prompt(self, window: Sequence[Candidate]) -> Prompt:
        p = self.prompts
        passages = "".join(
            p["passage"].format(rank=rank, content=re.sub("\n+", " ", c.document))
            for rank, c in enumerate(window, start=1)
        )
        query = window[0].query.replace("\n", "  ")
        text = p["prompt"].format(query=query, passages=passages, topk=len(window))
        return [{"role": "system", "content": p["system"]}, {"role": "user", "content": text}]

    def parse(self, text: str, n: int) -> tuple[list[int], RepairStats]:
        return parse_bright(text, n)
