"""The bad-input corpus: every broken, hostile or oversized upload gets a clear 4xx problem, stores nothing.

Each case runs against a source already holding one good upload, so "nothing stored" is a real check.
Big inputs are generated a megabyte at a time into tmp_path and streamed to the server."""

import gzip
import json
import time
from datetime import UTC, datetime

import pyarrow as pa
import pytest
from sqlalchemy import text

from tests.helpers import make_source, stored_events, upload
from tests.support import badfiles as bad
from tests.support.problems import PROBLEM, problem, refused, row_errors

PASSWD_MARKERS = ("root:x:0:0", "/bin/sh", "/usr/sbin/nologin")


def stored_texts(engine, sid: int) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT case_id, activity, attributes FROM events WHERE source_id = :s"),
                            {"s": sid}).all()
    # SQLite hands back the attributes as JSON text, PostgreSQL as a dict: compare as JSON text.
    return [" ".join(v if isinstance(v, str) else json.dumps(v) for v in row) for row in rows]


def activities(engine, sid: int) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT activity, timestamp FROM events WHERE source_id = :s"),
                            {"s": sid}).all()
    return dict(rows)


def micros(iso: str) -> int:
    return int(datetime.fromisoformat(iso).astimezone(UTC).timestamp() * 1_000_000)


@pytest.mark.parametrize("case", bad.REFUSED.values(), ids=bad.REFUSED.keys())
def test_refused(client, engine, source, case: bad.Bad):
    body = refused(client, engine, source, case.content, case.status, *case.needles, name=case.name,
                   **case.params)
    if case.errors is not None:
        assert row_errors(body) == case.errors
    if case.message is not None:
        assert case.message in body["errors"][0]["message"]


# Accepted look-alikes: the refusals above are not over-eager.


def test_different_utc_offsets_are_accepted(client, engine, source):
    content = bad.csv("c2,A,2024-03-30T10:00:00+01:00", "c2,B,2024-03-31T10:00:00+02:00",
                      "c2,C,2024-03-31T08:30:00Z", "c2,D,2024-03-31T03:00:00-05:00")
    r = upload(client, source, content)
    assert r.status_code == 201, r.text
    assert r.json()["events_ingested"] == 4
    stored = activities(engine, source)
    assert stored["A"] == micros("2024-03-30T09:00:00+00:00")
    assert stored["B"] == stored["D"] == micros("2024-03-31T08:00:00+00:00")
    assert stored["C"] == micros("2024-03-31T08:30:00+00:00")


@pytest.mark.parametrize("content,params", [(bad.LATIN1, {"encoding": "latin-1"}),
                                            (bad.LATIN1.decode("latin-1").encode("utf-16"), {})],
                         ids=["declared-latin1", "utf16-with-bom"])
def test_other_encodings_are_read(client, engine, source, content, params):
    r = upload(client, source, content, **params)
    assert r.status_code == 201, r.text
    assert "Révision" in activities(engine, source)


def test_gzipped_csv_is_read(client, engine, source):
    r = upload(client, source, gzip.compress(bad.csv(f"c4,A,{bad.TS}")), name="ok.csv.gz")
    assert r.status_code == 201, r.text
    assert stored_events(engine, source) == 3


def test_parquet_text_as_binary_and_nested_attributes_are_accepted(client, engine, source):
    # Old writers store strings as plain binary; list and struct columns are attributes like any other.
    table = pa.table({"case": pa.array([b"p1", b"p1"]), "activity": pa.array(["A", "B"]),
                      "time": pa.array([bad.TS, "2024-01-01 11:00:00"]),
                      "tags": pa.array([["x", "y"], None]), "meta": pa.array([{"k": 1}, {"k": 2}])})
    r = upload(client, source, bad.parquet(table), name="log.parquet")
    assert r.status_code == 201, r.text
    assert r.json()["events_ingested"] == 2
    texts = [t for t in stored_texts(engine, source) if t.startswith("p1 ")]
    assert len(texts) == 2 and any('"tags"' in t and '"x"' in t for t in texts)


def test_jsonl_mixed_value_types_are_accepted(client, engine, source):
    line = f'{{"case": "c5", "activity": "A", "time": "{bad.TS}", "amount": 5}}'
    content = bad.jsonl(line, line.replace('"A"', '"B"').replace("5}", '"five"}'))
    r = upload(client, source, content, name="events.jsonl")
    assert r.status_code == 201, r.text
    assert r.json()["events_ingested"] == 2


# on_error=skip


def test_skip_stores_only_good_rows(client, engine, source):
    content = bad.csv(
        "s1,A,2024-02-01 10:00:00",    # 1 good
        ",B,2024-02-01 11:00:00",      # 2 case id empty
        "s1,C,yesterday",              # 3 bad time
        "s1,D,2024-02-01 12:00:00",    # 4 good
        "s1,,2024-02-01 13:00:00",     # 5 activity empty
        "s1,E,2024-02-01 14:00:00,x",  # 6 too many fields
        "s2,F,2024-02-01 15:00:00",    # 7 good
    )
    before = stored_events(engine, source)
    r = upload(client, source, content, on_error="skip")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["rows_read"], body["events_ingested"], body["rows_rejected"], body["cases"]) == (7, 3, 4, 2)
    assert sorted(row_errors(body)) == [(2, "case"), (3, "time"), (5, "activity"), (6, None)]
    assert stored_events(engine, source) == before + 3
    assert {"A", "D", "F"} <= set(activities(engine, source))


