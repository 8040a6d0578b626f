"""Scratch files named after the process that owns them, so a later start can tell leftovers.

Spooled uploads, staging and read copies live in the data directory while a job runs. A process
killed mid-job leaves them behind; but another API or worker process sharing the directory may be
using its own right now. Each name carries the owner's host and process id: a file of this host
whose process is gone is a leftover; a file of another host (another container on a shared
volume, where process ids mean nothing here) only once it is older than ORPHAN_AGE_S."""

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

log = logging.getLogger("app.scratch")
ORPHAN_AGE_S = 24 * 3600
_HOST = "".join(c if c.isalnum() else "_" for c in socket.gethostname())[:40] or "host"


def scratch_name(prefix: str, suffix: str = "") -> str:
    """`prefix-<host>-<pid>-<random><suffix>`: unique, and saying who owns it."""
    return f"{prefix}-{_HOST}-{os.getpid()}-{uuid.uuid4().hex}{suffix}"


def _owner(path: Path) -> tuple[str, int] | None:
    parts = path.name.split("-")
    if len(parts) < 4 or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, under another user
        return True
    return True


def is_orphan(path: Path, *, now: float | None = None) -> bool:
    """Whether no live process can own `path` any more."""
    owner = _owner(path)
    try:
        age = (now or time.time()) - path.stat().st_mtime
    except FileNotFoundError:
        return False
    if owner is None or owner[0] != _HOST:
        return age > ORPHAN_AGE_S  # unnamed (older releases) or another host's: by age only
    return owner[1] != os.getpid() and not _alive(owner[1])


def remove_orphans(paths: Iterable[Path], *, keep: Callable[[Path], bool] = lambda p: False) -> int:
    """Remove the orphans among `paths` that `keep` does not claim; returns how many went."""
    removed = 0
    for path in paths:
        if path.is_file() and not keep(path) and is_orphan(path):
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.warning("removed files left by processes that stopped mid-job", extra={"files": removed})
    return removed
