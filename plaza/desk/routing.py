"""Learned routing (智能派单) for a desk: the router (:mod:`plaza.desk.router`) trained on the desk's
own history — its accepted cases as staff finally categorised and forwarded them (so every
override is the next training data) and past cases imported with ``plaza desk import-cases`` —
and on the catalogue's names while that history is thin. The newest model is stored in the
database (``desk_models``), so every process of a cluster proposes with the same one; each
process keeps the one it loaded until a newer one is trained. Retrained on demand (``plaza desk
train``) and nightly by the server.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from plaza.clock import as_utc, utcnow
from plaza.desk import catalogue, desks
from plaza.desk.desks import Desk
from plaza.desk.router import Example, Router, evaluate
from plaza.errors import Invalid
from plaza.storage import upsert
from plaza.storage.db import Database
from plaza.storage.ids import new_id
from plaza.storage.schema import cases, desk_models, desk_training_cases

log = logging.getLogger("plaza.desk")

#: Cases a model is trained on at most (the newest).
MAX_EXAMPLES = 200_000
#: How old a model may grow before the nightly retraining replaces it.
RETRAIN_AFTER = timedelta(hours=24)
IMPORT_COLUMNS = ("text", "category")


@dataclass(frozen=True, slots=True)
class Proposal:
    category: str
    category_code: str | None
    department: str | None
    confidence: float

    def as_json(self) -> dict[str, Any]:
        return {"category": self.category, "category_code": self.category_code, "department": self.department,
                "confidence": round(self.confidence, 4)}


#: Per desk, the model this process loaded (with when it was trained) and its leaves' codes.
_cache: dict[int, tuple[datetime | None, Router, dict[str, str]]] = {}
_cache_lock = threading.Lock()
#: When this process last asked whether a desk's model is still the newest.
_checked: dict[int, float] = {}
MODEL_CHECK_SECONDS = 10.0


def examples(conn: Connection, desk: Desk, limit: int = MAX_EXAMPLES) -> list[Example]:
    """The desk's history as training examples, newest first: its cases that were accepted (with
    the category and department staff settled on) and the past cases imported for it."""
    paths = catalogue.paths_by_id(conn, desk.id)
    usernames = {r.id: r.username for r in desks.departments(conn, desk)}
    out: list[Example] = []
    rows = conn.execute(select(cases.c.text, cases.c.category_id, cases.c.department_id).where(
        cases.c.desk_id == desk.id, cases.c.category_id.is_not(None), cases.c.accepted_at.is_not(None))
        .order_by(cases.c.id.desc()).limit(limit)).all()
    imported = conn.execute(select(desk_training_cases.c.text, desk_training_cases.c.category_id,
                                   desk_training_cases.c.department_id)
                            .where(desk_training_cases.c.desk_id == desk.id)
                            .order_by(desk_training_cases.c.id.desc()).limit(max(0, limit - len(rows)))).all()
    leaves = set(catalogue_paths(conn, desk))
    for row in [*rows, *imported]:
        path = paths.get(row.category_id)
        if path in leaves:
            out.append(Example(row.text, path, usernames.get(row.department_id) if row.department_id else None))
    return out


def catalogue_paths(conn: Connection, desk: Desk) -> list[str]:
    """The leaves the router may propose (three levels deep: the catalogue's services)."""
    return [c.path for c in catalogue.leaves(conn, desk.id) if c.level == 3]


def train(db: Database, desk_name: str) -> int:
    """Train the desk's router on its history now and store it; returns the examples used."""
    with db.read() as conn:
        desk = desks.get(conn, desk_name)
        found = examples(conn, desk)
        paths = catalogue_paths(conn, desk)
    router = Router.train(found, paths)
    blob = router.dumps()
    at = utcnow()
    with db.write() as conn:
        conn.execute(upsert.insert(conn, desk_models).values(desk_id=desk.id, trained_at=at, examples=len(found),
                                                              model=blob)
                     .on_conflict_do_update(index_elements=["desk_id"],
                                            set_={"trained_at": at, "examples": len(found), "model": blob}))
    with _cache_lock:
        _cache.pop(desk.id, None)  # the next proposal loads it, with the catalogue's codes as they are
    return len(found)


def _router(conn: Connection, desk: Desk) -> tuple[Router, dict[str, str]]:
    """The desk's newest model (loaded once per process and kept until a newer one is trained)
    and its leaves' codes; without a model, a router of the catalogue alone (its names and the
    dispatch guide's words). Whether another process trained a newer one is asked at most every
    :data:`MODEL_CHECK_SECONDS`."""
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(desk.id)
        fresh = cached is not None and now - _checked.get(desk.id, 0.0) < MODEL_CHECK_SECONDS
    if cached is not None and fresh:
        return cached[1], cached[2]
    trained_at = conn.execute(select(desk_models.c.trained_at).where(desk_models.c.desk_id == desk.id)).scalar()
    trained_at = as_utc(trained_at) if trained_at is not None else None
    if cached is not None and cached[0] == trained_at:
        with _cache_lock:
            _checked[desk.id] = now
        return cached[1], cached[2]
    if trained_at is None:
        router = Router.train([], catalogue_paths(conn, desk))
    else:
        blob = conn.execute(select(desk_models.c.model).where(desk_models.c.desk_id == desk.id)).scalar_one()
        router = Router.loads(bytes(blob))
    codes = {c.path: c.code for c in catalogue.leaves(conn, desk.id)}
    with _cache_lock:
        _cache[desk.id] = (trained_at, router, codes)
        _checked[desk.id] = now
    return router, codes


def propose(conn: Connection, desk: Desk, text: str, k: int = 3) -> list[Proposal]:
    """The router's best categories (and departments) for a case's text, best first."""
    text = (text or "").strip()
    if not text:
        raise Invalid("case_text_missing")
    router, codes = _router(conn, desk)
    found = router.propose(text[:2000], k=k)
    return [Proposal(s.category, codes.get(s.category), s.department, float(s.confidence)) for s in found]


def stale(conn: Connection, now: datetime | None = None) -> list[Desk]:
    """Desks whose model is older than a day (or missing) and that have history to learn from."""
    now = as_utc(now or utcnow())
    out = []
    for desk in desks.all_desks(conn):
        trained = conn.execute(select(desk_models.c.trained_at).where(desk_models.c.desk_id == desk.id)).scalar()
        if trained is not None and as_utc(trained) > now - RETRAIN_AFTER:
            continue
        has_history = conn.execute(select(func.count()).select_from(cases).where(
            cases.c.desk_id == desk.id, cases.c.accepted_at.is_not(None))).scalar_one() or conn.execute(
            select(func.count()).select_from(desk_training_cases).where(
                desk_training_cases.c.desk_id == desk.id)).scalar_one()
        if has_history:
            out.append(desk)
    return out


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in IMPORT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise Invalid("import_columns_missing", columns=", ".join(missing))
        yield from reader


def import_cases(db: Database, desk_name: str, path: Path) -> tuple[int, list[tuple[int, str]]]:
    """Load past cases for training from a CSV (``text``, ``category`` as catalogue names joined
    by "/" at any depth, optional ``department``, ``created_at``, ``title``). Returns how many
    were loaded and the lines refused with why (line number, message key)."""
    loaded, refused = 0, []
    with db.write() as conn:
        desk = desks.get(conn, desk_name)
        by_path = {c.path: c.id for c in catalogue.all_of(conn, desk.id)}
        departments = {r.username.lower(): r.id for r in desks.departments(conn, desk)}
        batch: list[dict[str, Any]] = []
        for line, row in enumerate(_rows(path), start=2):
            text = (row.get("text") or "").strip()
            category = (row.get("category") or "").strip().strip("/")
            if not text or category not in by_path:
                refused.append((line, "import_row_text" if not text else "import_row_category"))
                continue
            department = (row.get("department") or "").strip().lstrip("@").lower()
            try:
                created = as_utc(datetime.fromisoformat(row["created_at"])) if row.get("created_at") else utcnow()
            except ValueError:
                refused.append((line, "import_row_date"))
                continue
            batch.append(dict(id=new_id(), desk_id=desk.id, text=text[:2000], category_id=by_path[category],
                              department_id=departments.get(department), title=(row.get("title") or "")[:120],
                              created_at=created))
            if len(batch) >= 1000:
                conn.execute(desk_training_cases.insert(), batch)
                loaded += len(batch)
                batch = []
        if batch:
            conn.execute(desk_training_cases.insert(), batch)
            loaded += len(batch)
    return loaded, refused


def evaluation(db: Database, desk_name: str, folds: int = 5) -> Any:
    """Top-1 and top-3 accuracy by cross-validation on the desk's history, beside a plain TF-IDF
    linear baseline."""
    with db.read() as conn:
        desk = desks.get(conn, desk_name)
        found = examples(conn, desk)
        paths = catalogue_paths(conn, desk)
    if len(found) < folds * 2:
        raise Invalid("router_history_too_small", count=len(found))
    return evaluate(found, paths, folds=folds)



#: Seconds between two checks for models older than a day.
RETRAIN_CHECK_SECONDS = 3600.0


async def retrain_periodically(db: Database, interval: float = RETRAIN_CHECK_SECONDS) -> None:
    """The server's background task: every hour, retrain (off the event loop) each desk whose
    model is more than a day old — nightly retraining, whenever the server runs."""
    while True:
        await asyncio.sleep(interval)
        try:
            due = await asyncio.to_thread(_stale_now, db)
            for desk in due:
                count = await asyncio.to_thread(train, db, desk.username)
                log.info("router of @%s retrained on %d cases", desk.username, count)
        except Exception:  # tried again in an hour
            log.warning("router retraining failed; retrying later", exc_info=True)


def _stale_now(db: Database) -> list[Desk]:
    with db.read() as conn:
        return stale(conn)
