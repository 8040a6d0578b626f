"""Bulk, idempotent event writers, one per database, both inside the job's transaction.

SQLite: chunks are staged into scratch SQLite files by ADBC (Arrow -> SQLite in C++) on a
background thread while the next chunk is parsed; each finished file is attached and its rows
moved in with `INSERT ... SELECT ... ON CONFLICT DO NOTHING` (re-sent events hit the primary key)
on another thread, also while parsing goes on.

PostgreSQL: uploads into one source take a transaction-scoped advisory lock, so the writer can
find the chunk's already-stored digests first (an anti-join on a temporary table) and `COPY` only
new rows straight into `events`: no per-row conflict handling. The primary key stays the guard.
A sync run that began on an empty source remembers what it stored (app/store/digests.py) and
needs no look-ups while nobody else writes to the source.

Rows go in sorted by digest, so the primary-key index grows by sequential merges instead of
random page splits."""

import queue
import threading
from pathlib import Path

import numpy as np
import pyarrow as pa
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy.orm import Session

from app.scratch import scratch_name
from app.store import pgcopy
from app.store.digests import RunMemory, SeenDigests
from app.store.repository import INGEST_LOCK_NAMESPACE, LOOKUP, PROBE_SETTINGS

STAGE_COLUMNS = ("case_id", "activity", "timestamp", "start_timestamp", "resource", "role", "lifecycle",
                 "attributes", "ordinal", "event_key", "hash_hi", "hash_lo")
STAGE_SCHEMA = pa.schema([
    ("case_id", pa.string()), ("activity", pa.string()), ("timestamp", pa.int64()),
    ("start_timestamp", pa.int64()), ("resource", pa.string()), ("role", pa.string()),
    ("lifecycle", pa.string()), ("attributes", pa.string()), ("ordinal", pa.int64()),
    ("event_key", pa.string()), ("hash_hi", pa.int64()), ("hash_lo", pa.int64()),
])
_COLS = ", ".join(STAGE_COLUMNS)
# Binary COPY (app/store/pgcopy.py), the integers first: one NumPy record array lays them out.
_EVENT_LAYOUT: tuple[tuple[str, pgcopy.Kind], ...] = (
    ("workspace_id", "int4"), ("source_id", "int4"), ("upload_id", "int4"), ("hash_hi", "int8"),
    ("hash_lo", "int8"), ("timestamp", "int8"), ("ordinal", "int8"), ("start_timestamp", "int8"),
    ("case_id", "text"), ("activity", "text"), ("resource", "text"), ("role", "text"), ("lifecycle", "text"),
    ("attributes", "text"), ("event_key", "text"))
_COPY_EVENTS = f"COPY events ({', '.join(name for name, _ in _EVENT_LAYOUT)}) FROM STDIN (FORMAT binary)"
_DIGEST_LAYOUT: tuple[tuple[str, pgcopy.Kind], ...] = (("hash_hi", "int8"), ("hash_lo", "int8"), ("i", "int4"))


def _sorted_by_digest(batch: pa.Table) -> pa.Table:
    keys = [batch[c].to_numpy() for c in ("ordinal", "hash_lo", "hash_hi")]
    return batch.select(list(STAGE_COLUMNS)).cast(STAGE_SCHEMA).take(np.lexsort(keys))


