"""Shared pieces of the distillation tests: a scripted teacher behind the tests' loopback
OpenAI server, a tiny locally built reward model, and small training records."""

from __future__ import annotations

import re
from pathlib import Path

from tests.openai_server import Server

RELEVANT = "Rayleigh"  # the scripted teacher calls a page relevant when it mentions this word
UNSURE = "Penguins"  # ... and answers without any label or keyword for pages mentioning this
CUT_OFF = "Volcanoes"  # ... and runs into the token limit on pages and questions mentioning this
QUERY_LIST = "\n".join(f"{i}. sky colour query {i}" for i in range(1, 11))


class TeacherServer(Server):
    """Answers the teacher's relevance prompt with an explanation and a label (2 when the page
    mentions Rayleigh, else 0; no label at all for penguin pages; an explanation cut off at the
    token limit for volcano pages) and the query prompt with ten numbered queries (two, cut off,
    for volcano questions)."""

    def answer(self, path, body):
        content = body["messages"][-1]["content"]
        finish = "stop"
        if content.startswith("Based on the following question"):
            text = QUERY_LIST
            if CUT_OFF in content:
                text, finish = "1. volcano query one\n2. volcano", "length"
        else:
            document = content.split("\nDocument: ", 1)[1]
            if UNSURE in document:
                text = "I cannot tell."
            elif CUT_OFF in document:
                text, finish = "The page is relevant because volcanoes", "length"
            elif RELEVANT in document:
                text = "The page explains the cause.\nRelevance Label: 2"
            else:
                text = "The page is about something else.\nRelevance Label: 0"
        choice = {"message": {"role": "assistant", "content": text}, "finish_reason": finish}
        words = len(re.findall(r"\S+", text))
        return {"choices": [choice], "usage": {"prompt_tokens": 50, "completion_tokens": words}}


def training_records() -> list[dict]:
    """Five short questions, each with one linked page and a page of another question."""
    topics = [
        ("Why is the sky blue?", "Rayleigh scattering of sunlight by air makes the sky blue."),
        ("Why are sunsets red?", "At sunset Rayleigh scattering removes blue light from the beam."),
        ("Why do cats purr?", "Cats purr by twitching the muscles of the larynx."),
        ("Why is the sea blue?", "Water absorbs red light, and Rayleigh scattering adds blue."),
        ("How do penguins sleep?", "Penguins sleep standing up in short naps on the ice."),
    ]
    records = []
    for i, (title, page) in enumerate(topics):
        other = topics[(i + 2) % len(topics)][1]
        records.append(
            {
                "id": f"q{i}",
                "question": {"title": title, "body": "I would like to know."},
                "links": [{"url": f"http://example.org/{i}", "text": page}],
                "other_document": {"url": "http://example.org/other", "text": other},
            }
        )
    return records


def tiny_reward_model(tokenizer_dir: str, folder: Path) -> Path:
    """A 2-layer Llama sequence classifier with random weights (seed 0) and SmolLM2's tokenizer
    and chat template: any sequence-classification model can be the reward model."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForSequenceClassification

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, num_labels=1,
        pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
    )  # fmt: skip
    torch.manual_seed(0)
    LlamaForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def one_torch_thread():
    """Torch on one thread for the duration of a test module: on a shared 2-core machine the
    default two OpenMP threads spin against other processes (measured here under load 9: a
    4-pair sampling run took 83 s with two threads, 16 s with one). Restored afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
