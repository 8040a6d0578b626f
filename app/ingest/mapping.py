"""Resolve a source's mapping against the columns a file really has."""

from dataclasses import dataclass
from typing import Any

from app.errors import UnprocessableEvents
from app.ingest.unicode import nfc_name

# XES standard keys: the defaults for every field the mapping leaves unset.
DEFAULTS: dict[str, tuple[str, ...]] = {
    "case_id": ("case:concept:name",),
    "activity": ("concept:name",),
    "timestamp": ("time:timestamp",),
    "start_timestamp": ("start_timestamp", "time:start_timestamp"),
    "resource": ("org:resource",),
    "role": ("org:role", "org:group"),
    "lifecycle": ("lifecycle:transition",),
}
COLUMN_KEY = {"lifecycle": "lifecycle_column"}  # the mapping key naming a field's column, where it differs
MODES = ("pair", "complete_only", "events")  # values of the mapping's `lifecycle` (the mode), not columns
REQUIRED = ("case_id", "activity", "timestamp")
OPTIONAL = ("start_timestamp", "resource", "role", "lifecycle", "event_id")


@dataclass(frozen=True)
class ResolvedMapping:
    case_id: str
    activity: tuple[str, ...]
    timestamp: str
    start_timestamp: str | None = None
    resource: str | None = None
    role: str | None = None
    lifecycle: str | None = None
    event_id: str | None = None
    timestamp_format: str | None = None
    separator: str = "+"

    def used_columns(self) -> set[str]:
        """Columns consumed by canonical fields; every other column becomes an attribute."""
        used = {self.case_id, self.timestamp, *self.activity}
        used.update(c for c in (self.start_timestamp, self.resource, self.role, self.lifecycle, self.event_id)
                    if c)
        return used


def _missing(field: str, column: str, columns: list[str], explicit: bool) -> UnprocessableEvents:
    shown = columns[:30] + (["..."] if len(columns) > 30 else [])
    how = "the source maps it to" if explicit else "no mapping given; the default is"
    return UnprocessableEvents(
        f"{field}: {how} column {column!r}, which the file does not have (it has {shown})",
        errors=[{"row": None, "column": column, "message": f"column for {field} not found"}])


def resolve(mapping: dict[str, Any], columns: list[str]) -> ResolvedMapping:
    """Pick each canonical field's column(s); missing required or explicitly mapped ones are errors."""
    present = set(columns)
    chosen: dict[str, Any] = {}
    for field in REQUIRED + OPTIONAL:
        value = mapping.get(COLUMN_KEY.get(field, field))
        if field == "lifecycle" and not value and mapping.get("lifecycle") not in MODES:
            value = mapping.get("lifecycle")  # stored before the mode took the name
        if value:
            # Column names are compared in NFC, as the file's own are (service._store).
            names = tuple(nfc_name(n) for n in (value if isinstance(value, list) else [value]))
            for name in names:
                if name not in present:
                    raise _missing(field, name, columns, explicit=True)
            chosen[field] = names if field == "activity" else names[0]
            continue
        fallback = next((c for c in DEFAULTS.get(field, ()) if c in present), None)
        if fallback is None and field in REQUIRED:
            raise _missing(field, DEFAULTS[field][0], columns, explicit=False)
        if fallback is not None:
            chosen[field] = (fallback,) if field == "activity" else fallback
    return ResolvedMapping(**chosen, timestamp_format=mapping.get("timestamp_format"),
                           separator=mapping.get("activity_separator", "+"))
