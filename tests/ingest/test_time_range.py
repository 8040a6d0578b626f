"""The supported time range (years 1900..2200 after conversion to UTC) on every ingest path.

Each out-of-range value is a row error (row, column, reason); with on_error=reject nothing is stored,
with on_error=skip the others are; and nothing stored can make the stats or the feed fail."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import text

from app.ingest.fasttime import fast_micros
from app.ingest.parsers import xes as xes_parser
from app.ingest.timestamps import MAX_MICROS, MIN_MICROS, NAT, parse_times
from tests.helpers import make_source, stored_events, upload
from tests.support import badfiles as bad
from tests.support.problems import problem, refused, row_errors

RANGE = bad.RANGE


def stored_times(engine, sid: int) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT activity, timestamp FROM events WHERE source_id = :s"),
                                 {"s": sid}).all())


def readable(client, sid: int) -> dict:
    """The source's stats, and the feed of a blueprint over it: both must answer 200."""
    stats = client.get(f"/v1/sources/{sid}/stats")
    assert stats.status_code == 200, stats.text
    bp = client.post("/v1/blueprints", json={"name": f"over {sid}", "sources": [sid]})
    assert bp.status_code == 201, bp.text
    feed = client.get(f"/v1/blueprints/{bp.json()['id']}/feed")
    assert feed.status_code == 200, feed.text
    return stats.json()


def test_year_1_in_a_zone_is_refused_and_the_source_stays_readable(client, engine):
    # Read in Europe/Rome, 0001-01-01T00:00 is year 0 in UTC: it used to be stored, and then the
    # stats and every feed answered 500 ("year 0 is out of range").
    sid = make_source(client, mapping=bad.MAPPING, timezone="Europe/Rome")
    content = bad.csv("r1,A,2024-05-01T10:00:00", "r1,B,0001-01-01T00:00:00")
    body = refused(client, engine, sid, content, 422, "1 of 2 rows are invalid")
    assert body["errors"] == [{"row": 2, "column": "time",
                               "message": f"timestamp 0001-01-01T00:00:00 {RANGE}"}]
    assert readable(client, sid)["events"] == 0
    r = upload(client, sid, content, on_error="skip")
    assert r.status_code == 201, r.text
    assert (r.json()["events_ingested"], r.json()["rows_rejected"]) == (1, 1)
    stats = readable(client, sid)
    assert stats["first_timestamp"] == stats["last_timestamp"] == "2024-05-01T08:00:00Z"


def test_the_range_is_exact_and_applies_after_conversion_to_utc(client, engine):
    sid = make_source(client, mapping=bad.MAPPING)
    content = bad.csv("b1,first,1900-01-01T00:00:00Z", "b1,early,1899-12-31T23:59:59.999999Z",
                      "b1,last,2200-12-31T23:59:59.999999Z", "b1,late,2201-01-01T00:00:00Z",
                      "b1,shifted,1900-01-01T00:30:00+01:00")
    r = upload(client, sid, content, on_error="skip")
    assert r.status_code == 201, r.text
    assert sorted(row_errors(r.json())) == [(2, "time"), (4, "time"), (5, "time")]
    assert stored_times(engine, sid) == {"first": MIN_MICROS, "last": MAX_MICROS}
    stats = readable(client, sid)
    assert (stats["first_timestamp"], stats["last_timestamp"]) == ("1900-01-01T00:00:00Z",
                                                                   "2200-12-31T23:59:59.999999Z")


def test_naive_times_near_the_bounds_are_judged_in_utc(client, engine):
    # Rome was UTC+1 in 1900: its local midnight of 1 January 1900 is 1899 in UTC.
    sid = make_source(client, mapping=bad.MAPPING, timezone="Europe/Rome")
    body = refused(client, engine, sid, bad.csv("n1,A,1900-01-01 00:30:00", "n1,B,1900-01-01 01:30:00"), 422)
    assert row_errors(body) == [(1, "time")]


