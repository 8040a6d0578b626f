"""Feeds saved on disk by data version, shared by the processes of one data directory.

A worker that brings a source up to date computes the feeds of the blueprints that use it and
saves them here, so the API's first request after an upload or a sync is a read, not a
computation; an API process restarted finds its feeds again. The data version names everything a
feed depends on, so a saved feed is never stale: it is only ever unused, and the oldest go."""

import json
import logging
import os
from pathlib import Path

from app.scratch import scratch_name

log = logging.getLogger("app.blueprint.saved_feeds")
KEEP = 256


def _directory(data_dir: Path) -> Path:
    return data_dir / "feeds"


def load(data_dir: Path, etag: str) -> dict | None:
    path = _directory(data_dir) / f"{etag}.json"
    try:
        with open(path, "rb") as f:
            return json.loads(f.read())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        path.unlink(missing_ok=True)  # damaged: computed again
        return None


def save(data_dir: Path, etag: str, value: dict) -> None:
    """Write atomically (a new file, renamed); keep the newest KEEP."""
    directory = _directory(data_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / scratch_name(".feed", ".tmp")
        tmp.write_bytes(json.dumps(value, separators=(",", ":")).encode())
        os.replace(tmp, directory / f"{etag}.json")
        _prune(directory)
    except OSError as exc:  # a cache: the next request computes the feed itself
        log.warning("could not save the feed", extra={"error": str(exc)})


def _prune(directory: Path) -> None:
    files = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    for old in files[:-KEEP]:
        old.unlink(missing_ok=True)
