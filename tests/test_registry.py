"""Registration by the name a class gives itself, a distinct name for a subclass that changes
a setting, options a reranker does not take, and the cache key derived from every setting."""

import hashlib
import json

import pytest

from bright_eval.data import DEFAULT_REVISION
from bright_eval.domains import parse_domains
from bright_eval.pipeline.identity import label, system_name
from bright_eval.pipeline.spec import PipelineSpec
from bright_eval.rerank import (
    REGISTRY,
    Judgement,
    PointwiseReranker,
    RerankerMeta,
    RerankerOptions,
    SettingError,
    UnsupportedOptionError,
    get_reranker_class,
    register,
)
from bright_eval.rerank.meta import LOCAL_MODEL
from bright_eval.results.schema import validate_name
from bright_eval_zoo.cross_encoder import CrossEncoderReranker
from bright_eval_zoo.interank import InteRank
from tests.fakes import FakeBackend, with_backend


class Base(PointwiseReranker):
    meta = RerankerMeta(name="test-base", accepts=LOCAL_MODEL)
    prompt = "Q: {q}"
    temperature = 0.0

    def judge(self, candidates):
        return [Judgement(score=0.0) for _ in candidates]


@pytest.fixture(autouse=True)
def forget():
    before = dict(REGISTRY)
    yield
    REGISTRY.clear()
    REGISTRY.update(before)


def test_an_unnamed_subclass_that_changes_no_setting_keeps_its_parents_name():
    class Mine(InteRank):  # a test double: another method, the same settings
        def judge(self, candidates):
            return []

    assert get_reranker_class("ours-3b") is InteRank
    assert Mine.name == "ours-3b" and Mine.meta is InteRank.meta


def changed_hash(changed: dict) -> str:
    """The documented suffix: sha256 of what changed, as sorted JSON, first 6 hex digits."""
    return hashlib.sha256(json.dumps(changed, sort_keys=True).encode()).hexdigest()[:6]


class Hub:
    """Data from the pinned Hub dataset: no `data-` mark in the name."""

    def describe(self):
        return {"source": "hub", "revision": DEFAULT_REVISION}


def test_an_unnamed_subclass_with_other_settings_gets_its_own_name_and_no_published_number():
    class Mine(InteRank):
        prompt = "Is {document} relevant to {question}?"

    class Variant(Base):
        prompt = "Question: {q}"

    assert Mine.name == f"ours-3b.mine-{changed_hash({'prompt': Mine.prompt})}"
    assert Variant.name == f"test-base.variant-{changed_hash({'prompt': 'Question: {q}'})}"
    assert (Mine.meta.published, Mine.meta.citation) == ("", "")
    assert Mine.meta.notes == "derived from ours-3b (bright_eval_zoo.interank.InteRank)"
    assert Mine.meta.model_id == InteRank.meta.model_id  # the rest of the record is kept
    # Recorded under its own name, never offered as (or in place of) its parent.
    assert get_reranker_class("ours-3b") is InteRank and Mine.name not in REGISTRY
    validate_name(Mine.name)
    mine = with_backend(Mine(RerankerOptions(adapter="a")), FakeBackend())
    assert mine.config()["reranker"] == Mine.name
    spec = PipelineSpec(reranker="ours-3b", options=mine.options)
    domains = parse_domains("all")
    assert label(spec, mine, Hub(), domains) == f"{Mine.name} [adapter-a]"
    assert system_name(spec, mine, Hub(), domains) == f"{Mine.name}__bm25-top100__adapter-a"

    # A second change derives from the first: every step stays apart.
    class Again(Mine):
        temperature = 0.5

    assert Again.name == f"{Mine.name}.again-{changed_hash({'temperature': 0.5})}"


def test_a_named_subclass_does_not_inherit_published_numbers_or_citations():
    class MyOurs(InteRank):
        name = "test-my-ours"

    assert get_reranker_class("test-my-ours") is MyOurs
    assert (MyOurs.meta.published, MyOurs.meta.citation) == ("", "")
    assert MyOurs.meta.notes == "derived from ours-3b (bright_eval_zoo.interank.InteRank)"
    assert InteRank.meta.published.startswith("27.4 average nDCG@10")  # the parent keeps its own


