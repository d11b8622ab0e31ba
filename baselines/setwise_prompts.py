"""Rank-R1's setwise prompt, character for character as its authors wrote it, kept as data apart
from the code that fills it in: `ielab/llm-rankers` @ a5ee1a974e311e9704a4b1176ea37fa09bb7e08d,
`Rank-R1/prompts/prompt_setwise-R1.toml` (the prompt file the README's BRIGHT command uses)."""

RANKR1_SYSTEM = (
    "A conversation between User and Assistant. The user asks a question, and the Assistant "
    "solves it. The assistant first thinks about the reasoning process in the mind and then "
    "provides the user with the answer. The reasoning process and answer are enclosed within "
    "<think> </think> and <answer> </answer> tags, respectively, i.e., <think> reasoning process "
    "here </think> <answer> answer here </answer>."
)
RANKR1_USER = (
    'Given the query: "{query}", which of the following documents is most relevant?\n'
    "{docs}\n"
    "After completing the reasoning process, please provide only the label of the most relevant "
    "document to the query, enclosed in square brackets, within the answer tags. For example, if "
    "the third document is the most relevant, the answer should be: <think> reasoning process "
    "here </think> <answer>[3]</answer>."
)
RANKR1_DOC = "[{label}] {text}"  # joined by "\n" (run_setwise.py `compare`)
RANKR1_PATTERN = r"<think>.*?</think>\s*<answer>(.*?)</answer>"
