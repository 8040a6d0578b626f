"""Parts of the columnar copy, written from an upload's own batches: the copy takes them instead of
reading the upload back from SQL, and what it holds then is exactly what SQL would have given, on
real logs of each format; an upload with duplicates, or an attribute that is no text, is read
from SQL as before."""

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from app.db import job_transaction
from app.ingest import repository as uploads
from app.ingest import service as ingest
from app.ingest.schemas import UploadOptions
from app.sources.models import Source
from app.store import columnar, parts
from tests.conftest import SAMPLES
from tests.helpers import make_source

DEMO = {"case_id": "order_id", "activity": "activity", "timestamp": "timestamp", "start_timestamp": "start_timestamp",
        "resource": "resource", "role": "role", "thread": "thread"}
HELPDESK = {"case_id": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp", "resource": "Resource"}


def stored_file(engine, settings, source_id: int, path: Path) -> tuple[int, int]:
    """Ingest a file as the upload job does, in one transaction: (upload id, events stored)."""
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    spool = settings.upload_dir / f"{uuid.uuid4().hex}-{path.name}"
    shutil.copyfile(path, spool)
    with job_transaction(engine) as session:
        source = session.get(Source, source_id)
        upload = ingest.new_upload(session, workspace_id=source.workspace_id, source=source, kind="file",
                                   filename=path.name, size=path.stat().st_size, spool_path=str(spool),
                                   options=UploadOptions())
        upload.status, upload.started_at = "running", datetime.now(UTC)
        done = ingest.ingest_file(session, upload=upload, settings=settings, progress=lambda n: None)
        return done.id, done.events_ingested


def copy_now(engine, settings, source_id: int, mapping: dict) -> pa.Table:
    with job_transaction(engine) as session:
        keys = uploads.upload_keys(session, source_id=source_id)
    table = columnar.source_table(engine, source_id=source_id, uploads=keys, attributes=columnar.feed_attributes(
        mapping), data_dir=settings.data_dir)
    return table.cast(pa.schema([pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type)
                                 for f in table.schema]))


def from_sql(engine, settings, source_id: int, mapping: dict) -> pa.Table:
    columnar.forget_source(settings.data_dir, source_id)  # the copy and its parts: SQL alone
    return copy_now(engine, settings, source_id, mapping)


def part_files(settings, source_id: int) -> list[str]:
    directory = parts.parts_directory(columnar.source_directory(settings.data_dir, source_id))
    return sorted(p.name for p in directory.glob("upload-*.arrow")) if directory.is_dir() else []


@pytest.mark.parametrize(("path", "mapping"), [
    (SAMPLES / "demo" / "crm.csv", DEMO),  # text channel and thread attributes
    (SAMPLES / "helpdesk.csv", HELPDESK),  # no channel; 127 exact repeats within the file (the first stays)
    (SAMPLES / "receipt.xes", None),       # XES, its attributes typed
], ids=["demo-crm", "helpdesk", "receipt"])
def test_the_copy_takes_the_part_and_holds_what_sql_holds(client, engine, settings, path, mapping):
    source_id = make_source(client, name=path.stem, mapping=mapping)
    upload_id, events = stored_file(engine, settings, source_id, path)
    assert part_files(settings, source_id) == [f"upload-{upload_id}-{events}.arrow"]
    taken = copy_now(engine, settings, source_id, mapping or {})
    assert part_files(settings, source_id) == []  # taken into the copy
    assert taken.num_rows == events
    assert taken.equals(from_sql(engine, settings, source_id, mapping or {}))


def test_an_upload_with_duplicates_or_an_attribute_that_is_no_text_is_read_from_sql(client, engine, settings,
                                                                                   tmp_path):
    source_id = make_source(client, name="crm", mapping=DEMO)
    stored_file(engine, settings, source_id, SAMPLES / "demo" / "crm.csv")
    copy_now(engine, settings, source_id, DEMO)
    again, events = stored_file(engine, settings, source_id, SAMPLES / "demo" / "crm.csv")
    assert events == 0 and part_files(settings, source_id) == []  # every row stored already: no part
    numeric = tmp_path / "numeric.jsonl"  # JSON numbers stay numbers (a CSV's columns are text)
    numeric.write_text("".join(f'{{"order_id": "N-1", "activity": "{a}", "timestamp": "2026-01-01 1{i}:00:00", '
                               f'"start_timestamp": null, "resource": "ann", "role": "agent", "thread": "N-1", '
                               f'"channel": {c}}}\n' for i, (a, c) in enumerate([("Call", 7), ("Mail", 8.5)])))
    stored_file(engine, settings, source_id, numeric)
    assert part_files(settings, source_id) == []  # its channel is a number: SQL's text of it differs
    taken = copy_now(engine, settings, source_id, DEMO)
    assert sorted(v for v in taken["attr:channel"].to_pylist()[-2:]) == sorted(
        v for v in from_sql(engine, settings, source_id, DEMO)["attr:channel"].to_pylist()[-2:])
    assert taken.equals(from_sql(engine, settings, source_id, DEMO))


def test_a_part_of_an_upload_that_did_not_commit_is_never_read(client, engine, settings):
    source_id = make_source(client, name="crm", mapping=DEMO)
    upload_id, events = stored_file(engine, settings, source_id, SAMPLES / "demo" / "crm.csv")
    directory = columnar.source_directory(settings.data_dir, source_id)
    stale = parts.part_path(directory, upload_id + 1, events)  # as if the next upload's commit had failed
    shutil.copyfile(parts.part_path(directory, upload_id, events), stale)
    copy_now(engine, settings, source_id, DEMO)
    assert stale.exists()  # no stored upload has its id: left alone (removed after a day)
    writer = columnar.part_writer(settings.data_dir, source_id=source_id, upload_id=upload_id + 1, mapping=DEMO)
    assert not stale.exists()  # an upload that takes the id again removes it first
    writer.drop()
