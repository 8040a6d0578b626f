"""Streaming readers of a query's result as Arrow tables: SQLAlchemy (any database) and ADBC (PostgreSQL).

SQLAlchemy streams through a server-side cursor (`stream_results=True, yield_per=N`; psycopg uses a
named cursor) and turns each partition of N row tuples into columns with one transpose. ADBC asks
PostgreSQL for `COPY (query) TO STDOUT (FORMAT binary)` and decodes the stream to Arrow in C++, a
record batch at a time; it takes no bind parameters there, so the watermark goes in as a literal
built only from digits and date punctuation (sql_watermark.sql_literal)."""

import re
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from app.sync.connectors.records import column_array
from app.sync.connectors.sql_watermark import sql_literal

_BIND = re.compile(r"(?<!:):watermark\b")


def read_sqlalchemy(engine: Engine, query: str, bind: Any, chunk_rows: int) -> Iterator[pa.Table]:
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(
            text(query), {"watermark": bind})
        names = list(result.keys())
        for part in result.partitions(chunk_rows):
            columns = list(zip(*part, strict=True))
            yield pa.table({name: column_array(list(values)) for name, values in zip(names, columns, strict=True)})
        if not names:
            return


def adbc_uri(url: URL) -> str:
    """A libpq URI for ADBC from a SQLAlchemy URL (the driver part dropped)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def read_adbc(url: URL, query: str, bind: Any, chunk_rows: int) -> Iterator[pa.Table]:
    import adbc_driver_postgresql.dbapi as adbc

    sql = _BIND.sub(sql_literal(bind), query)
    with adbc.connect(adbc_uri(url)) as conn, conn.cursor() as cursor:
        cursor.adbc_statement.set_options(**{"adbc.postgresql.batch_size_hint_bytes": str(8 << 20)})
        cursor.execute(sql)
        reader = cursor.fetch_record_batch()
        for batch in reader:
            if batch.num_rows:
                yield _plain(pa.Table.from_batches([batch]))


def _plain(table: pa.Table) -> pa.Table:
    """Columns of PostgreSQL types Arrow lacks (numeric, ...) come as opaque extension arrays: keep
    their text storage, and drop the driver's field metadata."""
    columns = [c.cast(c.type.storage_type) if isinstance(c.type, pa.BaseExtensionType) else c for c in table.columns]
    return pa.table(columns, names=table.column_names)
