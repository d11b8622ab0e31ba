"""Stage 5, `sample`: the SFT student answers each labelled pair of other questions k = 8 times
at temperature 1.0, the candidates that `score` rates against the teacher's answer.

Sample j is drawn with seed j (one cached pass per seed), so the k answers differ on every
backend, a rerun reproduces them (with transformers, which seeds a batch rather than a request,
only with the same batches: `--batch-size` and engine), and a killed run resumes. The student
sees its training prompt (documents cut to 4,000 words). The questions must be ones the SFT
adapter never saw (the authors sample on questions 5,000-10,000): the adapter's list of trained
ids is checked.
"""

from __future__ import annotations

from pathlib import Path

from bright_eval.distill.jobs import (
    DEFAULT_RUN,
    GenerationJob,
    RunOptions,
    outputs_by_pair,
    run_job,
    share_backend,
    stats_dict,
    truncated,
)
from bright_eval.distill.prompts import (
    DATE_STRING,
    FAILURES,
    PROMPTS,
    STOP,
    TRAIN_MAX_WORDS,
    parse_relevance,
    question_text,
    relevance_prompt,
    relevance_target,
)
from bright_eval.distill.records import DistillError, path_hash
from bright_eval.distill.sft import trained_question_ids
from bright_eval.distill.trainset import pages
from bright_eval.rerank.backends import GenerationParams
from bright_eval.rerank.base import Candidate, RerankerOptions
from bright_eval.rerank.cache import text_hash
from bright_eval.rerank.runner import RerankStats


def canonical(text: str) -> tuple[str, int | None, str]:
    """A sampled answer in the target form `{explanation}\\n\\nRelevance Label: {label} ##`,
    its label and how it parsed. An unparseable answer stays as the student wrote it, with no
    label: rewriting it with the parser's fallback 0 would make a training target of a label
    the student never gave."""
    p = parse_relevance(text)
    if p.how in FAILURES:
        return text, None, p.how
    return relevance_target(p.explanation, p.label), p.label, p.how


def parse_sample(text: str):
    _, label, how = canonical(text)
    return label, how, how not in FAILURES, {}


def sample_job(
    options: RerankerOptions, seed: int, temperature: float, max_new_tokens: int, adapter_sha: str
):
    def prompt(c: Candidate):
        return [
            {
                "role": "user",
                "content": relevance_prompt("train", c.query, c.document, TRAIN_MAX_WORDS),
            }
        ]

    params = GenerationParams(
        max_new_tokens=max_new_tokens, temperature=temperature, stop=STOP, seed=seed
    )
    settings = {
        "prompt_sha": text_hash(PROMPTS["train"]),
        "max_words": TRAIN_MAX_WORDS,
        "chat_template_kwargs": {"date_string": DATE_STRING},
        "adapter_sha": adapter_sha,  # a retrained adapter in the same folder is a new student
    }
    return GenerationJob("sample", options, params, prompt, parse_sample, settings)


def labelled_pairs(records: list[dict]) -> dict[str, list[Candidate]]:
    out = {}
    for r in records:
        q = question_text(r["question"])
        cands = [
            Candidate(r["id"], q, page_id, page["text"], rank)
            for rank, (page_id, page) in enumerate(pages(r), 1)
            if page.get("label") is not None
        ]
        if cands:
            out[r["id"]] = cands
    return out


def check_labelled(records: list[dict], where: str) -> None:
    """Sampling needs the teacher's labels: a file without any would give an empty output."""
    if not any(page.get("label") is not None for r in records for _, page in pages(r)):
        raise DistillError(
            f"{where}: no page has a teacher label; sample needs the output of distill annotate"
        )


def check_disjoint(records: list[dict], adapter: str | None) -> None:
    trained = trained_question_ids(adapter) if adapter else None
    overlap = trained & {r["id"] for r in records} if trained else set()
    if overlap:
        raise DistillError(
            f"{len(overlap)} of the questions to sample on were in the SFT data (e.g. id "
            f"{sorted(overlap)[0]}); pick a disjoint slice with --questions START:END"
        )


def sample(
    records: list[dict],
    options: RerankerOptions,
    k: int = 8,
    temperature: float = 1.0,
    max_new_tokens: int = 1024,
    run: RunOptions = DEFAULT_RUN,
) -> tuple[list[dict], dict]:
    """One row per labelled pair: question, document, the teacher's answer, k student answers."""
    check_disjoint(records, options.adapter)
    candidates = labelled_pairs(records)
    local = options.adapter and Path(options.adapter).is_dir()
    adapter_sha = path_hash(options.adapter) if local else options.adapter
    jobs = [
        sample_job(options, seed, temperature, max_new_tokens, adapter_sha) for seed in range(k)
    ]
    share_backend(jobs)
    passes, total = [], RerankStats()
    for job in jobs:
        result = run_job(job, candidates, "sample", run)
        passes.append(outputs_by_pair(result))
        total.add(result.stats)
    rows = []
    for r in records:
        for page_id, page in pages(r):
            if page.get("label") is None:
                continue
            samples = []
            for outputs in passes:
                o = outputs[r["id"], page_id]
                text, label, how = canonical(o["raw"] or "")
                parsed, cut = label is not None, truncated(o)
                samples.append(
                    {"text": text, "label": label, "parse": how, "parsed": parsed, "truncated": cut}
                )
            rows.append(
                {
                    "question_id": r["id"],
                    "page": page_id,
                    "question": question_text(r["question"]),
                    "document": page["text"],
                    "teacher_label": page["label"],
                    "teacher": relevance_target(page.get("explanation", ""), page["label"]),
                    "teacher_truncated": bool(page.get("truncated")),  # kept by annotate
                    "samples": samples,
                }
            )
    counts = stats_dict(total)
    del counts["how_parsed"]  # each sample's parse is in its row; score rates them all anyway
    # Every sample is scored (the reward is normalised over all of a pair's candidates, as the
    # authors do); refine leaves the unparsed and cut-off ones out of training.
    cut = sum(s["truncated"] for row in rows for s in row["samples"])
    return rows, {"pairs": len(rows), "k": k, **counts, "truncated": cut}
