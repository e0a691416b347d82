"""Personal data (个人信息) in Chinese text — phone numbers, ID cards, bank cards, plates, e-mail
addresses and names — found by position and masked for public views, so staff can still see the
original (脱敏: 138****5678, 3401**********123X, 皖E·***45, 张**, a***@qq.com).

Pure and database-free. Positions are those of the text as given: full-width digits and letters
(１３８…) are read as their ASCII forms one character for one.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["mobile", "landline", "id_card", "bank_card", "plate", "email", "name"]

#: When two findings overlap, the one that starts first and is longer wins; at equal spans the
#: kind earlier here (an 18-digit ID that also passes the bank-card check is an ID).
KINDS: tuple[Kind, ...] = ("email", "id_card", "bank_card", "mobile", "landline", "plate", "name")


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Personal data of ``kind`` at ``text[start:end]``."""

    kind: Kind
    start: int
    end: int


# Full-width forms (U+FF01–FF5E) and the ideographic space, mapped one to one so positions hold.
_HALF_WIDTH = {0xFF00 + i: 0x20 + i for i in range(1, 0x5F)} | {0x3000: 0x20}

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"

_MOBILE = re.compile(
    r"(?<![0-9A-Za-z+])(?:(?:\+|00)?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]){8}(?![0-9])"
)
# Area codes: 010 and 02x are followed by 8 digits, the 4-digit ones by 7 or 8; a local number
# never starts with 0 or 1 (so no date or mobile number reads as one).
_LANDLINE = re.compile(
    _NOT_ALNUM_BEFORE
    + r"(?:\(?0(?:10|2[0-9])\)?[ -]?[2-9][0-9]{7}|\(?0[3-9][0-9]{2}\)?[ -]?[2-9][0-9]{6,7})"
    + r"(?:(?:-|转)[0-9]{1,5})?(?![0-9])"
)
_ID_18 = re.compile(_NOT_ALNUM_BEFORE + r"[1-8][0-9]{5}(?:18|19|20)[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}[0-9Xx]" + _NOT_ALNUM_AFTER)
_ID_15 = re.compile(_NOT_ALNUM_BEFORE + r"[1-8][0-9]{5}[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}" + _NOT_ALNUM_AFTER)
_BANK_CARD = re.compile(_NOT_ALNUM_BEFORE + r"[3-6][0-9]{3}(?:[ -]?[0-9]{4}){2}[ -]?[0-9]{4,7}" + _NOT_ALNUM_AFTER)
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-HJ-NP-Z][·•・. -]?(?:[A-HJ-NP-Z0-9]{5,6}|[A-HJ-NP-Z0-9]{4}[挂学警港澳])" + _NOT_ALNUM_AFTER,
    re.IGNORECASE,
)
# Not after another address character or "@": a fediverse handle (@zhang@plaza.gov.cn) is public.
_EMAIL = re.compile(
    r"(?<![@A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])"
)

_PROVINCE_PREFIXES = frozenset(
    [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
        "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
        "81", "82",
    ]
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _valid_date(year: int, month: int, day: int) -> bool:
    """A date that exists (no 30 February). Not compared with today: the module reads no clock."""
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def _valid_id(number: str) -> bool:
    """GB 11643 citizen ID: a province, a real birth date and, for 18 digits, the check character."""
    if number[:2] not in _PROVINCE_PREFIXES:
        return False
    if len(number) == 15:
        return _valid_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    if not _valid_date(int(number[6:10]), int(number[10:12]), int(number[12:14])):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _digits(raw: str) -> str:
    return "".join(char for char in raw if char.isdigit())


def _plausible_plate(raw: str) -> bool:
    tail = re.sub(r"[·•・. -]", "", raw)[2:].upper()
    if len(tail) == 5 and tail[-1] in "挂学警港澳":
        return sum(char.isdigit() for char in tail) >= 2
    if len(tail) == 5:
        return sum(char.isdigit() for char in tail) >= 3
    # New-energy plates (新能源, 8 characters): D/F then a letter or digit and four digits, or five
    # digits then D/F.
    return (tail[0] in "DF" and tail[2:].isdigit()) or (tail[:5].isdigit() and tail[5] in "DF")


# --- names -------------------------------------------------------------------------------------------

# Common surnames (常见姓氏, from the 百家姓 by present-day frequency) and the compound ones.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向"
    "汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单"
    "季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
    "娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘"
    "池查麻苑迟邝"
)
_COMPOUND_SURNAMES = frozenset(
    [
        "欧阳", "司马", "诸葛", "上官", "东方", "慕容", "司徒", "夏侯", "皇甫", "令狐", "尉迟", "长孙", "宇文", "公孙", "轩辕", "端木",
        "南宫", "西门", "独孤", "申屠",
    ]
)
# Characters that end a name rather than continue it: 我叫张三今年…, 联系人李四电话….
_NOT_IN_NAME = frozenset("是在的了住电手联今昨和与跟说要从到去给被把也都就还又很这那们啊呀吧吗呢啦哦年岁男性号")
# A surname with a title is how people are addressed, not who they are: 王先生, 李阿姨, 张某.
_TITLES = (
    "先生", "女士", "小姐", "老师", "师傅", "阿姨", "大爷", "大妈", "大姐", "大哥", "同学", "医生", "经理", "律师", "警官", "主任",
    "书记", "局长", "总", "工", "哥", "姐", "叔", "姨", "伯", "某", "家",
)
# What "我是…" says when it is not a name, though it starts with a surname character.
_NOT_NAMES = frozenset(
    [
        "业主", "党员", "房东", "房主", "房客", "车主", "游客", "常客", "农民", "农民工", "程序员", "管理员", "高中生", "明天", "司机",
        "包工头", "华人", "汉族", "全职", "单身", "单亲", "左撇子", "文盲", "金主", "宁波",
    ]
)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_NAME_AFTER = re.compile(r"(?P<strong>我叫|本人叫|我的名字叫|我的名字是|联系人[:：]?|姓名[:：]?|本人姓|我姓)|(?P<weak>我是)")


