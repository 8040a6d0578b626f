"""Start-up removes the spooled and staging files no live job can own, and nothing else."""

import os
import subprocess
import sys

import pytest

from app.db import transaction
from app.ingest.leftovers import remove_leftovers
from app.scratch import scratch_name
from tests.helpers import make_source, upload

CSV = b"c,a,t\n1,A,2024-01-01T10:00:00Z\n1,B,2024-01-02T10:00:00Z\n"


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"worker": "none"})  # no worker may take the queued upload meanwhile


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _named_for(pid: int, prefix: str, suffix: str = "") -> str:
    """A scratch name as the process `pid` of this host would have made it."""
    _, host, _, rest = scratch_name(prefix, suffix).split("-", 3)
    return f"{prefix}-{host}-{pid}-{rest}"


def test_start_up_removes_only_what_no_live_job_owns(client, app, settings, engine):
    sid = make_source(client, mapping={"case_id": "c", "activity": "a", "timestamp": "t"})
    done = upload(client, sid, CSV).json()["id"]
    uploads, staging = settings.upload_dir, settings.staging_dir
    dead, alive = _dead_pid(), os.getpid()
    # A finished upload whose clean-up a kill interrupted: its spool and the copy derived from it.
    finished = uploads / _named_for(dead, "upload")
    finished.write_bytes(CSV)
    (uploads / (finished.name + ".raw")).write_bytes(CSV)
    # A queued upload (its job may run in another process): kept, whoever spooled it.
    queued = uploads / _named_for(dead, "upload")
    queued.write_bytes(CSV)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE uploads SET spool_path = ? WHERE id = ?" if engine.dialect.name == "sqlite"
                             else "UPDATE uploads SET spool_path = %s WHERE id = %s", (str(finished), done))
    pending = client.post(f"/v1/sources/{sid}/events", json=[
        {"case_id": "9", "activity": "A", "timestamp": "2024-01-01T10:00:00Z"}]).json()["id"]
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE uploads SET spool_path = ?, status = 'queued' WHERE id = ?"
                             if engine.dialect.name == "sqlite" else
                             "UPDATE uploads SET spool_path = %s, status = 'queued' WHERE id = %s",
                             (str(queued), pending))
    partial = uploads / _named_for(dead, "upload")  # cut off while being received
    partial.write_bytes(b"--boundary\r\n")
    receiving = uploads / _named_for(alive, "upload")  # being received by a live process right now
    receiving.write_bytes(b"--boundary\r\n")
    stale_read = staging / _named_for(dead, "read", ".sqlite")
    stale_read.write_bytes(b"x" * 1000)
    live_stage = staging / _named_for(alive, "stage", ".sqlite")
    live_stage.write_bytes(b"x" * 1000)

    with transaction(app.state.session_factory) as session:  # what every process runs as it starts
        assert remove_leftovers(session, settings) == 4
    assert sorted(p.name for p in uploads.iterdir()) == sorted([queued.name, receiving.name])
    assert sorted(p.name for p in staging.iterdir()) == [live_stage.name]
    assert client.get(f"/v1/uploads/{done}").json()["status"] == "succeeded"
    assert client.get(f"/v1/sources/{sid}/stats").json()["events"] == 3
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT spool_path FROM uploads ORDER BY id").scalars().all() == [
            None, str(queued)]
