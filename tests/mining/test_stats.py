"""Grouped statistics against NumPy's own, on each of the three paths (packed integers, radix and
partition, lexsort)."""

import numpy as np
import pytest

from app.mining.stats import grouped


@pytest.mark.parametrize("kind", ["small ints with negatives", "floats", "50-bit ints", "many groups"])
def test_grouped_equals_numpy(kind):
    rng = np.random.default_rng(7)
    for _ in range(60):
        n = int(rng.integers(1, 400))
        codes = rng.integers(0, 70_000 if kind == "many groups" else 9, n)
        values = {"small ints with negatives": rng.integers(-5, 1000, n), "floats": rng.random(n),
                  "50-bit ints": rng.integers(0, 2**50, n), "many groups": rng.random(n)}[kind]
        got = grouped(codes, values)
        assert got.groups.tolist() == sorted(set(codes.tolist()))
        for i, g in enumerate(got.groups):
            x = values[codes == g].astype(np.float64)
            assert got.count[i] == len(x)
            assert got.mean[i] == pytest.approx(x.mean(), rel=1e-12)
            assert got.median[i] == pytest.approx(np.quantile(x, 0.5), rel=1e-12, abs=1e-12)
            assert got.p90[i] == pytest.approx(np.quantile(x, 0.9), rel=1e-12, abs=1e-12)


def test_mask_picks_a_subset():
    codes, values = np.array([0, 0, 1, 1, 1]), np.array([5, 7, 1, 2, 30])
    got = grouped(codes, values, np.array([True, False, True, True, False]))
    assert (got.groups.tolist(), got.count.tolist(), got.median.tolist()) == ([0, 1], [1, 2], [5.0, 1.5])


@pytest.mark.parametrize("shuffled", [0.0, 0.01, 1.0])
def test_case_time_order_is_a_stable_sort_by_case_then_time(shuffled):
    from app.mining.frame import case_time_order

    rng = np.random.default_rng(11)
    n = 20_000
    case = rng.integers(0, 900, n)
    ts = np.sort(rng.integers(0, 5_000, n))  # in time order, with many ties ...
    swap = rng.random(n) < shuffled  # ... except where some events are moved
    ts[swap] = rng.integers(0, 5_000, int(swap.sum()))
    assert (case_time_order(case, ts) == np.lexsort((np.arange(n), ts, case))).all()
