"""A model-free reranker for tests that go through the command line (`--plugin`)."""

from bright_eval.rerank import Judgement, PointwiseReranker


class FirstWordLength(PointwiseReranker):
    name = "test-first-word"

    def judge(self, candidates):
        return [Judgement(score=float(len(c.document.split()[0]))) for c in candidates]
