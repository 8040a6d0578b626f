"""The picture's endpoints (layout, SVG, PNG) and the endpoints the pages need (who am I, preview,
lane dry run, attribute names): scopes, workspace isolation, problem+json, figures by hand."""

import gzip
import io
import json

import pytest
from lxml import etree
from PIL import Image

from app.auth import service as auth
from app.db import transaction
from tests.blueprint.test_feed import SMALL
from tests.conftest import SAMPLES
from tests.helpers import make_source, stored_events, upload
from tests.support.problems import problem

MAPPING = {"case_id": "case", "activity": "act", "timestamp": "ts", "role": "role"}
RULES = [{"lane": "customer", "match": {"role": "customer"}}, {"lane": "backstage", "match": {"role": "warehouse"}}]


def _key(app, workspace: str, scopes: list[str]) -> dict:
    with transaction(app.state.session_factory) as session:
        return {"Authorization": f"Bearer {auth.create_key(session, workspace=workspace, scopes=scopes)}"}


@pytest.fixture
def small(client) -> dict:
    sid = make_source(client, mapping=MAPPING)
    assert upload(client, sid, SMALL).status_code == 201
    bp = client.post("/v1/blueprints", json={"name": "small <b>", "sources": [sid], "lanes": RULES}).json()["id"]
    return {"source": sid, "blueprint": bp}


