"""Units read ahead keep their order, hand on the pull's error after the units before it, and
stop the pull (closing its generator) when the run stops early."""

import threading

import pytest

from app.sync.connectors import Pulled
from app.sync.prefetch import Prefetched


def _units(n: int, events: list[str], *, fail_at: int | None = None):
    try:
        for i in range(n):
            if i == fail_at:
                raise RuntimeError(f"page {i} refused")
            events.append(f"read {i}")
            yield Pulled(watermark=str(i))
    finally:
        events.append(f"closed in {threading.current_thread().name}")


def test_units_come_in_order_and_then_the_end():
    events: list[str] = []
    units = Prefetched(_units(5, events))
    assert [u.watermark for u in units] == ["0", "1", "2", "3", "4"]
    assert next(units, None) is None  # and stays ended
    units.close()
    assert events[-1] == "closed in sync-pull"


def test_the_pulls_error_follows_the_units_read_before_it():
    units = Prefetched(_units(5, [], fail_at=3))
    assert [next(units).watermark for _ in range(3)] == ["0", "1", "2"]
    with pytest.raises(RuntimeError, match="page 3 refused"):
        next(units)
    units.close()


def test_closing_early_stops_the_pull_one_unit_ahead_at_most():
    events: list[str] = []
    units = Prefetched(_units(1_000, events), depth=1)
    assert next(units).watermark == "0"
    units.close()
    reads = [e for e in events if e.startswith("read")]
    assert len(reads) <= 3  # the one taken, the one queued, the one waiting to be queued
    assert events[-1] == "closed in sync-pull"
