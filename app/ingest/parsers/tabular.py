"""Parquet and JSON lines, read in Arrow batches; XES and OCEL through pm4py's readers."""

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pajson
import pyarrow.parquet as pq

from app.errors import InvalidInput, UnprocessableEvents
from app.ingest.files import long_line
from app.ingest.nesting import MAX_NESTING, arrow_depth, first_deep_line, too_deep
from app.ingest.parsers import RawBatch, block_size, numbered, too_long_line

_BLOCK = 8 << 20


def _nested_as_arrow(dtype: pa.DataType):
    # Lists, structs and maps stay Arrow-backed: their pandas dtype then names the type ('list<...>'),
    # so a case id or timestamp column holding them is refused by type, not read as "['c1']".
    return pd.ArrowDtype(dtype) if pa.types.is_nested(dtype) else None


def _frame(batch: pa.RecordBatch) -> pd.DataFrame:
    return _dates_as_text(_binary_as_text(batch)).to_pandas(types_mapper=_nested_as_arrow)


def _dates_as_text(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Date columns become ISO text ('2024-03-05'), as pandas would show the dates it makes of them;
    but pandas makes Python dates, which cannot hold a year past 9999 (a date32 reaches year
    5,881,580), so NumPy writes the text: one kernel over the column, any year."""
    for i, column in enumerate(batch.schema):
        if not pa.types.is_date(column.type):
            continue
        values = batch.column(i)
        unit, ints = ("D", pa.int32()) if pa.types.is_date32(column.type) else ("ms", pa.int64())
        ticks = values.cast(ints).fill_null(0).to_numpy().astype(np.int64)
        text = np.datetime_as_string(ticks.view(f"datetime64[{unit}]"), unit="D")
        batch = batch.set_column(i, column.name, pa.array(text, pa.string(), mask=values.is_null().to_numpy(
            zero_copy_only=False)))
    return batch


def _binary_as_text(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Binary columns become text (older Parquet writers store strings as plain binary);
    binary that is not UTF-8 cannot be an event field or a JSON attribute, so it is refused."""
    for i, column in enumerate(batch.schema):
        kind = column.type
        if not any(test(kind) for test in (pa.types.is_binary, pa.types.is_large_binary,
                                            pa.types.is_fixed_size_binary)):
            continue
        values = batch.column(i).cast(pa.binary()) if pa.types.is_fixed_size_binary(kind) else batch.column(i)
        try:
            values = values.cast(pa.large_string() if pa.types.is_large_binary(kind) else pa.string())
        except pa.ArrowInvalid as exc:
            raise UnprocessableEvents(
                f"column {column.name!r} holds binary data that is not UTF-8 text",
                errors=[{"row": None, "column": column.name, "message": "binary, not UTF-8 text"}]) from exc
        batch = batch.set_column(i, column.name, values)
    return batch


def _check_width(columns: int, limit: int) -> None:
    if columns > limit:
        raise InvalidInput(f"the file has {columns} columns (fields); at most {limit} are accepted")


def read_parquet(path: Path, *, max_columns: int, batch_rows: int) -> Iterator[RawBatch]:
    try:
        pfile = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InvalidInput(f"not a readable Parquet file: {exc}") from exc
    _check_width(len(pfile.schema_arrow), max_columns)
    for column in pfile.schema_arrow:
        if arrow_depth(column.type) > MAX_NESTING:
            raise too_deep(f"column {column.name!r}")
    row = 1
    try:
        for batch in pfile.iter_batches(batch_size=batch_rows):
            yield numbered(_frame(batch), row)
            row += batch.num_rows
    except (pa.ArrowException, OSError) as exc:
        raise InvalidInput(f"the Parquet file is corrupt near row {row}: {exc}") from exc


def read_jsonl(path: Path, *, max_line: int, max_columns: int, batch_rows: int) -> Iterator[RawBatch]:
    """JSON lines: one object per line. Arrow infers types; mixed-type fields fall back to pandas."""
    if long_line(path, max_line) is not None:  # Arrow's blocks alone let lines of up to twice max_line in
        raise too_long_line(path, max_line, "JSON lines")
    refuse_deep_lines(path)
    try:
        reader = pajson.open_json(path, read_options=pajson.ReadOptions(block_size=block_size(max_line)))
        batches = list(_json_batches(reader))
    except pa.ArrowInvalid as exc:
        if "straddling" in str(exc) or "block size" in str(exc):
            raise too_long_line(path, max_line, "JSON lines") from exc
        check_json_lines(path)  # raises, naming the first malformed line
        yield from _jsonl_with_pandas(path, max_columns, batch_rows)
        return
    row = 1
    for batch in batches:
        _check_width(batch.num_columns, max_columns)
        for start in range(0, batch.num_rows, batch_rows):
            part = batch.slice(start, batch_rows)
            yield numbered(_frame(part), row)
            row += part.num_rows


def refuse_deep_lines(path: Path) -> None:
    """Refuse, naming it, the first line nested too deeply for the JSON readers (nesting.py)."""
    first = 1
    for block in _line_blocks(path):
        line = first_deep_line(block)
        if line is not None:
            raise too_deep(f"line {first + line}: a value", first + line)
        first += block.count(b"\n")


def _json_batches(reader) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return


def _jsonl_with_pandas(path: Path, max_columns: int, batch_rows: int) -> Iterator[RawBatch]:
    row = 1
    try:
        for frame in pd.read_json(path, lines=True, chunksize=batch_rows, dtype=False,
                                  convert_dates=False):
            _check_width(len(frame.columns), max_columns)
            yield numbered(frame.reset_index(drop=True), row)
            row += len(frame)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"not valid JSON lines near row {row}: {str(exc)[:300]}") from exc


