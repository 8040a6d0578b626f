"""Parquet and JSON lines, read in Arrow batches; XES and OCEL through pm4py's readers."""

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.json as pajson
import pyarrow.parquet as pq

from app.errors import InvalidInput
from app.ingest.parsers import RawBatch, numbered


def read_parquet(path: Path, *, max_columns: int, batch_rows: int) -> Iterator[RawBatch]:
    try:
        pfile = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidInput(f"not a readable Parquet file: {exc}") from exc
    if len(pfile.schema_arrow) > max_columns:
        raise InvalidInput(f"the file has {len(pfile.schema_arrow)} columns; at most {max_columns} are accepted")
    row = 1
    try:
        for batch in pfile.iter_batches(batch_size=batch_rows):
            yield numbered(batch.to_pandas(), row)
            row += batch.num_rows
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidInput(f"the Parquet file is corrupt near row {row}: {exc}") from exc


def read_jsonl(path: Path, *, max_line: int, max_columns: int, batch_rows: int) -> Iterator[RawBatch]:
    """JSON lines: one object per line. Arrow infers types; mixed-type fields fall back to pandas."""
    try:
        reader = pajson.open_json(path, read_options=pajson.ReadOptions(block_size=max_line))
        batches = list(_json_batches(reader))
    except pa.ArrowInvalid as exc:
        text = str(exc)
        if "straddling" in text or "block" in text:
            raise InvalidInput("a line is longer than the longest line accepted") from exc
        if "changed from" not in text and "Column(" not in text:
            raise InvalidInput(f"not valid JSON lines: {text[:300]}") from exc
        yield from _jsonl_with_pandas(path, batch_rows)
        return
    row = 1
    for batch in batches:
        if batch.num_columns > max_columns:
            raise InvalidInput(f"the events have {batch.num_columns} fields; at most {max_columns} are accepted")
        for start in range(0, batch.num_rows, batch_rows):
            part = batch.slice(start, batch_rows)
            yield numbered(part.to_pandas(), row)
            row += part.num_rows


def _json_batches(reader) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return


def _jsonl_with_pandas(path: Path, batch_rows: int) -> Iterator[RawBatch]:
    row = 1
    try:
        for frame in pd.read_json(path, lines=True, chunksize=batch_rows, dtype=False,
                                  convert_dates=False):
            yield numbered(frame.reset_index(drop=True), row)
            row += len(frame)
    except ValueError as exc:
        raise InvalidInput(f"not valid JSON lines near row {row}: {str(exc)[:300]}") from exc


def frame_batches(frame: pd.DataFrame, batch_rows: int) -> Iterator[RawBatch]:
    """A whole-file frame (XES, OCEL) cut into numbered batches."""
    for start in range(0, len(frame), batch_rows):
        yield numbered(frame.iloc[start:start + batch_rows].reset_index(drop=True), start + 1)
