"""A bright_eval reranker as a PyTerrier transformer (`bright_eval.bridges.pyterrier`): rows
in, the same rows reranked out, through the output cache."""

import pandas as pd
import pytest

pt = pytest.importorskip("pyterrier", reason="pyterrier is not installed (extra: pyterrier)")

from bright_eval.bridges import BridgeError  # noqa: E402
from bright_eval.bridges.pyterrier import RerankerTransformer  # noqa: E402
from bright_eval.rerank import (  # noqa: E402
    Judgement,
    ListwiseReranker,
    Permutation,
    PointwiseReranker,
    RerankerMeta,
)


class Overlap(PointwiseReranker):
    """The number of query words in the document: ties are common, as with real labels."""

    meta = RerankerMeta(name="test-bridge-overlap")
    not_settings = frozenset({"calls"})

    def __init__(self, options=None):
        super().__init__(options)
        self.calls = 0

    def judge(self, candidates):
        self.calls += len(candidates)
        return [
            Judgement(score=float(len(set(c.query.split()) & set(c.document.split()))))
            for c in candidates
        ]


class Reverse(ListwiseReranker):
    meta = RerankerMeta(name="test-bridge-reverse")

    def permute(self, windows):
        return [Permutation(order=list(range(len(w)))[::-1]) for w in windows]


def frame() -> pd.DataFrame:
    # Rows out of order on purpose: the first stage's order is the `rank` column.
    rows = [
        ("q1", "red apples", "d3", "red apples here", 7.0, 2),
        ("q1", "red apples", "d1", "nothing", 9.0, 0),
        ("q1", "red apples", "d2", "red things", 8.0, 1),
        ("q1", "red apples", "d4", "apples", 6.0, 3),
        ("q2", "blue sky", "e1", "sky", 5.0, 0),
        ("q2", "blue sky", "e2", "blue sky", 4.0, 1),
    ]
    return pd.DataFrame(rows, columns=["qid", "query", "docno", "text", "score", "rank"])


def test_a_pointwise_reranker_reorders_the_rows_ties_by_first_stage_rank(tmp_path):
    reranker = Overlap()
    out = RerankerTransformer(reranker, cache_root=tmp_path)(frame())
    # q1: d3 has 2 query words; d2 and d4 have 1 each (d2 came first); d1 none.
    columns = [out.qid, out.docno, out["rank"], out.score, out.reranker_score]
    assert list(zip(*columns, strict=True)) == [
        ("q1", "d3", 0, 4.0, 2.0),
        ("q1", "d2", 1, 3.0, 1.0),
        ("q1", "d4", 2, 2.0, 1.0),
        ("q1", "d1", 3, 1.0, 0.0),
        ("q2", "e2", 0, 2.0, 2.0),
        ("q2", "e1", 1, 1.0, 1.0),
    ]
    assert list(out.text[:1]) == ["red apples here"]  # the other columns travel with their row
    assert reranker.calls == 6


def test_a_second_transformer_reads_the_outputs_back_from_the_cache(tmp_path):
    RerankerTransformer(Overlap(), cache_root=tmp_path)(frame())
    again = Overlap()
    transformer = RerankerTransformer(again, cache_root=tmp_path)
    out = transformer(frame())
    assert again.calls == 0
    assert (transformer.stats.items, transformer.stats.cached) == (6, 6)
    assert list(out.docno) == ["d3", "d2", "d4", "d1", "e2", "e1"]
    [folder] = (tmp_path / "rerank").iterdir()  # the pipeline's folder for this reranker
    assert folder.name == f"test-bridge-overlap-{again.config_hash()}"


def test_a_listwise_reranker_in_a_pyterrier_pipeline(tmp_path):
    class FirstStage(pt.Transformer):
        def transform(self, topics):
            return frame()[frame().qid.isin(topics.qid)]

    topics = pd.DataFrame({"qid": ["q2"], "query": ["blue sky"]})
    out = (FirstStage() >> RerankerTransformer(Reverse(), cache_root=tmp_path))(topics)
    ranked = list(zip(out.docno, out["rank"], out.score, strict=True))
    assert ranked == [("e2", 0, 2.0), ("e1", 1, 1.0)]
    assert "reranker_score" not in out.columns  # a listwise reranker gives positions only


def test_a_frame_without_text_is_one_line_naming_the_column(tmp_path):
    with pytest.raises(BridgeError, match=r"lacks text: .*pt\.text\.get_text"):
        RerankerTransformer(Overlap(), cache_root=tmp_path)(frame().drop(columns="text"))


def test_a_document_listed_twice_for_one_query_is_refused(tmp_path):
    twice = pd.concat([frame(), frame().iloc[[1]]])
    with pytest.raises(BridgeError, match="query q1 lists document d1 twice"):
        RerankerTransformer(Overlap(), cache_root=tmp_path)(twice)


def test_a_registered_name_builds_the_reranker_and_its_scores_are_checked(tmp_path):
    assert RerankerTransformer("test-bridge-overlap").reranker.name == "test-bridge-overlap"
    with pytest.raises(BridgeError, match="score 'expected_label': test-bridge-overlap ranks"):
        RerankerTransformer(Overlap(), score="expected_label")
