"""The HTTP contract: bounded ids, nulls, scopes of upload status, UTC timestamps, the feed window,
errors documented as problem+json, unknown fields and non-finite numbers, size messages."""

import re

import pytest
from fastapi.testclient import TestClient

from app.auth import service as auth
from app.db import transaction
from app.main import create_app
from app.params import MAX_ID
from tests.helpers import make_source, upload

CSV = b"c,a,t\n1,A,2026-01-01T10:00:00Z\n1,B,2026-01-01T11:30:00Z\n2,A,2026-01-02T09:00:00Z\n"
MAPPING = {"case_id": "c", "activity": "a", "timestamp": "t"}
PROBLEM = "application/problem+json"


def _blueprint_body(source_id: int) -> dict:
    return {"name": "bp", "sources": [source_id]}


def _valid_body(method: str, path: str, source_id: int) -> dict:
    """A body each route with a path id accepts, so that only the id can be wrong."""
    bodies = {("PATCH", "/v1/sources/{source_id}"): {"json": {"name": "renamed"}},
              ("PUT", "/v1/blueprints/{blueprint_id}"): {"json": _blueprint_body(source_id)},
              ("POST", "/v1/sources/{source_id}/events"): {"json": []},
              ("POST", "/v1/blueprints/{blueprint_id}/lanes/dry-run"): {"json": {"rules": []}},
              ("POST", "/v1/sources/{source_id}/uploads"): {"files": {"file": ("a.csv", CSV)}},
              ("PUT", "/v1/sources/{source_id}/sync"): {"json": {"connector": "files", "params": {"path": "/tmp"},
                                                                 "schedule": {"every_s": 60}}}}
    return bodies.get((method, path), {})


