import json

import pytest

from bright_eval.results import (
    MEASURED,
    REPORTED,
    Citation,
    Efficiency,
    FirstStage,
    RerankerRecord,
    ResultsError,
    SystemRecord,
    load_system,
    load_systems,
    save_system,
)

FS = FirstStage("bm25/original", "BM25, original queries", {"depth": 100})


def measured(name="toy", **kw):
    return SystemRecord(
        name=name,
        label="Toy",
        source=MEASURED,
        first_stage=FS,
        reranker=RerankerRecord("toy", {"depth": 10}),
        metrics={"biology": {"NDCG@10": 0.5, "MRR": 0.25}, "pony": {"NDCG@10": 0.2, "MRR": 1.0}},
        per_query={"biology": {"1": 0.5}, "pony": {"1": 0.2}},
        efficiency=Efficiency(parameters=3_000_000_000, model_calls=20, n_queries=2),
        **kw,
    )


def test_round_trip_and_layout(tmp_path):
    result = measured()
    path = save_system(result, tmp_path)
    assert path == tmp_path / "toy" / "system.json"
    assert json.loads((tmp_path / "toy" / "per_query.json").read_text()) == result.per_query
    assert load_system(path) == result
    assert "per_query" not in json.loads(path.read_text())


def test_saving_an_unchanged_record_does_not_touch_it(tmp_path):
    path = save_system(measured(), tmp_path)
    before = path.stat().st_mtime_ns
    save_system(load_system(path), tmp_path)
    assert path.stat().st_mtime_ns == before


def test_reported_rows_live_apart_and_need_a_citation(tmp_path):
    row = SystemRecord(
        "bm25", "BM25", REPORTED, FS, reported_average={"NDCG@10": 0.145}, citation=Citation("X")
    )
    assert save_system(row, tmp_path) == tmp_path / "reported" / "bm25.json"
    save_system(measured(), tmp_path)
    assert [s.name for s in load_systems(tmp_path)] == ["toy", "bm25"]
    with pytest.raises(ResultsError, match="reported system 'bm25' has no citation"):
        SystemRecord("bm25", "BM25", REPORTED, FS)


def test_average_is_published_value_or_mean_of_all_domains():
    assert measured().average() is None  # 2 of 12 domains
    full = {d: {"NDCG@10": 0.1 * (i % 3)} for i, d in enumerate(
        ["biology", "earth_science", "economics", "psychology", "robotics", "stackoverflow",
         "sustainable_living", "leetcode", "pony", "aops", "theoremqa_theorems",
         "theoremqa_questions"])}  # fmt: skip
    row = SystemRecord("a", "A", MEASURED, FS, metrics=full)
    assert row.average() == pytest.approx(0.1)  # four each of 0, 0.1, 0.2
    published = SystemRecord(
        "b", "B", REPORTED, FS, metrics=full, reported_average={"NDCG@10": 0.3},
        citation=Citation("Y"),
    )  # fmt: skip
    assert published.average() == 0.3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "Bad Name"}, "invalid system name 'Bad Name'; use lower-case letters"),
        ({"source": "guessed"}, "unknown source 'guessed'; valid: measured, reported"),
        ({"metrics": {"biolgy": {"MRR": 1.0}}}, "unknown BRIGHT domain 'biolgy'"),
        ({"metrics": {"pony": {"nDCG@10": 1.0}}}, "pony: unknown metric(s) nDCG@10; valid: NDCG@1"),
    ],
)
def test_bad_records_name_the_bad_thing(kwargs, message):
    base = {"name": "ok", "label": "L", "source": MEASURED, "first_stage": FS}
    with pytest.raises(ValueError) as err:
        SystemRecord(**{**base, **kwargs})
    assert message in str(err.value)


def test_other_schema_version_is_refused(tmp_path):
    path = save_system(measured(), tmp_path)
    data = json.loads(path.read_text())
    data["schema_version"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(ResultsError, match="schema version 99; this harness reads version 1"):
        load_system(path)
