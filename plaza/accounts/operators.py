"""People who act for an agency (经办人): a government account's operators are personal accounts
with a role on it, so each step an agency takes names the person who took it. An organisation
(an NGO, a rescue team, a charity) has operators the same way: those who keep its donation
ledgers (plaza.help.incidents). A small agency
without operators acts with its own sign-in; an account acts for itself as well as for every
agency it operates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, delete, select

from plaza.clock import utcnow
from plaza.errors import Invalid, NotFound
from plaza.storage import upsert
from plaza.storage.schema import accounts, agency_operators

ROLES = ("operator", "manager")


def appoint(conn: Connection, agency_id: int, account_id: int, role: str = "operator") -> None:
    """Make ``account_id`` an operator (or manager) of the government account ``agency_id``;
    appointing twice changes the role."""
    if role not in ROLES:
        raise Invalid("operator_role_invalid", value=role)
    agency = conn.execute(select(accounts.c.kind, accounts.c.verified_at).where(accounts.c.id == agency_id)).first()
    if agency is None:
        raise NotFound("account_not_found")
    if agency.kind not in ("government", "organisation"):
        raise Invalid("operator_agency_not_government")
    if agency_id == account_id:
        raise Invalid("operator_of_itself")
    conn.execute(upsert.insert(conn, agency_operators).values(
        agency_id=agency_id, account_id=account_id, role=role, created_at=utcnow())
        .on_conflict_do_update(index_elements=["agency_id", "account_id"], set_={"role": role}))


def dismiss(conn: Connection, agency_id: int, account_id: int) -> bool:
    return conn.execute(delete(agency_operators).where(agency_operators.c.agency_id == agency_id,
                                                       agency_operators.c.account_id == account_id)).rowcount > 0


def agencies_of(conn: Connection, account_id: int) -> set[int]:
    """The agencies ``account_id`` acts for: itself, and every agency it operates."""
    rows = conn.execute(select(agency_operators.c.agency_id).where(agency_operators.c.account_id == account_id))
    return {account_id, *(r.agency_id for r in rows)}


def operators_of(conn: Connection, agency_ids: Iterable[int]) -> list[Row[Any]]:
    """The operators of the given agencies with their accounts (agency_id, role, id, username …)."""
    ids = list(agency_ids)
    if not ids:
        return []
    return list(conn.execute(
        select(agency_operators.c.agency_id, agency_operators.c.role, accounts.c.id, accounts.c.username,
               accounts.c.display_name)
        .join(accounts, accounts.c.id == agency_operators.c.account_id)
        .where(agency_operators.c.agency_id.in_(ids)).order_by(agency_operators.c.agency_id, accounts.c.username)))
