import pytest

from bright_eval.rerank import (
    REGISTRY,
    ListwiseReranker,
    PointwiseReranker,
    UnknownRerankerError,
    get_reranker_class,
)


class Window20(ListwiseReranker):
    def permute(self, windows):
        return []


def test_sliding_windows_go_bottom_up_with_stride_10():
    # RankGPT over 100 candidates: windows [80,100), [70,90), ..., [0,20): nine windows.
    assert Window20().window_starts(100) == [80, 70, 60, 50, 40, 30, 20, 10, 0]
    assert Window20().window_starts(25) == [5, 0]
    assert Window20().window_starts(20) == [0]
    assert Window20().window_starts(3) == [0]


def test_a_named_subclass_registers_itself_and_unknown_names_list_the_valid_ones():
    class Constant(PointwiseReranker):
        name = "test-constant"

        def judge(self, candidates):
            return []

    try:
        assert get_reranker_class("test-constant") is Constant
        assert Constant().config()["reranker"] == "test-constant"
        with pytest.raises(UnknownRerankerError, match="unknown reranker 'nope'.*test-constant"):
            get_reranker_class("nope")
    finally:
        REGISTRY.pop("test-constant")


def test_config_hash_changes_with_config():
    class A(PointwiseReranker):
        prompt_version = "1"

        def judge(self, candidates):
            return []

    class B(A):
        prompt_version = "2"

    assert A().config_hash() != B().config_hash()
    assert A().config_hash() == A().config_hash()
