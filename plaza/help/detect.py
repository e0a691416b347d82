"""Finding help requests (求助) in ordinary posts: is a post a request responders should act on —
not thanks, not news of a rescue, not "求助这道题怎么做", not a joke, not a request already over —
and what does it ask for, where, for how many, with a way to reach them?

Whether: logistic regression over TF-IDF of character 1–3-grams (phone numbers read as one token,
digits folded; jieba's words beside them measured no better on the held-out posts and cost most of
a screening, which every public post goes through), trained on the labelled posts shipped in
``data/`` (written for the purpose; ``help-posts-heldout.csv`` is never trained on and measures it:
bench/help_detect.py), then rules for what a bag of words cannot see: a request that says it is
over (已获救, 勿转) is not one. What: a second classifier over jieba's words and the characters for
the need; the place from Plaza's own address parser (``plaza.regions.address``) or, without a named region, a compound or village
with its building and door; people from counts in the text (一家五口, 两位老人和一个孩子, 共九个);
contact from the phone numbers ``plaza.privacy`` finds, or a WeChat id.

The model is trained on first use in each process (about a second) and kept.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from math import exp, log, sqrt
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from plaza import privacy
from plaza.regions import city_code
from plaza.regions.address import parse_address
from plaza.segment import Segmenter, char_ngrams, normalise, tfidf_row

#: What a request asks for (the API's ``need``).
NEEDS = ("rescue", "medical", "supplies", "shelter", "evacuation", "missing_person", "other")
#: A post is a request from this probability on.
THRESHOLD = 0.5
#: Words of emergencies jieba should keep whole.
HELP_TERMS: tuple[str, ...] = (
    "被困", "求救援", "求救", "求助", "救援队", "冲锋舟", "断水断电", "断水", "断电", "透析", "胰岛素", "呼吸机",
    "制氧机", "寻人", "失联", "联系不上", "已获救", "已脱险", "勿转", "扩散", "帮转", "孕妇", "瘫痪", "卧床",
    "发烧", "高烧", "物资", "帐篷", "转移", "撤离", "山火", "地震", "暴雨", "台风", "洪水", "积水", "塌方",
)
_SEGMENTER = Segmenter(HELP_TERMS)


@dataclass(frozen=True, slots=True)
class Place:
    """Where, as the post says it, and the region codes it resolves to (None when it names none)."""

    text: str
    county: str | None
    city: str | None

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "county": self.county, "city": self.city}


@dataclass(frozen=True, slots=True)
class Detection:
    """What screening found in one post."""

    is_request: bool
    score: float
    need: str | None
    place: Place | None
    people: int | None
    has_contact: bool

    def as_json(self) -> dict[str, Any]:
        return {"is_request": self.is_request, "score": round(self.score, 3), "need": self.need,
                "place": self.place.as_json() if self.place is not None else None, "people": self.people,
                "has_contact": self.has_contact}


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled post of ``data/``."""

    text: str
    is_request: bool
    need: str | None
    people: int | None
    place: str
    has_contact: bool


def load_examples(name: str = "help-posts.csv") -> list[Example]:
    """The labelled posts shipped with Plaza: ``help-posts.csv`` (training) or
    ``help-posts-heldout.csv`` (never trained on)."""
    text = resources.files("plaza.help").joinpath(f"data/{name}").read_text("utf-8")
    return [Example(row["text"], row["is_request"] == "1", row["need"] or None,
                    int(row["people"]) if row["people"] else None, row["place"], row["has_contact"] == "1")
            for row in csv.DictReader(text.splitlines())]


# --- contact, people, place: rules ---------------------------------------------------------------

_WECHAT = re.compile(r"(?:微信|vx|VX|Vx|wx|WX|v信|V信)(?:号)?[:：\s]*[A-Za-z][-_A-Za-z0-9]{5,19}|电话同微信|手机同微信")


def has_contact(text: str) -> bool:
    """A phone number (mobile or landline) or a WeChat id."""
    return any(s.kind in ("mobile", "landline") for s in privacy.find_personal(text)) or bool(_WECHAT.search(text))


_PHONE_TOKEN = " 电话号码 "


def _phones(text: str) -> list[privacy.Span]:
    return [s for s in privacy.find_personal(text) if s.kind in ("mobile", "landline")]


def _features_text(text: str, phones: Sequence[privacy.Span] | None = None) -> str:
    """The text the classifiers read: phone numbers one token (a number is a number), then
    :func:`plaza.segment.normalise`."""
    for span in sorted(_phones(text) if phones is None else phones, key=lambda s: s.start, reverse=True):
        text = text[:span.start] + _PHONE_TOKEN + text[span.end:]
    return normalise(text)


_NUMERALS = {"零": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "仨": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9, "十": 10, "几": 3}
_NUMBER = r"(?:\d{1,4}|[一二两俩三仨四五六七八九十几]{1,3})"


