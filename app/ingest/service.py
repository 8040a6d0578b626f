"""Ingest: turn an upload's rows into stored canonical events, whole or not at all."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from app.config import Settings
from app.errors import Conflict, NotFound, UnprocessableEvents
from app.ingest import repository
from app.ingest.mapping import resolve
from app.ingest.models import Upload
from app.ingest.normalize import canonicalize
from app.ingest.parsers import RawBatch, numbered
from app.ingest.pipeline import prepare, read_batches
from app.ingest.schemas import OnError, PushedEvent, UploadOptions
from app.ingest.unicode import nfc_columns
from app.jobs.wakeup import announce
from app.sources import repository as source_repository
from app.sources import service as sources
from app.sources.models import Source
from app.store import columnar
from app.store import repository as events
from app.store.digests import RunMemory
from app.store.writer import event_writer

Progress = Callable[[int], None]


@dataclass
class Tally:
    rows_read: int = 0
    valid: int = 0
    rows_rejected: int = 0
    errors: list[dict] = field(default_factory=list)
    cases: set = field(default_factory=set)
    newest_us: int | None = None   # the latest event time among the valid rows (sync freshness)
    updated: int = 0               # stored events replaced by a new version of the same event_id


def get_upload(session: Session, *, workspace_id: int, upload_id: int) -> Upload:
    upload = repository.get(session, workspace_id=workspace_id, upload_id=upload_id)
    if upload is None:
        raise NotFound(f"no upload {upload_id}")
    return upload


def list_uploads(session: Session, *, workspace_id: int, source_id: int) -> list[Upload]:
    source = sources.get_source(session, workspace_id=workspace_id, source_id=source_id)
    return repository.list_for_source(session, source_id=source.id)


def delete_upload(session: Session, *, workspace_id: int, upload_id: int) -> int:
    """Remove the upload and exactly the events it added; returns how many events went."""
    upload = get_upload(session, workspace_id=workspace_id, upload_id=upload_id)
    if upload.status in ("queued", "running"):
        raise Conflict(f"upload {upload_id} is {upload.status}; delete it once it has finished")
    events.take_ingest_lock(session, source_id=upload.source_id)  # not while a writer looks digests up
    removed = events.delete_upload_events(session, source_id=upload.source_id, upload_id=upload.id)
    source_repository.bump_data_version(session, source_id=upload.source_id)
    repository.delete(session, upload)
    return removed


MAX_FILENAME = 500  # the column's width


def stored_filename(name: str) -> str:
    """A file name that fits the column, keeping its end (the extension tells the format)."""
    return name if len(name) <= MAX_FILENAME else name[:200] + "…" + name[-(MAX_FILENAME - 201):]


def new_upload(session: Session, *, workspace_id: int, source: Source, kind: str, filename: str,
               size: int, spool_path: Path | None, options: UploadOptions) -> Upload:
    filename = stored_filename(filename)
    if kind == "file":  # a worker may take it (one run here is held by this process first)
        announce(session)
    return repository.add(session, Upload(
        workspace_id=workspace_id, source_id=source.id, kind=kind, filename=filename, size_bytes=size,
        spool_path=str(spool_path) if spool_path else None, options=options.model_dump(exclude_none=True),
        status="queued", errors=[]))


def ingest_file(session: Session, *, upload: Upload, settings: Settings, progress: Progress,
                mapping: dict | None = None, tally: Tally | None = None) -> Upload:
    """Parse the upload's spooled file and store its events in the session's transaction
    (`mapping`: instead of the source's; `tally`: filled in, for callers that want the figures)."""
    options = UploadOptions(**upload.options)
    readable, fmt = prepare(Path(upload.spool_path), filename=upload.filename, options=options,
                            settings=settings)
    upload.format = fmt
    batches = read_batches(readable, fmt, options=options, settings=settings)
    try:
        return _store(session, upload=upload, batches=batches, options=options, settings=settings,
                      progress=progress, mapping=mapping, tally=tally)
    finally:
        if readable != Path(upload.spool_path):
            readable.unlink(missing_ok=True)


def ingest_pushed(session: Session, *, upload: Upload, items: list[PushedEvent], settings: Settings) -> Upload:
    """Store events pushed as JSON, with the same validation and idempotency as files."""
    # Extra top-level fields and `attributes` both become attributes; canonical fields win.
    records = [{**(item.attributes or {}), **item.model_dump(exclude={"attributes"})} for item in items]
    frame = pd.DataFrame.from_records(records)
    frame = frame.drop(columns=[c for c in frame.columns if frame[c].isna().all() and c in
                                PushedEvent.model_fields and c not in ("case_id", "activity", "timestamp")])
    upload.format = "json"
    mapping = {k: v for k, v in _PUSH_MAPPING.items() if v in frame.columns}
    return _store(session, upload=upload, batches=[numbered(frame, 1)], options=UploadOptions(),
                  settings=settings, progress=lambda n: None, mapping=mapping)


def ingest_table(session: Session, *, upload: Upload, table: pa.Table | pd.DataFrame, mapping: dict | None,
                 settings: Settings, replace_changed: bool = False, tally: Tally | None = None,
                 first_row: int = 1, memory: RunMemory | None = None) -> Upload:
    """Store rows pulled by a sync connector as the upload's events, whole or not at all (any bad
    row rejects them all), in the session's transaction, through the same mapping, validation,
    digest and bulk writer as files. `mapping`: the rows' own (a preset's), else the source's.
    `replace_changed`: a row whose event_id is stored already with other content replaces it (a
    changed record of a table pulled again); otherwise such a row is a duplicate, as in uploads.
    `tally` (optional) is filled in: newest_us, updated, and the counts. Row errors number the rows
    from `first_row` (a run numbers them across its whole pull). `memory`: the run's, kept across
    its units (app/store/digests.py)."""
    frame = table.to_pandas() if isinstance(table, pa.Table) else table
    upload.format = "table"
    return _store(session, upload=upload, batches=[numbered(frame, first_row)], options=UploadOptions(),
                  settings=settings, progress=lambda n: None, mapping=mapping, tally=tally,
                  replace_changed=replace_changed, memory=memory)


_PUSH_MAPPING = {**{f: f for f in ("case_id", "activity", "timestamp", "start_timestamp", "resource", "role",
                                   "event_id")}, "lifecycle_column": "lifecycle"}


def _store(session: Session, *, upload: Upload, batches: Iterable[RawBatch], options: UploadOptions,
           settings: Settings, progress: Progress, mapping: dict | None = None, tally: Tally | None = None,
           replace_changed: bool = False, memory: RunMemory | None = None) -> Upload:
    source = session.get(Source, upload.source_id)
    writer = event_writer(session, staging_dir=settings.staging_dir,
                          ids=(upload.workspace_id, upload.source_id, upload.id), memory=memory)
    part = columnar.part_writer(settings.data_dir, source_id=source.id, upload_id=upload.id, mapping=source.mapping)
    tally, resolved, written = tally if tally is not None else Tally(), None, []
    try:
        for batch in batches:
            if batch.frame is None or not len(batch.frame):
                tally.errors += batch.errors
                tally.rows_rejected += len(batch.errors)
                tally.rows_read += len(batch.errors)
                continue
            batch.frame.columns = nfc_columns([str(c) for c in batch.frame.columns])
            if resolved is None:
                resolved = resolve(mapping if mapping is not None else source.mapping,
                                   [str(c) for c in batch.frame.columns])
            canon = canonicalize(batch, resolved, zone=source.timezone, max_errors=settings.max_reported_errors)
            _count(tally, canon, batch, settings.max_reported_errors)
            if canon.table is not None and canon.table.num_rows and (
                    options.on_error == OnError.skip or not tally.rows_rejected):
                writer.add(canon.table)
                part.add(canon.table, canon.frame, canon.attribute_columns)
                if replace_changed and resolved.event_id:
                    written.append(canon.table)
            progress(tally.rows_read)
        _check_outcome(tally, options)
        inserted = writer.finish()
    except BaseException:
        part.drop()
        raise
    finally:
        writer.close()
    if written and inserted < tally.valid:  # some rows were stored already: any of them changed?
        inserted += _replace_changed(session, upload, written, tally)
    # The part is the upload's events if no stored event was replaced and every valid row was stored
    # new, but for the file's own repeats (the part checks that its distinct rows are `inserted`).
    if tally.updated:
        part.drop()
    else:
        part.keep(inserted)
    if inserted:
        source_repository.bump_data_version(session, source_id=source.id)
    return _succeeded(upload, tally, inserted)


def _replace_changed(session: Session, upload: Upload, tables: list[pa.Table], tally: Tally) -> int:
    """Give this upload the new version of events stored before (by other uploads) under the same
    event_id with other content; the uploads that held them count that many events fewer, so
    the columnar copy, which keys uploads by their event count, reads both again."""
    moved = events.replace_changed(session, ids=(upload.workspace_id, upload.source_id, upload.id),
                                   table=pa.concat_tables(tables))
    repository.take_events(session, moved)
    tally.updated = sum(moved.values())
    return tally.updated


def _count(tally: Tally, canon, batch: RawBatch, limit: int) -> None:
    tally.rows_read += len(batch.frame) + len(batch.errors)
    tally.rows_rejected += canon.bad_rows
    tally.valid += canon.table.num_rows if canon.table is not None else 0
    if len(tally.errors) < limit:
        tally.errors = (tally.errors + canon.errors)[:limit]
    if canon.cases is not None:
        tally.cases.update(np.asarray(canon.cases).tolist())
    if canon.table is not None and canon.table.num_rows:
        newest = pc.max(canon.table["timestamp"]).as_py()
        tally.newest_us = newest if tally.newest_us is None else max(tally.newest_us, newest)


def _check_outcome(tally: Tally, options: UploadOptions) -> None:
    if tally.rows_read == 0:
        raise UnprocessableEvents("the file holds no events (it has a header or structure but no rows)")
    if tally.rows_rejected and options.on_error == OnError.reject:
        raise UnprocessableEvents(
            f"{tally.rows_rejected} of {tally.rows_read} rows are invalid; nothing was stored "
            "(fix them, or re-send with on_error=skip to store the valid rows)",
            errors=tally.errors, rows_rejected=tally.rows_rejected, rows_read=tally.rows_read)
    if tally.valid == 0:
        raise UnprocessableEvents(f"none of the {tally.rows_read} rows is a valid event; nothing was stored",
                                  errors=tally.errors, rows_rejected=tally.rows_rejected)


def _succeeded(upload: Upload, tally: Tally, inserted: int) -> Upload:
    upload.status = "succeeded"
    upload.rows_read = tally.rows_read
    upload.events_ingested = inserted
    upload.events_duplicate = tally.valid - inserted
    upload.cases = len(tally.cases)
    upload.rows_rejected = tally.rows_rejected
    upload.errors = tally.errors
    upload.finished_at = datetime.now(UTC)
    return upload
