"""The desk's learned router (派单建议): proposes the dispatch category (派单目录) and the department of
a citizen's message (诉求), from the desk's own history of dispatched cases and the catalogue itself.

Pure: no database, no web, no clock. Others store a trained router as bytes (:meth:`Router.dumps`).

Model
-----
Text → features: the text is NFKC-normalised and case-folded, @mentions dropped, digits folded to 0;
then TF-IDF (sublinear) over jieba's words and over character 1–3-grams, side by side, the row
scaled to unit length. Characters catch what the segmentation splits badly
(“路灯不亮”, typos, place names); words weigh whole terms.

Features → category: each leaf of the catalogue is the L2-normalised sum of its examples (a cosine
nearest-centroid, “Rocchio” classifier); a message's score for a leaf is its cosine to it. Every
leaf also gets one example made of its own names
(level1 level2 level3) and the keywords of the dispatch guide (``data/dispatch-guide.csv``, 派单指引),
so a desk with no history still proposes sensible categories, and history takes over as it grows.
Confidences are a softmax of the scores whose temperature is fitted on out-of-fold scores of the
history (cross-validation), so “0.8” means about what it says on this desk's own cases.

Measured with ``bench/desk_router.py`` on a 2-core machine:
on the hand-written held-out set, trained on the 834 sample cases, top-1 0.83 and top-3 0.95
against 0.34 / 0.46 for the plain baseline (:func:`baseline_scores`); from the catalogue and the
guide alone, 0.49 / 0.68 (0.13 / 0.23 from the bare names). Tried and measured on the same data:
LinearSVC, 0.81 / 0.94–0.95 — no better, and one-vs-rest over 517 leaves costs (leaves × cases):
one leaf's problem took 1.8 s on 100,000 cases, the whole fit over ten minutes; logistic regression
(lbfgs) 0.70 / 0.89 at C=30, slower still; complement naive Bayes 0.76–0.77 / 0.91–0.93; adding
each leaf's level-2 and level-1 centroids to its score (a back-off for rare leaves) changed
nothing beyond noise (held-out 0.816 against 0.825, cross-validated 0.596 both), so it is not done.
``sklearn.neighbors.NearestCentroid`` is the same idea but keeps its centroids dense
(517 × vocabulary floats); here they stay sparse, so a trained router is 2–4 MB.

Limits
------
* ``propose``: about 2 ms of CPU warm, mostly scikit-learn's input checks around two vectorizer
  transforms; one jieba segmentation and one sparse product. It grows with the vocabulary
  (capped, :data:`MAX_FEATURES`) and the number of leaves, not with the history.
* ``train``: one pass over the history, about 15 s of CPU for 100,000 cases, two thirds of it
  jieba (about 0.1 ms per message), then the character n-grams; the temperature is fitted on at
  most :data:`CALIBRATION_CASES` cases, so it costs about a second whatever the history.
* jieba's dictionary is loaded once per process into this module's own tokenizer (about 60 MB;
  ``plaza.square.search`` keeps a compact copy of its own, which this layer may not import).
* Centroids do not learn interactions between words, and a message is scored as a whole: one that
  names two problems gets the one it says more about first, the other only sometimes in the top 3.

Serialisation uses :mod:`pickle`: :meth:`Router.loads` must only ever read bytes that Plaza itself
wrote (its own database), never bytes from a user.
"""

from __future__ import annotations

import csv
import pickle
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jieba
import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize

from plaza.segment import Segmenter, char_ngrams, normalise, tfidf_row

__all__ = [
    "Evaluation",
    "Example",
    "Router",
    "Suggestion",
    "baseline_scores",
    "evaluate",
    "load_cases",
    "load_catalogue",
    "load_guide",
    "top_k_accuracy",
]

#: Vocabulary cap of each of the two vectorizers: bounds the router's size and ``propose``'s time.
MAX_FEATURES = 60_000
#: Softmax temperature when the history is too thin to fit one (fewer than MIN_CALIBRATION cases).
DEFAULT_TEMPERATURE = 0.05
MIN_CALIBRATION = 50
#: Folds used to fit the temperature, on at most CALIBRATION_CASES cases of the history (one
#: parameter needs few; scoring every case of a long history against every leaf would not pay).
CALIBRATION_FOLDS = 3
CALIBRATION_CASES = 3000
#: The seed of every random choice (training is deterministic).
SEED = 20261
#: Words of the desk that jieba's general dictionary would split.
DESK_TERMS: tuple[str, ...] = (
    "路灯", "井盖", "窨井盖", "物业费", "农民工", "包工头", "流浪狗", "广场舞", "渣土车", "违停",
    "僵尸车", "占道经营", "飞线充电", "公积金", "不动产证", "低保", "宅基地", "欠薪", "讨薪",
)
_FORMAT = 1  # of dumps(); loads() refuses others