def test_start_timestamp_outside_the_range(client, engine):
    sid = make_source(client, mapping={**bad.MAPPING, "start_timestamp": "start"})
    content = bad.csv(f"s1,A,{bad.TS},2024-01-01 09:00:00", f"s1,B,{bad.TS},1850-01-01 09:00:00",
                      header=b"case,activity,time,start\n")
    body = refused(client, engine, sid, content, 422, "1 of 2 rows are invalid")
    assert body["errors"] == [{"row": 2, "column": "start",
                               "message": f"timestamp 1850-01-01 09:00:00 {RANGE}"}]


def test_parquet_microseconds_out_of_range_skip_keeps_the_rest(client, engine):
    sid = make_source(client, mapping=bad.MAPPING)
    stamps = pa.array([10**18, 1_704_103_200_000_000, -(10**18)], pa.timestamp("us"))
    r = upload(client, sid, bad.parquet_with(time=stamps[:2]), name="log.parquet", on_error="skip")
    assert r.status_code == 201, r.text
    assert r.json()["errors"] == [{"row": 1, "column": "time", "message": f"timestamp 33658-09-27T01:46:40 {RANGE}"}]
    assert stored_times(engine, sid) == {"B": 1_704_103_200_000_000}
    assert readable(client, sid)["last_timestamp"] == "2024-01-01T10:00:00Z"


def test_pushed_event_in_year_1_is_refused(client, engine, source):
    before = stored_events(engine, source)
    r = client.post(f"/v1/sources/{source}/events", json=[
        {"case_id": "p1", "activity": "A", "timestamp": "2024-01-01T10:00:00Z"},
        {"case_id": "p1", "activity": "B", "timestamp": "0001-01-01T00:00:00+05:00"},
        {"case_id": "p1", "activity": "C", "timestamp": "2024-01-01T11:00:00Z",
         "start_timestamp": "2999-01-01T00:00:00Z"}])
    body = problem(r, 422, "2 of 3 rows are invalid")
    assert body["errors"] == [
        {"row": 2, "column": "timestamp", "message": f"timestamp 0001-01-01T00:00:00+05:00 {RANGE}"},
        {"row": 3, "column": "start_timestamp", "message": f"timestamp 2999-01-01T00:00:00Z {RANGE}"}]
    assert stored_events(engine, source) == before
    readable(client, source)


@pytest.mark.parametrize("value,shown", [("100000000000000000", "100000000000000000"), ("1e20", "1e20"),
                                         ("-2208988800001", "-2208988800001")])
def test_epoch_numbers_outside_the_range(client, engine, value, shown):
    sid = make_source(client, mapping={**bad.MAPPING, "timestamp_format": "epoch_ms"})
    body = refused(client, engine, sid, bad.csv("e1,A,1704103200000", f"e1,B,{value}"), 422)
    assert body["errors"] == [{"row": 2, "column": "time", "message": f"timestamp {shown} {RANGE}"}]


def test_xes_date_rustxes_reads_but_outside_the_range_is_a_row_error(client, engine, xes_source):
    log = bad.xes_log([("A", "2024-01-01T10:00:00.000+00:00"), ("B", "1800-01-01T10:00:00.000+00:00")],
                      [("C", "2250-06-01T10:00:00.000+02:00")])
    body = refused(client, engine, xes_source, log, 422, "2 of 3 rows are invalid", name="old.xes")
    assert body["errors"] == [
        {"row": 2, "column": "time:timestamp", "message": f"timestamp 1800-01-01T10:00:00Z {RANGE}"},
        {"row": 3, "column": "time:timestamp", "message": f"timestamp 2250-06-01T08:00:00Z {RANGE}"}]
    r = upload(client, xes_source, log, name="old.xes", on_error="skip")
    assert r.status_code == 201 and r.json()["events_ingested"] == 1, r.text
    readable(client, xes_source)


