"""Making ours-3b: the InteRank recipe, from StackExchange questions and the pages their answers
link to, through a teacher's annotations, to a LoRA adapter for `--reranker ours-3b`.

Stages, one module each, run by `python -m bright_eval distill <stage>`: `collect` (with
`fetch`), `decontaminate`, `annotate`, `sft`, `sample`, `score`, `refine`. Every stage leaves a
record (`records.py`); the prompts are InteRank's
(`bright_eval.rerank.interank_format`).
"""
