"""The demo's live source: the operations system, pulled by a scheduled sync job as `make run`
serves, so the demo's feed visibly changes and its freshness shows.

The loader copies ops.csv into a SQLite database in the data directory, each row with a release
time: the rows before the cut-off are released at once (the first run brings them), the rest one
after another over `replay_minutes` from the moment the demo is loaded, in time order. The sync
reads the released rows by their sequence number, every `every_s` seconds, through the `sql`
connector, like any operations database. Once the replay is over the source holds exactly
ops.csv, the story the demo's README tells."""

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

QUERY = ("SELECT seq, order_id, activity, timestamp, start_timestamp, resource, role, channel, evidence, thread "
         "FROM ops_events WHERE seq > :watermark AND release_at <= strftime('%Y-%m-%dT%H:%M:%S', 'now') "
         "ORDER BY seq")


def live_database(csv: Path, target: Path, *, cutoff: str, replay_minutes: float, now: datetime) -> int:
    """Write the replay database; returns how many rows the replay releases after the first run."""
    frame = pd.read_csv(csv, dtype=str).sort_values("timestamp", kind="stable").reset_index(drop=True)
    frame.insert(0, "seq", range(1, len(frame) + 1))
    later = (frame["timestamp"] >= cutoff.replace("T", " ")).to_numpy()
    step = timedelta(minutes=replay_minutes) / max(int(later.sum()), 1)
    released = [now - timedelta(days=1)] * len(frame)
    for k, i in enumerate(frame.index[later]):
        released[i] = now + step * (k + 1)
    frame["release_at"] = [t.strftime("%Y-%m-%dT%H:%M:%S") for t in released]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    with sqlite3.connect(target) as conn:
        frame.to_sql("ops_events", conn, index=False)
    return int(later.sum())


def configure_live(session: Session, *, workspace_id: int, source_id: int, folder: Path, settings,
                   spec: dict) -> int | None:
    """Set up the replay and the source's sync (once); returns the rows still to come, or None if
    the source is synced already."""
    from app.sync import repository as syncs
    from app.sync import service as sync_service
    from app.sync.schemas import SyncConfigIn

    if syncs.get_config(session, source_id=source_id) is not None:
        return None
    target = (settings.data_dir / "demo" / "ops-live.sqlite").resolve()
    coming = live_database(folder / spec["file"], target, cutoff=spec["cutoff"],
                           replay_minutes=spec.get("replay_minutes", 10), now=datetime.now(UTC))
    body = SyncConfigIn(connector="sql", schedule={"every_s": spec.get("every_s", 15)}, params={
        "url": f"sqlite:///{target}", "query": QUERY, "watermark_column": "seq", "watermark_type": "integer",
        "initial_watermark": "0"})
    sync_service.put_config(session, workspace_id=workspace_id, source_id=source_id, body=body, settings=settings)
    return coming
