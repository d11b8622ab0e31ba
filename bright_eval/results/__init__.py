"""Records of evaluated systems: the schema (`schema`), where they live (`store`), and the
ways one is made: from run files (`from_runs`) and re-checked from its own run files (`check`).
A pipeline run's record is made by the pipeline (`bright_eval.pipeline.record`), over this layer.

Measured:  results/<name>/system.json     metrics, first stage, reranker, efficiency, provenance
           results/<name>/per_query.json  per-query nDCG@10 {domain: {qid: value}}
           results/<name>/run/<domain>.trec.gz  the evaluated run, when small enough to keep
Reported:  results/reported/<name>.json   the same schema, `source: "reported"` and a citation
"""

from bright_eval.results.schema import (
    HEADLINE,
    LONG_HEADLINE,
    MAX_KEPT_RUN_BYTES,
    MEASURED,
    PER_QUERY_FILE,
    REPORTED,
    REPORTED_DIR,
    RUN_DIR,
    SCHEMA_VERSION,
    SOURCES,
    SYSTEM_FILE,
    Citation,
    Efficiency,
    FirstStage,
    RerankerRecord,
    ResultsError,
    RunFile,
    SystemRecord,
    from_json,
    slug,
    to_json,
    validate_name,
)
from bright_eval.results.store import (
    load_system,
    load_systems,
    save_system,
    system_dir,
    system_files,
)

__all__ = [
    "HEADLINE",
    "LONG_HEADLINE",
    "MAX_KEPT_RUN_BYTES",
    "MEASURED",
    "PER_QUERY_FILE",
    "REPORTED",
    "REPORTED_DIR",
    "RUN_DIR",
    "SCHEMA_VERSION",
    "SOURCES",
    "SYSTEM_FILE",
    "Citation",
    "Efficiency",
    "FirstStage",
    "RerankerRecord",
    "ResultsError",
    "RunFile",
    "SystemRecord",
    "from_json",
    "load_system",
    "load_systems",
    "save_system",
    "slug",
    "system_dir",
    "system_files",
    "to_json",
    "validate_name",
]
