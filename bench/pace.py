"""How fast this machine runs right now, printed beside the benchmarks' figures.

The machine's two cores are shared with other work, and its figures move with it. A fixed
pure-Python loop and a NumPy sort, timed just before the benchmark and printed beside its figures,
tell a slower run of the code from a slower hour of the machine."""

import time

import numpy as np


def machine_pace() -> dict:
    """Seconds for 10M Python additions and for sorting 10M random int64 (best of three each)."""
    loop, sort = [], []
    rng = np.random.default_rng(7)
    values = rng.integers(0, 1 << 62, 10_000_000)
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        loop.append(time.perf_counter() - started)
        started = time.perf_counter()
        np.sort(values)
        sort.append(time.perf_counter() - started)
    return {"python_loop_s": round(min(loop), 3), "numpy_sort_s": round(min(sort), 3)}


def describe(pace: dict) -> str:
    return (f"machine pace: 10M Python additions {pace['python_loop_s']:.2f} s, sorting 10M int64 "
            f"{pace['numpy_sort_s']:.2f} s (best of 3; slower means the shared cores are busy)")
