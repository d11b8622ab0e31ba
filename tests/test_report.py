"""`python -m bright_eval report`: on the snapshot pipeline's SmolLM2 runs (ours-3b and its
label-only ablation), a listwise run and an encoder run, the pages hold every query, every judged
document and each output verbatim, escaped; the numbers are checked against values worked out
here from the run files and the gold ids."""

import gzip
import json
import math
import shutil
from dataclasses import asdict

import pytest

from bright_eval.cli import main
from bright_eval.report.moves import win_tie_loss
from bright_eval.report.rankings import pointwise_reranked
from bright_eval.report.records import load_record
from bright_eval.report.view import DomainView, QueryView, page_name, repairs
from bright_eval.rerank import Candidate, RerankerOptions
from bright_eval.runs import ranked, read_run
from bright_eval_zoo.listwise import RankGPT
from tests.fakes import FakeBackend, with_backend
from tests.report_snapshot import DOMAIN, HOSTILE, Oracle, read_page, run, snapshot

QUERY_IDS = ["11", "20"]  # the two shortest biology queries: short prompts, fast on a CPU
FIRST_STAGE_DEPTH = 5  # the snapshot's first stage: 5 documents per query
DOCS_PER_QUERY = 3  # the SmolLM2 runs judge the top 3 (the listwise run takes all 5)


@pytest.fixture(scope="module")
def snap(shared_bright, tmp_path_factory):
    root = tmp_path_factory.mktemp("bright")
    rows, docs, hostile = snapshot(shared_bright, root, QUERY_IDS, FIRST_STAGE_DEPTH)
    return root, {r["id"]: r for r in rows}, docs, hostile


@pytest.fixture(scope="module")
def smollm2_runs(snap, smollm2_path, tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    options = ("--model", smollm2_path, "--backend", "transformers", "--max-new-tokens", "8",
               "--batch-size", "6", "--top-k", str(DOCS_PER_QUERY))  # fmt: skip
    ours = run(snap[0], base / "results", base / "cache", "ours-3b", *options)
    label_only = run(snap[0], base / "results", base / "cache", "ours-3b-label-only", *options)
    return ours, label_only


def outputs_of(folder):
    return [json.loads(line) for line in gzip.open(folder / "outputs" / f"{DOMAIN}.jsonl.gz")]


def run_order(path):
    return {q: [d for d, _ in ranked(docs)] for q, docs in read_run(path).items()}


def ndcg10(order, gold):
    """Binary nDCG@10 by its definition (Järvelin & Kekäläinen), independent of the harness."""
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(order[:10]) if d in gold)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(gold))))
    return dcg / ideal


def report(folder, out, *extra):
    assert main(["report", str(folder), "--out", str(out), *extra]) == 0
    return out


def test_every_query_document_and_explanation_verbatim_and_escaped(snap, smollm2_runs, tmp_path):
    root, rows, docs, hostile = snap
    ours, _ = smollm2_runs
    out = report(ours, tmp_path / "report")
    outputs = outputs_of(ours)
    assert len(outputs) == len(QUERY_IDS) * DOCS_PER_QUERY
    reranked = run_order(ours / "run" / f"{DOMAIN}.trec.gz")
    first = run_order(root / f"{DOMAIN}.trec")
    html, domain_page = read_page(out / DOMAIN / "index.html")
    shown = {r["attrs"]["data-qid"]: r for r in domain_page.rows if "data-qid" in r["attrs"]}
    assert set(shown) == set(QUERY_IDS)
    for qid in QUERY_IDS:
        gold = set(rows[qid]["gold_ids"])
        cells = {c["attrs"].get("data-key"): c["attrs"]["data-value"] for c in shown[qid]["cells"]
                 if "data-value" in c["attrs"]}  # fmt: skip
        assert float(cells["after"]) == pytest.approx(ndcg10(reranked[qid], gold), abs=1e-12)
        # A smoke run writes no first-stage row, so "before" is the first stage's order of the
        # candidates that were reranked (its top DOCS_PER_QUERY).
        before = ndcg10(first[qid][:DOCS_PER_QUERY], gold)
        assert float(cells["before"]) == pytest.approx(before, abs=1e-12)
        page_html, page = read_page(out / DOMAIN / f"q-{qid}.html")
        assert rows[qid]["query"] in page.pre_texts  # the query text, whole
        # Every judged document, in the run's order, with its explanation exactly as generated.
        assert page.doc_order == reranked[qid]
        for o in (o for o in outputs if o["query_id"] == qid):
            assert page.docs[o["doc_id"]]["explanation"] == o["raw"]
            assert page.docs[o["doc_id"]]["text"] == docs[o["doc_id"]]
            assert f"label {o['label']}" in page_html
        # The only script on the page is the report's own; the document's travels as text.
        assert page.scripts == [{"src": "../static/report.js"}]
        assert "<script>alert(1)" not in page_html and "</pre><b>" not in page_html
    _, page = read_page(out / DOMAIN / f"q-{QUERY_IDS[0]}.html")
    assert page.docs[hostile]["text"].endswith(HOSTILE)
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;/pre&gt;&lt;b&gt;unclosed &#34;quoted"
        in (out / DOMAIN / f"q-{QUERY_IDS[0]}.html").read_text()
    )
    # Overview: labels against gold, counted here from the outputs and the gold ids.
    _, index = read_page(out / "index.html")
    expected = {}
    for o in outputs:
        gold = o["doc_id"] in rows[o["query_id"]]["gold_ids"]
        expected.setdefault(str(o["label"]), [0, 0])[0 if gold else 1] += 1
    table = index.table("label")
    assert {r[0]: [int(r[1]), int(r[2])] for r in table} == expected
    failures = sum(not o["parsed"] for o in outputs)
    [overview] = index.table("Domain")
    assert overview[0] == DOMAIN and overview[1] == str(len(QUERY_IDS))
    assert overview[7] == f"{failures} / {len(outputs)}"


