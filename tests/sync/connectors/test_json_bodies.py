"""JSON bodies are decoded by msgspec, and what it refuses but the standard library reads is still
read the same; a body that is not JSON at all is a ValueError (the pull's 'not JSON' failure)."""

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.sync.connectors.errors import SyncError
from app.sync.connectors.http_client import HttpCredentials, HttpOptions, HttpSource, decoded


def test_a_page_decodes_as_the_standard_library_decodes_it():
    body = json.dumps({"data": [{"id": i, "case": {"ref": f"C{i}"}, "cost": i * 0.5, "tags": ["a", "é"],
                                 "none": None, "ok": True} for i in range(50)]}).encode()
    assert decoded(body) == json.loads(body)


def test_integers_beyond_64_bits_stay_exact():
    body = b'{"ids": [123456789012345678901234567890, -9999999999999999999, 18446744073709551616]}'
    assert decoded(body)["ids"] == [123456789012345678901234567890, -9999999999999999999, 18446744073709551616]


def test_what_msgspec_refuses_falls_back_to_the_standard_library():
    assert math.isnan(decoded(b'{"cost": NaN}')["cost"])
    assert decoded(b'{"cost": 1e400}')["cost"] == math.inf
    assert decoded(rb'{"s": "\ud83d"}') == {"s": "\ud83d"}
    assert decoded('{"step": "Öffnen"}'.encode("utf-16")) == {"step": "Öffnen"}


@pytest.mark.parametrize("body", [b"<html>502 Bad Gateway</html>", b"", b'{"data": [1, 2'])
def test_a_body_that_is_not_json_is_a_value_error(body):
    with pytest.raises(ValueError):
        decoded(body)


@pytest.mark.parametrize("body", [b"<html>502 Bad Gateway</html>", b"[" * 200_000 + b"]" * 200_000])
def test_a_page_that_cannot_be_read_fails_the_pull_at_once_saying_so(body):
    """From a real server on 127.0.0.1: HTML, and JSON nested deeper than the interpreter's stack
    (a RecursionError, which escaped as an internal error), fail with the same clear message."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with HttpSource(HttpCredentials(bearer="t"), HttpOptions(max_retries=0)) as http, \
                pytest.raises(SyncError, match="cannot be read as JSON") as failed:
            http.get(f"http://127.0.0.1:{server.server_port}/page")
        assert failed.value.retryable is False
    finally:
        server.shutdown()
        server.server_close()
