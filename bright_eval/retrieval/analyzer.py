"""Text analysis for lexical retrieval: Lucene's English analyzer, in Lucene or in pure Python.

BRIGHT's BM25 analyses text with pyserini's default analyzer (Anserini's DefaultEnglishAnalyzer):
StandardTokenizer (Unicode UAX#29 word boundaries), EnglishPossessiveFilter, LowerCaseFilter,
StopFilter with Lucene's 33 English stop words, PorterStemFilter. `LuceneAnalyzer`
(`bright_eval.retrieval.lucene`) runs that chain itself; `PythonAnalyzer` re-implements it for
machines without Java; `bright_eval.retrieval.analysis` picks one. Its measured agreement
with Lucene is stated in the README.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from itertools import chain

from bright_eval.retrieval import porter

# org.apache.lucene.analysis.en.EnglishAnalyzer.ENGLISH_STOP_WORDS_SET
ENGLISH_STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with".split()
)
# StandardTokenizer's default maxTokenLength: longer words are cut into pieces of this length.
MAX_TOKEN_LENGTH = 255
# Distinct white-space-separated pieces remembered before the memory is emptied.
PIECE_CACHE_SIZE = 1_000_000


class AnalyzerUnavailableError(RuntimeError):
    pass


class Analyzer(ABC):
    name: str = ""

    @abstractmethod
    def analyze(self, text: str) -> list[str]: ...

    def analyze_many(self, texts: Iterable[str]) -> Iterator[list[str]]:
        for text in texts:
            yield self.analyze(text)

    def describe(self) -> dict:
        return {"analyzer": self.name}


class PythonAnalyzer(Analyzer):
    """Lucene's English analysis re-implemented with `regex` (UAX#29) and Lucene's Porter."""

    name = "python-lucene-english-v1"

    def __init__(self):
        import regex

        # `(?w)` makes \b follow Unicode's default word boundaries (UAX#29), as Lucene's
        # StandardTokenizer does. A segment is a token when it holds a letter, digit, kana,
        # ideograph or emoji; punctuation and whitespace segments are dropped, as in Lucene.
        token_char = (
            r"[\p{WB=ALetter}\p{WB=Hebrew_Letter}\p{WB=Numeric}\p{WB=Katakana}"
            r"\p{Ideographic}\p{Script=Hiragana}\p{Extended_Pictographic}\p{WB=Regional_Indicator}]"
        )
        # The `regex` module glues a leading apostrophe to the word ("'arm_robot"), which
        # UAX#29 does not; the group leaves it out.
        self._segments = regex.compile(
            r"(?wsV0)\b[\p{WB=Single_Quote}\p{WB=MidNumLet}\p{WB=MidLetter}]*"
            rf"(\p{{WB=ExtendNumLet}}*{token_char}.*?)\b"
        )

    def analyze(self, text: str) -> list[str]:
        return list(chain.from_iterable(map(self._known.__getitem__, text.split())))

    @functools.cached_property
    def _known(self) -> dict[str, tuple[str, ...]]:
        # White space is a word boundary that no UAX#29 rule crosses, so a text's tokens are
        # its white-space-separated pieces' tokens, and natural text repeats its pieces:
        # most are analysed once. Identity with whole-text analysis is tested (test_analyzer).
        return PieceCache(lambda piece: tuple(self.analyze_piece(piece)))

    def analyze_piece(self, text: str) -> list[str]:
        """The chain on one text, as one regex pass (`analyze` splits at white space first)."""
        words = self._segments.findall(text)
        return list(chain.from_iterable(map(self._known_words.__getitem__, words)))

    @functools.cached_property
    def _known_words(self) -> dict[str, tuple[str, ...]]:
        # Pieces of code ("self.items[i]") are often new, their words seldom.
        return PieceCache(self._analyze_word)

    @staticmethod
    def _analyze_word(word: str) -> tuple[str, ...]:
        tokens = (_lower(_strip_possessive(token)) for token in _pieces(word))
        return tuple(porter.stem(t) for t in tokens if t not in ENGLISH_STOP_WORDS)


class PieceCache(dict):
    """piece -> value, computed on a miss by `make`; emptied when it reaches `PIECE_CACHE_SIZE`.

    A dict subclass so that hits stay inside C (`map(cache.__getitem__, pieces)`)."""

    def __init__(self, make: Callable[[str], tuple]):
        super().__init__()
        self.make = make

    def __missing__(self, piece: str) -> tuple:
        if len(self) >= PIECE_CACHE_SIZE:
            self.clear()
        value = self[piece] = self.make(piece)
        return value


def _pieces(word: str) -> list[str]:
    if len(word) <= MAX_TOKEN_LENGTH:
        return [word]
    return [word[i : i + MAX_TOKEN_LENGTH] for i in range(0, len(word), MAX_TOKEN_LENGTH)]


def _strip_possessive(token: str) -> str:
    if len(token) >= 2 and token[-1] in "sS" and token[-2] in "'\u2019\uff07":
        return token[:-2]
    return token


def _lower(token: str) -> str:
    if token.isascii():
        return token.lower()
    # Java lower-cases one code point at a time (simple case mapping); Python's full mapping
    # can turn one character into two (U+0130 -> "i" + combining dot). Keep Java's.
    return "".join(c.lower()[0] for c in token)
