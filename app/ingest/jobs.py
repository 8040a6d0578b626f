"""Running an upload: its lease, its transactions, its progress, and what follows once it is stored.

Small uploads run in the API process that received them (the answer waits for them); large ones
are queued and run by a worker (app/ingest/worker_jobs.py), any worker. Either way an upload runs
under the lease `upload:<id>`: a process that dies loses it, and the next worker retries the
upload from its spooled file (nothing of it was committed: one transaction) or, past MAX_ATTEMPTS,
marks it failed. Events are committed with the status `stored`; the upload says `succeeded` only
once the columnar copy the feed reads (and, in a worker, the feeds that use the source) are up to
date, so the first feed after "succeeded" is quick."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import job_transaction, transaction
from app.errors import AppError, Conflict
from app.ingest import progress, repository, service
from app.ingest.models import Upload
from app.jobs import leases

log = logging.getLogger("app.ingest.jobs")
INTERRUPTED = "the process running this upload stopped before it was stored; nothing of it was stored: re-send it"
MAX_ATTEMPTS = 2


class UploadRunner:
    """Runs uploads under their lease; `on_stored(source_id)` brings what reads the source up to date."""

    def __init__(self, engine: Engine, factory: sessionmaker[Session], settings: Settings, *,
                 owner: str | None = None) -> None:
        self.engine, self.factory, self.settings = engine, factory, settings
        self.owner = owner or leases.new_owner("api")
        self.on_stored: Callable[[int], None] = lambda source_id: None
        self.current: int | None = None  # the upload this runner is running (for a progress bar)

    def progress_of(self, upload_id: int) -> int | None:
        return progress.read(self.settings.data_dir, upload_id)

    def run(self, upload_id: int) -> Upload:
        """Run one upload (lease taken here); raises the AppError that failed it, once recorded."""
        resource = f"upload:{upload_id}"
        self.current = upload_id
        if not leases.acquire(self.factory, resource, self.owner):
            raise Conflict(f"upload {upload_id} is being processed by another process")
        try:
            with leases.Heartbeat(self.factory, resource, self.owner):
                return self._run_leased(upload_id)
        finally:
            leases.release(self.factory, resource, self.owner)

    def _run_leased(self, upload_id: int) -> Upload:
        with transaction(self.factory) as session:
            upload = repository.get_any(session, upload_id)
            if upload is None or upload.status in ("succeeded", "failed"):
                return upload
            if upload.status == "stored":  # stored by a process that stopped before finishing
                pass
            elif upload.attempts >= MAX_ATTEMPTS or not (upload.spool_path and Path(upload.spool_path).exists()):
                upload.status, upload.detail, upload.finished_at = "failed", INTERRUPTED, datetime.now(UTC)
                return upload
            else:
                upload.status, upload.started_at = "running", datetime.now(UTC)
                upload.attempts += 1
            stored = upload.status == "stored"
        if not stored:
            self._ingest(upload_id)
        return self._finish(upload_id)

    def _ingest(self, upload_id: int) -> None:
        report = progress.Reporter(self.settings.data_dir, upload_id)
        try:
            with job_transaction(self.engine) as session:
                upload = service.ingest_file(session, upload=session.get(Upload, upload_id), settings=self.settings,
                                             progress=report)
                upload.status = "stored"
        except AppError as exc:
            self.record_failure(upload_id, exc.detail, exc.extra)
            raise
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            log.exception("upload crashed", extra={"upload_id": upload_id})
            self.record_failure(upload_id, f"internal error while processing the upload: {type(exc).__name__}", {})
            raise
        finally:
            report.clear()
            self._discard_spool(upload_id)

    def _finish(self, upload_id: int) -> Upload:
        """The stored upload's source brought up to date, then the upload marked succeeded."""
        with transaction(self.factory) as session:
            source_id = repository.get_any(session, upload_id).source_id
        try:
            self.on_stored(source_id)
        except Exception:  # the copy is a cache: a failure only means the next read rebuilds it
            log.exception("bringing the source up to date failed", extra={"source_id": source_id})
        with transaction(self.factory) as session:
            upload = repository.get_any(session, upload_id)
            upload.status = "succeeded"
        log.info("upload succeeded", extra={"upload_id": upload_id, "events": upload.events_ingested,
                                            "duplicates": upload.events_duplicate})
        return upload

    def record_failure(self, upload_id: int, detail: str, extra: dict) -> None:
        with transaction(self.factory) as session:
            upload = repository.get_any(session, upload_id)
            upload.status, upload.detail = "failed", detail
            upload.errors = extra.get("errors", [])
            upload.rows_rejected = int(extra.get("rows_rejected", 0))
            upload.rows_read = int(extra.get("rows_read", upload.rows_read))
            upload.finished_at = datetime.now(UTC)

    def _discard_spool(self, upload_id: int) -> None:
        with transaction(self.factory) as session:
            upload = repository.get_any(session, upload_id)
            if upload is not None and upload.spool_path and upload.status != "running":
                Path(upload.spool_path).unlink(missing_ok=True)
                upload.spool_path = None


def submit_upload(runner: UploadRunner, *, workspace_id: int, source_id: int, spooled, options,
                  run_now: bool | None = None) -> tuple[Upload, bool]:
    """Record an upload and run it now (small files) or leave it queued for a worker (large ones);
    returns it and whether it ended."""
    from app.sources import service as sources

    small = spooled.size <= runner.settings.async_upload_mb * (1 << 20)
    inline = small if run_now is None else run_now
    with transaction(runner.factory) as session:
        source = sources.get_source(session, workspace_id=workspace_id, source_id=source_id)
        upload = service.new_upload(session, workspace_id=workspace_id, source=source, kind="file",
                                    filename=spooled.filename, size=spooled.size, spool_path=spooled.path,
                                    options=options)
        if inline:  # held from its first moment: no worker takes it while this process starts it
            leases.hold(session, f"upload:{upload.id}", runner.owner)
    if not inline:
        return upload, False
    try:
        return runner.run(upload.id), True
    except AppError as exc:
        exc.extra.setdefault("upload_id", upload.id)
        raise


def push_events(runner: UploadRunner, *, workspace_id: int, source_id: int, items) -> Upload:
    """Store a pushed batch as an upload of its own (so it can be listed and undone)."""
    from app.ingest.schemas import UploadOptions
    from app.sources import service as sources

    with transaction(runner.factory) as session:
        source = sources.get_source(session, workspace_id=workspace_id, source_id=source_id)
        upload = service.new_upload(session, workspace_id=workspace_id, source=source, kind="push",
                                    filename="", size=0, spool_path=None, options=UploadOptions())
        upload.status = "running"
    try:
        with job_transaction(runner.engine) as session:
            stored = service.ingest_pushed(session, upload=session.get(Upload, upload.id), items=items,
                                           settings=runner.settings)
            stored.status = "stored"
        return runner._finish(upload.id)
    except AppError as exc:
        runner.record_failure(upload.id, exc.detail, exc.extra)
        exc.extra.setdefault("upload_id", upload.id)
        raise
