"""Chinese text as Plaza's classifiers read it (the desk's router, help detection): normalised,
cut into jieba's words — each capability with its own extra terms — and into character n-grams."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable

import jieba

_MENTION = re.compile(r"@[^\s@:：,，。!！?？#]+")
_DIGITS = re.compile(r"\d+")
_WHITE_SPACES = re.compile(r"\s\s+")


def normalise(text: str) -> str:
    """NFKC, case-folded, @mentions dropped (they name who is asked, not what), digits → 0."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _DIGITS.sub("0", _MENTION.sub(" ", text))


def char_ngrams(text: str, longest: int = 3) -> list[str]:
    """Character 1- to ``longest``-grams as scikit-learn's "char" analyzer cuts them (white space
    runs made one space first)."""
    text = _WHITE_SPACES.sub(" ", text)
    grams = list(text)
    for n in range(2, min(longest, len(text)) + 1):
        grams.extend(text[i:i + n] for i in range(len(text) - n + 1))
    return grams


class Segmenter:
    """jieba with a capability's own terms (路灯, 被困 …), kept out of the process-wide dictionary;
    its dictionary is loaded on first use."""

    def __init__(self, terms: Iterable[str]) -> None:
        self._terms = tuple(terms)
        self._jieba = jieba.Tokenizer()
        self._ready = False
        self._lock = threading.Lock()

    def _tokenizer(self) -> jieba.Tokenizer:
        if not self._ready:
            with self._lock:
                if not self._ready:
                    self._jieba.initialize()
                    for word in self._terms:
                        self._jieba.add_word(word, max(self._jieba.suggest_freq(word, False), 3000))
                    self._ready = True
        return self._jieba

    def words(self, text: str) -> list[str]:
        """jieba's words of a normalised text, without punctuation, symbols and spaces."""
        return [w for w in self._tokenizer().cut(text) if unicodedata.category(w[0])[0] in "LN"]