def _name_at(text: str, at: int, strong: bool) -> tuple[int, int] | None:
    """The span of the name (2–3 characters, 4 with a compound surname) starting at ``at``."""
    run = _HAN.match(text, at)
    if run is None:
        return None
    word = run.group()
    if not strong and (word in _NOT_NAMES or word.endswith("人")):
        return None  # 我是业主, 我是马鞍山人
    surname = 2 if word[:2] in _COMPOUND_SURNAMES else 1 if word[0] in _SURNAMES else 0
    if not surname:
        return None
    given = 0
    while given < 2 and surname + given < len(word) and word[surname + given] not in _NOT_IN_NAME:
        given += 1
    if given == 0 or any(word.startswith(title, surname) for title in _TITLES):
        return None
    if not strong and surname + given != len(word):
        return None  # 我是马上要走的人, 我是周边居民: the words go on after the would-be name
    return at, at + surname + given


def _names(text: str) -> list[Span]:
    found = []
    for trigger in _NAME_AFTER.finditer(text):
        at = trigger.end()
        while at < len(text) and text[at] in " \t":
            at += 1
        span = _name_at(text, at, strong=trigger["strong"] is not None)
        if span is not None:
            found.append(Span("name", *span))
    return found


# --- finding and masking -----------------------------------------------------------------------------


def _candidates(text: str) -> list[Span]:
    found: list[Span] = []
    for match in _EMAIL.finditer(text):
        found.append(Span("email", *match.span()))
    for pattern in (_ID_18, _ID_15):
        for match in pattern.finditer(text):
            if _valid_id(match.group()):
                found.append(Span("id_card", *match.span()))
    for match in _BANK_CARD.finditer(text):
        digits = _digits(match.group())
        if 16 <= len(digits) <= 19 and _luhn(digits):
            found.append(Span("bank_card", *match.span()))
    for match in _MOBILE.finditer(text):
        found.append(Span("mobile", *match.span()))
    for match in _LANDLINE.finditer(text):
        found.append(Span("landline", *match.span()))
    for match in _PLATE.finditer(text):
        if _plausible_plate(match.group()):
            found.append(Span("plate", *match.span()))
    found.extend(_names(text))
    return found


def find_personal(text: str) -> list[Span]:
    """Personal data in ``text``, in order of position, no two overlapping."""
    normal = text.translate(_HALF_WIDTH)
    rank = {kind: i for i, kind in enumerate(KINDS)}
    chosen: list[Span] = []
    for span in sorted(_candidates(normal), key=lambda s: (s.start, s.start - s.end, rank[s.kind])):
        if not chosen or span.start >= chosen[-1].end:
            chosen.append(span)
    return chosen


def contains_personal(text: str) -> bool:
    """True when ``text`` holds any personal data :func:`find_personal` finds."""
    return bool(find_personal(text))


def _masked_landline(raw: str) -> str:
    digits = re.match(r"\(?(0[0-9]+)\)?[ -]?([0-9]+)(?:(?:-|转)([0-9]+))?", raw)
    assert digits is not None
    area, local, extension = digits.groups()
    if len(area) > 4:  # written without a separator: 010/02x have three digits, the others four
        cut = 3 if area[1] in "12" else 4
        area, local = area[:cut], area[cut:] + local
    masked = f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    return f"{masked}-{extension}" if extension else masked


def masked(kind: Kind, raw: str) -> str:
    """What a public view shows instead of ``raw``: enough to recognise, not to use."""
    raw = raw.translate(_HALF_WIDTH)
    if kind == "mobile":
        digits = _digits(raw)
        return ("+86 " if len(digits) > 11 else "") + f"{digits[-11:-8]}****{digits[-4:]}"
    if kind == "landline":
        return _masked_landline(raw)
    if kind == "id_card":
        return raw[:4] + "*" * (len(raw) - 8) + raw[-4:].upper() if len(raw) == 18 else raw[:4] + "*" * 8 + raw[-3:]
    if kind == "bank_card":
        digits = _digits(raw)
        return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]
    if kind == "plate":
        compact = re.sub(r"[·•・. -]", "", raw).upper()
        return f"{compact[:2]}·{'*' * (len(compact) - 4)}{compact[-2:]}"
    if kind == "email":
        local, _, domain = raw.rpartition("@")
        return f"{local[0]}***@{domain}"
    surname = 2 if raw[:2] in _COMPOUND_SURNAMES else 1
    return raw[:surname] + "*" * (len(raw) - surname)


def mask(text: str) -> str:
    """``text`` with every piece of personal data replaced by its masked form."""
    parts: list[str] = []
    at = 0
    for span in find_personal(text):
        parts.append(text[at : span.start])
        parts.append(masked(span.kind, text[span.start : span.end]))
        at = span.end
    parts.append(text[at:])
    return "".join(parts)
