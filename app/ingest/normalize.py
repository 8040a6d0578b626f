"""Raw rows -> canonical events: mapped fields, UTC microseconds, attributes as JSON, a digest."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api import types as ptypes

from app.errors import UnprocessableEvents
from app.ingest.mapping import ResolvedMapping
from app.ingest.parsers import RawBatch
from app.ingest.timestamps import NAT, parse_times

# Two independent 64-bit SipHash digests make one 128-bit event identity.
_KEY_HI, _KEY_LO = "blueprint-miner1", "blueprint-miner2"
_BAD_TEXT_TYPES = ("bool", "list", "struct", "dict", "bytes", "binary")


@dataclass
class Canonical:
    """One batch of valid canonical events, the rows it rejected, and its distinct cases."""

    table: pa.Table | None
    errors: list[dict] = field(default_factory=list)
    bad_rows: int = 0
    cases: np.ndarray | None = None


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
    out = s.astype("str")
    return out.where(s.notna())


def _holds_containers(s: pd.Series) -> bool:
    sample = s.dropna().head(50)
    return any(isinstance(v, list | dict | tuple | bytes | bool) for v in sample)


def _attributes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One JSON object per row with the row's non-null attributes (keys sorted), or None."""
    out = np.full(len(frame), None, dtype=object)
    if not columns or not len(frame):
        return out
    sub = frame[sorted(columns)]
    present = sub.notna().to_numpy()
    packed = np.ascontiguousarray(np.packbits(present, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    patterns, inverse = np.unique(keys, return_inverse=True)
    if len(patterns) > 256:  # too many sparsity patterns to group: keep nulls in the JSON
        groups = [(np.arange(len(frame)), np.ones(len(columns), bool))]
    else:
        groups = [(np.flatnonzero(inverse == i), present[np.argmax(inverse == i)]) for i in range(len(patterns))]
    sub = _dates_as_text(sub)
    for rows, keep in groups:
        if not keep.any():
            continue
        part = sub.iloc[rows, np.flatnonzero(keep)]
        text = part.to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
        out[rows] = text.rstrip("\n").split("\n")
    return out


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Date attributes as ISO 8601 text in UTC (JSON has no dates; NumPy formats them in C)."""
    dates = [c for c in frame.columns if ptypes.is_datetime64_any_dtype(frame[c].dtype)]
    if not dates:
        return frame
    frame = frame.copy()
    for column in dates:
        values = frame[column]
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        text = np.datetime_as_string(values.to_numpy(dtype="datetime64[ms]"), unit="ms", timezone="UTC")
        frame[column] = pd.Series(text, index=frame.index, dtype=object).where(values.notna())
    return frame


def _digest(canon: pd.DataFrame, key_col: str | None) -> tuple[np.ndarray, np.ndarray]:
    if key_col is not None:
        basis = pd.DataFrame({"kind": "event_id", "key": canon["event_key"]})
    else:
        basis = canon[["case_id", "activity", "timestamp", "start_timestamp", "resource", "role", "lifecycle",
                       "attributes"]]
    hi = pd.util.hash_pandas_object(basis, index=False, hash_key=_KEY_HI).to_numpy().view(np.int64)
    lo = pd.util.hash_pandas_object(basis, index=False, hash_key=_KEY_LO).to_numpy().view(np.int64)
    return hi, lo


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
            found += [{"row": int(self.rows[i]), "column": column, "message": str(t)} for i, t in zip(idx, texts, strict=True)]
        return sorted(found, key=lambda e: (e["row"], e["column"]))[:limit]


def _required_text(values: pd.Series, column: str, label: str, errs: RowErrors) -> None:
    empty = values.isna().to_numpy() | (values.fillna("").str.strip().str.len() == 0).to_numpy()
    errs.add(empty, column, f"{label} is empty")


def canonicalize(batch: RawBatch, m: ResolvedMapping, *, zone: str, max_errors: int) -> Canonical:
    """Map, validate and fingerprint one batch; bad rows are left out and reported."""
    frame, errs = batch.frame, RowErrors(batch.rows)
    case_id, activity = _text(frame, m.case_id), _activity(frame, m)
    _required_text(case_id, m.case_id, "case id", errs)
    _required_text(activity, "+".join(m.activity), "activity", errs)
    ts = parse_times(frame[m.timestamp], column=m.timestamp, fmt=m.timestamp_format, zone=zone)
    errs.add(ts.missing, m.timestamp, "timestamp is empty")
    if ts.bad.any():
        errs.add(ts.bad, m.timestamp, _time_reasons(frame[m.timestamp], ts))
    start = np.full(len(frame), NAT, dtype=np.int64)
    if m.start_timestamp:
        st = parse_times(frame[m.start_timestamp], column=m.start_timestamp, fmt=m.timestamp_format, zone=zone)
        if st.bad.any():
            errs.add(st.bad, m.start_timestamp, _time_reasons(frame[m.start_timestamp], st))
        start = st.micros
        errs.add((start != NAT) & (ts.micros != NAT) & (start > ts.micros), m.start_timestamp,
                 "start_timestamp is after timestamp")
    keep = ~errs.bad
    attributes = _attributes(frame.loc[keep], [c for c in frame.columns if c not in m.used_columns()])
    canon = pd.DataFrame({
        "case_id": _objects(case_id, keep), "activity": _objects(activity, keep), "timestamp": ts.micros[keep],
        "start_timestamp": start[keep], "resource": _col(frame, m.resource, keep),
        "role": _col(frame, m.role, keep), "lifecycle": _col(frame, m.lifecycle, keep),
        "attributes": attributes, "ordinal": batch.rows[keep] - 1,
        "event_key": _col(frame, m.event_id, keep)})
    canon["hash_hi"], canon["hash_lo"] = _digest(canon, m.event_id)
    table = pa.Table.from_pandas(canon, preserve_index=False)
    table = table.set_column(3, "start_timestamp", pa.array(start[keep], mask=start[keep] == NAT))
    return Canonical(table=table, errors=batch.errors + errs.listed(max_errors),
                     bad_rows=int(errs.bad.sum()) + len(batch.errors), cases=canon["case_id"].unique())


def _objects(values: pd.Series, keep: np.ndarray) -> np.ndarray:
    # Plain object arrays (str or None) for every text column: one dtype, so one digest per value.
    return values[keep].to_numpy(dtype=object, na_value=None)


def _col(frame: pd.DataFrame, column: str | None, keep: np.ndarray) -> np.ndarray | None:
    values = _text(frame, column)
    return None if values is None else _objects(values, keep)


def _time_reasons(raw: pd.Series, ts) -> np.ndarray:
    shown = raw.astype("str").str.slice(0, 40)
    base = ("cannot parse '" + shown + "' as a timestamp").to_numpy(dtype=object)
    return base if ts.reason is None else np.where(ts.reason != None, ts.reason, base)  # noqa: E711
