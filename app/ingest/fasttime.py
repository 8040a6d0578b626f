"""The fast path for timestamps: Arrow's C++ parsers, when every value in the batch parses.

Anything unusual (a missing or bad value, a mix of zoned and naive values, a local time that
a clock change skips or repeats, a value outside the supported range of timestamps.py) returns
None, and the caller takes the pandas path, which reports each bad row."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api import types as ptypes

from app.ingest.timestamps import MAX_MICROS, MIN_MICROS, NAT


def _parse(text: pa.Array, fmt: str | None) -> tuple[pa.Array, bool] | None:
    """Parsed timestamps and whether they carried a UTC offset."""
    if fmt:
        try:
            parsed = pc.strptime(text, format=fmt, unit="us", error_is_null=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        return parsed, parsed.type.tz is not None
    for kind, zoned in ((pa.timestamp("us"), False), (pa.timestamp("us", tz="UTC"), True)):
        try:
            return pc.cast(text, kind), zoned
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    return None


def fast_micros(values: pd.Series, *, fmt: str | None, zone: str, optional: bool = False) -> np.ndarray | None:
    """Microseconds since the epoch (UTC; NAT where an optional value is missing), or None when the
    slow path must decide."""
    if fmt in ("epoch_s", "epoch_ms") or not (ptypes.is_string_dtype(values.dtype)):
        return None
    try:
        text = pc.utf8_trim_whitespace(pa.array(values, from_pandas=True, type=pa.string()))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if text.null_count and not optional:
        return None
    parsed = _parse(text, fmt)
    if parsed is None:
        return None
    stamps, zoned = parsed
    if not zoned and zone != "UTC":
        try:
            stamps = pc.assume_timezone(stamps, zone, ambiguous="raise", nonexistent="raise")
        except pa.ArrowInvalid:
            return None
    micros = stamps.cast(pa.int64())
    bounds = pc.min_max(micros)  # nulls skipped; Arrow holds any year as int64 microseconds
    if bounds["min"].is_valid and (bounds["min"].as_py() < MIN_MICROS or bounds["max"].as_py() > MAX_MICROS):
        return None
    return micros.fill_null(NAT).to_numpy()
