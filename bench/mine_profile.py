"""Where the cold blueprint feed's time goes, stage by stage, in-process; and what faster load
paths and cheaper computations would give. Reads a data directory left by `bench/mine.py --keep-data`:

    .venv/bin/python bench/mine_profile.py /tmp/bm-mine-1000000-XXXX [--repeat 3]
    .venv/bin/python bench/mine_profile.py DIR --only-patched [--only-variant TEXT]   # part 4 only
    .venv/bin/python bench/mine_profile.py DIR --stages-patched --only-variant snapshot  # part 1, patched

Part 1 calls the app's own functions in the order feed._parts does (best of --repeat; each
stage's peak RSS growth measured by resetting VmHWM through /proc/self/clear_refs), and the
SQLAlchemy row path of 105e64b for comparison. Part 2 times other read paths for the same rows
(raw sqlite3, a table scan instead of the primary-key index, ADBC + Arrow straight on the live
file, a columnar snapshot file written next to the database), checking each gives the same rows.
Part 3 times cheaper lane assignment and sorting. Part 4 runs feed_for end to end in fresh
processes with patches monkeypatched in (app/ is never changed) and checks that the feed is the
same as without them. Figures go to bench/out/mine_profile*.json.

Note: ADBC's SQLite driver links its own SQLite (3.53) beside Python's (3.40); the in-process
ADBC reads of the live database in part 2 and 4 measure speed only, they are not a safe design
(two SQLite libraries on one file break each other's POSIX locks).
"""

from __future__ import annotations

import argparse
import gc
import json
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COLUMNS = ("source_id", "upload_id", "ordinal", "case_id", "activity", "timestamp", "start_timestamp",
           "resource", "role", "lifecycle")
SQL = f"SELECT {', '.join(COLUMNS)} FROM events{{hint}} WHERE source_id IN ({{ids}})"


def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _kw(fn, **optional) -> dict:
    """The optional keyword arguments `fn` accepts (app/ signatures change while it is edited)."""
    import inspect

    target = getattr(fn, "original", fn)
    params = inspect.signature(target).parameters
    return {k: v for k, v in optional.items() if k in params}


def reset_peak() -> None:
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:  # "5" resets VmHWM to the current RSS
        f.write("5")


class Timer:
    """Times named stages; keeps the best of several runs and the peak RSS growth."""

    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}

    def __call__(self, name: str, fn, *args, **kw):
        reset_peak()
        rss0 = _status("VmRSS")
        t0 = time.perf_counter()
        out = fn(*args, **kw)
        sec = time.perf_counter() - t0
        grow = (_status("VmHWM") - rss0) / 1024
        row = self.rows.setdefault(name, {"seconds": [], "peak_growth_mb": 0.0})
        row["seconds"].append(sec)
        row["peak_growth_mb"] = max(row["peak_growth_mb"], grow)
        return out

    def report(self, title: str) -> list[dict]:
        print(f"\n{title}")
        total = sum(min(r["seconds"]) for r in self.rows.values())
        out = []
        for name, r in self.rows.items():
            best = min(r["seconds"])
            print(f"  {name:<58}{best:>8.3f}s {100 * best / total:>5.1f}%  peak +{r['peak_growth_mb']:>5.0f} MB")
            out.append({"stage": name, "seconds": round(best, 4), "runs": [round(s, 4) for s in r["seconds"]],
                        "peak_growth_mb": round(r["peak_growth_mb"], 1)})
        print(f"  {'total':<58}{total:>8.3f}s")
        return out


# --------------------------------------------------------------------------- part 1: the app's own stages


