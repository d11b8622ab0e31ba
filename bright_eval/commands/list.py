"""`list`: every registered retriever and reranker, with its family, default model and a line
saying what it is."""

from __future__ import annotations

import argparse

from tabulate import tabulate

from bright_eval.rerank.base import REGISTRY as RERANKERS
from bright_eval.rerank.base import load_plugins
from bright_eval.retrieval import REGISTRY as RETRIEVERS
from bright_eval.retrieval.imported import ImportedRun

ANY_MODEL = "any (--model)"


def register(commands) -> None:
    ls = commands.add_parser("list", help="list the retrievers and rerankers")
    ls.set_defaults(func=run)


def retriever_model(cls) -> str:
    # Dense retrievers name their default model per class; lexical ones have none.
    model = getattr(cls, "default_model", None) or cls.model_id
    if isinstance(model, str) and model:
        return model
    return f"any ({cls.name}:<model>)" if cls.family == "dense" else "-"


def rows() -> list[tuple[str, str, str, str, str]]:
    """(kind, name, family, model id, description), retrievers first, each kind by name."""
    load_plugins()
    out = [
        ("retriever", name, cls.family, retriever_model(cls), cls.description)
        for name, cls in sorted(RETRIEVERS.items())
    ]
    out.append(("retriever", "file:<path>", ImportedRun.family, "-", ImportedRun.description))
    out += [
        ("reranker", name, cls.family, cls.model_id or ANY_MODEL, cls.description)
        for name, cls in sorted(RERANKERS.items())
    ]
    return out


def run(args: argparse.Namespace) -> int:
    headers = ["kind", "name", "family", "model", "description"]
    print(tabulate(rows(), headers=headers, tablefmt="simple"))
    return 0
