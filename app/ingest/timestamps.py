"""Vectorised timestamp parsing into microseconds since the epoch, UTC."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from app.errors import UnprocessableEvents

NAT = np.iinfo(np.int64).min
_OFFSET = r"(?:[zZ]|[+-]\d{2}:?\d{2})\s*$"


@dataclass
class ParsedTimes:
    micros: np.ndarray  # int64, NAT where missing or bad
    missing: np.ndarray  # bool: no value
    bad: np.ndarray  # bool: a value that does not parse
    reason: np.ndarray | None = None  # per-row message where bad, else None


def _to_micros(values: pd.Series) -> np.ndarray:
    out = values.dt.tz_convert("UTC").dt.tz_localize(None).dt.as_unit("us")
    return out.to_numpy(dtype="datetime64[us]").view(np.int64).copy()


def _localize(values: pd.Series, zone: str) -> pd.Series:
    # Ambiguous wall times (the repeated hour when clocks go back) are read as summer time;
    # times skipped when clocks go forward are moved forward.
    return values.dt.tz_localize(zone, ambiguous=np.ones(len(values), dtype=bool),
                                 nonexistent="shift_forward")


def _type_error(column: str, dtype) -> UnprocessableEvents:
    return UnprocessableEvents(
        f"column {column!r} has type {dtype}; a timestamp column must hold dates or text "
        "(or numbers with timestamp_format 'epoch_s' / 'epoch_ms')",
        errors=[{"row": None, "column": column, "message": f"wrong type {dtype}"}])


def _holds_containers(series: pd.Series) -> bool:
    # JSON lines read by pandas (mixed-type fields) leave lists and dicts in object columns.
    return any(isinstance(v, list | dict | tuple | np.ndarray) for v in series.dropna().head(50))


def parse_times(series: pd.Series, *, column: str, fmt: str | None, zone: str) -> ParsedTimes:
    """Parse one column; naive times are read in `zone`. Mixed naive and zoned values are bad rows."""
    missing = series.isna().to_numpy()
    if ptypes.is_datetime64_any_dtype(series.dtype):
        values = series if getattr(series.dt, "tz", None) is not None else _localize(series, zone)
        return ParsedTimes(_nat_where(_to_micros(values), missing), missing, np.zeros(len(series), bool))
    if ptypes.is_numeric_dtype(series.dtype) and not ptypes.is_bool_dtype(series.dtype):
        if fmt not in ("epoch_s", "epoch_ms"):
            raise _type_error(column, series.dtype)
        unit = "s" if fmt == "epoch_s" else "ms"
        values = pd.to_datetime(series, unit=unit, utc=True, errors="coerce")
        bad = values.isna().to_numpy() & ~missing
        return ParsedTimes(_nat_where(_to_micros(values), missing | bad), missing, bad)
    if not (ptypes.is_string_dtype(series.dtype) or ptypes.is_object_dtype(series.dtype)):
        raise _type_error(column, series.dtype)
    if ptypes.is_object_dtype(series.dtype) and _holds_containers(series):
        raise _type_error(column, "object (lists or objects)")
    return _parse_text(series.astype("str").str.strip(), missing, fmt=fmt, zone=zone)


def _parse_text(text: pd.Series, missing: np.ndarray, *, fmt: str | None, zone: str) -> ParsedTimes:
    n = len(text)
    if fmt in ("epoch_s", "epoch_ms"):
        return parse_times(pd.to_numeric(text, errors="coerce"), column="", fmt=fmt, zone=zone)
    zoned = text.str.contains(_OFFSET, regex=True).fillna(False).to_numpy(dtype=bool) & ~missing
    present = ~missing
    aware = bool(zoned[int(np.argmax(present))]) if present.any() else False
    reason = None
    mixed = np.zeros(n, bool)
    if zoned.any() and (present & ~zoned).any():
        # Some values carry a UTC offset and others do not: which zone the others are in is a guess.
        mixed = present & (zoned != aware)
        reason = np.where(mixed, "mixed time zones: this value " + np.where(
            zoned, "has a UTC offset while earlier ones have none", "has no UTC offset while earlier ones do"),
            None)
    parsed = pd.to_datetime(text.where(~mixed), format=fmt or "ISO8601", utc=aware, errors="coerce")
    if not aware:
        parsed = _localize(parsed, zone)
    bad = parsed.isna().to_numpy() & present
    return ParsedTimes(_nat_where(_to_micros(parsed), missing | bad), missing, bad, reason)


def _nat_where(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    values[mask] = NAT
    return values
