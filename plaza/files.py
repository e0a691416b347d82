"""What Plaza keeps in its data folder is private to the account that runs it: folders 0700,
files 0600, whatever the umask of whoever started the process.

The database, its write-ahead log, the secret key, hot-search snapshots and uploaded images are
created so explicitly where Plaza creates them; :func:`keep_private` covers the rest (what SQLite
and libraries create) for the whole process, as PostgreSQL's server does.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
#: Nothing for the group or others.
PRIVATE_UMASK = 0o077


def keep_private() -> None:
    """From now on, every file and folder this process creates is its owner's only."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Create the folder ``path`` 0700 (missing parents as usual), or narrow it to 0700."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    _narrow(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Create an empty file 0600 unless it exists, or narrow an existing one to 0600."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        _narrow(path, PRIVATE_FILE)
    return path


def narrow_if_present(path: Path) -> None:
    """Narrow ``path`` to 0600 if it exists (a file an older Plaza made readable to others)."""
    if path.exists():
        _narrow(path, PRIVATE_FILE)


def create_private(path: Path, data: bytes) -> bytes:
    """Create ``path`` 0600 holding ``data`` unless it exists; returns what the file holds (another
    process starting at the same moment may have written it first, and its content wins)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # appears whole or not at all, and never replaces a file
    except FileExistsError:
        return path.read_bytes()
    finally:
        tmp.unlink(missing_ok=True)
    return data


def _narrow(path: Path, mode: int) -> None:
    """Take away what the group and others may do with ``path`` (a file from before, or a folder
    a person made). A path someone else owns, or a shared folder like ``/tmp`` (sticky bit), is
    left as it is, with a warning."""
    try:
        info = path.stat()
        current = stat.S_IMODE(info.st_mode)
        if not current & ~mode:
            return
        if info.st_uid != os.getuid() or current & stat.S_ISVTX:
            log.warning("%s is open to others (%o); Plaza leaves it as it is", path, current)
            return
        path.chmod(current & mode)
    except PermissionError:
        log.warning("%s is open to others and cannot be narrowed to %o", path, mode)
