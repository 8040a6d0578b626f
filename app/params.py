"""Parameter types shared by the routers: bounded ids, RFC 3339 date-times, the request-body base."""

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

# Ids are INTEGER columns: 32-bit on PostgreSQL (64-bit on SQLite). A larger number cannot name
# anything, and would overflow the driver or the server (a 500) if it reached a query.
MAX_ID = 2**31 - 1
# Path ids outside this range answer 404 "no <thing> <id>" (app/errors.py): such a thing cannot exist.
SourceId = Annotated[int, Path(ge=1, le=MAX_ID, description="A source's id", examples=[1])]
UploadId = Annotated[int, Path(ge=1, le=MAX_ID, description="An upload's id", examples=[1])]
BlueprintId = Annotated[int, Path(ge=1, le=MAX_ID, description="A blueprint's id", examples=[1])]
SyncRunId = Annotated[int, Path(ge=1, le=MAX_ID, description="A sync run's id", examples=[1])]
# How many items a page skips: bounded like ids, since an OFFSET beyond 64 bits overflows the
# driver (found by `make fuzz` on GET /v1/sources/{id}/sync/runs).
PageOffset = Annotated[int, Query(ge=0, le=MAX_ID, description="How many items to skip")]
# An id inside a request body (out of range: 422 naming the field).
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})?")
DATE_TIME_TEXT = ("an RFC 3339 date-time such as 2026-01-31T09:00:00Z or 2026-01-31T10:00:00+01:00; "
                  "without an offset it is read as UTC")


def _date_time_text(value: object) -> object:
    """Only text in the RFC 3339 shape: no numbers read as Unix times, no bare dates."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value.strip()):
        raise PydanticCustomError("rfc3339", "expected " + DATE_TIME_TEXT)
    text = value.strip()
    if "." in text:  # Python keeps microseconds: cut finer fractions, keep the offset
        head, _, tail = text.partition(".")
        digits = re.match(r"\d+", tail).group()
        text = head + "." + digits[:6].ljust(6, "0") + tail[len(digits):]
    try:
        return datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError as exc:
        raise PydanticCustomError("rfc3339", "not a valid date-time: {reason}", {"reason": str(exc)}) from exc


def _as_utc(value: datetime) -> datetime:
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise PydanticCustomError("rfc3339", "the date-time is out of range once in UTC") from exc


# A date-time given as RFC 3339 text, returned in UTC (naive text is read as UTC).
UtcDateTime = Annotated[datetime, BeforeValidator(_date_time_text), AfterValidator(_as_utc),
                        WithJsonSchema({"type": "string", "format": "date-time"})]


def _nul_at(value: object, where: str = "") -> str | None:
    """Where in a JSON value a string (or key) holds a NUL character, if anywhere."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        path = f"{where}.{key}" if where else str(key)
        if isinstance(key, str) and "\x00" in key:
            return path
        found = _nul_at(item, path)
        if found is not None:
            return found
    return None


class RequestBody(BaseModel):
    """Base of request bodies: unknown fields are refused (422 naming them), and so are NaN and
    Infinity (Python's JSON reader accepts them; no response could carry them back as JSON) and
    NUL characters (PostgreSQL text and JSON cannot hold them: SQLite would, PostgreSQL would 500)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: object) -> object:
        where = _nul_at(data)
        if where is not None:
            # app/errors.py adds `where` to the error's location: body.lanes.0.match.activity
            raise PydanticCustomError("nul_character", "holds a NUL character (\\u0000), which cannot be stored",
                                      {"where": where})
        return data


def refuse_null(value: object) -> object:
    """For fields that may be left out but not set to null (a before-validator)."""
    if value is None:
        raise PydanticCustomError("not_null", "may not be null")
    return value


def drop_null_defaults(schema: dict) -> None:
    """json_schema_extra of such models: their defaults of None are no values a client may send."""
    for prop in schema.get("properties", {}).values():
        if prop.get("default", ...) is None:
            del prop["default"]
