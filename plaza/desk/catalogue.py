"""The dispatch catalogue (派单目录): a desk's categories in three levels. A new desk starts from
the 12345-style catalogue that ships with Plaza (``data/dispatch-catalogue.csv``: 15 / 118 / 517
categories); desk staff may add, rename and retire categories. A category is named by its path
("城乡建设/安全生产/安全隐患"); its leaves are the services Open311 clients see, by their ``code``."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import Connection, func, select, update

from plaza.errors import Conflict, Invalid, NotFound
from plaza.storage.ids import new_id
from plaza.storage.schema import desk_categories

SEPARATOR = "/"
MAX_NAME_CHARS = 40


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    parent_id: int | None
    level: int
    name: str
    path: str
    code: str
    active: bool

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.path.split(SEPARATOR))


@lru_cache(maxsize=1)
def default_paths() -> tuple[tuple[str, str, str], ...]:
    """The shipped catalogue's leaves, in its order."""
    text = resources.files("plaza.desk").joinpath("data/dispatch-catalogue.csv").read_text("utf-8")
    return tuple((r["level1"].strip(), r["level2"].strip(), r["level3"].strip())
                 for r in csv.DictReader(text.splitlines()) if r["level1"].strip())


def load(conn: Connection, desk_id: int, leaves: Iterable[Sequence[str]] | None = None) -> int:
    """Give a desk the catalogue (the shipped one by default); returns how many categories were
    added (paths it already has are kept as they are)."""
    have = {r.path: r.id for r in conn.execute(select(desk_categories.c.path, desk_categories.c.id)
                                               .where(desk_categories.c.desk_id == desk_id))}
    next_code = _next_code(conn, desk_id)
    rows: list[dict[str, Any]] = []
    for position, names in enumerate(leaves if leaves is not None else default_paths()):
        parent: int | None = None
        for level, _name in enumerate(names, start=1):
            path = SEPARATOR.join(names[:level])
            if path not in have:
                have[path] = new_id()
                rows.append(dict(id=have[path], desk_id=desk_id, parent_id=parent, level=level,
                                 name=_check_name(names[level - 1]), path=path, code=f"{next_code:04d}",
                                 position=position, active=True))
                next_code += 1
            parent = have[path]
    if rows:
        conn.execute(desk_categories.insert(), rows)
    return len(rows)


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or SEPARATOR in name or len(name) > MAX_NAME_CHARS:
        raise Invalid("category_name_invalid", limit=MAX_NAME_CHARS)
    return name


def _next_code(conn: Connection, desk_id: int) -> int:
    return int(conn.execute(select(func.count()).select_from(desk_categories)
                            .where(desk_categories.c.desk_id == desk_id)).scalar_one()) + 1


def _category(row: Any) -> Category:
    return Category(row.id, row.parent_id, row.level, row.name, row.path, row.code, row.active)


def all_of(conn: Connection, desk_id: int) -> list[Category]:
    rows = conn.execute(select(desk_categories).where(desk_categories.c.desk_id == desk_id)
                        .order_by(desk_categories.c.position, desk_categories.c.level, desk_categories.c.code))
    return [_category(r) for r in rows]


def leaves(conn: Connection, desk_id: int) -> list[Category]:
    """The active categories nothing active hangs under (Open311's services)."""
    categories = all_of(conn, desk_id)
    parents = {c.parent_id for c in categories if c.active}
    return [c for c in categories if c.active and c.id not in parents]


def get(conn: Connection, desk_id: int, category_id: int) -> Category:
    row = conn.execute(select(desk_categories).where(desk_categories.c.desk_id == desk_id,
                                                     desk_categories.c.id == category_id)).first()
    if row is None:
        raise NotFound("category_not_found")
    return _category(row)


def by_ids(conn: Connection, ids: Iterable[int]) -> list[Category]:
    """Categories by id (any desk's: a page of cases may span desks)."""
    wanted = list(ids)
    if not wanted:
        return []
    return [_category(r) for r in conn.execute(select(desk_categories).where(desk_categories.c.id.in_(wanted)))]


