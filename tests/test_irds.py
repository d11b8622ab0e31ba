"""ir_datasets as a data source, offline: its files are placed where it looks (IR_DATASETS_HOME)."""

import json
import os
import shutil
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

from tests.conftest import REASONIR_RUN, REPO
from tests.helpers import REASON_CONFIGS


def irds_home(tmp_path, shared_bright, domain="pony"):
    home = tmp_path / "irds" / "bright"
    home.mkdir(parents=True)
    examples = shared_bright / "examples" / f"{domain}-00000-of-00001.parquet"
    shutil.copy(examples, home / f"{domain}.queries.parquet")
    # ir_datasets reads every reasoning file when listing queries; only their ids matter here.
    ids = pq.read_table(examples).column("id").to_pylist()
    for name in REASON_CONFIGS:
        table = pa.table({"id": ids, "reasoning": [f"{name} reasoning"] * len(ids)})
        pq.write_table(table, home / f"{domain}.{name}_reason.queries.parquet")
    return home.parent


def run_cli(args, env):
    return subprocess.run(
        [sys.executable, "-m", "bright_eval", *args], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip


def test_ir_datasets_source_scores_like_the_hf_source(tmp_path, shared_bright):
    env = dict(os.environ, IR_DATASETS_HOME=str(irds_home(tmp_path, shared_bright)))
    outs = {}
    for source in ("hf", "ir_datasets"):
        out = tmp_path / f"{source}.json"
        done = run_cli(
            ["evaluate", "--run", REASONIR_RUN, "--domains", "pony", "--source", source,
             "--data-dir", str(shared_bright), "--out", str(out)], env,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outs[source] = json.loads(out.read_text())
    assert outs["ir_datasets"] == outs["hf"]
    long = run_cli(
        ["evaluate", "--run", REASONIR_RUN, "--domains", "pony", "--source", "ir_datasets",
         "--long", "--out", str(tmp_path / "long.json")], env,
    )  # fmt: skip
    assert long.returncode == 0, long.stderr


def test_ir_datasets_turns_minus_100_qrels_back_into_exclusions(tmp_path, shared_bright):
    env = dict(os.environ, IR_DATASETS_HOME=str(irds_home(tmp_path, shared_bright, "leetcode")))
    code = (
        "from bright_eval.irds import IrDatasetsBright\n"
        "from bright_eval.data import BrightData\n"
        f"hf = BrightData.from_options({str(shared_bright)!r})\n"
        "ir = IrDatasetsBright()\n"
        "assert ir.excluded_ids('leetcode') == hf.excluded_ids('leetcode')\n"
        "assert ir.qrels('leetcode') == hf.qrels('leetcode')\n"
        "print(sum(map(len, ir.excluded_ids('leetcode').values())))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = pq.read_table(shared_bright / "examples" / "leetcode-00000-of-00001.parquet")
    expected = sum(len(set(ids) - {"N/A"}) for ids in table.column("excluded_ids").to_pylist())
    assert int(done.stdout) == expected > 0


def test_reasoning_variants_are_refused_through_ir_datasets():
    import pytest

    from bright_eval.data import DataError
    from bright_eval.irds import IrDatasetsBright

    with pytest.raises(DataError, match="'gpt4_reason' is not available from ir_datasets"):
        IrDatasetsBright().queries("pony", "gpt4_reason")
