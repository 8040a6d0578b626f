"""Sources: register, change, list, delete, and their stats against a hand count."""

from tests.helpers import make_source, stored_events, upload

MAPPING = {"case_id": "case", "activity": "act", "timestamp": "ts", "resource": "who"}
CSV = (b"case,act,ts,who\n"
       b"1,Open,2024-03-01 09:00:00,ann\n1,Close,2024-03-01 10:30:00,bob\n"
       b"2,Open,2024-03-02 08:00:00,ann\n2,Fix,2024-03-02 09:00:00,cid\n2,Close,2024-03-05 17:45:00,bob\n")


def test_create_get_list_patch(client):
    sid = make_source(client, name="zendesk", system="ticketing", mapping=MAPPING, timezone="Europe/Rome")
    got = client.get(f"/v1/sources/{sid}").json()
    assert (got["name"], got["system"], got["timezone"]) == ("zendesk", "ticketing", "Europe/Rome")
    assert got["mapping"]["case_id"] == "case" and got["mapping"]["activity"] == "act"
    assert [s["id"] for s in client.get("/v1/sources").json()] == [sid]
    r = client.patch(f"/v1/sources/{sid}", json={"name": "zendesk-eu", "mapping": {**MAPPING, "role": "team"}})
    assert r.status_code == 200 and r.json()["name"] == "zendesk-eu" and r.json()["mapping"]["role"] == "team"


def test_validation(client):
    make_source(client, name="dup")
    r = client.post("/v1/sources", json={"name": "dup"})
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    r = client.post("/v1/sources", json={"name": "x", "system": "erp"})
    assert r.status_code == 422 and "system" in r.json()["detail"]
    r = client.post("/v1/sources", json={"name": "x", "timezone": "Mars/Olympus"})
    assert r.status_code == 422 and "time zone" in r.json()["detail"]
    for zone in ("x" * 300, "Europe/" + "y" * 60):  # a file name too long (was a 500), the column's width
        r = client.post("/v1/sources", json={"name": "x", "timezone": zone})
        assert r.status_code == 422 and r.json()["detail"].startswith("body.timezone: "), r.text
        r = client.patch("/v1/sources/1", json={"timezone": zone})
        assert r.status_code == 422 and r.json()["detail"].startswith("body.timezone: "), r.text
    r = client.post("/v1/sources", json={"name": "x", "mapping": {"case": "c"}})
    assert r.status_code == 422
    assert client.get("/v1/sources/999").status_code == 404


def test_stats_match_a_hand_count(client):
    sid = make_source(client, mapping=MAPPING)
    assert upload(client, sid, CSV).status_code == 201
    stats = client.get(f"/v1/sources/{sid}/stats").json()
    assert {k: stats[k] for k in ("events", "cases", "activities", "resources", "uploads")} == {
        "events": 5, "cases": 2, "activities": 3, "resources": 3, "uploads": 1}
    assert stats["first_timestamp"].startswith("2024-03-01T09:00:00")
    assert stats["last_timestamp"].startswith("2024-03-05T17:45:00")


def test_naive_times_are_read_in_the_source_zone(client):
    sid = make_source(client, mapping=MAPPING, timezone="Europe/Rome")
    upload(client, sid, CSV)
    stats = client.get(f"/v1/sources/{sid}/stats").json()
    # 09:00 in Rome on 1 March (UTC+1) is 08:00 UTC.
    assert stats["first_timestamp"].startswith("2024-03-01T08:00:00")


def test_delete_removes_events_and_uploads(client, engine):
    sid = make_source(client, mapping=MAPPING)
    keep = make_source(client, name="other", mapping=MAPPING)
    upload(client, sid, CSV)
    upload(client, keep, CSV)
    assert client.delete(f"/v1/sources/{sid}").status_code == 204
    assert client.get(f"/v1/sources/{sid}").status_code == 404
    assert (stored_events(engine, sid), stored_events(engine, keep)) == (0, 5)
