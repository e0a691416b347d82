"""Real data into the evaluation index (政务指数): accounts and posts imported from Weibo
(weibo-crawler's JSON, Weibo's status objects), a Mastodon account archive, or a CSV file — marked
as imported (``imported_accounts``, ``imported_statuses``), their counters as the source counted
them, so the index runs on them as on the square's own posts.

    report = import_weibo(db, [Path("weibo/")], default_city="500000")

Each importer reads leniently and never stops at a bad record: it is skipped with where it was
(file and line, or record number) and why, in the :class:`Report`. Importing the same data again
updates the counters and duplicates nothing. The readers are in :mod:`.weibo`, :mod:`.mastodon`
and :mod:`.csvfile`; the one writer, and what it writes, in :mod:`.writer`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from plaza.index import collector_paused
from plaza.index.imports import csvfile, mastodon, profiles, weibo
from plaza.index.imports.records import Note, Skip
from plaza.index.imports.writer import CHUNK, Item, Progress, Report, Writer
from plaza.storage.db import Database

__all__ = ["CHUNK", "EXAMPLES", "Note", "Report", "Skip", "UnreadableInput", "import_csv", "import_mastodon",
           "import_weibo", "profiles"]

#: weibo-crawler files of three of the demo's government accounts (重庆发布, 上海发布, 马鞍山发布),
#: November 2026, written for Plaza: ``plaza import weibo`` on this folder shows the index at work.
EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"


class UnreadableInput(Exception):
    """Nothing could be read: the archive or file is not what the import takes (the message says
    what was wrong and what is expected)."""


def _run(db: Database, origin: str, items: Iterable[Item], *, default_city: str, chunk: int,
         progress: Progress | None) -> Report:
    writer = Writer(db, origin, default_city=default_city, chunk=chunk, progress=progress)
    with collector_paused():
        writer.add_all(items)
        return writer.finish()


def import_weibo(db: Database, paths: Iterable[Path], *, default_city: str, chunk: int = CHUNK,
                 progress: Progress | None = None) -> Report:
    """Import weibo-crawler files and Weibo status files (directories are searched for ``*.json``,
    ``*.jsonl`` and ``*.ndjson``). A file that cannot be read at all is a skip line of its own
    (``Report.unreadable``); ``progress(done, total)`` counts bytes."""
    paths = list(paths)
    report = _run(db, weibo.ORIGIN, weibo.read(paths), default_city=default_city, chunk=chunk, progress=progress)
    report.files = len(weibo.files(paths))
    return report


def import_mastodon(db: Database, archive: Path, *, default_city: str, home_city: str | None = None,
                    chunk: int = CHUNK, progress: Progress | None = None) -> Report:
    """Import a Mastodon account archive (a directory, ``.zip`` or ``.tar.gz`` with ``outbox.json``
    and ``actor.json``); the account lives in ``home_city`` (default: ``default_city``).
    Raises :class:`UnreadableInput` when the archive cannot be read; ``progress`` counts items."""
    items = mastodon.read(archive, home_city=home_city)
    try:
        first = next(items)
    except mastodon.ArchiveError as exc:
        raise UnreadableInput(f"{archive}: {exc}") from exc
    report = _run(db, mastodon.ORIGIN, _chain(first, items), default_city=default_city, chunk=chunk,
                  progress=progress)
    report.files = 1
    return report


def import_csv(db: Database, path: Path, *, default_city: str, chunk: int = CHUNK,
               progress: Progress | None = None) -> Report:
    """Import posts from a CSV file (its columns: :mod:`.csvfile`). Raises :class:`UnreadableInput`
    when it is not such a file (no header, required columns missing, not UTF-8 at its start);
    ``progress`` counts bytes."""
    items = csvfile.read(path)
    try:
        first = next(items)
    except StopIteration:
        first = None
    except csvfile.CsvError as exc:
        raise UnreadableInput(f"{path}: {exc}") from exc
    report = _run(db, csvfile.ORIGIN, _chain(first, items) if first is not None else iter(()),
                  default_city=default_city, chunk=chunk, progress=progress)
    report.files = 1
    return report


def _chain(first: Item, rest: Iterator[Item]) -> Iterator[Item]:
    yield first
    yield from rest
