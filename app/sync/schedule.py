"""When a source is pulled next: a cron expression in its time zone, or every N seconds.

Pure functions over plain values (the schedule is the stored dict `{"cron", "timezone"}` or
`{"every_s"}`), so the arithmetic has fast tests of its own."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter


def cron_problem(expression: str) -> str | None:
    """Why `expression` is not a five-field cron expression, or None if it is one."""
    if len(expression.split()) != 5:
        return "a cron expression has five fields: minute hour day-of-month month day-of-week (e.g. */5 * * * *)"
    if not croniter.is_valid(expression):
        return f"{expression!r} is not a valid cron expression"
    return None


def zone_problem(name: str) -> str | None:
    """Why `name` is not an IANA time zone, or None."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r} (use an IANA name such as 'Europe/Rome')"
    return None


def next_run(schedule: dict, *, now: datetime, last_started: datetime | None = None) -> datetime:
    """The next moment the schedule asks for a run, in UTC.

    cron: the first match strictly after `now`, read in the schedule's time zone (so `0 9 * * *`
    in Europe/Rome is 09:00 there in summer and winter alike). every_s: `every_s` after the last
    run's start (or `now` when there was none, or it is long past: missed runs are not made up)."""
    if schedule.get("cron"):
        zone = ZoneInfo(schedule.get("timezone") or "UTC")
        return croniter(schedule["cron"], now.astimezone(zone)).get_next(datetime).astimezone(UTC)
    every = timedelta(seconds=float(schedule["every_s"]))
    if last_started is None:
        return now
    due = last_started + every
    return due if due > now - every else now
