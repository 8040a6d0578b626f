"""Dates the Rust readers cannot hold, named after they panic.

rustxes (XES, and pm4py's OCEL 2.0 readers) stores dates as int64 nanoseconds and panics with
"called `Option::unwrap()` on a `None` value" on a date outside 1677-09-21..2262-04-11: the file
cannot be read past it, so no row can be skipped. Only after such a panic is the text searched
(C-level regex passes) for a date whose year lies outside 1678..2261, to say which one it was."""

import re
from pathlib import Path

from app.errors import AppError, InvalidInput, UnprocessableEvents
from app.ingest.timestamps import RANGE_TEXT

PANIC = "Option::unwrap()"
_YEAR = rb"(?:[+-]\d|\d{5}|0\d{3}|1[0-5]\d\d|16[0-6]\d|1677|226[2-9]|22[7-9]\d|2[3-9]\d\d|[3-9]\d{3})"
_XES_DATE = re.compile(rb"<date\b[^>]*?\bvalue\s*=\s*[\"']\s*" + _YEAR)
# OCEL 2.0: "time": "..." (JSON) or time="..." (XML), and date-typed attribute values.
_QUOTED_DATE = re.compile(rb"[\"']\s*(" + _YEAR + rb"\d*-\d\d-\d\d[T ]\d\d:\d\d[^\"']{0,30})[\"']")
_ATTRIBUTE = {name: re.compile(rb"\b" + name + rb"\s*=\s*[\"']([^\"']*)") for name in (b"key", b"value")}
_CHUNK = 16 << 20
_HINT = "a date the reader cannot read (year outside 1900..2200?)"


def unreadable_xes(reason: str, xml: bytes, events_before: int) -> AppError:
    """The error for XES that rustxes failed on; a date it cannot hold is named, with its event.

    `xml` is the text it failed on, holding whole traces; `events_before`, the events before it."""
    if PANIC not in reason:
        return InvalidInput(f"cannot parse the XES file: {reason}")
    found = _XES_DATE.search(xml)
    if found is None:
        return InvalidInput(f"cannot parse the XES file: the reader failed ({reason}); does it hold {_HINT}")
    tag = xml[found.start():xml.find(b">", found.start()) + 1]
    key, value = (_ATTRIBUTE[name].search(tag) for name in (b"key", b"value"))
    key = key.group(1).decode(errors="replace") if key else None
    value = value.group(1).decode(errors="replace")[:40] if value else "?"
    # Inside an event: that event; among a trace's own attributes: the trace's next event.
    opened, closed = xml.rfind(b"<event", 0, found.start()), xml.rfind(b"</event", 0, found.start())
    row = events_before + xml.count(b"<event", 0, found.start()) + (0 if opened > closed else 1)
    return UnprocessableEvents(
        f"the XES file holds a date rustxes cannot read: {value} ({key!r}, event {row}); timestamps must lie in "
        f"the supported range {RANGE_TEXT}. The reader stops there, so nothing was stored (on_error=skip "
        "cannot skip it)",
        errors=[{"row": row, "column": key,
                 "message": f"timestamp {value} is outside the supported range {RANGE_TEXT}"}])


def unreadable_ocel(reason: str, path: Path) -> AppError:
    """The error for an OCEL 2.0 file its reader failed on; a date it cannot hold is named."""
    if PANIC not in reason:
        return InvalidInput(f"cannot parse the OCEL 2.0 file: {reason}")
    value = _first_quoted_date(path)
    if value is None:
        return InvalidInput(f"cannot parse the OCEL 2.0 file: the reader failed ({reason}); does it hold {_HINT}")
    return UnprocessableEvents(
        f"the OCEL 2.0 file holds a date its reader cannot read: {value}; timestamps must lie in the supported "
        f"range {RANGE_TEXT}. The reader stops there, so nothing was stored (on_error=skip cannot skip it)",
        errors=[{"row": None, "column": None,
                 "message": f"timestamp {value} is outside the supported range {RANGE_TEXT}"}])


def _first_quoted_date(path: Path) -> str | None:
    """The first quoted date-like text with a year outside 1678..2261, scanning in chunks."""
    tail = b""
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            found = _QUOTED_DATE.search(tail + chunk)
            if found:
                return found.group(1).decode(errors="replace")[:40]
            tail = chunk[-64:]  # a date cut by the chunk boundary is found in the next pass
    return None
