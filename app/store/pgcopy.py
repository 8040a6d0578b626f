"""Arrow tables in PostgreSQL's binary COPY format, encoded by Arrow's and NumPy's vector kernels.

The server reads binary rows without splitting CSV lines or parsing numbers: for 1M events, 2.3-2.5 s
of server time against 3.4-3.8 s as CSV, the server being the slowest stage of an upload. The
encoding takes 0.2 s per million (Arrow's CSV writer: 0.5 s).

Each row is a 16-bit field count, then per field a 32-bit length (-1 for NULL) and the value:
big-endian integers of the column's exact width, text as its UTF-8 bytes
(https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"). Runs of integer fields
without NULLs (and constants) are laid out by one NumPy record array per run; the other fields
are length and bytes pairs, and Arrow joins a row's pieces in one pass."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Kind = Literal["int4", "int8", "text"]
HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"
SLICE_ROWS = 65_536  # rows per encoded piece: bounded memory, and far below Arrow's 2 GB offsets
_NULL = pa.scalar(b"\xff\xff\xff\xff", pa.binary())
_WIDTH = {"int4": 4, "int8": 8}


@contextmanager
def binary_copy(cur, statement: str, **options):
    """`cur.copy(statement, **options)` framed as binary COPY data: the header first, the
    trailer once the body has been written (on an error the COPY is aborted instead)."""
    with cur.copy(statement, **options) as copy:
        copy.write(HEADER)
        yield copy
        copy.write(TRAILER)


def encode(table: pa.Table, layout: Sequence[tuple[str, Kind]], constants: dict[str, int] | None = None
           ) -> Iterator[pa.Buffer]:
    """The rows of `table` as binary COPY data (no header or trailer), in pieces. `layout` names
    the COPY's columns in its order with their kinds; a column in `constants` takes that value in
    every row instead of one of the table's."""
    constants = constants or {}
    for start in range(0, table.num_rows, SLICE_ROWS):
        piece = table.slice(start, SLICE_ROWS)
        columns = {name: _array(piece[name]) for name, _ in layout if name not in constants}
        yield _rows(piece.num_rows, layout, columns, constants)


def _array(column: pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)


def _rows(n: int, layout: Sequence[tuple[str, Kind]], columns: dict[str, pa.Array],
          constants: dict[str, int]) -> pa.Buffer:
    parts: list = []
    fixed: list[tuple[int, int | np.ndarray]] = []  # the run of fixed-width fields being gathered
    for name, kind in layout:
        if kind != "text" and (name in constants or columns[name].null_count == 0):
            fixed.append((_WIDTH[kind], constants[name] if name in constants else columns[name].to_numpy()))
            continue
        parts.append(_fixed_run(n, fixed, count=len(layout) if not parts else None))
        fixed = []
        parts += _text(columns[name]) if kind == "text" else [_nullable_int(columns[name], _WIDTH[kind])]
    if fixed or not parts:
        parts.append(_fixed_run(n, fixed, count=len(layout) if not parts else None))
    rows = pc.binary_join_element_wise(*parts, b"")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=n + 1, offset=rows.offset * 4)
    return rows.buffers()[2][offsets[0]:offsets[-1]]


def _fixed_run(n: int, fields: list[tuple[int, int | np.ndarray]], count: int | None) -> pa.Array:
    """Length and value of each field in `fields`, after the row's field count if `count` is given."""
    dtype = [("count", ">i2")] if count is not None else []
    for i, (width, _) in enumerate(fields):
        dtype += [(f"n{i}", ">i4"), (f"v{i}", f">i{width}")]
    records = np.empty(n, dtype=dtype)
    if count is not None:
        records["count"] = count
    for i, (width, values) in enumerate(fields):
        records[f"n{i}"] = width
        records[f"v{i}"] = values
    return _binary(records, records.dtype.itemsize, n)


def _nullable_int(column: pa.Array, width: int) -> pa.Array | pa.Scalar:
    if column.null_count == len(column):
        return _NULL
    records = np.empty(len(column), dtype=[("n", ">i4"), ("v", f">i{width}")])
    records["n"] = width
    records["v"] = pc.fill_null(column, 0).to_numpy(zero_copy_only=False)
    return pc.if_else(pc.is_valid(column), _binary(records, 4 + width, len(column)), _NULL)


def _text(column: pa.Array) -> list:
    """The text field's length then its bytes (or -1 and nothing for NULL)."""
    n = len(column)
    if column.null_count == n:
        return [_NULL]
    column = column.cast(pa.binary())
    lengths = pc.binary_length(column)
    if column.null_count:
        lengths, column = pc.fill_null(lengths, -1), pc.fill_null(column, b"")
    return [_binary(lengths.to_numpy().astype(">i4"), 4, n), column]


def _binary(raw: np.ndarray, width: int, n: int) -> pa.Array:
    """NumPy bytes, `width` per row, as an Arrow binary array (without copying them first)."""
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), n, [None, pa.py_buffer(raw)]).cast(pa.binary())
