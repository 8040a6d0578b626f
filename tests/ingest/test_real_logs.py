"""Golden tests: real public logs stored exactly as pm4py reads them, less exact duplicate rows."""

from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from app.mining.pm4py_import import pm4py
from tests.conftest import DATA, SAMPLES
from tests.helpers import make_source, upload

HELPDESK = {"case_id": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp",
            "resource": "Resource"}
XES_KEYS = ("case:concept:name", "concept:name", "time:timestamp", "org:resource")
CSV_KEYS = ("Case ID", "Activity", "Complete Timestamp", "Resource")

# (file, mapping, events read, exact duplicates, cases, activities): the figures the logs'
# publishers and the shared logs README give; pm4py's own reading is checked against them too.
LOGS = [
    (SAMPLES / "running-example.xes", None, 42, 0, 6, 8),
    (SAMPLES / "receipt.xes", None, 8577, 0, 1434, 27),
    (SAMPLES / "helpdesk.csv", HELPDESK, 21348, 127, 4580, 14),
    (DATA / "sepsis.xes.gz", None, 15214, 1, 1050, 16),
    (DATA / "bpic2012.xes.gz", None, 262200, 0, 13087, 24),
]


@cache
def pm4py_frame(path: Path) -> pd.DataFrame:
    """The log as pm4py reads it (pandas.read_csv for CSV, as pm4py's docs do), in file order."""
    if path.suffix == ".csv":
        return pd.read_csv(path)
    return pm4py.read_xes(str(path), variant="rustxes")


def _keys(path: Path) -> tuple[str, ...]:
    return CSV_KEYS if path.suffix == ".csv" else XES_KEYS


def _stored(engine, source_id: int) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT case_id, activity, timestamp, resource, ordinal FROM events "
                                 "WHERE source_id = :s ORDER BY case_id, timestamp, ordinal"), {"s": source_id})
        return pd.DataFrame(rows.fetchall(), columns=["case_id", "activity", "timestamp", "resource", "ordinal"])


@pytest.mark.slow
@pytest.mark.parametrize("path,mapping,read,dupes,cases,activities", LOGS, ids=lambda v: getattr(v, "name", None))
def test_upload_stores_what_pm4py_reads(client, engine, path, mapping, read, dupes, cases, activities):
    frame = pm4py_frame(path)
    case_key, activity_key, time_key, resource_key = _keys(path)
    distinct = frame.drop_duplicates()
    # pm4py's reading agrees with the published figures.
    assert (len(frame), len(frame) - len(distinct)) == (read, dupes)
    assert (frame[case_key].nunique(), frame[activity_key].nunique()) == (cases, activities)

    sid = make_source(client, name=path.stem, mapping=mapping)
    r = upload(client, sid, path)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["events_ingested"] == len(distinct) == read - dupes
    assert body["events_duplicate"] == dupes
    assert (body["cases"], body["rows_read"], body["rows_rejected"]) == (cases, read, 0)

    stored = _stored(engine, sid)
    assert stored["activity"].value_counts().to_dict() == distinct[activity_key].value_counts().to_dict()
    assert stored["case_id"].nunique() == cases
    expected_us = pd.to_datetime(distinct[time_key], utc=True).astype("datetime64[us, UTC]")
    first, last = expected_us.min(), expected_us.max()
    assert (stored["timestamp"].min(), stored["timestamp"].max()) == (
        first.value // 1000, last.value // 1000)

    stats = client.get(f"/v1/sources/{sid}/stats").json()
    resources = distinct[resource_key].nunique() if resource_key in distinct else 0
    assert (stats["events"], stats["cases"], stats["activities"], stats["resources"]) == (
        read - dupes, cases, activities, resources)
    assert pd.Timestamp(stats["first_timestamp"]) == first and pd.Timestamp(stats["last_timestamp"]) == last

    again = upload(client, sid, path).json()
    assert (again["events_ingested"], again["events_duplicate"]) == (0, read - dupes + dupes)


@pytest.mark.slow
def test_ties_keep_the_file_order_as_pm4py_does(client, engine):
    """Sepsis has thousands of events that tie on (case, timestamp): the file order breaks them."""
    path = DATA / "sepsis.xes.gz"
    frame = pm4py_frame(path)
    ties = frame.duplicated(["case:concept:name", "time:timestamp"]).sum()  # same as an earlier event
    assert ties == 4447
    frame = frame.drop_duplicates()
    sid = make_source(client, name="sepsis")
    assert upload(client, sid, path).status_code == 201
    stored = _stored(engine, sid)
    expected = frame.sort_values(["case:concept:name", "time:timestamp"], kind="stable")
    assert stored["activity"].tolist() == expected["concept:name"].tolist()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["order-management.json.gz", "order-management.xml.gz"])
def test_ocel_flattened_on_orders(client, engine, name):
    reader = pm4py.read_ocel2_json if ".json" in name else pm4py.read_ocel2_xml
    flat = pm4py.ocel_flattening(reader(str(DATA / name)), "orders").drop_duplicates()
    assert (len(flat), flat["case:concept:name"].nunique(), flat["concept:name"].nunique()) == (6566, 2000, 4)
    sid = make_source(client, name="orders")
    r = upload(client, sid, DATA / name, object_type="orders")
    assert r.status_code == 201, r.text
    assert (r.json()["events_ingested"], r.json()["cases"]) == (6566, 2000)
    stored = _stored(engine, sid)
    assert stored["activity"].value_counts().to_dict() == flat["concept:name"].value_counts().to_dict()


def test_ocel_needs_an_object_type(client):
    sid = make_source(client, name="orders")
    r = upload(client, sid, DATA / "order-management.json.gz")
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert "orders" in r.json()["object_types"] and "object_type" in r.json()["detail"]
