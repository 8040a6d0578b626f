"""A source's data version counts every change of its events, also when two writers overlap."""

import pytest

from app.db import job_transaction
from app.sources import repository
from app.sources.models import Source
from tests.helpers import make_source


def test_two_overlapping_writers_each_count(client, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite the second writer waits for the first: writes cannot overlap")
    sid = make_source(client, mapping={"case_id": "c", "activity": "a", "timestamp": "t"})
    with job_transaction(engine) as session:
        before = session.get(Source, sid).data_version
    with job_transaction(engine) as first:
        assert first.get(Source, sid).data_version == before  # read before the other writer commits
        with job_transaction(engine) as second:
            assert repository.bump_data_version(second, source_id=sid) == before + 1
        assert repository.bump_data_version(first, source_id=sid) == before + 2
    with job_transaction(engine) as session:
        assert session.get(Source, sid).data_version == before + 2


def test_each_upload_that_stores_events_counts_once_and_a_repeat_not_at_all(client, engine):
    sid = make_source(client, mapping={"case_id": "c", "activity": "a", "timestamp": "t"})
    body = b"c,a,t\n1,x,2024-01-01T00:00:00Z\n1,y,2024-01-01T01:00:00Z\n"

    def version() -> int:
        with job_transaction(engine) as session:
            return session.get(Source, sid).data_version

    start = version()
    for expected in (start + 1, start + 1):  # the same file again stores nothing new
        assert client.post(f"/v1/sources/{sid}/uploads", files={"file": ("a.csv", body)}).status_code in (200, 201)
        assert version() == expected
