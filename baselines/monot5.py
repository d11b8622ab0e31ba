"""monoT5 (Nogueira et al. 2020; castorini/pygaggle `MonoT5`, rank_llm monot5): a seq2seq
pointwise reranker. Input `Query: {q} Document: {d} Relevant:` (truncated to 512 tokens, as
pygaggle's tokenizer does, which may cut the "Relevant:" tail of a long document); the score is
p(true) from the first decoder step, a softmax over the logits of the "▁true" and "▁false"
tokens only."""

from __future__ import annotations

from collections.abc import Sequence

from bright_eval.rerank import Candidate, Judgement, RerankerMeta
from bright_eval.rerank.backends.base import loading
from bright_eval.rerank.local_model import LocalModelReranker, batches, torch_dtype
from bright_eval.rerank.meta import LOCAL_MODEL
from bright_eval.rerank.scoring import two_way_probability

MONOT5_PROMPT = "Query: {query} Document: {document} Relevant:"
TRUE_TOKEN, FALSE_TOKEN = "▁true", "▁false"


class MonoT5(LocalModelReranker):
    meta = RerankerMeta(
        name="monot5-3b",
        description="monoT5 3B (MS MARCO): seq2seq, score p(true) at the first decoder step",
        model_id="castorini/monot5-3b-msmarco-10k",
        accepts=LOCAL_MODEL,
        citation="Nogueira et al. 2020, Document Ranking with a Pretrained Sequence-to-Sequence "
        "Model (castorini/pygaggle MonoT5)",
        published="16.8 over BM25 top-100, GPT-4o reasoning queries (Rank1 paper, Table 1)",
    )
    prompt_version = "pygaggle-1"
    backend_name = "transformers-seq2seq"
    prompt_template = MONOT5_PROMPT
    max_length = 512
    tokenizer_name: str | None = None  # None: the model's own
    true_token, false_token = TRUE_TOKEN, FALSE_TOKEN
    dtype = "float32"
    batch_size = 16
    _parameter_kind = "seq2seq"

    def __init__(
        self,
        options=None,
        tokenizer: str | None = None,
        batch_size: int | None = None,
        device: str | None = None,
        dtype: str | None = None,
        true_token: str | None = None,
        false_token: str | None = None,
    ):
        super().__init__(options, batch_size=batch_size, device=device)
        self.tokenizer_name = tokenizer or self.tokenizer_name
        self.dtype = dtype or self.dtype
        self.true_token = true_token or self.true_token
        self.false_token = false_token or self.false_token
        self._loaded = None

    def load(self):
        if self._loaded is None:
            from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

            name = self.tokenizer_name or self.model
            with loading("tokenizer", name):
                tokenizer = AutoTokenizer.from_pretrained(name, revision=self.revision)
            with loading("model", self.model):
                net = AutoModelForSeq2SeqLM.from_pretrained(
                    self.model, revision=self.revision, dtype=torch_dtype(self.dtype)
                )
            net.to(self.device).eval()
            ids = tokenizer.convert_tokens_to_ids([self.true_token, self.false_token])
            if tokenizer.unk_token_id in ids:
                wanted = f"{self.true_token!r}/{self.false_token!r}"
                raise ValueError(f"{name} has no {wanted} token")
            self._loaded = (tokenizer, net, ids)
        return self._loaded

    def prompt(self, candidate: Candidate) -> str:
        return self.prompt_template.format(query=candidate.query, document=candidate.document)

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
