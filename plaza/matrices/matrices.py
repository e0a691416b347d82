"""Government matrices (政务矩阵): named groups of government accounts that publish together,
built by region (a province, city or county and everything in it), by department line (one
department type, within a region or nationwide), from the account tree (a root account and its
descendants by ``parent_id``) or by hand; who may manage them; their members and activity; and
following a whole matrix in one action.

Every matrix can be changed by hand; a derived one (region, department, tree) is re-synced from
its rule (:func:`sync`): new accounts that match join, rule members that no longer match leave,
and an account someone took out by hand stays out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from plaza import regions
from plaza.accounts import policy
from plaza.accounts.government import is_government
from plaza.accounts.kinds import DEPARTMENT_TYPES, LEVELS, NATIONAL_REGION
from plaza.accounts.policy import Permission
from plaza.clock import utcnow
from plaza.errors import Forbidden, Invalid, NotFound
from plaza.square import follows
from plaza.square.pagination import Page
from plaza.storage import upsert
from plaza.storage.db import Database
from plaza.storage.ids import id_at, new_id
from plaza.storage.schema import accounts, matrices, matrix_campaigns, matrix_members, statuses
from plaza.storage.schema import follows as follows_table

#: How a matrix chooses its members.
KINDS: dict[str, tuple[str, str]] = {
    "region": ("按地区", "By region"),
    "department": ("按部门系统", "By department line"),
    "tree": ("按账号层级", "From the account tree"),
    "manual": ("手工组建", "By hand"),
}
#: Kinds with a rule that :func:`sync` re-applies.
DERIVED = ("region", "department", "tree")
#: Roles that manage every matrix.
#: Most members one matrix may have (the seed story's largest campaign had 620 accounts).
MAX_MEMBERS = 5000
#: Most accounts one "follow all" action follows; the answer says how many remain.
MAX_FOLLOW_PER_ACTION = 1000
#: Rate limit of "follow all" / "unfollow all" per account (``plaza.ratelimit`` syntax).
FOLLOW_ALL_RATE = "20/hour"
MAX_NAME = 60
MAX_DESCRIPTION = 500


@dataclass(frozen=True)
class MatrixSpec:
    """What a person asks for when creating a matrix. ``root_id`` for a tree matrix;
    ``region_code`` for a region matrix (and optionally a department one); ``department_type``
    for a department matrix; ``member_ids`` for a matrix by hand (any kind may start with them)."""

    name: str
    kind: str
    description: str = ""
    region_code: str | None = None
    department_type: str | None = None
    root_id: int | None = None
    member_ids: tuple[int, ...] = ()
    owner_id: int | None = None


@dataclass(frozen=True)
class SyncResult:
    """What a re-sync changed: ids of the accounts that joined and that left."""

    added: tuple[int, ...]
    removed: tuple[int, ...]


@dataclass(frozen=True)
class FollowAllResult:
    """One "follow all": how many were followed now, how many the citizen followed already,
    and how many are left for another action (beyond :data:`MAX_FOLLOW_PER_ACTION`)."""

    members: int
    followed: int
    already: int
    remaining: int


@dataclass(frozen=True)
class Activity:
    """A matrix's recent activity: posts (originals and reposts) and members who posted."""

    days: int
    posts: int
    active_members: int


@dataclass(frozen=True)
class MatrixSummary:
    """A matrix in a list, with its number of members."""

    matrix: Row[Any]
    members_count: int


# --- rules: who may do what, names, regions --------------------------------------------------

def is_staff(actor: Row[Any] | None) -> bool:
    """Who manages every matrix, not only their own (:mod:`plaza.accounts.policy`)."""
    return policy.may(actor, Permission.MANAGE_MATRICES)


def can_manage(actor: Row[Any] | None, matrix: Row[Any]) -> bool:
    """Administrators and moderators manage every matrix; an account manages the ones it owns."""
    return actor is not None and (is_staff(actor) or matrix.owner_id == actor.id)


def require_manager(actor: Row[Any] | None, matrix: Row[Any]) -> None:
    """``actor`` None is the operator (command line, demo loader), who may do anything."""
    if actor is not None and not can_manage(actor, matrix):
        raise Forbidden("matrix_forbidden")


def validate_name(name: str) -> str:
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not 1 <= len(name) <= MAX_NAME or any(unicodedata.category(c)[0] == "C" for c in name):
        raise Invalid("matrix_name_invalid", max=MAX_NAME)
    return name


