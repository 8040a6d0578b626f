"""Store one pulled unit: its events as an upload of kind "sync", the watermark it reaches, the
run's counters and (files) its checksum, all in ONE transaction, and only while the run's worker
still holds the source's lease."""

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.config import Settings
from app.db import job_transaction
from app.errors import AppError
from app.ingest import service as ingest
from app.ingest.models import Upload
from app.ingest.schemas import UploadOptions
from app.jobs.worker import WorkerContext
from app.scratch import scratch_name
from app.sources.models import Source
from app.store.digests import RunMemory
from app.sync import repository
from app.sync.connectors import Pulled, SyncError
from app.sync.models import SyncFile, SyncRun


@dataclass(frozen=True)
class Claim:
    run_id: int
    source_id: int
    resource: str   # the lease held while the run goes on


class LeaseLost(Exception):
    """Another worker holds the source now (this one was judged gone): stop, store nothing more."""


class FailedFiles:
    """The files of a run that could not be stored (their transactions rolled back). The run goes
    on with the other files and fails at its end with the first file's error and row errors, the
    names of the others, and all their rejected rows; the failed files are tried again next run."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, AppError]] = []

    def add(self, name: str, error: AppError) -> None:
        self.errors.append((name, error))

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        first = self.errors[0][1]
        others = [name for name, _ in self.errors[1:]]
        detail = first.detail
        if others:
            shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            detail += f" ({len(others)} more file{'s' if len(others) > 1 else ''} failed too: {shown})"
        first.detail = detail
        first.extra = {**first.extra, "rows_rejected": sum(int(e.extra.get("rows_rejected", 0) or 0)
                                                           for _, e in self.errors)}
        raise first


def store_unit(ctx: WorkerContext, claim: Claim, unit: Pulled, memory: RunMemory | None = None) -> bool:
    """Store `unit`; whether the source's events changed. A unit with a row the mapping cannot read
    raises UnprocessableEvents and stores nothing (the watermark stays). `memory`: the run's, over
    its units (a failed unit ends the run, so what it remembered is never used)."""
    with job_transaction(ctx.engine) as session:
        if not repository.hold_lease(session, resource=claim.resource, owner=ctx.owner):
            raise LeaseLost(claim.resource)
        config = repository.get_config(session, source_id=claim.source_id)
        if config is None:
            raise SyncError("the source's sync configuration was removed during the run", retryable=False)
        run = repository.get_run(session, run_id=claim.run_id)
        run.pages, run.retries = run.pages + unit.pages, run.retries + unit.retries
        changed, upload = False, None
        if unit.file is not None or (unit.table is not None and unit.table.num_rows):
            upload, tally = _ingest(session, ctx.settings, run, unit, memory)
            _count(run, upload, tally)
            changed = upload.events_ingested > 0
        if unit.checksum is not None:
            run.files += 1
            repository.add_file(session, SyncFile(source_id=claim.source_id, checksum=unit.checksum,
                                                  name=unit.name or "", size=unit.size, mtime_ns=unit.mtime_ns,
                                                  run_id=run.id,
                                                  upload_id=upload.id if upload is not None else None))
        if unit.watermark is not None:
            config.watermark = run.watermark_after = unit.watermark
        return changed


def _ingest(session: Session, settings: Settings, run: SyncRun, unit: Pulled,
            memory: RunMemory | None) -> tuple[Upload, ingest.Tally]:
    source = session.get(Source, run.source_id)
    name = unit.name or f"sync run {run.id}"
    upload = ingest.new_upload(session, workspace_id=run.workspace_id, source=source, kind="sync", filename=name,
                               size=unit.file.stat().st_size if unit.file is not None else 0, spool_path=None,
                               options=UploadOptions())
    upload.status, upload.started_at = "running", datetime.now(UTC)
    tally = ingest.Tally()
    try:
        if unit.file is None:
            ingest.ingest_table(session, upload=upload, table=unit.table, mapping=unit.mapping, settings=settings,
                                replace_changed=True, tally=tally, first_row=run.rows_read + 1, memory=memory)
        else:
            _ingest_file(session, settings, upload, unit, tally)
    except AppError as exc:
        if unit.file is not None:  # say which file, and which rows, a person must fix
            exc.detail = f"{unit.name}: {exc.detail}"
        raise
    return upload, tally


def _ingest_file(session: Session, settings: Settings, upload: Upload, unit: Pulled, tally: ingest.Tally) -> None:
    """A copy of the file where uploads keep their spool (the ingest removes derived files; the
    spool itself goes here, whatever happens)."""
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    spool = settings.upload_dir / scratch_name("upload")
    shutil.copyfile(unit.file, spool)
    upload.spool_path = str(spool)
    try:
        ingest.ingest_file(session, upload=upload, settings=settings, progress=lambda n: None,
                           mapping=unit.mapping, tally=tally)
    finally:
        Path(spool).unlink(missing_ok=True)
        upload.spool_path = None


def _count(run: SyncRun, upload: Upload, tally: ingest.Tally) -> None:
    """Add the unit's figures to the run's."""
    run.rows_read += upload.rows_read
    run.events_ingested += upload.events_ingested - tally.updated
    run.events_updated += tally.updated
    run.events_duplicate += upload.events_duplicate
    run.rows_rejected += upload.rows_rejected
    if tally.newest_us is not None:
        newest = datetime.fromtimestamp(tally.newest_us / 1e6, tz=UTC)
        current = run.newest_event_at
        if current is not None and current.tzinfo is None:
            current = current.replace(tzinfo=UTC)
        run.newest_event_at = newest if current is None or newest > current else current
