"""Rows read so far by a running upload, visible to every process sharing the data directory.

The upload's own row cannot carry it: on SQLite the running job holds the write lock until it
commits. A small file per running upload can (written atomically, at most twice a second)."""

import os
import time
from pathlib import Path


def _path(data_dir: Path, upload_id: int) -> Path:
    return data_dir / "progress" / f"upload-{int(upload_id)}"


def read(data_dir: Path, upload_id: int) -> int | None:
    try:
        return int(_path(data_dir, upload_id).read_text() or 0)
    except (FileNotFoundError, ValueError):
        return None


class Reporter:
    """A progress callback for one upload: `reporter(rows_read)`."""

    INTERVAL_S = 0.5

    def __init__(self, data_dir: Path, upload_id: int) -> None:
        self.path = _path(data_dir, upload_id)
        self._last = 0.0

    def __call__(self, rows: int) -> None:
        now = time.monotonic()
        if now - self._last < self.INTERVAL_S:
            return
        self._last = now
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        tmp.write_text(str(int(rows)))
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
