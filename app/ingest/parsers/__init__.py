"""Parsers: each turns a file into raw pandas batches, numbered by their rows in the file."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class RawBatch:
    """Rows as read, before mapping. `rows` holds each row's 1-based number in the file."""

    frame: pd.DataFrame
    rows: np.ndarray
    errors: list[dict] = field(default_factory=list)


def numbered(frame: pd.DataFrame, first_row: int) -> RawBatch:
    return RawBatch(frame=frame, rows=np.arange(first_row, first_row + len(frame), dtype=np.int64))