def name_key(name: str) -> str:
    """Uniqueness key of a matrix name: NFKC, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _description(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise Invalid("text_too_long", limit=MAX_DESCRIPTION, length=len(text))
    return text


def region_bounds(code: str) -> tuple[str, str]:
    """The range of division codes inside ``code``: a province (or municipality) holds every code
    with its first two digits, a prefecture-level city its first four, a county only itself."""
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit() and regions.is_place(code)):
        raise Invalid("region_invalid", code=code[:12])
    rank = regions.lookup(code).rank  # type: ignore[union-attr]
    prefix = code[:2] if rank == "province" else code[:4] if rank == "prefecture" else code
    return prefix.ljust(6, "0"), prefix.ljust(6, "9")


_ELIGIBLE = and_(accounts.c.kind == "government", accounts.c.verified_at.is_not(None),
                 accounts.c.suspended.is_(False))


def _descendants(conn: Connection, root_id: int) -> set[int]:
    """``root_id`` and every government account below it in the account tree (by ``parent_id``),
    read level by level; a cycle in the tree ends the walk instead of looping."""
    found = {root_id}
    frontier = [root_id]
    while frontier and len(found) <= MAX_MEMBERS:
        children: list[int] = []
        for start in range(0, len(frontier), 500):
            chunk = frontier[start:start + 500]
            children.extend(r.id for r in conn.execute(
                select(accounts.c.id).where(accounts.c.parent_id.in_(chunk), _ELIGIBLE)))
        frontier = [c for c in children if c not in found]
        found.update(frontier)
    return found


def _rule_ids(conn: Connection, matrix: Row[Any] | MatrixSpec) -> set[int]:
    """The accounts a derived matrix's rule selects now (verified, not suspended)."""
    stmt = select(accounts.c.id).where(_ELIGIBLE)
    if matrix.kind == "tree":
        root_id = matrix.root_id
        if root_id is None:
            raise Invalid("matrix_root_required")
        root = conn.execute(select(accounts.c.id).where(accounts.c.id == root_id, _ELIGIBLE)).first()
        return _descendants(conn, root_id) if root is not None else set()
    if matrix.kind == "department":
        stmt = stmt.where(accounts.c.department_type == matrix.department_type)
    if matrix.region_code:
        low, high = region_bounds(matrix.region_code)
        stmt = stmt.where(accounts.c.region_code.between(low, high))
    return {r.id for r in conn.execute(stmt)}


def _check_member(row: Row[Any] | None) -> Row[Any]:
    if row is None:
        raise NotFound("account_not_found")
    if not is_government(row):
        raise Invalid("matrix_member_not_government", username=row.username)
    if row.suspended:
        raise Invalid("matrix_member_suspended", username=row.username)
    return row


def _accounts(conn: Connection, ids: Iterable[int]) -> dict[int, Row[Any]]:
    wanted = list(dict.fromkeys(ids))
    found: dict[int, Row[Any]] = {}
    for start in range(0, len(wanted), 500):
        for row in conn.execute(select(accounts).where(accounts.c.id.in_(wanted[start:start + 500]))):
            found[row.id] = row
    return found


def _checked_members(conn: Connection, actor: Row[Any] | None, ids: Sequence[int]) -> list[int]:
    """Accounts that may be added by hand: verified government accounts; for an account that
    is not staff, only accounts in its own subtree."""
    rows = _accounts(conn, ids)
    members = [_check_member(rows.get(i)).id for i in dict.fromkeys(ids)]
    if actor is not None and not is_staff(actor):
        subtree = _descendants(conn, actor.id)
        for member_id in members:
            if member_id not in subtree:
                raise Forbidden("matrix_outside_subtree", username=rows[member_id].username)
    return members