def test_the_layout_draws_the_feed_and_answers_304_when_unchanged(client, small):
    bp = small["blueprint"]
    r = client.get(f"/v1/blueprints/{bp}/layout")
    assert r.status_code == 200 and r.json()["schema"] == "blueprint-layout/1"
    layout = r.json()
    # 'Call' (role agent) matches no rule: unmapped, not drawn; Order (3 cases) and Ship (3) are.
    assert sorted(s["activity"] for s in layout["steps"]) == ["Order", "Ship"]
    assert layout["hidden"]["unmapped_steps"] == 1
    order = next(s for s in layout["steps"] if s["activity"] == "Order")
    assert order["lane"] == "customer" and order["figures"][0] == "3 events · 3 cases"
    assert [f["crosses"] for f in layout["flows"]] == [["interaction", "visibility"]]
    # Order -> Ship twice (1 d and 2 d): the slowest handoff across both lines it crosses.
    assert layout["flows"][0]["label"]["text"] == "slowest: 2 · 1.5 d"
    assert layout["flows"][0]["worst_at"] == ["interaction", "visibility"]
    again = client.get(f"/v1/blueprints/{bp}/layout", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    web = client.get(f"/v1/blueprints/{bp}/layout", params={"segment": "channel=web"}).json()
    assert web["subtitle"].startswith("2 cases · 5 events") and web["subtitle"].endswith("segment channel=web")
    few = client.get(f"/v1/blueprints/{bp}/layout", params={"min_step_share": 1.0, "min_flow_share": 1.0}).json()
    assert few["thresholds"]["steps"] == {"share": 1.0, "min_cases": 3, "default": False}
    assert [s["activity"] for s in few["steps"]] == ["Order", "Ship"] and few["flows"] == []
    problem(client.get(f"/v1/blueprints/{bp}/layout", params={"min_step_share": 2}), 422, "min_step_share")


def test_the_svg_and_png_exports(client, small):
    bp = small["blueprint"]
    layout = client.get(f"/v1/blueprints/{bp}/layout").json()
    svg = client.get(f"/v1/blueprints/{bp}/svg")
    assert svg.headers["content-type"] == "image/svg+xml"
    assert "default-src 'none'" in svg.headers["content-security-policy"]
    root = etree.fromstring(svg.content)
    steps = root.findall(".//{http://www.w3.org/2000/svg}g[@class='step']")
    assert [g.get("id") for g in steps] == [s["id"] for s in layout["steps"]]
    assert root.find("{http://www.w3.org/2000/svg}title").text == "small <b>" and b"<b>" not in svg.content
    png = client.get(f"/v1/blueprints/{bp}/png", params={"zoom": 0.5})
    assert png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert image.size == (round(layout["width"] / 2), round(layout["height"] / 2))
    problem(client.get(f"/v1/blueprints/{bp}/png", params={"zoom": 9}), 422, "zoom")


def test_another_workspace_gets_404_and_keys_without_the_scope_403(app, client, small):
    bp, sid = small["blueprint"], small["source"]
    stranger = _key(app, "beta", ["read", "ingest", "admin"])
    ingest_only = _key(app, "alpha", ["ingest"])
    reads = [f"/v1/blueprints/{bp}/layout", f"/v1/blueprints/{bp}/svg", f"/v1/blueprints/{bp}/png",
             f"/v1/sources/{sid}/attributes"]
    for path in reads:
        problem(client.get(path, headers=stranger), 404)
        problem(client.get(path, headers=ingest_only), 403, "read")
        problem(client.get(path, headers={"Authorization": "Bearer nope"}), 401)
    dry = f"/v1/blueprints/{bp}/lanes/dry-run"
    problem(client.post(dry, json={"rules": RULES}, headers=stranger), 404)
    problem(client.post(dry, json={"rules": RULES}, headers=ingest_only), 403)
    reader = _key(app, "alpha", ["read"])
    files = {"file": ("a.csv", SMALL)}
    problem(client.post("/v1/uploads/preview", files=files, headers=reader), 403, "ingest")
    assert client.post("/v1/uploads/preview", files=files, headers=ingest_only).status_code == 200


def test_who_am_i(app, client):
    me = client.get("/v1/me").json()
    assert me["workspace"]["name"] == "alpha" and me["scopes"] == ["ingest", "read", "admin"]
    assert me["can"] == {"ingest": True, "read": True, "admin": True} and me["key"]["name"] == "bootstrap"
    assert "bpm_test_admin_key" not in json.dumps(me) and me["key"]["prefix"] == "bpm_test"
    ingest_only = client.get("/v1/me", headers=_key(app, "gamma", ["ingest"])).json()
    assert ingest_only["workspace"]["name"] == "gamma"
    assert ingest_only["can"] == {"ingest": True, "read": False, "admin": False}
    problem(client.get("/v1/me", headers={"Authorization": "Bearer nope"}), 401, "unknown API key")


def test_a_preview_shows_the_first_rows_a_guessed_mapping_and_stores_nothing(client, engine, settings):
    log = (SAMPLES / "helpdesk.csv").read_bytes()
    r = client.post("/v1/uploads/preview", params={"rows": 3}, files={"file": ("helpdesk.csv", log)})
    body = r.json()
    assert body["format"] == "csv" and body["columns"][:4] == ["Case ID", "Activity", "Resource", "Complete Timestamp"]
    assert body["rows"][0] == {"row": 1, "values": ["Case 1", "Assign seriousness", "Value 1", "2012-10-09 14:50:17",
                                                    *["Value 1"] * 9]}
    assert len(body["rows"]) == 3 and body["events"] == [] and body["mapping"] is None
    assert body["suggested_mapping"] == {"case_id": "Case ID", "activity": "Activity",
                                         "timestamp": "Complete Timestamp", "resource": "Resource"}
    assert stored_events(engine) == 0 and not any((settings.upload_dir).iterdir())


def test_a_preview_with_a_mapping_shows_the_events_and_the_rows_that_would_be_rejected(client):
    text = b"case,act,ts\n1,A,2024-01-05 10:00:00\n1,,2024-01-05 11:00:00\n2,B,yesterday\n3,C,2024-01-0"
    mapping = json.dumps({"case_id": "case", "activity": "act", "timestamp": "ts"})
    body = client.post("/v1/uploads/preview", params={"partial": "true", "mapping": mapping, "timezone": "Europe/Rome"},
                       files={"file": ("x.csv", text)}).json()
    assert [r["row"] for r in body["rows"]] == [1, 2, 3]  # the cut last line is dropped
    assert body["events"] == [{"row": 1, "case_id": "1", "activity": "A", "timestamp": "2024-01-05T09:00:00+00:00",
                               "start_timestamp": None, "resource": None, "role": None, "lifecycle": None}]
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "act"), (3, "ts")]
    missing = client.post("/v1/uploads/preview", params={"mapping": json.dumps({"case_id": "nope"})},
                          files={"file": ("x.csv", text)}).json()
    assert missing["mapping"] is None and missing["errors"][0]["column"] == "nope"
    problem(client.post("/v1/uploads/preview", params={"mapping": "{not json"}, files={"file": ("x.csv", text)}),
            422, "mapping")
    problem(client.post("/v1/uploads/preview", params={"timezone": "Mars/Base"}, files={"file": ("x.csv", text)}),
            422, "time zone")


