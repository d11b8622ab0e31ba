"""What SFT and refinement share: the student with its LoRA (QLoRA on a GPU), the tokenised
chat examples, the optimiser settings, and the adapter with its model card.

Defaults are the authors' (../shared/spec/distill.md). On a machine without CUDA (or without
bitsandbytes) the student trains in full precision with plain LoRA and a torch AdamW, and the
record says so: 4-bit weights and the 8-bit optimiser need bitsandbytes on a GPU.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bright_eval.distill.prompts import DATE_STRING

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj"]


@dataclass(frozen=True)
class TrainSettings:
    lora_r: int = 64
    lora_alpha: int = 16
    lora_dropout: float = 0.1
    target_modules: list[str] = field(default_factory=lambda: list(TARGETS))
    quantize_4bit: bool = True  # QLoRA nf4, bf16 compute, no double quantisation (needs a GPU)
    epochs: float = 1.0
    max_steps: int = -1  # -1: the epochs decide
    batch_size: int = 1
    grad_accum: int = 16
    optim: str = "adamw_8bit"
    lr: float = 2e-4
    scheduler: str = "constant"  # as the authors' code; transformers' "constant" has no warmup
    warmup_ratio: float = 0.03
    weight_decay: float = 0.001
    max_grad_norm: float = 0.3
    group_by_length: bool = True
    gradient_checkpointing: bool = True
    max_length: int = 8_192
    seed: int = 0
    save_steps: int = 200  # checkpoints for resuming a killed run
    label_only: bool = False  # the ablation without explanations (SFT only)
    min_queries: int = 10  # teacher query sets with fewer are dropped (authors)


def gpu_training() -> bool:
    import torch

    return torch.cuda.is_available()


def effective(settings: TrainSettings) -> tuple[dict, list[str]]:
    """The settings as they will run here, and notes on what differs from the recipe."""
    s, notes = asdict(settings), []
    has_bnb = importlib.util.find_spec("bitsandbytes") is not None
    if not gpu_training():
        notes.append("no CUDA: plain LoRA in float32 on the CPU (not QLoRA), no bf16")
        s["quantize_4bit"] = False
        s["gradient_checkpointing"] = False
    elif not has_bnb and s["quantize_4bit"]:
        notes.append("bitsandbytes not installed: plain LoRA in bf16 (not QLoRA)")
        s["quantize_4bit"] = False
    if s["optim"] in ("adamw_8bit", "adamw_bnb_8bit", "paged_adamw_8bit") and not (
        has_bnb and gpu_training()
    ):
        notes.append(f"optimiser {s['optim']} needs bitsandbytes on a GPU: adamw_torch instead")
        s["optim"] = "adamw_torch"
    return s, notes


def load_student(model_name: str, adapter: str | None, s: dict):
    """(model with a trainable LoRA, tokenizer). `adapter`: continue training that LoRA."""
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from bright_eval.rerank.backends.base import ADAPTER_ERRORS, loading

    kwargs: dict = {"dtype": torch.bfloat16 if gpu_training() else torch.float32}
    if s["quantize_4bit"]:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=torch.bfloat16,
            bnb_4bit_use_double_quant=False,
        )
    with loading("student model", model_name):
        tokenizer = AutoTokenizer.from_pretrained(model_name)
        model = AutoModelForCausalLM.from_pretrained(model_name, **kwargs)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if s["quantize_4bit"]:
        model = prepare_model_for_kbit_training(model, s["gradient_checkpointing"])
    if adapter:
        with loading("LoRA adapter", adapter, ADAPTER_ERRORS):
            return PeftModel.from_pretrained(model, adapter, is_trainable=True), tokenizer
    lora = LoraConfig(
        r=s["lora_r"],
        lora_alpha=s["lora_alpha"],
        lora_dropout=s["lora_dropout"],
        bias="none",
        target_modules=s["target_modules"],
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, lora), tokenizer


def chat_ids(tokenizer, user: str, assistant: str) -> tuple[list[int], int]:
    """Token ids of one user turn and one assistant turn through the chat template plus the EOS
    token (the authors' format), and how many of them are the prompt."""
    kwargs = {"tokenize": False, "date_string": DATE_STRING}
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": user}], add_generation_prompt=True, **kwargs
    )
    full = tokenizer.apply_chat_template(
        [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}], **kwargs
    )
    if not full.startswith(prompt):
        raise ValueError("the chat template renders the prompt differently inside a dialogue")
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    ids = tokenizer(full + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
    return ids, len(prompt_ids)


def trainer_args(s: dict, output_dir: Path, **extra):
    from trl import SFTConfig

    bf16 = gpu_training()
    return SFTConfig(
        output_dir=str(output_dir),
        num_train_epochs=s["epochs"],
        max_steps=s["max_steps"],
        per_device_train_batch_size=s["batch_size"],
        gradient_accumulation_steps=s["grad_accum"],
        optim=s["optim"],
        learning_rate=s["lr"],
        lr_scheduler_type=s["scheduler"],
        warmup_steps=s["warmup_ratio"],
        weight_decay=s["weight_decay"],
        max_grad_norm=s["max_grad_norm"],
        train_sampling_strategy="group_by_length" if s["group_by_length"] else "random",
        gradient_checkpointing=s["gradient_checkpointing"],
        bf16=bf16,
        max_length=s["max_length"],
        seed=s["seed"],
        save_steps=s["save_steps"],
        save_total_limit=1,
        logging_steps=1,
        report_to=[],
        use_cpu=not bf16,
        **extra,
    )


def checkpoint_dir(out: Path, card: dict) -> Path:
    """Where a run keeps its checkpoints: named after its data and settings, so a killed run
    resumes only into the same training, never into one with other settings."""
    import hashlib

    key = json.dumps([card.get("data"), card.get("settings")], sort_keys=True, default=str)
    return Path(out) / f"checkpoints-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def train(trainer):
    """Train, resuming from the newest checkpoint of a killed run, and return the losses."""
    checkpoints = list(Path(trainer.args.output_dir).glob("checkpoint-*"))
    trainer.train(resume_from_checkpoint=bool(checkpoints) or None)
    return [h["loss"] for h in trainer.state.log_history if "loss" in h]


def save_adapter(model, tokenizer, folder: Path, card: dict) -> None:
    """The PEFT adapter, its tokenizer, and a model card naming data hashes and settings; the
    checkpoints kept for resuming are removed once the adapter is saved."""
    import shutil

    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    lines = [
        "---",
        "library_name: peft",
        f"base_model: {card['base_model']}",
        "---",
        "",
        f"# {card['title']}",
        "",
        "Made with `python -m bright_eval distill` (the InteRank recipe). Use it with "
        f"`python -m bright_eval --reranker {card['reranker']} --model {card['base_model']} "
        "--adapter PATH`.",
        "",
        "Training data is derived from StackExchange content (CC BY-SA) and web pages that "
        "carry their own licences.",
        "",
        "```json",
        json.dumps(card, indent=1, sort_keys=True, default=str),
        "```",
        "",
    ]
    (Path(folder) / "README.md").write_text("\n".join(lines), encoding="utf-8")
    for checkpoints in Path(folder).glob("checkpoints-*"):
        shutil.rmtree(checkpoints, ignore_errors=True)