def app_stages(db: Path, repeat: int, patches: list[str] | None = None) -> tuple[list[dict], dict]:
    from sqlalchemy import select

    from app.blueprint import feed as feeds
    from app.blueprint.assemble import LANES
    from app.blueprint.phases import derived_phases, user_phases
    from app.blueprint.schemas import BlueprintIn
    from app.db import make_engine, make_session_factory
    from app.lanes.assign import evidence, unmapped
    from app.mining import discover as d
    from app.mining import observe as o
    from app.mining.stats import summary
    from app.sources import repository as sources
    from app.store.models import Event

    if patches:
        apply_patches(patches)
    engine = make_engine(f"sqlite:///{db}")
    factory = make_session_factory(engine)
    scratch = db.parent / "staging"
    t = Timer()
    info = {}
    for _ in range(repeat):
        with factory() as session:
            from app.blueprint.models import Blueprint

            bp = session.scalars(select(Blueprint)).first()
            definition = BlueprintIn(name=bp.name, **bp.definition)
            srcs = [sources.get(session, workspace_id=bp.workspace_id, source_id=i) for i in definition.sources]
            ids = [s.id for s in srcs]
            # load_events, in its three parts
            query = select(*(getattr(Event, c) for c in COLUMNS)).where(Event.source_id.in_(ids))
            if not patches:
                result = t("load: session.execute (SQLAlchemy + sqlite3), as in 105e64b", session.execute, query)
                rows = t("load: fetchall (sqlite3 rows -> SQLAlchemy Rows), as in 105e64b", result.fetchall)

                def build(rows=rows):
                    frame = pd.DataFrame(rows, columns=list(COLUMNS))
                    for column in ("timestamp", "ordinal", "source_id", "upload_id"):
                        frame[column] = frame[column].astype("int64")
                    frame["start_timestamp"] = frame["start_timestamp"].astype("Int64")
                    return frame

                t("load: pd.DataFrame(Rows) + casts, as in 105e64b", build)
                del rows, result
            frame, uncorrelated = t("load: feed._load (all of the above + source map)", feeds._load, session,
                                    definition, srcs, [], **_kw(feeds._load, scratch_dir=scratch))
            frame = t("filter: feed._filter (no window)", feeds._filter, frame, None, None, [])
            frame = t("lanes: lanes_for_events", feeds.lanes_for_events, frame, definition.lanes)
            ev = t("observe: prepare (factorize x3 + lexsort)", o.prepare, frame)
            t("observe: start_end_activities", d.start_end_activities, ev)
            t("observe: discover_flows", d.discover_flows, ev)
            t("observe: discover_activities", d.discover_activities, ev)
            t("observe: discover_variants", d.discover_variants, ev)
            t("observe: case_durations + summary", lambda ev=ev: summary(d.case_durations(ev)))
            t("observe: _waiting_before", o._waiting_before, ev)
            position = t("observe: _positions", o._positions, ev)
            t("observe: resource handovers", d.discover_handovers, ev, ev.resource, ev.resource_labels)
            lanes_of = t("step_lanes", feeds.step_lanes, frame)
            names, phase_of = (user_phases(definition.phases, list(position)) if definition.phases
                               else derived_phases(position))
            t("evidence", evidence, frame)
            t("unmapped", unmapped, frame)
            t("phase_durations", o.phase_durations, ev, phase_of, len(names))
            t("lane_handovers", o.lane_handovers, ev, lanes_of, LANES)
            t("handovers_within_lanes", o.handovers_within_lanes, ev, lanes_of, LANES)
            if hasattr(feeds, "variant_sequences"):
                t("variant_sequences (input of the BPMN model)", feeds.variant_sequences, ev)
            t("_phases (derived)", lambda position=position, definition=definition: (
                user_phases(definition.phases, list(position)) if definition.phases else derived_phases(position)))
            counts = frame["source_id"].value_counts().to_dict()
            t("_source_info", lambda srcs=srcs, counts=counts: [
                feeds._source_info(session, s, *([counts] if "counts" in _kw(feeds._source_info, counts=1) else []))
                for s in srcs])
            # The whole of it, through the app's own entry point (no model store: no BPMN thread).
            cache = feeds.FeedCache()
            feed, _ = t("TOTAL feed_for (cold cache, no model)", feeds.feed_for, session, cache,
                        workspace_id=bp.workspace_id, blueprint_id=bp.id, window=(None, None), segment=[],
                        **_kw(feeds.feed_for, scratch_dir=db.parent / "staging"))
            t("json.dumps(feed) (the response render)", json.dumps, feed)
            info = {"events": feed["stats"]["events"], "cases": feed["stats"]["cases"], "source_ids": ids,
                    "frame_memory_mb": round(frame.memory_usage(deep=True).sum() / 1e6, 1),
                    "dtypes": {c: str(frame[c].dtype) for c in frame.columns}}
            del frame, ev, feed
    engine.dispose()
    total = t.rows.pop("TOTAL feed_for (cold cache, no model)")
    render = t.rows.pop("json.dumps(feed) (the response render)")
    load_parts = {k: t.rows.pop(k) for k in list(t.rows) if k.startswith("load: ") and "feed._load" not in k}
    stages = t.report(f"part 1: the app's stages (best of {repeat}), in feed._parts order"
                      + (f", with patches {patches}" if patches else ""))
    print("  of which feed._load is:")
    for name, r in load_parts.items():
        print(f"    {name:<56}{min(r['seconds']):>8.3f}s  peak +{r['peak_growth_mb']:>5.0f} MB")
    print(f"  feed_for end to end (cold cache, no model store): {min(total['seconds']):.3f}s "
          f"(runs {[round(s, 2) for s in total['seconds']]}), peak +{total['peak_growth_mb']:.0f} MB")
    print(f"  json.dumps(feed): {min(render['seconds']):.3f}s")
    info["feed_for_s"] = round(min(total["seconds"]), 3)
    info["feed_for_peak_growth_mb"] = round(total["peak_growth_mb"], 1)
    info["load_parts"] = {k: round(min(r["seconds"]), 4) for k, r in load_parts.items()}
    return stages, info


# --------------------------------------------------------------------------- part 2: alternatives


def _check_same(name: str, frame: pd.DataFrame, ref: pd.DataFrame) -> bool:
    """Same rows (as a multiset), compared on the columns the feed uses."""
    key = ["case_id", "ordinal", "timestamp"]

    def plain(f: pd.DataFrame) -> pd.DataFrame:  # categoricals sort by their dictionary, not by value
        return f.assign(**{c: f[c].astype(object) for c in f.columns if isinstance(f[c].dtype, pd.CategoricalDtype)})

    a = plain(frame).sort_values(key, ignore_index=True)
    b = plain(ref).sort_values(key, ignore_index=True)
    ok = len(a) == len(b)
    for c in ("case_id", "activity", "timestamp", "resource", "ordinal", "upload_id", "source_id"):
        ok = ok and bool((a[c].astype(object).to_numpy() == b[c].astype(object).to_numpy()).all())
    for c in ("start_timestamp", "role", "lifecycle"):
        ok = ok and bool((a[c].isna().to_numpy() == b[c].isna().to_numpy()).all())
    if not ok:
        print(f"    !! {name}: DIFFERENT rows from load_events")
    return ok