jieba.setLogLevel(60)  # jieba logs "Building prefix dict…" to stderr; silence it


# --- data --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Example:
    """One dispatched case of the desk's history: what the citizen wrote, where it went."""

    text: str
    category: str  # the catalogue path, "level1/level2/level3"
    department: str | None = None  # the username of the department's account


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed dispatch: category, the department that usually takes it (None if none yet)."""

    category: str
    department: str | None
    confidence: float  # 0..1


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Cross-validated accuracy of the router and of the plain baseline on the same folds."""

    top1: float
    top3: float
    n: int
    baseline_top1: float
    baseline_top3: float = 0.0


def _data_file(name: str) -> Any:
    return resources.files("plaza.desk").joinpath("data", name)


def load_catalogue(path: str | None = None) -> list[str]:
    """The dispatch catalogue (派单目录) as category paths "level1/level2/level3", in file order;
    by default the one shipped with Plaza (``plaza/desk/data/dispatch-catalogue.csv``)."""
    source = _data_file("dispatch-catalogue.csv") if path is None else None
    with (source.open(encoding="utf-8") if source is not None else open(str(path), encoding="utf-8")) as fh:
        return ["/".join(row[key].strip() for key in ("level1", "level2", "level3")) for row in csv.DictReader(fh)]


def load_guide(path: str | None = None) -> dict[str, str]:
    """The dispatch guide (派单指引): category → the words citizens use for it (space-separated)."""
    source = _data_file("dispatch-guide.csv") if path is None else None
    with (source.open(encoding="utf-8") if source is not None else open(str(path), encoding="utf-8")) as fh:
        return {row["category"]: row["keywords"] for row in csv.DictReader(fh)}


def load_cases(path: str | None = None) -> list[Example]:
    """Cases from a CSV with columns text, category, department (others ignored); by default the
    hand-written sample corpus shipped with Plaza (``plaza/desk/data/sample-cases.csv``)."""
    source = _data_file("sample-cases.csv") if path is None else None
    with (source.open(encoding="utf-8") if source is not None else open(str(path), encoding="utf-8")) as fh:
        return [Example(row["text"], row["category"], row.get("department") or None) for row in csv.DictReader(fh)]


# --- text --------------------------------------------------------------------------------------

_SEGMENTER = Segmenter(DESK_TERMS)  # DESK_TERMS stay out of the process-wide dictionary


def words(text: str) -> list[str]:
    """jieba's words of a normalised text, without punctuation, symbols and spaces (the name
    stored models refer to)."""
    return _SEGMENTER.words(text)


def _vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    word_tfidf = TfidfVectorizer(
        preprocessor=normalise, tokenizer=words, token_pattern=None, lowercase=False,
        sublinear_tf=True, max_features=MAX_FEATURES, dtype=np.float32,
    )
    char_tfidf = TfidfVectorizer(
        preprocessor=normalise, analyzer="char", ngram_range=(1, 3), lowercase=False,
        sublinear_tf=True, max_features=MAX_FEATURES, dtype=np.float32,
    )
    return word_tfidf, char_tfidf


def _vectorize(vectorizers: Sequence[TfidfVectorizer], texts: Sequence[str], *, fit: bool = False) -> sparse.csr_matrix:
    """The texts' rows: words and characters side by side, scaled to unit length."""
    parts = [v.fit_transform(texts) if fit else v.transform(texts) for v in vectorizers]
    return normalize(sparse.hstack(parts, format="csr", dtype=np.float32))


# --- the router --------------------------------------------------------------------------------


def _indicator(rows: Sequence[int], columns: int) -> sparse.csr_matrix:
    """A (len(rows) × columns) 0/1 matrix with a one in column rows[i] of row i."""
    n = len(rows)
    return sparse.csr_matrix((np.ones(n, dtype=np.float32), (np.arange(n), np.asarray(rows))), shape=(n, columns))


