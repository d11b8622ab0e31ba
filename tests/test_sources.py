"""Both BRIGHT sources implement one `BrightSource` surface: `retrieve` and the pipeline give
the same runs from ir_datasets as from HF datasets on the same offline files."""

import gzip
import os
import shutil
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

from bright_eval.data import BrightData
from bright_eval.irds import IrDatasetsBright
from bright_eval.sources import BrightSource
from tests.conftest import REPO
from tests.helpers import REASON_CONFIGS
from tests.snapshot import build_domain

QUERY_IDS = ["0", "1", "2"]


def both_sources(shared_bright, tmp_path):
    """A local HF snapshot of pony (3 queries, their candidates as the corpus) and the same
    files where ir_datasets looks for them."""
    hf = tmp_path / "hf"
    hf.mkdir()
    build_domain(shared_bright, hf, "pony", QUERY_IDS, docs_per_query=5)
    home = tmp_path / "irds" / "bright"
    home.mkdir(parents=True)
    shutil.copy(hf / "examples" / "pony-00000-of-00001.parquet", home / "pony.queries.parquet")
    shutil.copy(hf / "documents" / "pony-00000-of-00001.parquet", home / "pony.docs.parquet")
    ids = pq.read_table(home / "pony.queries.parquet").column("id")
    for name in REASON_CONFIGS:
        table = pa.table({"id": ids, "reasoning": ["r"] * len(ids)})
        pq.write_table(table, home / f"pony.{name}_reason.queries.parquet")
    return hf, home.parent


def cli(args, env):
    done = subprocess.run([sys.executable, "-m", "bright_eval", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def test_both_sources_implement_the_protocol(shared_bright):
    assert isinstance(BrightData.from_options(str(shared_bright)), BrightSource)
    assert isinstance(IrDatasetsBright(), BrightSource)


def test_retrieve_and_the_pipeline_give_the_same_runs_from_either_source(shared_bright, tmp_path):
    hf, irds_home = both_sources(shared_bright, tmp_path)
    env = dict(os.environ, IR_DATASETS_HOME=str(irds_home), BRIGHT_EVAL_CACHE=str(tmp_path / "c"))
    env.pop("BRIGHT_DATA_DIR", None)
    runs = {}
    for source, extra in (("hf", ["--data-dir", str(hf)]), ("ir_datasets", [])):
        done = cli(["retrieve", "--retriever", "bm25-python", "--domains", "pony",
                    "--source", source, *extra], env)  # fmt: skip
        path = done.stdout.strip().splitlines()[-1]
        with gzip.open(path, "rt") as f:
            runs[source] = [line.rsplit(" ", 1)[0] for line in f]  # without the run tag
        cli(["--plugin", "tests.plugins_for_tests", "--reranker", "test-first-word",
               "--first-stage", "bm25-python", "--top-k", "3", "--domains", "pony",
             "--source", source, *extra, "--results-dir", str(tmp_path / source),
             "--system-name", "fw", "--no-progress"], env)  # fmt: skip
    assert len(runs["hf"]) == 3 * 16  # 3 queries, all 16 documents of the small corpus
    assert runs["ir_datasets"] == runs["hf"]
    reranked = {s: gzip.decompress((tmp_path / s / "fw/run/pony.trec.gz").read_bytes())
                for s in ("hf", "ir_datasets")}  # fmt: skip
    assert reranked["ir_datasets"] == reranked["hf"]
