"""The sql connector's watermark: from the last row's value to text, and from text to the bind.

Text forms: a datetime as ISO 8601 (with its offset when the database gave one, naive when it gave
none, so binding it back compares like with like), an integer as its digits, a datetime the
database returned as text (SQLite) as that very text. Lookback: `lookback_s` shifts datetimes;
integer watermarks (ids) shift by `lookback_ids` instead, since seconds mean nothing to an id."""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

WatermarkType = Literal["datetime", "integer"]
_SAFE_LITERAL = re.compile(r"^[0-9T:.+\- ]*$")


def watermark_text(value: Any) -> str:
    """The watermark of a unit whose last row holds `value`."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        raise TypeError("a boolean cannot be a watermark")
    return str(value)


def _shift_text_time(raw: str, seconds: float) -> str:
    """`raw` (ISO-like text from the database) moved back by `seconds`, in the same shape."""
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00")) - timedelta(seconds=seconds)
    sep = raw[10] if len(raw) > 10 else " "
    fraction = re.search(r"\.(\d+)", raw)
    digits = len(fraction.group(1)) if fraction else 0
    text = moment.strftime(f"%Y-%m-%d{sep}%H:%M:%S")
    if digits:
        text += "." + f"{moment.microsecond:06d}"[:digits].ljust(digits, "0")
    if raw.endswith("Z"):
        return text + "Z"
    offset = moment.strftime("%z")
    if moment.tzinfo is not None and offset:
        return text + offset[:3] + ":" + offset[3:]
    return text


def bind_value(watermark: str | None, kind: WatermarkType, *, lookback_s: float, lookback_ids: int,
               dialect: str, initial: str | None) -> Any:
    """The value bound to `:watermark` (the first run reads from `initial` or from the minimum)."""
    if watermark is None and initial is not None:
        watermark, lookback_s, lookback_ids = initial, 0.0, 0
    if kind == "integer":
        return -(2 ** 63) if watermark is None else int(watermark) - lookback_ids
    if watermark is None:
        return "" if dialect == "sqlite" else datetime(1, 1, 1)
    if dialect == "sqlite":  # SQLite keeps datetimes as text: compare text of the same shape
        return _shift_text_time(watermark, lookback_s) if lookback_s else watermark
    return datetime.fromisoformat(watermark) - timedelta(seconds=lookback_s)


def sql_literal(value: Any) -> str:
    """`value` (an int or datetime made by bind_value) as a SQL literal for a query sent without
    parameters (ADBC's COPY path). Only digits and date punctuation can appear, so nothing from a
    watermark can change the query."""
    if isinstance(value, int):
        return str(value)
    text = value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)
    if not _SAFE_LITERAL.match(text):
        raise ValueError(f"unexpected watermark literal {text!r}")
    return f"'{text}'"


def sort_key(kind: WatermarkType):
    """Orders watermark texts (to keep the later one); aware moments compare in UTC."""
    if kind == "integer":
        return int

    def moment(text: str) -> datetime:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value

    return moment
