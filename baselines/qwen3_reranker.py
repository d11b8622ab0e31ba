"""Qwen3-Reranker (Qwen/Qwen3-Reranker-0.6B/4B/8B model cards, "Transformers Usage"): a causal
LM asked a yes/no question about the pair, with an instruction. The text is the card's fixed
prefix, `<Instruct>: {instruction}\\n<Query>: {query}\\n<Document>: {doc}` (cut so the whole
input fits 8,192 tokens), and the card's suffix, which ends an empty think block. Score: p(yes)
from the last position, a softmax over the logits of the "yes" and "no" tokens only."""

from __future__ import annotations

from collections.abc import Sequence

from baselines.encoders import batches, default_device, library_versions, local_model, torch_dtype
from baselines.scoring import two_way_probability
from bright_eval.rerank.backends.base import loading
from bright_eval.rerank.base import Candidate, Judgement, PointwiseReranker, RerankerOptions

QWEN3_PREFIX = (
    "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query "
    'and the Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n'
    "<|im_start|>user\n"
)
QWEN3_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
QWEN3_PAIR = "<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}"
DEFAULT_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query"


class Qwen3Reranker(PointwiseReranker):
    name = "qwen3-reranker-0.6b"
    description = "Qwen3-Reranker 0.6B: p(yes) with the model card's instruction template"
    model_id = "Qwen/Qwen3-Reranker-0.6B"
    prompt_version = "qwen3-card-1"
    backend_name = "transformers"
    max_length = 8192

    def __init__(
        self,
        options: RerankerOptions | None = None,
        instruction: str = DEFAULT_INSTRUCTION,
        batch_size: int = 8,
        device: str | None = None,
        dtype: str = "float32",
    ):
        super().__init__(options)
        self.model = local_model(self)
        self.revision = self.options.revision
        self.instruction = instruction
        self.batch_size = batch_size
        self.device = device or default_device()
        self.dtype = dtype
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
        return QWEN3_PAIR.format(
            instruction=self.instruction, query=candidate.query, document=candidate.document
        )

    def input_ids(self, candidates: Sequence[Candidate]) -> list[list[int]]:
        """Prefix + the pair (truncated) + suffix, as token ids; the card truncates only the
        pair, so the question and the empty think block always survive."""
        tokenizer = self.load()[0]
        prefix = tokenizer.encode(QWEN3_PREFIX, add_special_tokens=False)
        suffix = tokenizer.encode(QWEN3_SUFFIX, add_special_tokens=False)
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

    def config(self) -> dict:
        return super().config() | {
            "model": self.model,
            "revision": self.revision,
            "instruction": self.instruction,
            "template": [QWEN3_PREFIX, QWEN3_PAIR, QWEN3_SUFFIX],
            "max_length": self.max_length,
            "dtype": self.dtype,
            "backend": {"backend": "transformers-causal-logits", **library_versions()},
        }


class Qwen3Reranker4B(Qwen3Reranker):
    name = "qwen3-reranker-4b"
    description = "Qwen3-Reranker 4B: p(yes) with the model card's instruction template"
    model_id = "Qwen/Qwen3-Reranker-4B"


class Qwen3Reranker8B(Qwen3Reranker):
    name = "qwen3-reranker-8b"
    description = "Qwen3-Reranker 8B: p(yes) with the model card's instruction template"
    model_id = "Qwen/Qwen3-Reranker-8B"
