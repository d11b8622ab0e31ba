"""`run(spec)`: first stage -> candidates -> rerank -> evaluate -> record.

Model work is cached per output (`rerank.cache`), so an interrupted run resumes where it
stopped and a finished one costs nothing to repeat. A shard computes its share of the queries
and stops before evaluation; the run without `shard` then finds every output cached.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from bright_eval.domains import parse_domains
from bright_eval.engines import Engine
from bright_eval.evaluation import DomainResults, evaluate
from bright_eval.pipeline.candidates import build_candidates, first_stage, load_documents
from bright_eval.pipeline.identity import label, system_name
from bright_eval.pipeline.record import save_record
from bright_eval.pipeline.spec import PRIMARY, PipelineError, PipelineSpec
from bright_eval.pipeline.writable import check_first_stage_alike, check_writable
from bright_eval.rerank import Reranker, get_reranker_class
from bright_eval.rerank.backends import resolve_backend_name
from bright_eval.rerank.backends.base import check_adapter
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.runner import RerankResult, RerankStats, rerank
from bright_eval.rerank.settings import check_unchanged
from bright_eval.sources import BrightSource, open_source

log = logging.getLogger(__name__)


class Interrupted(Exception):
    """Ctrl-C during model work; the message says what is safe and how to resume."""


@dataclass
class PipelineResult:
    spec: PipelineSpec
    reranker: Reranker
    data: BrightSource
    name: str  # the system's name (its results/ folder)
    label: str  # its row label: the reranker and what differs from its published setup
    reranked: dict[str, RerankResult] = field(default_factory=dict)  # by domain
    first_stage: DomainResults | None = None  # None for a shard, which does not evaluate
    per_score: dict[str, DomainResults] = field(default_factory=dict)
    first_stage_config: dict = field(default_factory=dict)
    wall_seconds: float = 0.0
    record_path: Path | None = None

    @property
    def evaluated(self) -> bool:
        return self.first_stage is not None

    @property
    def primary(self) -> DomainResults:
        return self.per_score[self.spec.score]

    @property
    def stats(self) -> RerankStats:
        total = RerankStats()
        for result in self.reranked.values():
            total.add(result.stats)
        return total


def build_reranker(spec: PipelineSpec) -> Reranker:
    """The reranker the spec names, or the class or object it holds."""
    given = spec.reranker
    cls = get_reranker_class(given) if isinstance(given, str) else given
    cls = type(given) if isinstance(given, Reranker) else cls
    valid = (PRIMARY, *cls.meta.alternative_scores)
    if spec.score not in valid:
        raise PipelineError(f"--score {spec.score!r}: {cls.name} ranks by {', '.join(valid)}")
    return given if isinstance(given, Reranker) else cls(spec.options)


def check_inputs(spec: PipelineSpec, domains) -> None:
    """What can be refused before any work: the first stage (e.g. an imported run file missing
    for a domain) and an adapter the model would load (none is loaded with `cached_only`)."""
    spec.retriever().check([d.name for d in domains])
    if spec.options.adapter and not spec.cached_only:
        check_adapter(spec.options.adapter, resolve_backend_name(spec.options.backend))


def run(spec: PipelineSpec, reranker: Reranker | None = None) -> PipelineResult:
    """Run the pipeline; `reranker` overrides the one `spec` names (e.g. with a backend
    already loaded). The record is written under `spec.results_dir` unless that is None."""
    started = time.perf_counter()
    data = open_source(spec.data.source, spec.data.data_dir, spec.data.revision)
    domains = parse_domains(spec.domains, long_documents=spec.long_documents)
    reranker = reranker or build_reranker(spec)
    check_inputs(spec, domains)
    name = system_name(spec, reranker, data, domains)
    result = PipelineResult(spec, reranker, data, name, label(spec, reranker, data, domains))
    if spec.results_dir is not None and spec.shard.count == 1:
        # Before any model work: a record that cannot be written must not cost GPU hours.
        check_writable(spec.results_dir, result.name, spec, reranker, data,
                       [d.name for d in domains])  # fmt: skip
    engine = spec.engine.start()
    try:
        with OutputCache.for_reranker(reranker, writer=spec.shard.writer) as cache:
            log.info(f"{reranker.name}: outputs cached in {cache.folder} ({len(cache)} so far)")
            rerank_domains(spec, result, domains, cache, engine)
    finally:
        engine.close()
    check_unchanged(reranker, cache.key, cache.folder)
    result.wall_seconds = time.perf_counter() - started
    if result.evaluated and spec.results_dir is not None:
        result.record_path = save_record(result)
    return result


def rerank_domains(
    spec: PipelineSpec, result: PipelineResult, domains, cache: OutputCache, engine: Engine
):
    """Each domain's candidates through the reranker, and (unless sharding) their evaluation
    into `result`."""
    data, reranker = result.data, result.reranker
    position = 0
    evaluations: dict[str, dict] = {}
    first_stage_evals: dict = {}
    queries_of = {d.name: list(data.queries(d.name, spec.query_variant))[: spec.max_queries]
                  for d in domains}  # fmt: skip
    # Every domain's first stage before any reranking: on Ray, a dense encoder and the reranker
    # load different models, and alternating them per domain would reload the reranker each time.
    firsts = {
        d.name: first_stage(spec.retriever(), data, d.name, spec.query_variant,
                            [q.id for q in queries_of[d.name]], spec.long_documents,
                            spec.refresh, engine, spec.command)
        for d in domains
    }  # fmt: skip
    if spec.results_dir is not None and spec.shard.count == 1 and firsts:
        # Before any model work, as `check_writable`: the first stage's settings are known now.
        config = next(iter(firsts.values())).config
        check_first_stage_alike(spec.results_dir, result.name, reranker, config)
    for d in domains:
        queries, first = queries_of[d.name], firsts[d.name]
        rerank_queries = {q.id: q for q in data.queries(d.name, spec.rerank_query)}
        result.first_stage_config = first.config
        mine = []
        for q in queries:
            if spec.shard.takes(position) and q.id in first.run:
                mine.append(q.id)
            position += 1
        run_mine = {qid: first.run[qid] for qid in mine}
        needed = {doc for docs in run_mine.values() for doc in docs}
        texts = load_documents(data, d.name, needed, spec.long_documents)
        candidates = build_candidates(run_mine, rerank_queries, texts, spec.top_k, d.name)
        try:
            reranked = rerank(reranker, candidates, cache, spec.batch_size, spec.progress,
                              d.name, cached_only=spec.cached_only, engine=engine)  # fmt: skip
        except KeyboardInterrupt:
            raise Interrupted(
                f"interrupted: {len(cache)} outputs are safe in {cache.folder}; run the same "
                "command again to resume"
            ) from None
        result.reranked[d.name] = reranked
        if spec.shard.count > 1:
            continue
        all_qrels = data.qrels(d.name, spec.long_documents)
        qrels = {q.id: all_qrels[q.id] for q in queries}
        excluded = data.excluded_ids(d.name)
        first_stage_evals[d.name] = evaluate(first.run, qrels, excluded, domain=d.name)
        first_stage_evals[d.name].warn_missing(d.name)
        for score_name, run_ in reranked.runs.items():
            ev = evaluate(run_, qrels, excluded, domain=d.name)
            evaluations.setdefault(score_name, {})[d.name] = ev
    if spec.shard.count == 1:
        result.first_stage = DomainResults(first_stage_evals)
        result.per_score = {name: DomainResults(e) for name, e in evaluations.items()}
