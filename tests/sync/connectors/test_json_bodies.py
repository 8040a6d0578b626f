"""JSON bodies are decoded by msgspec, and what it refuses but the standard library reads is still
read the same; a body that is not JSON at all is a ValueError (the pull's 'not JSON' failure)."""

import json
import math

import pytest

from app.sync.connectors.http_client import decoded


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
