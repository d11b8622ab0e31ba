"""Rearank's listwise prompt, character for character as its authors wrote it (the missing
spaces after "query." and the indented last turn included), kept as data apart from the code
that fills it in: `lezhang7/Rearank` @ abb4bd024b1ec65567f2a86195a62c3573d90d54, `rank_gpt.py`
(`create_permutation_instruction_rearank`, `clean_response`)."""

import re

REARANK_SYSTEM = (
    "You are DeepRerank, an intelligent assistant that can rank passages based on "
    "their relevancy to the search query. You first thinks about the reasoning "
    "process in the mind and then provides the user with the answer."
)

REARANK_INSTRUCTION = (
    "I will provide you with passages, each indicated by number identifier []. "
    "Rank the passages based on their relevance to the search query.Search Query: "
    "{query}. \n"
    "Rank the {num} passages above based on their relevance to the search "
    "query.The passages should be listed in descending order using identifiers. "
    "The most relevant passages should be listed first. The output format should "
    "be <answer> [] > [] </answer>, e.g., <answer> [1] > [2] </answer>."
)

REARANK_SUFFIX = (
    "Please rank these passages according to their relevance to the search query: "
    '"{query}"\n'
    "            Follow these steps exactly:\n"
    "            1. First, within <think> tags, analyze EACH passage individually:\n"
    "            - Evaluate how well it addresses the query\n"
    "            - Note specific relevant information or keywords\n"
    "\n"
    "            2. Then, within <answer> tags, provide ONLY the final ranking in "
    "descending order of relevance using the format: [X] > [Y] > [Z]"
)
REARANK_ACK = "Okay, please provide the passages."
REARANK_PASSAGE = "[{rank}] {content}"  # one user turn per passage, then REARANK_RECEIVED
REARANK_RECEIVED = "Received passage [{rank}]."
REARANK_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)
