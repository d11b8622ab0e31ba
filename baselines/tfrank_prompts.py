"""TFRank's prompt, character for character as its authors wrote it, kept as data apart from the
code that fills it in: `JOHNNY-fans/TFRank` @ 18765965443e1a57c5444fad5b55026a8a9d14bf,
`evaluation/run_eval.py` (`build_completion_prompt`, the system prompt in `main`, the retry
sentence) and, for the instruction, `evaluation/tfrank_demo.py` (`_build_input`, commit
d82bdfdccb2a936ec76ad80416379f1b25aa943a), which matches the training samples in
`datasets_example/` character for character."""

TFRANK_SYSTEM = (
    "Based on the relevance of the Documents to the Query and the Instruct "
    "provided to complete the task."
)

TFRANK_INPUT = (
    "<Instruct>: Please judge the relevance strength between the query and the "
    "document, and directly output the relevance judgment (yes or no), followed by "
    "the relevance score in parentheses, e.g., yes(score) or no(score).\n"
    "\n"
    "\n"
    "- Relevance scores are represented by numbers from 0 to 4, with the following "
    "meanings:\n"
    "0 means completely irrelevant,\n"
    "1 means weakly relevant,\n"
    "2 means moderately relevant,\n"
    "3 means strongly relevant,\n"
    "4 means completely relevant.\n"
    "\n"
    "- For binary relevance judgment (yes or no), the rule is:\n"
    'Scores 0 and 1 are considered irrelevant and represented as "no",\n'
    'Scores 2, 3, and 4 are considered relevant and represented as "yes".\n'
    "\n"
    "\n"
    "<Query>: {query}\n"
    "\n"
    "\n"
    "<Document>: {document}"
)

TFRANK_RETRY = (
    "\n"
    "Please directly output the relevance judgment (yes or no), followed by the "
    "relevance score in parentheses, e.g., yes(score) or no(score)."
)
# `build_completion_prompt` for a reasoning model in no-think mode: the chat markup written out
# by hand (the system turn keeps a newline before <|im_end|>, which Qwen3's template does not).
TFRANK_COMPLETION = (
    "<|im_start|>system\n{system}\n<|im_end|>\n"
    "<|im_start|>user\n{input} /no think\n<|im_end|>\n"
    "<|im_start|>assistant\n<think>\n\n</think>\n\n"
)
TFRANK_YES = ("yes", "Yes", "YES")
TFRANK_NO = ("no", "No", "NO")
TFRANK_LABEL_OPENERS = ("yes(", "no(", "yes (", "no (", "Yes(", "No(", "Yes (", "No (")
TFRANK_LABELS = ("0", "1", "2", "3", "4")
