"""A file that keeps growing, line by line, until the block that looks at it has ended."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def still_being_written(path: Path, header: bytes, line: Callable[[int], bytes],
                        every_s: float = 0.05) -> Iterator[list[int]]:
    """Append `line(n)` every `every_s` while the block runs; yields the list of lines written so far.

    Writing until the block ends, not for a fixed time, keeps the file changing however late a
    loaded machine gets to look at it."""
    done, written = threading.Event(), []

    def keep_writing() -> None:
        with path.open("ab") as sink:
            sink.write(header)
            while not done.is_set():
                sink.write(line(len(written)))
                sink.flush()
                written.append(len(written))
                time.sleep(every_s)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        yield written
    finally:
        done.set()
        writer.join()
