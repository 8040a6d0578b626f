"""Every format stores the same canonical events; mapping options behave as documented."""

import gzip
import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import text

from tests.conftest import DATA
from tests.helpers import make_source, upload

MAPPING = {"case_id": "case", "activity": "act", "timestamp": "ts", "resource": "who"}
ROWS = [("c1", "Open", "2024-03-01T09:00:00+00:00", "ann", "web"),
        ("c1", "Close", "2024-03-01T10:30:00+00:00", "bob", "web"),
        ("c2", "Open", "2024-03-02T08:00:00+00:00", "ann", "phone")]
FRAME = pd.DataFrame(ROWS, columns=["case", "act", "ts", "who", "channel"])
EXPECTED = [("c1", "Open", 1709283600000000, "ann", {"channel": "web"}),
            ("c1", "Close", 1709289000000000, "bob", {"channel": "web"}),
            ("c2", "Open", 1709366400000000, "ann", {"channel": "phone"})]


def _events(engine, sid):
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT case_id, activity, timestamp, resource, attributes FROM events "
                                 "WHERE source_id = :s ORDER BY ordinal"), {"s": sid}).all()
    return [(r[0], r[1], r[2], r[3], r[4] if isinstance(r[4], dict | None) else json.loads(r[4])) for r in rows]


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buf)
    return buf.getvalue()


def test_csv_gz_parquet_and_jsonl_store_the_same_events(client, engine):
    typed = FRAME.assign(ts=pd.to_datetime(FRAME["ts"], utc=True))
    payloads = {
        "log.csv": FRAME.to_csv(index=False).encode(),
        "log.csv.gz": gzip.compress(FRAME.to_csv(index=False).encode()),
        "log.parquet": _parquet(typed),
        "log.jsonl": FRAME.to_json(orient="records", lines=True).encode(),
    }
    for i, (name, content) in enumerate(payloads.items()):
        sid = make_source(client, name=f"s{i}", mapping=MAPPING)
        r = upload(client, sid, content, name=name)
        assert r.status_code == 201, (name, r.text)
        assert r.json()["format"] == name.split(".")[1]
        assert _events(engine, sid) == EXPECTED, name


def test_semicolon_delimiter_and_day_first_format(client, engine):
    sid = make_source(client, mapping={**MAPPING, "timestamp_format": "%d/%m/%Y %H:%M"})
    content = b"case;act;ts;who;channel\nc1;Open;01/03/2024 09:00;ann;web\n"
    assert upload(client, sid, content).status_code == 201
    assert _events(engine, sid) == [EXPECTED[0]]


def test_epoch_milliseconds(client, engine):
    sid = make_source(client, mapping={**MAPPING, "timestamp_format": "epoch_ms"})
    frame = FRAME.assign(ts=[1709283600000, 1709289000000, 1709366400000])
    assert upload(client, sid, _parquet(frame), name="log.parquet").status_code == 201
    assert [e[2] for e in _events(engine, sid)] == [e[2] for e in EXPECTED]


def test_activity_composed_of_two_columns(client, engine):
    """BPIC 2013 style: status + sub-status make the activity."""
    sid = make_source(client, mapping={"case_id": "case", "activity": ["status", "sub"], "timestamp": "ts"})
    content = (b"case,status,sub,ts\n1,Accepted,In Progress,2024-01-01T00:00:00Z\n"
               b"1,Completed,,2024-01-02T00:00:00Z\n")
    assert upload(client, sid, content).status_code == 201
    assert [e[1] for e in _events(engine, sid)] == ["Accepted+In Progress", "Completed"]


def test_ocel_resource_from_linked_employees(client, engine):
    sid = make_source(client, name="orders")
    r = upload(client, sid, DATA / "order-management.json.gz", object_type="orders",
               resource_object_type="employees")
    assert r.status_code == 201
    with engine.connect() as conn:
        with_resource = conn.execute(text("SELECT count(*) FROM events WHERE resource IS NOT NULL")).scalar()
        total = conn.execute(text("SELECT count(*) FROM events")).scalar()
    assert total == 6566 and 0 < with_resource < total
