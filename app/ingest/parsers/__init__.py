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


def numbered(frame: pd.DataFrame, first_row: int) -> RawBatch:
    return RawBatch(frame=frame, rows=np.arange(first_row, first_row + len(frame), dtype=np.int64))


def too_long_line(path: Path, max_line: int, kind: str, header_lines: int = 0) -> InvalidInput:
    """The error for a line over `max_line` bytes, naming the first such line (found by a chunked scan)."""
    limit = f"{max_line >> 20} MB, the longest line accepted (max_line_mb)"
    line = first_long_line(path, max_line)
    if line is None:  # one record spread over many short lines (quoted newlines)
        return InvalidInput(f"a record is longer than {limit}; is this a {kind} file?")
    return InvalidInput(f"line {line} is longer than {limit}; is this a {kind} file?",
                        errors=[{"row": line - header_lines, "column": None,
                                 "message": f"line longer than {max_line >> 20} MB"}])