def alternatives(db: Path, ids: list[int], repeat: int, reference: pd.DataFrame) -> list[dict]:
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    out = []
    id_text = ", ".join(str(i) for i in ids)
    indexed, scan = SQL.format(hint="", ids=id_text), SQL.format(hint=" NOT INDEXED", ids=id_text)

    def timed(name: str, fn, check=True, note=""):
        best, grow, result = None, 0.0, None
        for _ in range(repeat):
            result = None
            reset_peak()
            rss0 = _status("VmRSS")
            t0 = time.perf_counter()
            result = fn()
            sec = time.perf_counter() - t0
            grow = max(grow, (_status("VmHWM") - rss0) / 1024)
            best = sec if best is None else min(best, sec)
        same = _check_same(name, result, reference) if check and isinstance(result, pd.DataFrame) else None
        print(f"  {name:<66}{best:>8.3f}s  peak +{grow:>5.0f} MB" + ("" if same is None else
                                                                      ("  same rows" if same else "  DIFFERENT")))
        out.append({"path": name, "seconds": round(best, 4), "peak_growth_mb": round(grow, 1), "same_rows": same,
                    "note": note})
        return result

    def pragmas(con):
        con.execute("PRAGMA cache_size=-262144")
        con.execute("PRAGMA temp_store=MEMORY")

    def sqlite_rows(sql):
        con = sqlite3.connect(db)
        pragmas(con)
        rows = con.execute(sql).fetchall()
        con.close()
        return rows

    def sqlite_frame(sql):
        con = sqlite3.connect(db)
        pragmas(con)
        cur = con.execute(sql)
        cols = list(zip(*cur.fetchall(), strict=True))
        con.close()
        frame = pd.DataFrame({c: (np.fromiter(v, np.int64, len(v)) if c in ("source_id", "upload_id", "ordinal",
                                                                            "timestamp") else pd.array(v))
                              for c, v in zip(COLUMNS, cols, strict=True)})
        frame["start_timestamp"] = frame["start_timestamp"].astype("Int64")
        return frame

    print(f"\npart 2: other ways to read the same rows (best of {repeat})")
    timed("sqlite3 fetchall, PK index (as now, without SQLAlchemy/pandas)", lambda: sqlite_rows(indexed),
          check=False)
    timed("sqlite3 fetchall, NOT INDEXED (table scan)", lambda: sqlite_rows(scan), check=False)
    timed("sqlite3 NOT INDEXED -> columns -> DataFrame", lambda: sqlite_frame(scan))

    import adbc_driver_sqlite.dbapi as adbc

    def adbc_table(sql):
        with adbc.connect(str(db)) as con, con.cursor() as cur:
            # the driver infers each column's type from its first batch of rows; all-NULL columns
            # (start_timestamp, role, lifecycle here) need a typed expression to stay nullable
            cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": "65536"})
            cur.execute(sql)
            return cur.fetch_arrow_table()

    adbc_sql = (f"SELECT source_id, upload_id, ordinal, case_id, activity, timestamp, start_timestamp, resource, "
                f"role, lifecycle FROM events{{hint}} WHERE source_id IN ({id_text})")
    for hint, label in (("", "PK index"), (" NOT INDEXED", "NOT INDEXED")):
        try:
            table = timed(f"ADBC fetch_arrow_table, {label} (Arrow only)", lambda h=hint: adbc_table(
                adbc_sql.format(hint=h)), check=False)
            print(f"      arrow schema: {', '.join(f'{f.name}:{f.type}' for f in table.schema)}")
        except Exception as exc:  # noqa: BLE001 - report and go on
            print(f"  ADBC {label}: failed: {str(exc)[:300]}")
            out.append({"path": f"ADBC {label}", "error": str(exc)[:300]})
            continue

    def adbc_frame(sql, dictionary: bool):
        table = adbc_table(sql)
        if dictionary:  # what the feed needs: integer codes per distinct value, computed in C++
            table = table.set_column(3, "case_id", table["case_id"].dictionary_encode())
            for name in ("activity", "resource"):
                table = table.set_column(table.schema.get_field_index(name), name, table[name].dictionary_encode())
        frame = table.to_pandas()
        for column in ("start_timestamp",):
            frame[column] = frame[column].astype("Int64")
        for column in ("role", "lifecycle"):
            frame[column] = frame[column].astype("str" if not frame[column].isna().all() else object)
        return frame

    try:
        timed("ADBC NOT INDEXED -> to_pandas", lambda: adbc_frame(adbc_sql.format(hint=" NOT INDEXED"), False))
        timed("ADBC NOT INDEXED -> dictionary_encode -> to_pandas (categoricals)",
              lambda: adbc_frame(adbc_sql.format(hint=" NOT INDEXED"), True))
        timed("ADBC PK index -> dictionary_encode -> to_pandas (categoricals)",
              lambda: adbc_frame(adbc_sql.format(hint=""), True))
    except Exception as exc:  # noqa: BLE001
        print(f"  ADBC -> pandas failed: {str(exc)[:300]}")

    # A columnar snapshot of the events (written once per source data version, e.g. at the end of
    # an upload's job), read back instead of the table.
    snap = db.parent  # next to the database it mirrors (bench files only; the app never reads them)
    table = pa.Table.from_pandas(reference, preserve_index=False)
    for name in ("case_id", "activity", "resource"):
        table = table.set_column(table.schema.get_field_index(name), name, table[name].dictionary_encode())
    t0 = time.perf_counter()
    feather.write_feather(table, snap / "mine-snapshot.arrow", compression="lz4")
    w_feather = time.perf_counter() - t0
    t0 = time.perf_counter()
    pq.write_table(table, snap / "mine-snapshot.parquet", compression="zstd")
    w_parquet = time.perf_counter() - t0
    arrow_mb = (snap / "mine-snapshot.arrow").stat().st_size / 1e6
    parquet_mb = (snap / "mine-snapshot.parquet").stat().st_size / 1e6
    print(f"  (snapshot written: Arrow IPC lz4 {arrow_mb:.0f} MB in {w_feather:.2f}s, Parquet zstd {parquet_mb:.0f} MB "
          f"in {w_parquet:.2f}s)")
    timed("snapshot: Arrow IPC (lz4, dictionary strings) -> pandas",
          lambda: feather.read_table(snap / "mine-snapshot.arrow").to_pandas())
    timed("snapshot: Parquet (zstd, dictionary strings) -> pandas",
          lambda: pq.read_table(snap / "mine-snapshot.parquet").to_pandas())
    return out


