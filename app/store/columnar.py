"""A columnar copy of each source's events, beside the SQL table, for mining.

SQLite hands rows out at about 2 s per million and mining wants whole columns, so each source's
events are also kept as one Arrow IPC file (text dictionary-encoded), memory-mapped on read
(about 0.1 s per million). The file is a cache, never the truth: it records which uploads
(id, creation time, event count) and which attributes it holds. An upload's events never change
once committed, so a stale file is brought up to date by reading only the uploads it lacks and
dropping the rows of uploads deleted since. An upload it lacks is taken from its part (written from
the upload's own batches, app/store/parts.py) where there is one, else read from SQL. A missing or
unreadable file is rebuilt."""

import hashlib
import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from app.scratch import remove_orphans, scratch_name
from app.store.frames import COLUMNS, read_rows
from app.store.parts import PartWriter, forget_parts, read_part

log = logging.getLogger("app.store.columnar")
_META = b"blueprint-miner"
_TEXT = pa.dictionary(pa.int32(), pa.string())
_locks: dict[Path, threading.RLock] = {}
_locks_guard = threading.Lock()


@dataclass(frozen=True)
class UploadKey:
    """What identifies an upload's rows for good (ids of deleted uploads may be reused)."""

    id: int
    created: str
    events: int

    def as_list(self) -> list:
        return [self.id, self.created, self.events]


CHANNEL = "channel"  # the attribute that breaks a step down by channel, where events carry it


def feed_attributes(mapping: dict) -> list[str]:
    """The attributes every feed of a source reads: the channel and the source's thread column.
    The copy is kept with them, so a first feed need not go back to SQL for them."""
    thread = mapping.get("thread")
    return sorted({CHANNEL} | ({thread} if thread else set()))


def schema(attributes: list[str]) -> pa.Schema:
    ints = {"source_id", "upload_id", "ordinal", "timestamp", "start_timestamp"}
    fields = [pa.field(c, pa.int64() if c in ints else _TEXT) for c in COLUMNS]
    return pa.schema(fields + [pa.field(f"attr:{a}", _TEXT) for a in attributes])


def source_directory(data_dir: Path, source_id: int) -> Path:
    return data_dir / "columnar" / f"source-{int(source_id)}"


def _lock(directory: Path) -> threading.RLock:
    with _locks_guard:
        return _locks.setdefault(directory, threading.RLock())


def part_writer(data_dir: Path, *, source_id: int, upload_id: int, mapping: dict) -> PartWriter:
    """A part for this upload's batches (app/store/parts.py), with every attribute the copy holds
    now or will be asked for first, so the next refresh can take it whole."""
    directory = source_directory(data_dir, source_id)
    return PartWriter(directory, source_id=source_id, upload_id=upload_id,
                      attributes=sorted(set(feed_attributes(mapping)) | set(_held_attributes(directory))))


def _newest_first(directory: Path) -> list[Path]:
    files = sorted(directory.glob("*.arrow"), key=lambda p: p.stat().st_mtime_ns) if directory.exists() else []
    return files[::-1]


def _held_attributes(directory: Path) -> list[str]:
    for path in _newest_first(directory):
        try:
            with pa.memory_map(str(path)) as source:
                return json.loads(pa.ipc.open_file(source).schema.metadata[_META]).get("attributes", [])
        except (OSError, KeyError, ValueError, pa.ArrowInvalid):
            continue
    return []


def _missing_rows(engine: Engine, directory: Path, *, source_id: int, missing: list[UploadKey], held: list[str],
                  data_dir: Path) -> tuple[pa.Table, set[int]]:
    """The rows of uploads the copy lacks: from their parts where there are, else from SQL; and
    the ids of the uploads taken from parts."""
    tables, from_parts = [], set()
    for upload in missing:
        part = read_part(directory, upload.id, upload.events, held)
        if part is not None:
            tables.append(pa.Table.from_batches([_encoded(b, held) for b in part.to_batches()], schema=schema(held)))
            from_parts.add(upload.id)
    rest = [u.id for u in missing if u.id not in from_parts]
    if rest:
        batches = [_encoded(b, held) for b in read_rows(engine, source_id=source_id, attributes=held,
                                                         upload_ids=rest, scratch_dir=data_dir / "staging")]
        tables.append(pa.Table.from_batches(batches, schema=schema(held)))
    return pa.concat_tables(tables) if tables else schema(held).empty_table(), from_parts


