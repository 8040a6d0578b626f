"""Column types shared by the tables."""

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

Json = JSON().with_variant(JSONB(), "postgresql")


class UtcTimestamp(TypeDecorator):
    """A point in time, stored in UTC and always read back aware (tzinfo=UTC), on every backend.

    SQLite keeps DateTime(timezone=True) as text without an offset and returns naive datetimes;
    PostgreSQL returns the session's time zone. Either way a response would lose or vary the offset.
    Naive values given to it are taken as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Timestamp = UtcTimestamp()


def utcnow() -> datetime:
    return datetime.now(UTC)
