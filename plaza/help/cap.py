"""Official warnings (预警) as CAP 1.2 documents: read, written and validated against the schema.

Plaza serves and imports official warnings as OASIS Common Alerting Protocol 1.2 (namespace
``urn:oasis:names:tc:emergency:cap:1.2``). This module is the pure CAP layer — no database, no
HTTP: frozen data classes (:class:`Alert`, :class:`Info`, :class:`Area`, :class:`Resource`,
:class:`Reference`), :func:`parse` and :func:`to_xml`, China's warning levels and types, and areas
as Chinese division codes.

**The schema.** ``data/cap-1.2.xsd`` is the official OASIS CAP 1.2 XML Schema, verbatim with its
notice ("Copyright OASIS Open 2010 All Rights Reserved"), as published with the standard at
docs.oasis-open.org/emergency/cap/v1.2/CAP-v1.2.xsd (taken from the copy IBM/cap keeps in
``resources/CAP-v1.2.xsd``, and checked against the reformatted copy in google/cap-library); it is
shipped so that nothing is fetched at run time. :func:`parse` validates every document against it
before reading a field; a document that fails, or that is not well-formed XML, or that carries a
DOCTYPE (and so could declare entities: an XML bomb, an external entity) is refused with
:class:`CapInvalid`, whose ``reason`` is the schema's own (or the parser's). :func:`to_xml`
validates what it writes too.

**Times** are timezone-aware :class:`~datetime.datetime` values. The schema's pattern for
``sent``, ``effective``, ``onset`` and ``expires`` is
``\\d\\d\\d\\d-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[-,+]\\d\\d:\\d\\d``: whole seconds and a numeric
offset, never ``Z`` (UTC is written ``+00:00``). So a time must carry its zone, whole seconds
(``dt.replace(microsecond=0)``) and an offset of whole minutes; anything else is refused when the
data class is built, so that every :class:`Alert` this module can build writes a valid document
and reads back equal: ``parse(to_xml(alert)) == alert``.

**Text** is carried exactly, except line ends: XML reads ``\\r\\n`` and ``\\r`` as ``\\n``, so
the data classes store them as ``\\n`` already. Characters XML 1.0 cannot carry (most control
characters) are refused. Identifiers and senders follow CAP 1.2 §3.2.1: no spaces, commas, ``<``
or ``&``.

**Warning levels.** China's four-colour early-warning scale (预警级别, as in the 突发事件应对法 and
the CMA's 气象灾害预警信号) maps onto CAP's ``severity``:

======  ======  =============  ======================================
level   colour  CAP severity   meaning
======  ======  =============  ======================================
IV      蓝色    ``Minor``      blue: 一般 (general)
III     黄色    ``Moderate``   yellow: 较重 (serious)
II      橙色    ``Severe``     orange: 严重 (severe)
I       红色    ``Extreme``    red: 特别严重 (most severe)
======  ======  =============  ======================================

:data:`LEVELS`, :func:`severity_of` and :func:`level_of` carry the mapping; :data:`WARNING_TYPES`
names the kinds of warning (台风, 暴雨, 地震, 森林火险 …) with the CAP ``category`` of each, and
:func:`warning_info` builds the ``<info>`` of a warning ("台风红色预警") from a kind and a level.

**Areas** carry Chinese administrative division codes (GB/T 2260) as geocodes —
``<geocode><valueName>GB/T 2260</valueName><value>310115</value></geocode>`` — built by
:func:`area_for` (which refuses codes Plaza's division table does not know) and read back by
:func:`region_codes`. Polygons are closed rings of at least four (lat, lon) points, written
``"lat,lon lat,lon …"``; circles are (lat, lon, radius in km), written ``"lat,lon radius"``.

Not carried: XML signatures (``<Signature>`` of the xmldsig namespace, which the schema admits) are
skipped when reading and never written. Documents are read in UTF-8, UTF-16 or a single-byte
encoding; multi-byte encodings such as GBK are refused (CAP documents are UTF-8 in practice).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, cast, get_args
from xml.etree import ElementTree as ET
from xml.parsers import expat

import xmlschema

from plaza import regions
from plaza.errors import Invalid
from plaza.i18n import normalise

#: The CAP 1.2 namespace.
NS = "urn:oasis:names:tc:emergency:cap:1.2"
#: The ``valueName`` of a geocode that is a Chinese administrative division code.
GBT2260 = "GB/T 2260"
#: China Standard Time, the offset Plaza writes its own warnings in.
CHINA = timezone(timedelta(hours=8))
#: Documents larger than this are refused before they are parsed.
MAX_BYTES = 2 * 1024 * 1024

Status = Literal["Actual", "Exercise", "System", "Test", "Draft"]
MsgType = Literal["Alert", "Update", "Cancel", "Ack", "Error"]
Scope = Literal["Public", "Restricted", "Private"]
Category = Literal["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
                   "CBRNE", "Other"]
ResponseType = Literal["Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"]
Urgency = Literal["Immediate", "Expected", "Future", "Past", "Unknown"]
Severity = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
Certainty = Literal["Observed", "Likely", "Possible", "Unlikely", "Unknown"]

#: A point: (latitude, longitude) in WGS 84 decimal degrees.
Point = tuple[float, float]
#: A closed ring of points, the first equal to the last.
Polygon = tuple[Point, ...]
#: A circle: (latitude, longitude, radius in kilometres).
Circle = tuple[float, float, float]
#: A (valueName, value) pair: a geocode, a parameter, an event code.
Pair = tuple[str, str]


class CapInvalid(Invalid):
    """The document (or the alert to be written) does not conform to CAP 1.2; ``reason`` says how,
    in the schema's (or the parser's) own words."""

    def __init__(self, reason: str) -> None:
        super().__init__("cap_invalid", reason=reason)
        self.reason = reason

    def __str__(self) -> str:  # for logs and tracebacks; people read message()
        return f"cap_invalid: {self.reason}"


# --- Checks the data classes make ---------------------------------------------------------------

# Characters XML 1.0 cannot carry (§2.2 Char): C0 controls but tab, LF and CR; surrogates; U+FFFE/F.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# CAP 1.2 §3.2.1: identifier and sender "MUST NOT include spaces, commas or restricted characters".
_BAD_ID = re.compile(r"[\s,<&]")
# xs:language.
_LANGUAGE = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")
# The schema's pattern for times, without its stray comma (which xs:dateTime refuses anyway).
_TIME = re.compile(r"\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d")


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise CapInvalid(f"{what} must be text, not {type(value).__name__}")
    bad = _NOT_XML.search(value)
    if bad:
        raise CapInvalid(f"{what} contains a character XML cannot carry (U+{ord(bad.group()):04X})")
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _optional_text(value: Any, what: str) -> str | None:
    return None if value is None else _text(value, what)


def _identifier(value: Any, what: str) -> str:
    text = _text(value, what)
    if not text or _BAD_ID.search(text):
        raise CapInvalid(f"{what} {text!r} must be non-empty, without spaces, commas, '<' or '&'")
    return text


def _time(value: Any, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise CapInvalid(f"{what} must be a datetime, not {type(value).__name__}")
    offset = value.utcoffset()
    if offset is None:
        raise CapInvalid(f"{what} must carry a time zone")
    if offset % timedelta(minutes=1):
        raise CapInvalid(f"{what} has an offset of {offset}: CAP writes offsets in whole minutes")
    if value.microsecond:
        raise CapInvalid(f"{what} must be in whole seconds (CAP times carry no fractions)")
    return value


def _optional_time(value: Any, what: str) -> datetime | None:
    return None if value is None else _time(value, what)


def _choice(value: Any, allowed: Any, what: str) -> Any:
    options = get_args(allowed)
    if value not in options:
        raise CapInvalid(f"{what} {value!r} must be one of {', '.join(options)}")
    return value


def _pairs(values: Iterable[Any], what: str) -> tuple[Pair, ...]:
    out = []
    for pair in values:
        if isinstance(pair, str | bytes) or len(pair) != 2:
            raise CapInvalid(f"each {what} must be a (valueName, value) pair, not {pair!r}")
        out.append((_text(pair[0], f"{what} valueName"), _text(pair[1], f"{what} value")))
    return tuple(out)


def _coordinate(value: Any, limit: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CapInvalid(f"{what} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise CapInvalid(f"{what} {value!r} is outside -{limit:g}…{limit:g}")
    return number


def _point(value: Any, what: str) -> Point:
    if isinstance(value, str | bytes) or len(value) != 2:
        raise CapInvalid(f"each point of a {what} must be a (lat, lon) pair, not {value!r}")
    return _coordinate(value[0], 90, "latitude"), _coordinate(value[1], 180, "longitude")


def _polygon(points: Iterable[Any]) -> Polygon:
    ring = tuple(_point(p, "polygon") for p in points)
    if len(ring) < 4:
        raise CapInvalid(f"a polygon needs at least 4 points (the first repeated last), not {len(ring)}")
    if ring[0] != ring[-1]:
        raise CapInvalid("a polygon must be closed: its first point repeated as its last")
    return ring


def _circle(value: Any) -> Circle:
    if isinstance(value, str | bytes) or len(value) != 3:
        raise CapInvalid(f"a circle must be (lat, lon, radius in km), not {value!r}")
    lat, lon = _point(value[:2], "circle")
    radius = _coordinate(value[2], math.inf, "a circle's radius")
    if radius < 0:
        raise CapInvalid(f"a circle's radius must not be negative, not {value[2]!r}")
    return lat, lon, radius


def _decimal(value: Any, what: str) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        raise CapInvalid(f"{what} must be a Decimal or an int, not {value!r}")
    number = Decimal(value)
    if not number.is_finite():
        raise CapInvalid(f"{what} must be finite")
    return number


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


# --- The data classes ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Reference:
    """An earlier message this one refers to (``references``: ``sender,identifier,sent``)."""

    sender: str
    identifier: str
    sent: datetime

    def __post_init__(self) -> None:
        _set(self, "sender", _identifier(self.sender, "a reference's sender"))
        _set(self, "identifier", _identifier(self.identifier, "a reference's identifier"))
        _time(self.sent, "a reference's sent")


@dataclass(frozen=True, slots=True, kw_only=True)
class Area:
    """``<area>``: where a warning holds. ``geocodes`` are (valueName, value) pairs — Plaza's own
    are GB/T 2260 division codes (:func:`area_for`, :func:`region_codes`)."""

    description: str
    polygons: tuple[Polygon, ...] = ()
    circles: tuple[Circle, ...] = ()
    geocodes: tuple[Pair, ...] = ()
    altitude: Decimal | None = None
    ceiling: Decimal | None = None

    def __post_init__(self) -> None:
        _set(self, "description", _text(self.description, "areaDesc"))
        _set(self, "polygons", tuple(_polygon(p) for p in self.polygons))
        _set(self, "circles", tuple(_circle(c) for c in self.circles))
        _set(self, "geocodes", _pairs(self.geocodes, "geocode"))
        _set(self, "altitude", _decimal(self.altitude, "altitude"))
        _set(self, "ceiling", _decimal(self.ceiling, "ceiling"))
        if self.ceiling is not None and self.altitude is None:
            raise CapInvalid("ceiling may only be given with altitude (CAP 1.2 §3.2.4)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    """``<resource>``: a file that goes with the warning (a map, an image, an audio message)."""

    description: str
    mime_type: str
    size: int | None = None
    uri: str | None = None
    deref_uri: str | None = None
    digest: str | None = None

    def __post_init__(self) -> None:
        _set(self, "description", _text(self.description, "resourceDesc"))
        _set(self, "mime_type", _text(self.mime_type, "mimeType"))
        if self.size is not None and (isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0):
            raise CapInvalid(f"a resource's size must be a number of bytes, not {self.size!r}")
        _set(self, "uri", _uri(self.uri, "a resource's uri"))
        _set(self, "deref_uri", _optional_text(self.deref_uri, "derefUri"))
        _set(self, "digest", _optional_text(self.digest, "digest"))


def _uri(value: Any, what: str) -> str | None:
    text = _optional_text(value, what)
    if text is not None and (not text or re.search(r"\s", text)):
        raise CapInvalid(f"{what} {text!r} must be a URI, without spaces")
    return text


@dataclass(frozen=True, slots=True, kw_only=True)
class Info:
    """``<info>``: what the warning says, in one language."""

    categories: tuple[Category, ...]
    event: str
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    language: str = "zh-CN"
    response_types: tuple[ResponseType, ...] = ()
    audience: str | None = None
    event_codes: tuple[Pair, ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: tuple[Pair, ...] = ()
    resources: tuple[Resource, ...] = ()
    areas: tuple[Area, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.language, str) or not _LANGUAGE.fullmatch(self.language):
            raise CapInvalid(f"language {self.language!r} is not a language tag (such as zh-CN)")
        categories = tuple(_choice(c, Category, "category") for c in _sequence(self.categories, "categories"))
        if not categories:
            raise CapInvalid("an info needs at least one category")
        _set(self, "categories", categories)
        _set(self, "event", _text(self.event, "event"))
        _set(self, "response_types", tuple(
            _choice(r, ResponseType, "responseType") for r in _sequence(self.response_types, "response_types")))
        _choice(self.urgency, Urgency, "urgency")
        _choice(self.severity, Severity, "severity")
        _choice(self.certainty, Certainty, "certainty")
        _set(self, "audience", _optional_text(self.audience, "audience"))
        _set(self, "event_codes", _pairs(self.event_codes, "eventCode"))
        for name in ("effective", "onset", "expires"):
            _optional_time(getattr(self, name), name)
        for name, tag in (("sender_name", "senderName"), ("headline", "headline"), ("description", "description"),
                          ("instruction", "instruction"), ("contact", "contact")):
            _set(self, name, _optional_text(getattr(self, name), tag))
        _set(self, "web", _uri(self.web, "web"))
        _set(self, "parameters", _pairs(self.parameters, "parameter"))
        _set(self, "resources", tuple(_instance(r, Resource, "resource") for r in self.resources))
        _set(self, "areas", tuple(_instance(a, Area, "area") for a in self.areas))


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """``<alert>``: one CAP message, with its ``<info>`` blocks (none for a bare Cancel or Ack)."""

    identifier: str
    sender: str
    sent: datetime
    status: Status = "Actual"
    msg_type: MsgType = "Alert"
    source: str | None = None
    scope: Scope = "Public"
    restriction: str | None = None
    addresses: str | None = None
    codes: tuple[str, ...] = ()
    note: str | None = None
    references: tuple[Reference, ...] = ()
    incidents: str | None = None
    infos: tuple[Info, ...] = ()

    def __post_init__(self) -> None:
        _set(self, "identifier", _identifier(self.identifier, "identifier"))
        _set(self, "sender", _identifier(self.sender, "sender"))
        _time(self.sent, "sent")
        _choice(self.status, Status, "status")
        _choice(self.msg_type, MsgType, "msgType")
        _choice(self.scope, Scope, "scope")
        for name in ("source", "restriction", "addresses", "note", "incidents"):
            _set(self, name, _optional_text(getattr(self, name), name))
        if self.scope == "Private" and not self.addresses:
            raise CapInvalid("a Private alert needs addresses (CAP 1.2 §3.2.1)")
        _set(self, "codes", tuple(_text(c, "code") for c in _sequence(self.codes, "codes")))
        _set(self, "references", tuple(_instance(r, Reference, "reference") for r in self.references))
        _set(self, "infos", tuple(_instance(i, Info, "info") for i in self.infos))

    @property
    def reference(self) -> Reference:
        """How a later message (an Update, a Cancel) refers to this one."""
        return Reference(sender=self.sender, identifier=self.identifier, sent=self.sent)


def _sequence(values: Any, what: str) -> Sequence[Any]:
    if isinstance(values, str | bytes):
        raise CapInvalid(f"{what} must be a sequence, not a single string")
    return tuple(values)


def _instance(value: Any, kind: type, what: str) -> Any:
    if not isinstance(value, kind):
        raise CapInvalid(f"each {what} must be {kind.__name__}, not {type(value).__name__}")
    return value


# --- The schema ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def schema() -> xmlschema.XMLSchema:
    """The OASIS CAP 1.2 schema shipped in ``data/cap-1.2.xsd``, loaded once (no resource may be
    fetched while loading it)."""
    text = resources.files("plaza.help").joinpath("data/cap-1.2.xsd").read_text("utf-8")
    return xmlschema.XMLSchema(text, allow="none", defuse="always")


def _short(text: str) -> str:
    return text.replace("{" + NS + "}", "cap:")


def _check(root: ET.Element) -> None:
    for error in schema().iter_errors(root):
        where = _short(error.path or "/")
        value = f" ({error.obj!r})" if isinstance(error.obj, str) else ""
        raise CapInvalid(f"{where}{value}: {_short(error.reason or str(error))}")


# --- Reading -------------------------------------------------------------------------------------


class _Refused(Exception):
    pass


def _refuse_doctype(*_: Any) -> None:
    raise _Refused("a DOCTYPE is not allowed in a CAP document (entities could be declared there)")


def _refuse_entity(*_: Any) -> None:
    raise _Refused("entity declarations are not allowed in a CAP document")


def _refuse_external(*_: Any) -> int:
    raise _Refused("external entities are not allowed in a CAP document")


def _well_formed(document: bytes) -> ET.Element:
    """Parse safely: expat reads the document once with a DOCTYPE, any entity declaration and any
    external entity refused, then ElementTree builds the tree of what passed."""
    scan = expat.ParserCreate()
    scan.StartDoctypeDeclHandler = _refuse_doctype
    scan.EntityDeclHandler = _refuse_entity
    scan.ExternalEntityRefHandler = _refuse_external
    scan.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        scan.Parse(document, True)
    except _Refused as refused:
        raise CapInvalid(str(refused)) from None
    except expat.ExpatError as error:
        raise CapInvalid(f"not well-formed XML: {error}") from None
    except (ValueError, LookupError) as error:  # an encoding expat cannot read (GBK: "multi-byte encodings …")
        raise CapInvalid(f"unreadable XML: {error}") from None
    try:
        return ET.fromstring(document)
    except ET.ParseError as error:  # expat already read it: only a defence in depth
        raise CapInvalid(f"not well-formed XML: {error}") from None


def _tag(name: str) -> str:
    return "{" + NS + "}" + name


def _all(element: ET.Element, name: str) -> list[ET.Element]:
    return element.findall(_tag(name))


def _value(element: ET.Element | None) -> str | None:
    return None if element is None else "".join(element.itertext())


def _get(element: ET.Element, name: str) -> str | None:
    return _value(element.find(_tag(name)))


def _need(element: ET.Element, name: str) -> str:
    value = _get(element, name)
    if value is None:  # the schema already required it
        raise CapInvalid(f"<{name}> is missing")
    return value


def _read_time(text: str, what: str) -> datetime:
    value = text.strip()
    if not _TIME.fullmatch(value):
        raise CapInvalid(f"{what} {value!r} is not a CAP time (such as 2026-09-14T08:00:00+08:00)")
    later = timedelta(0)
    if value[11:19] == "24:00:00":  # xs:dateTime's end of day
        value, later = value[:11] + "00:00:00" + value[19:], timedelta(days=1)
    try:
        return datetime.fromisoformat(value) + later
    except ValueError as error:
        raise CapInvalid(f"{what} {value!r}: {error}") from None


def _read_optional_time(element: ET.Element, name: str) -> datetime | None:
    text = _get(element, name)
    return None if text is None else _read_time(text, name)


def _read_pairs(element: ET.Element, name: str) -> tuple[Pair, ...]:
    return tuple((_need(e, "valueName"), _need(e, "value")) for e in _all(element, name))


def _read_number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise CapInvalid(f"{what}: {text!r} is not a number") from None


def _read_point(text: str, what: str) -> Point:
    lat, comma, lon = text.partition(",")
    if not comma:
        raise CapInvalid(f"{what}: {text!r} is not a 'lat,lon' point")
    return _read_number(lat, what), _read_number(lon, what)


def _read_polygon(text: str) -> Polygon:
    return tuple(_read_point(p, "polygon") for p in text.split())


def _read_circle(text: str) -> Circle:
    parts = text.split()
    if len(parts) != 2:
        raise CapInvalid(f"circle: {text!r} is not 'lat,lon radius'")
    lat, lon = _read_point(parts[0], "circle")
    return lat, lon, _read_number(parts[1], "circle")


def _read_decimal(element: ET.Element, name: str) -> Decimal | None:
    text = _get(element, name)
    if text is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise CapInvalid(f"{name}: {text!r} is not a decimal") from None


def _read_references(text: str | None) -> tuple[Reference, ...]:
    if text is None:
        return ()
    found = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3:
            raise CapInvalid(f"references: {triple!r} is not 'sender,identifier,sent'")
        found.append(Reference(sender=parts[0], identifier=parts[1], sent=_read_time(parts[2], "a reference's sent")))
    return tuple(found)


def _read_area(element: ET.Element) -> Area:
    return Area(
        description=_need(element, "areaDesc"),
        polygons=tuple(_read_polygon(_value(e) or "") for e in _all(element, "polygon")),
        circles=tuple(_read_circle(_value(e) or "") for e in _all(element, "circle")),
        geocodes=_read_pairs(element, "geocode"),
        altitude=_read_decimal(element, "altitude"),
        ceiling=_read_decimal(element, "ceiling"),
    )


def _read_resource(element: ET.Element) -> Resource:
    size = _get(element, "size")
    uri = _get(element, "uri")
    return Resource(
        description=_need(element, "resourceDesc"),
        mime_type=_need(element, "mimeType"),
        size=None if size is None else int(size.strip()),
        uri=None if uri is None else uri.strip(),
        deref_uri=_get(element, "derefUri"),
        digest=_get(element, "digest"),
    )


def _read_info(element: ET.Element) -> Info:
    language = _get(element, "language")
    web = _get(element, "web")
    return Info(
        language="en-US" if language is None else language.strip(),  # the schema's default
        categories=tuple(cast(Category, _value(e)) for e in _all(element, "category")),
        event=_need(element, "event"),
        response_types=tuple(cast(ResponseType, _value(e)) for e in _all(element, "responseType")),
        urgency=cast(Urgency, _need(element, "urgency")),
        severity=cast(Severity, _need(element, "severity")),
        certainty=cast(Certainty, _need(element, "certainty")),
        audience=_get(element, "audience"),
        event_codes=_read_pairs(element, "eventCode"),
        effective=_read_optional_time(element, "effective"),
        onset=_read_optional_time(element, "onset"),
        expires=_read_optional_time(element, "expires"),
        sender_name=_get(element, "senderName"),
        headline=_get(element, "headline"),
        description=_get(element, "description"),
        instruction=_get(element, "instruction"),
        web=None if web is None else web.strip(),
        contact=_get(element, "contact"),
        parameters=_read_pairs(element, "parameter"),
        resources=tuple(_read_resource(e) for e in _all(element, "resource")),
        areas=tuple(_read_area(e) for e in _all(element, "area")),
    )


def parse(document: bytes) -> Alert:
    """Read a CAP 1.2 document. It is refused with :class:`CapInvalid` when it is larger than
    :data:`MAX_BYTES`, not well-formed, carries a DOCTYPE, fails the OASIS schema (the reason is
    the schema's) or breaks a rule of CAP 1.2 the schema cannot express."""
    if not isinstance(document, bytes | bytearray):
        raise CapInvalid(f"a CAP document is read as bytes, not {type(document).__name__}")
    if len(document) > MAX_BYTES:
        raise CapInvalid(f"the document has {len(document)} bytes; at most {MAX_BYTES} are read")
    root = _well_formed(bytes(document))
    _check(root)
    return Alert(
        identifier=_need(root, "identifier"),
        sender=_need(root, "sender"),
        sent=_read_time(_need(root, "sent"), "sent"),
        status=cast(Status, _need(root, "status")),
        msg_type=cast(MsgType, _need(root, "msgType")),
        source=_get(root, "source"),
        scope=cast(Scope, _need(root, "scope")),
        restriction=_get(root, "restriction"),
        addresses=_get(root, "addresses"),
        codes=tuple(_value(e) or "" for e in _all(root, "code")),
        note=_get(root, "note"),
        references=_read_references(_get(root, "references")),
        incidents=_get(root, "incidents"),
        infos=tuple(_read_info(e) for e in _all(root, "info")),
    )


# --- Writing -------------------------------------------------------------------------------------


def format_time(value: datetime) -> str:
    """A time as CAP writes it: ``2026-09-14T08:00:00+08:00`` (whole seconds, numeric offset)."""
    return _time(value, "time").isoformat(timespec="seconds")


def _number(value: float | Decimal) -> str:
    """A number in plain positional notation (never ``1e-05``) that reads back to the same value."""
    exact = Decimal(repr(value)) if isinstance(value, float) else value
    return format(exact, "f")


def _add(parent: ET.Element, name: str, text: str | None) -> ET.Element | None:
    if text is None:
        return None
    child = ET.SubElement(parent, _tag(name))
    child.text = text
    return child


def _add_pairs(parent: ET.Element, name: str, pairs: Iterable[Pair]) -> None:
    for value_name, value in pairs:
        pair = ET.SubElement(parent, _tag(name))
        _add(pair, "valueName", value_name)
        _add(pair, "value", value)


def _optional_time_text(value: datetime | None) -> str | None:
    return None if value is None else format_time(value)


def _write_area(parent: ET.Element, area: Area) -> None:
    element = ET.SubElement(parent, _tag("area"))
    _add(element, "areaDesc", area.description)
    for polygon in area.polygons:
        _add(element, "polygon", " ".join(f"{_number(lat)},{_number(lon)}" for lat, lon in polygon))
    for lat, lon, radius in area.circles:
        _add(element, "circle", f"{_number(lat)},{_number(lon)} {_number(radius)}")
    _add_pairs(element, "geocode", area.geocodes)
    _add(element, "altitude", None if area.altitude is None else _number(area.altitude))
    _add(element, "ceiling", None if area.ceiling is None else _number(area.ceiling))


def _write_resource(parent: ET.Element, resource: Resource) -> None:
    element = ET.SubElement(parent, _tag("resource"))
    _add(element, "resourceDesc", resource.description)
    _add(element, "mimeType", resource.mime_type)
    _add(element, "size", None if resource.size is None else str(resource.size))
    _add(element, "uri", resource.uri)
    _add(element, "derefUri", resource.deref_uri)
    _add(element, "digest", resource.digest)


def _write_info(parent: ET.Element, info: Info) -> None:
    element = ET.SubElement(parent, _tag("info"))
    _add(element, "language", info.language)
    for category in info.categories:
        _add(element, "category", category)
    _add(element, "event", info.event)
    for response in info.response_types:
        _add(element, "responseType", response)
    _add(element, "urgency", info.urgency)
    _add(element, "severity", info.severity)
    _add(element, "certainty", info.certainty)
    _add(element, "audience", info.audience)
    _add_pairs(element, "eventCode", info.event_codes)
    _add(element, "effective", _optional_time_text(info.effective))
    _add(element, "onset", _optional_time_text(info.onset))
    _add(element, "expires", _optional_time_text(info.expires))
    _add(element, "senderName", info.sender_name)
    _add(element, "headline", info.headline)
    _add(element, "description", info.description)
    _add(element, "instruction", info.instruction)
    _add(element, "web", info.web)
    _add(element, "contact", info.contact)
    _add_pairs(element, "parameter", info.parameters)
    for resource in info.resources:
        _write_resource(element, resource)
    for area in info.areas:
        _write_area(element, area)


def to_xml(alert: Alert) -> bytes:
    """The alert as a CAP 1.2 document: UTF-8 with an XML declaration, in the CAP namespace,
    validated against the OASIS schema before it is returned."""
    root = ET.Element(_tag("alert"))
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", alert.sender)
    _add(root, "sent", format_time(alert.sent))
    _add(root, "status", alert.status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "source", alert.source)
    _add(root, "scope", alert.scope)
    _add(root, "restriction", alert.restriction)
    _add(root, "addresses", alert.addresses)
    for code in alert.codes:
        _add(root, "code", code)
    _add(root, "note", alert.note)
    if alert.references:
        _add(root, "references", " ".join(f"{r.sender},{r.identifier},{format_time(r.sent)}"
                                          for r in alert.references))
    _add(root, "incidents", alert.incidents)
    for info in alert.infos:
        _write_info(root, info)
    _check(root)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", default_namespace=NS)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


# --- China's warning levels and kinds --------------------------------------------------------------

#: Warning level (colour, in Chinese or English) → CAP severity: China's four-colour scale.
LEVELS: dict[str, Severity] = {
    "蓝色": "Minor", "黄色": "Moderate", "橙色": "Severe", "红色": "Extreme",
    "blue": "Minor", "yellow": "Moderate", "orange": "Severe", "red": "Extreme",
}
_COLOURS: dict[str, tuple[str, str]] = {  # severity → (中文, English)
    "Minor": ("蓝色", "blue"), "Moderate": ("黄色", "yellow"), "Severe": ("橙色", "orange"), "Extreme": ("红色", "red"),
}


def _level_key(level: str) -> str:
    key = level.strip().lower()
    for suffix in ("预警信号", "预警", " warning", "级"):
        key = key.removesuffix(suffix)
    key = key.strip()
    if key in ("蓝", "黄", "橙", "红"):
        key += "色"
    return key


def severity_of(level: str) -> Severity:
    """The CAP severity of a warning level: ``"红色"``, ``"red"``, ``"红色预警"`` → ``"Extreme"``.
    An unknown level is refused (``warning_level_invalid``)."""
    severity = LEVELS.get(_level_key(level)) if isinstance(level, str) else None
    if severity is None:
        raise Invalid("warning_level_invalid", level=str(level))
    return severity


def level_of(severity: str, locale: str | None = None) -> str | None:
    """The warning level (colour) of a CAP severity — ``"Extreme"`` → ``"红色"`` (``"red"`` with an
    English locale) — or None for ``"Unknown"``, which no colour stands for."""
    _choice(severity, Severity, "severity")
    if severity == "Unknown":
        return None
    chinese, english = _COLOURS[severity]
    return english if normalise(locale) == "en" else chinese


@dataclass(frozen=True, slots=True)
class WarningType:
    """A kind of warning, with the CAP category it is filed under."""

    key: str
    chinese: str
    english: str
    category: Category
    aliases: tuple[str, ...] = ()

    def name(self, locale: str | None = None) -> str:
        return self.english if normalise(locale) == "en" else self.chinese


#: The kinds of warning Plaza knows, by key. The CMA's meteorological warning signals (气象灾害预警信号)
#: are ``Met``; CAP files floods under ``Met`` too ("meteorological, inc. flood").
WARNING_TYPES: dict[str, WarningType] = {t.key: t for t in (
    WarningType("typhoon", "台风", "typhoon", "Met"),
    WarningType("rainstorm", "暴雨", "rainstorm", "Met"),
    WarningType("blizzard", "暴雪", "blizzard", "Met"),
    WarningType("cold_wave", "寒潮", "cold wave", "Met"),
    WarningType("gale", "大风", "gale", "Met"),
    WarningType("sandstorm", "沙尘暴", "sandstorm", "Met"),
    WarningType("heat", "高温", "heat", "Met"),
    WarningType("drought", "干旱", "drought", "Met"),
    WarningType("lightning", "雷电", "lightning", "Met", ("雷雨大风",)),
    WarningType("hail", "冰雹", "hail", "Met"),
    WarningType("frost", "霜冻", "frost", "Met"),
    WarningType("fog", "大雾", "fog", "Met"),
    WarningType("haze", "霾", "haze", "Met"),
    WarningType("road_icing", "道路结冰", "road icing", "Met"),
    WarningType("flood", "洪水", "flood", "Met", ("山洪", "洪涝", "城市内涝")),
    WarningType("storm_surge", "风暴潮", "storm surge", "Met"),
    WarningType("landslide", "地质灾害", "landslide", "Geo", ("滑坡", "泥石流", "崩塌")),
    WarningType("earthquake", "地震", "earthquake", "Geo"),
    WarningType("tsunami", "海啸", "tsunami", "Geo"),
    WarningType("forest_fire", "森林火险", "forest fire", "Fire", ("森林草原火险", "草原火险")),
    WarningType("fire", "火灾", "fire", "Fire"),
    WarningType("air_pollution", "重污染天气", "heavy air pollution", "Env", ("空气重污染",)),
    WarningType("epidemic", "传染病疫情", "epidemic", "Health"),
    WarningType("chemical", "危险化学品泄漏", "hazardous chemical leak", "CBRNE"),
    WarningType("crowd", "拥挤踩踏", "crowd crush", "Safety"),
)}


@lru_cache(maxsize=1)
def _type_names() -> tuple[tuple[str, WarningType], ...]:
    names = [(n.lower(), t) for t in WARNING_TYPES.values() for n in (t.key, t.chinese, t.english, *t.aliases)]
    return tuple(sorted(names, key=lambda pair: -len(pair[0])))  # the longest name first: 雷雨大风 before 大风


def warning_type(name: str) -> WarningType:
    """A kind of warning by key, Chinese or English name (``"typhoon"``, ``"台风"``, ``"滑坡"``);
    an unknown one is refused (``warning_type_invalid``)."""
    key = name.strip().lower() if isinstance(name, str) else ""
    for known, kind in _type_names():
        if key == known:
            return kind
    raise Invalid("warning_type_invalid", name=str(name))


def event_name(kind: str | WarningType, level: str, locale: str | None = None) -> str:
    """The event of a warning as it is announced: ``台风红色预警``, ``Red typhoon warning``."""
    found = kind if isinstance(kind, WarningType) else warning_type(kind)
    severity = severity_of(level)
    chinese, english = _COLOURS[severity]
    if normalise(locale) == "en":
        return f"{english.capitalize()} {found.english} warning"
    return f"{found.chinese}{chinese}预警"


def _mentions(text: str, name: str) -> bool:
    """Whether ``text`` (lower case) names ``name``: Chinese anywhere, English as whole words."""
    if name.isascii():
        return re.search(r"\b" + re.escape(name) + r"\b", text) is not None
    return name in text


def warning_of(info: Info) -> tuple[WarningType | None, str | None]:
    """The kind of warning an ``<info>`` announces (read from its event: ``台风红色预警``,
    ``Typhoon Red Warning``) and its level in Chinese (from its severity, else from the colour its
    event names); None for what cannot be told."""
    event = info.event.strip().lower().replace("_", " ")
    kind = next((candidate for known, candidate in _type_names() if _mentions(event, known)), None)
    level = level_of(info.severity)
    if level is None:
        level = next((_COLOURS[severity][0] for colour, severity in LEVELS.items() if _mentions(event, colour)), None)
    return kind, level


def warning_info(
    kind: str | WarningType,
    level: str,
    *,
    areas: Sequence[Area],
    headline: str | None = None,
    description: str | None = None,
    instruction: str | None = None,
    sender_name: str | None = None,
    onset: datetime | None = None,
    expires: datetime | None = None,
    urgency: Urgency = "Expected",
    certainty: Certainty = "Likely",
    response_types: Sequence[ResponseType] = ("Prepare",),
    web: str | None = None,
    contact: str | None = None,
    language: str = "zh-CN",
) -> Info:
    """The ``<info>`` of a warning of ``kind`` at ``level``: its event named as announced
    (``台风红色预警``), its category that of the kind, its severity that of the level."""
    found = kind if isinstance(kind, WarningType) else warning_type(kind)
    return Info(
        language=language,
        categories=(found.category,),
        event=event_name(found, level, language),
        response_types=tuple(response_types),
        urgency=urgency,
        severity=severity_of(level),
        certainty=certainty,
        onset=onset,
        expires=expires,
        sender_name=sender_name,
        headline=headline,
        description=description,
        instruction=instruction,
        web=web,
        contact=contact,
        areas=tuple(areas),
    )


# --- Areas as Chinese division codes -----------------------------------------------------------------


def _is_gbt2260(value_name: str) -> bool:
    return re.sub(r"[\s/_.-]", "", value_name).upper() == "GBT2260"


def region_codes(area: Area) -> list[str]:
    """The GB/T 2260 division codes of an area's geocodes, in order (``GB/T 2260``, read also when
    written ``GB/T2260`` or ``GBT2260``)."""
    return [value.strip() for name, value in area.geocodes if _is_gbt2260(name)]


def area_for(codes: Iterable[str], description: str | None = None) -> Area:
    """An area made of division codes (``310115`` 浦东新区 …), each a geocode ``GB/T 2260``; the
    description defaults to the places' full names (上海市浦东新区、上海市奉贤区). A code that is not
    a place in Plaza's division table is refused (``region_invalid``)."""
    chosen: list[str] = []
    names: list[str] = []
    for code in codes:
        place = regions.resolve(code) if isinstance(code, str) and regions.lookup(code) is not None else None
        if place is None:
            raise Invalid("region_invalid", code=str(code))
        if code not in chosen:
            chosen.append(code)
            names.append(place.full_name)
    if not chosen:
        raise CapInvalid("an area needs at least one division code")
    return Area(description=description if description is not None else "、".join(names),
                geocodes=tuple((GBT2260, code) for code in chosen))
