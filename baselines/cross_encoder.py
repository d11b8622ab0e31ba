"""Any sentence-transformers CrossEncoder, scored as BRIGHT's `rerank.py` (`STReranker`) does:
`CrossEncoder(model).predict([(query, document), ...], batch_size=8)`, the model's own score
(its default activation and max length, from the model's config)."""

from __future__ import annotations

from collections.abc import Sequence

from baselines.encoders import local_model
from bright_eval.rerank.backends.base import loading
from bright_eval.rerank.base import Candidate, Judgement, PointwiseReranker, RerankerOptions


class CrossEncoderReranker(PointwiseReranker):
    name = "cross-encoder"
    description = "any sentence-transformers CrossEncoder (BRIGHT's MiniLM baseline by default)"
    model_id = "cross-encoder/ms-marco-MiniLM-L-6-v2"
    prompt_version = "bright-streranker-1"
    backend_name = "sentence-transformers"

    def __init__(
        self,
        options: RerankerOptions | None = None,
        batch_size: int = 8,
        device: str | None = None,
    ):
        super().__init__(options)
        self.model = local_model(self)
        self.revision = self.options.revision
        self.batch_size = batch_size
        self.device = device
        self._encoder = None

    def encoder(self):
        if self._encoder is None:
            from sentence_transformers import CrossEncoder

            with loading("model", self.model):
                self._encoder = CrossEncoder(self.model, revision=self.revision, device=self.device)
        return self._encoder

    def judge(self, candidates: Sequence[Candidate]) -> list[Judgement]:
        if not candidates:
            return []
        pairs = [(c.query, c.document) for c in candidates]
        scores = self.encoder().predict(pairs, batch_size=self.batch_size, show_progress_bar=False)
        return [Judgement(score=float(s)) for s in scores]

    def config(self) -> dict:
        import sentence_transformers

        encoder = self.encoder()
        return super().config() | {
            "model": self.model,
            "revision": self.revision,
            # sentence-transformers 6 renamed max_length to max_seq_length
            "max_length": getattr(encoder, "max_seq_length", None) or encoder.max_length,
            "activation": type(encoder.activation_fn).__name__,
            "batch_size": self.batch_size,
            "backend": {
                "backend": "sentence-transformers",
                "sentence_transformers": sentence_transformers.__version__,
            },
        }
