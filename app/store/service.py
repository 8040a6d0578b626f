"""Keeping the columnar copy of each source up to date, off the request path."""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.db import transaction
from app.sources.models import Source
from app.store import columnar

log = logging.getLogger("app.store")


class ColumnarRefresher:
    """After an upload commits, brings its source's columnar copy up to date on a background
    thread, so the next feed reads columns instead of rows. Requests for a source already waiting
    are merged; a failure only means the next read rebuilds the copy itself."""

    def __init__(self, engine: Engine, factory: sessionmaker[Session], data_dir: Path,
                 upload_keys: Callable[..., list[columnar.UploadKey]]) -> None:
        # upload_keys(session, source_id=...): the source's stored uploads (the uploads table is
        # ingest's, so its owner passes the query in).
        self.engine, self.factory, self.data_dir, self.upload_keys = engine, factory, data_dir, upload_keys
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="columnar")
        self._waiting: set[int] = set()
        self._lock = threading.Lock()

    def request(self, source_id: int) -> None:
        with self._lock:
            if source_id in self._waiting:
                return
            self._waiting.add(source_id)
        self._pool.submit(self._refresh, source_id)

    def _refresh(self, source_id: int) -> None:
        with self._lock:
            self._waiting.discard(source_id)
        self.refresh_now(source_id)

    def refresh_now(self, source_id: int) -> None:
        """Bring the source's copy up to date in the caller's thread (failures are logged: the
        next read rebuilds it)."""
        try:
            with transaction(self.factory) as session:
                uploads = self.upload_keys(session, source_id=source_id)
                source = session.get(Source, source_id)
                attributes = columnar.feed_attributes(source.mapping) if source is not None else []
            columnar.source_table(self.engine, source_id=source_id, uploads=uploads, attributes=attributes,
                                  data_dir=self.data_dir)
        except Exception:
            log.exception("columnar copy refresh failed", extra={"source_id": source_id})

    def settle(self, timeout: float = 60) -> None:
        """Wait until the refreshes asked for so far are done."""
        self._pool.submit(lambda: None).result(timeout=timeout)

    def close(self, wait: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
