"""A worker process running only the sync jobs, for tests that kill or race real processes
(the CLI's `worker` runs every kind of job; this runs these two).

    BLUEPRINT_DATABASE_URL=... BLUEPRINT_DATA_DIR=... python -m tests.support.sync_worker [--once]
"""

import argparse
import logging

from app.config import Settings
from app.db import make_engine, make_session_factory
from app.jobs.worker import WorkerContext, run_worker, stop_on_signals
from app.sync.runner import run_next_sync, schedule_due_syncs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--once", action="store_true", help="Stop when there is no work left.")
    parser.add_argument("--poll-s", type=float, default=0.1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    settings = Settings()
    engine = make_engine(settings.resolved_database_url())
    ctx = WorkerContext(engine=engine, factory=make_session_factory(engine), settings=settings)
    stop_on_signals(ctx)
    print(f"worker {ctx.owner} started", flush=True)
    run_worker(ctx, kinds=[schedule_due_syncs, run_next_sync], once=args.once, poll_s=args.poll_s)
    engine.dispose()


if __name__ == "__main__":
    main()
