"""The pipeline as a library: build a `PipelineSpec`, call `run(spec)`.

from bright_eval.pipeline import PipelineSpec, run
result = run(PipelineSpec(reranker="cross-encoder", first_stage="bm25", domains=["pony"]))
result.primary.average["NDCG@10"]

`reranker` may also be a Reranker class or object, `first_stage` a Retriever object. No record
is written unless `results_dir` names a folder (the CLI passes results/).
"""

from bright_eval.pipeline.run import Interrupted, PipelineResult, build_reranker, run
from bright_eval.pipeline.spec import DataSpec, EngineSpec, PipelineError, PipelineSpec, Shard

__all__ = [
    "DataSpec",
    "EngineSpec",
    "Interrupted",
    "PipelineError",
    "PipelineResult",
    "PipelineSpec",
    "Shard",
    "build_reranker",
    "run",
]
