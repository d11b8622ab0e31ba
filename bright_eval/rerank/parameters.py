"""A model's parameter count from its config alone (the model is built on the meta device, so
no weights are read), plus a LoRA adapter's from its safetensors header. A record's count is
then the same whether this run loaded the model or found every output cached."""

from __future__ import annotations

from pathlib import Path

AUTO_CLASSES = {
    "causal": "AutoModelForCausalLM",
    "seq2seq": "AutoModelForSeq2SeqLM",
    "classification": "AutoModelForSequenceClassification",
}


def model_parameters(model: str, revision: str | None = None, kind: str = "causal") -> int | None:
    """None when the config cannot be had (no network, or not a transformers model)."""
    try:
        import transformers
        from accelerate import init_empty_weights

        config = transformers.AutoConfig.from_pretrained(model, revision=revision)
        with init_empty_weights():
            net = getattr(transformers, AUTO_CLASSES[kind]).from_config(config)
        net.tie_weights()  # on the meta device tied embeddings start as two tensors
    except (ImportError, OSError, ValueError, KeyError):
        return None
    return sum(p.numel() for p in net.parameters())


def adapter_parameters(adapter: str) -> int | None:
    path = Path(adapter) / "adapter_model.safetensors"
    if not path.is_file():
        try:
            from huggingface_hub import hf_hub_download

            path = Path(hf_hub_download(adapter, "adapter_model.safetensors"))
        except Exception:  # noqa: BLE001 - any failure means "unknown", never a crash
            return None
    from safetensors import safe_open

    total = 0
    with safe_open(str(path), framework="np") as f:
        for key in f.keys():
            n = 1
            for dim in f.get_slice(key).get_shape():
                n *= dim
            total += n
    return total


def parameter_count(
    model: str, revision: str | None = None, adapter: str | None = None, kind: str = "causal"
) -> int | None:
    base = model_parameters(model, revision, kind)
    if base is None or adapter is None:
        return base
    extra = adapter_parameters(adapter)
    return None if extra is None else base + extra