def _id_routes(app) -> list[tuple[str, str, str]]:
    """(method, path template, id parameter) of every operation whose path names a thing by id."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        if "{" in path:
            name = re.search(r"\{(\w+_id)\}", path).group(1)
            found += [(method.upper(), path, name) for method in operations]
    return found


@pytest.mark.parametrize("bad_id", [2**31, 2**63, 99999999999999999999, 0, -1])
def test_every_id_out_of_range_is_not_found(client, app, bad_id):
    sid = make_source(client, mapping=MAPPING)
    routes = _id_routes(app)
    assert len(routes) >= 15  # every operation with an id in its path, new ones too
    for method, path, name in routes:
        r = client.request(method, path.replace("{" + name + "}", str(bad_id)), **_valid_body(method, path, sid))
        assert r.status_code == 404, (method, path, r.text)
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["detail"] == f"no {name.removesuffix('_id').replace('_', ' ')} {bad_id}"


def test_the_largest_id_is_an_ordinary_missing_one_and_text_is_422(client):
    assert client.get(f"/v1/uploads/{MAX_ID}").json()["detail"] == f"no upload {MAX_ID}"
    r = client.get("/v1/sources/abc")
    assert r.status_code == 422 and r.json()["detail"].startswith("path.source_id: ")
    r = client.post("/v1/blueprints", json={"name": "bp", "sources": [2**31]})
    assert r.status_code == 422 and r.json()["detail"].startswith("body.sources.0: ")


@pytest.mark.parametrize("field", ["name", "system", "timezone", "mapping"])
def test_patch_refuses_null_for_fields_that_cannot_be_null(client, field):
    sid = make_source(client, name="keep", system="crm", mapping=MAPPING, timezone="Europe/Rome")
    before = client.get(f"/v1/sources/{sid}").json()
    r = client.patch(f"/v1/sources/{sid}", json={field: None})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert r.json()["detail"] == f"body.{field}: may not be null"
    assert client.get(f"/v1/sources/{sid}").json() == before
    assert client.patch(f"/v1/sources/{sid}", json={}).json()["name"] == "keep"  # left out: kept


def test_an_ingest_key_follows_its_own_upload(app, client, settings):
    sid = make_source(client, mapping=MAPPING)
    with transaction(app.state.session_factory) as session:
        ingester = auth.create_key(session, workspace="alpha", scopes=["ingest"])
        reader = auth.create_key(session, workspace="alpha", scopes=["read"])
    # Every upload is queued (202), as a large one would be.
    queued_app = create_app(settings.model_copy(update={"async_upload_mb": 0}))
    with TestClient(queued_app, headers={"Authorization": f"Bearer {ingester}"}) as as_ingester:
        r = upload(as_ingester, sid, CSV)
        assert r.status_code == 202, r.text
        uid = r.json()["id"]
        for _ in range(200):
            shown = as_ingester.get(f"/v1/uploads/{uid}")
            assert shown.status_code == 200, shown.text
            if shown.json()["status"] == "succeeded":
                break
        assert shown.json()["events_ingested"] == 3
        listed = as_ingester.get(f"/v1/sources/{sid}/uploads")
        assert listed.status_code == 200 and [u["id"] for u in listed.json()] == [uid]
        assert as_ingester.get(f"/v1/sources/{sid}").status_code == 403  # the source itself stays 'read'
    as_reader = {"Authorization": f"Bearer {reader}"}
    assert client.get(f"/v1/uploads/{uid}", headers=as_reader).status_code == 200
    assert client.delete(f"/v1/uploads/{uid}", headers=as_reader).status_code == 403


_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def _date_times(value, where="") -> list[tuple[str, str]]:
    """Every string in a JSON value that reads as a date-time, with where it is."""
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _date_times(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in _date_times(v, f"{where}[{i}]")]
    return [(where, value)] if isinstance(value, str) and _DATE_TIME.match(value) else []


def _assert_offsets(body, expected_at_least: int) -> None:
    found = _date_times(body)
    assert len(found) >= expected_at_least, found
    assert all(_OFFSET.search(text) for _, text in found), found


def test_every_timestamp_answered_carries_its_offset(client):
    sid = make_source(client, mapping=MAPPING)
    up = upload(client, sid, CSV).json()
    _assert_offsets(up, 3)  # created, started, finished
    for path in (f"/v1/sources/{sid}", "/v1/sources", f"/v1/uploads/{up['id']}", f"/v1/sources/{sid}/uploads"):
        _assert_offsets(client.get(path).json(), 2)
    stats = client.get(f"/v1/sources/{sid}/stats").json()
    _assert_offsets(stats, 3)
    assert stats["first_timestamp"] in ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00+00:00")
    patched = client.patch(f"/v1/sources/{sid}", json={"timezone": "Asia/Tokyo"})
    _assert_offsets(patched.json(), 2)
    assert patched.json()["updated_at"] >= patched.json()["created_at"]
    body = {**_blueprint_body(sid), "filters": {"from": "2026-01-01T00:00:00", "to": "2026-02-01T01:00:00+01:00"}}
    made = client.post("/v1/blueprints", json=body).json()
    _assert_offsets(made, 4)
    assert made["filters"]["from"].startswith("2026-01-01T00:00:00")  # naive is UTC
    assert made["filters"]["to"].startswith("2026-02-01T00:00:00")  # +01:00 is shown in UTC
    replaced = client.put(f"/v1/blueprints/{made['id']}", json={**body, "name": "again"}).json()
    _assert_offsets(replaced, 4)
    _assert_offsets(client.get(f"/v1/blueprints/{made['id']}").json(), 4)
    _assert_offsets(client.get(f"/v1/blueprints/{made['id']}/feed").json(), 3)


@pytest.mark.parametrize(("name", "value"), [("to", "0.5"), ("from", "1767225600"), ("from", "2026-01-01"),
                                             ("to", "yesterday"), ("to", "2026-02-30T00:00:00Z")])
def test_feed_window_takes_only_rfc3339_date_times(client, name, value):
    sid = make_source(client, mapping=MAPPING)
    upload(client, sid, CSV)
    bp = client.post("/v1/blueprints", json=_blueprint_body(sid)).json()["id"]
    r = client.get(f"/v1/blueprints/{bp}/feed", params={name: value})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert r.json()["detail"].startswith(f"query.{name}: ")


def test_feed_window_naive_is_utc_and_offsets_count(client):
    sid = make_source(client, mapping=MAPPING)
    upload(client, sid, CSV)
    bp = client.post("/v1/blueprints", json=_blueprint_body(sid)).json()["id"]
    naive = client.get(f"/v1/blueprints/{bp}/feed", params={"to": "2026-01-02T09:30:00"}).json()
    assert naive["window"]["to"] == "2026-01-02T09:30:00+00:00" and naive["stats"]["cases"] == 2
    # The same clock time in Tokyo is 00:30 UTC: case 2 (09:00 UTC) begins after it.
    tokyo = client.get(f"/v1/blueprints/{bp}/feed", params={"to": "2026-01-02T09:30:00+09:00"}).json()
    assert tokyo["window"]["to"] == "2026-01-02T00:30:00+00:00" and tokyo["stats"]["cases"] == 1
    early = client.get(f"/v1/blueprints/{bp}/feed", params={"to": "2026-01-01T10:00:00.5Z"}).json()
    assert early["stats"]["cases"] == 1


def _resolve(schema: dict, doc: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_error_an_operation_gives_is_documented_as_problem_json(client):
    doc = client.get("/openapi.json", headers={"Authorization": ""}).json()
    problem = doc["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"]) and "errors" in problem["properties"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            codes = {int(c) for c in operation["responses"] if int(c) >= 400}
            expected = {414, 431, 500} | ({401, 403} if operation.get("security") else set())
            expected |= {404, 422} if "{" in path else set()
            expected |= {400, 422} if "requestBody" in operation else set()
            assert expected <= codes, (method, path, codes)
            for code in codes:
                content = operation["responses"][str(code)]["content"]
                assert list(content) == [PROBLEM], (method, path, code)
                assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert {"409"} <= set(doc["paths"]["/v1/sources"]["post"]["responses"])
    assert {"413", "415"} <= set(doc["paths"]["/v1/sources/{source_id}/uploads"]["post"]["responses"])
    assert doc["components"]["securitySchemes"]["apiKey"] == {
        **doc["components"]["securitySchemes"]["apiKey"], "type": "http", "scheme": "bearer"}


def _object_schemas(schema: dict, doc: dict, seen: set) -> list[tuple[str, dict]]:
    """Every object schema a request body can hold, by name."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return []
        seen.add(name)
        return [(name, _resolve(schema, doc))] + _object_schemas(_resolve(schema, doc), doc, seen)
    found = []
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            found += _object_schemas(schema[key], doc, seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            found += _object_schemas(part, doc, seen)
    for part in schema.get("properties", {}).values():
        found += _object_schemas(part, doc, seen)
    return found


def test_every_request_body_refuses_unknown_fields(client):
    doc = client.get("/openapi.json").json()
    seen: set[str] = set()
    for operations in doc["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                _object_schemas(content["application/json"]["schema"], doc, seen)
    bodies = {name: schema for name in seen if "properties" in (schema := doc["components"]["schemas"][name])}
    open_ones = sorted(n for n, s in bodies.items() if s.get("additionalProperties") is not False)
    # PushedEvent takes any extra field as an event attribute: documented, deliberate.
    assert open_ones == ["PushedEvent"]
    assert {"SourceCreate", "SourceUpdate", "Mapping", "BlueprintIn", "Assumptions-Input"} <= set(bodies)
    r = client.post("/v1/sources", json={"name": "x", "colour": "red"})
    assert r.status_code == 422 and r.json()["detail"] == "body.colour: Extra inputs are not permitted"


@pytest.mark.parametrize("literal", ["Infinity", "-Infinity", "NaN"])
def test_numbers_in_bodies_must_be_finite(client, literal):
    sid = make_source(client, mapping=MAPPING)
    raw = f'{{"name": "bp", "sources": [{sid}], "assumptions": {{"tolerance": {literal}}}}}'
    r = client.post("/v1/blueprints", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "body.assumptions.tolerance: Input should be a finite number"
    raw = f'{{"name": "bp", "sources": [{sid}], "assumptions": {{"steps": {{"A": {literal}}}}}}}'
    r = client.post("/v1/blueprints", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"].startswith("body.assumptions.steps.A")
    assert client.get("/v1/blueprints").json() == []


def test_wrong_method_names_every_allowed_one(client):
    r = client.post("/v1/sources/1")
    assert r.status_code == 405 and r.headers["content-type"] == PROBLEM
    assert r.headers["allow"] == "DELETE, GET, PATCH"
    assert client.put("/v1/sources").headers["allow"] == "GET, POST"
    # A concrete path is not its templated neighbour: /v1/uploads/preview is not upload "preview".
    assert client.options("/v1/uploads/preview").headers["allow"] == "POST"
    r = client.get("/v1/uploads/preview")  # not upload "preview" (a 422 for its id): a method it lacks
    assert r.status_code == 405 and r.headers["allow"] == "POST" and r.headers["content-type"] == PROBLEM
    big = client.get("/v1/sources/1/sync/runs", params={"offset": 32589158477190044731})
    assert big.status_code == 422 and "offset" in big.json()["detail"]  # found by make fuzz: was a 500
    assert client.put("/v1/uploads/7").headers["allow"] == "DELETE, GET"


def test_long_urls_and_header_blocks_are_problems(client):
    r = client.get("/v1/sources", params={"x": "a" * 20_000})
    assert r.status_code == 414 and r.headers["content-type"] == PROBLEM
    assert r.json()["detail"] == "the URL is 20,014 bytes; the limit is 16,384 bytes"
    r = client.get("/v1/sources", headers={f"x-pad-{i}": "b" * 4000 for i in range(10)})
    assert r.status_code == 431 and r.headers["content-type"] == PROBLEM
    assert client.get("/v1/sources", params={"x": "a" * 10_000}).status_code == 200


def test_too_large_upload_states_sizes_that_differ(client, settings):
    sid = make_source(client, mapping=MAPPING)
    small = create_app(settings.model_copy(update={"max_upload_mb": 1}))
    with TestClient(small, headers=client.headers) as limited:
        r = upload(limited, sid, b"c,a,t\n" + b"1,A,2026-01-01T10:00:00Z\n" * 60_000)
        assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
        assert re.fullmatch(r"the upload is 1\.\d MB; the limit is 1 MB", r.json()["detail"]), r.json()
        just_over = b"x" * ((1 << 20) - 150)  # the multipart body is a few bytes over 1 MiB
        detail = upload(limited, sid, just_over).json()["detail"]
        assert re.fullmatch(r"the upload is 1,048,\d{3} bytes; the limit is 1,048,576 bytes", detail), detail


@pytest.mark.parametrize(("method", "path", "request_args", "location"), [
    ("POST", "/v1/sources", {"json": {"name": "a\x00b"}}, "body.name"),
    ("POST", "/v1/sources", {"json": {"name": "m", "mapping": {"case_id": "c\x00"}}}, "body.mapping.case_id"),
    ("PATCH", "/v1/sources/{sid}", {"json": {"timezone": "UTC", "name": "\x00"}}, "body.name"),
    ("POST", "/v1/blueprints", {"json": {"name": "bp", "sources": ["{sid}"], "correlation": {
        "per_source": {"src\x00": "x"}}}}, "body.correlation.per_source.src\x00"),
    ("POST", "/v1/blueprints", {"json": {"name": "bp", "sources": ["{sid}"], "lanes": [
        {"lane": "customer", "match": {"activity": "A\x00"}}]}}, "body.lanes.0.match.activity"),
    ("POST", "/v1/sources/{sid}/uploads", {"params": {"object_type": "o\x00"}, "files": {"file": ("a.csv", CSV)}},
     "query.object_type"),
])
def test_nul_characters_are_refused_on_every_backend(client, method, path, request_args, location):
    sid = make_source(client, name="src", mapping=MAPPING)
    fill = {"{sid}": sid}
    args = {k: _filled(v, fill) for k, v in request_args.items()}
    r = client.request(method, path.replace("{sid}", str(sid)), **args)
    assert r.status_code == 422, r.text  # PostgreSQL cannot store NUL: this was a 500 there
    assert r.json()["errors"][0]["location"] == location and "NUL character" in r.json()["detail"]
    assert [s["name"] for s in client.get("/v1/sources").json()] == ["src"]
    assert client.get("/v1/blueprints").json() == [] and client.get(f"/v1/sources/{sid}/uploads").json() == []


def _filled(value, fill: dict):
    if isinstance(value, dict):
        return {k: _filled(v, fill) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, fill) for v in value]
    return fill.get(value, value) if isinstance(value, str) else value


def test_a_write_held_by_another_process_answers_503_with_retry_after(tmp_path):
    """SQLite has one writer: while another process holds the write lock, a request waits a
    bounded time and then says so (503, Retry-After), changing nothing."""
    import sqlite3

    from fastapi.testclient import TestClient

    from app import migrate
    from app.config import Settings
    from app.db import make_engine
    from app.main import create_app

    url = f"sqlite:///{tmp_path / 'busy.sqlite'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    settings = Settings(database_url=url, data_dir=tmp_path / "data", bootstrap_api_key="bpm_busy_key_0123456789",
                        worker="none", sqlite_busy_timeout_s=0.5, log_json=False)
    with TestClient(create_app(settings), headers={"Authorization": "Bearer bpm_busy_key_0123456789"}) as client:
        other = sqlite3.connect(tmp_path / "busy.sqlite", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process's long write
        try:
            r = client.post("/v1/sources", json={"name": "while busy"})
            assert r.status_code == 503 and r.headers["Retry-After"] == "2"
            assert r.headers["content-type"].startswith("application/problem+json") and "busy" in r.json()["detail"]
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert client.get("/v1/sources").json() == []
        assert client.post("/v1/sources", json={"name": "after"}).status_code == 201
