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
import pyarrow.compute as pc
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
_LOCK_NAMESPACE = 0x42_4D  # advisory-lock namespace of per-source ingest locks
Progress = Callable[[int], None]


def _sorted_by_digest(batch: pa.Table) -> pa.Table:
    order = pc.sort_indices(batch, sort_keys=[("hash_hi", "ascending"), ("hash_lo", "ascending"),
                                              ("ordinal", "ascending")])
    return batch.select(list(STAGE_COLUMNS)).cast(STAGE_SCHEMA).take(order)


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


class PostgresEventWriter:
    """COPYs each chunk's new events straight into `events`."""

    def __init__(self, session: Session, *, ids: tuple[int, int, int]) -> None:
        self.session = session
        self.ids = ids
        self.inserted = 0
        self._source_had_events: bool | None = None
        self._seen: pd.Index | None = None

    def _cursor(self):
        return self.session.connection().connection.dbapi_connection.cursor()

    def _begin(self, cur) -> None:
        src = self.ids[1]
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_LOCK_NAMESPACE, src))
        cur.execute("SELECT EXISTS (SELECT 1 FROM events WHERE source_id = %s)", (src,))
        self._source_had_events = bool(cur.fetchone()[0])
        if self._source_had_events:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS digests (hash_hi bigint, hash_lo bigint, i integer) "
                        "ON COMMIT DROP")

    def _new_rows(self, cur, batch: pa.Table) -> pa.Table:
        """Drop rows repeated within this upload or stored already."""
        hi, lo = batch["hash_hi"].to_numpy(), batch["hash_lo"].to_numpy()
        keys = pd.MultiIndex.from_arrays([hi, lo])
        fresh = ~keys.duplicated()
        if self._seen is not None:
            fresh &= ~keys.isin(self._seen)
        self._seen = keys[fresh] if self._seen is None else self._seen.append(keys[fresh])
        if self._source_had_events and fresh.any():
            fresh &= ~self._stored(cur, hi, lo, fresh)
        return batch if fresh.all() else batch.filter(pa.array(fresh))

    def _stored(self, cur, hi: np.ndarray, lo: np.ndarray, candidates: np.ndarray) -> np.ndarray:
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

    def add(self, batch: pa.Table) -> None:
        ws, src, up = self.ids
        with self._cursor() as cur:
            if self._source_had_events is None:
                self._begin(cur)
            rows = _sorted_by_digest(self._new_rows(cur, batch))
            if not rows.num_rows:
                return
            full = rows.add_column(0, "workspace_id", pa.array(np.full(rows.num_rows, ws)))
            full = full.add_column(1, "source_id", pa.array(np.full(rows.num_rows, src)))
            full = full.add_column(2, "upload_id", pa.array(np.full(rows.num_rows, up)))
            buf = io.BytesIO()
            pacsv.write_csv(full, buf, pacsv.WriteOptions(include_header=False))
            with cur.copy(f"COPY events (workspace_id, source_id, upload_id, {_COLS}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(buf.getbuffer())
            self.inserted += rows.num_rows

    def finish(self, progress: Progress | None = None) -> int:
        return self.inserted

    def close(self) -> None:
        pass


def event_writer(session: Session, *, staging_dir: Path, ids: tuple[int, int, int]):
    """The bulk writer for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return PostgresEventWriter(session, ids=ids)
    return SqliteEventWriter(session, staging_dir=staging_dir, ids=ids)
