# word_overlap.py
from bright_eval.rerank import Judgement, PointwiseReranker, RerankerMeta


class WordOverlap(PointwiseReranker):
    """The share of the query's words that the document contains."""

    meta = RerankerMeta(name="word-overlap", description="share of query words in the document")
    lowercase = True  # a declared setting: it is part of the cache key

    def words(self, text: str) -> set[str]:
        return set((text.lower() if self.lowercase else text).split())

    def judge(self, candidates):
        judged = []
        for c in candidates:
            query = self.words(c.query)
            overlap = len(query & self.words(c.document)) / max(len(query), 1)
            judged.append(Judgement(score=overlap))
        return judged
