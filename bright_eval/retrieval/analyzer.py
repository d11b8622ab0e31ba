"""Text analysis for lexical retrieval: Lucene's English analyzer, in Lucene or in pure Python.

BRIGHT's BM25 analyses text with pyserini's default analyzer (Anserini's DefaultEnglishAnalyzer):
StandardTokenizer (Unicode UAX#29 word boundaries), EnglishPossessiveFilter, LowerCaseFilter,
StopFilter with Lucene's 33 English stop words, PorterStemFilter. `LuceneAnalyzer`
(`bright_eval.retrieval.lucene`) runs that chain itself; `PythonAnalyzer` re-implements it for
machines without Java; `bright_eval.retrieval.analysis` picks one. Its measured agreement
with Lucene is stated in docs/first-stage.md.
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from itertools import chain

from bright_eval.errors import BrightEvalError
from bright_eval.retrieval import porter

# org.apache.lucene.analysis.en.EnglishAnalyzer.ENGLISH_STOP_WORDS_SET
ENGLISH_STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with".split()
)
# StandardTokenizer's default maxTokenLength: longer words are cut into pieces of this length.
MAX_TOKEN_LENGTH = 255
# Distinct pieces or words a `Memo` holds before it is emptied.
MEMO_SIZE = 2_000_000
# UAX#29 word segments of ASCII text, as `regex`'s (?w) boundaries give them: runs of letters,
# digits and "_", joined across one ":", "." or "'" between letters (WB6, WB7) and one ",", ";",
# "." or "'" between digits (WB11, WB12). Segments of "_" alone match too; they hold no token.
ASCII_WORDS = re.compile(
    r"[A-Za-z0-9_]+"
    r"(?:(?:[:.'](?<=[A-Za-z].)(?=[A-Za-z])|[,;.'](?<=[0-9].)(?=[0-9]))[A-Za-z0-9_]+)*"
)


class AnalyzerUnavailableError(BrightEvalError, RuntimeError):
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
        return list(chain.from_iterable(map(self._known_words.__getitem__, self.words(text))))

    def words(self, text: str) -> list[str] | Iterator[str]:
        """The text's UAX#29 word segments, before any filter; `analyze_word` takes it on.

        ASCII text (most of BRIGHT's) goes through one `re` pass, several times faster than
        `regex`; any other text is cut at white space, a boundary that no UAX#29 rule crosses,
        and its pieces, which natural text repeats, are segmented once each, by `re` when they
        are ASCII. All equal one `regex` pass over the whole text (`analyze_by_regex`; tested)."""
        if text.isascii():
            return ASCII_WORDS.findall(text)
        return chain.from_iterable(map(self._known_pieces.__getitem__, text.split()))

    def analyze_by_regex(self, text: str) -> list[str]:
        """The definition: one `regex` pass over the whole text, then the filters."""
        return list(chain.from_iterable(map(self.analyze_word, self._segments.findall(text))))

    @functools.cached_property
    def _known_pieces(self) -> dict[str, tuple[str, ...]]:
        return Memo(self._segment_piece)

    def _segment_piece(self, piece: str) -> tuple[str, ...]:
        # A text with one curly quote still has mostly ASCII pieces: those take `re` too.
        if piece.isascii():
            return tuple(ASCII_WORDS.findall(piece))
        return tuple(self._segments.findall(piece))

    @functools.cached_property
    def _known_words(self) -> dict[str, tuple[str, ...]]:
        return Memo(self.analyze_word)

    @staticmethod
    def analyze_word(word: str) -> tuple[str, ...]:
        """A word segment's terms: Lucene's filters from the tokenizer's length cut on."""
        if word[0] == "_" and not word.strip("_"):
            return ()  # only connector punctuation: not a token (ASCII_WORDS lets it through)
        tokens = (_lower(_strip_possessive(token)) for token in _cut_to_max_length(word))
        return tuple(porter.stem(t) for t in tokens if t not in ENGLISH_STOP_WORDS)


class Memo(dict):
    """text (a white-space piece or a word) -> value, computed on a miss by `make`; emptied when
    it reaches `MEMO_SIZE`.

    A dict subclass so that hits stay inside C (`map(memo.__getitem__, words)`)."""

    def __init__(self, make: Callable[[str], tuple]):
        super().__init__()
        self.make = make

    def __missing__(self, text: str) -> tuple:
        if len(self) >= MEMO_SIZE:
            self.clear()
        value = self[text] = self.make(text)
        return value


def _cut_to_max_length(word: str) -> list[str]:
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
