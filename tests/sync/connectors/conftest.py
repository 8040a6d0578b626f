"""Fixtures of the connector tests: the local API server (tests.support.api_server)."""

import pytest

from tests.support.api_server import ApiServer


@pytest.fixture
def api():
    with ApiServer() as server:
        yield server


FAST = {"backoff_base_s": 0.01, "backoff_max_s": 0.05, "timeout_s": 5}
