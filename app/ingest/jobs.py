"""The upload job runner: owns each job's transactions, its progress, and recovery after a crash."""

import logging
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import job_transaction, transaction
from app.errors import AppError
from app.ingest import repository, service
from app.ingest.leftovers import remove_leftovers
from app.ingest.models import Upload

log = logging.getLogger("app.ingest.jobs")
INTERRUPTED = "the server stopped while this upload was being processed; nothing of it was stored: re-send it"


class UploadRunner:
    """Runs uploads inline (small files) or on one background worker thread (large ones)."""

    def __init__(self, engine: Engine, factory: sessionmaker[Session], settings: Settings) -> None:
        self.engine, self.factory, self.settings = engine, factory, settings
        self.progress: dict[int, int] = {}
        # Called with the source id once an upload's events are committed (the columnar copy).
        self.on_stored: Callable[[int], None] = lambda source_id: None
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Fail uploads a crash interrupted, re-queue acknowledged ones, start the worker."""
        with transaction(self.factory) as session:
            interrupted = repository.with_status(session, ("running",))
            failed = repository.fail_interrupted(session, detail=INTERRUPTED)
            queued = [u.id for u in repository.with_status(session, ("queued",))]
        for upload in interrupted:
            self._discard_spool(upload.id)
        with transaction(self.factory) as session:
            remove_leftovers(session, self.settings)
        if failed:
            log.warning("uploads interrupted by a restart marked failed", extra={"count": failed})
        self._thread = threading.Thread(target=self._work, name="upload-worker", daemon=True)
        self._thread.start()
        for upload_id in queued:
            self._queue.put(upload_id)

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)

    def enqueue(self, upload_id: int) -> None:
        self._queue.put(upload_id)

    def _work(self) -> None:
        while (upload_id := self._queue.get()) is not None:
            try:
                self.run(upload_id)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # native panics (pyo3) derive from BaseException: keep the worker alive
                log.exception("upload job failed", extra={"upload_id": upload_id})

    def run(self, upload_id: int) -> Upload:
        """Process one upload; raises the AppError that failed it (after recording the failure)."""
        with transaction(self.factory) as session:
            upload = repository.get_any(session, upload_id)
            if upload is None or upload.status != "queued":
                return upload
            upload.status, upload.started_at = "running", datetime.now(UTC)
        self.progress[upload_id] = 0
        try:
            with job_transaction(self.engine) as session:
                upload = service.ingest_file(session, upload=session.get(Upload, upload_id),
                                             settings=self.settings,
                                             progress=lambda n: self.progress.__setitem__(upload_id, n))
            log.info("upload succeeded", extra={"upload_id": upload_id, "events": upload.events_ingested,
                                                "duplicates": upload.events_duplicate})
            self.on_stored(upload.source_id)
            return upload
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
            self.progress.pop(upload_id, None)
            self._discard_spool(upload_id)

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
            if upload is not None and upload.spool_path:
                Path(upload.spool_path).unlink(missing_ok=True)
                upload.spool_path = None


def submit_upload(runner: UploadRunner, *, workspace_id: int, source_id: int, spooled,
                  options) -> tuple[Upload, bool]:
    """Record an upload and run it now (small files) or queue it (large); returns it and whether it ended."""
    from app.sources import service as sources

    with transaction(runner.factory) as session:
        source = sources.get_source(session, workspace_id=workspace_id, source_id=source_id)
        upload = service.new_upload(session, workspace_id=workspace_id, source=source, kind="file",
                                    filename=spooled.filename, size=spooled.size, spool_path=spooled.path,
                                    options=options)
    if spooled.size > runner.settings.async_upload_mb * (1 << 20):
        runner.enqueue(upload.id)
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
        runner.on_stored(stored.source_id)
        return stored
    except AppError as exc:
        runner.record_failure(upload.id, exc.detail, exc.extra)
        exc.extra.setdefault("upload_id", upload.id)
        raise
