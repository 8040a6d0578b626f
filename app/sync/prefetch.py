"""A connector's units pulled one ahead, on a thread of their own.

While the run stores a unit (the database's COPY and commit, which release the interpreter), the
next is fetched, decoded and cut: the pull no longer waits for the store, nor the store for the
pull. Order is kept, and so is every guarantee of a run: units are still stored one by one, each
with its watermark, and a unit read ahead but not stored when the run stops (or its process dies)
is simply read again by the next run, from the last committed watermark."""

import queue
import threading
from collections.abc import Iterator

from app.sync.connectors import Pulled

_PUT_WAIT_S = 0.1  # how often a producer blocked on a full queue checks whether to stop


class Prefetched:
    """Iterate the units of `units` (a connector's pull) read `depth` ahead; `close()` stops the
    reading (closing the connector's generator in its own thread) and waits for it."""

    def __init__(self, units: Iterator[Pulled], *, depth: int = 1) -> None:
        self._units = units
        self._queue: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._produce, name="sync-pull", daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            for unit in self._units:
                if not self._put(("unit", unit)):
                    return
            self._put(("end", None))
        except BaseException as exc:  # handed to the run, in order, after the units before it
            self._put(("error", exc))
        finally:
            self._units.close()

    def _put(self, item: tuple[str, object]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_PUT_WAIT_S)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> "Prefetched":
        return self

    def __next__(self) -> Pulled:
        if self._done:
            raise StopIteration
        kind, value = self._queue.get()
        if kind == "unit":
            return value
        self._done = True
        if kind == "error":
            raise value
        raise StopIteration

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
