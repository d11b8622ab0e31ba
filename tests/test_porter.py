"""The stemmer's shortcut: a word whose last letter ends no suffix is its own stem."""

import random

from bright_eval.retrieval import porter


def test_last_letters_are_those_of_every_suffix_a_rule_matches():
    tables = [
        s for table in (porter._STEP2, porter._STEP3) for pairs in table.values() for s, _ in pairs
    ]
    tables += [s for suffixes in porter._STEP4.values() for s in suffixes]
    # The suffixes written inline in steps 1a, 1b, 1c, 4 and 5.
    inline = ["sses", "ies", "s", "eed", "ed", "ing", "y", "ion", "ou", "e", "l"]
    assert porter.LAST_LETTERS == {s[-1] for s in tables + inline}


def test_shortcut_equals_every_step():
    rng = random.Random(0)
    letters = "aeiouybcdlmnrstgzxfhkpvw0123456789"
    words = ["".join(rng.choices(letters, k=rng.randint(1, 12))) for _ in range(100_000)]
    words += ["psychology", "cats", "hopping", "relational", "sky", "running", "matrix", "x86"]
    for word in words:
        assert porter.stem(word) == (word if len(word) <= 2 else porter.stem_by_steps(word))
        if word[-1] not in porter.LAST_LETTERS:
            assert porter.stem_by_steps(word) == word
    # By hand (Porter's reference code): step 1c "y" -> "i", then step 2 "logi" -> "log".
    assert [porter.stem(w) for w in ("psychology", "cats", "hopping", "matrix")] == [
        "psycholog", "cat", "hop", "matrix",
    ]  # fmt: skip
