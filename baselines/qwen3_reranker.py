"""Qwen3-Reranker (Qwen/Qwen3-Reranker-0.6B/4B/8B model cards, "Transformers Usage"): a causal
LM asked a yes/no question about the pair, with an instruction. The text is the card's fixed
prefix, `<Instruct>: {instruction}\\n<Query>: {query}\\n<Document>: {doc}` (cut so the whole
input fits 8,192 tokens), and the card's suffix, which ends an empty think block. Score: p(yes)
from the last position, a softmax over the logits of the "yes" and "no" tokens only."""

from __future__ import annotations

from collections.abc import Sequence

from bright_eval.rerank import Candidate, Judgement, RerankerMeta
from bright_eval.rerank.backends.base import loading
from bright_eval.rerank.local_model import LocalModelReranker, batches, torch_dtype
from bright_eval.rerank.meta import LOCAL_MODEL
from bright_eval.rerank.scoring import two_way_probability

QWEN3_PREFIX = (
    "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query "
    'and the Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n'
    "<|im_start|>user\n"
)
QWEN3_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
QWEN3_PAIR = "<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}"
DEFAULT_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query"


def qwen3_meta(size: str) -> RerankerMeta:
    return RerankerMeta(
        name=f"qwen3-reranker-{size.lower()}",
        description=f"Qwen3-Reranker {size}: p(yes) with the model card's instruction template",
        model_id=f"Qwen/Qwen3-Reranker-{size}",
        accepts=LOCAL_MODEL,
        citation="Zhang et al. 2025, Qwen3 Embedding (arXiv 2506.05176); model card",
    )


class Qwen3Reranker(LocalModelReranker):
    meta = qwen3_meta("0.6B")
    prompt_version = "qwen3-card-1"
    backend_name = "transformers-causal-logits"
    template = (QWEN3_PREFIX, QWEN3_PAIR, QWEN3_SUFFIX)
    instruction = DEFAULT_INSTRUCTION
    max_length = 8192
    dtype = "float32"
    batch_size = 8

    def __init__(
        self,
        options=None,
        instruction: str | None = None,
        batch_size: int | None = None,
        device: str | None = None,
        dtype: str | None = None,
    ):
        super().__init__(options, batch_size=batch_size, device=device)
        self.instruction = instruction or self.instruction
        self.dtype = dtype or self.dtype
        self._loaded = None

    def load(self):
        if self._loaded is None:
            from transformers import AutoModelForCausalLM, AutoTokenizer

            with loading("model", self.model):
                tokenizer = AutoTokenizer.from_pretrained(
                    self.model, revision=self.revision, padding_side="left"
                )
                net = AutoModelForCausalLM.from_pretrained(
                    self.model, revision=self.revision, dtype=torch_dtype(self.dtype)
                )
            net.to(self.device).eval()
            yes, no = tokenizer.convert_tokens_to_ids(["yes", "no"])
            self._loaded = (tokenizer, net, yes, no)
        return self._loaded

    def pair_text(self, candidate: Candidate) -> str:
        return self.template[1].format(
            instruction=self.instruction, query=candidate.query, document=candidate.document
        )

    def input_ids(self, candidates: Sequence[Candidate]) -> list[list[int]]:
        """Prefix + the pair (truncated) + suffix, as token ids; the card truncates only the
        pair, so the question and the empty think block always survive."""
        tokenizer = self.load()[0]
        prefix_text, _, suffix_text = self.template
        prefix = tokenizer.encode(prefix_text, add_special_tokens=False)
        suffix = tokenizer.encode(suffix_text, add_special_tokens=False)
        budget = self.max_length - len(prefix) - len(suffix)
        pairs = tokenizer(
            [self.pair_text(c) for c in candidates],
            padding=False,
            truncation="longest_first",
            return_attention_mask=False,
            max_length=budget,
        )["input_ids"]
        return [prefix + ids + suffix for ids in pairs]

    def last_logits(self, rows: list[list[int]]) -> list[tuple[float, float]]:
        """(logit of yes, logit of no) at the last position of each row."""
        import torch

        tokenizer, net, yes, no = self.load()
        enc = tokenizer.pad({"input_ids": rows}, padding=True, return_tensors="pt").to(self.device)
        with torch.no_grad():
            logits = net(**enc).logits[:, -1, :].float()
        return [(row[yes].item(), row[no].item()) for row in logits]

    def judge(self, candidates: Sequence[Candidate]) -> list[Judgement]:
        judgements = []
        for batch in batches(candidates, self.batch_size):
            for ly, ln in self.last_logits(self.input_ids(batch)):
                score = two_way_probability(ly, ln)
                judgements.append(Judgement(score=score, details={"logit_yes": ly, "logit_no": ln}))
        return judgements


class Qwen3Reranker4B(Qwen3Reranker):
    meta = qwen3_meta("4B")


class Qwen3Reranker8B(Qwen3Reranker):
    meta = qwen3_meta("8B")
