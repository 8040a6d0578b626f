"""Schedule arithmetic: cron in its own time zone (across daylight saving), every_s from the last start."""

from datetime import UTC, datetime, timedelta

from app.sync.schedule import cron_problem, next_run, zone_problem


def test_cron_is_read_in_its_time_zone_across_daylight_saving():
    schedule = {"cron": "0 9 * * *", "timezone": "Europe/Rome"}
    winter = next_run(schedule, now=datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    summer = next_run(schedule, now=winter)
    assert winter == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # the clocks went forward that night: 09:00 CEST
    assert summer == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert next_run(schedule, now=datetime(2026, 1, 10, 7, 59, tzinfo=UTC)) == datetime(2026, 1, 10, 8, 0, tzinfo=UTC)


def test_every_five_minutes_is_strictly_after_now():
    at = datetime(2026, 5, 1, 10, 5, tzinfo=UTC)
    assert next_run({"cron": "*/5 * * * *", "timezone": "UTC"}, now=at) == at + timedelta(minutes=5)


def test_every_s_counts_from_the_last_start_and_never_makes_up_missed_runs():
    now = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    assert next_run({"every_s": 300}, now=now) == now  # never ran: now
    assert next_run({"every_s": 300}, now=now, last_started=now - timedelta(seconds=100)) == \
        now + timedelta(seconds=200)
    assert next_run({"every_s": 300}, now=now, last_started=now - timedelta(days=2)) == now


def test_problems_are_said_plainly():
    assert cron_problem("*/5 * * * *") is None and zone_problem("Europe/Rome") is None
    assert "five fields" in cron_problem("* * *")
    assert cron_problem("99 * * * *") == "'99 * * * *' is not a valid cron expression"
    assert zone_problem("Mars/Olympus") == "unknown time zone 'Mars/Olympus' (use an IANA name such as 'Europe/Rome')"
