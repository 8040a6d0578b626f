"""What a request names is checked before it is used: encodings, delimiters, timestamp formats, the
multipart envelope, nesting. Each used to answer 500 (or store a surprise); now a clear 4xx."""

import pytest
from sqlalchemy import text

from tests.helpers import make_source, stored_events, upload
from tests.support import badfiles as bad
from tests.support.problems import problem, refused

TEXT = "case,activity,time\nc7,Open,2024-01-01T10:00:00\nc7,Révision,2024-01-01T11:00:00\n"


def activities(engine, sid: int) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT activity FROM events WHERE source_id = :s"), {"s": sid}).scalars())


@pytest.mark.parametrize("codec", ["zlib_codec", "bz2_codec", "hex", "uu", "quopri", "undefined", "punycode"])
def test_codecs_that_are_not_text_encodings_are_refused(client, engine, source, codec):
    refused(client, engine, source, bad.GOOD_CSV, 422, f"{codec!r} is not a text encoding", encoding=codec)


@pytest.mark.parametrize("codec,bom", [("utf-32", True), ("utf-32-be", False), ("utf-16-be", False),
                                       ("cp037", False), ("cp1252", False)])
def test_text_encodings_are_read(client, engine, source, codec, bom):
    # UTF-32 with a BOM is told by its BOM (it begins like UTF-16's); EBCDIC (cp037) is transcoded too.
    r = upload(client, source, TEXT.encode(codec), **({} if bom else {"encoding": codec}))
    assert r.status_code == 201, r.text
    assert {"Open", "Révision"} <= activities(engine, source)


@pytest.mark.parametrize("delimiter", ["\t", ";", "|", " ", "~"])
def test_printable_ascii_and_tab_delimiters_are_accepted(client, engine, source, delimiter):
    content = TEXT.replace(",", delimiter).encode()
    r = upload(client, source, content, delimiter=delimiter)
    assert r.status_code == 201 and r.json()["events_ingested"] == 2, r.text


def test_unusable_timestamp_format_is_refused_when_the_source_is_saved(client):
    for body in ({"name": "q", "mapping": {**bad.MAPPING, "timestamp_format": "%Q%%%"}},
                 {"name": "q", "mapping": {**bad.MAPPING, "timestamp_format": "no directive"}}):
        r = client.post("/v1/sources", json=body)
        assert problem(r, 422, "mapping.timestamp_format", "timestamp_format")["errors"][0]["location"] == \
            "body.mapping.timestamp_format"
    sid = make_source(client, mapping={**bad.MAPPING, "timestamp_format": "%d/%m/%Y %H:%M"})
    r = client.patch(f"/v1/sources/{sid}", json={"mapping": {**bad.MAPPING, "timestamp_format": "%Y-%m-%d %"}})
    problem(r, 422, "mapping.timestamp_format", "stray %")
    assert client.get(f"/v1/sources/{sid}").json()["mapping"]["timestamp_format"] == "%d/%m/%Y %H:%M"


def test_unusable_timestamp_format_saved_earlier_fails_the_upload_clearly(client, engine, source):
    # A source saved before formats were checked still holds one: the upload is a 422, never a 500.
    with engine.begin() as conn:
        conn.execute(text("UPDATE sources SET mapping = :m WHERE id = :s"),
                     {"m": '{"case_id": "case", "activity": "activity", "timestamp": "time", '
                           '"timestamp_format": "%Q%%%"}', "s": source})
    body = refused(client, engine, source, bad.csv(f"f1,A,{bad.TS}"), 422, "mapping.timestamp_format '%Q%%%'")
    assert body["errors"][0]["column"] == "time"