def lane_alternatives(db: Path, repeat: int) -> list[dict]:
    """lanes_for_events as now vs the same lanes through activity codes (categoricals)."""
    from sqlalchemy import select

    from app.blueprint import feed as feeds
    from app.blueprint.models import Blueprint
    from app.blueprint.schemas import BlueprintIn
    from app.db import make_engine, make_session_factory
    from app.lanes.assign import KIND, lanes_for_events
    from app.lanes.rules import assign_lanes
    from app.mining.frame import prepare
    from app.sources import repository as sources

    engine = make_engine(f"sqlite:///{db}")
    with make_session_factory(engine)() as session:
        bp = session.scalars(select(Blueprint)).first()
        definition = BlueprintIn(name=bp.name, **bp.definition)
        srcs = [sources.get(session, workspace_id=bp.workspace_id, source_id=i) for i in definition.sources]
        frame, _ = feeds._load(session, definition, srcs, [], **_kw(feeds._load, scratch_dir=db.parent / "staging"))
    engine.dispose()
    out = []

    def best(fn):
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            res = fn()
            times.append(time.perf_counter() - t0)
        return min(times), res

    def by_codes(frame: pd.DataFrame) -> pd.DataFrame:
        """Rules on the distinct kinds; each event's kind as an integer code; lane by take()."""
        columns = KIND + [f"attr:{a}" for a in sorted(definition.lanes.attributes_used())]
        codes = [pd.factorize(frame[c], use_na_sentinel=False) for c in columns]
        widths = [len(u) for _, u in codes]
        key = np.zeros(len(frame), np.int64)
        for (c, _), w in zip(codes, widths, strict=True):
            key = key * w + c
        kind_code, kind_keys = pd.factorize(key)
        first = np.zeros(len(kind_keys), np.int64)
        first[kind_code[::-1]] = np.arange(len(frame))[::-1]  # one representative row per kind
        kinds = frame.iloc[first][columns].reset_index(drop=True)
        assigned = assign_lanes(kinds, definition.lanes)
        out = frame.copy(deep=False)
        out["lane"] = assigned["lane"].to_numpy(object)[kind_code]
        out["evidence"] = assigned["evidence"].to_numpy(object)[kind_code]
        return out

    print(f"\npart 3: cheaper computation on the loaded frame (best of {repeat})")
    s_now, ref = best(lambda: lanes_for_events(frame, definition.lanes))
    s_codes, alt = best(lambda: by_codes(frame))
    same = bool((ref["lane"].fillna("-").to_numpy() == alt["lane"].fillna("-").to_numpy()).all()
                and (ref["evidence"].fillna("-").to_numpy() == alt["evidence"].fillna("-").to_numpy()).all())
    print(f"  lanes_for_events (drop_duplicates + merge on 5 text columns){s_now:>10.3f}s")
    print(f"  same lanes via kind codes (factorize + take, no merge)       {s_codes:>10.3f}s  "
          f"{'same lanes' if same else 'DIFFERENT'}")
    out += [{"stage": "lanes_for_events", "seconds": round(s_now, 4)},
            {"stage": "lanes by kind codes", "seconds": round(s_codes, 4), "same": same}]
    cat = frame.copy()
    for c in ("case_id", "activity", "resource", "source", "system"):
        cat[c] = cat[c].astype("category")
    s_prep, _ = best(lambda: prepare(frame))
    s_prep_cat, _ = best(lambda: prepare(cat))
    print(f"  prepare() on text columns                                     {s_prep:>10.3f}s")
    print(f"  prepare() on categorical columns                              {s_prep_cat:>10.3f}s")
    out += [{"stage": "prepare text", "seconds": round(s_prep, 4)},
            {"stage": "prepare categorical", "seconds": round(s_prep_cat, 4)}]
    s_lanes_cat, _ = best(lambda: by_codes(cat))
    print(f"  lanes via kind codes on categorical columns                   {s_lanes_cat:>10.3f}s")
    out.append({"stage": "lanes by kind codes, categorical", "seconds": round(s_lanes_cat, 4)})
    return out


