"""Listwise rerankers: RankGPT, RankZephyr, ReasonRank and BRIGHT's own GPT-4 reranker.

Each sees one window of candidates numbered [1]..[n] and answers with a permutation. The runner
slides the windows (`ListwiseReranker.window_starts`); this module builds each window's prompt,
generates, and parses the answer, repairing it the way RankGPT's `receive_permutation` does:
duplicates and unknown ids dropped, missing ids appended in input order. Every repair is counted
in `self.stats`, and a window whose answer could not be found at all falls back to the input order
and is counted as such, never scored as if the model had answered.

Prompts are the authors' text, character for character (sources named on each class).
"""

from __future__ import annotations

import json
import re
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from bright_eval.rerank.backends.base import GenerationParams, Prompt, loading
from bright_eval.rerank.base import Candidate, ListwiseReranker, Permutation, RerankerOptions
from bright_eval.rerank.generative import GenerativeMixin

# --- prompts -----------------------------------------------------------------------------------

# RankGPT (sunnweiwei/RankGPT `get_prefix_prompt` / `get_post_prompt`; castorini/rank_llm
# rank_gpt_template.yaml): a multi-turn conversation, one user turn per passage.
RANKGPT_SYSTEM = (
    "You are RankGPT, an intelligent assistant that can rank passages based on their "
    "relevancy to the query."
)
RANKGPT_PREFIX = (
    "I will provide you with {num} passages, each indicated by number identifier []. \n"
    "Rank the passages based on their relevance to query: {query}."
)
RANKGPT_PREFIX_ASSISTANT = "Okay, please provide the passages."
RANKGPT_PASSAGE = "[{rank}] {content}"
RANKGPT_PASSAGE_ASSISTANT = "Received passage [{rank}]."
RANKGPT_SUFFIX = (
    "Search Query: {query}. \nRank the {num} passages above based on their relevance to the "
    "search query. The passages should be listed in descending order using identifiers. The most "
    "relevant passages should be listed first. The output format should be [] > [], e.g., "
    "[1] > [2]. Only response the ranking results, do not say any word or explain."
)

# RankZephyr (castorini/rank_llm `RankListwiseOSLLM._add_prefix_prompt/_add_post_prompt`, the
# prompt the model was trained with; variable_passages=True gives the "[2] > [1]" example).
RANKZEPHYR_SYSTEM = (
    "You are RankLLM, an intelligent assistant that can rank passages based on their "
    "relevancy to the query"
)
RANKZEPHYR_PREFIX = (
    "I will provide you with {num} passages, each indicated by a numerical identifier []. "
    "Rank the passages based on their relevance to the search query: {query}.\n"
)
RANKZEPHYR_PASSAGE = "[{rank}] {content}\n"
RANKZEPHYR_SUFFIX = (
    "Search Query: {query}.\nRank the {num} passages above based on their relevance to the "
    "search query. All the passages should be included and listed using identifiers, in "
    "descending order of relevance. The output format should be [] > [], e.g., [2] > [1], "
    "Only respond with the ranking results, do not say any word or explain."
)

# ReasonRank (8421BCD/ReasonRank `listwise_prompt_r1.toml` system_prompt_reasoning,
# utils.add_prefix_prompt / add_post_prompt for prompt_mode rank_GPT_reasoning); the user turn
# is prefix + "\n" + one "[i] passage\n" line per passage + suffix.
REASONRANK_SYSTEM = (
    "You are RankLLM, an intelligent assistant that can rank passages based on their relevance "
    "to the query. Given a query and a passage list, you first thinks about the reasoning "
    "process in the mind and then provides the answer (i.e., the reranked passage list). The "
    "reasoning process and answer are enclosed within <think> </think> and <answer> </answer> "
    "tags, respectively, i.e., <think> reasoning process here </think> <answer> answer here "
    "</answer>."
)
REASONRANK_PREFIX = RANKZEPHYR_PREFIX
REASONRANK_PASSAGE = "[{rank}] {content}\n"
REASONRANK_SUFFIX = (
    "Search Query: {query}.\nRank the {num} passages above based on their relevance to the "
    "search query. All the passages should be included and listed using identifiers, in "
    "descending order of relevance. The format of the answer should be [] > [], e.g., [2] > [1]."
)
REASONRANK_ANSWER = re.compile(r"<think>.*?</think>\s*<answer>(.*?)</answer>", re.DOTALL)