def multipart_body(boundary: str, *parts: tuple[str, str | None, bytes]) -> bytes:
    """A multipart/form-data body of (field name, file name or None, content) parts."""
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def post_multipart(client, sid: int, boundary: str, *parts):
    return client.post(f"/v1/sources/{sid}/uploads", content=multipart_body(boundary, *parts),
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


def test_boundary_length_follows_rfc_2046(client, engine, source):
    before = stored_events(engine, source)
    for boundary in ("b" * 71, "b" * 300):
        problem(post_multipart(client, source, boundary, ("file", "a.csv", bad.GOOD_CSV)), 400,
                f"boundary is {len(boundary)} characters long", "RFC 2046 allows 1 to 70")
    assert stored_events(engine, source) == before
    r = post_multipart(client, source, "b" * 70, ("file", "a.csv", bad.csv(f"m1,A,{bad.TS}")))
    assert r.status_code == 201 and r.json()["events_ingested"] == 1, r.text


@pytest.mark.parametrize("second", [("file", "b.csv"), ("other", "b.csv")], ids=["file-twice", "another-file"])
def test_a_second_file_in_one_request_is_refused(client, engine, source, second):
    # The first file used to be stored and the second silently dropped.
    before = stored_events(engine, source)
    r = post_multipart(client, source, "bpm", ("file", "a.csv", bad.csv(f"t1,A,{bad.TS}")),
                       (*second, bad.csv(f"t2,B,{bad.TS}")))
    problem(r, 400, "more than one file", "send one file per upload")
    assert stored_events(engine, source) == before


def test_a_plain_form_field_beside_the_file_is_accepted(client, engine, source):
    r = post_multipart(client, source, "bpm", ("note", None, b"hello"), ("file", "a.csv", bad.csv(f"t3,A,{bad.TS}")))
    assert r.status_code == 201 and r.json()["events_ingested"] == 1, r.text


def test_nesting_up_to_the_limit_is_stored(client, engine, source):
    # 64 levels is the limit; brackets inside strings do not count.
    lines = [bad.jsonl_with_x(bad.nested_json(64)).replace('"A"', '"deep"'),
             bad.jsonl_with_x('"' + "[" * 200 + '\\"{"').replace('"A"', '"text"')]
    r = upload(client, source, bad.jsonl(*lines), name="e.jsonl")
    assert r.status_code == 201 and r.json()["events_ingested"] == 2, r.text


@pytest.mark.parametrize("levels,status", [(64, 201), (65, 400), (900, 400)])
def test_pushed_attributes_nested_deeper_than_the_limit_are_refused(client, engine, source, levels, status):
    value = 1
    for _ in range(levels):
        value = [value]
    event = {"case_id": "n1", "activity": f"A{levels}", "timestamp": "2024-01-01T10:00:00Z", "attributes": {"x": value}}
    before = stored_events(engine, source)
    r = client.post(f"/v1/sources/{source}/events", json=[event])
    if status == 201:
        assert r.status_code == 201, r.text
    else:
        problem(r, 400, "attribute 'x' is nested deeper than 64 levels")
        assert stored_events(engine, source) == before


def test_a_very_long_file_name_is_kept_by_its_end(client):
    from tests.helpers import make_source, upload

    sid = make_source(client, name="long", mapping={"case_id": "c", "activity": "a", "timestamp": "t"})
    r = upload(client, sid, b"c,a,t\n1,A,2024-01-01T00:00:00Z\n", name="a" * 600 + ".csv")
    assert r.status_code == 201, r.text
    assert len(r.json()["filename"]) == 500 and r.json()["filename"].endswith("aaa.csv")


def test_pushed_values_that_are_not_finite_are_refused(client):
    from tests.helpers import make_source

    sid = make_source(client, name="push", mapping={"case_id": "c", "activity": "a", "timestamp": "t"})
    body = '[{"case_id": "1", "activity": "A", "timestamp": "2024-01-01T00:00:00Z", "attributes": {"x": Infinity}}]'
    r = client.post(f"/v1/sources/{sid}/events", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "finite" in r.text
    nan = '[{"case_id": "1", "activity": "A", "timestamp": "2024-01-01T00:00:00Z", "y": NaN}]'
    assert client.post(f"/v1/sources/{sid}/events", content=nan,
                       headers={"Content-Type": "application/json"}).status_code == 422
    assert client.get(f"/v1/sources/{sid}/stats").json()["events"] == 0
