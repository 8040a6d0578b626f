"""The columnar copy of each source's events (what the feed reads): kept in step with uploads and
deletes, rebuilt when lost or damaged, never trusted beyond the uploads it records."""

import json
import os

import pyarrow as pa

from app.ingest import repository as store
from app.store import columnar
from tests.helpers import make_source, upload

MAPPING = {"case_id": "case", "activity": "activity", "timestamp": "time"}


def log(cases: range, steps=("Open", "Work", "Close")) -> bytes:
    rows = ["case,activity,time"]
    for c in cases:
        rows += [f"c{c},{a},2024-01-0{1 + c % 9}T0{i}:00:00Z" for i, a in enumerate(steps)]
    return ("\n".join(rows) + "\n").encode()


def events_in_feed(client, bp: int) -> tuple[int, int]:
    r = client.get(f"/v1/blueprints/{bp}/feed")
    assert r.status_code == 200, r.text
    return r.json()["stats"]["events"], r.json()["stats"]["cases"]


def blueprint(client, sid: int) -> int:
    r = client.post("/v1/blueprints", json={"name": "b", "sources": [sid], "lanes": {"rules": [],
                                                                                    "default": "backstage"}})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def copies(settings, sid: int) -> list:
    return sorted(columnar.source_directory(settings.data_dir, sid).glob("*.arrow"))


def recorded_uploads(path) -> list[int]:
    with pa.memory_map(str(path)) as source:
        meta = json.loads(pa.ipc.open_file(source).schema.metadata[b"blueprint-miner"])
    return [u[0] for u in meta["uploads"]]


def test_the_copy_follows_uploads_and_deletes(client, settings):
    sid = make_source(client, mapping=MAPPING)
    first = upload(client, sid, log(range(3))).json()["id"]
    bp = blueprint(client, sid)
    assert events_in_feed(client, bp) == (9, 3)
    second = upload(client, sid, log(range(3, 5))).json()["id"]
    assert events_in_feed(client, bp) == (15, 5)
    assert client.delete(f"/v1/uploads/{first}").status_code == 200
    assert events_in_feed(client, bp) == (6, 2)
    [path] = copies(settings, sid)  # one file per source; older ones are removed
    assert recorded_uploads(path) == [second]


def test_a_lost_or_damaged_copy_is_rebuilt_from_the_database(client, settings):
    sid = make_source(client, mapping=MAPPING)
    upload(client, sid, log(range(4)))
    bp = blueprint(client, sid)
    assert events_in_feed(client, bp) == (12, 4)
    for path in copies(settings, sid):
        path.unlink()
    client.put(f"/v1/blueprints/{bp}", json={"name": "b2", "sources": [sid],
                                             "lanes": {"rules": [], "default": "support"}})
    assert events_in_feed(client, bp) == (12, 4)
    [path] = copies(settings, sid)
    # Damaged as a whole file, put in place as the writer puts copies (a rename): readers map the
    # copies into memory, and truncating a file another thread has mapped kills the process (SIGBUS:
    # this test once did so to the embedded worker reading the copy for a model).
    damaged = path.with_name(".damaged.tmp")
    damaged.write_bytes(b"not an arrow file")
    os.replace(damaged, path)
    client.put(f"/v1/blueprints/{bp}", json={"name": "b3", "sources": [sid],
                                             "lanes": {"rules": [], "default": "backstage"}})
    assert events_in_feed(client, bp) == (12, 4)
    assert recorded_uploads(copies(settings, sid)[0]) != []


def test_a_copy_is_not_kept_when_the_rows_do_not_match_the_uploads(client, settings, engine, app):
    sid = make_source(client, mapping=MAPPING)
    upload(client, sid, log(range(2)))
    app.state.columnar.settle()  # the refresh after the upload, so that it cannot write behind us
    with app.state.session_factory() as session:
        [key] = store.upload_keys(session, source_id=sid)
    for path in copies(settings, sid):
        path.unlink()
    # As if the upload were deleted while its rows were read: the count it claims is not there.
    claimed = columnar.UploadKey(id=key.id, created=key.created, events=key.events + 1)
    table = columnar.source_table(engine, source_id=sid, uploads=[claimed], attributes=[], data_dir=settings.data_dir)
    assert table.num_rows == 6
    assert copies(settings, sid) == []
    table = columnar.source_table(engine, source_id=sid, uploads=[key], attributes=["x"], data_dir=settings.data_dir)
    assert table.num_rows == 6 and "attr:x" in table.column_names
    assert len(copies(settings, sid)) == 1


def test_a_deleted_source_leaves_no_copy_behind(client, settings, app):
    sid = make_source(client, name="gone", mapping=MAPPING)
    upload(client, sid, log(range(2)))
    events_in_feed(client, blueprint(client, sid))
    app.state.columnar.settle()
    assert copies(settings, sid)
    assert client.delete(f"/v1/sources/{sid}").status_code == 204
    assert copies(settings, sid) == []
    again = make_source(client, name="new", mapping=MAPPING)  # SQLite may give it the same id
    upload(client, again, log(range(7, 8)))
    assert events_in_feed(client, blueprint(client, again)) == (3, 1)
