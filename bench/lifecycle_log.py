"""The benchmark log with lifecycle events: each activity instance of bench/ingest.py's generator
as a `start` and a `complete` event (5% of the instances as a complete alone, as in BPI
Challenge 2012's completes without start).

The instance's complete keeps the generator's time; its start lies half way back towards the
previous instance's complete, so instances never overlap and pairing is unambiguous. For n
events the generator makes about n / 1.95 instances."""

from __future__ import annotations

import json
import time
from pathlib import Path

import ingest
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

COMPLETE_ONLY = 0.05
VERSION = 1
MAPPING = {**ingest.MAPPING, "lifecycle_column": "lifecycle"}


def _events(n: int) -> tuple[dict, dict]:
    instances = round(n / (2 - COMPLETE_ONLY))
    ev = ingest.generate(instances)
    rng = np.random.default_rng(ingest.SEED + 1)
    first = np.concatenate(([True], ev["case"][1:] != ev["case"][:-1]))
    gap = np.where(first, 0, ev["ts"] - np.concatenate(([ev["ts"][0]], ev["ts"][:-1])))
    paired = rng.random(instances) >= COMPLETE_ONLY
    start = ev["ts"] - gap // 2
    rows = np.concatenate((np.arange(instances), np.flatnonzero(paired)))
    is_start = np.concatenate((np.zeros(instances, bool), np.ones(int(paired.sum()), bool)))
    ts = np.where(is_start, start[rows], ev["ts"][rows])
    order = np.lexsort((~is_start, ts, ev["case"][rows]))  # a start before its complete at equal times
    rows, is_start, ts = rows[order], is_start[order], ts[order]
    out = {key: ev[key][rows] for key in ("case", "act", "res", "channel", "region", "money", "cents")}
    out.update(n=len(rows), n_cases=ev["n_cases"], ts=ts, start=is_start)
    return out, {"instances": instances, "paired": int(paired.sum()), "events": len(rows)}


def write_lifecycle_csv(ev: dict, path: Path) -> None:
    cases = pa.array(ingest._case_ids(ev["n_cases"]))
    acts, ress = ingest._csv_safe(ingest.ACTIVITIES), ingest._csv_safe(ingest.RESOURCES)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write((",".join([*ingest.COLUMNS, "lifecycle"]) + "\n").encode())
        for lo in range(0, ev["n"], ingest.CHUNK):
            sel = np.arange(lo, min(lo + ingest.CHUNK, ev["n"]))
            stamp = pc.strftime(pa.array(ev["ts"][sel].astype("datetime64[s]")), format="%Y-%m-%d %H:%M:%S")
            life = pc.if_else(pa.array(ev["start"][sel]), "start", "complete")
            line = pc.binary_join_element_wise(
                cases.take(pa.array(ev["case"][sel])), ingest._take(acts, ev["act"][sel]), stamp,
                ingest._take(ress, ev["res"][sel]), ingest._take(ingest.CHANNELS, ev["channel"][sel]),
                pc.fill_null(ingest._amount_text(ev, sel), ""), ingest._take(ingest.REGIONS, ev["region"][sel]),
                life, ",")
            ingest._write_strings(f, pc.binary_join_element_wise(line, "\n", ""))
    tmp.replace(path)


def ensure_lifecycle_csv(n: int) -> dict:
    """The lifecycle CSV for about n events (reused when present), with its counts."""
    ingest.OUT.mkdir(parents=True, exist_ok=True)
    path = ingest.OUT / f"lifecycle-{n}-seed{ingest.SEED}-v{ingest.GENERATOR_VERSION}.{VERSION}.csv"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("csv_bytes") == path.stat().st_size:
            return {**meta, "csv": path}
    t0 = time.perf_counter()
    ev, counts = _events(n)
    write_lifecycle_csv(ev, path)
    meta = {**counts, "cases": ev["n_cases"], "csv_bytes": path.stat().st_size, "distinct": counts["events"],
            "activities": len(ingest.ACTIVITIES), "resources": len(ingest.RESOURCES), "lifecycle": True}
    meta_path.write_text(json.dumps(meta, indent=2))
    print(f"generated {counts['events']:,} lifecycle events ({counts['instances']:,} instances) in "
          f"{time.perf_counter() - t0:.1f}s")
    return {**meta, "csv": path}
