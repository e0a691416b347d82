"""How urgent a help request is (紧急程度), from what it says — pure, tested without a database.

A verifier works the most urgent request first. Urgency is a score from 0 to 100, the sum of
what the field weighs: the need (a rescue before supplies), the vulnerable people in it (elderly,
children, disabled, pregnant, patients — 老幼病残孕), the signals that a situation is getting
worse (water rising, injuries, no food or water, fire close, trapped, hours without contact) and
how many people wait. Each part is explained (``Urgency.reasons``) so a verifier can see why a
request sits where it does in the queue, and correct it after the call-back.

Phone numbers are compared hashed (HMAC with the instance's secret): two requests with the same
number are one person, and the hash alone does not give the number back.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

#: Vulnerable people (老幼病残孕).
VULNERABLE = ("elderly", "children", "disabled", "pregnant", "patients")
#: Signals that a situation is getting worse.
SIGNALS = ("trapped", "water_rising", "fire_close", "injured", "critical_care", "no_food_water", "lost_contact")

_NEED_POINTS = {"rescue": 40, "medical": 36, "evacuation": 30, "missing_person": 26, "supplies": 16,
                "shelter": 14, "other": 6}
_VULNERABLE_POINTS = {"pregnant": 12, "patients": 12, "disabled": 10, "elderly": 8, "children": 8}
_SIGNAL_POINTS = {"trapped": 12, "water_rising": 14, "fire_close": 14, "injured": 12, "critical_care": 14,
                  "no_food_water": 8, "lost_contact": 8}

_VULNERABLE_WORDS: dict[str, re.Pattern[str]] = {
    "elderly": re.compile(r"老人|老年|老太|老伯|老大爷|大爷|大妈|奶奶|爷爷|外婆|外公|姥姥|姥爷|[6-9一-九]十多?岁|\b[6-9]\d岁"),
    "children": re.compile(r"孩子|小孩|婴儿|宝宝|儿童|幼儿|新生儿|学生|娃|[一-九两]岁|\b\d个月大?"),
    "disabled": re.compile(r"残疾|瘫痪|轮椅|行动不便|卧床|失明|盲人|聋哑|智障"),
    "pregnant": re.compile(r"孕妇|怀孕|待产|临产|产妇|孕\d+周|羊水"),
    "patients": re.compile(r"病人|患者|透析|化疗|术后|重病|心脏病|糖尿病|高血压|癌|哮喘|胰岛素|呼吸机|制氧机"),
}
_SIGNAL_WORDS: dict[str, re.Pattern[str]] = {
    "trapped": re.compile(r"被困|困在|困住|出不来|出不去|下不来|埋在|压在"),
    "water_rising": re.compile(r"水位.{0,4}(上涨|上升|涨)|水.{0,3}(涨|漫)|水.{0,4}到.{0,3}(楼|层|腰|胸|脖子|膝)|淹到|淹了|"
                               r"进水|漫到|没过|齐腰|齐胸|到.{0,2}(腰|胸|脖子)|[一二三四五六]楼.{0,3}淹"),
    "fire_close": re.compile(r"火.{0,4}(逼近|烧到|蔓延|过来|越来越近)|浓烟|火势|火线"),
    "injured": re.compile(r"受伤|骨折|流血|出血|昏迷|伤者|砸伤|烧伤|休克|晕倒"),
    "critical_care": re.compile(r"透析|胰岛素|呼吸机|制氧机|急救|抢救|高烧|要生了|临产|羊水|心脏骤停|快不行"),
    "no_food_water": re.compile(r"断水|断粮|没吃的|没有吃的|没有水|没水喝|没有饮用水|断水断电|没电|断电|缺水|缺粮"),
    "lost_contact": re.compile(r"失联|联系不上|打不通|没有回音|没回消息|没有消息|(\d+|[一二三四五六七八九十两]+)(个)?小时.{0,4}(没|未)联系"),
}


@dataclass(frozen=True, slots=True)
class Urgency:
    """A request's urgency (0–100) and why."""

    score: int
    reasons: tuple[str, ...]


def vulnerable_in(text: str) -> tuple[str, ...]:
    """The vulnerable people a text names, in :data:`VULNERABLE` order."""
    return tuple(kind for kind in VULNERABLE if _VULNERABLE_WORDS[kind].search(text or ""))


def signals_in(text: str) -> tuple[str, ...]:
    """The signals of a worsening situation a text gives, in :data:`SIGNALS` order."""
    return tuple(kind for kind in SIGNALS if _SIGNAL_WORDS[kind].search(text or ""))


def urgency(need: str | None, vulnerable: Iterable[str], signals: Iterable[str], people: int | None,
            *, hours_without_contact: float | None = None) -> Urgency:
    """The score and its reasons: need + vulnerable people (at most 30) + signals (at most 40) +
    people waiting (a log scale, at most 10) + hours without contact (at most 10), capped at 100."""
    reasons: list[str] = []
    score = _NEED_POINTS.get(need or "other", _NEED_POINTS["other"])
    reasons.append(f"need:{need or 'other'}")
    seen_vulnerable = [v for v in dict.fromkeys(vulnerable) if v in _VULNERABLE_POINTS]
    score += min(30, sum(_VULNERABLE_POINTS[v] for v in seen_vulnerable))
    reasons += [f"vulnerable:{v}" for v in seen_vulnerable]
    seen_signals = [s for s in dict.fromkeys(signals) if s in _SIGNAL_POINTS]
    score += min(40, sum(_SIGNAL_POINTS[s] for s in seen_signals))
    reasons += [f"signal:{s}" for s in seen_signals]
    if people and people > 1:
        score += min(10, round(4 * math.log2(people)))
        reasons.append(f"people:{people}")
    if hours_without_contact and hours_without_contact > 0:
        score += min(10, round(hours_without_contact / 2))
        reasons.append(f"hours_without_contact:{hours_without_contact:g}")
    return Urgency(max(0, min(100, score)), tuple(reasons))


_DIGITS = re.compile(r"\D+")


def normalise_phone(phone: str) -> str:
    """A phone number's digits as China dials them: +86 / 0086 dropped, a mobile's 11 digits,
    a landline with its area code."""
    digits = _DIGITS.sub("", phone or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) in (11, 10, 12):
            digits = digits[len(prefix):]
            break
    return digits


def phone_hash(phone: str, key: bytes) -> str | None:
    """The number's keyed hash (hex), or None when there is no number to compare (fewer than
    7 digits)."""
    digits = normalise_phone(phone)
    if len(digits) < 7:
        return None
    return hmac.new(key, b"plaza.help.phone:" + digits.encode(), hashlib.sha256).hexdigest()[:32]
