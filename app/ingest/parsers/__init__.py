"""Parsers: each turns a file into raw pandas batches, numbered by their rows in the file."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from app.errors import InvalidInput
from app.ingest.files import first_long_line


@dataclass
class RawBatch:
    """Rows as read, before mapping. `rows` holds each row's 1-based number in the file."""

    frame: pd.DataFrame
    rows: np.ndarray
    errors: list[dict] = field(default_factory=list)


def numbered(frame: pd.DataFrame, first_row: int, *, nul_free: bool = False) -> RawBatch:
    """The frame's rows numbered from `first_row`; NUL characters refused unless the caller has
    shown already that its source bytes hold none."""
    rows = np.arange(first_row, first_row + len(frame), dtype=np.int64)
    if not nul_free:
        refuse_nul(frame, rows)
    return RawBatch(frame=frame, rows=rows)


def refuse_nul(frame: pd.DataFrame, rows: np.ndarray) -> None:
    """Refuse NUL characters in column names and text: PostgreSQL text and JSON cannot hold them
    (COPY fails), and in a text file they mean binary data or UTF-16 read as UTF-8."""
    for name in frame.columns:
        if "\x00" in str(name):
            raise _nul(None, str(name).replace("\x00", "\\x00"), "a column name")
        values = frame[name]
        if not (pd.api.types.is_string_dtype(values.dtype) or pd.api.types.is_object_dtype(values.dtype)):
            continue
        try:
            hits = values.str.contains("\x00", regex=False, na=False).to_numpy(dtype=bool)
        except AttributeError:  # an object column without any text
            continue
        if hits.any():
            raise _nul(int(rows[np.argmax(hits)]), str(name), "a value")


def _nul(row: int | None, column: str, what: str) -> InvalidInput:
    where = f"row {row}, column {column!r}" if row is not None else f"column {column!r}"
    return InvalidInput(f"{where}: {what} contains a NUL character (\\x00), which cannot be stored; "
                        "is the file binary, or UTF-16 read as UTF-8 (pass ?encoding=)?",
                        errors=[{"row": row, "column": column,
                                 "message": f"{what} contains a NUL character"}])


def block_size(max_line: int) -> int:
    """Arrow's read block for a line limit: a block must hold a whole line and its line end, and
    the limit itself is checked exactly beforehand (files.long_line), so a little slack."""
    return max_line + (1 << 16)


def too_long_line(path: Path, max_line: int, kind: str, header_lines: int = 0) -> InvalidInput:
    """The error for a line over `max_line` bytes, naming the first such line (found by a chunked scan)."""
    limit = f"{max_line >> 20} MB, the longest line accepted (max_line_mb)"
    line = first_long_line(path, max_line)
    if line is None:  # one record spread over many short lines (quoted newlines)
        return InvalidInput(f"a record is longer than {limit}; is this a {kind} file?")
    return InvalidInput(f"line {line} is longer than {limit}; is this a {kind} file?",
                        errors=[{"row": line - header_lines, "column": None,
                                 "message": f"line longer than {max_line >> 20} MB"}])
