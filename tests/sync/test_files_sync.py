"""The files connector through the runner: a file dropped during a run is taken by the next, the
same bytes twice are ingested once, a file still being written waits, a bad file fails the run."""

import gzip
import os
import time

from sqlalchemy import text

from tests.helpers import make_source, stored_events
from tests.support.growing import still_being_written
from tests.sync.conftest import configure, run_now

MAPPING = {"case_id": "c", "activity": "a", "timestamp": "t"}


def csv(case: str, rows: int = 3) -> bytes:
    lines = [f"{case},Step{i},2024-01-01T10:{i:02d}:00Z" for i in range(rows)]
    return ("c,a,t\n" + "\n".join(lines) + "\n").encode()


def watched(client, folder, settle_s: float = 0.0) -> int:
    source_id = make_source(client, name="drop", mapping=MAPPING)
    configure(client, source_id, "files", {"path": str(folder), "pattern": "*", "settle_s": settle_s})
    return source_id


def test_a_file_dropped_during_a_run_is_taken_by_the_next(client, ctx, engine, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a.csv").write_bytes(csv("A"))
    (folder / "b.csv.gz").write_bytes(gzip.compress(csv("B", 4)))
    source_id = watched(client, folder)
    ctx.state["on_stored"] = lambda _: (folder / "c.csv").write_bytes(csv("C", 2))  # lands mid-run
    first = run_now(client, ctx, source_id)
    assert (first["status"], first["files"], first["events_ingested"]) == ("succeeded", 2, 7), first
    ctx.state.clear()
    second = run_now(client, ctx, source_id)
    assert (second["files"], second["events_ingested"]) == (1, 2)
    assert stored_events(engine, source_id) == 9
    uploads = client.get(f"/v1/sources/{source_id}/uploads").json()
    assert sorted(u["filename"] for u in uploads) == ["a.csv", "b.csv.gz", "c.csv"]
    assert {u["kind"] for u in uploads} == {"sync"} and not list(ctx.settings.upload_dir.iterdir())


def test_the_same_file_twice_is_ingested_once(client, ctx, engine, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "day1.csv").write_bytes(csv("A"))
    (folder / "copy-of-day1.csv").write_bytes(csv("A"))
    source_id = watched(client, folder)
    first = run_now(client, ctx, source_id)
    assert (first["files"], first["events_ingested"]) == (1, 3)
    (folder / "again.csv").write_bytes(csv("A"))
    second = run_now(client, ctx, source_id)
    assert (second["status"], second["files"], second["events_ingested"]) == ("succeeded", 0, 0)
    with engine.connect() as conn:
        taken = conn.execute(text("SELECT count(*) FROM sync_files WHERE source_id = :s"), {"s": source_id})
        assert taken.scalar() == 1
    assert stored_events(engine, source_id) == 3


def test_undoing_a_file_upload_does_not_bring_the_file_back(client, ctx, engine, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a.csv").write_bytes(csv("A"))
    source_id = watched(client, folder)
    run_now(client, ctx, source_id)
    upload_id = client.get(f"/v1/sources/{source_id}/uploads").json()[0]["id"]
    assert client.delete(f"/v1/uploads/{upload_id}").json()["events_deleted"] == 3
    assert run_now(client, ctx, source_id)["files"] == 0 and stored_events(engine, source_id) == 0


def test_a_half_written_file_waits_for_the_next_run(client, ctx, engine, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    growing = folder / "big.csv"
    source_id = watched(client, folder, settle_s=1.0)
    # The writer keeps appending until the run has ended (one that stopped after a fixed 0.3 s had
    # finished before CI's run listed the folder, and the whole file was rightly taken).
    line = lambda n: f"G,Step{n},2024-01-01T10:00:{n % 60:02d}Z\n".encode()  # noqa: E731
    with still_being_written(growing, b"c,a,t\n", line) as rows:
        first = run_now(client, ctx, source_id)
    assert (first["status"], first["files"], first["events_ingested"]) == ("succeeded", 0, 0), first
    time.sleep(1.1)
    second = run_now(client, ctx, source_id)
    assert (second["files"], second["events_ingested"]) == (1, len(rows)), (second, len(rows))


def test_a_file_with_bad_rows_fails_the_run_naming_the_file_and_rows(client, ctx, engine, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a.csv").write_bytes(csv("A"))
    source_id = watched(client, folder)
    assert run_now(client, ctx, source_id)["events_ingested"] == 3
    (folder / "b.csv").write_bytes(b"c,a,t\nB,Open,2024-01-01T10:00:00Z\nB,Close,not a time\n")
    run = run_now(client, ctx, source_id)
    assert run["status"] == "failed" and run["error"].startswith("b.csv: 1 of 2 rows are invalid"), run
    assert run["errors"] == [{"row": 2, "column": "t", "message": run["errors"][0]["message"]}]
    assert run["rows_rejected"] == 1 and stored_events(engine, source_id) == 3  # nothing of b.csv
    assert run_now(client, ctx, source_id)["status"] == "failed"  # b.csv was not taken: it is tried again


def test_a_bad_file_does_not_keep_the_files_after_it_out(client, ctx, engine, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a.csv").write_bytes(csv("A"))
    (folder / "b.csv").write_bytes(b"c,a,t\nB,Open,2024-01-01T10:00:00Z\nB,Close,not a time\nB,Shut,never\n")
    (folder / "c.csv").write_bytes(csv("C", 4))
    (folder / "d.csv").write_bytes(b"case,activity,time\nD,Open,2024-01-01T10:00:00Z\n")  # not the mapping's columns
    source_id = watched(client, folder)
    run = run_now(client, ctx, source_id)
    assert (run["status"], run["files"], run["events_ingested"]) == ("failed", 2, 7), run
    assert run["error"].startswith("b.csv: 2 of 3 rows are invalid") and \
        run["error"].endswith("(1 more file failed too: d.csv)"), run["error"]
    assert [e["row"] for e in run["errors"]] == [2, 3] and run["rows_rejected"] == 2
    assert stored_events(engine, source_id) == 7
    (folder / "b.csv").write_bytes(csv("B", 2))  # mended: new bytes, so a new file
    (folder / "d.csv").unlink()
    again = run_now(client, ctx, source_id)
    assert (again["status"], again["files"], again["events_ingested"]) == ("succeeded", 1, 2), again
    assert stored_events(engine, source_id) == 9


def test_a_taken_file_is_known_by_its_listing_and_not_read_again(client, ctx, engine, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    day1 = folder / "day1.csv"
    day1.write_bytes(csv("A"))
    source_id = watched(client, folder)
    assert run_now(client, ctx, source_id)["files"] == 1
    listed = day1.stat()
    with engine.connect() as conn:
        row = conn.execute(text("SELECT name, size, mtime_ns FROM sync_files WHERE source_id = :s"),
                           {"s": source_id}).one()
    assert tuple(row) == ("day1.csv", listed.st_size, listed.st_mtime_ns)
    # Bytes no mapping reads, under the same size and mtime: a run that read the file would fail
    # on it or take it as new; the listing alone says it is taken.
    day1.write_bytes(b"x" * listed.st_size)
    os.utime(day1, ns=(listed.st_atime_ns, listed.st_mtime_ns))
    (folder / "day2.csv").write_bytes(csv("B", 2))
    second = run_now(client, ctx, source_id)
    assert (second["status"], second["files"], second["events_ingested"]) == ("succeeded", 1, 2), second
    assert stored_events(engine, source_id) == 5
