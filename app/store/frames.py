"""Events at rest -> Arrow columns: the canonical columns plus the attributes asked for.

Rows go straight into Arrow columns, never into Python row objects (about 11 s per million
events through SQLAlchemy, 4.5 s through sqlite3's cursor): PostgreSQL through ADBC (binary COPY
to Arrow), SQLite through a scratch copy read by ADBC (about 2 s per million). Mining reads the
columnar copy in columnar.py, which this module fills."""

import json
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
from sqlalchemy import Engine

from app.scratch import scratch_name

COLUMNS = ("source_id", "upload_id", "ordinal", "case_id", "activity", "timestamp", "start_timestamp",
           "resource", "role", "lifecycle")

_TYPES = "source_id INT, upload_id INT, ordinal INT, case_id TEXT, activity TEXT, timestamp INT, " \
    "start_timestamp INT, resource TEXT, role TEXT, lifecycle TEXT"
# ADBC's SQLite driver infers column types from the first rows; a leading row of the right types
# keeps mostly-null text columns (role, lifecycle) from being taken for integers.
_TYPED_ROW = "0, 0, 0, '', '', 0, 0, '', '', ''"
SQLITE_BATCH_ROWS = 16_384


def load_reader(dialect: str) -> None:
    """Import the ADBC driver the reads of `dialect` use, ahead of the first read. Its import takes
    about 0.4 s holding the interpreter (the driver manager imports polars when it is installed,
    and rustxes installs it): in a request that stalled every other request, /healthz included."""
    if dialect == "postgresql":
        import adbc_driver_postgresql.dbapi  # noqa: F401
    else:
        import adbc_driver_sqlite.dbapi  # noqa: F401


def _where(source_id: int, upload_ids: list[int]) -> str:
    ids = ", ".join(str(int(i)) for i in upload_ids) or "NULL"
    return f"source_id = {int(source_id)} AND upload_id IN ({ids})"


def _sqlite(engine: Engine, where: str, attributes: list[str], scratch_dir: Path) -> Iterator[pa.RecordBatch]:
    """Python's sqlite3 copies the rows into a scratch file (C to C), then ADBC reads that file
    into Arrow. The two SQLite libraries never have one file open at once: a second library
    opening the live database would break the first one's POSIX locks ("how to corrupt" 2.2.1)."""
    import adbc_driver_sqlite.dbapi as adbc

    scratch_dir.mkdir(parents=True, exist_ok=True)
    scratch = scratch_dir / scratch_name("read", ".sqlite")
    attrs = "".join(f", a{i} TEXT" for i in range(len(attributes)))
    extracted = "".join(", CAST(json_extract(attributes, ?) AS TEXT)" for _ in attributes)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("ATTACH DATABASE ? AS scratch", (str(scratch),))
        cur.execute("PRAGMA scratch.journal_mode=OFF")  # a throwaway copy: no journal, no fsync
        cur.execute("PRAGMA scratch.synchronous=OFF")
        cur.execute(f"CREATE TABLE scratch.ev ({_TYPES}{attrs})")
        cur.execute(f"INSERT INTO scratch.ev SELECT {', '.join(COLUMNS)}{extracted} FROM events WHERE {where}",
                    tuple("$." + json.dumps(n) for n in attributes))
        raw.commit()
        cur.execute("DETACH DATABASE scratch")
        raw.close()
        typed = _TYPED_ROW + ", ''" * len(attributes)
    except BaseException:
        raw.invalidate()  # never pool a connection that may still hold the attachment
        scratch.unlink(missing_ok=True)
        raise
    try:
        with adbc.connect(str(scratch)) as conn, conn.cursor() as reader:
            # Batches of 16,384 rows, not the driver's 1,024: a million rows read in 0.85 s instead
            # of 1.1 s, and the copy encodes 62 batches instead of 977.
            reader.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(SQLITE_BATCH_ROWS)})
            reader.execute(f"SELECT {typed} UNION ALL SELECT * FROM ev")
            first = True
            for batch in reader.fetch_record_batch():
                yield batch.slice(1) if first else batch
                first = False
    finally:
        scratch.unlink(missing_ok=True)


def _postgres(engine: Engine, where: str, attributes: list[str], scratch_dir: Path) -> Iterator[pa.RecordBatch]:
    """Without attributes, one stream. With them, the server parses every row's JSON (about 1 s
    per million rows), so two connections read half the rows each, split on the digest's sign:
    1M rows with one attribute took 1.35 s so, against 1.9 s through one."""
    extracted = "".join(f", attributes->>${i + 1} AS a{i}" for i in range(len(attributes)))
    sql = f"SELECT {', '.join(COLUMNS)}{extracted} FROM events WHERE {where}"
    uri = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    params = tuple(attributes) or None
    if not attributes:
        yield from _adbc_rows(uri, sql, params)
        return
    yield from interleaved([_adbc_rows(uri, f"{sql} AND hash_hi < 0", params),
                            _adbc_rows(uri, f"{sql} AND hash_hi >= 0", params)])


def _adbc_rows(uri: str, sql: str, params: tuple | None) -> Iterator[pa.RecordBatch]:
    import adbc_driver_postgresql.dbapi as adbc

    with adbc.connect(uri) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        yield from cur.fetch_record_batch()


def interleaved(streams: list[Iterator], depth: int = 4) -> Iterator:
    """The items of every stream, each stream read on a thread of its own, in the order they
    come. An error in any stream is raised here; closing this generator stops them all."""
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop, done = threading.Event(), object()

    def put(item) -> None:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def pump(stream: Iterator) -> None:
        try:
            for item in stream:
                if stop.is_set():
                    break
                put(item)
        except BaseException as exc:  # raised by the reader of this generator
            put(exc)
        finally:
            put(done)
            close = getattr(stream, "close", None)
            if close is not None:
                close()

    threads = [threading.Thread(target=pump, args=(s,), name="frames-read", daemon=True) for s in streams]
    for thread in threads:
        thread.start()
    try:
        remaining = len(threads)
        while remaining:
            item = out.get()
            if item is done:
                remaining -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def read_rows(engine: Engine, *, source_id: int, upload_ids: list[int], attributes: list[str],
              scratch_dir: Path) -> Iterator[pa.RecordBatch]:
    """The events the uploads stored, in batches: canonical columns, then `attr:<name>` (text)
    per attribute. Batches, so that a caller can shrink each (dictionary-encode) as it comes."""
    reader = _postgres if engine.dialect.name == "postgresql" else _sqlite
    names = [*COLUMNS, *(f"attr:{n}" for n in attributes)]
    for batch in reader(engine, _where(source_id, upload_ids), attributes, scratch_dir):
        yield pa.RecordBatch.from_arrays(batch.columns, names=names)