def test_only_rows_the_parser_rejects(client, engine, source):
    content = bad.csv("c1,A", f"c1,B,{bad.TS},extra")
    body = refused(client, engine, source, content, 422, "2 of 2 rows are invalid")
    assert row_errors(body) == [(1, None), (2, None)]


# 8: gzip bombs


@pytest.mark.parametrize("overrides", [{"max_decompressed_mb": 1}])
def test_gzip_bomb_over_size_limit(client, engine, source, settings, tmp_path):
    bomb = bad.gzip_bomb(tmp_path / "bomb.csv.gz", inflated_mb=8)
    refused(client, engine, source, bomb, 413, "inflates beyond 1 MB", "decompression bomb")
    assert not list(settings.upload_dir.glob("*")), "the inflated part must not stay on disk"


def test_gzip_bomb_over_ratio(client, engine, source, settings, tmp_path):
    # Default limits: 80 MB of zeros from ~80 KB passes the size limit but not the 200x ratio.
    bomb = bad.gzip_bomb(tmp_path / "bomb.csv.gz", inflated_mb=80)
    refused(client, engine, source, bomb, 413, "inflates beyond 200x", "decompression bomb")
    assert not list(settings.upload_dir.glob("*")), "the inflated part must not stay on disk"


# 9-10: hostile XML


def assert_no_passwd(r, engine, sid: int) -> None:
    for marker in PASSWD_MARKERS:
        assert marker not in r.text
        assert not any(marker in t for t in stored_texts(engine, sid))


XXE = {
    "xes": (bad.xes_xxe(), "xxe.xes", {}, "DOCTYPE"),
    "xml-named": (bad.xes_xxe(), "xxe.xml", {}, "DOCTYPE"),
    "ocel-xml": (bad.xes_xxe(), "xxe.xmlocel", {}, "DOCTYPE"),
    "declared-xes": (bad.xes_xxe(), "xxe.bin", {"format": "xes"}, "DOCTYPE"),
    "gzipped": (gzip.compress(bad.xes_xxe()), "xxe.xes.gz", {}, "DOCTYPE"),
    "utf16": (bad.xes_xxe().decode().replace("UTF-8", "UTF-16").encode("utf-16"), "xxe.xes", {}, "DOCTYPE"),
    # A DTD pushed past the first 64 KB by a comment must not slip past the prolog check.
    "long-prolog": (bad.xes_xxe(padding="<!--" + "x" * 100_000 + "-->\n"), "xxe.xes", {}, "prolog"),
    # A fake root tag inside a comment must not end the prolog check early.
    "tag-in-comment": (bad.xes_xxe(padding="<!-- <log> -->\n"), "xxe.xes", {}, "DOCTYPE"),
}


@pytest.mark.parametrize("case", XXE.values(), ids=XXE.keys())
def test_xxe_external_entity(client, engine, xes_source, case):
    content, name, params, needle = case
    r = upload(client, xes_source, content, name=name, **params)
    problem(r, 400, needle, "refused")
    assert stored_events(engine, xes_source) == 1
    assert_no_passwd(r, engine, xes_source)


def test_xes_billion_laughs(client, engine, xes_source):
    started = time.monotonic()
    r = upload(client, xes_source, bad.xes_billion_laughs(), name="lol.xes")
    problem(r, 400, "DOCTYPE", "entity expansion")
    assert time.monotonic() - started < 5
    assert stored_events(engine, xes_source) == 1
    assert "lollollol" not in r.text


# 11-12: size and shape


def post_file(client, sid: int, path):
    with open(path, "rb") as f:  # streamed from disk by the client, never read whole here
        return client.post(f"/v1/sources/{sid}/uploads", files={"file": (path.name, f, "text/csv")})


@pytest.mark.parametrize("overrides", [{"async_upload_mb": 1000.0}])
def test_100_mb_single_line(client, engine, source, tmp_path):
    path = bad.long_line_csv(tmp_path / "long.csv", mb=100)
    started, before = time.monotonic(), stored_events(engine, source)
    body = problem(post_file(client, source, path), 400, "line 2", "longer than 16 MB", "max_line_mb")
    assert time.monotonic() - started < 20
    assert row_errors(body) == [(1, None)]
    assert stored_events(engine, source) == before