def chinese_number(word: str) -> int | None:
    """1–999 written in digits or Chinese numerals (十几 → 10, 几 → 3, 五六 → 5: a lower bound)."""
    if word.isdigit():
        return int(word)
    if not word or any(c not in _NUMERALS for c in word):
        return None
    if word.startswith("十"):
        return 10 + (_NUMERALS[word[1]] if len(word) > 1 and word[1] not in "几十" else 0)
    if len(word) >= 2 and word[1] == "十":
        return _NUMERALS[word[0]] * 10 + (_NUMERALS[word[2]] if len(word) > 2 and word[2] != "几" else 0)
    return _NUMERALS[word[0]]  # 五六 → 5


_PERSON = (r"(?:人|老人|大人|孩子|小孩|娃|儿童|婴儿|宝宝|孕妇|产妇|病人|患者|村民|群众|学生|工人|伤员|伤者|居民|游客|老师|"
           r"乘客|家属|孙子|孙女|兄弟|姐妹|志愿者|队员|车手|老太太|老大爷)")
_MORE = r"(?:多|余|来)?"  # 二十多人, 30余名: at least the number
_TOTAL = re.compile(rf"(?:(?:一家|全家|共|一共|总共|我们|家里|屋里|车上|这里|里面有)({_NUMBER}){_MORE}(?:个人|口人|人|位|名|个|口)"
                    rf"|({_NUMBER}){_MORE}口人)")
_COUNTED = re.compile(rf"({_NUMBER}){_MORE}(?:个|位|名)?{_PERSON}|{_PERSON}({_NUMBER})(?:名|位|个|人)")
_KIN = r"(?:爸|妈|爸爸|妈妈|父亲|母亲|爷爷|奶奶|外公|外婆|老公|老婆|儿子|女儿|孩子|宝宝|媳妇|婆婆|公公|弟弟|妹妹|哥哥|姐姐)"
_PAIR = re.compile(rf"(?:我|{_KIN})(?:和|跟|带着)(?:我|俺)?{_KIN}|老两口")
_ONE = re.compile(r"(?:我|俺)?(?:爸|妈|父亲|母亲|爷爷|奶奶|外公|外婆|姥姥|姥爷|老公|老婆|儿子|女儿|孩子|舅舅|姨|叔|婶|"
                  r"哥|姐|弟|妹|老人|孕妇|产妇|新生儿|婴儿|病人|患者|朋友|同事|同学|邻居|婆婆|公公|媳妇|大爷|大妈)"
                  r"|[张王李赵刘陈杨黄周吴孙郑徐马朱胡林何高罗梁宋谢唐韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁沈任姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤]某")


#: The traditional forms counting reads in a post written in them.
_SIMPLIFIED = str.maketrans({"個": "个", "們": "们", "裡": "里", "兩": "两", "幾": "几", "獨": "独", "孫": "孙", "媽": "妈",
                             "爺": "爷", "嬰": "婴", "學": "学", "師": "师", "屬": "属", "員": "员", "傷": "伤"})


def count_people(text: str) -> int | None:
    """How many people need help, as the text says: a total (一家五口, 共九个) when it gives one,
    else the sum of the groups it counts (两位老人和一个孩子 → 3), else 1 when it names one person
    (我爸, 孕妇), else None."""
    text = text.translate(_SIMPLIFIED)
    totals = [n for m in _TOTAL.finditer(text) if (n := chinese_number(m.group(1) or m.group(2))) and n < 1000]
    if totals:
        return max(totals)
    counted = [n for m in _COUNTED.finditer(text) if (n := chinese_number(m.group(1) or m.group(2))) and n < 1000]
    if counted:
        return sum(counted)
    if "爸妈" in text or "父母" in text or "爷爷奶奶" in text or "外公外婆" in text or _PAIR.search(text):
        return 2
    return 1 if _ONE.search(text) else None


# A compound, village or building with what follows it (its building, unit, door) up to a stop.
_SITE = re.compile(
    r"[\u4e00-\u9fffA-Za-z0-9]{1,14}?(?:小区|花园|家园|苑|公寓|大厦|新村|村|镇|乡|街道|社区|医院|学校|服务区|高速|广场|酒店)"
    r"(?:[一二三四五六七八九十\d]+(?:组|期|区))?(?:[\dA-Za-z]+(?:号楼|栋|幢|座|号院|号))?(?:[\d一二三四五六七八九十]+单元)?"
    r"(?:[\d]+(?:室|号|楼|层))?")
_STOP = re.compile(r"[，,。.!！?？\s;；、（(）)【】]|被|困|求|这边|那边|附近|的|有|我|家|现在|已经|一楼|二楼|楼顶|门口|里面|水|火")


def find_place(text: str, hint: str | None = None) -> Place | None:
    """The most specific place the post names: a region with the street, compound and door that
    follow it (resolved to county and city codes), else a compound or village alone (codes None)."""
    found = parse_address(text, hint)
    if found is not None:
        rest = found.rest
        stop = _STOP.search(rest)
        rest = rest[:stop.start()] if stop else rest
        return Place(text[found.start:found.end] + rest, found.county_code,
                     found.city_code or (city_code(found.county_code) if found.county_code else None))
    site = _SITE.search(text)
    return Place(site.group(0), None, None) if site is not None else None