def test_a_smoke_run_without_kept_runs_rebuilds_the_same_order(smollm2_runs):
    """A --max-queries run keeps no run file: the list is rebuilt from the outputs."""
    ours, _ = smollm2_runs
    record = load_record(ours)
    rebuilt = pointwise_reranked(record.outputs[DOMAIN], record.ranked_by)
    assert rebuilt == run_order(ours / "run" / f"{DOMAIN}.trec.gz")


def test_two_systems_side_by_side(snap, smollm2_runs, tmp_path):
    root, rows, _, _ = snap
    ours, label_only = smollm2_runs
    out = report(ours, tmp_path / "report", "--compare", str(label_only))
    mine = run_order(ours / "run" / f"{DOMAIN}.trec.gz")
    theirs = run_order(label_only / "run" / f"{DOMAIN}.trec.gz")
    first = run_order(root / f"{DOMAIN}.trec")
    raw = {(o["query_id"], o["doc_id"]): o["raw"] for o in outputs_of(label_only)}
    for qid in QUERY_IDS:
        _, page = read_page(out / DOMAIN / f"q-{qid}.html")
        diff = page.table("Rank")
        assert [r[0] for r in diff] == ["1", "2", "3"]
        for rank, row in enumerate(diff):
            a, b = mine[qid][rank], theirs[qid][rank]
            # The first stage's document at that rank, then each system's.
            assert row[1].startswith(first[qid][rank])
            assert row[2].startswith(a) and f"#{theirs[qid].index(a) + 1}" in row[2]
            assert row[3].startswith(b) and f"#{mine[qid].index(b) + 1}" in row[3]
        # The ablation's own output for each document, folded under ours.
        explanations = [t for t in page.pre_texts if t in raw.values()]
        assert sorted(explanations) == sorted(raw[qid, d] for d in mine[qid])
    _, index = read_page(out / "index.html")
    [overview] = index.table("Domain")
    theirs_mean = sum(ndcg10(theirs[q], set(rows[q]["gold_ids"])) for q in QUERY_IDS) / 2
    assert overview[8] == f"{theirs_mean * 100:.1f}"
    # B − A spelled out, and B's wins / ties / losses against A over the two queries.
    assert "<b>B − A</b>: B's nDCG@10 minus A's" in (out / "index.html").read_text()
    gains = [
        ndcg10(theirs[q], set(rows[q]["gold_ids"])) - ndcg10(mine[q], set(rows[q]["gold_ids"]))
        for q in QUERY_IDS
    ]
    record = [sum(g > 1e-12 for g in gains), sum(abs(g) <= 1e-12 for g in gains)]
    record.append(len(gains) - sum(record))
    assert overview[11] == " / ".join(map(str, record))


def test_listwise_windows_input_order_raw_answer_and_repairs(snap, tmp_path):
    root, rows, _, hostile = snap
    folder = run(root, tmp_path / "results", tmp_path / "cache", "report-test-reverser")
    out = report(folder, tmp_path / "report")
    first = run_order(root / f"{DOMAIN}.trec")
    kept = run_order(folder / "run" / f"{DOMAIN}.trec.gz")
    for qid in QUERY_IDS:
        # Five candidates in windows of 3, stride 2, bottom-up: positions 3-5 are reversed,
        # then positions 1-3 of the result.
        f = first[qid]
        after_step_1 = f[:2] + f[2:5][::-1]
        expected = after_step_1[:3][::-1] + after_step_1[3:]
        html, page = read_page(out / DOMAIN / f"q-{qid}.html")
        assert page.doc_order == kept[qid] == expected
        assert "Step 1: positions 3–5" in html and "Step 2: positions 1–3" in html
        windows = page.table_lists()
        assert windows == [f[2:5], f[2:5][::-1], after_step_1[:3], after_step_1[:3][::-1]]
        assert html.count('<span class="badge fail">repaired</span>') == 2
        assert html.count("1 repeated id dropped") == 2
        assert "[3] &gt; [2] &gt; [1] &gt; [3]&lt;script&gt;" in html
        assert sum(t == "[3] > [2] > [1] > [3]" + HOSTILE for t in page.pre_texts) == 2
    # Without the run file (a smoke run keeps none) the windows are replayed: same lists.
    shutil.rmtree(folder / "run")
    out2 = report(folder, tmp_path / "report2")
    for qid in QUERY_IDS:
        assert read_page(out2 / DOMAIN / f"q-{qid}.html")[1].doc_order == kept[qid]


