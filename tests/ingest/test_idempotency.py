"""Idempotency, undo, and pushed events: nothing stored twice, nothing lost, undo is exact."""

import pandas as pd
from sqlalchemy import text

from tests.helpers import make_source, stored_events, upload

MAPPING = {"case_id": "case", "activity": "act", "timestamp": "ts", "lifecycle": "life"}
HEAD = b"case,act,ts,life,note\n"
A = b"1,Pack,2024-01-01 10:00:00,start,x\n1,Pack,2024-01-01 10:00:00,complete,x\n"  # differ in lifecycle
B = b"1,Ship,2024-01-02 10:00:00,complete,x\n"
C = b"2,Pack,2024-01-03 10:00:00,complete,y\n"


def test_start_and_complete_at_the_same_second_are_two_events(client, engine):
    sid = make_source(client, mapping=MAPPING)
    body = upload(client, sid, HEAD + A).json()
    assert (body["events_ingested"], body["events_duplicate"]) == (2, 0)


def test_duplicate_rows_in_one_file_are_stored_once_and_counted(client, engine):
    sid = make_source(client, mapping=MAPPING)
    body = upload(client, sid, HEAD + A + B + B + B).json()
    assert (body["events_ingested"], body["events_duplicate"], body["rows_read"]) == (3, 2, 5)
    assert stored_events(engine, sid) == 3


def test_an_attribute_difference_makes_another_event(client, engine):
    sid = make_source(client, mapping=MAPPING)
    body = upload(client, sid, HEAD + B + B.replace(b",x", b",z")).json()
    assert (body["events_ingested"], body["events_duplicate"]) == (2, 0)


def test_overlapping_uploads_and_exact_undo(client, engine):
    sid = make_source(client, mapping=MAPPING)
    first = upload(client, sid, HEAD + A + B).json()
    second = upload(client, sid, HEAD + B + C).json()  # B is stored already
    assert (first["events_ingested"], second["events_ingested"], second["events_duplicate"]) == (3, 1, 1)
    assert stored_events(engine, sid) == 4
    listed = client.get(f"/v1/sources/{sid}/uploads").json()
    assert [u["id"] for u in listed] == [second["id"], first["id"]]

    # Undo the second upload: only C goes (B belongs to the first upload, which added it).
    r = client.delete(f"/v1/uploads/{second['id']}")
    assert r.status_code == 200 and r.json()["events_deleted"] == 1
    with engine.connect() as conn:
        left = pd.DataFrame(conn.execute(text("SELECT case_id, activity FROM events ORDER BY ordinal")).all())
    assert sorted(map(tuple, left.to_numpy().tolist())) == [("1", "Pack"), ("1", "Pack"), ("1", "Ship")]
    assert client.get(f"/v1/uploads/{second['id']}").status_code == 404
    # Re-sending it now stores C again.
    assert upload(client, sid, HEAD + B + C).json()["events_ingested"] == 1


def test_same_events_in_two_sources_are_not_duplicates(client, engine):
    one, two = make_source(client, name="a", mapping=MAPPING), make_source(client, name="b", mapping=MAPPING)
    assert upload(client, one, HEAD + A).json()["events_ingested"] == 2
    assert upload(client, two, HEAD + A).json()["events_ingested"] == 2


def test_reject_stores_nothing_and_skip_stores_the_good_rows(client, engine):
    sid = make_source(client, mapping=MAPPING)
    bad = HEAD + A + b"3,Pack,not a time,complete,x\n" + b",Pack,2024-01-01 10:00:00,complete,x\n" + C
    r = upload(client, sid, bad)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["rows_rejected"] == 2
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [(3, "ts"), (4, "case")]
    assert "not a time" in problem["errors"][0]["message"]
    assert stored_events(engine, sid) == 0
    failed = client.get(f"/v1/uploads/{problem['upload_id']}").json()
    assert failed["status"] == "failed" and failed["rows_rejected"] == 2

    body = upload(client, sid, bad, on_error="skip").json()
    assert (body["events_ingested"], body["rows_rejected"], body["rows_read"]) == (3, 2, 5)
    assert stored_events(engine, sid) == 3


def test_pushed_events_with_and_without_event_ids(client, engine):
    sid = make_source(client, name="push")
    events = [{"case_id": "o-1", "activity": "Order", "timestamp": "2024-05-01T10:00:00+02:00",
               "resource": "web", "attributes": {"channel": "app"}, "event_id": "e1"},
              {"case_id": "o-1", "activity": "Pay", "timestamp": "2024-05-01T10:05:00+02:00", "event_id": "e2"}]
    r = client.post(f"/v1/sources/{sid}/events", json=events)
    assert r.status_code == 201, r.text
    assert (r.json()["events_ingested"], r.json()["kind"]) == (2, "push")
    # The event_id is the identity: a re-send with a changed payload is still a duplicate.
    events[1]["activity"] = "Payment"
    again = client.post(f"/v1/sources/{sid}/events", json=events).json()
    assert (again["events_ingested"], again["events_duplicate"]) == (0, 2)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT timestamp, resource, attributes, event_key FROM events "
                                "WHERE event_key = 'e1'")).one()
    assert row[0] == int(pd.Timestamp("2024-05-01T08:00:00Z").value // 1000)
    assert row[1] == "web" and "app" in str(row[2])


def test_pushed_bad_event_names_its_row(client, engine):
    sid = make_source(client, name="push")
    r = client.post(f"/v1/sources/{sid}/events", json=[
        {"case_id": "1", "activity": "A", "timestamp": "2024-05-01T10:00:00Z"},
        {"case_id": "1", "activity": "", "timestamp": "2024-05-01T10:00:00Z"}])
    assert r.status_code == 422
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(2, "activity")]
    assert stored_events(engine, sid) == 0
