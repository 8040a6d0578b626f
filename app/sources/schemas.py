"""The sources API contract."""

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.ingest.options import ColumnName, NulFree
from app.ingest.timestamps import check_timestamp_format
from app.mining.lifecycle import Mode as LifecycleMode
from app.params import RequestBody, drop_null_defaults, refuse_null

MODES = {m.value for m in LifecycleMode}


class SystemKind(StrEnum):
    ticketing = "ticketing"
    crm = "crm"
    ops = "ops"
    other = "other"


class Mapping(RequestBody):
    """Which column of the source's files holds each canonical field.

    Unset fields default to the XES standard keys (`case:concept:name`, `concept:name`,
    `time:timestamp`, `org:resource`, `org:role` or else `org:group`, `lifecycle:transition`)."""

    case_id: ColumnName | None = None
    activity: ColumnName | list[ColumnName] | None = Field(
        default=None, description="One column, or several joined by activity_separator.")
    timestamp: ColumnName | None = None
    start_timestamp: ColumnName | None = None
    resource: ColumnName | None = None
    role: ColumnName | None = None
    lifecycle_column: ColumnName | None = Field(
        default=None, description="Column of lifecycle transitions (start, complete, schedule, suspend, resume, "
                                  "ate_abort, ...); default lifecycle:transition.")
    lifecycle: LifecycleMode | None = Field(
        default=None, description="How events become activity instances: 'pair' (a start and its complete are one "
                                  "instance; the default when the source has both), 'complete_only', or 'events' "
                                  "(each event is an instance).")
    thread: ColumnName | None = Field(
        default=None, description="Attribute naming the thread an event belongs to within its case (a ticket, a "
                                  "shipment, an appointment id): flows join events of one thread, and each thread's "
                                  "first event to the event before it. Default: one thread per source.")
    event_id: ColumnName | None = Field(default=None, description="A column of stable event ids (idempotency key).")
    timestamp_format: NulFree | None = Field(
        default=None, description="strftime format, or 'epoch_s' / 'epoch_ms'; default ISO 8601.")
    activity_separator: NulFree = "+"

    @model_validator(mode="before")
    @classmethod
    def _lifecycle_column(cls, v):
        # Before 'lifecycle' named the mode it named the column: such a value still means the column.
        if isinstance(v, dict) and isinstance(v.get("lifecycle"), str) and v["lifecycle"] not in MODES:
            v = {**v, "lifecycle_column": v.get("lifecycle_column") or v["lifecycle"], "lifecycle": None}
        return v

    @field_validator("activity")
    @classmethod
    def _activity_not_empty(cls, v):
        if isinstance(v, list) and not v:
            raise ValueError("activity needs at least one column")
        return v

    @field_validator("timestamp_format")
    @classmethod
    def _usable_format(cls, v):
        return None if v is None else check_timestamp_format(v)


# The sources.timezone column's width; the longest IANA name is 32 characters.
MAX_ZONE = 64


def _check_zone(v: str) -> str:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a name too long for a file
        raise ValueError(f"unknown time zone {v!r} (use an IANA name such as 'Europe/Rome')") from exc
    return v


class SourceCreate(RequestBody):
    name: NulFree = Field(min_length=1, max_length=200)
    system: SystemKind = SystemKind.other
    timezone: NulFree = Field(default="UTC", max_length=MAX_ZONE,
                              description="Zone of naive timestamps in this source's files (IANA name).")
    mapping: Mapping = Field(default_factory=Mapping)

    _zone = field_validator("timezone")(_check_zone)


class SourceUpdate(RequestBody):
    """The fields to change; a field left out keeps its value (none may be set to null)."""

    model_config = ConfigDict(json_schema_extra=drop_null_defaults)

    # Defaults of None mark "left out": pydantic does not validate defaults, and refuses a null sent.
    name: NulFree = Field(default=None, min_length=1, max_length=200)
    system: SystemKind = None
    timezone: str = Field(default=None, max_length=MAX_ZONE)
    mapping: Mapping = None

    _not_null = field_validator("name", "system", "timezone", "mapping", mode="before")(refuse_null)
    _zone = field_validator("timezone")(_check_zone)


class SourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    system: SystemKind
    timezone: str
    mapping: Mapping
    created_at: datetime
    updated_at: datetime


class SourceStats(BaseModel):
    source_id: int
    events: int
    cases: int
    activities: int
    resources: int
    first_timestamp: datetime | None
    last_timestamp: datetime | None
    uploads: int
    last_ingest_at: datetime | None