def check_json_lines(path: Path) -> None:
    """Raise InvalidInput naming the first line that is not one JSON object."""
    first = 1
    for raw in _line_blocks(path):
        found = _first_bad_line(raw)
        if found is not None:
            line, why = found
            raise InvalidInput(f"not valid JSON lines: line {first + line} {why}",
                               errors=[{"row": first + line, "column": None, "message": why}])
        first += raw.count(b"\n")


def _line_blocks(path: Path) -> Iterator[bytes]:
    """The file in blocks of about 8 MB, each ending at a line end."""
    carry = b""
    with open(path, "rb") as f:
        while chunk := f.read(_BLOCK):
            block = carry + chunk
            cut = block.rfind(b"\n") + 1
            carry = block[cut:]
            if cut:
                yield block[:cut]
    if carry:
        yield carry


def _first_bad_line(raw: bytes) -> tuple[int, str] | None:
    """The 0-based index of the block's first malformed line and why; one C-level parse per block."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw.count(b"\n", 0, exc.start), "is not valid UTF-8"
    lines = pd.Series(text.split("\n"), dtype=object)
    heads = lines.str.lstrip().str[:1]
    wrong = np.flatnonzero(((heads != "") & (heads != "{")).to_numpy())
    # Each line becomes its own array element, closed on a new line: an unterminated string or
    # object fails inside its own line's span, so the error position maps back to that line.
    try:
        json.loads("[[" + "\n],[".join(lines) + "\n]]")
        broken = None
    except json.JSONDecodeError as exc:
        starts = np.cumsum(np.concatenate(([2], lines.str.len().to_numpy()[:-1] + 4)))
        line = int(np.searchsorted(starts, exc.pos, side="right")) - 1
        what = "unterminated string" if exc.msg.startswith("Invalid control") else exc.msg.lower()
        broken = line, f"is not valid JSON ({what} at character {exc.pos - starts[line] + 1})"
    if len(wrong) and (broken is None or wrong[0] <= broken[0]):
        return int(wrong[0]), "is not a JSON object"
    return broken


def frame_batches(frame: pd.DataFrame, batch_rows: int) -> Iterator[RawBatch]:
    """A whole-file frame (XES, OCEL) cut into numbered batches."""
    for start in range(0, len(frame), batch_rows):
        yield numbered(frame.iloc[start:start + batch_rows].reset_index(drop=True), start + 1)
