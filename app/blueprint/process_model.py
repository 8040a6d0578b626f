"""Process models, computed once per data version on a background thread, off the request path."""

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from app.memory import release_free_memory


class ModelStore:
    """Futures of BPMN documents by data version (the last `size` kept)."""

    def __init__(self, size: int = 32) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self._futures: OrderedDict[str, Future] = OrderedDict()
        self._unstarted: dict[str, Callable[[], object]] = {}
        self._lock = threading.Lock()
        self.size = size

    def request(self, key: str, compute: Callable[[], bytes],
                defer: Callable[[Callable[[], None]], None] | None = None) -> None:
        """Start computing the model for `key` unless it is known already. With `defer`, the
        work is handed to it to start later (it counts as computing from now on)."""
        with self._lock:
            if key in self._futures:
                return
            future: Future = Future()
            self._futures[key] = future
            self._unstarted[key] = lambda: self._pool.submit(_fulfil, future, compute)
            while len(self._futures) > self.size:
                old, _ = self._futures.popitem(last=False)
                self._unstarted.pop(old, None)
        (defer or (lambda task: task()))(lambda: self.start(key))

    def start(self, key: str) -> None:
        """Start a deferred computation now (once; a no-op if it started already)."""
        with self._lock:
            starter = self._unstarted.pop(key, None)
        if starter is not None:
            starter()

    def status(self, key: str) -> tuple[str, str | None]:
        """('ready' | 'computing' | 'failed' | 'unknown', error)."""
        future = self._futures.get(key)
        if future is None:
            return "unknown", None
        if not future.done():
            return "computing", None
        error = future.exception()
        return ("failed", str(error)) if error else ("ready", None)

    def settle(self, key: str, timeout: float) -> None:
        """Wait up to `timeout` seconds for the model of `key` (it keeps computing after that)."""
        future = self._futures.get(key)
        if future is not None:
            with contextlib.suppress(TimeoutError):
                future.exception(timeout=timeout)

    def result(self, key: str, timeout: float) -> bytes:
        self.start(key)  # a model whose start was deferred to a response that never went out
        return self._futures[key].result(timeout=timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _fulfil(future: Future, compute: Callable[[], bytes]) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(compute())
    except BaseException as exc:  # noqa: BLE001 - reported through the future
        future.set_exception(exc)
    finally:
        release_free_memory()
