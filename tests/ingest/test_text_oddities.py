"""Text that looks alike is stored alike (Unicode NFC), and the line limit is exact."""

import json
import unicodedata

import pytest
from sqlalchemy import text

from tests.helpers import make_source, upload
from tests.support import badfiles as bad
from tests.support.problems import problem, refused, row_errors

COMPOSED, DECOMPOSED = "Caf\u00e9", "Cafe\u0301"  # look alike; one code point, or e + a combining accent
MAPPING = {**bad.MAPPING, "resource": "who", "role": "team"}
MB = 1 << 20


def stored(engine, sid: int) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT case_id, activity, resource, role, attributes FROM events "
                                 "WHERE source_id = :s ORDER BY ordinal"), {"s": sid}).all()
    return [(*r[:4], r[4] if isinstance(r[4], dict | None) else json.loads(r[4])) for r in rows]


def cafe_csv(spelling: str, *rows: int) -> bytes:
    header = f"case,activity,time,who,team,{spelling}\n".encode()
    return bad.csv(*[f"{spelling}{i},{spelling},2024-01-01 1{i}:00:00,{spelling},{spelling},{spelling}"
                     for i in rows], header=header)


def test_composed_and_decomposed_text_are_one_step(client, engine):
    sid = make_source(client, mapping=MAPPING)
    assert upload(client, sid, cafe_csv(COMPOSED, 1)).status_code == 201
    assert upload(client, sid, cafe_csv(DECOMPOSED, 2)).status_code == 201
    assert stored(engine, sid) == [(f"{COMPOSED}{i}", COMPOSED, COMPOSED, COMPOSED, {COMPOSED: COMPOSED})
                                   for i in (1, 2)]
    assert client.get(f"/v1/sources/{sid}/stats").json()["activities"] == 1


def test_a_decomposed_resend_is_a_duplicate(client, engine):
    # The digest is computed from NFC text: the same events typed the other way are not stored twice.
    sid = make_source(client, mapping=MAPPING)
    assert upload(client, sid, cafe_csv(COMPOSED, 1, 2)).json()["events_ingested"] == 2
    again = upload(client, sid, cafe_csv(DECOMPOSED, 1, 2)).json()
    assert (again["events_ingested"], again["events_duplicate"]) == (0, 2)


def test_pushed_events_and_nested_attributes_are_normalised(client, engine):
    sid = make_source(client)
    r = client.post(f"/v1/sources/{sid}/events", json=[
        {"case_id": "p1", "activity": DECOMPOSED, "timestamp": "2024-01-01T10:00:00Z",
         "attributes": {"tags": [DECOMPOSED, {DECOMPOSED: DECOMPOSED}]}}])
    assert r.status_code == 201, r.text
    assert stored(engine, sid) == [("p1", COMPOSED, None, None, {"tags": [COMPOSED, {COMPOSED: COMPOSED}]})]


def test_a_decomposed_mapping_finds_a_composed_header(client, engine):
    # Mapped names are saved in NFC (the thread attribute, say, is then found among stored attributes).
    sid = make_source(client, mapping={"case_id": "case", "activity": DECOMPOSED, "timestamp": "time",
                                       "thread": DECOMPOSED + "2"})
    saved = client.get(f"/v1/sources/{sid}").json()["mapping"]
    assert (saved["activity"], saved["thread"]) == (COMPOSED, COMPOSED + "2")
    r = upload(client, sid, bad.csv(f"c1,Open,{bad.TS}", header=f"case,{COMPOSED},time\n".encode()))
    assert r.status_code == 201, r.text


def test_column_names_that_become_one_are_refused(client, engine, source):
    content = bad.csv(f"c1,A,{bad.TS},1,2", header=f"case,activity,time,{COMPOSED},{DECOMPOSED}\n".encode())
    refused(client, engine, source, content, 400, f"column names ['{COMPOSED}'] occur twice", "NFC")


def test_event_ids_stay_as_sent(client, engine):
    # An event id is an opaque key: ids differing only in their code points are two events.
    sid = make_source(client, mapping={**bad.MAPPING, "event_id": "id"})
    content = bad.csv(f"{COMPOSED},c1,A,{bad.TS}", f"{DECOMPOSED},c1,A,{bad.TS}", header=b"id,case,activity,time\n")
    assert upload(client, sid, content).json()["events_ingested"] == 2
    with engine.connect() as conn:
        keys = conn.execute(text("SELECT event_key FROM events WHERE source_id = :s"), {"s": sid}).scalars()
        assert sorted(keys) == sorted([COMPOSED, DECOMPOSED])
    assert unicodedata.normalize("NFC", DECOMPOSED) == COMPOSED


def line_of(length: int, activity: str = "A") -> str:
    """A data line of exactly `length` bytes (its line end not counted), padded in a note column."""
    row = f"c1,{activity},2024-01-01 10:00:00,"
    return row + "x" * (length - len(row))


@pytest.mark.parametrize("overrides", [{"max_line_mb": 1}])
def test_the_line_limit_is_exact(client, engine, source):
    header = b"case,activity,time,note\n"
    at_limit = bad.csv(line_of(100, "A"), line_of(MB, "B"), line_of(100, "C"), header=header)
    r = upload(client, source, at_limit)
    assert r.status_code == 201 and r.json()["events_ingested"] == 3, r.text
    for long in (MB + 1, MB * 3 // 2):  # a 1.5 MB line used to pass a 1 MB limit
        body = refused(client, engine, source, bad.csv(line_of(100), line_of(long), header=header), 400,
                       "line 3 is longer than 1 MB", "max_line_mb")
        assert row_errors(body) == [(2, None)]


@pytest.mark.parametrize("overrides", [{"max_line_mb": 1}])
def test_the_json_lines_limit_is_exact(client, engine, source):
    long = bad.jsonl_with_x('"' + "x" * (MB * 3 // 2) + '"')
    body = problem(upload(client, source, bad.jsonl(bad.JSONL_GOOD, long), name="e.jsonl"), 400,
                   "line 2 is longer than 1 MB")
    assert row_errors(body) == [(2, None)]