# --------------------------------------------------------------------------- part 4: patched feed_for


def _bind(session_or_engine):
    """The engine, whether load_events is given a Session (committed code) or an Engine (newer)."""
    return session_or_engine.get_bind() if hasattr(session_or_engine, "get_bind") else session_or_engine


def adbc_load_events(session, *, source_ids: list[int], attributes: list[str], **_) -> pd.DataFrame:
    """load_events through ADBC: SQLite fills Arrow columns in C; no Python object per value."""
    import adbc_driver_sqlite.dbapi as adbc

    path = _bind(session).url.database
    # as SQLAlchemy's Event.attributes[name].as_string() compiles on SQLite
    extracted = [f"CAST(json_extract(attributes, '$.\"{name}\"') AS TEXT) AS \"attr:{name}\"" for name in attributes]
    sql = (f"SELECT {', '.join([*COLUMNS, *extracted])} FROM events "
           f"WHERE source_id IN ({', '.join(str(int(i)) for i in source_ids)})")
    with adbc.connect(path) as con, con.cursor() as cur:
        # One batch: the driver infers each column's type from the rows of its first batch, so a
        # column NULL in the first 1,024 rows and text later would fail with the default.
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(10**9)})
        cur.execute(sql)
        table = cur.fetch_arrow_table()
    frame = table.to_pandas()
    for column in ("timestamp", "ordinal", "source_id", "upload_id"):
        frame[column] = frame[column].astype("int64")
    frame["start_timestamp"] = frame["start_timestamp"].astype("Int64")
    for column in ("role", "lifecycle", *(f"attr:{n}" for n in attributes)):
        if frame[column].isna().all():  # typed int64 by the driver when every value is NULL
            frame[column] = pd.Series([None] * len(frame), dtype=object)
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def adbc_dictionary_load_events(session, *, source_ids: list[int], attributes: list[str], **_) -> pd.DataFrame:
    """adbc_load_events with case_id, activity and resource dictionary-encoded by Arrow (C++):
    pandas categoricals, so every later factorize / groupby / merge works on small integer codes."""
    import adbc_driver_sqlite.dbapi as adbc

    path = _bind(session).url.database
    extracted = [f"CAST(json_extract(attributes, '$.\"{name}\"') AS TEXT) AS \"attr:{name}\"" for name in attributes]
    sql = (f"SELECT {', '.join([*COLUMNS, *extracted])} FROM events "
           f"WHERE source_id IN ({', '.join(str(int(i)) for i in source_ids)})")
    with adbc.connect(path) as con, con.cursor() as cur:
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(10**9)})
        cur.execute(sql)
        table = cur.fetch_arrow_table()
    for name in ("case_id", "activity", "resource"):
        i = table.schema.get_field_index(name)
        if table.schema.field(i).type in ("string", "large_string"):
            table = table.set_column(i, name, table[name].dictionary_encode())
    frame = table.to_pandas()
    for name in ("case_id", "activity", "resource"):
        if isinstance(frame[name].dtype, pd.CategoricalDtype):  # codes in value order, as factorize(sort=True)
            frame[name] = frame[name].cat.reorder_categories(frame[name].cat.categories.sort_values())
    frame["start_timestamp"] = frame["start_timestamp"].astype("Int64")
    for column in ("resource", "role", "lifecycle", *(f"attr:{n}" for n in attributes)):
        if frame[column].isna().all():  # typed int64 by the driver when every value is NULL
            frame[column] = pd.Series([None] * len(frame), dtype=object)
    return frame


def snapshot_load_events(session, *, source_ids: list[int], attributes: list[str], **_) -> pd.DataFrame:
    """An upper bound: the same rows from a columnar snapshot file (Arrow IPC, dictionary strings)."""
    import pyarrow.feather as feather

    frame = feather.read_table(Path(_bind(session).url.database).parent / "mine-snapshot.arrow").to_pandas()
    for column in ("case_id", "activity", "resource"):
        frame[column] = frame[column].astype("str")
    return frame


def snapshot_categorical_load_events(session, *, source_ids: list[int], attributes: list[str], **_) -> pd.DataFrame:
    """The snapshot read with its dictionary columns kept as categoricals (categories in value order)."""
    import pyarrow.feather as feather

    frame = feather.read_table(Path(_bind(session).url.database).parent / "mine-snapshot.arrow").to_pandas()
    for name in ("case_id", "activity", "resource"):
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].cat.reorder_categories(frame[name].cat.categories.sort_values())
    frame["start_timestamp"] = frame["start_timestamp"].astype("Int64")
    return frame


