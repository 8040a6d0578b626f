"""Logs never carry credentials sent in query strings: uvicorn's access line and the JSON fields."""

import json
import logging

import httpx
import pytest

from app.logging import JsonFormatter, RedactQuerySecrets, redact_query_secrets
from tests.support.server import ServerProcess

KEY = "bpm_log_test_admin_key_0123456789abcdef"
# Each name a client might put a key under, in the cases they use; each value unique, to grep for.
SECRET_PARAMS = {"api_key": "s3cr3t-api-key-value", "KEY": "s3cr3t-upper-key", "access_token": "s3cr3t-access",
                 "token": "s3cr3t-token", "ApiKey": "s3cr3t-apikey", "password": "s3cr3t-password",
                 "secret": "s3cr3t-secret", "signature": "s3cr3t-signature", "api%5Fkey": "s3cr3t-encoded-name"}


def test_redaction_keeps_the_rest_of_the_line():
    line = 'GET /v1/blueprints/1/feed?from=2026-01-01T00:00:00Z&token=abc123&segment=a%3Db HTTP/1.1'
    assert redact_query_secrets(line) == \
        'GET /v1/blueprints/1/feed?from=2026-01-01T00:00:00Z&token=[redacted]&segment=a%3Db HTTP/1.1'
    assert redact_query_secrets("/v1/sources?format=csv&on_error=skip") == "/v1/sources?format=csv&on_error=skip"


def test_json_formatter_fields_are_redacted_too():
    record = logging.LogRecord("app.sync", logging.INFO, __file__, 1, "pulled %s", ("https://x.test/a?apikey=k1",),
                               None)
    record.url = "https://x.test/b?access_token=k2&page=2"
    record.request = {"links": ["https://x.test/c?Signature=k3"]}
    assert RedactQuerySecrets().filter(record)
    written = JsonFormatter().format(record)
    assert not any(secret in written for secret in ("k1", "k2", "k3"))
    entry = json.loads(written)
    assert entry["message"] == "pulled https://x.test/a?apikey=[redacted]"
    assert entry["url"] == "https://x.test/b?access_token=[redacted]&page=2"


@pytest.mark.slow
@pytest.mark.parametrize("as_json", ["true", "false"])
def test_keys_in_query_strings_never_reach_the_server_log(tmp_path, as_json):
    log = tmp_path / "server.log"
    with ServerProcess(data_dir=tmp_path / "data", key=KEY, log=log, env={"BLUEPRINT_LOG_JSON": as_json}) as server:
        anonymous = httpx.Client(base_url=server.base, timeout=30)
        for name, value in SECRET_PARAMS.items():
            r = anonymous.get(f"/v1/sources?format=csv&{name}={value}&on_error=skip")
            assert r.status_code == 401, (name, r.text)
        # With a valid key in the header as well: answered, and still not logged.
        assert server.http.get("/v1/sources", params={"api_key": "s3cr3t-with-header"}).status_code == 200
        anonymous.close()
    written = log.read_text()
    assert written.count("/v1/sources?format=csv&") == len(SECRET_PARAMS)  # the access lines are there
    leaked = [value for value in [*SECRET_PARAMS.values(), "s3cr3t-with-header", KEY] if value in written]
    assert leaked == []
    assert written.count("=[redacted]") == len(SECRET_PARAMS) + 1