class Router:
    """A trained router; build one with :meth:`Router.train` or :meth:`Router.loads`."""

    def __init__(
        self,
        vectorizers: tuple[TfidfVectorizer, TfidfVectorizer],
        categories: list[str],
        centroids: sparse.csr_matrix,
        departments: dict[str, str],
        temperature: float,
        history: int,
    ) -> None:
        self._vectorizers = vectorizers
        self._categories = categories
        self._centroids = centroids  # categories × features, unit rows
        self._departments = departments
        self.temperature = temperature
        self.history = history  # how many cases it learned from (catalogue entries not counted)
        self._by_feature: sparse.csr_matrix | None = None

    @property
    def categories(self) -> list[str]:
        """The leaves it may propose: the catalogue it was trained with."""
        return list(self._categories)

    # -- training -------------------------------------------------------------------------------

    @classmethod
    def train(
        cls, examples: Iterable[Example], catalogue: Sequence[str], *, guide: dict[str, str] | None = None,
    ) -> Router:
        """Learn from the desk's history (may be empty) and its catalogue. Deterministic.

        ``guide`` (category → keywords) defaults to the dispatch guide shipped with Plaza; pass ``{}``
        for the bare catalogue names. Raises ValueError for an empty catalogue, a category that is
        not a three-level path, or an example whose category is not in the catalogue.
        """
        categories = list(dict.fromkeys(c.strip() for c in catalogue))
        if not categories:
            raise ValueError("the catalogue is empty")
        for category in categories:
            if len(category.split("/")) != 3 or not all(category.split("/")):
                raise ValueError(f"not a level1/level2/level3 path: {category!r}")
        index = {c: i for i, c in enumerate(categories)}
        history = list(examples)
        for example in history:
            if example.category not in index:
                raise ValueError(f"category not in the catalogue: {example.category!r}")
        guide = load_guide() if guide is None else guide

        texts = [_describe(c, guide.get(c, "")) for c in categories] + [e.text for e in history]
        labels = np.arange(len(categories)).tolist() + [index[e.category] for e in history]
        vectorizers = _vectorizers()
        matrix = _vectorize(vectorizers, texts, fit=True)
        for vectorizer in vectorizers:
            vectorizer.stop_words_ = None  # terms cut by max_features: large, and not needed to transform

        centroids = _centroids(matrix, labels, len(categories))
        temperature = DEFAULT_TEMPERATURE
        if len(history) >= MIN_CALIBRATION:
            temperature = _fit_temperature(matrix, labels, len(categories))
        departments = _usual_departments(history)
        return cls(vectorizers, categories, centroids, departments, temperature, len(history))

    # -- proposing ------------------------------------------------------------------------------

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Raw scores (texts × categories): the cosine of each text to each leaf's centroid."""
        return _scores(_vectorize(self._vectorizers, texts), self._centroids)

    def score_one(self, text: str) -> np.ndarray:
        """:meth:`scores` of one text, the same figures computed without scikit-learn's per-call
        machinery (a case's intake proposes for one text at a time; this is most of its cost):
        the vocabularies' indices, sublinear tf × idf, each part and the whole scaled to unit
        length, then the centroids' columns of just those features."""
        normalised = normalise(text)
        index, weights = tfidf_row(list(zip(self._vectorizers, (words(normalised), char_ngrams(normalised)),
                                            strict=True)))
        if not len(index):
            return np.zeros(len(self._categories))
        if self._by_feature is None:
            self._by_feature = self._centroids.T.tocsr()  # features × categories, rows gathered per text
        # the text's rows of features × categories, gathered with numpy (scipy's row slicing
        # costs more than the product): each stored value times its feature's weight, summed per category
        by_feature = self._by_feature
        starts, ends = by_feature.indptr[index], by_feature.indptr[index + 1]
        lengths = ends - starts
        positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        return np.bincount(by_feature.indices[positions], weights=by_feature.data[positions] * np.repeat(weights, lengths),
                           minlength=len(self._categories)).astype(np.float64)

    def propose(self, text: str, k: int = 3) -> list[Suggestion]:
        """The k most likely categories for a message, best first, each with the department that
        usually takes it and a confidence in 0..1 (they sum to at most 1)."""
        if k <= 0:
            return []
        probabilities = _softmax(self.score_one(text), self.temperature)
        best = np.argsort(-probabilities, kind="stable")[:k]
        return [
            Suggestion(self._categories[i], self._departments.get(self._categories[i]), float(probabilities[i]))
            for i in best
        ]

    # -- storage --------------------------------------------------------------------------------

    def dumps(self) -> bytes:
        """The router as bytes, to keep in Plaza's database. Read back with :meth:`loads`."""
        state = {
            "format": _FORMAT, "vectorizers": self._vectorizers, "categories": self._categories,
            "centroids": self._centroids, "departments": self._departments,
            "temperature": self.temperature, "history": self.history,
        }
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, data: bytes) -> Router:
        """A router from :meth:`dumps`. Uses pickle: only for bytes Plaza wrote itself (its own
        database) — unpickling bytes from anyone else can run their code."""
        state = pickle.loads(data)  # trusted: Plaza's own database, see the docstring
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            raise ValueError("not a router saved by this version of Plaza")
        return cls(
            state["vectorizers"], state["categories"], state["centroids"], state["departments"], state["temperature"],
            state["history"],
        )