# BRIGHT's own LLM reranker (xlang-ai/BRIGHT rerank.py, `OpenAIModel.rerank`).
BRIGHT_SYSTEM = "You are a helpful assistant"
BRIGHT_PASSAGE = "[{rank}]. {content}\n\n"
BRIGHT_PROMPT = (
    "The following passages are related to query: {query}\n\n"
    "{passages}"
    "First identify the essential problem in the query.\n"
    "Think step by step to reason about why each document is relevant or irrelevant.\n"
    "Rank these passages based on their relevance to the query.\n"
    "Please output the ranking result of passages as a list, where the first element is the id "
    "of the most relevant passage, the second element is the id of the second most element, "
    "etc.\n"
    "Please strictly follow the format to output a list of {topk} ids corresponding to the most "
    "relevant {topk} passages, sorted from the most to least relevant passage. First think step "
    "by step and write the reasoning process, then output the ranking results as a list of ids "
    "in a json format."
)
BRIGHT_JSON = re.compile(r"(?:```json\s*)(.+)(?:```)", re.DOTALL)

# --- parsing and repair ------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedPermutation:
    """A window's answer as positions (0-based), with what had to be repaired to get there."""

    order: list[int]
    duplicates: int = 0  # ids the model repeated (later copies dropped)
    unknown: int = 0  # ids outside 1..n (dropped)
    missing: int = 0  # ids the model left out (appended in input order)
    no_answer: bool = False  # no answer found at all: the input order is kept

    @property
    def repaired(self) -> bool:
        return self.no_answer or bool(self.duplicates or self.unknown or self.missing)


def repair(ids: Sequence[int], n: int) -> ParsedPermutation:
    """1-based ids as the model gave them -> a full permutation of range(n)."""
    order: list[int] = []
    seen: set[int] = set()
    duplicates = unknown = 0
    for i in ids:
        position = i - 1
        if not 0 <= position < n:
            unknown += 1
        elif position in seen:
            duplicates += 1
        else:
            seen.add(position)
            order.append(position)
    missing = [p for p in range(n) if p not in seen]
    return ParsedPermutation(order + missing, duplicates, unknown, len(missing))


def ids_in(text: str) -> list[int]:
    """Every run of digits, in order: RankGPT's `clean_response` reads "[3] > [1]" as 3, 1."""
    return [int(x) for x in re.findall(r"\d+", text)]


def parse_ranking(text: str, n: int) -> ParsedPermutation:
    """RankGPT / RankZephyr answers: `[i] > [j] > ...`, read as every number in the text."""
    if "</think>" in text:  # rank_llm reads only what follows a reasoning block
        text = text.split("</think>")[-1]
    ids = ids_in(text)
    if not ids:
        return ParsedPermutation(list(range(n)), missing=n, no_answer=True)
    return repair(ids, n)


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


def parse_reasonrank(text: str, n: int) -> ParsedPermutation:
    answer = reasonrank_answer(text)
    if answer is None:
        return ParsedPermutation(list(range(n)), missing=n, no_answer=True)
    return parse_ranking(answer, n)


def parse_bright(text: str, n: int) -> ParsedPermutation:
    """BRIGHT's `parse_json`: the last ```json block, a list of 1-based ids. Anything else
    (no block, invalid JSON, not a list) is a failed answer and keeps the input order, as the
    reference does ("use the original ranks if fail")."""
    matches = BRIGHT_JSON.findall(text)
    try:
        answer = json.loads(matches[-1].strip()) if matches else None
    except json.JSONDecodeError:
        answer = None
    if not isinstance(answer, list):
        return ParsedPermutation(list(range(n)), missing=n, no_answer=True)
    ids = [x for x in answer if isinstance(x, int) and not isinstance(x, bool)]
    non_ids = len(answer) - len(ids)
    parsed = repair(ids, n)
    return ParsedPermutation(
        parsed.order, parsed.duplicates, parsed.unknown + non_ids, parsed.missing
    )


@dataclass
class RepairStats:
    """Counts over every window this reranker answered, for the run's report."""

    windows: int = 0
    repaired: int = 0
    no_answer: int = 0
    duplicates: int = 0
    unknown: int = 0
    missing: int = 0

    def add(self, parsed: ParsedPermutation) -> None:
        self.windows += 1
        self.repaired += parsed.repaired
        self.no_answer += parsed.no_answer
        self.duplicates += parsed.duplicates
        self.unknown += parsed.unknown
        self.missing += parsed.missing

    def to_json(self) -> dict:
        return asdict(self)


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


