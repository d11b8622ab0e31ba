"""Stage 2, `decontaminate`: drop what BRIGHT tests on from the training data.

BRIGHT's StackExchange queries are StackExchange posts and its gold documents are pages linked
from their answers, the very kind of data `collect` gathers. Two checks, both MinHash (datasketch,
128 permutations) over lower-cased word 3-gram shingles:

- a training question (`title + " " + body`) whose estimated Jaccard similarity with any BRIGHT
  query (all 12 domains) is at least `question_threshold` (0.5) is dropped with its pages;
- a training page that contains a BRIGHT gold document (estimated containment of the gold text
  in the page, at least `page_threshold`, 0.5) is dropped. Containment, not Jaccard: BRIGHT's
  documents are chunks of pages, and a fetched page is the whole page.

Gold texts: the gold documents (short and long) from the corpus when it can be loaded (the Hub,
or a local snapshot with `documents/`); otherwise each query's `gold_answer` from the examples,
which quotes the pages but is not them (a weaker check, named in the record).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bright_eval.distill.prompts import question_text
from bright_eval.distill.trainset import pages

WORD = re.compile(r"\w+")
NUM_PERM = 128


@dataclass(frozen=True)
class DecontaminateSettings:
    shingle_words: int = 3
    question_threshold: float = 0.5  # Jaccard with a BRIGHT query
    page_threshold: float = 0.5  # containment of a BRIGHT gold text in the page
    num_perm: int = NUM_PERM


def shingles(text: str, n: int) -> set[str]:
    words = WORD.findall(text.lower())
    if len(words) < n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def minhash(items: set[str], num_perm: int):
    from datasketch import MinHash

    m = MinHash(num_perm=num_perm, seed=1)
    m.update_batch([s.encode("utf-8") for s in items])
    return m


@dataclass
class Reference:
    domain: str
    id: str  # query id, or gold document id
    text: str


def near_duplicate_questions(
    records: list[dict], queries: list[Reference], s: DecontaminateSettings
) -> dict[str, Reference]:
    """Training question id -> the BRIGHT query it nearly copies."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=s.question_threshold, num_perm=s.num_perm)
    hashes = {}
    for i, q in enumerate(queries):
        hashes[i] = minhash(shingles(q.text, s.shingle_words), s.num_perm)
        lsh.insert(i, hashes[i])
    found = {}
    for record in records:
        m = minhash(shingles(question_text(record["question"]), s.shingle_words), s.num_perm)
        # LSH proposes candidates; the estimated Jaccard decides.
        best = max(lsh.query(m), key=lambda i: m.jaccard(hashes[i]), default=None)
        if best is not None and m.jaccard(hashes[best]) >= s.question_threshold:
            found[record["id"]] = queries[best]
    return found


def pages_containing_gold(
    records: list[dict], golds: list[Reference], s: DecontaminateSettings
) -> dict[tuple[str, str], Reference]:
    """(question id, page id) -> the BRIGHT gold text the page contains."""
    from datasketch import MinHashLSHEnsemble

    entries = []
    for record in records:
        for page_id, page in pages(record):
            items = shingles(page["text"], s.shingle_words)
            if items:
                entries.append(((record["id"], page_id), minhash(items, s.num_perm), len(items)))
    if not entries or not golds:
        return {}
    ensemble = MinHashLSHEnsemble(threshold=s.page_threshold, num_perm=s.num_perm, num_part=8)
    ensemble.index(entries)
    found: dict[tuple[str, str], Reference] = {}
    for gold in golds:
        items = shingles(gold.text, s.shingle_words)
        if items:
            for key in ensemble.query(minhash(items, s.num_perm), len(items)):
                found.setdefault(key, gold)
    return found


def decontaminate(
    records: list[dict],
    queries: list[Reference],
    golds: list[Reference],
    settings: DecontaminateSettings,
) -> tuple[list[dict], dict]:
    """The records without leaked questions and pages, and what was dropped per domain."""
    leaked_q = near_duplicate_questions(records, queries, settings)
    leaked_p = pages_containing_gold(records, golds, settings)
    report: dict[str, Counter] = {"questions": Counter(), "pages": Counter()}
    kept = []
    for record in records:
        if record["id"] in leaked_q:
            report["questions"][leaked_q[record["id"]].domain] += 1
            continue
        links = []
        for page_id, page in pages(record):
            gold = leaked_p.get((record["id"], page_id))
            if gold is not None:
                report["pages"][gold.domain] += 1
            elif page_id != "other":
                links.append(page)
        record = {**record, "links": links}
        if (record["id"], "other") in leaked_p:
            record.pop("other_document")
        kept.append(record)
    examples = {
        "questions": [
            {"question": r, "bright_query": f"{q.domain}/{q.id}"} for r, q in leaked_q.items()
        ][:20],
        "pages": [
            {"question": k[0], "page": k[1], "bright_gold": f"{g.domain}/{g.id}"}
            for k, g in leaked_p.items()
        ][:20],
    }
    return kept, {
        "dropped_questions": dict(report["questions"]),
        "dropped_pages": dict(report["pages"]),
        "examples": examples,
    }


def load_references(data, domains: list[str]) -> tuple[list[Reference], list[Reference], dict]:
    """BRIGHT queries and gold texts of `domains` from a `BrightData`, and per domain where the
    gold texts came from ("corpus" or "gold_answer")."""
    from bright_eval.data import DataError

    queries, golds, source = [], [], {}
    for domain in domains:
        rows = data.load("examples", domain)
        queries += [Reference(domain, str(r["id"]), r["query"]) for r in rows]
        gold_ids = {i for r in rows for i in [*r["gold_ids"], *r["gold_ids_long"]] if i != "N/A"}
        try:
            corpus = [data.documents(domain)]
            try:
                corpus.append(data.documents(domain, long_documents=True))
            except (DataError, ValueError):
                pass  # a domain without long documents
            texts = [
                Reference(domain, d["id"], d["content"])
                for docs in corpus
                for d in docs.filter(lambda row, ids=gold_ids: row["id"] in ids)
            ]
            golds += texts
            source[domain] = "corpus"
        except (DataError, OSError, ConnectionError):
            golds += [
                Reference(domain, str(r["id"]), r["gold_answer"])
                for r in rows
                if r.get("gold_answer") and r["gold_answer"] != "N/A"
            ]
            source[domain] = "gold_answer"
    return queries, golds, source
