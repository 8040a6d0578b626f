"""Bulk, idempotent event writers, one per database, both inside the job's transaction.

SQLite: each chunk is staged into a scratch SQLite file by ADBC (Arrow -> SQLite in C++) on a
background thread while the next chunk is parsed; `finish` attaches the file and moves the rows
in with `INSERT ... SELECT ... ON CONFLICT DO NOTHING` (re-sent events hit the primary key).

PostgreSQL: uploads into one source take a transaction-scoped advisory lock, so the writer can
find the chunk's already-stored digests first (an anti-join on a temporary table) and `COPY` only
new rows straight into `events`: no per-row conflict handling. The primary key stays the guard.

Rows go in sorted by digest, so the primary-key index grows by sequential merges instead of
random page splits."""

import io
import queue
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy.orm import Session

STAGE_COLUMNS = ("case_id", "activity", "timestamp", "start_timestamp", "resource", "role", "lifecycle",
                 "attributes", "ordinal", "event_key", "hash_hi", "hash_lo")
STAGE_SCHEMA = pa.schema([
    ("case_id", pa.string()), ("activity", pa.string()), ("timestamp", pa.int64()),
    ("start_timestamp", pa.int64()), ("resource", pa.string()), ("role", pa.string()),
    ("lifecycle", pa.string()), ("attributes", pa.string()), ("ordinal", pa.int64()),
    ("event_key", pa.string()), ("hash_hi", pa.int64()), ("hash_lo", pa.int64()),
])
_COLS = ", ".join(STAGE_COLUMNS)
_COPY_EVENTS = f"COPY events (workspace_id, source_id, upload_id, {_COLS}) FROM STDIN (FORMAT csv)"
_LOCK_NAMESPACE = 0x42_4D  # advisory-lock namespace of per-source ingest locks
Progress = Callable[[int], None]


def _sorted_by_digest(batch: pa.Table) -> pa.Table:
    keys = [batch[c].to_numpy() for c in ("ordinal", "hash_lo", "hash_hi")]
    return batch.select(list(STAGE_COLUMNS)).cast(STAGE_SCHEMA).take(np.lexsort(keys))


