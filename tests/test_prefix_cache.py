"""Prefix reuse in the transformers backend: the grouping by hand, and the outputs of SmolLM2
with and without it, token for token."""

import pyarrow.parquet as pq
import pytest

from bright_eval.rerank.backends import GenerationParams, get_backend
from bright_eval.rerank.backends.prefix_cache import prefix_groups
from bright_eval_zoo.interank import ZERO_SHOT_PROMPT


def test_prompts_are_grouped_by_their_long_shared_prefix():
    header = list(range(100, 140))  # 40 tokens every prompt shares (template + instruction)
    query_a, query_b = list(range(200, 260)), list(range(300, 360))
    prompts = [
        header + query_b + [1, 2, 3],
        header + query_a + [5],
        header + [9, 9],  # shares only the header (40 tokens) with anyone
        header + query_a + [4, 4, 4, 4],
        header + query_b + [1, 2, 7],  # shares 2 more tokens with the first
    ]
    groups = {tuple(g.members): len(g.prefix) for g in prefix_groups(prompts, min_prefix=32)}
    # Sorted by ids: a-prompts (3, then 1), b-prompts (0, 4), then the header-only one, alone.
    # The b group's prefix is header + query_b + [1, 2]: all they share, one token each left.
    assert groups == {(3, 1): 100, (0, 4): 102, (2,): 0}
    # A prefix never swallows a whole prompt: the model must still see a token of each.
    same = [header + query_a, header + query_a]
    assert [len(g.prefix) for g in prefix_groups(same)] == [len(header + query_a) - 1]


@pytest.fixture(scope="module")
def rerank_prompts(shared_bright):
    """Real BRIGHT queries, each with three real answers as documents: the reranker's shape."""
    table = pq.read_table(shared_bright / "examples" / "biology-00000-of-00001.parquet")
    queries = table.column("query").to_pylist()[:2]
    answers = [a[:300] for a in table.column("gold_answer").to_pylist()[2:5]]
    return [
        [{"role": "user", "content": ZERO_SHOT_PROMPT.format(question=q, document=d)}]
        for q in queries
        for d in answers
    ]


def test_prefix_reuse_gives_the_same_greedy_tokens(smollm2_path, rerank_prompts):
    plain = get_backend("transformers", smollm2_path)
    assert not plain.reuse_prefixes  # opt-in
    reuse = get_backend("transformers", smollm2_path, reuse_prefixes=True)
    reuse._model = plain.hf_model  # one copy of the weights
    encoded = [reuse.encode(reuse.render(p)) for p in rerank_prompts]
    groups = prefix_groups(encoded)
    # Two queries, three documents each: two groups, each sharing its query's whole prompt
    # up to the document.
    assert sorted(len(g.members) for g in groups) == [3, 3]
    assert all(len(g.prefix) > 150 for g in groups)
    params = GenerationParams(max_new_tokens=16, top_logprobs=2)
    expected = plain.generate(rerank_prompts, params)
    got = reuse.generate(rerank_prompts, params)
    for e, g in zip(expected, got, strict=True):
        assert g.tokens == e.tokens and g.text == e.text
        assert (g.prompt_tokens, g.generated_tokens) == (e.prompt_tokens, e.generated_tokens)
        assert [max(t, key=t.get) for t in g.token_logprobs] == g.tokens
        for a, b in zip(g.token_logprobs, e.token_logprobs, strict=True):
            assert a == pytest.approx(b, abs=1e-3)