def _check_spec(conn: Connection, actor: Row[Any] | None, spec: MatrixSpec) -> None:
    """The kind's parameters are there and valid, and ``actor`` may create this matrix."""
    if spec.kind not in KINDS:
        raise Invalid("matrix_kind_invalid", kind=str(spec.kind)[:20])
    if spec.kind == "region" and not spec.region_code:
        raise Invalid("matrix_region_required")
    if spec.kind == "department":
        if not spec.department_type:
            raise Invalid("matrix_department_required")
        if spec.department_type not in DEPARTMENT_TYPES:
            raise Invalid("department_type_invalid", value=spec.department_type[:40])
    if spec.region_code and spec.kind in ("region", "department"):
        region_bounds(spec.region_code)
    if spec.kind == "tree":
        if spec.root_id is None:
            raise Invalid("matrix_root_required")
        root = conn.execute(select(accounts).where(accounts.c.id == spec.root_id)).first()
        if root is None:
            raise NotFound("account_not_found")
        if not is_government(root) or root.suspended:
            raise Invalid("matrix_root_not_government", username=root.username)
    if actor is None or is_staff(actor):
        return
    if not is_government(actor):
        raise Forbidden("matrix_create_forbidden")
    if spec.kind == "tree" and spec.root_id != actor.id:
        raise Forbidden("matrix_tree_own_root")
    if spec.kind not in ("tree", "manual"):
        raise Forbidden("matrix_kind_staff_only")
    if spec.owner_id not in (None, actor.id):
        raise Forbidden("matrix_forbidden")


def _owner(conn: Connection, actor: Row[Any] | None, spec: MatrixSpec) -> int | None:
    """The owner: the one named (staff and the operator may hand a matrix to a government
    account), else the creator."""
    if spec.owner_id is None or (actor is not None and spec.owner_id == actor.id):
        return actor.id if actor is not None else None
    owner = conn.execute(select(accounts).where(accounts.c.id == spec.owner_id)).first()
    if owner is None:
        raise NotFound("account_not_found")
    if not is_government(owner):
        raise Invalid("matrix_owner_not_government", username=owner.username)
    return int(owner.id)


# --- matrices ---------------------------------------------------------------------------------

def create(db: Database, actor: Row[Any] | None, spec: MatrixSpec, *,
           now: datetime | None = None) -> Row[Any]:
    """Create a matrix and fill it: from its rule for a derived kind, plus ``spec.member_ids``
    added by hand. ``actor`` None is the operator."""
    name = validate_name(spec.name)
    description = _description(spec.description)
    now = now or utcnow()
    matrix_id = new_id()
    try:
        with db.write() as conn:
            _check_spec(conn, actor, spec)
            if conn.execute(select(matrices.c.id).where(matrices.c.name_key == name_key(name))).first():
                raise Invalid("matrix_name_taken", name=name)
            hand = _checked_members(conn, actor, spec.member_ids)
            ruled = _rule_ids(conn, spec) if spec.kind in DERIVED else set()
            if len(ruled | set(hand)) > MAX_MEMBERS:
                raise Invalid("matrix_too_large", max=MAX_MEMBERS)
            conn.execute(insert(matrices).values(
                id=matrix_id, name=name, name_key=name_key(name), description=description, kind=spec.kind,
                region_code=spec.region_code if spec.kind in ("region", "department") else None,
                department_type=spec.department_type if spec.kind == "department" else None,
                root_id=spec.root_id if spec.kind == "tree" else None, owner_id=_owner(conn, actor, spec),
                created_by=actor.id if actor is not None else None,
                synced_at=now if spec.kind in DERIVED else None, created_at=now, updated_at=now))
            rows = [{"matrix_id": matrix_id, "account_id": a, "source": "rule", "added_at": now,
                     "removed_at": None} for a in sorted(ruled)]
            rows += [{"matrix_id": matrix_id, "account_id": a, "source": "hand", "added_at": now,
                      "removed_at": None} for a in hand if a not in ruled]
            if rows:
                conn.execute(insert(matrix_members), rows)
            return conn.execute(select(matrices).where(matrices.c.id == matrix_id)).one()
    except IntegrityError as exc:  # lost a race with another matrix of the same name
        raise Invalid("matrix_name_taken", name=name) from exc


def get(db: Database, matrix_id: int) -> Row[Any]:
    with db.read() as conn:
        row = conn.execute(select(matrices).where(matrices.c.id == matrix_id)).first()
    if row is None:
        raise NotFound("matrix_not_found")
    return row


def find(db: Database, name_or_id: str) -> Row[Any]:
    """A matrix by its name (as written, any case) or its id."""
    with db.read() as conn:
        row = conn.execute(select(matrices).where(matrices.c.name_key == name_key(name_or_id))).first()
        if row is None and name_or_id.isdigit() and len(name_or_id) <= 19:
            row = conn.execute(select(matrices).where(matrices.c.id == int(name_or_id))).first()
    if row is None:
        raise NotFound("matrix_not_found")
    return row


