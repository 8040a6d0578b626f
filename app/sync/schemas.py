"""The sync API contract: a source's configuration (credentials write-only) and its runs."""

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from app.ingest.schemas import RowError
from app.sync.schedule import cron_problem, zone_problem

# SQLite hands timestamps back without their zone; they are UTC, and the API says so.
Utc = Annotated[datetime, AfterValidator(lambda v: v if v.tzinfo else v.replace(tzinfo=UTC))]


class Schedule(BaseModel):
    """`{"cron": "*/5 * * * *", "timezone": "Europe/Rome"}` or `{"every_s": 300}`."""

    model_config = ConfigDict(extra="forbid")

    cron: str | None = Field(default=None, description="Five-field cron expression, read in `timezone`.")
    timezone: str = Field(default="UTC", description="IANA time zone of the cron expression.")
    every_s: int | None = Field(default=None, ge=1, le=366 * 86400,
                                description="Seconds between the starts of two runs (instead of cron).")

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is not None and (problem := cron_problem(v)):
            raise ValueError(problem)
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        if problem := zone_problem(v):
            raise ValueError(problem)
        return v

    @model_validator(mode="after")
    def _one_kind(self) -> "Schedule":
        if (self.cron is None) == (self.every_s is None):
            raise ValueError("give either cron (with an optional timezone) or every_s")
        return self


class SyncConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connector: str = Field(description="sql, http_json or files.")
    params: dict[str, Any] = Field(default_factory=dict, description="The connector's parameters.")
    credentials: dict[str, Any] | None = Field(
        default=None, description="Write-only: stored encrypted, never returned. Omit to keep the stored ones.")
    schedule: Schedule
    enabled: bool = True
    lookback_s: float = Field(default=0.0, ge=0, le=30 * 86400,
                              description="Re-read this much before the watermark each run (late records); "
                                          "events already stored are recognised by their digest.")
    reset_watermark: bool = Field(default=False, description="Start the next run from the beginning.")


class SyncRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source_id: int
    status: str = Field(description="queued, running, succeeded or failed")
    trigger: str = Field(description="schedule or manual")
    attempts: int = Field(description="How many times a worker started it (more after a crash or a stop).")
    created_at: Utc
    started_at: Utc | None
    finished_at: Utc | None
    pages: int = Field(description="Pages, chunks or files read.")
    files: int
    retries: int
    rows_read: int
    events_ingested: int
    events_duplicate: int
    events_updated: int = Field(description="Events whose id was stored already with other content, replaced.")
    rows_rejected: int
    errors: list[RowError]
    watermark_before: str | None
    watermark_after: str | None
    newest_event_at: Utc | None
    error: str | None = Field(description="What to fix, when failed.")


class SyncConfigOut(BaseModel):
    source_id: int
    connector: str
    params: dict[str, Any]
    credentials_set: bool
    schedule: dict[str, Any]
    enabled: bool
    lookback_s: float
    watermark: str | None
    next_run_at: Utc | None
    last_run: SyncRunOut | None
    created_at: Utc
    updated_at: Utc


class SyncRunPage(BaseModel):
    items: list[SyncRunOut]
    total: int
    limit: int
    offset: int
