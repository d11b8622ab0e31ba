"""GroupRank's prompts, character for character as their authors wrote them, kept as data apart
from the code that fills them in: `AQ-MedAI/Diver` @ 95b111b0adad85bf388e628b9073552055f6f408,
`Reranker/rerank_groupwise.py` (`GroupReranker.group_system_prompt`, `group_user_prompt`, a
`str.format` template: the doubled braces are its literal ones)."""

import re

GROUPRANK_SYSTEM = (
    "Your task is to evaluate and rank documents based on how well they help "
    "answer the given query. Follow this evaluation priority:\n"
    "1. PRIMARY: Usefulness & Helpfulness - Does the document provide actionable "
    "information, solutions, or direct answers that help address the user's needs?\n"
    "2. SECONDARY: Relevance - Does the document contain information related to "
    "the query topic?\n"
    "\n"
    "Evaluation Process:\n"
    "1. First, identify the user's core intent and what kind of help they need "
    "from the query\n"
    "2. For each document, assess:\n"
    "   - How directly it addresses the user's intent\n"
    "   - What actionable information or answers it provides\n"
    "   - How much it helps solve the user's problem or need\n"
    "3. Compare documents against each other to ensure proper ranking\n"
    "4. Assign scores that reflect the relative usefulness ranking\n"
    "\n"
    "Scoring Scale (0-10):\n"
    "- 9-10: Extremely helpful, directly answers the query with actionable information\n"
    "- 7-8: Very helpful, provides substantial useful information for the query\n"
    "- 5-6: Moderately helpful, contains some useful information but incomplete\n"
    "- 3-4: Minimally helpful, limited useful information despite topic relevance\n"
    "- 1-2: Barely helpful, mentions related topics but provides little useful "
    "information\n"
    "- 0: Not helpful at all, cannot assist with answering the query\n"
)

GROUPRANK_USER = (
    "I will provide you {TOPK} documents, each indicated by a numerical identifier "
    "[]. Score these documents based on their Usefulness and Relevance to the query.\n"
    "Query:\n"
    "{QUERY}\n"
    "\n"
    "Documents:\n"
    "{PASSAGES}\n"
    "\n"
    "## Final Output Format\n"
    "You must structure your response in exactly two parts: provide your brief "
    "reasoning process first, then output final scores in JSON format like below, "
    "with document IDs as string keys and integer scores as values for all {TOPK} "
    "documents. \n"
    "The reasoning process and answer are enclosed within <reason> </reason> and "
    "<answer> </answer> tags, respectively. Do NOT output anything outside the "
    "specified tags. Follow this exact format:\n"
    "<reason> \n"
    "[Analyze each document's usefulness and relevance to the query, explaining "
    "your scoring rationale]\n"
    "</reason>\n"
    "<answer> \n"
    "```json\n"
    '{{"[1]": 5, "[2]": 3, "[3]": 8}}\n'
    "``` \n"
    "</answer>\n"
)
GROUPRANK_DOC = "[{}]. {}\n\n"  # joined with "" into {PASSAGES} (`prepare_groups_one_epoch`)
GROUPRANK_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)
GROUPRANK_JSON_BLOCK = re.compile(r"(?:```json\s*)([\s\S]+?)(?:\s*```)")
GROUPRANK_JSON_BARE = re.compile(r"\{[\s\S]*?\}")