def update_matrix(db: Database, actor: Row[Any] | None, matrix_id: int, *, name: str | None = None,
                  description: str | None = None) -> Row[Any]:
    """Rename a matrix or change its description."""
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = validate_name(name)
        values["name_key"] = name_key(values["name"])
    if description is not None:
        values["description"] = _description(description)
    try:
        with db.write() as conn:
            matrix = matrix_in(conn, matrix_id)
            require_manager(actor, matrix)
            if "name_key" in values and conn.execute(select(matrices.c.id).where(
                    matrices.c.name_key == values["name_key"], matrices.c.id != matrix_id)).first():
                raise Invalid("matrix_name_taken", name=values["name"])
            if values:
                conn.execute(update(matrices).where(matrices.c.id == matrix_id)
                             .values(**values, updated_at=utcnow()))
            return conn.execute(select(matrices).where(matrices.c.id == matrix_id)).one()
    except IntegrityError as exc:
        raise Invalid("matrix_name_taken", name=values.get("name", "")) from exc


def delete_matrix(db: Database, actor: Row[Any] | None, matrix_id: int) -> None:
    """Delete a matrix with its members list and campaigns (the posts stay, of course)."""
    with db.write() as conn:
        matrix = matrix_in(conn, matrix_id)
        require_manager(actor, matrix)
        conn.execute(delete(matrix_campaigns).where(matrix_campaigns.c.matrix_id == matrix_id))
        conn.execute(delete(matrix_members).where(matrix_members.c.matrix_id == matrix_id))
        conn.execute(delete(matrices).where(matrices.c.id == matrix_id))


def matrix_in(conn: Connection, matrix_id: int) -> Row[Any]:
    """The matrix, read in the caller's transaction (404 when there is none)."""
    row = conn.execute(select(matrices).where(matrices.c.id == matrix_id)).first()
    if row is None:
        raise NotFound("matrix_not_found")
    return row


def _rows(conn: Connection, matrix_id: int) -> dict[int, Row[Any]]:
    return {r.account_id: r for r in conn.execute(
        select(matrix_members).where(matrix_members.c.matrix_id == matrix_id))}


def _active_count(rows: dict[int, Row[Any]]) -> int:
    return sum(1 for r in rows.values() if r.removed_at is None)


def add_members(db: Database, actor: Row[Any] | None, matrix_id: int, account_ids: Sequence[int]) -> int:
    """Add government accounts by hand (one taken out before comes back); returns how many
    joined. Every account must be a verified government account, else nothing is added (422)."""
    if not account_ids:
        raise Invalid("parameter_missing", name="account_ids")
    now = utcnow()
    with db.write() as conn:
        matrix = matrix_in(conn, matrix_id)
        require_manager(actor, matrix)
        wanted = _checked_members(conn, actor, account_ids)
        rows = _rows(conn, matrix_id)
        joining = [a for a in wanted if a not in rows or rows[a].removed_at is not None]
        if _active_count(rows) + len(joining) > MAX_MEMBERS:
            raise Invalid("matrix_too_large", max=MAX_MEMBERS)
        for account_id in joining:
            if account_id in rows:
                conn.execute(update(matrix_members).where(
                    matrix_members.c.matrix_id == matrix_id, matrix_members.c.account_id == account_id)
                    .values(source="hand", removed_at=None, added_at=now))
            else:  # added by two at once: one row
                conn.execute(upsert.insert(conn, matrix_members).values(
                    matrix_id=matrix_id, account_id=account_id, source="hand", added_at=now, removed_at=None)
                    .on_conflict_do_nothing(index_elements=[matrix_members.c.matrix_id, matrix_members.c.account_id]))
        if joining:
            conn.execute(update(matrices).where(matrices.c.id == matrix_id).values(updated_at=now))
    return len(joining)


def remove_members(db: Database, actor: Row[Any] | None, matrix_id: int, account_ids: Sequence[int]) -> int:
    """Take accounts out by hand; returns how many left. They stay out when the matrix is
    re-synced (until someone adds them again)."""
    if not account_ids:
        raise Invalid("parameter_missing", name="account_ids")
    now = utcnow()
    with db.write() as conn:
        matrix = matrix_in(conn, matrix_id)
        require_manager(actor, matrix)
        removed = conn.execute(update(matrix_members).where(
            matrix_members.c.matrix_id == matrix_id, matrix_members.c.account_id.in_(list(set(account_ids))),
            matrix_members.c.removed_at.is_(None)).values(removed_at=now)).rowcount
        if removed:
            conn.execute(update(matrices).where(matrices.c.id == matrix_id).values(updated_at=now))
    return int(removed or 0)


