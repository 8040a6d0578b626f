"""Process models, computed once per data version on a background thread, off the request path."""

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class ModelStore:
    """Futures of BPMN documents by data version (the last `size` kept)."""

    def __init__(self, size: int = 32) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self._futures: OrderedDict[str, Future] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def request(self, key: str, compute: Callable[[], bytes]) -> None:
        """Start computing the model for `key` unless it is known already."""
        with self._lock:
            if key in self._futures:
                return
            self._futures[key] = self._pool.submit(compute)
            while len(self._futures) > self.size:
                self._futures.popitem(last=False)

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
        return self._futures[key].result(timeout=timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
