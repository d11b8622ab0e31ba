"""Prompt prefixes shared by many prompts, run through the model once (transformers backend).

A pointwise reranker's prompts for one query share the chat header, the instruction and the
query (hundreds of tokens) and differ only in the document. Prompts are grouped by a long common
prefix of their token ids; each group's prefix goes through the model once, and its key/value
cache is copied into every batch of the group, so only the documents and the generations are
computed per prompt. In a batch, rows are padded between the shared prefix and their own rest;
the padding is masked and positions follow the mask, as with left padding.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bright_eval.rerank.backends.base import timed

# A shorter shared prefix saves less than an extra forward pass and a cache copy cost.
MIN_PREFIX = 32
# Neighbours (sorted) sharing less than this fraction of what the pairs next to them share
# belong to different queries: the header and instruction alone must not glue queries together.
KEEP_FRACTION = 0.75


@dataclass
class PrefixGroup:
    prefix: list[int]  # empty: the prompts share nothing worth reusing
    members: list[int]  # indices of the prompts that start with `prefix`


def common_length(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def prefix_groups(encoded: Sequence[Sequence[int]], min_prefix: int = MIN_PREFIX):
    """Prompts (token ids) grouped by a long shared prefix; every prompt in exactly one group.

    Sorted, one query's prompts sit side by side, and neighbours within a query share much
    more than neighbours across queries (only the header and instruction): a run is cut where
    what neighbours share drops below `min_prefix` or well below what the next or previous
    pair shares. A run's prefix is what its first and last prompts share, cut so as to leave
    each member a token of its own, which the model must still see to predict the next one.
    """
    order = sorted(range(len(encoded)), key=lambda i: list(encoded[i]))
    shares = [common_length(encoded[a], encoded[b]) for a, b in itertools.pairwise(order)]
    groups: list[PrefixGroup] = []
    members = order[:1]
    for k, share in enumerate(shares):
        around = max(shares[max(k - 1, 0) : k + 2])
        if share < min_prefix or share < KEEP_FRACTION * around:
            groups.append(_group(encoded, members, min_prefix))
            members = []
        members.append(order[k + 1])
    if members:
        groups.append(_group(encoded, members, min_prefix))
    return groups


def _group(encoded, members: list[int], min_prefix: int) -> PrefixGroup:
    first, last = encoded[members[0]], encoded[members[-1]]
    shared = min(common_length(first, last), min(len(encoded[m]) for m in members) - 1)
    reused = len(members) > 1 and shared >= min_prefix
    return PrefixGroup(list(first[:shared]) if reused else [], members)


class SharedPrefix:
    """One prefix's key/value cache, copied into each batch of prompts that start with it."""

    def __init__(self, model, prefix: list[int]):
        import torch

        self.prefix = prefix
        ids = torch.tensor([prefix], device=model.device)
        with torch.inference_mode():
            self.cache = model(input_ids=ids, use_cache=True).past_key_values

    def batch(self, rows: Sequence[Sequence[int]], pad_id: int, device) -> dict:
        """`generate` inputs for full prompts (prefix included): prefix, padding, own rest."""
        import torch

        p = len(self.prefix)
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        ids[:, :p] = torch.tensor(self.prefix)
        mask[:, :p] = 1
        for r, row in enumerate(rows):
            start = width - (len(row) - p)
            ids[r, start:] = torch.tensor(row[p:])
            mask[r, start:] = 1
        cache = copy.deepcopy(self.cache)  # generate appends to the cache it is given
        cache.batch_repeat_interleave(len(rows))
        return {
            "input_ids": ids.to(device),
            "attention_mask": mask.to(device),
            "past_key_values": cache,
        }


def generate_sharing_prefixes(backend, encoded: Sequence[list[int]], params) -> Iterator:
    """`TransformersBackend.generate_stream` for encoded prompts, shared prefixes computed once:
    (index, generation) for each sub-batch as soon as it is done."""
    for group in prefix_groups(encoded):
        shared = SharedPrefix(backend.hf_model, group.prefix) if group.prefix else None
        p = len(group.prefix)
        # Each row holds its own copy of the prefix's cache: the budget counts it.
        rests = [len(encoded[m]) - p for m in group.members]
        for batch in backend.batches(rests, params.max_new_tokens + p):
            rows = [encoded[group.members[i]] for i in batch]

            def generate(rows, params, shared=shared):
                return backend._generate_with_retry(rows, params, prefix=shared)

            outs = timed(generate, rows, params)
            yield from zip((group.members[i] for i in batch), outs, strict=True)