def hashed_distinct_cases(case: np.ndarray, codes: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Distinct cases per code, by hashing (code, case) keys once: O(n), no 2-D np.unique sort."""
    if not len(codes):
        return np.zeros(len(groups), np.int64)
    n_cases = int(case.max()) + 1
    key = codes.astype(np.int64) * n_cases + case
    first = ~pd.Series(key).duplicated().to_numpy()
    return np.bincount(codes[first], minlength=int(groups.max()) + 1)[groups]


def light_source_info(session, source, counts: dict | None = None) -> dict:
    """What the feed shows of a source (events, last ingest), without COUNT(DISTINCT ...) x3."""
    from sqlalchemy import func, select

    from app.ingest.models import Upload
    from app.store.models import Event

    events = counts.get(source.id, 0) if counts is not None else session.scalar(
        select(func.count()).select_from(Event).where(Event.source_id == source.id))
    last = session.scalar(select(func.max(Upload.finished_at)).where(Upload.source_id == source.id,
                                                                     Upload.status == "succeeded"))
    return {"id": source.id, "name": source.name, "system": source.system, "events": events,
            "last_ingest_at": last.isoformat() if last else None}


def _load_arg(feeds, session):
    """What feed._load hands load_events in the checked-out code: the session or its engine."""
    import inspect

    source = inspect.getsource(feeds._load.original if hasattr(feeds._load, "original") else feeds._load)
    return session.get_bind() if "load_events(session.get_bind()" in source else session


def _patched_load(feeds):
    original = feeds._load

    def _load(session, definition, srcs, segs, scratch_dir=None):
        """feed._load with the per-row lambdas replaced by dict lookups (same result)."""
        corr = definition.correlation
        keys = {s.name: corr.per_source.get(s.name, corr.attribute) for s in srcs}
        wanted = sorted(definition.lanes.attributes_used() | {k for k, _ in segs} | set(keys.values()) - {"case_id"})
        frame = feeds.load_events(_load_arg(feeds, session), source_ids=[s.id for s in srcs], attributes=wanted,
                                  **_kw(feeds.load_events, scratch_dir=scratch_dir))
        frame["source"] = frame["source_id"].map({s.id: s.name for s in srcs}).astype("str")
        frame["system"] = frame["source_id"].map({s.id: s.system for s in srcs}).astype("str")
        for name, key in keys.items():
            if key != "case_id":
                rows = frame["source"] == name
                frame.loc[rows, "case_id"] = frame.loc[rows, f"attr:{key}"]
        uncorrelated = int(frame["case_id"].isna().sum())
        return frame.dropna(subset=["case_id"]), uncorrelated

    _load.original = original
    return _load


def no_copy_filter(feeds):
    original = feeds._filter

    def _filter(frame, start, end, segs):
        """feed._filter, but no copy of the whole frame when there is nothing to filter."""
        if start is None and end is None and not segs:
            return frame
        return original(frame, start, end, segs)

    return _filter


def lanes_by_kind_codes(frame: pd.DataFrame, rules) -> pd.DataFrame:
    """lanes_for_events without drop_duplicates + merge (a full copy of the frame): each event's
    kind as one integer code, the rules on one row per kind, lane and evidence by take()."""
    from app.lanes.assign import KIND
    from app.lanes.rules import assign_lanes

    columns = KIND + [f"attr:{a}" for a in sorted(rules.attributes_used())]
    key = np.zeros(len(frame), np.int64)
    for c in columns:
        col = frame[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            code, width = col.cat.codes.to_numpy(np.int64), len(col.cat.categories)
        else:
            code, uniques = pd.factorize(col, use_na_sentinel=True)
            width = len(uniques)
        key = key * (width + 1) + (code + 1)  # (fine while the product of widths stays < 2**63)
    kind, _ = pd.factorize(key)
    first = np.full(kind.max() + 1 if len(kind) else 0, len(frame), np.int64)
    np.minimum.at(first, kind, np.arange(len(frame)))
    kinds = frame.iloc[first][columns].reset_index(drop=True)
    kinds = kinds.assign(**{c: kinds[c].astype(object) for c in columns
                            if isinstance(kinds[c].dtype, pd.CategoricalDtype)})
    assigned = assign_lanes(kinds, rules)
    return frame.assign(lane=assigned["lane"].to_numpy(object)[kind],
                        evidence=assigned["evidence"].to_numpy(object)[kind])


def step_lanes_by_codes(events: pd.DataFrame) -> dict:
    """step_lanes with one bincount over (activity, lane) codes instead of a 1M-row groupby."""
    act, acts = pd.factorize(events["activity"], sort=True)
    lane, lanes = pd.factorize(events["lane"], sort=True, use_na_sentinel=True)
    width = len(lanes) + 1
    counts = np.bincount(act * width + lane + 1, minlength=len(acts) * width).reshape(len(acts), width)[:, 1:]
    best = counts.argmax(axis=1) if len(lanes) else np.zeros(len(acts), np.int64)
    has = counts.max(axis=1) > 0 if len(lanes) else np.zeros(len(acts), bool)
    found = {str(a): (lanes[b] if h else None) for a, b, h in zip(acts, best, has, strict=True)}
    return {a: found.get(a) for a in events["activity"].unique()}


class LazySequences:
    """variant_sequences(ev), computed only when the model thread iterates it (not in the request)."""

    def __init__(self, fn, ev) -> None:
        self.fn, self.ev, self.value = fn, ev, None

    def __bool__(self) -> bool:
        return self.ev.n > 0

    def __iter__(self):
        if self.value is None:
            self.value = self.fn(self.ev)
        return iter(self.value)


def prepare_fewer_keys(frame: pd.DataFrame):
    """mining.frame.prepare, but tie keys that hold one value (one source, one upload) are not sorted on."""
    from app.mining import frame as mf

    keep = [c for c in ("source_id", "upload_id") if c in frame and frame[c].nunique() <= 1]
    return mf.prepare(frame.drop(columns=keep)) if keep else mf.prepare(frame)


def grouped_by_counting_sort(codes: np.ndarray, values: np.ndarray):
    """mining.stats.grouped with the same figures: one O(n) stable counting sort by code (NumPy's
    radix sort on 16-bit keys) instead of lexsort on (values, codes), then per group a partition
    for the two order statistics each quantile needs. Means are summed in int64 for integer values
    (exact); medians and p90s use the same interpolation as stats._quantile, so they are equal."""
    from app.mining.stats import GroupStats, grouped

    codes, values = np.asarray(codes), np.asarray(values)
    if not len(codes):
        return grouped(codes, values)
    lo = int(codes.min())
    span = int(codes.max()) - lo + 1
    if span >= 65536:
        return grouped(codes, values)
    small = (codes - lo).astype(np.uint16)
    order = np.argsort(small, kind="stable")
    per_code = np.bincount(small, minlength=span)
    present = np.flatnonzero(per_code)
    count = per_code[present]
    first = np.concatenate(([0], np.cumsum(per_code)[:-1]))[present]
    v = values[order]
    total = np.add.reduceat(v.astype(np.int64) if v.dtype.kind in "iu" else v.astype(np.float64), first)
    mean = total / count
    median, p90 = np.empty(len(present)), np.empty(len(present))
    for i, (start, n) in enumerate(zip(first.tolist(), count.tolist(), strict=True)):
        pos5, pos9 = (n - 1) * 0.5, (n - 1) * 0.9
        ks = sorted({int(np.floor(pos5)), int(np.ceil(pos5)), int(np.floor(pos9)), int(np.ceil(pos9))})
        seg = np.partition(v[start:start + n].astype(np.float64), ks)
        for out, pos in ((median, pos5), (p90, pos9)):
            a, b = seg[int(np.floor(pos))], seg[int(np.ceil(pos))]
            out[i] = a + (b - a) * (pos - np.floor(pos))
    return GroupStats(groups=(present + lo).astype(np.int64), count=count, mean=mean, median=median, p90=p90)


VARIANTS = {
    "as-is": [],
    "ADBC load": ["adbc"],
    "ADBC load + hashed distinct cases": ["adbc", "distinct"],
    "ADBC load + hashed distinct cases + light source stats + dict map": ["adbc", "distinct", "light"],
    "snapshot load + hashed distinct cases + light source stats + dict map": ["snapshot", "distinct", "light"],
    "ADBC categorical load + all of the above + no-copy filter + lanes/step_lanes by codes + lazy variant "
    "sequences + fewer sort keys": ["adbc-dict", "distinct", "light", "filter", "lanes", "lazy", "prepare"],
    "... + grouped() by counting sort": ["adbc-dict", "distinct", "light", "filter", "lanes", "lazy", "prepare",
                                         "grouped"],
    "snapshot load (categoricals) + every patch": ["snapshot-cat", "distinct", "light", "filter", "lanes", "lazy",
                                                   "prepare", "grouped"],
}


def apply_patches(patches: list[str]) -> None:
    """Monkeypatch the app's functions in this process (app/ itself is not changed)."""
    from app.blueprint import feed as feeds
    from app.mining import discover

    if "adbc" in patches:
        feeds.load_events = adbc_load_events
    if "snapshot" in patches:
        feeds.load_events = snapshot_load_events
    if "snapshot-cat" in patches:
        feeds.load_events = snapshot_categorical_load_events
    if "adbc-dict" in patches:
        feeds.load_events = adbc_dictionary_load_events
    if "filter" in patches:
        feeds._filter = no_copy_filter(feeds)
    if "lanes" in patches:
        feeds.lanes_for_events = lanes_by_kind_codes
        feeds.step_lanes = step_lanes_by_codes
    if "lazy" in patches:
        original_sequences = feeds.variant_sequences
        feeds.variant_sequences = lambda ev: LazySequences(original_sequences, ev)
    if "prepare" in patches:
        from app.mining import observe

        observe.prepare = prepare_fewer_keys
    if "distinct" in patches:
        discover._distinct_cases = hashed_distinct_cases
    if "grouped" in patches:
        from app.mining import observe

        discover.grouped = observe.grouped = grouped_by_counting_sort
    if "light" in patches:
        feeds._source_info = light_source_info
        feeds._load = _patched_load(feeds)


def run_variant(db: Path, name: str) -> dict:
    """feed_for on a cold cache in this (fresh) process, with the variant's patches; JSON out."""
    from sqlalchemy import select

    import app.main  # noqa: F401 - the server's imports (pm4py included), so the baseline matches
    from app.blueprint import feed as feeds
    from app.blueprint.models import Blueprint
    from app.db import make_engine, make_session_factory

    apply_patches(VARIANTS[name])
    engine = make_engine(f"sqlite:///{db}")
    factory = make_session_factory(engine)
    gc.collect()
    base = _status("VmRSS")
    times = []
    for _ in range(2):
        with factory() as session:
            bp = session.scalars(select(Blueprint)).first()
            t0 = time.perf_counter()
            feed, _ = feeds.feed_for(session, feeds.FeedCache(), workspace_id=bp.workspace_id, blueprint_id=bp.id,
                                     window=(None, None), segment=[],
                                     **_kw(feeds.feed_for, scratch_dir=db.parent / "staging"))
            times.append(time.perf_counter() - t0)
        if len(times) == 1:
            peak = _status("VmHWM")
    feed = {k: v for k, v in feed.items() if k not in ("generated_at", "sources")}
    return {"variant": name, "first_s": round(times[0], 3), "second_s": round(times[1], 3),
            "idle_rss_mb": round(base / 1024, 1), "peak_rss_mb": round(peak / 1024, 1),
            "peak_growth_mb": round((peak - base) / 1024, 1),
            "feed": json.loads(json.dumps(feed, default=str))}


def patched_variants(db: Path, only: str | None = None) -> list[dict]:
    import subprocess

    print("\npart 4: feed_for end to end with patches applied in the bench process (each in a fresh process; "
          "no BPMN model thread; first call = cold, second = warm)")
    out, reference = [], None
    for name in VARIANTS:
        if only and name != "as-is" and only not in name:
            continue
        done = subprocess.run([sys.executable, __file__, "--variant", name, str(db.parent)], capture_output=True,
                              text=True, timeout=1800)
        if done.returncode:
            print(f"  {name}: failed: {done.stderr[-1500:]}")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        feed = row.pop("feed")
        reference = reference or feed
        differ = sorted(k for k in set(feed) | set(reference) if feed.get(k) != reference.get(k))
        row["same_feed_as_is"] = not differ
        row["differs_in"] = differ
        print(f"  {name:<72}{row['first_s']:>7.2f}s (warm {row['second_s']:.2f}s)  peak "
              f"+{row['peak_growth_mb']:>4.0f} MB over {row['idle_rss_mb']:.0f} MB  "
              + ("same feed" if not differ else f"DIFFERS in {differ}"))
        out.append(row)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir", type=Path, help="a data directory kept by bench/mine.py --keep-data")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-app", action="store_true", help="skip part 1")
    ap.add_argument("--only-patched", action="store_true", help="run part 4 only")
    ap.add_argument("--variant", help=argparse.SUPPRESS)
    ap.add_argument("--stages-patched", action="store_true",
                    help="part 1 only, with every patch of the last part-4 variant applied")
    ap.add_argument("--only-variant", help="part 4: run as-is and the variants whose name holds this text")
    args = ap.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.data_dir / "bench.sqlite", args.variant)))
        return 0
    db = args.data_dir / "bench.sqlite"
    if not db.exists():
        ap.error(f"no {db}")
    result: dict = {"data_dir": str(args.data_dir)}
    if args.stages_patched:
        chosen = next((v for k, v in VARIANTS.items() if args.only_variant and args.only_variant in k),
                      list(VARIANTS.values())[-2])
        stages, info = app_stages(db, args.repeat, patches=chosen)
        (OUT / "mine_profile_stages_patched.json").write_text(json.dumps({"stages": stages, "info": info}, indent=2,
                                                                          default=str))
        return 0
    if args.only_patched:
        result["patched"] = patched_variants(db, args.only_variant)
        (OUT / "mine_profile_patched.json").write_text(json.dumps(result, indent=2, default=str))
        return 0
    stages, info = ([], {"source_ids": [1]}) if args.skip_app else app_stages(db, args.repeat)
    result["stages"], result["info"] = stages, info
    from sqlalchemy import select

    from app.db import make_engine, make_session_factory
    from app.store.frames import load_events

    engine = make_engine(f"sqlite:///{db}")
    with make_session_factory(engine)() as session:
        import inspect

        first = next(iter(inspect.signature(load_events).parameters))
        reference = load_events(engine if first == "engine" else session, source_ids=info["source_ids"],
                                attributes=[], **_kw(load_events, scratch_dir=args.data_dir / "staging"))
    engine.dispose()
    del select
    result["load_paths"] = alternatives(db, info["source_ids"], args.repeat, reference)
    del reference
    result["compute"] = lane_alternatives(db, args.repeat)
    result["patched"] = patched_variants(db)
    dest = OUT / "mine_profile.json"
    dest.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nfigures written to {dest.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
