"""Another package adds a reranker and a retriever through entry points, with no edit here."""

import os
import subprocess
import sys
import textwrap

from tests.conftest import REPO

RERANKERS = """
from bright_eval.rerank import PointwiseReranker


class Plugged(PointwiseReranker):
    name = "plugged-reranker"
    description = "a reranker from another package"

    def judge(self, candidates):
        return []
"""

RETRIEVERS = """
from bright_eval.retrieval import Retriever


class PluggedRetriever(Retriever):
    name = "plugged-retriever"
    family = "lexical"
    description = "a retriever from another package"

    def retrieve(self, data, domain, queries, long_documents=False, depth=1000):
        return {}
"""


def test_entry_points_register_rerankers_and_retrievers(tmp_path):
    # Two modules, so that each group is shown to load its own.
    (tmp_path / "extpkg_rerankers.py").write_text(RERANKERS)
    (tmp_path / "extpkg_retrievers.py").write_text(RETRIEVERS)
    dist = tmp_path / "extpkg-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: extpkg\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        textwrap.dedent("""\
        [bright_eval.rerankers]
        extpkg = extpkg_rerankers

        [bright_eval.retrievers]
        extpkg = extpkg_retrievers
        """)
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO)]))
    done = subprocess.run([sys.executable, "-m", "bright_eval", "list"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = {line.split()[1]: line.split()[0] for line in done.stdout.splitlines()[2:]}
    assert rows["plugged-reranker"] == "reranker"
    assert rows["plugged-retriever"] == "retriever"