def source_table(engine: Engine, *, source_id: int, uploads: list[UploadKey], attributes: list[str],
                 data_dir: Path) -> pa.Table:
    """The source's events from these uploads, with at least the attributes asked for."""
    directory = source_directory(data_dir, source_id)
    with _lock(directory):
        if not uploads:  # nothing stored (or the source is gone): nothing to keep
            forget_source(data_dir, source_id)
            return schema(sorted(attributes)).empty_table()
        cached, meta = _open_latest(directory)
        held = sorted(set(meta.get("attributes", [])) | set(attributes))
        if cached is not None and len(held) > len(meta["attributes"]):
            cached = None  # an attribute it lacks: read everything again, with it
        have = {tuple(u) for u in meta.get("uploads", [])} if cached is not None else set()
        keep = [u for u in uploads if tuple(u.as_list()) in have]
        missing = [u for u in uploads if tuple(u.as_list()) not in have]
        if cached is not None and not missing and len(keep) == len(have):
            return cached
        parts = []
        if cached is not None and keep:
            wanted = pa.array([u.id for u in keep], pa.int64())
            parts.append(cached if len(keep) == len(have) else
                         cached.filter(pc.is_in(cached["upload_id"], value_set=wanted)))
        complete, from_parts = True, set()
        if missing:
            rows, from_parts = _missing_rows(engine, directory, source_id=source_id, missing=missing, held=held,
                                             data_dir=data_dir)
            complete = _counts_match(rows, missing)
            parts.append(rows)
        table = pa.concat_tables(parts).combine_chunks() if parts else schema(held).empty_table()
        table = table.take(np.lexsort((table["ordinal"].to_numpy(), table["upload_id"].to_numpy())))
        if complete:  # an upload deleted while it was read would be cached as empty: never keep that
            _write(directory, table, {"uploads": [u.as_list() for u in uploads], "attributes": held})
            forget_parts(directory, from_parts)
        return table


def _counts_match(rows: pa.Table, uploads: list[UploadKey]) -> bool:
    ids, counts = np.unique(rows["upload_id"].to_numpy(), return_counts=True)
    found = dict(zip(ids.tolist(), counts.tolist(), strict=True))
    return all(found.get(u.id, 0) == u.events for u in uploads)


def _encoded(rows: pa.RecordBatch, attributes: list[str]) -> pa.RecordBatch:
    target = schema(attributes)
    columns = []
    for field in target:
        column = rows.column(field.name)
        if field.type == _TEXT:
            column = pc.dictionary_encode(column.cast(pa.string()))
        columns.append(column.cast(field.type))
    return pa.RecordBatch.from_arrays(columns, schema=target)


def _open_latest(directory: Path) -> tuple[pa.Table | None, dict]:
    for path in _newest_first(directory):
        try:
            with pa.memory_map(str(path)) as source:
                table = pa.ipc.open_file(source).read_all()
            meta = json.loads(table.schema.metadata[_META])
            return table.replace_schema_metadata(None), meta
        except (OSError, KeyError, ValueError, pa.ArrowInvalid) as exc:
            log.warning("columnar copy unreadable; rebuilding it", extra={"path": str(path), "error": str(exc)})
            path.unlink(missing_ok=True)
    return None, {}


def _write(directory: Path, table: pa.Table, meta: dict) -> None:
    """Write atomically (a new file, renamed), then remove the older copies. Never in place:
    readers map the files into memory, and a file truncated under a mapping kills its process."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()[:20]
        final = directory / f"{digest}.arrow"
        tmp = directory / scratch_name(f".{digest}", ".tmp")
        table = table.replace_schema_metadata({_META: json.dumps(meta).encode()})
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.replace(tmp, final)
        for old in directory.glob("*.arrow"):
            if old != final:
                old.unlink(missing_ok=True)
        remove_orphans(directory.glob(".*.tmp"))  # from writers killed mid-write
    except OSError as exc:  # a cache: the next read rebuilds what could not be written
        log.warning("could not write the columnar copy", extra={"path": str(directory), "error": str(exc)})


def forget_source(data_dir: Path, source_id: int) -> None:
    """Remove a deleted source's copy (best effort: a stale copy is never used anyway)."""
    directory = source_directory(data_dir, source_id)
    with _lock(directory):
        shutil.rmtree(directory, ignore_errors=True)  # the copies and the parts
