"""Stage 3, `annotate`: the teacher labels every (question, page) pair with an explanation, and
writes up to 10 search queries per question.

The teacher gets the authors' API prompt, greedy decoding, documents cut to 3,000 words, and
stops at " ##". Any backend serves it (`openai` for a served Llama-3.3-70B, `vllm`,
`transformers`). Outputs go through the reranking runner's cache, so a killed run resumes and
`--shard i/n` splits the questions over machines; the run without `--shard` merges the shards.
A pair whose answer cannot be parsed (the same parser `ours-3b` uses) is left unlabelled and
counted; SFT skips it. So is an answer cut off at the token limit (its label, if any, came from
the keyword fallback reading half an explanation), unless `keep_truncated`: then it keeps its
label and is marked `"truncated": true`. A query list cut off is dropped the same way (SFT then
has no query example for the question).
"""

from __future__ import annotations

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
    TEACHER_MAX_WORDS,
    parse_queries,
    parse_relevance,
    queries_prompt,
    question_text,
    relevance_prompt,
)
from bright_eval.distill.trainset import pages
from bright_eval.rerank.backends import GenerationParams
from bright_eval.rerank.base import Candidate, RerankerOptions
from bright_eval.rerank.cache import text_hash
from bright_eval.rerank.runner import RerankResult

QUERIES = "queries"


def parse_label(text: str):
    p = parse_relevance(text)
    return p.label, p.how, p.how not in FAILURES, {"explanation": p.explanation}


def parse_query_list(text: str):
    queries = parse_queries(text)
    return None, QUERIES if queries else "no-queries", bool(queries), {"queries": queries}


def label_job(options: RerankerOptions, max_new_tokens: int) -> GenerationJob:
    def prompt(c: Candidate):
        text = relevance_prompt("teacher", c.query, c.document, TEACHER_MAX_WORDS)
        return [{"role": "user", "content": text}]

    params = GenerationParams(max_new_tokens=max_new_tokens, temperature=0.0, stop=STOP)
    settings = {
        "prompt_sha": text_hash(PROMPTS["teacher"]),
        "max_words": TEACHER_MAX_WORDS,
        "chat_template_kwargs": {"date_string": DATE_STRING},
    }
    return GenerationJob("annotate-labels", options, params, prompt, parse_label, settings)


def queries_job(options: RerankerOptions, max_new_tokens: int) -> GenerationJob:
    def prompt(c: Candidate):
        return [{"role": "user", "content": queries_prompt(c.query)}]

    params = GenerationParams(max_new_tokens=max_new_tokens, temperature=0.0)
    settings = {
        "prompt_sha": text_hash(PROMPTS["queries"]),
        "chat_template_kwargs": {"date_string": DATE_STRING},
    }
    return GenerationJob("annotate-queries", options, params, prompt, parse_query_list, settings)


def pair_candidates(records: list[dict]) -> dict[str, list[Candidate]]:
    return {
        r["id"]: [
            Candidate(r["id"], question_text(r["question"]), page_id, page["text"], rank)
            for rank, (page_id, page) in enumerate(pages(r), 1)
        ]
        for r in records
    }


def question_candidates(records: list[dict]) -> dict[str, list[Candidate]]:
    return {
        r["id"]: [Candidate(r["id"], question_text(r["question"]), QUERIES, "", 1)] for r in records
    }


def annotate(
    records: list[dict],
    options: RerankerOptions,
    max_new_tokens: int = 1024,
    query_tokens: int = 512,
    run: RunOptions = DEFAULT_RUN,
    keep_truncated: bool = False,
) -> tuple[list[dict], dict]:
    """The labelled records, and counts (pairs, cached, parse failures by kind, answers cut off
    at the limit, answers left out of the training data, tokens)."""
    labels = label_job(options, max_new_tokens)
    queries = queries_job(options, query_tokens)
    share_backend([labels, queries])
    labelled = run_job(labels, pair_candidates(records), "annotate-labels", run)
    asked = run_job(queries, question_candidates(records), "annotate-queries", run)
    by_pair, by_question = outputs_by_pair(labelled), outputs_by_pair(asked)
    out = []
    for r in records:
        r = {**r, "links": [dict(x) for x in r["links"]]}
        if r.get("other_document"):
            r["other_document"] = dict(r["other_document"])
        for page_id, page in pages(r):
            o = by_pair[r["id"], page_id]
            page.pop("label", None)  # a label from an earlier annotation is not this teacher's
            page.pop("truncated", None)
            if usable(o, keep_truncated):
                page["label"], page["explanation"] = o["label"], o["details"]["explanation"]
                if truncated(o):
                    page["truncated"] = True
        q = by_question[r["id"], QUERIES]
        r["generated_queries"] = q["details"]["queries"] if usable(q, keep_truncated) else []
        out.append(r)
    counts = {"labels": answer_counts(labelled, keep_truncated),
              "queries": answer_counts(asked, keep_truncated)}  # fmt: skip
    return out, counts


def usable(output: dict, keep_truncated: bool) -> bool:
    """A teacher answer that goes into the training data: parsed, and finished (or kept)."""
    return output["parsed"] and (keep_truncated or not truncated(output))


def answer_counts(result: RerankResult, keep_truncated: bool) -> dict:
    """The job's counts, with the answers cut off at the token limit and those left out of the
    training data (unparsed, or cut off unless kept)."""
    return {
        **stats_dict(result.stats),
        "truncated": sum(truncated(o) for o in result.outputs),
        "left_out": sum(not usable(o, keep_truncated) for o in result.outputs),
    }
