"""Small helpers shared by tests: create sources, upload files, count stored events."""

from pathlib import Path

from sqlalchemy import text


def make_source(client, name="src", system="other", mapping=None, timezone="UTC") -> int:
    body = {"name": name, "system": system, "timezone": timezone}
    if mapping is not None:
        body["mapping"] = mapping
    r = client.post("/v1/sources", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def upload(client, source_id: int, content: bytes | Path, name: str | None = None, **params):
    if isinstance(content, Path):
        name = name or content.name
        content = content.read_bytes()
    return client.post(f"/v1/sources/{source_id}/uploads", params=params,
                       files={"file": (name or "data.csv", content, "application/octet-stream")})


def stored_events(engine, source_id: int | None = None) -> int:
    query = "SELECT count(*) FROM events" + (" WHERE source_id = :s" if source_id is not None else "")
    with engine.connect() as conn:
        return conn.execute(text(query), {"s": source_id}).scalar_one()
