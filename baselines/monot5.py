"""monoT5 (Nogueira et al. 2020; castorini/pygaggle `MonoT5`, rank_llm monot5): a seq2seq
pointwise reranker. Input `Query: {q} Document: {d} Relevant:` (truncated to 512 tokens, as
pygaggle's tokenizer does, which may cut the "Relevant:" tail of a long document); the score is
p(true) from the first decoder step, a softmax over the logits of the "▁true" and "▁false"
tokens only."""

from __future__ import annotations

from collections.abc import Sequence

from baselines.encoders import batches, default_device, library_versions, local_model, torch_dtype
from baselines.scoring import two_way_probability
from bright_eval.rerank.backends.base import loading
from bright_eval.rerank.base import Candidate, Judgement, PointwiseReranker, RerankerOptions

MONOT5_PROMPT = "Query: {query} Document: {document} Relevant:"
TRUE_TOKEN, FALSE_TOKEN = "▁true", "▁false"


class MonoT5(PointwiseReranker):
    name = "monot5-3b"
    description = "monoT5 3B (MS MARCO): seq2seq, score p(true) at the first decoder step"
    model_id = "castorini/monot5-3b-msmarco-10k"
    prompt_version = "pygaggle-1"
    backend_name = "transformers"
    max_length = 512

    def __init__(
        self,
        options: RerankerOptions | None = None,
        tokenizer: str | None = None,
        batch_size: int = 16,
        device: str | None = None,
        dtype: str = "float32",
        true_token: str = TRUE_TOKEN,
        false_token: str = FALSE_TOKEN,
    ):
        super().__init__(options)
        self.model = local_model(self)
        self.revision = self.options.revision
        self.tokenizer_name = tokenizer or self.model
        self.batch_size = batch_size
        self.device = device or default_device()
        self.dtype = dtype
        self.true_token, self.false_token = true_token, false_token
        self._loaded = None

    def load(self):
        if self._loaded is None:
            from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

            with loading("tokenizer", self.tokenizer_name):
                tokenizer = AutoTokenizer.from_pretrained(
                    self.tokenizer_name, revision=self.revision
                )
            with loading("model", self.model):
                net = AutoModelForSeq2SeqLM.from_pretrained(
                    self.model, revision=self.revision, dtype=torch_dtype(self.dtype)
                )
            net.to(self.device).eval()
            ids = tokenizer.convert_tokens_to_ids([self.true_token, self.false_token])
            if tokenizer.unk_token_id in ids:
                wanted = f"{self.true_token!r}/{self.false_token!r}"
                raise ValueError(f"{self.tokenizer_name} has no {wanted} token")
            self._loaded = (tokenizer, net, ids)
        return self._loaded

    def prompt(self, candidate: Candidate) -> str:
        return MONOT5_PROMPT.format(query=candidate.query, document=candidate.document)

    def first_step_logits(self, texts: Sequence[str]) -> list[tuple[float, float]]:
        """(logit of true, logit of false) at the first decoder step, per text."""
        import torch

        tokenizer, net, (true_id, false_id) = self.load()
        enc = tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        ).to(self.device)
        start = torch.full(
            (len(texts), 1), net.config.decoder_start_token_id, dtype=torch.long, device=self.device
        )
        with torch.no_grad():
            logits = net(**enc, decoder_input_ids=start).logits[:, 0, :].float()
        return [(row[true_id].item(), row[false_id].item()) for row in logits]

    def judge(self, candidates: Sequence[Candidate]) -> list[Judgement]:
        judgements = []
        for batch in batches(candidates, self.batch_size):
            for lt, lf in self.first_step_logits([self.prompt(c) for c in batch]):
                score = two_way_probability(lt, lf)
                judgements.append(
                    Judgement(score=score, details={"logit_true": lt, "logit_false": lf})
                )
        return judgements

    def config(self) -> dict:
        return super().config() | {
            "model": self.model,
            "revision": self.revision,
            "tokenizer": self.tokenizer_name,
            "prompt": MONOT5_PROMPT,
            "max_length": self.max_length,
            "tokens": [self.true_token, self.false_token],
            "dtype": self.dtype,
            "backend": {"backend": "transformers-seq2seq", **library_versions()},
        }
