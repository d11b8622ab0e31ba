"""`list`: every registered retriever and reranker, with its family, default model and a line
saying what it is; `list --markdown` prints the zoo table of docs/zoo.md from the same records."""

from __future__ import annotations

import argparse

from tabulate import tabulate

from bright_eval.rerank.registry import load_plugins
from bright_eval.retrieval.base import load_builtin_retrievers

ANY_MODEL = "any (--model)"


def register(commands) -> None:
    ls = commands.add_parser("list", help="list the retrievers and rerankers")
    ls.add_argument("--markdown", action="store_true", help="the reranker table, as markdown")
    ls.set_defaults(func=run)


def retriever_model(cls) -> str:
    # Dense retrievers name their default model per class; lexical ones have none.
    model = getattr(cls, "default_model", None) or cls.model_id
    if isinstance(model, str) and model:
        return model
    return f"any ({cls.name}:<model>)" if cls.family == "dense" else "-"


def rows() -> list[tuple[str, str, str, str, str]]:
    """(kind, name, family, model id, description), retrievers first, each kind by name."""
    out = [
        ("retriever", name, cls.family, retriever_model(cls), cls.description)
        for name, cls in sorted(load_builtin_retrievers().items())
    ]
    out += [
        ("reranker", name, cls.family, cls.meta.model_id or ANY_MODEL, cls.meta.description)
        for name, cls in sorted(load_plugins().items())
    ]
    return out


def zoo_table() -> str:
    """The reranker table of docs/zoo.md: one row per registered reranker, from its metadata."""
    rows = [
        (f"`{name}`", cls.family, cls.meta.model_id or ANY_MODEL, cls.meta.description,
         cls.meta.published or "-", cls.meta.citation or "-")
        for name, cls in sorted(load_plugins().items())
    ]  # fmt: skip
    headers = ["reranker", "family", "default model", "what it does", "published", "source"]
    return tabulate(rows, headers=headers, tablefmt="github")


def run(args: argparse.Namespace) -> int:
    if args.markdown:
        print(zoo_table())
        return 0
    headers = ["kind", "name", "family", "model", "description"]
    print(tabulate(rows(), headers=headers, tablefmt="simple"))
    return 0