def sync(db: Database, actor: Row[Any] | None, matrix_id: int, *, now: datetime | None = None) -> SyncResult:
    """Re-apply a derived matrix's rule: accounts that match now join, members the rule brought
    that no longer match (moved, suspended, no longer verified) leave; members added by hand and
    accounts taken out by hand stay as they are."""
    now = now or utcnow()
    with db.write() as conn:
        matrix = matrix_in(conn, matrix_id)
        require_manager(actor, matrix)
        if matrix.kind not in DERIVED:
            raise Invalid("matrix_not_derived")
        ruled = _rule_ids(conn, matrix)
        rows = _rows(conn, matrix_id)
        added = sorted(a for a in ruled if a not in rows)
        gone = sorted(a for a, r in rows.items()
                      if r.source == "rule" and r.removed_at is None and a not in ruled)
        if _active_count(rows) + len(added) - len(gone) > MAX_MEMBERS:
            raise Invalid("matrix_too_large", max=MAX_MEMBERS)
        if added:  # a re-sync running twice at once adds each member once
            conn.execute(upsert.insert(conn, matrix_members).on_conflict_do_nothing(
                index_elements=[matrix_members.c.matrix_id, matrix_members.c.account_id]),
                [{"matrix_id": matrix_id, "account_id": a, "source": "rule", "added_at": now, "removed_at": None}
                 for a in added])
        if gone:
            conn.execute(delete(matrix_members).where(matrix_members.c.matrix_id == matrix_id,
                                                      matrix_members.c.account_id.in_(gone)))
        conn.execute(update(matrices).where(matrices.c.id == matrix_id).values(synced_at=now, updated_at=now))
    return SyncResult(tuple(added), tuple(gone))


# --- reading ----------------------------------------------------------------------------------

_ACTIVE = matrix_members.c.removed_at.is_(None)


def member_ids_query(matrix_id: int) -> Any:
    """A subquery of the matrix's member account ids (for ``IN``). A suspended member is out of
    sight: not listed, counted, followed or tracked (its membership stays for when it returns)."""
    return (select(matrix_members.c.account_id)
            .join(accounts, accounts.c.id == matrix_members.c.account_id)
            .where(matrix_members.c.matrix_id == matrix_id, _ACTIVE, accounts.c.suspended.is_(False)))


def member_ids(conn: Connection, matrix_id: int) -> list[int]:
    return [r[0] for r in conn.execute(member_ids_query(matrix_id).order_by(matrix_members.c.account_id))]


_LEVEL_ORDER = {level: n for n, level in enumerate(LEVELS)}


def _member_order(row: Row[Any]) -> tuple[Any, ...]:
    """National bodies first, then by level, division code and id (a province before its cities)."""
    region = row.region_code or ""
    return (_LEVEL_ORDER.get(row.level, len(_LEVEL_ORDER)), region != NATIONAL_REGION, region, row.id)


@dataclass(frozen=True, slots=True)
class Member:
    """A member account, how it joined (``rule`` or ``hand``) and when."""

    account: Row[Any]
    source: str
    added_at: datetime


def members(db: Database, matrix_id: int) -> list[Member]:
    """Every member (not suspended), national bodies first, then by level and region."""
    with db.read() as conn:
        joined = conn.execute(select(matrix_members).where(
            matrix_members.c.matrix_id == matrix_id, _ACTIVE)).all()
        rows = _accounts(conn, [m.account_id for m in joined])
    found = [Member(rows[m.account_id], m.source, m.added_at) for m in joined
             if m.account_id in rows and not rows[m.account_id].suspended]
    found.sort(key=lambda m: _member_order(m.account))
    return found


def counts(conn: Connection, matrix_ids: Sequence[int]) -> dict[int, int]:
    """Members per matrix."""
    if not matrix_ids:
        return {}
    stmt = (select(matrix_members.c.matrix_id, func.count())
            .join(accounts, accounts.c.id == matrix_members.c.account_id)
            .where(matrix_members.c.matrix_id.in_(list(matrix_ids)), _ACTIVE, accounts.c.suspended.is_(False))
            .group_by(matrix_members.c.matrix_id))
    found = {int(m): int(n) for m, n in conn.execute(stmt)}
    return {m: found.get(m, 0) for m in matrix_ids}


