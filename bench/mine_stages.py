"""Where the cold blueprint feed's time goes, stage by stage, in-process. Reads a data directory
left by `bench/mine.py --keep-data`:

    .venv/bin/python bench/mine_stages.py /tmp/bm-mine-1000000-XXXX [--repeat 3]

Times feed_for end to end with an empty feed cache (the columnar copy is built on the first
call if missing; later calls read it), then each stage of feed._parts on its own, and prints the
peak RSS. No model thread runs here."""

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def peak_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


def timed(name: str, fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    print(f"  {name:<34}{time.perf_counter() - t0:>8.3f} s")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from sqlalchemy import select

    from app.blueprint import feed as feeds
    from app.blueprint.events import gather
    from app.blueprint.models import Blueprint
    from app.blueprint.phases import derived_phases
    from app.blueprint.schemas import BlueprintIn
    from app.db import make_engine, make_session_factory
    from app.lanes.assign import LANES, evidence, step_lanes, unmapped
    from app.mining import discover, observe
    from app.mining.model import covering_cases
    from app.sources import repository as sources

    engine = make_engine(f"sqlite:///{args.data_dir / 'bench.sqlite'}")
    factory = make_session_factory(engine)
    with factory() as session:
        bp = session.scalars(select(Blueprint)).first()
        for i in range(args.repeat):
            t0 = time.perf_counter()
            feed, _ = feeds.feed_for(session, feeds.FeedCache(), workspace_id=bp.workspace_id, blueprint_id=bp.id,
                                     window=(None, None), segment=[], data_dir=args.data_dir)
            t1 = time.perf_counter()
            json.dumps(feed)
            print(f"feed_for #{i + 1}: {t1 - t0:.3f} s, json.dumps {time.perf_counter() - t1:.3f} s, "
                  f"{feed['stats']['events']:,} events, peak RSS {peak_mb():.0f} MB")
        print("stages:")
        definition = BlueprintIn(name=bp.name, **bp.definition)
        srcs = [sources.get(session, workspace_id=bp.workspace_id, source_id=i) for i in definition.sources]
        rows = timed("columnar copy (source_rows)", feeds.source_rows, session, definition, srcs, [], args.data_dir)
        found = timed("gather (codes, sort, filter)", gather, rows, [], (None, None), [])
        lane, ev_code, ev_labels = timed("lanes (rules per kind)", found.lanes, definition.lanes)
        ev = found.ev
        timed("flows", discover.discover_flows, ev)
        timed("activities", discover.discover_activities, ev)
        timed("variants", discover.discover_variants, ev)
        timed("waiting before", observe._waiting_before, ev)
        position = timed("positions", observe._positions, ev)
        timed("resource handovers", discover.discover_handovers, ev, ev.resource, ev.resource_labels)
        lanes_of = timed("step lanes", step_lanes, ev.act, ev.act_labels, lane)
        timed("unmapped", unmapped, ev.act, ev.act_labels, ev.case, lane)
        timed("evidence", evidence, ev.act, ev.act_labels, ev_code, ev_labels)
        names, phase_of = derived_phases(position)
        timed("phase durations", observe.phase_durations, ev, phase_of, len(names))
        timed("lane handovers", observe.lane_handovers, ev, lanes_of, LANES)
        timed("handovers within lanes", observe.handovers_within_lanes, ev, lanes_of, LANES)
        timed("covering cases (model job)", covering_cases, ev, feeds.MODEL_COVERAGE)
    print(f"peak RSS {peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
