"""Assertions on refused requests: an RFC 9457 problem, and nothing stored."""

from tests.helpers import stored_events, upload

PROBLEM = "application/problem+json"


def problem(r, status: int, *needles: str) -> dict:
    """Assert `r` is an RFC 9457 problem with `status` whose detail mentions every needle."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    assert body["status"] == status
    for needle in needles:
        assert needle.lower() in body["detail"].lower(), (needle, body["detail"])
    return body


def refused(client, engine, sid: int, content, status: int, *needles: str, name: str = "data.csv",
            **params) -> dict:
    """Upload `content`, expect the problem, and check the source's stored events did not change."""
    before = stored_events(engine, sid)
    body = problem(upload(client, sid, content, name=name, **params), status, *needles)
    assert stored_events(engine, sid) == before
    return body


def row_errors(body: dict) -> list[tuple]:
    return [(e["row"], e["column"]) for e in body["errors"]]