def test_a_class_with_its_own_name_registers_and_a_script_can_register_explicitly():
    class Named(Base):
        name = "test-named"

    assert get_reranker_class("test-named") is Named
    assert Named.meta.accepts == LOCAL_MODEL  # the rest of the record is inherited

    class Quiet(Base):
        pass

    REGISTRY.pop("test-base")
    assert register(Quiet) is Quiet and get_reranker_class("test-base") is Quiet


def test_two_different_classes_cannot_take_one_name():
    with pytest.raises(ValueError, match="two rerankers are named 'test-base'"):

        class Clash(PointwiseReranker):
            meta = RerankerMeta(name="test-base")

            def judge(self, candidates):
                return []


def test_an_option_the_reranker_does_not_take_is_a_one_line_error():
    Base(RerankerOptions(model="m", revision="r"))  # both accepted
    with pytest.raises(UnsupportedOptionError) as err:
        Base(RerankerOptions(adapter="lora"))
    assert (
        str(err.value)
        == "test-base does not take --adapter (it accepts: --model, --model-revision)"
    )

    class Bare(PointwiseReranker):
        name = "test-bare"

        def judge(self, candidates):
            return []

    with pytest.raises(
        UnsupportedOptionError, match=r"does not take --backend \(it accepts: none\)"
    ):
        Bare(RerankerOptions(backend="vllm"))


def test_every_declared_setting_is_in_the_cache_key():
    base = Base().config()
    assert (base["prompt"], base["temperature"]) == ("Q: {q}", 0.0)

    class Hotter(Base):
        temperature = 0.7

    class Added(Base):
        top_k_words = 300  # a setting nobody remembered to add to config()

    hashes = {Base().config_hash(), Hotter().config_hash(), Added().config_hash()}
    assert len(hashes) == 3
    assert Added().config()["top_k_words"] == 300
    # An instance override of a declared setting counts too.
    changed = Base()
    changed.prompt = "Other: {q}"
    assert changed.config_hash() != Base().config_hash()


def test_settings_set_in_init_are_in_the_cache_key():
    class T(Base):
        def __init__(self, threshold=0.5):
            super().__init__()
            self.threshold = threshold

    low, high = T(threshold=0.1), T(threshold=0.9)
    assert (low.config()["threshold"], high.config()["threshold"]) == (0.1, 0.9)
    assert low.config_hash() != high.config_hash()
    assert T(threshold=0.1).config_hash() == low.config_hash()


def test_a_setting_the_key_cannot_hold_is_a_one_line_error_unless_excluded():
    class Holds(Base):
        def __init__(self):
            super().__init__()
            self.scorer = object()

    with pytest.raises(SettingError) as err:
        Holds().config_hash()
    assert str(err.value) == (
        "Holds.scorer (object) cannot go into the cache key: make it JSON-able (str, number, "
        "bool, None, list, dict), name it _scorer if it changes no output, or list it in "
        "Holds.not_settings"
    )

    class Excluded(Base):
        not_settings = frozenset({"device", "scorer"})

        def __init__(self, device):
            super().__init__()
            self.device, self.scorer, self._model = device, object(), object()

    assert Excluded("cuda:1").config_hash() == Excluded("cpu").config_hash() == Base().config_hash()


def test_a_declared_setting_overridden_with_what_the_key_cannot_hold_is_one_line():
    import re

    class Compiled(Base):
        prompt = re.compile("Q: (.*)")  # overrides the parent's text with a compiled pattern

    with pytest.raises(SettingError) as err:
        Compiled().config_hash()  # before: a bare TypeError from json.dumps
    assert str(err.value).startswith("Compiled.prompt (Pattern) cannot go into the cache key")


def test_a_cross_encoder_config_needs_no_weights(tmp_path):
    missing = str(tmp_path / "not-a-model")
    config = CrossEncoderReranker(RerankerOptions(model=missing)).config()
    assert config["options"]["model"] == missing and config["batch_size"] == 8
    # Its model and batch size set in __init__ are settings; the device it runs on is not.
    on_gpu = CrossEncoderReranker(RerankerOptions(model=missing), batch_size=4, device="cuda")
    assert on_gpu.config()["model"] == missing and "device" not in on_gpu.config()
    on_cpu = CrossEncoderReranker(RerankerOptions(model=missing), batch_size=4, device="cpu")
    assert on_gpu.config_hash() == on_cpu.config_hash()