def _describe(category: str, keywords: str) -> str:
    """The example a catalogue entry gives its own leaf: its names and the guide's keywords."""
    return " ".join(category.split("/")) + (" " + keywords if keywords else "")


def _centroids(matrix: sparse.csr_matrix, labels: Sequence[int], n: int) -> sparse.csr_matrix:
    """Per category, the unit-length sum of its examples' rows (n × features, sparse)."""
    return normalize((_indicator(labels, n).T @ matrix).tocsr())


def _scores(matrix: sparse.csr_matrix, centroids: sparse.csr_matrix) -> np.ndarray:
    return np.asarray((matrix @ centroids.T).todense(), dtype=np.float64)


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _fit_temperature(matrix: sparse.csr_matrix, labels: Sequence[int], n: int) -> float:
    """The softmax temperature that best predicts held-out history (log loss over k folds of a
    sample of it); the catalogue's own examples (the first n rows) stay in every training fold."""
    y = np.asarray(labels)
    history = np.arange(n, len(y))
    rng = np.random.default_rng(SEED)
    sample = np.sort(rng.choice(history, size=min(len(history), CALIBRATION_CASES), replace=False))
    folds = np.array_split(rng.permutation(sample), CALIBRATION_FOLDS)
    out_scores, out_labels = [], []
    for test in folds:
        train = np.ones(len(y), dtype=bool)
        train[test] = False
        centroids = _centroids(matrix[train], y[train].tolist(), n)
        out_scores.append(_scores(matrix[test], centroids))
        out_labels.append(y[test])
    scores, truth = np.vstack(out_scores), np.concatenate(out_labels)

    def log_loss(temperature: float) -> float:
        p = _softmax(scores, temperature)[np.arange(len(truth)), truth]
        return float(-np.log(np.maximum(p, 1e-12)).mean())

    return float(minimize_scalar(log_loss, bounds=(0.002, 1.0), method="bounded").x)


def _usual_departments(history: Sequence[Example]) -> dict[str, str]:
    """Per category, the department that took most of its cases (ties: the name first in order)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for example in history:
        if example.department:
            counts[example.category][example.department] += 1
    return {c: min(counter.items(), key=lambda item: (-item[1], item[0]))[0] for c, counter in counts.items()}


# --- evaluation --------------------------------------------------------------------------------


def baseline_scores(train: Sequence[Example], texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The plain baseline: scikit-learn's default TF-IDF (its own tokenisation of the jieba-cut,
    space-joined text) and a default LogisticRegression, history only. Classes and probabilities."""
    vectorizer = TfidfVectorizer()
    x = vectorizer.fit_transform(" ".join(words(normalise(e.text))) for e in train)
    model = LogisticRegression(max_iter=1000)
    model.fit(x, [e.category for e in train])
    probabilities = model.predict_proba(vectorizer.transform(" ".join(words(normalise(t))) for t in texts))
    return list(model.classes_), probabilities


def top_k_accuracy(classes: Sequence[str], scores: np.ndarray, truth: Sequence[str], k: int) -> float:
    """Share of rows whose true class is among the k best scored."""
    best = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    names = np.asarray(classes)
    return float(np.mean([t in names[row] for t, row in zip(truth, best, strict=True)]))


def evaluate(
    examples: Iterable[Example], catalogue: Sequence[str], folds: int = 5, *, guide: dict[str, str] | None = None,
) -> Evaluation:
    """Top-1 / top-3 accuracy of the router by stratified k-fold cross-validation over the
    examples, and of the baseline (:func:`baseline_scores`) on the same folds."""
    cases = list(examples)
    labels = [e.category for e in cases]
    hits = {"top1": 0.0, "top3": 0.0, "base1": 0.0, "base3": 0.0}
    splitter = StratifiedKFold(folds, shuffle=True, random_state=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # categories with fewer cases than folds
        for train_rows, test_rows in splitter.split(cases, labels):
            train = [cases[i] for i in train_rows]
            test = [cases[i] for i in test_rows]
            texts, truth = [e.text for e in test], [e.category for e in test]
            router = Router.train(train, catalogue, guide=guide)
            scores = router.scores(texts)
            hits["top1"] += top_k_accuracy(router.categories, scores, truth, 1) * len(test)
            hits["top3"] += top_k_accuracy(router.categories, scores, truth, 3) * len(test)
            classes, probabilities = baseline_scores(train, texts)
            hits["base1"] += top_k_accuracy(classes, probabilities, truth, 1) * len(test)
            hits["base3"] += top_k_accuracy(classes, probabilities, truth, 3) * len(test)
    n = len(cases)
    return Evaluation(hits["top1"] / n, hits["top3"] / n, n, hits["base1"] / n, hits["base3"] / n)