def test_a_preview_of_the_beginning_of_xes_gzip_and_parquet(client):
    head = (SAMPLES / "receipt.xes").read_bytes()[:300_000]
    body = client.post("/v1/uploads/preview", params={"partial": "true"}, files={"file": ("r.xes", head)}).json()
    assert body["format"] == "xes" and "concept:name" in body["columns"] and len(body["rows"]) == 20
    assert body["mapping"]["activity"] == ["concept:name"] and len(body["events"]) == 20  # XES needs no mapping
    packed = gzip.compress((SAMPLES / "helpdesk.csv").read_bytes())[:20_000]
    zipped = client.post("/v1/uploads/preview", params={"partial": "true"},
                         files={"file": ("h.csv.gz", packed)}).json()
    assert zipped["format"] == "csv" and zipped["rows"][0]["values"][0] == "Case 1"
    problem(client.post("/v1/uploads/preview", params={"partial": "true"}, files={"file": ("x.parquet", b"PAR1")}),
            400, "whole file")


def test_a_dry_run_counts_what_each_rule_takes_first_match_wins(client, small):
    bp = small["blueprint"]
    rules = [{"lane": "customer", "match": {"role": "customer"}},
             {"lane": "frontstage", "match": {"activity_regex": "^(Order|Call)$"}},  # Order is taken already
             {"lane": "backstage", "match": {"role": "warehouse"}}]
    body = client.post(f"/v1/blueprints/{bp}/lanes/dry-run", json={"rules": rules}).json()
    assert body["events"] == 7
    assert [(r["index"], r["lane"], r["events"], r["cases"], r["activities"]) for r in body["rules"]] == [
        (0, "customer", 3, 3, 1), (1, "frontstage", 1, 1, 1), (2, "backstage", 3, 3, 1)]
    assert body["rules"][1]["top"] == [{"activity": "Call", "events": 1}]
    assert body["unmapped"]["events"] == 0 and body["default"]["events"] == 0
    loose = client.post(f"/v1/blueprints/{bp}/lanes/dry-run", json={"rules": rules[:1]}).json()
    assert loose["unmapped"] == {"events": 4, "cases": 3, "activities": 2,
                                 "top": [{"activity": "Ship", "events": 3}, {"activity": "Call", "events": 1}]}
    with_default = client.post(f"/v1/blueprints/{bp}/lanes/dry-run",
                               json={"rules": rules[:1], "default": "support"}).json()
    assert with_default["default"]["events"] == 4 and with_default["unmapped"]["events"] == 0
    problem(client.post(f"/v1/blueprints/{bp}/lanes/dry-run", json={"rules": [{"lane": "attic", "match": {}}]}), 422)
    assert client.get(f"/v1/blueprints/{bp}").json()["lanes"]["rules"][1]["lane"] == "backstage"  # nothing saved


def test_a_sources_attribute_names(client, small):
    assert client.get(f"/v1/sources/{small['source']}/attributes").json() == ["channel"]
    problem(client.get("/v1/sources/999/attributes"), 404)
