"""The `files` connector: new CSV/XES/Parquet/JSONL files (optionally .gz) in a watched folder.

Each file is yielded once per checksum: `pull` receives what the runner has ingested already
(`taken`: the sha256 checksums, and each file's name, size and mtime as it was listed) and skips
it, and within one pull a second file with the same bytes under another name is skipped too. A
file listed with the name, size and mtime it was taken with is not read again (the quick check
of make and rsync): without it every run re-read the whole folder's history to hash it. A file
rewritten in place is read again, and taken if its bytes changed, unless its writer kept both its
size and its mtime to the nanosecond. A file still being written waits for the next run:
one whose size or mtime changed between the listing and a second look `settle_s` later (only files
modified within `settle_s` are looked at twice), or while it was being copied. Writers that pause
longer than `settle_s` mid-file should write to a temporary name (dot-files and *.part, *.tmp,
*.crdownload are never taken) and rename when done.

The folder is reached through a `FileStore` (list entries with name, size and mtime; open one),
so an object-storage store can replace `LocalStore` without touching the rest. Each yielded file
is a private copy (hashed while copied), valid until the next unit is asked for; the copies are
removed when the pull ends. The watermark is not used (None)."""

import fnmatch
import hashlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from pydantic import BaseModel, ConfigDict, Field

from app.sources.schemas import Mapping
from app.sync.connectors.base import Progress, Pulled, TakenFiles
from app.sync.connectors.errors import SyncError

FORMATS = (".csv", ".xes", ".parquet", ".jsonl", ".csv.gz", ".xes.gz", ".parquet.gz", ".jsonl.gz")
NEVER = (".*", "*.part", "*.tmp", "*.crdownload", "*~")


@dataclass(frozen=True)
class Entry:
    name: str          # path relative to the store's root, with "/" separators
    size: int
    mtime_ns: int


class FileStore(Protocol):
    def entries(self, pattern: str) -> list[Entry]: ...
    def stat(self, name: str) -> Entry | None: ...
    def open(self, name: str) -> BinaryIO: ...


class LocalStore:
    """A local folder; `pattern` is a glob relative to it (e.g. "*.csv" or "**/*.csv.gz")."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def entries(self, pattern: str) -> list[Entry]:
        if not self.root.is_dir():
            raise SyncError(f"params.path {str(self.root)!r} is not a folder this server can read", retryable=False)
        found = []
        for path in sorted(self.root.glob(pattern)):
            entry = self.stat(path.relative_to(self.root).as_posix())
            if entry is not None:
                found.append(entry)
        return found

    def stat(self, name: str) -> Entry | None:
        path = self.root / name
        try:
            info = path.stat()
        except FileNotFoundError:
            return None
        return Entry(name, info.st_size, info.st_mtime_ns) if path.is_file() else None

    def open(self, name: str) -> BinaryIO:
        return (self.root / name).open("rb")


class FilesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, description="The watched folder (local path on the server).")
    pattern: str = Field(default="*", description="Glob of the files to take, relative to path.")
    settle_s: float = Field(default=2.0, ge=0, le=3600, description="A file must keep its size and mtime this long.")
    mapping: Mapping | None = Field(default=None, description="Mapping of the files' columns; None = the source's.")


class FilesCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")


def takeable(name: str) -> bool:
    base = name.rsplit("/", 1)[-1].lower()
    return base.endswith(FORMATS) and not any(fnmatch.fnmatch(base, p) for p in NEVER)


class FilesConnector:
    kind = "files"
    Params = FilesParams
    Credentials = FilesCredentials

    def __init__(self, store_for=LocalStore, sleep=time.sleep) -> None:
        self.store_for, self.sleep = store_for, sleep

    def pull(self, params: FilesParams, credentials: FilesCredentials, watermark: str | None, *,
             lookback_s: float = 0.0, taken: TakenFiles = TakenFiles(),
             progress: Progress | None = None) -> Iterator[Pulled]:
        store = self.store_for(Path(params.path))
        new = [e for e in store.entries(params.pattern)
               if takeable(e.name) and (e.name, e.size, e.mtime_ns) not in taken.listed]
        ready = self._settled(store, new, params.settle_s)
        checksums, read = set(taken.checksums), 0
        spool = Path(tempfile.mkdtemp(prefix="bm-sync-files-"))
        try:
            for number, entry in enumerate(ready):
                copy, checksum = _copy_hashing(store, entry, spool / f"{number}-{entry.name.rsplit('/', 1)[-1]}")
                read += 1
                if progress:
                    progress(read)
                if copy is None or checksum in checksums:
                    _remove(copy)
                    continue
                checksums.add(checksum)
                yield Pulled(file=copy, name=entry.name, checksum=checksum, size=entry.size, mtime_ns=entry.mtime_ns,
                             pages=1, mapping=params.mapping.model_dump() if params.mapping else None)
                _remove(copy)
        finally:
            shutil.rmtree(spool, ignore_errors=True)

    def _settled(self, store: FileStore, entries: list[Entry], settle_s: float) -> list[Entry]:
        """Entries unchanged over `settle_s` (recently modified ones are looked at again after a wait)."""
        now_ns = time.time_ns()
        recent = [e for e in entries if now_ns - e.mtime_ns < settle_s * 1e9]
        if recent:
            self.sleep(settle_s)
        changed = {e.name for e in recent if store.stat(e.name) != e}
        return [e for e in entries if e.name not in changed]


def _copy_hashing(store: FileStore, entry: Entry, target: Path) -> tuple[Path | None, str | None]:
    """A private copy of the entry at `target` and its sha256; (None, None) if it changed while read."""
    digest = hashlib.sha256()
    with store.open(entry.name) as source, target.open("wb") as sink:
        while block := source.read(1 << 20):
            digest.update(block)
            sink.write(block)
    if store.stat(entry.name) != entry or target.stat().st_size != entry.size:
        target.unlink()
        return None, None
    return target, digest.hexdigest()


def _remove(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)
