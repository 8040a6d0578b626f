"""Raw rows -> canonical events: mapped fields, UTC microseconds, attributes as JSON, a digest."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api import types as ptypes

from app.errors import UnprocessableEvents
from app.ingest.arrowjson import attributes_json
from app.ingest.digest import digest
from app.ingest.fasttime import fast_micros
from app.ingest.mapping import ResolvedMapping
from app.ingest.parsers import RawBatch
from app.ingest.timestamps import NAT, as_text, parse_times
from app.ingest.unicode import nfc

_BAD_TEXT_TYPES = ("bool", "list", "struct", "dict", "bytes", "binary")


@dataclass
class Canonical:
    """One batch of valid canonical events, the rows it rejected, and its distinct cases."""

    table: pa.Table | None
    errors: list[dict] = field(default_factory=list)
    bad_rows: int = 0
    cases: np.ndarray | None = None
    frame: pd.DataFrame | None = None  # the valid rows' raw columns, row for row
    attribute_columns: tuple[str, ...] = ()  # those of them that went into `attributes`


def _text(frame: pd.DataFrame, column: str | None) -> pd.Series | None:
    """A column as text (None stays null; integral floats lose their '.0')."""
    if column is None:
        return None
    s = frame[column]
    kind = str(s.dtype).lower()
    if any(t in kind for t in _BAD_TEXT_TYPES) or (ptypes.is_object_dtype(s.dtype) and _holds_containers(s)):
        raise UnprocessableEvents(
            f"column {column!r} has type {s.dtype}; it must hold text or numbers",
            errors=[{"row": None, "column": column, "message": f"wrong type {s.dtype}"}])
    if ptypes.is_float_dtype(s.dtype):
        whole = s.dropna()
        if (whole == whole.round()).all():
            s = s.astype("Int64")
    out = as_text(s)
    return out.where(s.notna())


def _holds_containers(s: pd.Series) -> bool:
    sample = s.dropna().head(50)
    return any(isinstance(v, list | dict | tuple | bytes | bool) for v in sample)


def _activity(frame: pd.DataFrame, m: ResolvedMapping) -> pd.Series:
    parts = [_text(frame, c) for c in m.activity]
    if len(parts) == 1:
        return parts[0]
    joined = parts[0].fillna("")
    for part in parts[1:]:
        joined = joined.str.cat(part.fillna(""), sep=m.separator)
    joined = joined.str.strip(m.separator)
    return joined.where(joined.str.len() > 0)


class RowErrors:
    """Collects (row, column, message) for bad rows, vectorised per check."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows
        self.bad = np.zeros(len(rows), bool)
        self.items: list[tuple[np.ndarray, str, np.ndarray | str]] = []

    def add(self, mask: np.ndarray, column: str, message: np.ndarray | str) -> None:
        if mask.any():
            self.bad |= mask
            self.items.append((mask, column, message))

    def listed(self, limit: int) -> list[dict]:
        found = []
        for mask, column, message in self.items:
            idx = np.flatnonzero(mask)[:limit]
            texts = message[idx] if isinstance(message, np.ndarray) else [message] * len(idx)
            found += [{"row": int(self.rows[i]), "column": column, "message": str(t)}
                      for i, t in zip(idx, texts, strict=True)]
        return sorted(found, key=lambda e: (e["row"], e["column"]))[:limit]


def _required_text(values: pd.Series, column: str, label: str, errs: RowErrors) -> None:
    empty = values.isna().to_numpy() | (values.fillna("").str.strip().str.len() == 0).to_numpy()
    errs.add(empty, column, f"{label} is empty")