class GenerativeListwise(GenerativeMixin, ListwiseReranker):
    """A listwise reranker that prompts a generation backend once per window."""

    default_max_new_tokens = 200
    temperature = 0.0
    top_p = 1.0

    def __init__(
        self,
        options: RerankerOptions | None = None,
        window_size: int | None = None,
        stride: int | None = None,
    ):
        super().__init__(options)
        self.model_name()  # a family with no default model fails now, not after the first stage
        if window_size is not None:
            self.window_size = window_size
        if stride is not None:
            self.stride = stride
        self.stats = RepairStats()

    def params(self) -> GenerationParams:
        return GenerationParams(
            max_new_tokens=self.max_new_tokens, temperature=self.temperature, top_p=self.top_p
        )

    @abstractmethod
    def prompt(self, window: Sequence[Candidate]) -> Prompt:
        """The chat prompt for one window; the query is the window's (all one query's)."""

    def parse(self, text: str, n: int) -> ParsedPermutation:
        return parse_ranking(text, n)

    def permute(self, windows: Sequence[Sequence[Candidate]]) -> list[Permutation]:
        prompts = [self.prompt(w) for w in windows]
        generations = self.backend.generate(prompts, self.params())
        permutations = []
        for window, generation in zip(windows, generations, strict=True):
            parsed = self.parse(generation.text, len(window))
            self.stats.add(parsed)
            permutations.append(
                Permutation(
                    order=parsed.order,
                    repaired=parsed.repaired,
                    raw=generation.text,
                    # Kept per window, so the report can say what each repair was.
                    details={
                        "duplicates": parsed.duplicates,
                        "unknown": parsed.unknown,
                        "missing": parsed.missing,
                        "no_answer": parsed.no_answer,
                    },
                    prompt_tokens=generation.prompt_tokens,
                    generated_tokens=generation.generated_tokens,
                )
            )
        return permutations

    def config(self) -> dict:
        return (
            super().config()
            | self.generation_config()
            | {
                "window_size": self.window_size,
                "stride": self.stride,
                "temperature": self.temperature,
                "top_p": self.top_p,
                "prompt": self.prompt_template(),
            }
        )

    @abstractmethod
    def prompt_template(self) -> dict:
        """The prompt text (with placeholders) so a change of wording changes the config."""


class RankGPT(GenerativeListwise):
    name = "rankgpt"
    description = "RankGPT listwise prompt (multi-turn, one passage per turn) on any chat model"
    model_id = None  # any chat model: pass --model
    prompt_version = "rankgpt-1"
    max_words = 300

    def prompt(self, window: Sequence[Candidate]) -> Prompt:
        num = len(window)
        query = window[0].query
        messages = [
            {"role": "system", "content": RANKGPT_SYSTEM},
            {"role": "user", "content": RANKGPT_PREFIX.format(num=num, query=query)},
            {"role": "assistant", "content": RANKGPT_PREFIX_ASSISTANT},
        ]
        for rank, c in enumerate(window, start=1):
            content = rankgpt_content(c.document, self.max_words)
            messages.append(
                {"role": "user", "content": RANKGPT_PASSAGE.format(rank=rank, content=content)}
            )
            received = RANKGPT_PASSAGE_ASSISTANT.format(rank=rank)
            messages.append({"role": "assistant", "content": received})
        messages.append({"role": "user", "content": RANKGPT_SUFFIX.format(query=query, num=num)})
        return messages

    def prompt_template(self) -> dict:
        return {
            "system": RANKGPT_SYSTEM,
            "prefix": RANKGPT_PREFIX,
            "prefix_assistant": RANKGPT_PREFIX_ASSISTANT,
            "passage": RANKGPT_PASSAGE,
            "passage_assistant": RANKGPT_PASSAGE_ASSISTANT,
            "suffix": RANKGPT_SUFFIX,
            "passage_words": self.max_words,
        }


class RankZephyr(GenerativeListwise):
    name = "rankzephyr"
    description = "RankZephyr 7B listwise reranker (rank_llm prompt, [i] > [j] answers)"
    model_id = "castorini/rank_zephyr_7b_v1_full"
    prompt_version = "rank_llm-zephyr-1"

    def prompt(self, window: Sequence[Candidate]) -> Prompt:
        num = len(window)
        query = replace_number(window[0].query)
        words = rank_llm_max_words(num)
        text = RANKZEPHYR_PREFIX.format(num=num, query=query)
        for rank, c in enumerate(window, start=1):
            content = rank_llm_content(c.document, words)
            text += RANKZEPHYR_PASSAGE.format(rank=rank, content=content)
        text += RANKZEPHYR_SUFFIX.format(query=query, num=num)
        return [{"role": "system", "content": RANKZEPHYR_SYSTEM}, {"role": "user", "content": text}]

    def prompt_template(self) -> dict:
        return {
            "system": RANKZEPHYR_SYSTEM,
            "prefix": RANKZEPHYR_PREFIX,
            "passage": RANKZEPHYR_PASSAGE,
            "suffix": RANKZEPHYR_SUFFIX,
            "passage_words": "300 * 20 / window",
        }


