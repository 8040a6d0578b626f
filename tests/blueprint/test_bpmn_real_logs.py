"""The BPMN export of every shared real log, built through the HTTP API: upload, a blueprint with lane
rules that fill several lanes, GET /bpmn. The diagram must open cleanly (no two shapes overlap,
nodes inside their lanes, lanes inside the pool, edges from border to border through no shape),
pm4py must read it back with the same tasks, and each task must be documented with its step's
figures as the feed gives them. The logs live beside the repository (../shared/logs); absent, the
tests skip. The large logs run on SQLite only."""

from dataclasses import dataclass, field

import pytest

from app.mining.pm4py_import import pm4py
from tests.blueprint.bpmn_checks import (
    assert_documents,
    bad_edges,
    edges_through_shapes,
    lanes_outside_pool,
    outside_their_lane,
    overlapping_pairs,
    read_diagram,
)
from tests.conftest import ROOT
from tests.helpers import make_source, upload

SHARED = ROOT.parent / "shared" / "logs"
HELPDESK = {"case_id": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp", "resource": "Resource"}


@dataclass(frozen=True)
class SharedLog:
    file: str
    lanes: dict[str, str]  # lane -> activity regex (first match wins); the rest go to support
    mapping: dict | None = None
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.file


HELPDESK_LANES = {"customer": "Insert ticket|Closed|VERIFIED",
                  "frontstage": "Assign|Take in charge|Resolve ticket|Wait", "backstage": "SW anomaly|upgrade|Schedule"}
ORDER_LANES = {"customer": "place order|pay order", "frontstage": "confirm order",
               "backstage": "reminder|item|package|delivery"}
SMALL = [
    SharedLog("running-example.xes", {"customer": "register|pay|reject", "frontstage": "examine|check",
                                      "backstage": "decide"}),
    SharedLog("road_traffic_fines_100traces.xes", {"customer": "Payment|Appeal to Prefecture|Notify",
                                                   "frontstage": "Create Fine|Send Fine|Notification",
                                                   "backstage": "penalty|Result"}),
    SharedLog("receipt.xes", {"customer": "^Confirmation|T05|T08", "frontstage": "^T0[2-4]",
                              "backstage": "^T0[67]|^T1[0-5]"}),
    SharedLog("sepsis.xes.gz", {"customer": "^ER|Return ER|Release", "frontstage": "Admission|IV",
                                "backstage": "CRP|LacticAcid|Leucocytes"}),
    SharedLog("production.xes.gz", {"customer": "^Start$|^End$|Packing", "frontstage": r"Q\.C\.|Inspection",
                                    "backstage": "Turn|Mill|Grind|Lapping"}),
    SharedLog("helpdesk.csv", HELPDESK_LANES, mapping=HELPDESK),
    SharedLog("helpdesk.xes.gz", HELPDESK_LANES),
    SharedLog("ocel/order-management.json.gz", ORDER_LANES, params={"object_type": "orders"}),
    SharedLog("ocel/order-management.xml.gz", ORDER_LANES, params={"object_type": "orders"}),
]
LARGE = [
    SharedLog("bpic2012.xes.gz", {"customer": "^A_", "frontstage": "^O_",
                                  "backstage": "^W_(Afhandelen|Completeren|Nabellen)"}),
    # Activity joined with lifecycle: 36 steps, the widest model of these logs.
    SharedLog("bpic2012.xes.gz", {"customer": "^A_", "frontstage": "^O_", "backstage": "^W_.*(START|COMPLETE)"},
              mapping={"activity": ["concept:name", "lifecycle:transition"]}),
    SharedLog("road_traffic_fines.xes.gz", {"customer": "Payment|Appeal to Prefecture|Notify",
                                            "frontstage": "Create Fine|Send Fine|Notification",
                                            "backstage": "penalty|Result"}),
]
# ocel/ocel20_example.sqlite is not an upload format of ours (OCEL 2.0 as JSON or XML only).


def exported(client, log: SharedLog) -> tuple[bytes, dict]:
    """The BPMN document and the feed of a blueprint over the log, through the API."""
    path = SHARED / log.file
    if not path.exists():
        pytest.skip(f"{log.file}: not in ../shared/logs")
    sid = make_source(client, name=path.name, mapping=log.mapping)
    r = upload(client, sid, path, **log.params)
    assert r.status_code == 201, r.text
    rules = [{"lane": lane, "match": {"activity_regex": pattern}} for lane, pattern in log.lanes.items()]
    r = client.post("/v1/blueprints", json={"name": path.name, "sources": [sid],
                                            "lanes": {"rules": rules, "default": "support"}})
    assert r.status_code == 201, r.text
    bp = r.json()["id"]
    r = client.get(f"/v1/blueprints/{bp}/bpmn")
    assert r.status_code == 200, r.text
    feed = client.get(f"/v1/blueprints/{bp}/feed").json()
    assert feed["model"]["status"] == "ready"
    return r.content, feed


def check_export(client, tmp_path, log: SharedLog) -> None:
    xml, feed = exported(client, log)
    d = read_diagram(xml)
    assert overlapping_pairs(d) == []
    assert outside_their_lane(d) == []
    assert lanes_outside_pool(d) == []
    assert bad_edges(d) == [] and edges_through_shapes(d) == []
    steps = {s["activity"]: s for s in feed["steps"]}
    assert all(d.lane_of[t] == f"lane_{steps[n]['lane']}" for t, n in d.tasks.items())
    assert len({d.lane_of[t] for t in d.tasks}) >= 3  # the rules fill several lanes
    path = tmp_path / "model.bpmn"
    path.write_bytes(xml)
    read = pm4py.read_bpmn(str(path))
    assert sorted(n.get_name() for n in read.get_nodes() if type(n).__name__ == "Task") == sorted(d.tasks.values())
    assert set(d.tasks.values()) <= set(steps) and set(d.documentation) == set(d.tasks.values())
    for name, text in d.documentation.items():
        assert_documents(text, steps[name])
    assert feed["model"]["coverage"] >= 0.95


@pytest.mark.slow
@pytest.mark.parametrize("log", SMALL, ids=str)
def test_bpmn_of_each_shared_log_opens_cleanly_and_documents_its_steps(client, tmp_path, log):
    check_export(client, tmp_path, log)


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("log", LARGE, ids=lambda log: f"{log.file}{'+lifecycle' if log.mapping else ''}")
def test_bpmn_of_each_large_shared_log_opens_cleanly(client, tmp_path, log):
    check_export(client, tmp_path, log)
