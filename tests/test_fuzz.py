"""Schemathesis over every operation of a real server on a seeded SQLite database, bounded to about
60 s (75 s with the server's start): no 5xx, and every status code, content type, header and body
as the OpenAPI document says. `make fuzz` runs the same for longer (tests/support/fuzz.py)."""

import pytest

from tests.support import fuzz

MAX_TIME = 60


@pytest.mark.slow
def test_the_api_keeps_its_openapi_contract_under_fuzzing(tmp_path):
    result = fuzz.run(max_time=MAX_TIME, max_examples=50, workdir=tmp_path)
    report = fuzz.summary(result)
    print(report)
    assert result.errors == [], report + result.output[-6000:]
    assert result.unexpected() == [], report + result.output[-12000:]
    assert result.operations == result.total_operations >= 21  # every operation of the document was exercised
    assert result.test_cases > 1000, report
