"""No silent typos: a segment on an unknown attribute is refused naming the known ones; a phase,
rule or assumption naming what the data lacks is accepted with a warning saying what and where.
Handoffs in full: every pair, a page at a time."""

from tests.conftest import SAMPLES
from tests.helpers import make_source, upload

HELPDESK = {"case_id": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp", "resource": "Resource"}


def _helpdesk(client) -> int:
    sid = make_source(client, name="helpdesk", mapping=HELPDESK)
    assert upload(client, sid, SAMPLES / "helpdesk.csv").status_code == 201
    return sid


def test_a_segment_on_an_unknown_attribute_is_refused_naming_the_known_ones(client):
    sid = _helpdesk(client)
    bp = client.post("/v1/blueprints", json={"name": "h", "sources": [sid]}).json()["id"]
    r = client.get(f"/v1/blueprints/{bp}/feed", params={"segment": "impakt=High"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert "impakt" in body["detail"] and "seriousness" in body["detail"]
    assert {"activity", "resource", "seriousness", "customer", "product"} <= set(body["known_attributes"])
    good = client.get(f"/v1/blueprints/{bp}/feed", params={"segment": "seriousness=Value 1"})
    assert good.status_code == 200 and good.json()["stats"]["cases"] > 0


def test_names_the_data_lacks_are_accepted_with_warnings(client):
    sid = _helpdesk(client)
    body = {"name": "typos", "sources": [sid],
            "lanes": [{"lane": "customer", "match": {"activity": "Insert tiket"}},
                      {"lane": "backstage", "match": {"role": "tier 2"}},
                      {"lane": "frontstage", "match": {"activity": "Closed", "resource": "Value 999"}},
                      {"lane": "frontstage", "match": {"activity": "Closed", "resource": "Value 1"}}],
            "phases": [{"name": "Intake", "activities": ["Insert ticket", "Asign seriousness"]}],
            "assumptions": {"steps": {"Resolve tiket": 3600}}}
    r = client.post("/v1/blueprints", json=body)
    assert r.status_code == 201, r.text
    where = {w["where"]: w for w in r.json()["warnings"]}
    assert set(where) == {"lanes.rules[0].match.activity", "lanes.rules[1].match.role",
                          "lanes.rules[2].match.resource", "phases[0].activities[1]",
                          "assumptions.steps['Resolve tiket']"}
    assert "did you mean 'Insert ticket'" in where["lanes.rules[0].match.activity"]["message"]
    assert "did you mean 'Assign seriousness'" in where["phases[0].activities[1]"]["message"]
    assert where["assumptions.steps['Resolve tiket']"]["code"] == "unknown_step"
    bp = r.json()["id"]
    assert client.get(f"/v1/blueprints/{bp}").json()["warnings"] == r.json()["warnings"]
    feed = client.get(f"/v1/blueprints/{bp}/feed").json()
    in_feed = {w["where"] for w in feed["warnings"]}
    assert set(where) <= in_feed
    # Each condition of rule 3 is met by some event, but no event meets both: only the feed can tell.
    hits = client.get(f"/v1/blueprints/{bp}/feed").json()["warnings"]
    together = [w for w in hits if w["where"] == "lanes.rules[3]"]
    assert len(together) == 1 and together[0]["code"] == "rule_matches_nothing"
    fixed = client.put(f"/v1/blueprints/{bp}", json={"name": "fixed", "sources": [sid], "lanes": [
        {"lane": "customer", "match": {"activity": "Insert ticket"}}]})
    assert fixed.status_code == 200 and fixed.json()["warnings"] == []


def test_every_resource_handoff_a_page_at_a_time(client):
    sid = _helpdesk(client)
    bp = client.post("/v1/blueprints", json={"name": "h", "sources": [sid], "lanes": [
        {"lane": "frontstage", "match": {"activity_regex": "."}}]}).json()["id"]
    feed = client.get(f"/v1/blueprints/{bp}/feed").json()
    total = feed["handoffs"]["total_pairs"]
    assert total > 20 and len(feed["handoffs"]["resources"]) == 20
    pages, offset = [], 0
    while True:
        page = client.get(f"/v1/blueprints/{bp}/handoffs", params={"by": "resource", "limit": 50,
                                                                   "offset": offset}).json()
        assert page["total"] == total
        if not page["items"]:
            break
        pages += page["items"]
        offset += 50
    assert len(pages) == total == len({(p["from"], p["to"]) for p in pages})
    assert [p["count"] for p in pages] == sorted((p["count"] for p in pages), reverse=True)
    assert [(p["from"], p["to"], p["count"]) for p in pages[:20]] == [
        (h["from"], h["to"], h["count"]) for h in feed["handoffs"]["resources"]]
    inside = client.get(f"/v1/blueprints/{bp}/handoffs", params={"by": "resource", "lane": "Frontstage"}).json()
    assert inside["total"] == feed["handoffs"]["within_lanes_total_pairs"]["frontstage"] == total
    roles = client.get(f"/v1/blueprints/{bp}/handoffs", params={"by": "role"}).json()
    assert roles["total"] == 0  # helpdesk has no roles
    assert client.get(f"/v1/blueprints/{bp}/handoffs", params={"by": "lane", "lane": "x"}).status_code == 400
