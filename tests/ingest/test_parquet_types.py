"""No Parquet column type, nor any value it holds, can make ingest or a later read answer 500.

Each column is tried as the timestamp, the start timestamp, an attribute and the case id, with
on_error=skip: the upload is stored or refused with a 4xx problem, and the source's stats and feed
stay readable. Extreme values are the point: pandas' nanoseconds, Python's dates (years 1..9999)
and microseconds (year 294,247) each hold less than some Arrow type."""

import decimal

import pyarrow as pa
import pytest

from tests.helpers import make_source, upload
from tests.support import badfiles as bad
from tests.support.problems import PROBLEM

I64 = 2**63 - 1
NOW_S = 1_704_103_200
COLUMNS = {
    "timestamp-s-far": pa.array([NOW_S, 10**15], pa.timestamp("s")),
    "timestamp-ms-max": pa.array([NOW_S * 1000, I64], pa.timestamp("ms")),
    "timestamp-us-min": pa.array([NOW_S * 10**6, -I64], pa.timestamp("us")),
    "timestamp-ns-min-zoned": pa.array([NOW_S * 10**9, -I64], pa.timestamp("ns", tz="America/New_York")),
    "timestamp-s-far-zoned": pa.array([NOW_S, 10**15], pa.timestamp("s", tz="Asia/Tokyo")),
    "date32-extremes": pa.array([2**31 - 1, -(2**31)], pa.date32()),
    "date64-max": pa.array([NOW_S * 1000, I64], pa.date64()),
    "time64": pa.array([10**9, None], pa.time64("ns")),
    "duration": pa.array([1, 2], pa.duration("s")),
    "decimal": pa.array([decimal.Decimal("1.50"), None], pa.decimal128(10, 2)),
    "float16": pa.array([1.5, None], pa.float16()),
    "uint64-max": pa.array([2**64 - 1, 0], pa.uint64()),
    "dictionary-text": pa.array(["2024-01-01 10:00:00", "0001-01-01 00:00:00"]).dictionary_encode(),
    "large-text": pa.array(["2024-01-01 10:00:00", "99999-01-01 00:00:00"], pa.large_string()),
    "null": pa.nulls(2),
    "map": pa.array([[("k", 1)], None], pa.map_(pa.string(), pa.int64())),
    "list-of-far-timestamps": pa.array([[I64], None], pa.list_(pa.timestamp("us"))),
    "struct-of-far-dates": pa.array([{"d": 2**31 - 1}, None], pa.struct([("d", pa.date32())])),
    "fixed-size-binary": pa.array([b"ab", b"cd"], pa.binary(2)),
}
ROLES = {"time": ("time", {}), "start": ("start", {"start_timestamp": "start"}), "attribute": ("x", {}),
         "case": ("case", {})}


def assert_readable(client, sid: int) -> None:
    assert client.get(f"/v1/sources/{sid}/stats").status_code == 200
    bp = client.post("/v1/blueprints", json={"name": f"over {sid}", "sources": [sid]}).json()["id"]
    assert client.get(f"/v1/blueprints/{bp}/feed").status_code == 200


@pytest.mark.parametrize("values", COLUMNS.values(), ids=COLUMNS.keys())
def test_every_parquet_column_type_is_stored_or_refused_clearly(client, values):
    for role, (column, mapping) in ROLES.items():
        table = {"case": pa.array(["c1", "c2"]), "activity": pa.array(["A", "B"]),
                 "time": pa.array([bad.TS, "2024-01-01 11:00:00"]), column: values}
        sid = make_source(client, name=role, mapping={**bad.MAPPING, **mapping})
        r = upload(client, sid, bad.parquet(pa.table(table)), name="log.parquet", on_error="skip")
        assert r.status_code in (201, 400, 422), (role, r.text)
        if r.status_code != 201:
            assert r.headers["content-type"].startswith(PROBLEM) and r.json()["detail"], (role, r.text)
        assert_readable(client, sid)
