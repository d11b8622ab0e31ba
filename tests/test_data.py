import pytest

from bright_eval.data import BrightData, DataError
from bright_eval.domains import DOMAINS


def read_qrels_file(path):
    qrels = {}
    for line in path.read_text().splitlines():
        qid, _, docid, rel = line.split("\t")
        qrels.setdefault(qid, {})[docid] = int(rel)
    return qrels


@pytest.mark.parametrize("domain", list(DOMAINS))
def test_queries_and_qrels_match_the_official_qrels(bright, shared_bright, domain):
    queries = bright.queries(domain)
    assert len(queries) == DOMAINS[domain].n_queries
    assert bright.qrels(domain) == read_qrels_file(shared_bright / "qrels" / f"{domain}.txt")


def test_na_placeholder_means_nothing(bright):
    # StackExchange and pony store excluded_ids as ["N/A"]; leetcode's gold_ids_long is ["N/A"].
    assert all(q.excluded_ids == frozenset() for q in bright.queries("biology"))
    assert all(q.excluded_ids == frozenset() for q in bright.queries("pony"))
    assert all(q.gold_ids_long == () for q in bright.queries("leetcode"))
    assert all("N/A" not in q.gold_ids_long for q in bright.queries("pony"))


def test_aops_has_long_real_exclusion_lists(bright):
    sizes = [len(q.excluded_ids) for q in bright.queries("aops")]
    assert min(sizes) > 0 and sum(sizes) / len(sizes) > 5000  # shared README: ~5,600 per query


def test_duplicate_gold_ids_collapse(bright):
    import pyarrow.parquet as pq

    from tests.conftest import SHARED_BRIGHT

    table = pq.read_table(SHARED_BRIGHT / "examples" / "theoremqa_questions-00000-of-00001.parquet")
    raw = {str(r["id"]): r["gold_ids"] for r in table.to_pylist()}
    dup = [qid for qid, gold in raw.items() if len(gold) != len(set(gold))]
    assert dup, "theoremqa_questions is known to list some gold ids twice"
    qrels = bright.qrels("theoremqa_questions")
    for qid in dup:
        assert set(qrels[qid]) == set(raw[qid]) and len(qrels[qid]) == len(set(raw[qid]))


def test_long_qrels_come_from_gold_ids_long(bright):
    q = bright.queries("pony")[0]
    assert bright.qrels("pony", long_documents=True)[q.id] == {d: 1 for d in q.gold_ids_long}


def test_missing_config_names_available_ones(bright):
    with pytest.raises(
        DataError, match="config 'documents' not found.*available configs: examples"
    ):
        bright.documents("pony")


def test_a_folder_of_queries_only_says_a_rerank_needs_the_corpus(bright, tmp_path):
    """../shared/bright has the queries only: the README's laptop rerank on it used to stop at
    "config 'documents' not found" with no word on what to do."""
    with pytest.raises(DataError) as err:
        bright.documents("pony", long_documents=True)
    message = str(err.value)
    assert "\n" not in message and "config 'long_documents' not found" in message
    assert message.endswith(
        "a first stage or a reranker reads the document texts: add "
        "long_documents/pony-*.parquet from xlangai/BRIGHT, or leave out --data-dir "
        "(and $BRIGHT_DATA_DIR) to read BRIGHT from the Hub"
    )
    with pytest.raises(DataError) as err:  # a query config: no word about the corpus
        bright.queries("pony", "gpt4_reason")
    assert str(err.value).endswith("available configs: examples")


def test_unknown_query_variant(bright):
    with pytest.raises(DataError, match="unknown query variant 'gpt5'.*gpt4_reason"):
        bright.queries("pony", "gpt5")


def test_missing_data_dir(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        BrightData.from_options(str(tmp_path / "nowhere"))


def test_provenance_names_local_folder(bright, shared_bright):
    assert bright.describe()["source"] == "local"
    assert bright.describe()["path"] == str(shared_bright.resolve())