def test_an_encoder_shows_scores_only(snap, minilm_cross_encoder, tmp_path):
    root = snap[0]
    folder = run(root, tmp_path / "results", tmp_path / "cache", "cross-encoder",
                 "--model", str(minilm_cross_encoder))  # fmt: skip
    out = report(folder, tmp_path / "report")
    scores = {(o["query_id"], o["doc_id"]): o["score"] for o in outputs_of(folder)}
    index_html = (out / "index.html").read_text()
    assert "No labels: this reranker gives scores only." in index_html
    for qid in QUERY_IDS:
        html, page = read_page(out / DOMAIN / f"q-{qid}.html")
        assert all("explanation" not in d for d in page.docs.values())
        for doc in page.doc_order:
            assert f"score {scores[qid, doc]:.4f}" in html


def test_without_a_corpus_the_report_says_so(snap, smollm2_runs, tmp_path):
    root = snap[0]
    queries_only = tmp_path / "queries-only"
    shutil.copytree(root / "examples", queries_only / "examples")
    out = report(smollm2_runs[0], tmp_path / "report", "--data-dir", str(queries_only))
    html, page = read_page(out / DOMAIN / f"q-{QUERY_IDS[0]}.html")
    assert "document texts are not available: the documents corpus could not be loaded" in html
    assert all("text" not in d for d in page.docs.values()) and len(page.docs) == DOCS_PER_QUERY


