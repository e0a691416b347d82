"""Chinese text as Plaza's classifiers read it (the desk's router, help detection): normalised,
cut into jieba's words — each capability with its own extra terms — and into character n-grams."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import jieba
import numpy as np

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


def tfidf_row(parts: Sequence[tuple[Any, Sequence[str]]]) -> tuple[np.ndarray, np.ndarray]:
    """One text's TF-IDF features as (indices, weights), side by side over several fitted
    scikit-learn ``TfidfVectorizer``\\s (``sublinear_tf``, l2) given with the text's tokens for
    each — the figures their ``transform`` and an l2 ``normalize`` of the stacked row give,
    computed without scikit-learn's per-call machinery (most of the cost for one text at a time):
    the vocabularies' indices, sublinear tf × idf, each part and the whole scaled to unit length.
    Empty arrays for a text none of the vocabularies knows."""
    indices: list[np.ndarray] = []
    values: list[np.ndarray] = []
    offset = 0
    for vectorizer, tokens in parts:
        vocabulary = vectorizer.vocabulary_
        known = [vocabulary[t] for t in tokens if t in vocabulary]
        if known:
            index, tf = np.unique(np.array(known, dtype=np.int64), return_counts=True)
            weights = (np.log(tf) + 1.0) * vectorizer.idf_[index]
            weights /= np.linalg.norm(weights)
            indices.append(index + offset)
            values.append(weights)
        offset += len(vocabulary)
    if not indices:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    index, weights = np.concatenate(indices), np.concatenate(values)
    return index, weights / np.linalg.norm(weights)