def find(conn: Connection, desk_id: int, name: str | int) -> Category:
    """A category by its path ("城乡建设/安全生产"), its code ("0042"), its id, or a name that is
    unique in the catalogue ("安全隐患"); 422 naming what was asked when there is none."""
    key = str(name).strip().strip(SEPARATOR)
    if not key:
        raise Invalid("category_unknown", name=key)
    c = desk_categories.c
    row = conn.execute(select(desk_categories).where(c.desk_id == desk_id, c.path == key)).first()
    if row is None:
        row = conn.execute(select(desk_categories).where(c.desk_id == desk_id, c.code == key)).first()
    if row is None and key.isdigit() and len(key) > 8:
        row = conn.execute(select(desk_categories).where(c.desk_id == desk_id, c.id == int(key))).first()
    if row is None and SEPARATOR not in key:
        named = conn.execute(select(desk_categories).where(c.desk_id == desk_id, c.name == key).limit(2)).all()
        row = named[0] if len(named) == 1 else None
    if row is None or not row.active:
        raise Invalid("category_unknown", name=key)
    return _category(row)


def ancestors(conn: Connection, desk_id: int, category_id: int) -> list[int]:
    """The category and those above it, the most specific first."""
    chain: list[int] = []
    current: int | None = category_id
    while current is not None and len(chain) < 5:
        chain.append(current)
        current = conn.execute(select(desk_categories.c.parent_id).where(
            desk_categories.c.desk_id == desk_id, desk_categories.c.id == current)).scalar()
    return chain


def add(conn: Connection, desk_id: int, path: str) -> Category:
    """Add a category (and the levels above it that are missing)."""
    names = [_check_name(n) for n in path.strip(SEPARATOR).split(SEPARATOR)]
    if not 1 <= len(names) <= 3:
        raise Invalid("category_levels", levels=3)
    joined = SEPARATOR.join(names)
    if conn.execute(select(desk_categories.c.id).where(desk_categories.c.desk_id == desk_id,
                                                       desk_categories.c.path == joined)).first():
        raise Conflict("category_exists", name=joined)
    load(conn, desk_id, [names])
    return find(conn, desk_id, joined)


def rename(conn: Connection, desk_id: int, category_id: int, name: str) -> Category:
    """Rename a category; the paths of everything under it follow."""
    category = get(conn, desk_id, category_id)
    name = _check_name(name)
    new_path = SEPARATOR.join([*category.names[:-1], name])
    if conn.execute(select(desk_categories.c.id).where(desk_categories.c.desk_id == desk_id,
                                                       desk_categories.c.path == new_path)).first():
        raise Conflict("category_exists", name=new_path)
    under = conn.execute(select(desk_categories.c.id, desk_categories.c.path).where(
        desk_categories.c.desk_id == desk_id, desk_categories.c.path.startswith(category.path + SEPARATOR))).all()
    conn.execute(update(desk_categories).where(desk_categories.c.id == category_id).values(name=name, path=new_path))
    for row in under:
        conn.execute(update(desk_categories).where(desk_categories.c.id == row.id)
                     .values(path=new_path + row.path[len(category.path):]))
    return get(conn, desk_id, category_id)


def retire(conn: Connection, desk_id: int, category_id: int, active: bool = False) -> None:
    """Retire (or bring back) a category and everything under it: cases keep it, new ones can't
    choose it."""
    category = get(conn, desk_id, category_id)
    conn.execute(update(desk_categories).where(
        desk_categories.c.desk_id == desk_id,
        (desk_categories.c.id == category_id) | desk_categories.c.path.startswith(category.path + SEPARATOR))
        .values(active=active))


def paths_by_id(conn: Connection, desk_id: int) -> dict[int, str]:
    return {r.id: r.path for r in conn.execute(select(desk_categories.c.id, desk_categories.c.path)
                                               .where(desk_categories.c.desk_id == desk_id))}
