"""Attributes as one JSON object per row, built with Arrow string kernels (no Python per row).

Keys are sorted, null values are left out, and the text is in Unicode NFC, so equal attributes
always give equal text (the digest relies on it). Strings are escaped per JSON; nested values
(lists, dicts from JSON lines) are the rare case that falls back to json.dumps per value."""

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from app.ingest.nesting import python_depth_exceeds, too_deep
from app.ingest.unicode import nfc

_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_SEP = "\x1e"


def _quoted(text: pa.Array) -> pa.Array:
    s = pc.replace_substring(text, "\\", "\\\\")
    s = pc.replace_substring(s, '"', '\\"')
    for char, escaped in (("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        s = pc.replace_substring(s, char, escaped)
    quoted = pc.binary_join_element_wise('"', s, '"', "")
    rare = pc.fill_null(pc.match_substring_regex(text, _CONTROL), False)
    if pc.any(rare).as_py():
        fixed = [json.dumps(v, ensure_ascii=False) if r else None
                 for v, r in zip(text.to_pylist(), rare.to_pylist(), strict=True)]
        quoted = pc.if_else(rare, pa.array(fixed, pa.string()), quoted)
    return quoted


def _plain(value):
    """NumPy arrays and scalars (from nested Arrow columns) as JSON values."""
    return value.tolist() if hasattr(value, "tolist") else str(value)


def _python_json(values: pd.Series) -> pa.Array:
    items = values.astype(object).where(values.notna(), None)
    # json.dumps recurses: a value nested too deeply (pushed events, JSON read by pandas) is refused first.
    if any(python_depth_exceeds(v) for v in items):
        raise too_deep(f"attribute {values.name!r}")
    return pa.array([None if v is None or (isinstance(v, float) and not np.isfinite(v))
                     else json.dumps(v, ensure_ascii=False, default=_plain, sort_keys=True)
                     for v in items], pa.string())


def json_literal(values: pd.Series) -> pa.Array:
    """Each value as a JSON literal (text), null where the value is missing or not finite."""
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _python_json(values)
    kind = arr.type
    if pa.types.is_dictionary(kind):
        arr, kind = arr.cast(kind.value_type), kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _quoted(arr.cast(pa.string()))
    if pa.types.is_boolean(kind) or pa.types.is_integer(kind):
        return arr.cast(pa.string())
    if pa.types.is_floating(kind):
        finite = pc.is_finite(arr)
        return pc.if_else(finite, arr.cast(pa.string()), pa.scalar(None, pa.string()))
    if pa.types.is_timestamp(kind):
        return _quoted(pc.binary_join_element_wise(_utc_text(arr), "Z", ""))
    if pa.types.is_date(kind) or pa.types.is_time(kind) or pa.types.is_decimal(kind):
        return _quoted(arr.cast(pa.string()))
    if pa.types.is_null(kind):
        return pa.nulls(len(arr), pa.string())
    return _python_json(values)


def _utc_text(stamps: pa.Array) -> pa.Array:
    """Timestamps (UTC, or naive read as UTC) as ISO text without the zone."""
    try:
        utc = stamps.cast(pa.timestamp(stamps.type.unit, tz="UTC"))
        return pc.strftime(utc.cast(pa.timestamp("us", tz="UTC")), format="%Y-%m-%dT%H:%M:%S")
    except pa.ArrowInvalid:  # seconds or nanoseconds beyond what microseconds hold: NumPy writes any year
        ticks = stamps.cast(pa.int64()).fill_null(0).to_numpy()
        text = np.datetime_as_string(ticks.view(f"datetime64[{stamps.type.unit}]"), unit="s")
        return pa.array(text, pa.string(), mask=stamps.is_null().to_numpy(zero_copy_only=False))


def attributes_json(frame: pd.DataFrame, columns: list[str]) -> pa.Array:
    """One JSON object per row of the non-null `columns`, or null for a row with none.

    Attributes repeat (a channel, a region, a case's attributes on each of its events): the JSON
    is built once per distinct combination of values and gathered for the rows."""
    if not columns:
        return pa.nulls(len(frame), pa.string())
    combos = _distinct_rows(frame, columns)
    if combos is None:
        return _objects(frame, columns)
    first, inverse = combos
    return _objects(frame.iloc[first], columns).take(pa.array(inverse))


def _distinct_rows(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """Index of one row per distinct combination of values, and each row's combination; None when
    nearly every row is distinct (then building per row is as cheap)."""
    key = np.zeros(len(frame), dtype=np.int64)
    span = 1
    for name in columns:
        try:
            codes, uniques = pd.factorize(frame[name], use_na_sentinel=True)
        except (TypeError, pa.ArrowNotImplementedError, pa.ArrowInvalid):  # lists, dicts: not hashable
            return None
        width = len(uniques) + 1
        if span * width >= 2**62:
            return None
        key += (codes.astype(np.int64) + 1) * span
        span *= width
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return (first, inverse) if len(first) * 2 < len(frame) else None


def _objects(frame: pd.DataFrame, columns: list[str]) -> pa.Array:
    parts = []
    for name in sorted(columns):
        literal = json_literal(frame[name])
        key = json.dumps(str(name), ensure_ascii=False) + ":"
        parts.append(pc.binary_join_element_wise(key, literal, "", null_handling="emit_null"))
    # Join with a separator escaped JSON never holds raw (\x1e), then drop the empty slots of null
    # values. (null_handling="skip" would be simpler, but pyarrow 26 drops rows whose values are
    # all null when it is used.)
    body = pc.binary_join_element_wise(*parts, _SEP, null_handling="replace", null_replacement="")
    body = pc.replace_substring(pc.utf8_trim(pc.replace_substring_regex(body, _SEP + "+", _SEP), _SEP), _SEP, ",")
    empty = pc.equal(pc.utf8_length(body), 0)
    # NFC over the JSON text is NFC of every key and string in it: JSON's own characters ({}[]:,")
    # never compose with what follows them.
    return nfc(pc.if_else(empty, pa.scalar(None, pa.string()), pc.binary_join_element_wise("{", body, "}", "")))
