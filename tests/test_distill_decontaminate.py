"""Decontamination against real BRIGHT queries and gold answers from ../shared/bright."""

import pyarrow.parquet as pq

from bright_eval.data import BrightData
from bright_eval.distill.decontaminate import (
    DecontaminateSettings,
    Reference,
    decontaminate,
    load_references,
    shingles,
)


def rows(shared_bright, domain):
    parquet = shared_bright / "examples" / f"{domain}-00000-of-00001.parquet"
    return pq.read_table(parquet).to_pylist()


def edit(text: str, positions) -> str:
    words = text.split()
    for i in positions:
        words[i] = "changed"
    return " ".join(words)


def test_near_copies_of_bright_queries_and_gold_texts_are_dropped(shared_bright):
    data = BrightData.from_options(str(shared_bright))
    queries, golds, source = load_references(data, ["biology", "economics"])
    assert source == {"biology": "gold_answer", "economics": "gold_answer"}  # no corpus here
    assert len(queries) == 103 + 103  # BRIGHT's query counts for the two domains
    econ = next(r for r in rows(shared_bright, "economics") if len(r["query"].split()) > 80)
    bio = next(r for r in rows(shared_bright, "biology") if r["id"] == "3")
    copied = edit(econ["query"], range(5, 60, 12))  # five words changed
    title, body = copied.split(" ", 1)
    gold_page = "Intro to the page. " + edit(bio["gold_answer"], (4, 30, 70)) + " Some footer."
    records = [
        {"id": "copy", "question": {"title": title, "body": body},
         "links": [{"text": "Unrelated page about tides and the moon."}]},
        {"id": "fresh", "question": {"title": "How do tides work?",
                                     "body": "The moon pulls the sea, but why two tides a day?"},
         "links": [{"text": "The moon's gravity raises two bulges of water."},
                   {"text": gold_page}],
         "other_document": {"text": "A page about tea."}},
    ]  # fmt: skip
    # Independent check of the edit size: 3-word shingles of the copy vs the original.
    a, b = shingles(copied, 3), shingles(econ["query"], 3)
    assert len(a & b) / len(a | b) > 0.6
    kept, report = decontaminate(records, queries, golds, DecontaminateSettings())
    assert [r["id"] for r in kept] == ["fresh"]
    assert [link["text"] for link in kept[0]["links"]] == [records[1]["links"][0]["text"]]
    assert kept[0]["other_document"] == {"text": "A page about tea."}
    assert report["dropped_questions"] == {"economics": 1}
    assert report["dropped_pages"] == {"biology": 1}
    assert report["examples"]["questions"] == [
        {"question": "copy", "bright_query": f"economics/{econ['id']}"}
    ]


def test_unrelated_questions_and_pages_are_kept():
    queries = [Reference("biology", "0", "Why do I only breathe out of one nostril at a time?")]
    golds = [Reference("biology", "0", "The nasal cycle alternates congestion between nostrils.")]
    records = [{"id": "a", "question": {"title": "Why is the sky blue?", "body": "Asking."},
                "links": [{"text": "Rayleigh scattering."}]}]  # fmt: skip
    kept, report = decontaminate(records, queries, golds, DecontaminateSettings())
    assert kept == records
    assert report["dropped_questions"] == {} and report["dropped_pages"] == {}


def test_gold_documents_come_from_the_corpus_when_it_loads(shared_bright, tmp_path):
    import pyarrow as pa

    # A local snapshot: the real biology examples and a corpus holding query 3's gold documents
    # (texts written here; BRIGHT's corpus is not in ../shared) and one other document.
    (tmp_path / "examples").mkdir()
    (tmp_path / "documents").mkdir()
    parquet = "biology-00000-of-00001.parquet"
    examples = rows(shared_bright, "biology")
    pq.write_table(pa.Table.from_pylist(examples), tmp_path / "examples" / parquet)
    gold = next(r for r in examples if r["id"] == "3")["gold_ids"]
    text = "Gold passage {} about paw preference in cats and dogs."
    docs = [{"id": d, "content": text.format(i)} for i, d in enumerate(gold)]
    docs.append({"id": "other.txt", "content": "Not gold."})
    pq.write_table(pa.Table.from_pylist(docs), tmp_path / "documents" / parquet)
    data = BrightData.from_options(str(tmp_path))
    queries, golds, source = load_references(data, ["biology"])
    assert source == {"biology": "corpus"}
    assert sorted(g.id for g in golds) == sorted(gold)
    page = "Some intro. " + docs[0]["content"] + " More text on the page."
    records = [{"id": "x", "question": {"title": "Paws?", "body": "Left or right?"},
                "links": [{"text": page}, {"text": "Cats sleep a lot."}]}]  # fmt: skip
    kept, report = decontaminate(records, queries, golds, DecontaminateSettings())
    assert [link["text"] for link in kept[0]["links"]] == ["Cats sleep a lot."]
    assert report["dropped_pages"] == {"biology": 1}