class SqliteEventWriter:
    """Stages chunks into scratch SQLite files (ADBC, on one background thread) and moves each
    finished file in with `INSERT ... SELECT ... ON CONFLICT DO NOTHING` (on another), while the
    job parses the next chunks: SQLite releases the GIL while it inserts.

    A file is attached to the job's connection only once ADBC has closed it: two SQLite
    libraries never have one file open at once. Files hold 1, 1, 2, 4, ... chunks, so an upload
    attaches at most MAX_FILES of them (SQLite allows ten) and the last insert, the one nothing
    overlaps, stays small."""

    MAX_FILES = 8

    def __init__(self, session: Session, *, staging_dir: Path, ids: tuple[int, int, int]) -> None:
        self.session = session
        self.ids = ids
        staging_dir.mkdir(parents=True, exist_ok=True)
        self.staging_dir = staging_dir
        self.files: list[Path] = []
        self.inserted = 0
        self._stage_queue: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
        self._insert_queue: queue.Queue[Path | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._failure: BaseException | None = None
        self._conn = None

    def add(self, batch: pa.Table) -> None:
        if self._failure is not None:
            raise self._failure
        if not self._threads:
            self._conn = self.session.connection()
            # Attached inside the transaction; they cannot be detached there, so the job closes
            # the connection afterwards instead of pooling it (see db.job_transaction).
            self.session.info["invalidate_connection"] = True
            self._threads = [threading.Thread(target=self._stage, name="sqlite-stager", daemon=True),
                             threading.Thread(target=self._insert, name="sqlite-inserter", daemon=True)]
            for thread in self._threads:
                thread.start()
        self._stage_queue.put(batch)

    def _file_chunks(self) -> int:
        n = len(self.files)
        return 1 << max(n - 2, 0) if n < self.MAX_FILES else 1 << 62  # the last file takes the rest

    def _stage(self) -> None:
        import adbc_driver_sqlite.dbapi as adbc

        conn, chunks, ended = None, 0, False
        try:
            while (batch := self._stage_queue.get()) is not None:
                if conn is None:
                    self.files.append(self.staging_dir / scratch_name("stage", ".sqlite"))
                    conn, chunks = adbc.connect(str(self.files[-1]), autocommit=True), 0
                    with conn.cursor() as cur:  # a scratch file: no journal, no fsync
                        cur.execute("PRAGMA journal_mode=OFF")
                        cur.execute("PRAGMA synchronous=OFF")
                with conn.cursor() as cur:
                    cur.adbc_ingest("stage", _sorted_by_digest(batch), mode="create_append")
                chunks += 1
                if chunks >= self._file_chunks():
                    conn.close()
                    conn = None
                    self._insert_queue.put(self.files[-1])
            ended = True
            if conn is not None:
                conn.close()
                self._insert_queue.put(self.files[-1])
        except BaseException as exc:  # re-raised in the job's thread
            self._failure = exc
            if conn is not None:
                conn.close()
            while not ended and self._stage_queue.get() is not None:  # let add() and finish() go on
                pass
        finally:
            self._insert_queue.put(None)

    def _insert(self) -> None:
        # "WHERE true": without a WHERE, SQLite would read ON CONFLICT as a join constraint.
        ws, src, up = self.ids
        attached = 0
        while (path := self._insert_queue.get()) is not None:
            if self._failure is not None:
                continue
            attached += 1
            alias = f"stage_{attached}"
            try:
                self._conn.exec_driver_sql(f"ATTACH DATABASE ? AS {alias}", (str(path),))
                self.inserted += self._conn.exec_driver_sql(
                    f"INSERT INTO events (workspace_id, source_id, upload_id, {_COLS}) "
                    f"SELECT {ws}, {src}, {up}, {_COLS} FROM {alias}.stage WHERE true ON CONFLICT DO NOTHING").rowcount
            except BaseException as exc:  # re-raised in the job's thread
                self._failure = exc

    def _join(self) -> None:
        if self._threads:
            self._stage_queue.put(None)
            for thread in self._threads:
                thread.join()
            self._threads = []

    def finish(self) -> int:
        """Wait for the staged rows to be inserted in the caller's transaction; how many were new."""
        self._join()
        if self._failure is not None:
            raise self._failure
        return self.inserted

    def close(self) -> None:
        """Stop the threads if still running and forget the scratch files."""
        self._join()
        for path in self.files:
            path.unlink(missing_ok=True)


class PostgresEventWriter:
    """COPYs each chunk's new events straight into `events`, on a background thread: the server
    works on the rows while the next chunk is parsed."""

    def __init__(self, session: Session, *, ids: tuple[int, int, int], memory: RunMemory | None = None) -> None:
        self.session = session
        self.ids = ids
        self.inserted = 0
        self._queue: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._repeats = SeenDigests()
        self._memory = memory
        self._ended = False  # the end mark (None) has been taken from the queue

    def add(self, batch: pa.Table) -> None:
        if self._failure is not None:
            raise self._failure
        if self._thread is None:
            # The thread owns the connection until finish(): the job does not use it meanwhile.
            raw = self.session.connection().connection.dbapi_connection
            self._thread = threading.Thread(target=self._copy_all, args=(raw,), name="pg-copier", daemon=True)
            self._thread.start()
        self._queue.put(batch)

    def _copy_all(self, raw) -> None:
        try:
            with raw.cursor() as cur:
                if self._begin(cur):
                    while (batch := self._next()) is not None:
                        self._copy(cur, batch, had_events=True)
                else:
                    # Nothing stored for the source yet (or only what this sync run stored, and
                    # remembers), so nothing to look up between chunks: one COPY for the whole
                    # upload, each chunk sent as soon as it is parsed and sorted.
                    # The queued writer hands the data to the server from a thread of its own, so
                    # the server works while this thread sorts and encodes the next chunk (1M rows
                    # measured: the job took 6.2-7.5 s with the chunks gathered into sorted runs of
                    # 500,000 and sent from this thread, 3.7-4.3 s so; sorted runs of 226,000 cost
                    # the server no more than runs of 500,000 within the noise).
                    with pgcopy.binary_copy(cur, _COPY_EVENTS, writer=QueuedLibpqWriter(cur)) as copy:
                        while (batch := self._next()) is not None:
                            self._write(copy, batch)
        except BaseException as exc:  # re-raised in the job's thread
            self._failure = exc
            # Let add() and close() go on. The server often refuses a COPY only at its end, after
            # the last chunk and the end mark were taken: then there is nothing left to wait for.
            while not self._ended and self._next() is not None:
                pass

    def _next(self) -> pa.Table | None:
        batch = self._queue.get()
        self._ended = batch is None
        return batch

    def _begin(self, cur) -> bool:
        """Take the source's ingest lock; whether the chunks' digests must be looked up."""
        src = self.ids[1]
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", (INGEST_LOCK_NAMESPACE, src))
        cur.execute("SELECT (SELECT data_version FROM sources WHERE id = %s), "
                    "EXISTS (SELECT 1 FROM events WHERE source_id = %s)", (src, src))
        version, had_events = cur.fetchone()
        if self._memory is not None and version is not None \
                and (remembered := self._memory.begin_unit(version, had_events)) is not None:
            self._repeats = remembered  # what the run stored is all the source holds
            return False
        if had_events:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS digests (hash_hi bigint, hash_lo bigint, i integer) "
                        "ON COMMIT DROP")
            for setting in PROBE_SETTINGS:
                cur.execute(setting)
        return had_events

    def _copy(self, cur, batch: pa.Table, had_events: bool) -> None:
        rows = self._new_rows(batch, cur if had_events else None)  # the look-up first: not inside a COPY
        if rows is not None:
            with pgcopy.binary_copy(cur, _COPY_EVENTS) as copy:
                self._send(copy, rows)

    def _write(self, copy, batch: pa.Table) -> None:
        rows = self._new_rows(batch, None)
        if rows is not None:
            self._send(copy, rows)

    def _new_rows(self, batch: pa.Table, cur) -> pa.Table | None:
        """The batch's rows (sorted by digest) not seen before in this upload nor, when `cur` is
        given, stored already for the source."""
        rows = _sorted_by_digest(batch)
        hi, lo = rows["hash_hi"].to_numpy(), rows["hash_lo"].to_numpy()
        fresh = self._repeats.fresh(hi, lo)
        if cur is not None and fresh.any():
            fresh &= ~self._stored(cur, hi, lo, fresh)
        if not fresh.all():
            rows = rows.filter(pa.array(fresh))
        return rows if rows.num_rows else None

    def _send(self, copy, rows: pa.Table) -> None:
        ws, src, up = self.ids
        for piece in pgcopy.encode(rows, _EVENT_LAYOUT, {"workspace_id": ws, "source_id": src, "upload_id": up}):
            copy.write(piece)
        self.inserted += rows.num_rows

    def _stored(self, cur, hi: np.ndarray, lo: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Which rows the source holds already (an anti-join on the chunk's digests)."""
        idx = np.flatnonzero(candidates)
        cur.execute("TRUNCATE digests")
        with pgcopy.binary_copy(cur, "COPY digests (hash_hi, hash_lo, i) FROM STDIN (FORMAT binary)") as copy:
            for piece in pgcopy.encode(pa.table({"hash_hi": hi[idx], "hash_lo": lo[idx], "i": idx}), _DIGEST_LAYOUT):
                copy.write(piece)
        cur.execute(LOOKUP, (self.ids[1],))
        stored = np.zeros(len(hi), dtype=bool)
        stored[[row[0] for row in cur.fetchall()]] = True
        return stored

    def finish(self) -> int:
        self.close()
        if self._failure is not None:
            raise self._failure
        if self._memory is not None:
            self._memory.stored(self.inserted)
        return self.inserted

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None


def event_writer(session: Session, *, staging_dir: Path, ids: tuple[int, int, int],
                 memory: RunMemory | None = None):
    """The bulk writer for the session's database. `memory`: a sync run's, across its units
    (PostgreSQL; SQLite's writer has no look-ups to spare)."""
    if session.get_bind().dialect.name == "postgresql":
        return PostgresEventWriter(session, ids=ids, memory=memory)
    return SqliteEventWriter(session, staging_dir=staging_dir, ids=ids)