class ReasonRank(GenerativeListwise):
    name = "reasonrank-7b"
    description = "ReasonRank 7B: reasons in <think>, ranks in <answer> (listwise)"
    model_id = "liuwenhan/reasonrank-7B"
    prompt_version = "reasonrank-1"
    # The authors' BRIGHT settings: reasoning_maxlen 3072 (+100 for the answer), passages cut to
    # 512 tokens of the model's own tokenizer (index_and_topics.DOC_MAXLEN), greedy decoding.
    default_max_new_tokens = 3072 + 100
    passage_tokens = 512

    def __init__(self, options: RerankerOptions | None = None, tokenizer=None, **windows):
        super().__init__(options, **windows)
        self._tokenizer = tokenizer  # an object or a path; loaded from the model id if None

    def tokenizer(self):
        if self._tokenizer is None or isinstance(self._tokenizer, str):
            from transformers import AutoTokenizer

            name = self._tokenizer or self.model_name()
            with loading("tokenizer", name):
                self._tokenizer = AutoTokenizer.from_pretrained(
                    name, revision=self.options.revision
                )
        return self._tokenizer

    def tokenizer_name(self) -> str:
        """Which tokenizer cuts the passages (it decides where 512 tokens end)."""
        if self._tokenizer is None:
            return self.model_name()
        if isinstance(self._tokenizer, str):
            return self._tokenizer
        return getattr(self._tokenizer, "name_or_path", type(self._tokenizer).__name__)

    def content(self, text: str) -> str:
        """ReasonRank `convert_doc_to_prompt_content(truncate_by_word=False)`: the first 512
        tokens, rejoined by the tokenizer, ids escaped."""
        from ftfy import fix_text

        tok = self.tokenizer()
        tokens = tok.tokenize(fix_text(text.strip()))[: self.passage_tokens]
        return replace_number(tok.convert_tokens_to_string(tokens))

    def prompt(self, window: Sequence[Candidate]) -> Prompt:
        from ftfy import fix_text

        num = len(window)
        query = replace_number(window[0].query).strip()
        text = REASONRANK_PREFIX.format(num=num, query=query) + "\n"
        for rank, c in enumerate(window, start=1):
            text += REASONRANK_PASSAGE.format(rank=rank, content=self.content(c.document))
        text += REASONRANK_SUFFIX.format(query=query, num=num)
        # The authors run ftfy over the rendered prompt; over the message text it is the same
        # repair, as the chat template's own markup has nothing for it to fix.
        return [
            {"role": "system", "content": REASONRANK_SYSTEM},
            {"role": "user", "content": fix_text(text)},
        ]

    def parse(self, text: str, n: int) -> ParsedPermutation:
        return parse_reasonrank(text, n)

    def prompt_template(self) -> dict:
        return {
            "system": REASONRANK_SYSTEM,
            "prefix": REASONRANK_PREFIX + "\n",
            "passage": REASONRANK_PASSAGE,
            "suffix": REASONRANK_SUFFIX,
            "passage_tokens": self.passage_tokens,
            "tokenizer": self.tokenizer_name(),
        }


class BrightListwise(GenerativeListwise):
    name = "bright-listwise"
    description = "BRIGHT's own LLM reranker prompt (rerank.py): reasons, then a JSON id list"
    model_id = None  # the paper used GPT-4 through the OpenAI API
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
        passages = "".join(
            BRIGHT_PASSAGE.format(rank=rank, content=re.sub("\n+", " ", c.document))
            for rank, c in enumerate(window, start=1)
        )
        query = window[0].query.replace("\n", "  ")
        text = BRIGHT_PROMPT.format(query=query, passages=passages, topk=len(window))
        return [{"role": "system", "content": BRIGHT_SYSTEM}, {"role": "user", "content": text}]

    def parse(self, text: str, n: int) -> ParsedPermutation:
        return parse_bright(text, n)

    def prompt_template(self) -> dict:
        return {"system": BRIGHT_SYSTEM, "passage": BRIGHT_PASSAGE, "prompt": BRIGHT_PROMPT}