def _times(frame: pd.DataFrame, column: str, m: ResolvedMapping, zone: str, errs: RowErrors,
           label: str) -> np.ndarray:
    values = frame[column]
    if isinstance(values.dtype, pd.CategoricalDtype):  # dictionary-encoded text (Parquet)
        values = values.astype(values.cat.categories.dtype)
    fast = fast_micros(values, fmt=m.timestamp_format, zone=zone, optional=label != "timestamp")
    if fast is not None:
        return fast
    parsed = parse_times(values, column=column, fmt=m.timestamp_format, zone=zone)
    if label == "timestamp":
        errs.add(parsed.missing, column, "timestamp is empty")
    if parsed.bad.any():
        errs.add(parsed.bad, column, _time_reasons(frame[column], parsed))
    return parsed.micros


def canonicalize(batch: RawBatch, m: ResolvedMapping, *, zone: str, max_errors: int) -> Canonical:
    """Map, validate and fingerprint one batch; bad rows are left out and reported."""
    frame, errs = _with_columns(batch.frame, m.used_columns()), RowErrors(batch.rows)
    case_id, activity = _text(frame, m.case_id), _activity(frame, m)
    _required_text(case_id, m.case_id, "case id", errs)
    _required_text(activity, "+".join(m.activity), "activity", errs)
    ts = _times(frame, m.timestamp, m, zone, errs, "timestamp")
    start = None
    if m.start_timestamp:
        start = _times(frame, m.start_timestamp, m, zone, errs, "start_timestamp")
        errs.add((start != NAT) & (ts != NAT) & (start > ts), m.start_timestamp, "start_timestamp is after timestamp")
    keep = ~errs.bad
    kept = frame if keep.all() else frame.loc[keep]
    attribute_columns = [c for c in frame.columns if c not in m.used_columns()]
    columns = {
        "case_id": _arrow(case_id, keep), "activity": _arrow(activity, keep), "timestamp": pa.array(ts[keep]),
        "start_timestamp": pa.array(start[keep], mask=start[keep] == NAT) if start is not None
        else pa.nulls(int(keep.sum()), pa.int64()),
        "resource": _arrow(_text(frame, m.resource), keep), "role": _arrow(_text(frame, m.role), keep),
        "lifecycle": _arrow(_text(frame, m.lifecycle), keep),
        "attributes": attributes_json(kept, attribute_columns),
        # The event id is an opaque key, compared byte for byte: not normalised.
        "ordinal": pa.array(batch.rows[keep] - 1), "event_key": _arrow(_text(frame, m.event_id), keep, raw=True)}
    table = pa.table(columns)
    hi, lo = digest(table, event_key=m.event_id is not None)
    table = table.append_column("hash_hi", pa.array(hi)).append_column("hash_lo", pa.array(lo))
    errors = sorted(batch.errors + errs.listed(max_errors), key=lambda e: (e["row"] or 0, e["column"] or ""))
    return Canonical(table=table, errors=errors[:max_errors], bad_rows=int(errs.bad.sum()) + len(batch.errors),
                     cases=pc.unique(columns["case_id"]).to_numpy(zero_copy_only=False), frame=kept,
                     attribute_columns=tuple(attribute_columns))


def _with_columns(frame: pd.DataFrame, names: set[str]) -> pd.DataFrame:
    """Mapped columns a batch lacks (a piece of an XES log whose events never set them) are null."""
    missing = [n for n in names if n not in frame.columns]
    return frame.assign(**{n: pd.Series(None, index=frame.index, dtype="str") for n in missing}) if missing else frame


def _arrow(values: pd.Series | None, keep: np.ndarray, raw: bool = False) -> pa.Array:
    """The kept values as Arrow text, in Unicode NFC unless `raw`."""
    if values is None:
        return pa.nulls(int(keep.sum()), pa.string())
    text = pa.array(values if keep.all() else values[keep], from_pandas=True, type=pa.string())
    return text if raw else nfc(text)


def _time_reasons(raw: pd.Series, ts) -> np.ndarray:
    shown = as_text(raw).str.slice(0, 40)
    base = ("cannot parse '" + shown + "' as a timestamp").to_numpy(dtype=object)
    return base if ts.reason is None else np.where(ts.reason != None, ts.reason, base)  # noqa: E711
