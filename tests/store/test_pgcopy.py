"""The binary COPY encoder, checked by a real PostgreSQL reading what it wrote: NULLs in every
position, empty and multi-byte text, constants, sliced and chunked arrays, pieces, no rows."""

import psycopg
import pyarrow as pa
import pytest

from app.store import pgcopy

LAYOUT = (("label", "text"), ("k", "int4"), ("big", "int8"), ("maybe", "int8"), ("note", "text"),
          ("doc", "text"), ("tail", "int8"))
ROWS = [
    ("a", 1, 2**40, None, "", '{"x": 1}', -1),
    (None, -2_147_483_648, -(2**63), 7, "héllo ✓ 𝄞", None, 2**63 - 1),
    ("comma, \"quote\"\nnewline\\", 0, 0, None, None, "[]", 0),
]


@pytest.fixture
def pg(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("binary COPY is PostgreSQL's")
    with psycopg.connect(db_url) as conn:
        conn.execute("CREATE TABLE t (label text, k integer, big bigint, maybe bigint, note varchar(20), doc json, "
                     "tail bigint, src integer)")
        yield conn


def _table(rows) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in LAYOUT]
    types = {"text": pa.string(), "int4": pa.int32(), "int8": pa.int64()}
    return pa.table({name: pa.array(list(values), types[kind]) for (name, kind), values in zip(LAYOUT, columns,
                                                                                                strict=True)})


def _copy(conn, table: pa.Table, layout=LAYOUT + (("src", "int4"),), constants=None) -> list[tuple]:
    names = ", ".join(name for name, _ in layout)
    with conn.cursor() as cur:
        cur.execute("TRUNCATE t")
        with pgcopy.binary_copy(cur, f"COPY t ({names}) FROM STDIN (FORMAT binary)") as copy:
            for piece in pgcopy.encode(table, layout, constants if constants is not None else {"src": 42}):
                copy.write(piece)
        cur.execute("SELECT label, k, big, maybe, note, doc::text, tail, src FROM t ORDER BY k DESC, label")
        return cur.fetchall()


def test_every_kind_of_value_arrives_as_sent(pg):
    got = _copy(pg, _table(ROWS))
    assert got == sorted([(*row, 42) for row in ROWS], key=lambda r: -r[1])


def test_sliced_chunked_and_many_pieces(pg, monkeypatch):
    monkeypatch.setattr(pgcopy, "SLICE_ROWS", 7)  # 300 rows: 43 pieces
    rows = [(f"r{i}" if i % 5 else None, i, i * 10**12, i if i % 3 else None, "ü" * (i % 4), None, -i)
            for i in range(300)]
    whole = _table(rows)
    chunked = pa.concat_tables([whole.slice(0, 100), whole.slice(100, 150), whole.slice(250)])
    assert chunked["label"].num_chunks == 3
    got = _copy(pg, chunked.slice(5, 290))
    assert got == sorted([(*row, 42) for row in rows[5:295]], key=lambda r: -r[1])


def test_text_first_all_null_columns_and_no_constants(pg):
    layout = (("note", "text"), ("maybe", "int8"), ("doc", "text"), ("k", "int4"))
    table = pa.table({"note": ["x", "y"], "maybe": pa.nulls(2, pa.int64()), "doc": pa.nulls(2, pa.string()),
                      "k": pa.array([3, 4], pa.int32())})
    got = _copy(pg, table, layout, constants={})
    assert got == [(None, 4, None, None, "y", None, None, None), (None, 3, None, None, "x", None, None, None)]


def test_no_rows_make_no_pieces_and_an_empty_copy(pg):
    assert list(pgcopy.encode(_table([]), LAYOUT)) == []
    assert _copy(pg, _table([])) == []


def test_the_server_still_checks_what_it_is_sent(pg):
    """Binary is not a way around the column's rules: an over-long varchar is refused."""
    with pytest.raises(psycopg.errors.StringDataRightTruncation):
        _copy(pg, _table([("a", 1, 1, None, "x" * 21, None, 1)]))
