"""Schemathesis over every operation of a real server on a seeded SQLite database: no 5xx, and every
status code, content type, header and body as the OpenAPI document says. `make fuzz` runs the same
for longer (tests/support/fuzz.py).

Bounded by examples, not by time: each phase runs once, with MAX_EXAMPLES per operation beside
schemathesis' coverage cases: about 6,800 cases, in 80 s here or 160 s beside four busy loops. A 60-s budget
made the figures below depend on the machine's speed: with schemathesis' phases cut short, a slow
machine generated fewer cases and could end before the coverage phase reached every operation."""

import pytest

from tests.support import fuzz

MAX_EXAMPLES = 10  # per operation and phase: about the fuzzing a 60-s budget bought


@pytest.mark.slow
def test_the_api_keeps_its_openapi_contract_under_fuzzing(tmp_path):
    result = fuzz.run(max_time=None, max_examples=MAX_EXAMPLES, workdir=tmp_path)
    report = fuzz.summary(result)
    print(report)
    assert result.errors == [], report + result.output[-6000:]
    assert result.unexpected() == [], report + result.output[-12000:]
    assert result.operations == result.total_operations >= 21  # every operation of the document was exercised
    assert result.test_cases > 1000, report
