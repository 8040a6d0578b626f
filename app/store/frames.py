"""Events at rest -> Arrow columns: the canonical columns plus the attributes asked for.

Rows go straight into Arrow columns, never into Python row objects (about 11 s per million
events through SQLAlchemy, 4.5 s through sqlite3's cursor): PostgreSQL through ADBC (binary COPY
to Arrow), SQLite through a scratch copy read by ADBC (about 2 s per million). Mining reads the
columnar copy in columnar.py, which this module fills."""

import json
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
            reader.execute(f"SELECT {typed} UNION ALL SELECT * FROM ev")
            first = True
            for batch in reader.fetch_record_batch():
                yield batch.slice(1) if first else batch
                first = False
    finally:
        scratch.unlink(missing_ok=True)


def _postgres(engine: Engine, where: str, attributes: list[str], scratch_dir: Path) -> Iterator[pa.RecordBatch]:
    import adbc_driver_postgresql.dbapi as adbc

    extracted = "".join(f", attributes->>${i + 1} AS a{i}" for i in range(len(attributes)))
    sql = f"SELECT {', '.join(COLUMNS)}{extracted} FROM events WHERE {where}"
    uri = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with adbc.connect(uri) as conn, conn.cursor() as cur:
        cur.execute(sql, tuple(attributes) or None)
        yield from cur.fetch_record_batch()


def read_rows(engine: Engine, *, source_id: int, upload_ids: list[int], attributes: list[str],
              scratch_dir: Path) -> Iterator[pa.RecordBatch]:
    """The events the uploads stored, in batches: canonical columns, then `attr:<name>` (text)
    per attribute. Batches, so that a caller can shrink each (dictionary-encode) as it comes."""
    reader = _postgres if engine.dialect.name == "postgresql" else _sqlite
    names = [*COLUMNS, *(f"attr:{n}" for n in attributes)]
    for batch in reader(engine, _where(source_id, upload_ids), attributes, scratch_dir):
        yield pa.RecordBatch.from_arrays(batch.columns, names=names)