def test_xes_date_rustxes_cannot_read_is_named_in_a_later_piece(client, engine, xes_source, monkeypatch):
    # Small pieces: the bad date is in a later piece, so its event number counts the pieces before.
    monkeypatch.setattr(xes_parser, "PIECE_BYTES", 2048)
    good = [(f"A{i}", "2024-01-01T10:00:00.000+00:00") for i in range(3)]
    log = bad.xes_log(*[good] * 20, [("X", "2024-01-01T10:00:00.000+00:00"), ("Y", "9999-12-31T00:00:00.000Z")])
    body = refused(client, engine, xes_source, log, 422, "rustxes cannot read: 9999-12-31T00:00:00.000Z",
                   "event 62", "on_error=skip cannot skip it", name="big.xes")
    assert row_errors(body) == [(62, "time:timestamp")]


def test_ocel_date_outside_the_range(client, engine):
    sid = make_source(client, name="orders")
    content = bad.ocel_json("2024-01-01T10:00:00Z", "1800-01-01T10:00:00Z")
    body = refused(client, engine, sid, content, 422, "1 of 2 rows are invalid", name="log.jsonocel",
                   object_type="order")
    assert body["errors"][0]["message"] == f"timestamp 1800-01-01T10:00:00 {RANGE}"
    refused(client, engine, sid, bad.ocel_json("2024-01-01T10:00:00Z", "0001-01-01T10:00:00Z"), 422,
            "date its reader cannot read: 0001-01-01T10:00:00Z", name="log.jsonocel", object_type="order")


def test_stats_read_any_stored_value(client, engine, source):
    # Rows stored before the range was enforced, beyond what a Python datetime holds (here year 0 and
    # year 10000, written directly), read as unknown instead of failing the request.
    insert = text("INSERT INTO events (source_id, hash_hi, hash_lo, workspace_id, upload_id, case_id, activity, "
                  "timestamp, ordinal) VALUES (:s, :h, 0, 1, 1, 'legacy', 'L', :t, 0)")
    with engine.begin() as conn:
        for i, micros in enumerate((-62_198_755_200_000_000, 253_402_300_800_000_000)):
            conn.execute(insert, {"s": source, "h": i, "t": micros})
    stats = client.get(f"/v1/sources/{source}/stats")
    assert stats.status_code == 200, stats.text
    assert (stats.json()["first_timestamp"], stats.json()["last_timestamp"]) == (None, None)


# The checks themselves: both timestamp paths, before any unit or zone change


def test_fast_path_leaves_out_of_range_batches_to_the_slow_path():
    inside = pd.Series(["2024-01-01T10:00:00", "1900-01-01T01:00:00"], dtype="str")
    assert fast_micros(inside, fmt=None, zone="UTC").tolist() == [1_704_103_200_000_000, MIN_MICROS + 3_600_000_000]
    for outside in (["2024-01-01T10:00:00", "0001-01-01T00:00:00"], ["2201-01-01T00:00:00Z"]):
        assert fast_micros(pd.Series(outside, dtype="str"), fmt=None, zone="UTC") is None
    assert fast_micros(pd.Series(["1900-01-01T00:30:00"], dtype="str"), fmt=None, zone="Europe/Rome") is None


@pytest.mark.parametrize("values,zone,shown", [
    (np.array([10**15, 1_704_103_200], dtype="datetime64[s]"), "UTC", "31690708-07-05T01:46:40"),
    # Localising 1677-09-21 (the first nanosecond pandas holds) west of UTC used to overflow.
    (np.array([-(2**63) + 1, 0], dtype="datetime64[ns]"), "America/New_York", "1677-09-21T00:12:43"),
    (np.array([2**63 - 1, 0], dtype="datetime64[ms]"), "Asia/Tokyo", "292278994-08-17T07:12:55"),
])
def test_slow_path_checks_datetimes_in_their_own_unit(values, zone, shown):
    parsed = parse_times(pd.Series(values), column="t", fmt=None, zone=zone)
    assert parsed.bad.tolist() == [True, False]
    assert parsed.micros[0] == NAT and parsed.reason[0] == f"timestamp {shown} {RANGE}"
