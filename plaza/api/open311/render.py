"""The desk as GeoReport v2 resources: the catalogue's leaves as services, the desk's extra
fields as a service definition's attributes, cases as service requests, their public steps as
FixMyStreet's request updates.

Only what the public may read ever leaves here: the masked text (``public_text``), the street
without its door numbers (``public_address``), coordinates rounded to about 100 m as the public
case page shows them, the responsible agency — never the citizen's name, phone or e-mail, nor
the original text.

Statuses. A request is ``open`` in every state in which the desk still works on it (受理 …
回访) and ``closed`` once closed (办结) or rejected (不予受理). An update carries FixMyStreet's
finer status of the request after the step:

==================================  ==========================================
case state after the step           update status
==================================  ==========================================
submitted (filed, or reopened)      ``open`` (``reopen`` for a reopening)
accepted · returned                 ``investigating``
forwarded                           ``action_scheduled``
acknowledged · in_progress          ``in_progress``
replied · follow_up                 ``in_progress`` (the reply is the description)
closed                              ``closed``
rejected as a duplicate             ``duplicate``
rejected as not the desk's business ``not_councils_responsibility``
rejected for more information       ``closed``
==================================  ==========================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from plaza import privacy
from plaza.desk import cases as desk_cases
from plaza.desk import catalogue, limits
from plaza.desk.catalogue import Category
from plaza.desk.desks import Desk
from plaza.desk.workflow import OPEN, SATISFACTION
from plaza.i18n import gettext

from .store import Step, agencies, categories

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: The request statuses GeoReport knows, and the case states each covers.
STATUS_STATES: dict[str, tuple[str, ...]] = {"open": OPEN, "closed": ("closed", "rejected")}
#: How a photo's address an app sent is kept: the case text's last line (no column holds it).
MEDIA_PREFIX = "图片："
_MEDIA_LINE = re.compile(r"\n" + MEDIA_PREFIX + r"(\S+)\Z")
_UPDATE_STATUS = {"submitted": "open", "accepted": "investigating", "returned": "investigating",
                  "forwarded": "action_scheduled", "acknowledged": "in_progress", "in_progress": "in_progress",
                  "replied": "in_progress", "follow_up": "in_progress", "closed": "closed"}
_REJECTED_STATUS = {"duplicate": "duplicate", "not_our_business": "not_councils_responsibility"}
URGENCY_KEYS = limits.URGENCIES
BOOLEAN_KEYS = ("false", "true")


def status_of(state: str) -> str:
    return "closed" if state in STATUS_STATES["closed"] else "open"


def with_media(text: str, media_url: str | None) -> str:
    """A case's text with the photo address an app sent as its last line."""
    return f"{text}\n{MEDIA_PREFIX}{media_url}" if media_url else text


def split_media(text: str) -> tuple[str, str | None]:
    """A case's text and the photo address on its last line (None when there is none)."""
    match = _MEDIA_LINE.search(text)
    if match is None:
        return text, None
    return text[:match.start()], match.group(1)


def iso(value: datetime | None) -> str | None:
    return desk_cases.iso(value)


# --- services -----------------------------------------------------------------------------------


def service(category: Category) -> dict[str, Any]:
    """A leaf of the catalogue as a service: its code, its name, the levels above it as the group."""
    names = category.names
    return {"service_code": category.code, "service_name": category.name, "description": category.path,
            "metadata": True, "type": "realtime", "keywords": ", ".join(names),
            "group": catalogue.SEPARATOR.join(names[:-1])}


def definition(category: Category, locale: str) -> dict[str, Any]:
    """The attributes a request for any service may carry: how urgent it is (the desk's time
    limits follow) and whether the public may see who filed it."""
    return {"service_code": category.code, "attributes": [
        {"variable": True, "code": "urgency", "datatype": "singlevaluelist", "required": False,
         "datatype_description": gettext("open311_attr_urgency_help", locale), "order": 1,
         "description": gettext("open311_attr_urgency", locale),
         "values": [{"key": key, "name": gettext(f"open311_urgency_{key}", locale)} for key in URGENCY_KEYS]},
        {"variable": True, "code": "anonymous", "datatype": "singlevaluelist", "required": False,
         "datatype_description": gettext("open311_attr_anonymous_help", locale), "order": 2,
         "description": gettext("open311_attr_anonymous", locale),
         "values": [{"key": key, "name": gettext(f"open311_boolean_{key}", locale)} for key in BOOLEAN_KEYS]},
    ]}


def leaves_by_code(conn: Connection, desk: Desk) -> dict[str, Category]:
    return {c.code: c for c in catalogue.leaves(conn, desk.id)}


def _duration(limit: Any, locale: str) -> str:
    if limit.hours:
        return gettext("open311_hour" if limit.hours == 1 else "open311_hours", locale, n=f"{limit.hours:g}")
    return gettext("open311_working_day" if limit.working_days == 1 else "open311_working_days", locale,
                   n=limit.working_days)


