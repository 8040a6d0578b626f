"""Keys: 401 without a valid key, 403 without the scope, 404 across workspaces (existence never leaks)."""

import pytest

from app.auth import service as auth
from app.db import transaction
from tests.helpers import make_source, upload

CSV = b"c,a,t\n1,A,2024-01-01T10:00:00Z\n"


@pytest.fixture
def other_key(app) -> str:
    with transaction(app.state.session_factory) as session:
        return auth.create_key(session, workspace="beta", scopes=["ingest", "read", "admin"])


@pytest.fixture
def owned(client) -> dict:
    """A source with one upload in workspace 'alpha'."""
    sid = make_source(client, mapping={"case_id": "c", "activity": "a", "timestamp": "t"})
    up = upload(client, sid, CSV).json()["id"]
    return {"source": sid, "upload": up}


def _requests(ids: dict) -> list[tuple[str, str, dict]]:
    s, u = ids["source"], ids["upload"]
    return [("GET", f"/v1/sources/{s}", {}), ("PATCH", f"/v1/sources/{s}", {"json": {"name": "x"}}),
            ("GET", f"/v1/sources/{s}/stats", {}), ("GET", f"/v1/sources/{s}/uploads", {}),
            ("POST", f"/v1/sources/{s}/uploads", {"files": {"file": ("a.csv", CSV)}}),
            ("POST", f"/v1/sources/{s}/events", {"json": [{"case_id": "1", "activity": "A",
                                                           "timestamp": "2024-01-01T10:00:00Z"}]}),
            ("GET", f"/v1/uploads/{u}", {}), ("DELETE", f"/v1/uploads/{u}", {}),
            ("DELETE", f"/v1/sources/{s}", {})]


def test_other_workspace_gets_404_everywhere(client, owned, other_key):
    for method, path, kwargs in _requests(owned):
        r = client.request(method, path, headers={"Authorization": f"Bearer {other_key}"}, **kwargs)
        assert r.status_code == 404, (method, path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    # ... and nothing of alpha's changed.
    assert client.get(f"/v1/sources/{owned['source']}/stats").json()["events"] == 1
    listed = client.get("/v1/sources", headers={"Authorization": f"Bearer {other_key}"}).json()
    assert listed == []


@pytest.mark.parametrize("header", [None, "Bearer nope-not-a-key", "Basic abc", "Bearer "])
def test_missing_or_wrong_key_is_401(client, owned, header):
    for method, path, kwargs in _requests(owned):
        headers = {"Authorization": header} if header else {"Authorization": ""}
        r = client.request(method, path, headers=headers, **kwargs)
        assert r.status_code == 401, (method, path)
        assert r.headers["content-type"] == "application/problem+json"


def test_scopes(app, client, owned):
    with transaction(app.state.session_factory) as session:
        reader = auth.create_key(session, workspace="alpha", scopes=["read"])
        ingester = auth.create_key(session, workspace="alpha", scopes=["ingest"])
    as_reader = {"Authorization": f"Bearer {reader}"}
    as_ingester = {"Authorization": f"Bearer {ingester}"}
    assert client.get(f"/v1/sources/{owned['source']}", headers=as_reader).status_code == 200
    r = client.post(
        f"/v1/sources/{owned['source']}/uploads", files={"file": ("a.csv", CSV)}, headers=as_reader)
    assert r.status_code == 403 and "ingest" in r.json()["detail"]
    assert client.post("/v1/sources", json={"name": "n"}, headers=as_ingester).status_code == 403
    assert client.post(f"/v1/sources/{owned['source']}/uploads", files={"file": ("a.csv", CSV)},
                       headers=as_ingester).status_code == 201
    assert client.get(f"/v1/sources/{owned['source']}", headers=as_ingester).status_code == 403


def test_keys_are_stored_hashed(app, engine):
    from sqlalchemy import text

    with transaction(app.state.session_factory) as session:
        key = auth.create_key(session, workspace="gamma", scopes=["read"])
    with engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT key_hash FROM api_keys"))]
    assert key not in stored and auth.hash_key(key) in stored


def test_unknown_scope_is_refused(app):
    from app.errors import InvalidInput

    with transaction(app.state.session_factory) as session, pytest.raises(InvalidInput):
        auth.create_key(session, workspace="gamma", scopes=["root"])
