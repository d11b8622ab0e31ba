from bright_eval.cli import main
from bright_eval.rerank import REGISTRY as RERANKERS
from bright_eval.retrieval import REGISTRY as RETRIEVERS
from bright_eval.retrieval import Retriever


def listed(capsys) -> dict[str, list[str]]:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["kind", "name", "family", "model", "description"]
    # Columns are whitespace-separated; split at most 4 times so the description stays whole.
    return {line.split()[1]: line.split(None, 4) for line in lines[2:]}


def test_list_shows_every_reranker_with_family_model_and_description(capsys):
    rows = listed(capsys)
    assert rows["rank1-7b"] == [
        "reranker",
        "rank1-7b",
        "pointwise",
        "jhu-clsp/rank1-7b",
        "Rank1 7B: reasons in <think>, then true/false; score p(true)",
    ]
    assert rows["reasonrank-7b"][2:4] == ["listwise", "liuwenhan/reasonrank-7B"]
    # No default model: the row says any model is passed with --model (two words, so the
    # description starts in the fifth field after "(--model)").
    assert rows["rankgpt"][3] == "any"
    assert rows["rankgpt"][4].startswith("(--model)")
    assert rows["rankgpt"][4].endswith(RERANKERS["rankgpt"].description)
    for name in RERANKERS:
        assert name in rows, name


def test_list_shows_registered_retrievers_and_imported_runs(capsys):
    class Toy(Retriever):
        name = "toy-bm25"
        family = "lexical"
        description = "a test retriever"

        def retrieve(self, data, domain, queries, long_documents=False, depth=1000):
            return {}

    try:
        rows = listed(capsys)
    finally:
        RETRIEVERS.pop("toy-bm25")
    assert rows["toy-bm25"] == ["retriever", "toy-bm25", "lexical", "-", "a test retriever"]
    assert rows["file"][:4] == ["retriever", "file", "imported", "-"]


def test_the_listing_is_complete_when_called_from_python():
    import ast
    import subprocess
    import sys

    code = (
        "from bright_eval.commands.list import rows\n"
        "print(sorted(r[1] for r in rows() if r[0] == 'retriever'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names = ast.literal_eval(done.stdout)
    assert {"bm25", "bm25-lucene", "bm25s", "bge", "sbert", "dense", "rrf", "file"} <= set(names)


def test_dense_retrievers_show_their_default_model(capsys):
    rows = listed(capsys)
    # BRIGHT's `bge` retriever is BAAI/bge-large-en-v1.5 (BRIGHT paper, Table 3 / retrievers.py).
    assert rows["bge"][2:4] == ["dense", "BAAI/bge-large-en-v1.5"]
    assert rows["bm25"][3] == "-"


def test_the_docs_zoo_table_is_generated_from_the_records():
    import subprocess
    import sys

    from tests.conftest import REPO

    # A fresh process: rerankers that other tests define must not be in the table.
    done = subprocess.run([sys.executable, "-m", "bright_eval", "list", "--markdown"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    text = (REPO / "docs" / "zoo.md").read_text()
    block = text.split("<!-- zoo-table:", 1)[1].split("-->", 1)[1].split("<!-- /zoo-table -->")[0]
    assert block.strip() == done.stdout.strip()
