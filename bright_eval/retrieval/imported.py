"""A first stage read from run files someone else produced (e.g. a published ReasonIR run)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from bright_eval.data import BrightData, Query
from bright_eval.retrieval.base import Retriever, UnknownRetrieverError
from bright_eval.runs import (
    DAMAGE,
    Run,
    RunFormatError,
    describe,
    domain_path,
    prepare_run,
    read_run,
)


class ImportedRun(Retriever):
    name = "file"
    description = "run files given as a path template with {domain}: file:<path>"
    family = "imported"

    def __init__(self, template: str | None = None):
        if not template:
            raise UnknownRetrieverError(
                "file: needs a run path with {domain}, e.g. file:runs/{domain}.trec.gz"
            )
        self.template = template

    @classmethod
    def from_argument(cls, argument: str) -> ImportedRun:
        return cls(argument)

    def config(self) -> dict:
        return {"retriever": f"file:{self.template}"}

    def check(self, domains: Sequence[str]) -> None:
        # Each domain's file is read (and hashed for the cache key) only when its turn comes:
        # a missing one must stop the run before the first domain's work, not after.
        for domain in domains:
            path = domain_path(self.template, domain)
            if not path.is_file():
                raise RunFormatError(
                    f"file:{self.template}: run file {path} does not exist (domain {domain}); "
                    "give a path template whose {domain} names an existing run per domain"
                )

    def fingerprint(self, domain: str) -> str:
        return self.file_sha256(domain)

    def file_sha256(self, domain: str) -> str:
        return hashlib.sha256(domain_path(self.template, domain).read_bytes()).hexdigest()

    def retrieve(
        self,
        data: BrightData,
        domain: str,
        queries: Sequence[Query],
        long_documents: bool = False,
        depth: int = 1000,
    ) -> Run:
        source = domain_path(self.template, domain)
        try:
            run = read_run(source)
        except DAMAGE as err:
            # The imported file is the source of truth: nothing to recompute it from.
            raise RunFormatError(
                f"{source}: the imported run cannot be read "
                f"({describe(err, source)}); restore the file, then rerun with --refresh"
            ) from err
        wanted = {q.id for q in queries}
        excluded = {q.id: q.excluded_ids for q in queries}
        return prepare_run({q: d for q, d in run.items() if q in wanted}, excluded, depth)
