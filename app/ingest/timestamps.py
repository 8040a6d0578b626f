"""Vectorised timestamp parsing into microseconds since the epoch, UTC.

The supported time range: every stored timestamp (and start_timestamp) lies in the years 1900 to
2200 once converted to UTC, i.e. MIN_MICROS <= value <= MAX_MICROS. Values outside it are bad
rows ("outside the supported range"), on every ingest path. Why a range at all: later stages hand
the microseconds to Python datetimes (years 1..9999) and pandas nanoseconds (1677..2262), and a
zone's offset may push year 1 into year 0; within 1900..2200 every reader can hold every value.
Values are range-checked in their own unit before any conversion, so nothing overflows silently."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from app.errors import UnprocessableEvents

NAT = np.iinfo(np.int64).min
MIN_MICROS = -2_208_988_800_000_000  # 1900-01-01T00:00:00Z
MAX_MICROS = 7_289_654_400_000_000 - 1  # 2200-12-31T23:59:59.999999Z
RANGE_TEXT = "1900-01-01 to 2200-12-31 (UTC)"
# Values this far outside the range are refused before a zone is applied (no offset is larger),
# so that localising or changing units can never overflow.
_MARGIN_MICROS = 2 * 86_400_000_000
_OFFSET = r"(?:[zZ]|[+-]\d{2}:?\d{2})\s*$"
_FAR_YEAR = r"^(?:[+-]\d+|\d{5,})-\d\d-\d\d"  # ISO-like, with a year no parser takes


@dataclass
class ParsedTimes:
    micros: np.ndarray  # int64, NAT where missing or bad
    missing: np.ndarray  # bool: no value
    bad: np.ndarray  # bool: a value that does not parse, or lies outside the supported range
    reason: np.ndarray | None = None  # per-row message where bad, else None


def outside_range(micros: np.ndarray) -> np.ndarray:
    """Where a (non-missing) value lies outside MIN_MICROS..MAX_MICROS."""
    return (micros != NAT) & ((micros < MIN_MICROS) | (micros > MAX_MICROS))


def range_message(shown: np.ndarray) -> np.ndarray:
    """The reason for each value outside the range, from its text as shown to the user."""
    return "timestamp " + shown.astype(object) + f" is outside the supported range {RANGE_TEXT}"


def as_text(values: pd.Series) -> pd.Series:
    """Values as text. Datetimes pandas cannot format (zoned ones past Python's year 9999) are
    written by NumPy instead, in UTC."""
    try:
        return values.astype("str")
    except (NotImplementedError, ValueError, OverflowError):
        if not ptypes.is_datetime64_any_dtype(values.dtype):
            raise
    ticks = values.to_numpy(dtype="int64", na_value=NAT)
    text = np.datetime_as_string(ticks.view(f"datetime64[{values.dt.unit}]"), unit="s")
    zone = "Z" if getattr(values.dt, "tz", None) is not None else ""
    return pd.Series(np.char.add(text, zone), index=values.index, dtype="str").where(values.notna())


def _ticks_bounds(unit: str) -> tuple[int, int]:
    """MIN/MAX_MICROS widened by the margin, in ticks of `unit` (s, ms, us or ns)."""
    lo, hi = MIN_MICROS - _MARGIN_MICROS, MAX_MICROS + _MARGIN_MICROS
    if unit == "ns":
        return max(lo * 1000, NAT + 1), min(hi * 1000, np.iinfo(np.int64).max)
    per = {"s": 1_000_000, "ms": 1_000, "us": 1}[unit]
    return lo // per, hi // per


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
    """Parse one column; naive times are read in `zone`. Mixed naive and zoned values are bad rows,
    and so are values outside the supported range."""
    missing = series.isna().to_numpy()
    if ptypes.is_datetime64_any_dtype(series.dtype):
        return _from_datetimes(series, missing, zone=zone, shown=None)
    if ptypes.is_numeric_dtype(series.dtype) and not ptypes.is_bool_dtype(series.dtype):
        if fmt not in ("epoch_s", "epoch_ms"):
            raise _type_error(column, series.dtype)
        return _from_epoch(series, missing, fmt=fmt)
    if not (ptypes.is_string_dtype(series.dtype) or ptypes.is_object_dtype(series.dtype)):
        raise _type_error(column, series.dtype)
    if ptypes.is_object_dtype(series.dtype) and _holds_containers(series):
        raise _type_error(column, "object (lists or objects)")
    return _parse_text(series.astype("str").str.strip(), missing, column=column, fmt=fmt, zone=zone)


def _from_datetimes(values: pd.Series, missing: np.ndarray, *, zone: str, shown: pd.Series | None,
                    bad: np.ndarray | None = None, reason: np.ndarray | None = None) -> ParsedTimes:
    """Datetimes (naive ones in `zone`) as UTC microseconds, with out-of-range values as bad rows.

    `shown` holds what the user sent for each row (None: the datetimes themselves); `bad` and
    `reason` carry rows found bad already."""
    bad = np.zeros(len(values), bool) if bad is None else bad
    aware = getattr(values.dt, "tz", None) is not None
    ticks = values.to_numpy(dtype="int64", na_value=NAT)  # UTC when aware, wall time when naive
    lo, hi = _ticks_bounds(values.dt.unit)
    far = (ticks != NAT) & ((ticks < lo) | (ticks > hi))
    if far.any():  # set aside before a zone or a unit change could overflow
        values = values.where(~far)
    micros = _to_micros(values if aware else _localize(values, zone))
    outside = far | outside_range(micros)
    if outside.any():
        if shown is None:
            text = np.datetime_as_string(ticks[outside].view(f"datetime64[{values.dt.unit}]"), unit="s")
            shown_out = np.char.add(text, "Z") if aware else text
        else:
            shown_out = pd.Series(shown.to_numpy()[outside]).astype("str").str.slice(0, 40).to_numpy()
        reason = np.full(len(values), None, dtype=object) if reason is None else reason
        reason[outside] = range_message(np.asarray(shown_out, dtype=object))
        bad = bad | outside
    return ParsedTimes(_nat_where(micros, missing | bad), missing, bad, reason)


def _from_epoch(numbers: pd.Series, missing: np.ndarray, *, fmt: str, shown: pd.Series | None = None) -> ParsedTimes:
    """Seconds or milliseconds since the epoch; far-out numbers are caught before conversion.
    `shown`: the text the numbers were read from, if any."""
    shown = numbers if shown is None else shown
    unit = "s" if fmt == "epoch_s" else "ms"
    scaled = numbers.to_numpy(dtype="float64", na_value=np.nan) * (1e6 if unit == "s" else 1e3)
    far = np.isfinite(scaled) & ((scaled < MIN_MICROS - _MARGIN_MICROS) | (scaled > MAX_MICROS + _MARGIN_MICROS))
    values = pd.to_datetime(numbers.where(~far) if far.any() else numbers, unit=unit, utc=True, errors="coerce")
    unparsed = values.isna().to_numpy() & ~missing & ~far
    reason = None
    if far.any():
        reason = np.full(len(numbers), None, dtype=object)
        reason[far] = range_message(shown[far].astype("str").str.slice(0, 40).to_numpy(dtype=object))
    return _from_datetimes(values, missing, zone="UTC", shown=shown, bad=unparsed | far, reason=reason)


def _parse_text(text: pd.Series, missing: np.ndarray, *, column: str, fmt: str | None,
                zone: str) -> ParsedTimes:
    n = len(text)
    if fmt in ("epoch_s", "epoch_ms"):
        return _from_epoch(pd.to_numeric(text, errors="coerce"), missing, fmt=fmt, shown=text)
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
    parsed = _to_datetime(text.where(~mixed), column=column, fmt=fmt, aware=aware)
    bad = parsed.isna().to_numpy() & present
    far = bad & ~mixed
    if far.any():
        far[far] = text[far].str.match(_FAR_YEAR).to_numpy(dtype=bool)
        if far.any():
            reason = np.full(n, None, dtype=object) if reason is None else reason
            reason[far] = range_message(text[far].str.slice(0, 40).to_numpy(dtype=object))
    return _from_datetimes(parsed, missing, zone=zone, shown=text, bad=bad, reason=reason)


def _to_datetime(text: pd.Series, *, column: str, fmt: str | None, aware: bool) -> pd.Series:
    """pandas' parser; a format it cannot use (a source saved before formats were checked) is a 422."""
    try:
        return pd.to_datetime(text, format=fmt or "ISO8601", utc=aware, errors="coerce")
    except (ValueError, KeyError, TypeError) as exc:
        raise UnprocessableEvents(
            f"mapping.timestamp_format {fmt!r} is not a usable strftime format ({exc}); fix the source's mapping",
            errors=[{"row": None, "column": column, "message": "unusable timestamp_format"}]) from None


def check_timestamp_format(fmt: str) -> str:
    """Raise ValueError unless `fmt` is 'epoch_s', 'epoch_ms' or a strftime format pandas can parse with."""
    if fmt in ("epoch_s", "epoch_ms"):
        return fmt
    if "%" not in fmt.replace("%%", ""):
        raise ValueError(f"{fmt!r} holds no strftime directive (such as %Y, %d, %H)")
    sample = pd.Timestamp("2024-03-05 14:07:09.123456", tz="UTC")
    try:
        text = sample.strftime(fmt)
        pd.to_datetime(pd.Series([text]), format=fmt, errors="raise")
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{fmt!r} is not a usable strftime format ({exc})") from None
    return fmt


def _nat_where(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    values[mask] = NAT
    return values
