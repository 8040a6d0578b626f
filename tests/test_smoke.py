from tests.helpers import make_source, stored_events, upload


def test_health_needs_no_key(client):
    r = client.get("/healthz", headers={"Authorization": ""})
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_small_csv_roundtrip(client, engine):
    sid = make_source(client, mapping={"case_id": "c", "activity": "a", "timestamp": "t"})
    r = upload(client, sid, b"c,a,t,x\n1,A,2024-01-01 10:00:00,foo\n1,B,2024-01-01 11:00:00,bar\n")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["events_ingested"], body["cases"], body["status"]) == (2, 1, "succeeded")
    assert stored_events(engine, sid) == 2
