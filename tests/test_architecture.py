"""The package's shape, checked: no import cycles (lazy imports inside functions count too),
imports between packages only along the layers' allowed edges, the core never imports the zoo,
no module over 300 lines, every package installed."""

import ast
import tomllib
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "bright_eval"
MAX_LINES = 300


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every bright_eval module this file imports, anywhere in it, except under
    `if TYPE_CHECKING:` (annotations only, never executed)."""
    tree = ast.parse(path.read_text())
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            skipped.update(id(n) for n in ast.walk(node))
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in imports(path) if m in modules and m != name}
            for name, path in modules.items()}  # fmt: skip


# The layers, as the packages each may import (a top-level module counts as a package). Data
# flows BRIGHT data -> first stage (retrieval) -> rerank -> evaluation -> results -> leaderboard;
# engines sit beside rerank (rerank and retrieval hand them work; they import neither); the
# pipeline drives the layers and makes a run's record; distill and the report sit over them;
# the commands on top. Every package may also import SHARED.
SHARED = {"bright_eval", "errors", "atomic", "cache_dir", "redact", "provenance"}
ALLOWED: dict[str, set[str]] = {
    # shared by all (`bright_eval` is the package itself: its version)
    "bright_eval": set(),
    "errors": set(),
    "atomic": set(),
    "cache_dir": set(),
    "redact": set(),
    "provenance": {"bright_eval", "redact"},
    # BRIGHT data, and runs as files
    "domains": set(),
    "revisions": set(),
    "data": {"domains", "revisions"},
    "irds": {"data", "domains"},
    "sources": {"data", "irds"},
    "pinned": {"data"},
    "runs": set(),
    "tables": set(),
    "significance": set(),
    # where model work runs
    "engines": set(),
    # first stage, reranking, evaluation, records, tables
    "retrieval": {"data", "domains", "engines", "runs"},
    "rerank": {"engines", "runs"},
    "evaluation": {"runs"},
    "results": {"data", "domains", "evaluation", "pinned", "runs"},
    "leaderboard": {"domains", "evaluation", "results", "significance"},
    # other toolkits' rerankers through ours, ours as theirs (optional extras)
    "bridges": {"rerank", "results"},
    # published runs re-scored beside their printed numbers
    "audit": {"domains", "results"},
    # one run on two versions of the data; the field's exchange formats
    "data_compare": {"domains", "evaluation", "revisions", "runs", "tables"},
    "exchange": {"domains", "evaluation", "leaderboard", "results", "runs"},
    "report": {"data", "domains", "evaluation", "results", "runs", "significance", "sources"},
    # the boards as a static site, with the reports of measured rerankers
    "site": {"data", "domains", "leaderboard", "report", "results"},
    # over the layers
    "pipeline": {"data", "domains", "engines", "evaluation", "pinned", "rerank", "results",
                 "retrieval", "runs", "sources"},
    "distill": {"data", "domains", "engines", "pipeline", "rerank"},
    "commands": {"audit", "data", "data_compare", "distill", "domains", "engines", "evaluation",
                 "exchange", "leaderboard", "pipeline", "report", "rerank", "results",
                 "retrieval", "revisions", "runs", "site", "sources", "tables"},
    "cli": {"commands", "data", "distill", "domains", "engines", "evaluation", "pipeline",
            "report", "rerank", "results", "retrieval", "runs", "significance", "sources"},
    "__main__": {"cli"},
}  # fmt: skip


def package_of(module: str) -> str:
    """`bright_eval.rerank.backends.hf` -> `rerank`; the package itself -> `bright_eval`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def package_edges(edges: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    """Each import from one package into another, with one module-level example of it."""
    found: dict[tuple[str, str], str] = {}
    for module in sorted(edges):
        for target in sorted(edges[module]):
            pair = (package_of(module), package_of(target))
            if pair[0] != pair[1]:
                found.setdefault(pair, f"{module} imports {target}")
    return found


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_of_the_package_imports_another_in_a_cycle():
    # A package's __init__ importing its own submodules is not a cycle unless a submodule
    # imports the package back; both directions are in the graph.
    assert find_cycle(graph()) is None


def test_every_package_has_a_place_in_the_layers():
    assert {package_of(m) for m in graph()} - ALLOWED.keys() == set()


def test_packages_import_each_other_only_along_the_allowed_edges():
    allowed = {p: targets if p in SHARED else targets | SHARED for p, targets in ALLOWED.items()}
    strays = [why for (a, b), why in package_edges(graph()).items() if b not in allowed.get(a, ())]
    assert strays == []


def test_the_allowed_edges_are_layers_without_a_cycle():
    edges = {p: {t for t in targets if t in ALLOWED} for p, targets in ALLOWED.items()}
    for package in ALLOWED.keys() - SHARED:
        edges[package] |= SHARED
    assert find_cycle(edges) is None
    assert {t for targets in ALLOWED.values() for t in targets} <= ALLOWED.keys()


def test_a_stray_edge_is_named_with_the_import_that_makes_it():
    edges = {"bright_eval.engines.local": {"bright_eval.rerank.generative"},
             "bright_eval.rerank.generative": set()}  # fmt: skip
    found = package_edges(edges)
    assert found == {
        ("engines", "rerank"): "bright_eval.engines.local imports bright_eval.rerank.generative"
    }


def test_the_core_never_imports_the_zoo():
    offenders = {
        module_name(p): sorted(
            m for m in imports(p) if m.split(".")[0] in ("baselines", "bright_eval_zoo")
        )
        for p in PACKAGE.rglob("*.py")
    }
    assert {m: i for m, i in offenders.items() if i} == {}


def test_no_module_is_over_300_lines():
    files = [*PACKAGE.rglob("*.py"), *(REPO / "baselines").glob("*.py")]
    long = {str(p.relative_to(REPO)): n for p in files
            if (n := len(p.read_text().splitlines())) > MAX_LINES}  # fmt: skip
    assert long == {}


def test_every_package_folder_is_installed():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {module_name(p) for p in PACKAGE.rglob("__init__.py")}
    assert folders <= set(config["packages"])
    assert config["package-dir"] == {"bright_eval_zoo": "baselines"}


def test_the_docs_list_every_module():
    text = (REPO / "docs" / "development.md").read_text()
    listing = text.split("<!-- module-list -->", 1)[1].split("<!-- /module-list -->", 1)[0]
    names = {p.name for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"}
    names |= {p.name for p in (REPO / "baselines").glob("*.py") if p.name != "__init__.py"}
    missing = sorted(n for n in names if f"`{n}`" not in listing and f"{n}`" not in listing)
    assert missing == []


def test_no_test_module_imports_another():
    """Shared test code lives in helper modules (tests/helpers.py, browser.py, ...), so a test
    module can change without breaking another (issue 20)."""
    tests = Path(__file__).resolve().parent
    found = []
    for path in sorted(tests.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests.test_"):
                found.append(f"{path.name} imports {node.module}")
    assert found == []
