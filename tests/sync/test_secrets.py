"""Credentials are encrypted at rest and appear in no API response, error and log line, whether
the run succeeds or fails; the development key is made once, readable by its owner only."""

import logging
import stat

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from app.config import Settings
from app.sync import secrets
from tests.helpers import make_source
from tests.support.api_server import ApiServer
from tests.sync.conftest import OPS_QUERY, generic_params, run_now

SECRET = "Hunter2-Secret-XYZ"


class Recorder:
    """Every response the test sees, headers and body."""

    def __init__(self, client) -> None:
        self.client, self.seen = client, []

    def __call__(self, method: str, path: str, **kwargs):
        response = self.client.request(method, path, **kwargs)
        self.seen.append(f"{response.headers}\n{response.text}")
        return response


def put(call, source_id: int, connector: str, params: dict, credentials: dict | None) -> None:
    body = {"connector": connector, "params": params, "schedule": {"every_s": 60}}
    if credentials is not None:
        body["credentials"] = credentials
    call("PUT", f"/v1/sources/{source_id}/sync", json=body)


def test_credentials_appear_in_no_response_and_no_log(client, ctx, engine, caplog):
    caplog.set_level(logging.DEBUG)
    call = Recorder(client)
    with ApiServer(token=SECRET) as api:
        api.data.generate_generic(20)
        good, refused, database = (make_source(client, name=n) for n in ("good", "refused", "db"))
        put(call, good, "http_json", generic_params(api), {"bearer": SECRET})
        put(call, refused, "http_json", generic_params(api), {"header": {"X-Api-Key": SECRET + "-wrong"}})
        put(call, database, "sql", {"url": "postgresql://reader@127.0.0.1:1/ops", "query": OPS_QUERY,
                                    "watermark_column": "updated_at"}, {"password": SECRET})
        put(call, good, "http_json", {"url": "nope"}, {"bearer": SECRET, "extra": SECRET})  # a 422
        put(call, good, "sql", {"url": f"postgresql://reader:{SECRET}@db/ops", "query": OPS_QUERY,
                                "watermark_column": "updated_at"}, None)  # a password in the URL: refused
        runs = {s: run_now(client, ctx, s) for s in (good, refused, database)}
        configs = [call("GET", f"/v1/sources/{s}/sync").json() for s in (good, refused, database)]
        for source_id in (good, refused, database):
            call("GET", f"/v1/sources/{source_id}/sync/runs")
            call("GET", f"/v1/sync/runs/{runs[source_id]['id']}")
            call("GET", f"/v1/sources/{source_id}/uploads")
    call("GET", "/openapi.json")
    assert runs[good]["status"] == "succeeded" and runs[good]["events_ingested"] == 20
    assert runs[refused]["status"] == "failed" and "401" in runs[refused]["error"]
    assert runs[database]["status"] == "failed" and runs[database]["error"].startswith("the database at postgresql")
    assert [c["credentials_set"] for c in configs] == [True, True, True]
    for seen in call.seen + [str(runs)]:
        assert SECRET not in seen
    logged = caplog.text + "".join(str(vars(record)) for record in caplog.records)
    assert SECRET not in logged and "sync run ended" in logged
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT params, credentials FROM sync_configs")).all()
    assert stored and all(SECRET not in f"{params}{credentials}" for params, credentials in stored)


def test_the_development_key_is_made_once_with_mode_0600(tmp_path, caplog):
    settings = Settings(data_dir=tmp_path / "data")
    token = secrets.encrypt(settings, {"bearer": SECRET})
    key_file = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first_key = key_file.read_bytes()
    assert secrets.decrypt(settings, secrets.encrypt(settings, {"a": 1})) == {"a": 1}
    assert key_file.read_bytes() == first_key and secrets.decrypt(settings, token) == {"bearer": SECRET}
    assert sum("BLUEPRINT_SECRET_KEY is not set" in r.message for r in caplog.records) == 1


@pytest.mark.parametrize("key", ["fernet", "a long passphrase, not a Fernet key"])
def test_a_configured_key_encrypts_and_another_key_cannot_read(tmp_path, key):
    key = Fernet.generate_key().decode() if key == "fernet" else key  # made here: ids stay the same per run
    settings = Settings(data_dir=tmp_path, secret_key=key)
    token = secrets.encrypt(settings, {"password": SECRET})
    assert SECRET not in token and secrets.decrypt(settings, token) == {"password": SECRET}
    assert not (tmp_path / "secret.key").exists()
    with pytest.raises(secrets.CredentialsUnreadable) as caught:
        secrets.decrypt(Settings(data_dir=tmp_path, secret_key="another key"), token)
    assert "PUT the sync configuration again" in caught.value.detail
