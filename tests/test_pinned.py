"""Which data counts as the pinned BRIGHT revision: the Hub at that revision, or a snapshot
whose queries and judgements are that revision's, domain by domain."""

import pyarrow as pa
import pyarrow.parquet as pq

from bright_eval.data import DEFAULT_REVISION, BrightData
from bright_eval.domains import DOMAIN_NAMES
from bright_eval.pinned import data_mark, is_pinned

PONY = "pony-00000-of-00001.parquet"


def snapshot(root, rows):
    (root / "examples").mkdir()
    # Another writer's bytes (no dictionary encoding, another compression) for the same rows.
    pq.write_table(pa.Table.from_pylist(rows), root / "examples" / PONY, compression="gzip",
                   use_dictionary=False)  # fmt: skip
    return BrightData.from_options(str(root))


def test_the_shared_copy_is_the_pinned_revision_in_every_domain(bright):
    assert is_pinned(bright, DOMAIN_NAMES)


def test_a_snapshot_is_recognised_by_its_rows_not_its_bytes(shared_bright, tmp_path):
    rows = pq.read_table(shared_bright / "examples" / PONY).to_pylist()
    data = snapshot(tmp_path, list(reversed(rows)))  # row order changes no score either
    assert (tmp_path / "examples" / PONY).read_bytes() != (
        shared_bright / "examples" / PONY
    ).read_bytes()
    assert is_pinned(data, ["pony"])


def test_fewer_queries_or_another_judgement_is_not_the_pinned_revision(shared_bright, tmp_path):
    rows = pq.read_table(shared_bright / "examples" / PONY).to_pylist()
    (tmp_path / "fewer").mkdir()
    assert not is_pinned(snapshot(tmp_path / "fewer", rows[:3]), ["pony"])
    changed = [dict(rows[0], gold_ids=rows[0]["gold_ids"][:-1]), *rows[1:]]
    (tmp_path / "judged").mkdir()
    assert not is_pinned(snapshot(tmp_path / "judged", changed), ["pony"])


def test_the_hub_counts_at_the_pinned_revision_only():
    assert is_pinned(BrightData(), DOMAIN_NAMES) and data_mark(BrightData()) is None
    other = BrightData(revision="0123456789abcdef")
    assert not is_pinned(other, ["pony"]) and data_mark(other) == "data-rev-01234567"
    assert DEFAULT_REVISION.startswith("3066d29c")
