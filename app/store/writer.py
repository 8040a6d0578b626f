"""Bulk, idempotent event writers: SQLite stages through Arrow (ADBC), PostgreSQL uses COPY.

Both end in one `INSERT ... SELECT ... ON CONFLICT DO NOTHING` per chunk inside the caller's
transaction, so an upload is stored whole or not at all and re-sent events are skipped by the
unique digest index. Rows go in sorted by digest: the index then grows by sequential merges
instead of random page splits (3-4x faster on SQLite at 1M events)."""

import io
import uuid
from collections.abc import Callable
from pathlib import Path

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
Progress = Callable[[int], None]


def _sorted_by_digest(batch: pa.Table) -> pa.Table:
    order = pc.sort_indices(batch, sort_keys=[("hash_hi", "ascending"), ("hash_lo", "ascending"),
                                              ("ordinal", "ascending")])
    return batch.select(list(STAGE_COLUMNS)).cast(STAGE_SCHEMA).take(order)


class SqliteEventWriter:
    """Stages every chunk into a scratch SQLite file, then moves them in with INSERT ... SELECT."""

    def __init__(self, session: Session, *, staging_dir: Path, ids: tuple[int, int, int]) -> None:
        self.session = session
        self.ids = ids
        staging_dir.mkdir(parents=True, exist_ok=True)
        self.path = staging_dir / f"stage-{uuid.uuid4().hex}.sqlite"
        self.chunks: list[tuple[int, int]] = []
        self._rows = 0
        self._adbc = None

    def add(self, batch: pa.Table) -> None:
        import adbc_driver_sqlite.dbapi as adbc

        if self._adbc is None:
            self._adbc = adbc.connect(str(self.path))
        with self._adbc.cursor() as cur:
            cur.adbc_ingest("stage", _sorted_by_digest(batch), mode="create_append")
        self._adbc.commit()
        self.chunks.append((self._rows + 1, self._rows + batch.num_rows))
        self._rows += batch.num_rows

    def finish(self, progress: Progress | None = None) -> int:
        """Insert the staged rows in the caller's transaction; return how many were new."""
        if self._adbc is not None:
            self._adbc.close()
            self._adbc = None
        if not self.chunks:
            return 0
        alias = "stage_" + self.path.stem.replace("-", "_")
        conn = self.session.connection()
        conn.exec_driver_sql(f"ATTACH DATABASE ? AS {alias}", (str(self.path),))
        ws, src, up = self.ids
        inserted = 0
        sql = (f"INSERT INTO events (workspace_id, source_id, upload_id, {_COLS}) "
               f"SELECT {ws}, {src}, {up}, {_COLS} FROM {alias}.stage WHERE rowid BETWEEN ? AND ? "
               "ON CONFLICT DO NOTHING")
        for lo, hi in self.chunks:
            inserted += conn.exec_driver_sql(sql, (lo, hi)).rowcount
            if progress:
                progress(hi)
        return inserted

    def close(self) -> None:
        """Forget the scratch file (the attachment ends with the connection's transaction)."""
        if self._adbc is not None:
            self._adbc.close()
        self.path.unlink(missing_ok=True)


class PostgresEventWriter:
    """COPYs each chunk into a temporary table and moves it in with INSERT ... SELECT."""

    def __init__(self, session: Session, *, ids: tuple[int, int, int]) -> None:
        self.session = session
        self.ids = ids
        self.inserted = 0
        self._ready = False

    def _prepare(self, cur) -> None:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS events_stage (case_id text, activity text, timestamp bigint, "
            "start_timestamp bigint, resource text, role text, lifecycle text, attributes text, "
            "ordinal bigint, event_key text, hash_hi bigint, hash_lo bigint) ON COMMIT DROP")
        self._ready = True

    def add(self, batch: pa.Table) -> None:
        raw = self.session.connection().connection.dbapi_connection
        buf = io.BytesIO()
        pacsv.write_csv(_sorted_by_digest(batch), buf, pacsv.WriteOptions(include_header=False))
        ws, src, up = self.ids
        with raw.cursor() as cur:
            if not self._ready:
                self._prepare(cur)
            with cur.copy(f"COPY events_stage ({_COLS}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(buf.getbuffer())
            cur.execute(
                f"INSERT INTO events (workspace_id, source_id, upload_id, {_COLS}) "
                f"SELECT {ws}, {src}, {up}, case_id, activity, timestamp, start_timestamp, resource, role, "
                "lifecycle, attributes::jsonb, ordinal, event_key, hash_hi, hash_lo FROM events_stage "
                "ORDER BY hash_hi, hash_lo, ordinal ON CONFLICT DO NOTHING")
            self.inserted += cur.rowcount
            cur.execute("TRUNCATE events_stage")

    def finish(self, progress: Progress | None = None) -> int:
        return self.inserted

    def close(self) -> None:
        pass


def event_writer(session: Session, *, staging_dir: Path, ids: tuple[int, int, int]):
    """The bulk writer for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return PostgresEventWriter(session, ids=ids)
    return SqliteEventWriter(session, staging_dir=staging_dir, ids=ids)
