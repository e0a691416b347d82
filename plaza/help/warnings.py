"""Official warnings (预警): what a warning is, who it covers, and how it is stored.

A warning is issued by an authorised account (``plaza.accounts.policy.may_warn``: meteorology,
emergency management, flood control, earthquake and fire accounts for their own region, a
national one anywhere, administrators anywhere) or imported as a CAP 1.2 document
(:mod:`.cap`). Every CAP message is one row of ``warnings`` — an Alert; an Update, which replaces
the warning it references (that one gets ``superseded_by``); a Cancel, which withdraws it
(``cancelled_at``) — so nothing is overwritten and every message can be served again as it was
(``cap_xml``: the document as received for imports, as written for Plaza's own).

**Areas** are GB/T 2260 division codes, kept in ``warning_areas`` with each city a code covers
(:func:`covered_cities`: a province every city in it, a county its city, a city itself); a
polygon covers the places whose centroid lies inside it. A warning is *in force* from its issue
until it expires, unless cancelled or replaced; in force, its post is pinned on the covered
cities' timelines (``plaza.square.pins``) and hot lists (``plaza.hot``'s warning pins).

The pure parts (:class:`NewWarning`, :func:`new_warning`, :func:`covered_cities`,
:func:`build_alert`, :func:`post_text`) take no database; the rest take the caller's connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Row, and_, insert, or_, select, update

from plaza import regions
from plaza.clock import as_utc, utcnow
from plaza.errors import Conflict, Invalid, NotFound
from plaza.help import cap
from plaza.help.cap import CHINA, Alert, CapInvalid
from plaza.hot.lists import WarningPin
from plaza.i18n import gettext
from plaza.regions import address
from plaza.square import pins
from plaza.square.text import topic_key
from plaza.storage.schema import accounts, warning_areas, warnings

#: A warning is in force for at most this long (a longer one is issued again, or updated).
MAX_DAYS = 30
#: An imported warning without ``expires`` is taken to hold this long from its onset.
DEFAULT_HOURS = 24
#: Division codes a warning names at most.
MAX_AREAS = 100
#: Characters of a headline, and of a description or an instruction.
MAX_HEADLINE = 200
MAX_TEXT = 2000
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
#: The colours of the levels in the order a level is upgraded (蓝 → 红).
COLOURS = ("蓝色", "黄色", "橙色", "红色")


@dataclass(frozen=True, slots=True)
class NewWarning:
    """A warning as an authorised account writes it (the web form, Plaza's API)."""

    type: str
    level: str
    areas: tuple[str, ...]
    expires: datetime
    onset: datetime | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    urgency: str = "Expected"
    certainty: str = "Likely"
    polygon: tuple[tuple[float, float], ...] = ()
    topic: str | None = None


# --- reading what a person wrote ------------------------------------------------------------------


def _time(value: Any, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise Invalid("parameter_invalid", name=name) from None
    if moment.tzinfo is None:  # a time without offset is Beijing time, as people in China write it
        moment = moment.replace(tzinfo=CHINA)
    return moment.astimezone(CHINA).replace(microsecond=0)


def _codes(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") \
        if isinstance(value, str) else list(value)
    codes: list[str] = []
    for item in items:
        code = str(item).strip()
        if code and code not in codes:
            codes.append(code)
    return tuple(codes)


def _polygon(value: Any) -> tuple[tuple[float, float], ...]:
    if value is None or value == "" or value == []:
        return ()
    try:
        if isinstance(value, str):
            points = [tuple(float(n) for n in pair.split(",")) for pair in value.split()]
        else:
            points = [tuple(float(n) for n in pair) for pair in value]
        if any(len(p) != 2 for p in points):
            raise ValueError
        ring = tuple((p[0], p[1]) for p in points)
        if ring and ring[0] != ring[-1]:
            ring = (*ring, ring[0])
        cap.Area(description="-", polygons=(ring,))  # CAP's rules: closed, 4 points, in range
    except (ValueError, TypeError, CapInvalid):
        raise Invalid("warning_polygon_invalid") from None
    return ring


def _limited(value: Any, name: str, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise Invalid("text_too_long", limit=limit, length=len(text))
    return text or None


def new_warning(fields: Mapping[str, Any], base: NewWarning | None = None) -> NewWarning:
    """A warning from what a form or a JSON body gave (text values, or lists for ``areas`` and
    ``polygon``); an update names only what changes (``base``: the warning it replaces). Times
    without an offset are Beijing time. Checked: kind, level, areas, times (see :func:`check`)."""

    def given(name: str) -> bool:
        return fields.get(name) is not None and fields.get(name) != ""

    def pick(name: str, default: Any) -> Any:
        return fields.get(name) if given(name) else default

    kind = str(pick("type", base.type if base else ""))
    level = str(pick("level", base.level if base else ""))
    if not kind:
        raise Invalid("parameter_missing", name="type")
    if not level:
        raise Invalid("parameter_missing", name="level")
    expires = _time(fields.get("expires"), "expires") if given("expires") else (base.expires if base else None)
    if expires is None:
        raise Invalid("parameter_missing", name="expires")
    made = NewWarning(
        type=cap.warning_type(kind).key,
        level=cap.level_of(cap.severity_of(level)) or level,
        areas=_codes(fields.get("areas")) if given("areas") else (base.areas if base else ()),
        expires=expires,
        onset=_time(fields.get("onset"), "onset") if given("onset") else (base.onset if base else None),
        headline=_limited(pick("headline", base.headline if base else None), "headline", MAX_HEADLINE),
        description=_limited(pick("description", base.description if base else None), "description", MAX_TEXT),
        instruction=_limited(pick("instruction", base.instruction if base else None), "instruction", MAX_TEXT),
        urgency=str(pick("urgency", base.urgency if base else "Expected")),
        certainty=str(pick("certainty", base.certainty if base else "Likely")),
        polygon=_polygon(fields.get("polygon")) if given("polygon") else (base.polygon if base else ()),
        topic=_limited(pick("topic", base.topic if base else None), "topic", 100),
    )
    if made.topic is not None:
        made = replace(made, topic=made.topic.strip().strip("#").strip() or None)
    return made


def check(new: NewWarning, now: datetime) -> None:
    """A warning's rules: a known kind and level, 1–:data:`MAX_AREAS` known division codes, CAP's
    urgency and certainty, an expiry in the future and within :data:`MAX_DAYS` (after its onset)."""
    cap.warning_type(new.type)
    cap.severity_of(new.level)
    if not new.areas:
        raise Invalid("warning_areas_required")
    if len(new.areas) > MAX_AREAS:
        raise Invalid("warning_too_many_areas", limit=MAX_AREAS)
    for code in new.areas:
        if not (isinstance(code, str) and len(code) == 6 and code.isdigit() and regions.is_place(code)):
            raise Invalid("region_invalid", code=str(code)[:12])
    if new.urgency not in URGENCIES:
        raise Invalid("parameter_invalid", name="urgency")
    if new.certainty not in CERTAINTIES:
        raise Invalid("parameter_invalid", name="certainty")
    if new.expires <= now or new.expires > now + timedelta(days=MAX_DAYS):
        raise Invalid("warning_expires_invalid", days=MAX_DAYS)
    if new.onset is not None and new.onset >= new.expires:
        raise Invalid("warning_onset_invalid")
    if new.topic is not None and ("#" in new.topic or topic_key(new.topic) == ""):
        raise Invalid("parameter_invalid", name="topic")


# --- areas ----------------------------------------------------------------------------------------


def covered_cities(codes: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each division code with the cities it covers (同城: the feeds and hot lists a warning is
    pinned on): a province every city in it, a municipality itself, a city itself, a county the
    city it belongs to. A code that is no place covers nothing."""
    covered: dict[str, tuple[str, ...]] = {}
    for code in codes:
        city = regions.city_code(code)
        if city is not None:
            covered[code] = (city,)
        elif regions.is_place(code):  # a province
            covered[code] = tuple(c.code for c in regions.cities() if c.code[:2] == code[:2])
        else:
            covered[code] = ()
    return covered


def polygon_places(polygon: Sequence[tuple[float, float]]) -> list[str]:
    """The places a polygon covers: those whose centroid lies inside it, else (a small polygon)
    the county nearest to its middle."""
    inside = regions.within_polygon(list(polygon))
    if inside:
        return inside
    lat = sum(p[0] for p in polygon[:-1]) / max(1, len(polygon) - 1)
    lon = sum(p[1] for p in polygon[:-1]) / max(1, len(polygon) - 1)
    nearest = address.nearest_county(lat, lon, max_km=50)
    return [nearest] if nearest is not None else []


def area_description(codes: Iterable[str]) -> str:
    """The places' full names: 上海市浦东新区、上海市奉贤区."""
    names = []
    for code in codes:
        place = regions.resolve(code)
        names.append(place.full_name if place is not None else code)
    return "、".join(names)


# --- CAP ------------------------------------------------------------------------------------------


def host_of(base_url: str) -> str:
    """The host a warning's CAP identifiers and senders are named after."""
    return urlsplit(base_url).netloc or "plaza.local"


def identifier_for(warning_id: int, base_url: str) -> str:
    return f"{host_of(base_url)}-warning-{warning_id}"


def sender_for(username: str, base_url: str) -> str:
    return f"{username}@{host_of(base_url)}"


def build_alert(new: NewWarning, *, identifier: str, sender: str, sent: datetime, sender_name: str,
                web: str | None = None, msg_type: cap.MsgType = "Alert",
                references: tuple[cap.Reference, ...] = ()) -> Alert:
    """The CAP 1.2 message of a warning Plaza issues: one ``<info>`` in Chinese, its areas as
    GB/T 2260 geocodes (and the polygon, if any)."""
    area = cap.area_for(new.areas)
    if new.polygon:
        area = replace(area, polygons=(new.polygon,))
    info = cap.warning_info(
        new.type, new.level, areas=[area], headline=new.headline, description=new.description,
        instruction=new.instruction, sender_name=sender_name, onset=new.onset, expires=new.expires,
        urgency=new.urgency,  # type: ignore[arg-type]
        certainty=new.certainty,  # type: ignore[arg-type]
        response_types=("Prepare",) if msg_type != "Cancel" else ("AllClear",), web=web)
    return Alert(identifier=identifier, sender=sender, sent=sent, msg_type=msg_type, references=references,
                 infos=(info,))


def cancel_alert(old: Row[Any], *, identifier: str, sender: str, sent: datetime, note: str | None) -> Alert:
    """The CAP Cancel of a warning (no ``<info>``: CAP 1.2 needs none to withdraw a message)."""
    reference = cap.Reference(sender=old.sender, identifier=old.identifier, sent=as_utc(old.sent).astimezone(CHINA))
    return Alert(identifier=identifier, sender=sender, sent=sent, msg_type="Cancel", references=(reference,),
                 note=note)


def reference_of(row: Row[Any]) -> cap.Reference:
    return cap.Reference(sender=row.sender, identifier=row.identifier, sent=as_utc(row.sent).astimezone(CHINA))


def chosen_info(alert: Alert) -> cap.Info | None:
    """The ``<info>`` Plaza reads: the first in Chinese, else the first."""
    for info in alert.infos:
        if info.language.lower().startswith("zh"):
            return info
    return alert.infos[0] if alert.infos else None


@dataclass(frozen=True, slots=True)
class Imported:
    """What an imported CAP message says, read into Plaza's terms."""

    alert: Alert
    info: cap.Info | None
    codes: tuple[str, ...]
    polygon: tuple[tuple[float, float], ...]


def read_import(alert: Alert) -> Imported:
    """An imported message's areas: its GB/T 2260 geocodes, else the places its polygons cover.
    Codes Plaza does not know are refused (``region_invalid``); a message for Plaza to show must
    name somewhere (``warning_areas_required``) — a Cancel or an Update without ``<info>`` takes
    the areas of what it references."""
    if alert.msg_type not in ("Alert", "Update", "Cancel"):
        raise Invalid("warning_msg_type_unsupported", msg_type=alert.msg_type)
    info = chosen_info(alert)
    codes: list[str] = []
    polygon: tuple[tuple[float, float], ...] = ()
    for area in info.areas if info is not None else ():
        for code in cap.region_codes(area):
            if not (len(code) == 6 and code.isdigit() and regions.is_place(code)):
                raise Invalid("region_invalid", code=code[:12])
            if code not in codes:
                codes.append(code)
        for ring in area.polygons:
            polygon = polygon or ring
            if not cap.region_codes(area):
                codes.extend(c for c in polygon_places(ring) if c not in codes)
    if info is not None and not codes and alert.msg_type == "Alert":
        raise Invalid("warning_areas_required")
    if len(codes) > MAX_AREAS * 10:
        raise Invalid("warning_too_many_areas", limit=MAX_AREAS * 10)
    return Imported(alert, info, tuple(codes), polygon)


# --- the post -------------------------------------------------------------------------------------


def beijing(value: datetime | None) -> str:
    return as_utc(value).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def post_text(*, event: str, headline: str | None, description: str | None, instruction: str | None,
              areas: str, expires: datetime, topic: str | None, msg_type: str, locale: str | None,
              max_chars: int) -> str:
    """The text of a warning's post: 【台风红色预警】, the headline, where, until when, what to do,
    and the topic; an update says so, a cancellation says the warning is lifted. Cut to fit."""
    if msg_type == "Cancel":
        text = gettext("warning_post_cancel", locale, event=event, areas=areas)
    else:
        head = gettext("warning_post_update" if msg_type == "Update" else "warning_post_alert", locale, event=event)
        parts = [head + (headline or "")]
        if description:
            parts.append(description)
        parts.append(gettext("warning_post_areas", locale, areas=areas))
        parts.append(gettext("warning_post_until", locale, expires=beijing(expires)))
        if instruction:
            parts.append(gettext("warning_post_instruction", locale, instruction=instruction))
        text = "\n".join(parts)
    tag = f"\n#{topic}#" if topic else ""
    if len(text) + len(tag) > max_chars:
        text = text[:max(0, max_chars - len(tag) - 1)] + "…"
    return text + tag


# --- storage --------------------------------------------------------------------------------------


def store(conn: Connection, *, warning_id: int, alert: Alert, info: cap.Info | None, document: bytes,
          codes: Sequence[str], polygon: Sequence[tuple[float, float]], account_id: int | None,
          status_id: int | None, source: str, references: Row[Any] | None, now: datetime) -> Row[Any]:
    """Write one CAP message as a warning row with its areas; an Update replaces the warning it
    references, a Cancel withdraws it. Returns the row written."""
    now = as_utc(now).astimezone(UTC)
    if conn.execute(select(warnings.c.id).where(warnings.c.identifier == alert.identifier)).first() is not None:
        raise Conflict("warning_exists", identifier=alert.identifier)
    kind, level = cap.warning_of(info) if info is not None else (None, None)
    expires = info.expires if info is not None else None
    onset = info.onset if info is not None else None
    if references is not None and info is None:  # a bare Cancel or Update: what it references
        values: dict[str, Any] = {name: references._mapping[name] for name in (
            "event", "type", "level", "severity", "urgency", "certainty", "headline", "description",
            "instruction", "area_description", "polygon", "onset", "expires")}
    else:
        if info is None:
            raise Invalid("warning_reference_unknown")
        if expires is None:
            expires = (onset or info.effective or alert.sent) + timedelta(hours=DEFAULT_HOURS)
        values = {
            "event": info.event[:255], "type": kind.key if kind is not None else None, "level": level,
            "severity": info.severity, "urgency": info.urgency, "certainty": info.certainty,
            "headline": info.headline, "description": info.description, "instruction": info.instruction,
            "area_description": "；".join(a.description for a in info.areas) or area_description(codes),
            "polygon": " ".join(f"{lat},{lon}" for lat, lon in polygon) or None,
            "onset": onset, "expires": expires,
        }
    for name in ("onset", "expires"):  # stored in UTC: SQLite keeps no offset
        values[name] = _utc(values[name])
    conn.execute(insert(warnings).values(
        id=warning_id, identifier=alert.identifier, sender=alert.sender, account_id=account_id,
        status_id=status_id, cap_status=alert.status, msg_type=alert.msg_type,
        references_id=references.id if references is not None else None, sent=_utc(alert.sent), source=source,
        cap_xml=document.decode("utf-8", "replace"), created_at=now, **values))
    rows = [{"warning_id": warning_id, "region_code": code, "city_code": city}
            for code, cities in covered_cities(codes).items() for city in cities]
    if rows:
        conn.execute(insert(warning_areas), rows)
    if references is not None:
        if alert.msg_type == "Update":
            conn.execute(update(warnings).where(warnings.c.id == references.id).values(superseded_by=warning_id))
        elif alert.msg_type == "Cancel":
            conn.execute(update(warnings).where(warnings.c.id == references.id).values(cancelled_at=now))
    return get(conn, warning_id)


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value).astimezone(UTC) if value is not None else None


def get(conn: Connection, warning_id: int) -> Row[Any]:
    row = conn.execute(select(warnings).where(warnings.c.id == warning_id)).first()
    if row is None:
        raise NotFound("warning_not_found")
    return row


def referenced(conn: Connection, alert: Alert) -> Row[Any] | None:
    """The newest warning an imported message references that Plaza has (by identifier)."""
    identifiers = [r.identifier for r in alert.references]
    if not identifiers:
        return None
    rows = conn.execute(select(warnings).where(warnings.c.identifier.in_(identifiers))
                        .order_by(warnings.c.id.desc())).all()
    return rows[0] if rows else None


def current(conn: Connection, row: Row[Any]) -> Row[Any]:
    """The warning as it stands now: ``row``, or the update that replaced it (and so on)."""
    seen = 0
    while row.superseded_by is not None and seen < 100:
        row = get(conn, row.superseded_by)
        seen += 1
    return row


def areas_of(conn: Connection, warning_ids: Sequence[int]) -> dict[int, list[str]]:
    """The division codes each warning names, in order of code."""
    found: dict[int, list[str]] = {}
    if not warning_ids:
        return found
    for warning_id, code in conn.execute(
            select(warning_areas.c.warning_id, warning_areas.c.region_code).distinct()
            .where(warning_areas.c.warning_id.in_(list(warning_ids)))
            .order_by(warning_areas.c.warning_id, warning_areas.c.region_code)):
        found.setdefault(warning_id, []).append(code)
    return found


def _in_force_clause(now: datetime) -> Any:
    return and_(warnings.c.msg_type != "Cancel", warnings.c.cap_status == "Actual",
                warnings.c.cancelled_at.is_(None), warnings.c.superseded_by.is_(None), warnings.c.expires > now)


def listed(conn: Connection, now: datetime, *, area: str | None = None, every: bool = False,
           limit: int = 100) -> list[Row[Any]]:
    """Warnings newest first: those in force (or ``every`` message), for ``area`` (a division
    code: the warnings naming it, a place inside it, or a province or city it lies in)."""
    stmt = select(warnings)
    if not every:
        stmt = stmt.where(_in_force_clause(now))
    if area is not None:
        if not (len(area) == 6 and area.isdigit() and regions.is_place(area)):
            raise Invalid("region_invalid", code=area[:12])
        cities = {c for cs in covered_cities([area]).values() for c in cs}
        around = [area, area[:2] + "0000", area[:4] + "00"]
        stmt = stmt.where(warnings.c.id.in_(
            select(warning_areas.c.warning_id).where(or_(warning_areas.c.city_code.in_(sorted(cities)),
                                                         warning_areas.c.region_code.in_(around)))))
    return list(conn.execute(stmt.order_by(warnings.c.id.desc()).limit(limit)))


def in_force(row: Row[Any], now: datetime) -> bool:
    return (row.msg_type != "Cancel" and row.cap_status == "Actual" and row.cancelled_at is None
            and row.superseded_by is None and as_utc(row.expires) > now)


def as_new(row: Row[Any], codes: Sequence[str]) -> NewWarning:
    """A stored warning as the base of its update."""
    polygon = _polygon(row.polygon) if row.polygon else ()
    return NewWarning(type=row.type or "", level=row.level or "", areas=tuple(codes),
                      expires=as_utc(row.expires).astimezone(CHINA),
                      onset=as_utc(row.onset).astimezone(CHINA) if row.onset is not None else None,
                      headline=row.headline, description=row.description, instruction=row.instruction,
                      urgency=row.urgency, certainty=row.certainty, polygon=polygon)


def pin_of(row: Row[Any], codes: Sequence[str]) -> WarningPin:
    """How hot search pins a warning on the lists of the cities it covers."""
    cities = sorted({c for cs in covered_cities(codes).values() for c in cs})
    return WarningPin(key=str(row.id), title=row.event, level=row.level, status_id=row.status_id,
                      cities=tuple(cities), until=as_utc(row.expires).timestamp(),
                      order=pins.SEVERITY_ORDER.get(row.severity, 9), note=row.headline or "")


def iso(value: datetime | None) -> str | None:
    """A time as Plaza's API writes it: ISO 8601 in Beijing time, with its offset."""
    return as_utc(value).astimezone(CHINA).isoformat(timespec="seconds") if value is not None else None


def usernames(conn: Connection, rows: Sequence[Row[Any]]) -> dict[int, str]:
    """The usernames of the accounts that posted these warnings."""
    ids = {r.account_id for r in rows if r.account_id is not None}
    if not ids:
        return {}
    return dict(conn.execute(select(accounts.c.id, accounts.c.username).where(accounts.c.id.in_(ids))).all())


def as_json(row: Row[Any], codes: Sequence[str], base_url: str, now: datetime | None = None,
            username: str | None = None) -> dict[str, Any]:
    """A warning as Plaza's API serves it (``username``: its post's author, for the post's URL)."""
    base = base_url.rstrip("/")
    url = f"{base}/@{username}/{row.status_id}" if username is not None and row.status_id is not None else None
    return {
        "id": str(row.id), "identifier": row.identifier, "sender": row.sender, "msg_type": row.msg_type,
        "status": row.cap_status, "event": row.event, "type": row.type, "level": row.level,
        "severity": row.severity, "urgency": row.urgency, "certainty": row.certainty,
        "headline": row.headline, "description": row.description, "instruction": row.instruction,
        "areas": list(codes), "area_description": row.area_description, "polygon": row.polygon,
        "sent": iso(row.sent), "onset": iso(row.onset), "expires": iso(row.expires),
        "status_id": str(row.status_id) if row.status_id is not None else None,
        "references": str(row.references_id) if row.references_id is not None else None,
        "superseded_by": str(row.superseded_by) if row.superseded_by is not None else None,
        "cancelled_at": iso(row.cancelled_at), "in_force": in_force(row, now or utcnow()),
        "source": row.source, "account": username, "url": url,
        "cap_url": f"{base}/api/plaza/v1/warnings/{row.id}.cap",
    }
