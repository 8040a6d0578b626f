"""Fixtures of the ingest tests: settings changed per test, and sources seeded with a good upload."""

import pytest

from tests.helpers import make_source, stored_events, upload
from tests.support import badfiles as bad


@pytest.fixture
def overrides() -> dict:
    """Settings changed for one test: parametrize `overrides` to set them."""
    return {}


@pytest.fixture
def settings(settings, overrides):
    return settings.model_copy(update=overrides) if overrides else settings


@pytest.fixture
def source(client, engine) -> int:
    """A source mapped to case/activity/time that already holds the two events of one good upload."""
    sid = make_source(client, mapping=bad.MAPPING)
    r = upload(client, sid, bad.GOOD_CSV)
    assert r.status_code == 201, r.text
    assert stored_events(engine, sid) == 2
    return sid


@pytest.fixture
def xes_source(client, engine) -> int:
    """A source with the XES default mapping, seeded with a good XES file (so the XML path works)."""
    sid = make_source(client, name="xes")
    r = upload(client, sid, bad.xes("Open"), name="seed.xes")
    assert r.status_code == 201, r.text
    assert stored_events(engine, sid) == 1
    return sid
