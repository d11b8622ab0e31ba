"""A stage's model calls as an unregistered pointwise "reranker", so that the reranking runner
and its output cache give the distillation stages batching across questions, resumption after a
kill, shards and parse-failure counts with no code of their own.

Each stage sends all its generation through `run_job`, which hands the model work to an engine
(`bright_eval.engines`: this process, or Ray actors), as the pipeline does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bright_eval.engines import Engine
from bright_eval.pipeline.spec import Shard
from bright_eval.rerank.backends import GenerationParams
from bright_eval.rerank.base import Candidate, Judgement, PointwiseReranker, RerankerOptions
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.generative import GenerativeMixin
from bright_eval.rerank.meta import GENERATIVE, RerankerMeta
from bright_eval.rerank.runner import RerankResult, RerankStats, rerank

# What a job makes of a model's text: (label or None, how it parsed, parsed at all, details).
Parser = Callable[[str], tuple[int | None, str, bool, dict]]
Messages = list[dict[str, str]]


class GenerationJob(GenerativeMixin, PointwiseReranker):
    # No name: never registered, a stage's job rather than a reranker the pipeline offers.
    meta = RerankerMeta(name="", accepts=GENERATIVE)

    def __init__(
        self,
        stage: str,
        options: RerankerOptions,
        params: GenerationParams,
        prompt: Callable[[Candidate], Messages],
        parse: Parser,
        settings: dict,
    ):
        super().__init__(options)
        self.stage, self.params, self.prompt, self.parse = stage, params, prompt, parse
        self.job_settings = settings  # prompt hash, truncation: whatever else changes the outputs
        self.chat_template_kwargs = dict(settings.get("chat_template_kwargs", {}))

    @property
    def max_new_tokens(self) -> int:
        return self.params.max_new_tokens

    def config(self) -> dict:
        return {
            "stage": self.stage,
            **self.generation_config(),
            **self.job_settings,
            "params": repr(self.params),
        }

    def judge(self, candidates: Sequence[Candidate]) -> list[Judgement]:
        generations = self.backend.generate([self.prompt(c) for c in candidates], self.params)
        judgements = []
        for g in generations:
            label, how, ok, details = self.parse(g.text)
            # The backend's finish reason where it gives one, else the token count.
            hit_limit = (g.finish_reason == "length" if g.finish_reason
                         else g.generated_tokens >= self.params.max_new_tokens)  # fmt: skip
            judgements.append(
                Judgement(
                    score=float(label or 0),
                    parsed=ok,
                    label=label,
                    raw=g.text,
                    how_parsed=how,
                    details={"finish_reason": g.finish_reason, "truncated": hit_limit, **details},
                    prompt_tokens=g.prompt_tokens,
                    generated_tokens=g.generated_tokens,
                )
            )
        return judgements


def job_cache(job: PointwiseReranker, stage: str, writer: str = "all") -> OutputCache:
    """`<cache root>/distill/<stage>-<config hash>/`, with the configuration beside the outputs."""
    return OutputCache.keyed(
        f"distill/{stage}-{job.config_hash()}", job.cache_config(), None, writer
    )


@dataclass(frozen=True)
class RunOptions:
    """How `run_job` runs: pairs per model call, the cache writer (a shard's), never compute,
    progress bars, and the engine (default: this process)."""

    batch_size: int = 256
    writer: str = "all"
    cached_only: bool = False
    progress: bool = True
    engine: Engine | None = None


DEFAULT_RUN = RunOptions()


def run_job(
    job: PointwiseReranker,
    candidates: dict[str, list[Candidate]],
    stage: str,
    run: RunOptions = DEFAULT_RUN,
) -> RerankResult:
    """Every candidate's output, from the cache where it is there, else from the model."""
    with job_cache(job, stage, run.writer) as cache:
        return rerank(
            job,
            candidates,
            cache,
            batch_size=run.batch_size,
            progress=run.progress,
            desc=stage,
            cached_only=run.cached_only,
            engine=run.engine,
        )


def share_backend(jobs: Sequence[GenerationJob]) -> None:
    """One model in memory for all the jobs (Ray actors keep theirs: the jobs' load keys match)."""
    for job in jobs[1:]:
        job.backend = jobs[0].backend


def outputs_by_pair(result: RerankResult) -> dict[tuple[str, str], dict]:
    return {(o["query_id"], o["doc_id"]): o for o in result.outputs}


def truncated(output: dict) -> bool:
    """Whether an answer was cut off at the token limit (outputs cached before `truncated` was
    recorded have the finish reason)."""
    details = output["details"]
    return bool(details.get("truncated", details.get("finish_reason") == "length"))


def shard_of(records: list[dict], shard: str | None) -> tuple[list[dict], str]:
    """Every n-th question for `i/n` (1-based), as the pipeline shards queries, and the cache
    writer name for it."""
    part = Shard.parse(shard or None)
    return [r for k, r in enumerate(records) if part.takes(k)], part.writer


def stats_dict(s: RerankStats) -> dict:
    return {
        "items": s.items,
        "cached": s.cached,
        "computed": s.computed,
        "parse_failures": s.parse_failures,
        "how_parsed": s.how_parsed,
        "prompt_tokens": s.all_prompt_tokens,
        "generated_tokens": s.all_generated_tokens,
    }
