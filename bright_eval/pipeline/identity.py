"""What a pipeline run is called. The name (the results/ folder) and the label state everything
that sets this run apart from the reranker's published configuration: another model or an
adapter, generation or query limits, a domain subset, a query variant, the score that ranks,
and data that is not the pinned Hub dataset (a local snapshot by its examples' hash). Two
different configurations therefore never share a name by accident; under a name given with
`--system-name`, `pipeline.writable.check_writable` refuses to replace a record made
another way."""

from __future__ import annotations

from pathlib import Path

from bright_eval.domains import DOMAIN_NAMES, LONG_DOMAIN_NAMES, Domain
from bright_eval.pinned import data_mark
from bright_eval.pipeline.spec import PRIMARY, PipelineSpec
from bright_eval.provenance import short_hash
from bright_eval.rerank import Reranker
from bright_eval.rerank.weights import content_hash
from bright_eval.results.schema import slug


def stage_name(first_stage: str) -> str:
    if first_stage.startswith("file:"):
        return Path(first_stage.removeprefix("file:")).parent.name or "file"
    return first_stage


def path_name(path: str, digest: str | None = None) -> str:
    """A model or adapter path by its last part (a Hub id keeps its owner): readable, and the
    hash of its weights (`digest`, the one the reranker took) keeps two same-named folders
    apart, and a folder retrained in place apart from what it held before."""
    digest = digest or content_hash(path)
    if digest is None:
        return path
    return f"{path.rstrip('/').split('/')[-1]}-{digest[:4]}"


def marks(spec: PipelineSpec, reranker: Reranker, data, domains: list[Domain]) -> list[str]:
    """The departures from the published setting, each as a short name part."""
    out = []
    options = spec.options
    weights = reranker.weights()
    if options.model and options.model != reranker.meta.model_id:
        out.append(f"model-{path_name(options.model, weights.get('model_sha256'))}")
    if options.adapter:
        out.append(f"adapter-{path_name(options.adapter, weights.get('adapter_sha256'))}")
    if spec.query_variant != "original":
        out.append(f"q-{spec.query_variant}")
    if spec.rerank_query != "original":
        out.append(f"rq-{spec.rerank_query}")
    if spec.score != PRIMARY:
        out.append(f"score-{spec.score}")
    if spec.long_documents:
        out.append("long")
    if options.max_new_tokens is not None:
        out.append(f"max-new-tokens-{options.max_new_tokens}")
    if spec.max_queries is not None:
        out.append(f"first-{spec.max_queries}-queries")
    all_names = list(LONG_DOMAIN_NAMES if spec.long_documents else DOMAIN_NAMES)
    chosen = [d.name for d in domains]
    if chosen != all_names:
        joined = "+".join(chosen)
        out.append(joined if len(chosen) <= 2 else f"{len(chosen)}-domains-{short_hash(joined)}")
    mark = data_mark(data)
    if mark:
        out.append(mark)
    return out


def system_name(spec: PipelineSpec, reranker: Reranker, data, domains: list[Domain]) -> str:
    if spec.system_name:
        return slug(spec.system_name)
    parts = [reranker.name, f"{stage_name(spec.first_stage_name)}-top{spec.top_k}"]
    return slug("__".join(parts + marks(spec, reranker, data, domains)))


def label(spec: PipelineSpec, reranker: Reranker, data, domains: list[Domain]) -> str:
    """The leaderboard row label: the reranker, then what differs from its published setup."""
    text = reranker.name + (" (zero-shot)" if "zeroshot" in reranker.name else "")
    extra = marks(spec, reranker, data, domains)
    return f"{text} [{', '.join(extra)}]" if extra else text
