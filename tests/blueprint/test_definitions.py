"""Blueprint definitions are validated whole when written, and feeds never serve another
identity's data: ids are never reused, cache keys name the workspace, patterns run in RE2."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import SimpleNamespace

import pytest

from app.auth import service as auth
from app.blueprint.cache import data_version
from app.db import transaction
from tests.helpers import make_source, upload

MAPPING = {"case_id": "case", "activity": "act", "timestamp": "ts", "resource": "res"}


def _csv(resource: str, *activities: str) -> bytes:
    """One case; the resource hands over to a colleague (`resource`, then 'colleague-of-<resource>')."""
    rows = [f"1,{a},2024-01-0{i + 1}T10:00:00Z,{resource if i % 2 == 0 else 'colleague-of-' + resource}"
            for i, a in enumerate(activities)]
    return ("case,act,ts,res\n" + "\n".join(rows) + "\n").encode()


@pytest.fixture
def beta(app) -> dict:
    with transaction(app.state.session_factory) as session:
        key = auth.create_key(session, workspace="beta", scopes=["ingest", "read", "admin"])
    return {"Authorization": f"Bearer {key}"}


def _blueprint(client, name: str, resource: str, headers=None) -> tuple[int, int]:
    headers = headers or {}
    sid = client.post("/v1/sources", headers=headers, json={"name": f"{name}-src", "mapping": MAPPING}).json()["id"]
    r = client.post(f"/v1/sources/{sid}/uploads", headers=headers,
                    files={"file": ("a.csv", _csv(resource, "Open", "Close"))})
    assert r.status_code == 201, r.text
    r = client.post("/v1/blueprints", headers=headers, json={"name": name, "sources": [sid]})
    assert r.status_code == 201, r.text
    return sid, r.json()["id"]


def test_a_deleted_workspaces_ids_and_feed_never_reach_another_workspace(client, beta):
    sid_a, bp_a = _blueprint(client, "A-corp service", "alice@a-corp")
    feed_a = client.get(f"/v1/blueprints/{bp_a}/feed")
    assert feed_a.status_code == 200 and "alice@a-corp" in feed_a.text
    assert client.delete(f"/v1/blueprints/{bp_a}").status_code == 204
    assert client.delete(f"/v1/sources/{sid_a}").status_code == 204
    sid_b, bp_b = _blueprint(client, "B-corp service", "bob@b-corp", headers=beta)
    assert (sid_b, bp_b) != (sid_a, bp_a) and sid_b > sid_a and bp_b > bp_a  # ids are never handed out again
    feed_b = client.get(f"/v1/blueprints/{bp_b}/feed", headers=beta)
    assert feed_b.status_code == 200
    assert "alice@a-corp" not in feed_b.text and "A-corp" not in feed_b.text
    assert feed_b.json()["blueprint"]["name"] == "B-corp service"
    assert client.get(f"/v1/blueprints/{bp_a}/feed", headers=beta).status_code == 404
    assert client.get(f"/v1/blueprints/{bp_a}/bpmn", headers=beta).status_code == 404


def test_a_recreated_blueprint_gets_its_own_feed_and_etag(client):
    sid, bp = _blueprint(client, "first", "ann")
    first = client.get(f"/v1/blueprints/{bp}/feed")
    etag = first.headers["ETag"]
    assert client.delete(f"/v1/blueprints/{bp}").status_code == 204
    again = client.post("/v1/blueprints", json={"name": "second", "sources": [sid], "lanes": [
        {"lane": "customer", "match": {"activity": "Open"}}]}).json()["id"]
    assert again != bp
    r = client.get(f"/v1/blueprints/{again}/feed", headers={"If-None-Match": etag})
    assert r.status_code == 200 and r.headers["ETag"] != etag
    assert r.json()["blueprint"]["name"] == "second"
    assert {s["activity"]: s["lane"] for s in r.json()["steps"]}["Open"] == "customer"


def test_renaming_a_source_changes_the_feed(client):
    sid, bp = _blueprint(client, "named", "ann")
    before = client.get(f"/v1/blueprints/{bp}/feed")
    assert client.patch(f"/v1/sources/{sid}", json={"name": "renamed"}).status_code == 200
    after = client.get(f"/v1/blueprints/{bp}/feed")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert [s["name"] for s in after.json()["sources"]] == ["renamed"]


def test_the_data_version_names_the_workspace_and_the_identities():
    bp = SimpleNamespace(id=9, created_at=datetime(2026, 1, 1), revision=1, name="x", definition={"sources": [8]})
    src = SimpleNamespace(id=8, created_at=datetime(2026, 1, 1), name="s", system="crm", data_version=1)
    base = dict(workspace_id=1, blueprint=bp, sources=[src], window=(None, None), segments=[])
    assert data_version(**base) == data_version(**base)
    assert data_version(**{**base, "workspace_id": 2}) != data_version(**base)
    reborn = SimpleNamespace(**{**vars(bp), "created_at": datetime(2026, 1, 2)})
    assert data_version(**{**base, "blueprint": reborn}) != data_version(**base)
    edited = SimpleNamespace(**{**vars(bp), "definition": {"sources": [8], "phases": []}})
    assert data_version(**{**base, "blueprint": edited}) != data_version(**base)


def _refused(client, body: dict | str, field: str, *needles: str) -> dict:
    kwargs = {"content": body, "headers": {"Content-Type": "application/json"}} if isinstance(body, str) \
        else {"json": body}
    r = client.post("/v1/blueprints", **kwargs)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["errors"][0]["location"].endswith(field), problem
    for needle in needles:
        assert needle in problem["detail"], problem["detail"]
    return problem


@pytest.mark.parametrize("pattern, reason", [("(", "missing )"), ("a{1000000}", "invalid repetition size"),
                                             ("(?x) a # c", "invalid perl operator"), ("a" * 1001, "at most 1000"),
                                             (r"(a)\1", "invalid escape")])
def test_patterns_re2_refuses_are_refused_when_written(client, pattern, reason):
    sid = make_source(client, mapping=MAPPING)
    base = {"name": "p", "sources": [sid]}
    _refused(client, {**base, "lanes": [{"lane": "customer", "match": {"activity_regex": pattern}}]},
             "match.activity_regex", reason)
    _refused(client, {**base, "lanes": [{"lane": "customer", "match": {"attribute_regex": {"k": pattern}}}]},
             "match.attribute_regex", reason, "attribute 'k'")
    _refused(client, {**base, "phases": [{"name": "P", "activity_regex": pattern}]}, "activity_regex", reason)
    assert client.get("/v1/blueprints").json() == []


def test_definitions_are_validated_whole(client):
    sid = make_source(client, mapping=MAPPING)
    assert upload(client, sid, _csv("ann", "Open", "Close")).status_code == 201
    base = {"name": "v", "sources": [sid]}
    _refused(client, {**base, "sources": [sid, sid]}, "sources", f"source {sid} is listed more than once")
    _refused(client, json.dumps({**base, "assumptions": {"tolerance": "INF"}}).replace('"INF"', "Infinity"),
             "tolerance", "finite")
    _refused(client, {**base, "assumptions": {"steps": {"Open": -5}}}, "steps", "negative")
    rules = [{"lane": "support", "match": {"attribute": {f"k{i}": "v"}}} for i in range(10_000)]
    _refused(client, {**base, "lanes": rules}, "rules", "at most 500")
    wide = [{"lane": "support", "match": {"attribute": {f"k{i}": "v"}}} for i in range(60)]
    _refused(client, {**base, "lanes": wide}, "lanes", "at most 50")
    _refused(client, {**base, "lanes": [{"lane": "Custmer", "match": {"activity": "Open"}}]}, "lane",
             "the lanes are customer, frontstage, backstage, support")
    _refused(client, {**base, "colour": "red"}, "colour")
    assert client.get("/v1/blueprints").json() == []
    # Lane names differing only in case are lanes.
    r = client.post("/v1/blueprints", json={**base, "lanes": [{"lane": "Customer", "match": {"activity": "Open"}}]})
    assert r.status_code == 201 and r.json()["lanes"]["rules"][0]["lane"] == "customer"


HOSTILE = ["(a+)+$", "^(a|aa)+$", "(x+x+)+y"]


def test_hostile_patterns_match_as_written_over_long_activities(client):
    """Patterns that make a backtracking engine take forever are matched by RE2 with the right
    answers (the timing is measured by bench/hostile.py)."""
    long_a, long_x = "a" * 10_000 + "!", "x" * 10_000
    body = f"case,act,ts,res,k\n1,{long_a},2024-01-01T10:00:00Z,r,{long_a}\n1,{'a' * 500},2024-01-02T10:00:00Z,r,y\n" \
           f"1,{long_x},2024-01-03T10:00:00Z,r,{long_x}y\n"
    sid = make_source(client, mapping=MAPPING)
    assert upload(client, sid, body.encode()).status_code == 201
    lanes = [{"lane": "customer", "match": {"activity_regex": HOSTILE[0]}},
             {"lane": "frontstage", "match": {"attribute_regex": {"k": HOSTILE[2]}}},
             {"lane": "backstage", "match": {"activity_regex": HOSTILE[1]}}]
    phases = [{"name": f"P{i}", "activity_regex": p} for i, p in enumerate(HOSTILE)]
    bp = client.post("/v1/blueprints", json={"name": "h", "sources": [sid], "lanes": lanes, "phases": phases})
    assert bp.status_code == 201, bp.text
    feed = client.get(f"/v1/blueprints/{bp.json()['id']}/feed").json()
    steps = {s["activity"]: s for s in feed["steps"]}
    # "a"*500 ends in 'a': (a+)+$ matches it; the 'a's then '!' do not; the x's are matched by (x+x+)+y
    # only through their attribute (which ends in 'y').
    assert steps["a" * 500]["lane"] == "customer" and steps["a" * 500]["phase"] == 0
    assert steps[long_x]["lane"] == "frontstage" and steps[long_x]["phase"] is None
    assert steps[long_a]["lane"] is None and steps[long_a]["phase"] is None
    assert [u["activity"] for u in feed["unmapped"]] == [long_a]


def test_concurrent_cold_feeds_share_one_computation(client, app):
    sid, bp = _blueprint(client, "busy", "ann")
    cache = app.state.feed_cache
    before = cache.computed
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda _: client.get(f"/v1/blueprints/{bp}/feed"), range(24)))
    assert {r.status_code for r in answers} == {200}
    assert len({r.headers["ETag"].split("-")[0] for r in answers}) == 1  # one data version (model status aside)
    assert cache.computed - before == 1


def test_a_default_segment_is_checked_when_written(client):
    sid = make_source(client, mapping=MAPPING)
    r = client.post("/v1/blueprints", json={"name": "s", "sources": [sid], "filters": {"segment": ["nonsense"]}})
    assert r.status_code == 422 and "attribute=value" in r.json()["detail"]
