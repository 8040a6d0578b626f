"""The feed cache: computed feeds by data version, and one computation per version at a time.

The data version names everything a feed is computed from: the code's feed revision, the
workspace, the blueprint's identity (id and creation time: ids are never reused, and a restored
database could still hand one out again) and revision, a digest of its definition, each source's
identity, name, kind and data version (bumped in the transaction of every change to its events),
and the query. It is the feed's ETag, and the key of its process model."""

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any

log = logging.getLogger("app.blueprint.cache")
# What the code computes from the same data: bumped when a feed gains or changes content (2: the
# insights), so that feeds saved on disk by an older version are computed again, not served.
FEED_REVISION = 2


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def data_version(*, workspace_id: int, blueprint, sources, window: tuple[int | None, int | None],
                 segments: list[tuple[str, str]]) -> str:
    """The ETag of the feed of `blueprint` over `sources` for this query (32 hex digits)."""
    definition = hashlib.sha256(json.dumps(blueprint.definition, sort_keys=True, default=str).encode()).hexdigest()
    identity = [FEED_REVISION, workspace_id, blueprint.id, _stamp(blueprint.created_at), blueprint.revision,
                blueprint.name, definition,
                [(s.id, _stamp(s.created_at), s.name, s.system, s.data_version) for s in sources],
                list(window), segments]
    return hashlib.sha256(json.dumps(identity, default=str).encode()).hexdigest()[:32]


class FeedCache:
    """The last feeds computed, by data version (a small LRU, per process). Concurrent requests
    for a version not yet cached share one computation: the first computes, the others wait for
    its result (or its error), so fifty cold requests cost one feed's time and memory."""

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._running: dict[str, Future] = {}
        self._lock = threading.Lock()
        self.size = size
        self.computed = 0  # how many feeds this cache computed (tests and logs read it)

    def get(self, key: str) -> Any | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_compute(self, key: str, compute: Callable[[], Any], *,
                       before_waiting: Callable[[], None] | None = None) -> Any:
        """The cached value of `key`, or the one computation of it (joined if already running).
        `before_waiting` runs before a caller blocks on another's computation: it gives back what
        the computing caller may need (a pooled database connection)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            running = self._running.get(key)
            if running is None:
                running = self._running[key] = Future()
                owner = True
            else:
                owner = False
        if not owner:
            if before_waiting is not None:
                before_waiting()
            return running.result()
        try:
            value = compute()
        except BaseException as exc:
            running.set_exception(exc)
            raise
        else:
            self.put(key, value)
            running.set_result(value)
            with self._lock:
                self.computed += 1
            log.info("feed computed", extra={"data_version": key, "computed": self.computed})
            return value
        finally:
            with self._lock:
                self._running.pop(key, None)
