"""The Porter stemmer exactly as Lucene's `PorterStemmer` (Martin Porter's reference version).

Snowball's "porter" (PyStemmer) follows the 1980 paper; Lucene follows Porter's own C/Java code,
which departs from the paper in step 2 ("bli" -> "ble" instead of "abli" -> "able", and
"logi" -> "log"). On BRIGHT text the paper version disagrees on words such as "psychology".
"""

from __future__ import annotations

_VOWELS = "aeiou"


class _Word:
    __slots__ = ("b", "k", "j")

    def __init__(self, word: str):
        self.b = list(word)
        self.k = len(word) - 1
        self.j = 0

    def cons(self, i: int) -> bool:
        c = self.b[i]
        if c in _VOWELS:
            return False
        if c == "y":
            return True if i == 0 else not self.cons(i - 1)
        return True

    def m(self) -> int:
        """Number of consonant-vowel sequences in b[0..j]."""
        n = 0
        i = 0
        j = self.j
        while True:
            if i > j:
                return n
            if not self.cons(i):
                break
            i += 1
        i += 1
        while True:
            while True:
                if i > j:
                    return n
                if self.cons(i):
                    break
                i += 1
            i += 1
            n += 1
            while True:
                if i > j:
                    return n
                if not self.cons(i):
                    break
                i += 1
            i += 1

    def vowel_in_stem(self) -> bool:
        return any(not self.cons(i) for i in range(self.j + 1))

    def doublec(self, j: int) -> bool:
        return j >= 1 and self.b[j] == self.b[j - 1] and self.cons(j)

    def cvc(self, i: int) -> bool:
        if i < 2 or not self.cons(i) or self.cons(i - 1) or not self.cons(i - 2):
            return False
        return self.b[i] not in "wxy"

    def ends(self, s: str) -> bool:
        n = len(s)
        if n > self.k + 1:
            return False
        if "".join(self.b[self.k - n + 1 : self.k + 1]) != s:
            return False
        self.j = self.k - n
        return True

    def setto(self, s: str) -> None:
        # Characters past k stay, as in Porter's C code: step 5 measures m() up to an old end.
        self.b[self.j + 1 : self.j + 1 + len(s)] = list(s)
        self.k = self.j + len(s)

    def r(self, s: str) -> None:
        if self.m() > 0:
            self.setto(s)


_STEP2 = {
    "a": (("ational", "ate"), ("tional", "tion")),
    "c": (("enci", "ence"), ("anci", "ance")),
    "e": (("izer", "ize"),),
    "l": (("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous")),
    "o": (("ization", "ize"), ("ation", "ate"), ("ator", "ate")),
    "s": (("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous")),
    "t": (("aliti", "al"), ("iviti", "ive"), ("biliti", "ble")),
    "g": (("logi", "log"),),
}
_STEP3 = {
    "e": (("icate", "ic"), ("ative", ""), ("alize", "al")),
    "i": (("iciti", "ic"),),
    "l": (("ical", "ic"), ("ful", "")),
    "s": (("ness", ""),),
}
_STEP4 = {
    "a": ("al",),
    "c": ("ance", "ence"),
    "e": ("er",),
    "i": ("ic",),
    "l": ("able", "ible"),
    "n": ("ant", "ement", "ment", "ent"),
    "s": ("ism",),
    "t": ("ate", "iti"),
    "u": ("ous",),
    "v": ("ive",),
    "z": ("ize",),
}


def _step1(w: _Word) -> None:
    b = w.b
    if b[w.k] == "s":
        if w.ends("sses"):
            w.k -= 2
        elif w.ends("ies"):
            w.setto("i")
        elif b[w.k - 1] != "s":
            w.k -= 1
    if w.ends("eed"):
        if w.m() > 0:
            w.k -= 1
    elif (w.ends("ed") or w.ends("ing")) and w.vowel_in_stem():
        w.k = w.j
        if w.ends("at"):
            w.setto("ate")
        elif w.ends("bl"):
            w.setto("ble")
        elif w.ends("iz"):
            w.setto("ize")
        elif w.doublec(w.k):
            if w.b[w.k - 1] not in "lsz":
                w.k -= 1
        elif w.m() == 1 and w.cvc(w.k):
            w.setto("e")


def _replace_suffix(w: _Word, table: dict) -> None:
    for suffix, replacement in table.get(w.b[w.k], ()):
        if w.ends(suffix):
            w.r(replacement)
            return


# The last letters of every suffix a rule matches: a word ending in anything else (a digit,
# "x", "a", ...) is its own stem, and code is full of such words.
LAST_LETTERS = frozenset("cdegilmnrstuy")


def stem(word: str) -> str:
    """Porter stem of a lower-case word; words of one or two characters are left alone."""
    if len(word) <= 2 or word[-1] not in LAST_LETTERS:
        return word
    return stem_by_steps(word)


def stem_by_steps(word: str) -> str:
    """Every step of the algorithm, whatever the word ends with (`stem` skips what can't change)."""
    w = _Word(word)
    _step1(w)
    if w.k > 0:
        # step 1c: y -> i when the stem has a vowel
        if w.ends("y") and w.vowel_in_stem():
            w.b[w.k] = "i"
        if w.k >= 1:
            _replace_suffix_at(w, _STEP2, w.k - 1)
        _replace_suffix(w, _STEP3)
        _step4(w)
        _step5(w)
    return "".join(w.b[: w.k + 1])


def _replace_suffix_at(w: _Word, table: dict, i: int) -> None:
    for suffix, replacement in table.get(w.b[i], ()):
        if w.ends(suffix):
            w.r(replacement)
            return


def _step4(w: _Word) -> None:
    if w.k < 1:
        return
    c = w.b[w.k - 1]
    if c == "o":
        if w.ends("ion") and w.j >= 0 and w.b[w.j] in "st":
            pass
        elif not w.ends("ou"):
            return
    else:
        for suffix in _STEP4.get(c, ()):
            if w.ends(suffix):
                break
        else:
            return
    if w.m() > 1:
        w.k = w.j


def _step5(w: _Word) -> None:
    w.j = w.k
    if w.b[w.k] == "e":
        a = w.m()
        if a > 1 or (a == 1 and not w.cvc(w.k - 1)):
            w.k -= 1
    if w.b[w.k] == "l" and w.doublec(w.k) and w.m() > 1:
        w.k -= 1
