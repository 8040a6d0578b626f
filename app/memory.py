"""Allocator settings for a server that makes and frees arrays of tens of megabytes per request.

glibc serves each block over its mmap threshold (adjusted on the fly, but never past 32 MB) with a
fresh mapping, and every fresh page faults and is zeroed when first touched. At 5M events a
column is 40 MB, so each of the feed's temporaries paid that again: measured in-process, a 5M
feed took 6.9-9.9 s that way and 3.6-5.1 s with big blocks kept on the heap and reused. Freed
memory goes back to the operating system once a computation is over (release_free_memory)."""

import ctypes
import logging

log = logging.getLogger("app.memory")
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
_KEEP = 1 << 30


def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc (musl, macOS): nothing to tune
        return None


def tune_allocator() -> None:
    """Keep blocks up to 1 GB on the heap, and do not trim it after every free. One arena: the
    feed is computed on a worker thread, and a thread's own arena grows in heaps of at most
    64 MB, too small for these blocks, which would be mapped afresh anyway."""
    libc = _libc()
    if libc is not None and not all(libc.mallopt(option, value) for option, value in (
            (_M_ARENA_MAX, 1), (_M_MMAP_THRESHOLD, _KEEP), (_M_TRIM_THRESHOLD, _KEEP))):
        log.warning("could not tune the allocator (mallopt refused)")


def release_free_memory() -> None:
    """Give the heap's free memory back to the operating system (after a large computation)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
