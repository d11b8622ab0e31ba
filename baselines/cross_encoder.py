"""Any sentence-transformers CrossEncoder, scored as BRIGHT's `rerank.py` (`STReranker`) does:
`CrossEncoder(model).predict([(query, document), ...], batch_size=8)`, the model's own score
(its default activation and max length, from the model's config)."""

from __future__ import annotations

from collections.abc import Sequence

from bright_eval.rerank import Candidate, Judgement, RerankerMeta
from bright_eval.rerank.backends.base import loading
from bright_eval.rerank.local_model import LocalModelReranker
from bright_eval.rerank.meta import LOCAL_MODEL


class CrossEncoderReranker(LocalModelReranker):
    meta = RerankerMeta(
        name="cross-encoder",
        description="any sentence-transformers CrossEncoder (BRIGHT's MiniLM baseline by default)",
        model_id="cross-encoder/ms-marco-MiniLM-L-6-v2",
        accepts=LOCAL_MODEL,
        citation="Su et al. 2024, BRIGHT (arXiv 2407.12883), rerank.py STReranker",
        published="BRIGHT: MiniLM top-10 over BM25 13.1, top-100 8.3 (../shared/spec/zoo.md)",
    )
    prompt_version = "bright-streranker-1"
    backend_name = "sentence-transformers"
    batch_size = 8
    _parameter_kind = "classification"

    def __init__(self, options=None, batch_size: int | None = None, device: str | None = None):
        super().__init__(options, batch_size=batch_size, device=device)
        self._encoder = None

    def default_device(self) -> str | None:
        return None  # sentence-transformers picks its own, as in BRIGHT's STReranker

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

    def backend_info(self) -> dict:
        import sentence_transformers

        info = {
            "backend": self.backend_name,
            "sentence_transformers": sentence_transformers.__version__,
        }
        if self._encoder is not None:  # what the loaded model decided, for the record
            enc = self._encoder
            # sentence-transformers 6 renamed max_length to max_seq_length
            info["max_length"] = getattr(enc, "max_seq_length", None) or enc.max_length
            info["activation"] = type(enc.activation_fn).__name__
            info["parameters"] = sum(p.numel() for p in enc.model.parameters())
        return info
