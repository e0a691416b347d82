"""Government accounts (政务号): what verifies one — the agency, its division code, level and
department type, its parent in the account tree (the matrix, 政务矩阵) — and verifying an
account, which is an administrator's act (:mod:`.policy`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select, update

from plaza import regions
from plaza.accounts import policy
from plaza.accounts.kinds import DEPARTMENT_TYPES, LEVELS, NATIONAL_REGION
from plaza.accounts.policy import Permission
from plaza.clock import utcnow
from plaza.errors import Invalid, NotFound
from plaza.storage.db import Database
from plaza.storage.schema import accounts


def _username_key(username: str) -> str:
    return username.lower()  # as plaza.square.accounts keys usernames


@dataclass(frozen=True)
class GovernmentProfile:
    """What verifies a government account: agency, division, level, department type, parent."""

    agency: str
    region_code: str
    level: str
    department_type: str
    parent_username: str | None = None


#: Characters of an agency's name (机构名称), the longest full names of county bureaus with room.
MAX_AGENCY_CHARS = 100


def check(profile: GovernmentProfile) -> None:
    """Every field present and known (the region a GB/T 2260 place, or national)."""
    if not profile.agency.strip() or not profile.region_code:
        raise Invalid("government_fields_required")
    if len(profile.agency.strip()) > MAX_AGENCY_CHARS:
        raise Invalid("agency_too_long", limit=MAX_AGENCY_CHARS, length=len(profile.agency.strip()))
    if profile.region_code != NATIONAL_REGION and not regions.is_place(profile.region_code):
        raise Invalid("region_invalid", code=profile.region_code)
    if profile.level not in LEVELS:
        raise Invalid("level_invalid", level=profile.level)
    if profile.department_type not in DEPARTMENT_TYPES:
        raise Invalid("department_type_invalid", value=profile.department_type)


def resolve_parent(conn: Connection, username: str | None) -> int | None:
    """The parent account in the tree, by username: it must be a government account."""
    if not username:
        return None
    row = conn.execute(select(accounts.c.id, accounts.c.kind)
                       .where(accounts.c.username_key == _username_key(username))).first()
    if row is None:
        raise NotFound("account_not_found")
    if row.kind != "government":
        raise Invalid("parent_not_government")
    return int(row.id)


def verify(db: Database, account_id: int, profile: GovernmentProfile, *, by: Any) -> Row[Any]:
    """Turn an account into a verified government account (or correct one): an administrator's
    act (``by``; the command line's operator is :data:`plaza.accounts.policy.OPERATOR`), never on
    one's own account."""
    check(profile)
    with db.write() as conn:
        target = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
        if target is None:
            raise NotFound("account_not_found")
        policy.require(by, Permission.VERIFY_GOVERNMENT, target, key="verify_admin_only")
        parent_id = resolve_parent(conn, profile.parent_username)
        if parent_id == account_id:
            raise Invalid("parameter_invalid", name="parent")
        conn.execute(update(accounts).where(accounts.c.id == account_id).values(
            kind="government", agency=profile.agency.strip(), region_code=profile.region_code,
            level=profile.level, department_type=profile.department_type, parent_id=parent_id,
            verified_at=utcnow(), updated_at=utcnow()))
        return conn.execute(select(accounts).where(accounts.c.id == account_id)).one()


def is_government(account: Row[Any]) -> bool:
    """A verified government account (政务号)."""
    return account.kind == "government" and account.verified_at is not None
