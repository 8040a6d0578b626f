"""The uploads API contract."""

import math
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.ingest.options import NulFree, delimiter_problem, encoding_problem


class OnError(StrEnum):
    reject = "reject"
    skip = "skip"


class UploadOptions(BaseModel):
    """Query parameters of an upload, checked before the body is read (they are stored with it)."""

    format: NulFree | None = None
    on_error: OnError = OnError.reject
    delimiter: NulFree | None = Field(default=None, description="One printable ASCII character, or a tab.")
    encoding: NulFree | None = Field(default=None, description="A text encoding, e.g. latin-1, cp1252, utf-16.")
    object_type: NulFree | None = None
    resource_object_type: NulFree | None = None

    @field_validator("delimiter")
    @classmethod
    def _one_byte(cls, v):
        if v is not None and (problem := delimiter_problem(v)):
            raise ValueError(problem)
        return v

    @field_validator("encoding")
    @classmethod
    def _text_encoding(cls, v):
        if v is not None and (problem := encoding_problem(v)):
            raise ValueError(problem)
        return v


class RowError(BaseModel):
    row: int | None = Field(description="1-based row (event) number in the file; null for the whole file")
    column: str | None
    message: str


class UploadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source_id: int
    kind: str
    filename: str
    format: str
    status: str = Field(description="queued, running, succeeded or failed")
    size_bytes: int
    rows_read: int
    events_ingested: int
    events_duplicate: int
    cases: int
    rows_rejected: int
    errors: list[RowError]
    detail: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class UploadDeleted(BaseModel):
    id: int
    events_deleted: int = Field(description="the events the upload had added, now removed")


def _non_finite(value, depth: int = 0) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if depth > 64:
        return False
    if isinstance(value, dict):
        return any(_non_finite(v, depth + 1) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_non_finite(v, depth + 1) for v in value)
    return False


class PushedEvent(BaseModel):
    """An event pushed by a system: canonical field names, extra fields go to attributes."""

    model_config = ConfigDict(extra="allow")

    case_id: Any = None
    activity: Any = None
    timestamp: Any = None
    start_timestamp: Any = None
    resource: Any = None
    role: Any = None
    lifecycle: Any = None
    event_id: Any = None
    attributes: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _finite(self):
        """NaN and infinities are no values JSON can keep: refused, naming the field."""
        for name, value in [*(self.model_extra or {}).items(), *(self.attributes or {}).items()]:
            if _non_finite(value):
                raise ValueError(f"{name!r} holds {value!r}, which is not a finite number")
        return self
