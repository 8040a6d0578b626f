"""The feed cache's single flight never deadlocks on the connection pool: a caller that waits for
another's computation gives its connection back first (bench/stress.py once saw 50 clients of one
cold feed hold every pooled connection while the one computing it needed one more)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.blueprint.cache import FeedCache
from app.db import make_session_factory, release_connection


def _crowd(tmp_path, *, release: bool) -> list:
    """One computation needing a connection of its own; 3 waiters, each holding one of a pool of 3."""
    engine = create_engine(f"sqlite:///{tmp_path}/pool.sqlite", pool_size=3, max_overflow=0, pool_timeout=2)
    factory, cache = make_session_factory(engine), FeedCache(size=4)
    computing, waiters_in = threading.Event(), threading.Semaphore(0)

    def compute():
        computing.set()
        for _ in range(3):
            waiters_in.acquire(timeout=10)  # every waiter holds its connection and waits
        with engine.connect() as conn:  # as the columnar copy's read does
            return conn.execute(text("SELECT 42")).scalar()

    def owner():
        return cache.get_or_compute("feed", compute)

    def waiter():
        computing.wait(10)
        with factory() as session:
            session.execute(text("SELECT 1"))  # the request's own queries: its connection is checked out

            def before_waiting():
                if release:
                    release_connection(session)
                waiters_in.release()

            value = cache.get_or_compute("feed", lambda: pytest.fail("computed twice"), before_waiting=before_waiting)
            session.execute(text("SELECT 1"))  # the request goes on with a connection again
            return value

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(owner)] + [pool.submit(waiter) for _ in range(3)]
        results = []
        for future in futures:
            try:
                results.append(future.result(timeout=30))
            except PoolTimeout as exc:
                results.append(exc)
    engine.dispose()
    return results


def test_waiters_give_their_connections_back_so_the_one_computation_finishes(tmp_path):
    assert _crowd(tmp_path, release=True) == [42, 42, 42, 42]


def test_without_giving_them_back_the_computation_times_out(tmp_path):
    results = _crowd(tmp_path, release=False)  # the defect this guards against, shown to be real
    assert all(isinstance(r, PoolTimeout) for r in results)
