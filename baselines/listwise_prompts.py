"""The listwise baselines' prompts, character for character as their authors wrote them (each
block names its source), kept as data apart from the code that fills them in."""

import re

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