class Renderer:
    """Renders a desk's cases and steps for one answer, reading what they share once."""

    def __init__(self, conn: Connection, desk: Desk, locale: str) -> None:
        self.conn = conn
        self.desk = desk
        self.locale = locale
        self._categories: dict[int, Category] = {}
        self._agencies: dict[int, str] = {}
        self._notices: dict[tuple[int | None, str], str] = {}
        self._chains: dict[int | None, list[int]] = {}

    def load_categories(self, ids: Iterable[int | None]) -> None:
        self._categories.update(categories(self.conn, self.desk, (i for i in ids if i not in self._categories)))

    def category(self, category_id: int | None) -> Category | None:
        if not category_id:
            return None
        if category_id not in self._categories:
            self.load_categories([category_id])
        return self._categories.get(category_id)

    def load_agencies(self, ids: Iterable[int | None]) -> None:
        wanted = {i for i in ids if i and i not in self._agencies}
        self._agencies.update(agencies(self.conn, wanted))

    def agency(self, account_id: int | None) -> str | None:
        if not account_id:
            return None
        if account_id not in self._agencies:
            self.load_agencies([account_id])
        return self._agencies.get(account_id)

    def notice(self, category_id: int | None, urgency: str) -> str:
        """What the desk promises a request of this service and urgency: its time limits."""
        key = (category_id, urgency)
        if key not in self._notices:
            if category_id not in self._chains:
                self._chains[category_id] = catalogue.ancestors(self.conn, self.desk.id, category_id) if category_id else []
            found = limits.for_case(self.conn, self.desk.id, self._chains[category_id], urgency)
            self._notices[key] = gettext(
                "open311_service_notice", self.locale, desk=self.desk.display_name,
                urgency=gettext(f"open311_urgency_{urgency}", self.locale),
                acknowledge=_duration(found.acknowledge, self.locale), resolve=_duration(found.resolve, self.locale))
        return self._notices[key]

    # --- requests -----------------------------------------------------------------------------

    def status_notes(self, case: Row[Any]) -> str:
        """Why the request stands where it does, as the public may read it."""
        if case.state == "rejected":
            if case.duplicate_of:
                return gettext("open311_note_duplicate", self.locale, of=case.duplicate_of)
            return gettext("open311_note_rejected", self.locale,
                           reason=gettext(f"case_reason_{case.reject_reason or 'none'}", self.locale))
        if case.reply_text and case.state in ("replied", "follow_up", "closed"):
            return privacy.mask(case.reply_text)
        return gettext(f"open311_note_{case.state}", self.locale, agency=self.agency(case.department_id) or "")

    def request(self, case: Row[Any]) -> dict[str, Any]:
        """A case as a service request (GET requests)."""
        category = self.category(case.category_id)
        text, media_url = split_media(case.public_text)
        place = desk_cases.place_of(case, private=False)
        closed = status_of(case.state) == "closed"
        return {
            "service_request_id": str(case.id),
            "status": status_of(case.state),
            "status_notes": self.status_notes(case),
            "service_name": category.name if category else None,
            "service_code": category.code if category else None,
            "description": text,
            "agency_responsible": self.agency(case.department_id),
            "service_notice": self.notice(case.category_id, case.urgency),
            "requested_datetime": iso(case.created_at),
            "updated_datetime": iso(case.closed_at if closed and case.closed_at else case.updated_at),
            "expected_datetime": iso(case.resolve_by),
            "address": place["address"] or place["name"],
            "address_id": None,
            "zipcode": None,
            "lat": place["lat"],
            "long": place["lon"],
            "media_url": media_url,
        }

    def requests(self, rows: list[Row[Any]]) -> list[dict[str, Any]]:
        self.load_agencies(r.department_id for r in rows)
        self.load_categories(r.category_id for r in rows)
        return [self.request(r) for r in rows]

    # --- updates (FixMyStreet) ------------------------------------------------------------------

    def update_status(self, step: Step) -> str:
        if step.action == "reopen":
            return "reopen"
        if step.to_state == "rejected":
            reason = "duplicate" if step.action == "link_duplicate" else str(step.data.get("reason") or "")
            return _REJECTED_STATUS.get(reason, "closed")
        return _UPDATE_STATUS.get(step.to_state, "open")

    def update_description(self, step: Step) -> str:
        """What a step says to the public: the reply itself, else a sentence about the step."""
        data = step.data
        params: dict[str, Any] = {"agency": self.agency(step.agency_id) or ""}
        if step.action == "reject":
            params["reason"] = gettext(f"case_reason_{data.get('reason') or 'none'}", self.locale)
        elif step.action == "link_duplicate":
            params["of"] = data.get("of", "")
        elif step.action == "forward":
            department = str(data.get("department") or "")
            params["agency"] = self.agency(int(department)) if department.isdigit() else ""
        elif step.action == "reply":
            params["text"] = privacy.mask(str(data.get("text") or ""))
        elif step.action == "rate":
            satisfaction = data.get("satisfaction")
            params["satisfaction"] = gettext(
                f"open311_satisfaction_{satisfaction if satisfaction in SATISFACTION else 'none'}", self.locale)
            params["resolved"] = gettext(f"open311_resolved_{'true' if data.get('resolved') else 'false'}",
                                         self.locale)
        return gettext(f"open311_update_{step.action}", self.locale, **params)

    def updates(self, steps: list[Step]) -> list[dict[str, Any]]:
        departments = [int(s.data["department"]) for s in steps if str(s.data.get("department") or "").isdigit()]
        self.load_agencies([*(s.agency_id for s in steps), *departments])
        return [{"update_id": f"{s.case_id}-{s.seq}", "service_request_id": str(s.case_id),
                 "status": self.update_status(s), "updated_datetime": iso(s.at),
                 "description": self.update_description(s), "media_url": ""} for s in steps]