def settle(client, r) -> dict:
    """An accepted (202) upload's final state, polled."""
    assert r.status_code == 202, r.text
    deadline, state = time.monotonic() + 20, r.json()
    while state["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.02)
        state = client.get(f"/v1/uploads/{state['id']}").json()
    return state


@pytest.mark.parametrize("overrides", [{"max_line_mb": 1, "async_upload_mb": 2.0}])
def test_long_single_line_async(client, engine, source, tmp_path):
    # Over async_upload_mb the upload is acknowledged (202) and fails in the background, clearly.
    before = stored_events(engine, source)
    state = settle(client, post_file(client, source, bad.long_line_csv(tmp_path / "long.csv", mb=5)))
    assert state["status"] == "failed" and "line 2 is longer than 1 MB" in state["detail"]
    assert state["errors"] == [{"row": 1, "column": None, "message": "line longer than 1 MB"}]
    assert stored_events(engine, source) == before


@pytest.mark.parametrize("overrides", [{"async_upload_mb": 0.0}])
def test_background_parse_failure_leaves_the_worker_alive(client, engine):
    # Every upload goes to the background worker here; a reader panic must fail that upload only.
    sid = make_source(client, mapping=bad.MAPPING)
    assert settle(client, upload(client, sid, bad.GOOD_CSV))["status"] == "succeeded"
    failed = settle(client, upload(client, sid, bad.xes("Open")[:-40], name="cut.xes"))
    assert failed["status"] == "failed" and "cannot parse the XES file" in failed["detail"]
    assert stored_events(engine, sid) == 2
    ok = settle(client, upload(client, sid, bad.csv(f"w1,A,{bad.TS}")))
    assert ok["status"] == "succeeded" and ok["events_ingested"] == 1


def test_100000_columns(client, engine, source, tmp_path):
    path = bad.wide_csv(tmp_path / "wide.csv", columns=100_000)
    refused(client, engine, source, path, 400, "100000 columns", "at most 2000")


@pytest.mark.parametrize("overrides", [{"async_upload_mb": 1000.0}])
def test_malformed_jsonl_far_down(client, engine, source):
    # The culprit is found by line past the first 8 MB block, not reported by batch.
    content = bad.jsonl(*[bad.JSONL_GOOD] * 150_000, '{"case": "c1" "activity": "B"}', *[bad.JSONL_GOOD] * 10)
    body = refused(client, engine, source, content, 400, "line 150001 is not valid JSON", "delimiter",
                   name="events.jsonl")
    assert row_errors(body) == [(150_001, None)]


@pytest.mark.parametrize("overrides", [{"max_upload_mb": 1}])
def test_upload_over_max_upload_mb(client, engine, source):
    content = bad.csv(*[f"c1,A,{bad.TS}"] * 100_000)  # ~2.5 MB
    refused(client, engine, source, content, 413, "the limit is 1 MB")


def multipart(boundary: str, *chunks: bytes, close: bool = True):
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n"
           "Content-Type: text/csv\r\n\r\n").encode()
    yield from chunks
    if close:
        yield f"\r\n--{boundary}--\r\n".encode()


@pytest.mark.parametrize("overrides", [{"max_upload_mb": 1}])
def test_upload_over_max_upload_mb_without_length(client, engine, source):
    # Chunked transfer (no Content-Length): the limit is enforced while the body streams in.
    before = stored_events(engine, source)
    body = multipart("bpm", bad.HEADER, *[f"c1,A,{bad.TS}\n".encode() * 50_000] * 3)
    r = client.post(f"/v1/sources/{source}/uploads", content=body,
                    headers={"Content-Type": "multipart/form-data; boundary=bpm"})
    problem(r, 413, "exceeds the limit of 1 MB")
    assert stored_events(engine, source) == before


# The request itself


def test_truncated_multipart_body(client, engine, source):
    # The closing boundary never comes (a client cut off mid-upload): the partial file is not ingested.
    before = stored_events(engine, source)
    content = b"".join(multipart("bpm", bad.csv(f"t1,A,{bad.TS}", f"t1,B,{bad.TS}"), close=False))
    r = client.post(f"/v1/sources/{source}/uploads", content=content,
                    headers={"Content-Type": "multipart/form-data; boundary=bpm"})
    problem(r, 400, "multipart body is incomplete")
    assert stored_events(engine, source) == before


@pytest.mark.parametrize("kwargs,needle", [
    ({"content": bad.GOOD_CSV, "headers": {"Content-Type": "text/csv"}}, "multipart/form-data"),
    ({"files": {"upload": ("a.csv", bad.GOOD_CSV)}}, "no multipart field named 'file'"),
], ids=["not-multipart", "wrong-field-name"])
def test_malformed_request(client, engine, source, kwargs, needle):
    before = stored_events(engine, source)
    problem(client.post(f"/v1/sources/{source}/uploads", **kwargs), 400, needle)
    assert stored_events(engine, source) == before


def test_nul_character_in_pushed_events(client, engine, source):
    before = stored_events(engine, source)
    r = client.post(f"/v1/sources/{source}/events",
                    json=[{"case_id": "p1", "activity": "A\x00", "timestamp": "2024-01-01T10:00:00Z"}])
    problem(r, 400, "column 'activity'", "NUL character")
    assert stored_events(engine, source) == before


def test_xes_with_a_nul_character_is_refused(client, engine, xes_source):
    # XES pieces are searched for NUL bytes before parsing (then their text is not searched again).
    r = upload(client, xes_source, bad.xes("Pay\x00ment"), name="nul.xes")
    assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith(PROBLEM), r.text
    assert stored_events(engine, xes_source) == 1
