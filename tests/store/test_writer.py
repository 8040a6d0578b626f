"""The bulk writers with many small chunks: SQLite's scratch files (1, 1, 2, 4, ... chunks, at
most eight attached) and PostgreSQL's single COPY stream, then the per-chunk look-up on re-send."""

from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import ADMIN_KEY
from tests.helpers import make_source, stored_events, upload

MAPPING = {"case_id": "case", "activity": "activity", "timestamp": "time"}


def log(events: int) -> bytes:
    rows = ["case,activity,time"] + [f"c{i // 4},step {i % 4},2024-02-01T{(i % 4):02d}:{i % 60:02d}:00Z"
                                     for i in range(events)]
    return ("\n".join(rows) + "\n").encode()


def test_a_thousand_chunks_worth_of_events_are_stored_once(settings):
    app = create_app(settings.model_copy(update={"insert_chunk_rows": 7}))
    with TestClient(app, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as client:
        sid = make_source(client, mapping=MAPPING)
        first = upload(client, sid, log(1_500)).json()  # 215 chunks: on SQLite, 8 files
        assert (first["events_ingested"], first["events_duplicate"], first["cases"]) == (1_500, 0, 375)
        again = upload(client, sid, log(1_600)).json()  # overlaps: 1,500 known, 100 new
        assert (again["events_ingested"], again["events_duplicate"]) == (100, 1_500)
        assert stored_events(app.state.engine, sid) == 1_600
        assert list(settings.staging_dir.glob("stage-*")) == []