def list_matrices(db: Database, page: Page, *, member_id: int | None = None) -> list[MatrixSummary]:
    """Matrices, newest first, keyset-paged by id; with ``member_id`` only those the account is
    a member of."""
    stmt = select(matrices)
    if member_id is not None:
        stmt = stmt.where(matrices.c.id.in_(select(matrix_members.c.matrix_id).where(
            matrix_members.c.account_id == member_id, _ACTIVE)))
    with db.read() as conn:
        rows = conn.execute(page.apply(stmt, matrices.c.id)).all()
        if page.ascending:
            rows = sorted(rows, key=lambda r: r.id, reverse=True)
        found = counts(conn, [r.id for r in rows])
    return [MatrixSummary(r, found[r.id]) for r in rows]


def members_count(db: Database, matrix_id: int) -> int:
    with db.read() as conn:
        return counts(conn, [matrix_id])[matrix_id]


def recent_posts(db: Database, matrix_id: int, page: Page) -> list[int]:
    """The members' latest public posts and reposts (no replies), newest first."""
    stmt = select(statuses.c.id).where(statuses.c.account_id.in_(member_ids_query(matrix_id)),
                                       statuses.c.visibility == "public", statuses.c.in_reply_to_id.is_(None))
    with db.read() as conn:
        rows = conn.execute(page.apply(stmt, statuses.c.id)).all()
    return page.finish([r[0] for r in rows])


def activity(db: Database, matrix_id: int, *, days: int = 7, now: datetime | None = None) -> Activity:
    """Public posts and reposts the members made in the last ``days`` days, and how many
    members made them."""
    since = (now or utcnow()) - timedelta(days=days)
    stmt = select(func.count(), func.count(statuses.c.account_id.distinct())).where(
        statuses.c.account_id.in_(member_ids_query(matrix_id)), statuses.c.visibility == "public",
        statuses.c.id >= id_at(int(since.timestamp() * 1000)), statuses.c.created_at >= since)
    with db.read() as conn:
        posts, active = conn.execute(stmt).one()
    return Activity(days, int(posts), int(active))


# --- following a whole matrix -------------------------------------------------------------------

def _to_follow(db: Database, follower_id: int, matrix_id: int) -> tuple[int, list[int], int]:
    """(members other than the follower, members not yet followed, members already followed)."""
    with db.read() as conn:
        ids = [r[0] for r in conn.execute(
            select(accounts.c.id).where(accounts.c.id.in_(member_ids_query(matrix_id)),
                                        accounts.c.suspended.is_(False), accounts.c.id != follower_id)
            .order_by(accounts.c.id))]
        followed = {r[0] for r in conn.execute(select(follows_table.c.target_account_id).where(
            follows_table.c.account_id == follower_id,
            follows_table.c.target_account_id.in_(member_ids_query(matrix_id))))}
    return len(ids), [i for i in ids if i not in followed], len(followed & set(ids))


def follow_all(db: Database, follower_id: int, matrix_id: int) -> FollowAllResult:
    """Follow every member the citizen does not follow yet, each through
    :func:`plaza.square.follows.follow` (so counters, home feeds and notifications are as if
    followed one by one); at most :data:`MAX_FOLLOW_PER_ACTION` in one action."""
    get(db, matrix_id)
    total, missing, already = _to_follow(db, follower_id, matrix_id)
    followed = 0
    for target in missing[:MAX_FOLLOW_PER_ACTION]:
        try:
            if follows.follow(db, follower_id, target):
                followed += 1
            else:
                already += 1
        except NotFound:  # suspended a moment ago
            total -= 1
    return FollowAllResult(total, followed, already, max(0, len(missing) - MAX_FOLLOW_PER_ACTION))


def unfollow_all(db: Database, follower_id: int, matrix_id: int) -> int:
    """Stop following every member of the matrix; returns how many were unfollowed."""
    get(db, matrix_id)
    with db.read() as conn:
        targets = [r[0] for r in conn.execute(select(follows_table.c.target_account_id).where(
            follows_table.c.account_id == follower_id,
            follows_table.c.target_account_id.in_(member_ids_query(matrix_id))))]
    return sum(1 for target in targets if follows.unfollow(db, follower_id, target))


def following_count(db: Database, follower_id: int, matrix_id: int) -> int:
    """How many members of the matrix ``follower_id`` follows."""
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(follows_table).where(
            follows_table.c.account_id == follower_id,
            follows_table.c.target_account_id.in_(member_ids_query(matrix_id)))).scalar_one())