class SqliteEventWriter:
    """Stages chunks into a scratch SQLite file (in the background), then moves them in."""

    def __init__(self, session: Session, *, staging_dir: Path, ids: tuple[int, int, int]) -> None:
        self.session = session
        self.ids = ids
        staging_dir.mkdir(parents=True, exist_ok=True)
        self.path = staging_dir / f"stage-{uuid.uuid4().hex}.sqlite"
        self.chunks: list[tuple[int, int]] = []
        self._rows = 0
        self._queue: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def add(self, batch: pa.Table) -> None:
        if self._failure is not None:
            raise self._failure
        if self._thread is None:
            self._thread = threading.Thread(target=self._stage, name="sqlite-stager", daemon=True)
            self._thread.start()
        self._queue.put(batch)
        self.chunks.append((self._rows + 1, self._rows + batch.num_rows))
        self._rows += batch.num_rows

    def _stage(self) -> None:
        import adbc_driver_sqlite.dbapi as adbc

        try:
            with adbc.connect(str(self.path)) as conn:
                while (batch := self._queue.get()) is not None:
                    with conn.cursor() as cur:
                        cur.adbc_ingest("stage", _sorted_by_digest(batch), mode="create_append")
                    conn.commit()
        except BaseException as exc:  # re-raised in the job's thread by finish()
            self._failure = exc
            while self._queue.get() is not None:  # let add() and finish() go on
                pass

    def _join(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._failure is not None:
            raise self._failure

    def finish(self, progress: Progress | None = None) -> int:
        """Insert the staged rows in the caller's transaction; return how many were new."""
        self._join()
        if not self.chunks:
            return 0
        alias = "stage_" + self.path.stem.replace("-", "_")
        conn = self.session.connection()
        # Attached inside the transaction; it cannot be detached there, so the job closes the
        # connection afterwards instead of pooling it (see db.job_transaction).
        self.session.info["invalidate_connection"] = True
        conn.exec_driver_sql(f"ATTACH DATABASE ? AS {alias}", (str(self.path),))
        ws, src, up = self.ids
        sql = (f"INSERT INTO events (workspace_id, source_id, upload_id, {_COLS}) "
               f"SELECT {ws}, {src}, {up}, {_COLS} FROM {alias}.stage WHERE rowid BETWEEN ? AND ? "
               "ON CONFLICT DO NOTHING")
        inserted = 0
        for lo, hi in self.chunks:
            inserted += conn.exec_driver_sql(sql, (lo, hi)).rowcount
            if progress:
                progress(hi)
        return inserted

    def close(self) -> None:
        """Stop the stager if still running and forget the scratch file."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        self.path.unlink(missing_ok=True)


class _Repeats:
    """Digests already written by this upload: repeats within one file are stored once."""

    def __init__(self) -> None:
        self._his: list[np.ndarray] = []
        self._keys: list[pd.MultiIndex] = []

    def fresh(self, hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
        """Mask of rows (sorted by digest) not seen before in this upload; remembers them."""
        fresh = np.ones(len(hi), dtype=bool)
        fresh[1:] = (hi[1:] != hi[:-1]) | (lo[1:] != lo[:-1])
        # Earlier chunks: a cheap filter on hash_hi, then the exact check on the few candidates.
        suspect = np.zeros(len(hi), dtype=bool)
        for seen in self._his:
            pos = np.minimum(np.searchsorted(seen, hi), len(seen) - 1)
            suspect |= seen[pos] == hi
        if suspect.any():
            keys = pd.MultiIndex.from_arrays([hi[suspect], lo[suspect]])
            repeated = np.zeros(len(keys), dtype=bool)
            for known in self._keys:
                repeated |= keys.isin(known)
            fresh[np.flatnonzero(suspect)[repeated]] = False
        self._his.append(hi[fresh])
        self._keys.append(pd.MultiIndex.from_arrays([hi[fresh], lo[fresh]]))
        return fresh


class PostgresEventWriter:
    """COPYs each chunk's new events straight into `events`, on a background thread: the server
    works on the rows while the next chunk is parsed."""

    def __init__(self, session: Session, *, ids: tuple[int, int, int]) -> None:
        self.session = session
        self.ids = ids
        self.inserted = 0
        self._queue: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._repeats = _Repeats()

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
                    while (batch := self._queue.get()) is not None:
                        self._copy(cur, batch, had_events=True)
                else:
                    # Nothing stored for the source yet, so nothing to look up between chunks: one
                    # COPY for the whole upload, which the server works through while we parse.
                    with cur.copy(_COPY_EVENTS) as copy:
                        while (batch := self._queue.get()) is not None:
                            self._write(copy, batch, had_events=False, cur=cur)
        except BaseException as exc:  # re-raised in the job's thread
            self._failure = exc
            while self._queue.get() is not None:
                pass

    def _begin(self, cur) -> bool:
        src = self.ids[1]
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_LOCK_NAMESPACE, src))
        cur.execute("SELECT EXISTS (SELECT 1 FROM events WHERE source_id = %s)", (src,))
        had_events = bool(cur.fetchone()[0])
        if had_events:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS digests (hash_hi bigint, hash_lo bigint, i integer) "
                        "ON COMMIT DROP")
        return had_events

    def _copy(self, cur, batch: pa.Table, had_events: bool) -> None:
        with cur.copy(_COPY_EVENTS) as copy:
            self._write(copy, batch, had_events=had_events, cur=cur)

    def _write(self, copy, batch: pa.Table, *, had_events: bool, cur) -> None:
        """Send the batch's new rows (sorted by digest) into an open COPY."""
        rows = _sorted_by_digest(batch)
        hi, lo = rows["hash_hi"].to_numpy(), rows["hash_lo"].to_numpy()
        fresh = self._repeats.fresh(hi, lo)
        if had_events and fresh.any():
            fresh &= ~self._stored(cur, hi, lo, fresh)
        if not fresh.all():
            rows = rows.filter(pa.array(fresh))
        if not rows.num_rows:
            return
        ws, src, up = self.ids
        n = rows.num_rows
        full = rows.add_column(0, "workspace_id", pa.array(np.full(n, ws)))
        full = full.add_column(1, "source_id", pa.array(np.full(n, src)))
        full = full.add_column(2, "upload_id", pa.array(np.full(n, up)))
        buf = io.BytesIO()
        pacsv.write_csv(full, buf, pacsv.WriteOptions(include_header=False))
        copy.write(buf.getbuffer())
        self.inserted += n

    def _stored(self, cur, hi: np.ndarray, lo: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Which rows the source holds already (an anti-join on the chunk's digests)."""
        idx = np.flatnonzero(candidates)
        buf = io.BytesIO()
        pacsv.write_csv(pa.table({"h": hi[idx], "l": lo[idx], "i": idx}), buf,
                        pacsv.WriteOptions(include_header=False))
        cur.execute("TRUNCATE digests")
        with cur.copy("COPY digests (hash_hi, hash_lo, i) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getbuffer())
        cur.execute("SELECT d.i FROM digests d JOIN events e ON e.source_id = %s AND e.hash_hi = d.hash_hi "
                    "AND e.hash_lo = d.hash_lo", (self.ids[1],))
        stored = np.zeros(len(hi), dtype=bool)
        stored[[row[0] for row in cur.fetchall()]] = True
        return stored

    def finish(self, progress: Progress | None = None) -> int:
        self.close()
        if self._failure is not None:
            raise self._failure
        return self.inserted

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None


def event_writer(session: Session, *, staging_dir: Path, ids: tuple[int, int, int]):
    """The bulk writer for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return PostgresEventWriter(session, ids=ids)
    return SqliteEventWriter(session, staging_dir=staging_dir, ids=ids)
