"""A source's attribute names, read from a sample of its events (json_each on SQLite,
json_object_keys on PostgreSQL)."""

from sqlalchemy.orm import Session

from app.store.repository import attribute_names
from tests.helpers import make_source, upload

MAPPING = {"case_id": "case", "activity": "act", "timestamp": "ts", "resource": "who"}


def test_attribute_names_of_each_source_are_its_own(client, engine):
    teams = make_source(client, name="teams", mapping=MAPPING)
    csv = (b"case,act,ts,who,Assignment Group,priority\n"
           b"1,Open,2024-01-01T10:00:00,ann,Service Desk,high\n"
           b"1,Fix,2024-01-01T11:00:00,bob,Network Operations,high\n")
    assert upload(client, teams, csv).status_code == 201
    bare = make_source(client, name="bare", mapping=MAPPING)
    assert upload(client, bare, b"case,act,ts,who\n1,Open,2024-01-01T10:00:00,ann\n").status_code == 201
    with Session(engine) as session:
        assert attribute_names(session, source_id=teams) == ["Assignment Group", "priority"]
        assert attribute_names(session, source_id=bare) == []
        assert attribute_names(session, source_id=teams + bare + 100) == []
        assert attribute_names(session, source_id=teams, sample=1) == ["Assignment Group", "priority"]