# --- the classifiers ----------------------------------------------------------------------------

_ENDED = re.compile(r"已获救|已经获救|已脱险|已经脱险|已救出|已被救出|已安全|已经安全|已联系上|已经联系上|已找到|已经找到|"
                    r"勿转|不用再转|不要再转|请勿扩散|别再转|已解决")


def says_it_is_over(text: str) -> bool:
    """The post says the request is over (已获救, 已联系上, 勿转 …): whoever reads it now should not go."""
    return bool(_ENDED.search(text))


def _words(text: str) -> list[str]:
    return _SEGMENTER.words(text)


class Detector:
    """The trained classifiers (whether, and what for) with the rules around them."""

    def __init__(self, examples: Sequence[Example]) -> None:
        texts = [_features_text(e.text) for e in examples]
        self._words = TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, sublinear_tf=True,
                                      min_df=1, dtype=np.float64)
        self._chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), lowercase=False, sublinear_tf=True,
                                      min_df=2, dtype=np.float64)
        chars = self._chars.fit_transform(texts)
        self._words.fit(texts)
        # whether: the characters alone (1–3-grams) measure as well on the held-out posts as with
        # jieba's words beside them, at a fraction of the cost — every public post is screened
        self._whether = LogisticRegression(C=8.0, class_weight="balanced", max_iter=2000)
        self._whether.fit(normalize(chars), [e.is_request for e in examples])
        coef = self._whether.coef_[0]  # for the class True (classes_ are sorted)
        idf = self._chars.idf_
        self._grams = {g: (float(idf[i]), float(coef[i])) for g, i in self._chars.vocabulary_.items()}
        self._bias = float(self._whether.intercept_[0])
        # what for: words and characters (only for the few posts that are requests)
        asking = [i for i, e in enumerate(examples) if e.is_request and e.need]
        both = normalize(sparse.hstack([self._words.transform(texts), chars], format="csr"))
        self._what = LogisticRegression(C=8.0, max_iter=2000)
        self._what.fit(both[asking], [examples[i].need for i in asking])

    def scores(self, texts: Sequence[str]) -> list[float]:
        """The probability that each text is a request (before the rules)."""
        if not texts:
            return []
        x = normalize(self._chars.transform([_features_text(t) for t in texts]))
        column = list(self._whether.classes_).index(True)
        return [float(p) for p in self._whether.predict_proba(x)[:, column]]

    def _one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """One text's word and character features (every public post is screened: one at a time,
        without scikit-learn's per-call machinery — :func:`plaza.segment.tfidf_row`)."""
        return tfidf_row([(self._words, _words(text)), (self._chars, char_ngrams(text))])

    def _linear(self, model: LogisticRegression, index: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The model's decision values for one sparse text (w · x + b per class)."""
        return model.coef_[:, index] @ weights + model.intercept_

    def detect(self, text: str, hint: str | None = None) -> Detection:
        """Screen one post (``hint``: the poster's city, for a county name several cities share)."""
        text = (text or "").strip()
        if not text:
            return Detection(False, 0.0, None, None, None, False)
        phones = _phones(text)
        features = _features_text(text, phones)
        score = 1.0 / (1.0 + exp(-self._decision(features)))
        if says_it_is_over(text):
            score = min(score, 0.1)
        is_request = bool(score >= THRESHOLD)
        need = None
        if is_request:
            index, weights = self._one(features)
            need = str(self._what.classes_[int(np.argmax(self._linear(self._what, index, weights)))])
        contact = bool(phones) or bool(_WECHAT.search(text))
        return Detection(is_request, score, need, find_place(text, hint) if is_request else None,
                         count_people(text) if is_request else None, contact)

    def _decision(self, features: str) -> float:
        """The whether-model's decision value for one text, in plain Python (a screening's
        arithmetic is some 60 character grams: numpy's per-call cost would be most of it):
        sublinear tf × idf over the grams the vocabulary knows, l2-normalised, · w + b."""
        counts: dict[str, int] = {}
        for gram in char_ngrams(features):
            if gram in self._grams:
                counts[gram] = counts.get(gram, 0) + 1
        total = 0.0
        norm = 0.0
        grams = self._grams
        for gram, tf in counts.items():
            idf, weight = grams[gram]
            value = (log(tf) + 1.0) * idf
            norm += value * value
            total += value * weight
        return self._bias + (total / sqrt(norm) if norm else 0.0)


_detector: Detector | None = None
_lock = threading.Lock()


def detector() -> Detector:
    """The process's detector, trained on the shipped examples on first use."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = Detector(load_examples())
    return _detector


def detect(text: str, hint: str | None = None) -> Detection:
    """:meth:`Detector.detect` with the shipped model."""
    return detector().detect(text, hint)