def test_bad_input_is_one_line(smollm2_runs, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BRIGHT_DATA_DIR", raising=False)
    ours, _ = smollm2_runs
    first_stage_row = tmp_path / "results" / "first-stage"
    first_stage_row.mkdir(parents=True)
    system = json.loads((ours / "system.json").read_text())
    system.update(name="first-stage", reranker=None, smoke=False)
    (first_stage_row / "system.json").write_text(json.dumps(system))
    other_results = tmp_path / "deeper" / "elsewhere"  # the data path it names misses
    shutil.copytree(ours, other_results / "moved")
    system = json.loads((other_results / "moved" / "system.json").read_text())
    system["first_stage"]["id"] = "another/first-stage"
    (other_results / "moved" / "system.json").write_text(json.dumps(system))
    cases = [
        ([str(tmp_path / "nothing")], "no system.json; expected a results/<system>/ folder"),
        ([str(first_stage_row)], "is a first-stage row; give a reranked system"),
        (
            [str(ours), "--domains", "pony"],
            "no outputs for domain 'pony'; this record has: biology",
        ),
        ([str(ours), "--compare", str(other_results / "moved")], "differs from"),
        # Moved away from the data folder it names, with no --data-dir.
        ([str(other_results / "moved")], "is not here; pass --data-dir DIR"),
        ([str(ours), "--doc-chars", "-1"], "--doc-chars -1: must be 0 or more"),
    ]
    for argv, message in cases:
        assert main(["report", *argv, "--out", str(tmp_path / "r")]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


def test_a_zoo_listwise_answer_keeps_what_was_repaired():
    """What the report shows per window comes from here: RankGPT's repair of `[2] > [2] > [9]`
    over three passages drops one repeated and one unknown id and appends the two missing."""
    reranker = with_backend(RankGPT(RerankerOptions(model="m")), FakeBackend(["[2] > [2] > [9]"]))
    window = [Candidate("q", "query", f"d{i}", "text", i + 1) for i in range(3)]
    [answer] = reranker.permute([window])
    assert answer.order == [1, 0, 2] and answer.repaired
    fix = answer.repair
    assert (fix.duplicates, fix.unknown, fix.missing, fix.no_answer) == (1, 1, 2, 0)
    assert repairs(asdict(fix)) == (
        "1 repeated id dropped, 1 unknown id dropped, 2 missing ids appended in input order"
    )


def test_explanations_with_html_stay_text_and_expected_labels_show(snap, tmp_path):
    """A scripted oracle (tests/report_snapshot.py) whose every explanation carries HTML, and
    which records an expected label (0.1 + 0.9 * label) beside each label."""
    root, rows, _, _ = snap
    Oracle.gold = {q: set(r["gold_ids"]) for q, r in rows.items()}
    Oracle.helps = {QUERY_IDS[0]}
    folder = run(root, tmp_path / "results", tmp_path / "cache", Oracle.name)
    out = report(folder, tmp_path / "report")
    for qid in QUERY_IDS:
        html, page = read_page(out / DOMAIN / f"q-{qid}.html")
        assert len(page.docs) == FIRST_STAGE_DEPTH
        for doc, shown in page.docs.items():
            gold = doc in Oracle.gold[qid]
            label = 2 if gold == (qid in Oracle.helps) else 0
            assert shown["explanation"] == f"Doc {doc} {HOSTILE}\nRelevance label: {label} ##"
        assert html.count("expected label 1.900") + html.count("expected label 0.100") == 5
        assert page.scripts == [{"src": "../static/report.js"}]


def test_wins_ties_and_losses_counted_by_hand():
    """Three queries: one raised (0.2 -> 0.5), one equal (0.4 -> 0.4), one lowered (0.6 ->
    0.1); B against A: B 0.9 beats A's 0.5, B 0.4 ties A's 0.4, B 0.0 loses to A's 0.1."""
    queries = [
        QueryView(DOMAIN, q, page_name(q), "", [], before, after, other_ndcg=other)
        for q, before, after, other in [("a", 0.2, 0.5, 0.9), ("b", 0.4, 0.4, 0.4),
                                        ("c", 0.6, 0.1, 0.0)]
    ]  # fmt: skip
    domain = DomainView(DOMAIN, queries, 0.4, 1 / 3, None, [], [])
    assert asdict(domain.win_tie_loss) == {"wins": 1, "ties": 1, "losses": 1}
    assert asdict(domain.other_win_tie_loss) == {"wins": 1, "ties": 1, "losses": 1}
    assert asdict(win_tie_loss([0.1, 0.2, -0.3, 0.0, 0.0])) == {"wins": 2, "ties": 2, "losses": 1}
    # The scatter: x = first stage, y = 1 - reranked (SVG's y points down), 200 units a side.
    points = {p.qid: (p.x, p.y, p.kind) for p in domain.points}
    assert points == {"a": (40.0, 100.0, "up"), "b": (80.0, 120.0, "flat"),
                      "c": (120.0, 180.0, "down")}  # fmt: skip


def test_gold_documents_first_stage_and_reranked_ranks_unfolded(snap, tmp_path):
    """The oracle ranks the gold candidates of query 11 first and those of query 20 last; the
    table at the top of each page gives each gold id's two ranks, from the run files."""
    root, rows, _, _ = snap
    Oracle.gold = {q: set(r["gold_ids"]) for q, r in rows.items()}
    Oracle.helps = {QUERY_IDS[0]}
    folder = run(root, tmp_path / "results", tmp_path / "cache", Oracle.name)
    out = report(folder, tmp_path / "report")
    first = run_order(root / f"{DOMAIN}.trec")
    reranked = run_order(folder / "run" / f"{DOMAIN}.trec.gz")
    for qid in QUERY_IDS:
        html, page = read_page(out / DOMAIN / f"q-{qid}.html")
        assert '<details class="gold-list">' not in html  # unfolded, above the lists
        expected = []
        for g in sorted(Oracle.gold[qid], key=lambda g: (g not in reranked[qid], g)):
            if g not in reranked[qid]:
                expected.append([g, "not among the candidates"])
                continue
            before, after = first[qid].index(g) + 1, reranked[qid].index(g) + 1
            moved = "=" if before == after else ("▲" if before > after else "▼")
            moved += str(abs(before - after)) if before != after else ""
            expected.append([g, f"#{before}", f"#{after}", moved])
        shown = page.table("Gold document")
        candidates = [r for r in expected if len(r) == 4]
        assert shown[: len(candidates)] == sorted(candidates, key=lambda r: int(r[2][1:]))
        assert shown[len(candidates) :] == [r for r in expected if len(r) == 2]
    # Query 11's gold candidates come first; worked out from the snapshot's first stage.
    shown = read_page(out / DOMAIN / f"q-{QUERY_IDS[0]}.html")[1].table("Gold document")
    assert [r[2] for r in shown if len(r) == 4] == [
        f"#{i}" for i in range(1, 1 + sum(len(r) == 4 for r in shown))
    ]


def test_a_family_the_report_cannot_show_is_one_line(tmp_path):
    from bright_eval.report.records import ReportError, family_of

    # Setwise outputs are sets read as windows; groupwise ones (scores per group) are not.
    assert family_of({"reranker": {"family": "setwise"}}, tmp_path) == "listwise"
    with pytest.raises(ReportError, match="groupwise outputs are not shown yet"):
        family_of({"reranker": {"family": "groupwise"}}, tmp_path)
