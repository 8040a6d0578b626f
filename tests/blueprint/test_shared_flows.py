"""On every single-source real log the flows are pm4py's directly-follows graph, exactly: over the
events where a log has no start/complete pairs, over pm4py's interval log where it has them."""

from collections import Counter
from pathlib import Path

import pytest

from app.mining.pm4py_import import pm4py
from tests.conftest import ROOT
from tests.helpers import make_source, upload

SHARED = ROOT.parent / "shared" / "logs"
HELPDESK = {"case_id": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp", "resource": "Resource"}
LOGS = ["running-example.xes", "receipt.xes", "helpdesk.csv", "helpdesk.xes.gz", "sepsis.xes.gz",
        "road_traffic_fines_100traces.xes", "production.xes.gz", "bpic2012.xes.gz", "road_traffic_fines.xes.gz"]
LARGE = {"bpic2012.xes.gz", "road_traffic_fines.xes.gz"}


def _pm4py_frame(path: Path):
    if path.suffix == ".csv":
        import pandas as pd

        frame = pd.read_csv(path).drop_duplicates()
        frame = frame.rename(columns={"Case ID": "case:concept:name", "Activity": "concept:name",
                                      "Complete Timestamp": "time:timestamp"})
        frame["time:timestamp"] = pd.to_datetime(frame["time:timestamp"], utc=True)
    else:
        frame = pm4py.read_xes(str(path), variant="rustxes").drop_duplicates()
    frame["case:concept:name"] = frame["case:concept:name"].astype(str)
    return frame.sort_values(["case:concept:name", "time:timestamp"], kind="stable")


def expected_dfg(path: Path) -> dict:
    from pm4py.objects.log.util import interval_lifecycle

    frame = _pm4py_frame(path)
    transitions = set(frame.get("lifecycle:transition", []).astype(str).str.lower().unique()) \
        if "lifecycle:transition" in frame else set()
    if not {"start", "complete"} <= transitions:
        return dict(pm4py.discover_dfg(frame, case_id_key="case:concept:name", activity_key="concept:name",
                                       timestamp_key="time:timestamp")[0])
    dfg = Counter()
    for trace in interval_lifecycle.to_interval(pm4py.convert_to_event_log(frame)):
        names = [e["concept:name"] for e in trace]
        dfg.update(zip(names, names[1:], strict=False))
    return dict(dfg)


@pytest.mark.slow
@pytest.mark.parametrize("name", LOGS)
def test_flows_equal_pm4pys_directly_follows_graph(request, client, name):
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared logs sit beside the repository)")
    if name in LARGE and "postgresql" in request.node.callspec.id:
        pytest.skip("large logs run on SQLite only (PostgreSQL: the smaller ones)")
    sid = make_source(client, name=name, mapping=HELPDESK if name.endswith(".csv") else None)
    r = upload(client, sid, path)
    assert r.status_code in (201, 202), r.text
    while client.get(f"/v1/sources/{sid}/uploads").json()[0]["status"] in ("queued", "running"):
        pass
    bp = client.post("/v1/blueprints", json={"name": name, "sources": [sid]}).json()["id"]
    feed = client.get(f"/v1/blueprints/{bp}/feed").json()
    assert {(f["source"], f["target"]): f["count"] for f in feed["flows"]} == expected_dfg(path)
