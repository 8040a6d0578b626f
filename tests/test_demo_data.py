"""The demo's generator: it rewrites the committed files byte for byte, and its live split loses
and repeats nothing."""

import subprocess
import sys

import pandas as pd
import pytest

from tests.conftest import SAMPLES

DEMO = SAMPLES / "demo"
SYSTEMS = ("crm", "ticketing", "ops")


def _generate(out, *args) -> None:
    done = subprocess.run([sys.executable, str(DEMO / "generate.py"), "--out", str(out), *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_generator_rewrites_the_committed_files_byte_for_byte(tmp_path):
    _generate(tmp_path)
    for system in SYSTEMS:
        assert (tmp_path / f"{system}.csv").read_bytes() == (DEMO / f"{system}.csv").read_bytes(), system
    assert not (tmp_path / "live").exists()  # no live part unless asked for


def test_live_after_splits_the_story_without_losing_or_repeating_an_event(tmp_path):
    _generate(tmp_path, "--live-after", "2026-04-20T00:00")
    cut = pd.Timestamp("2026-04-20 00:00")
    for system in SYSTEMS:
        whole = pd.read_csv(DEMO / f"{system}.csv", dtype=str, keep_default_na=False)
        before = pd.read_csv(tmp_path / f"{system}.csv", dtype=str, keep_default_na=False)
        days = sorted((tmp_path / "live").glob(f"{system}-*.csv"))
        after = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in days])
        assert (pd.to_datetime(before["timestamp"]) <= cut).all() and (pd.to_datetime(after["timestamp"]) > cut).all()
        # One file per day, named by the day of its events.
        for path in days:
            stamps = pd.read_csv(path, dtype=str)["timestamp"].str[:10]
            assert set(stamps) == {path.stem.split("-", 1)[1]}
        joined = pd.concat([before, after]).sort_values(list(whole.columns)).reset_index(drop=True)
        assert joined.equals(whole.sort_values(list(whole.columns)).reset_index(drop=True)), system
        if system == "ops":  # orders in progress at the cut-off continue in live/
            assert len(set(before["order_id"]) & set(after["order_id"])) > 20


def test_every_event_names_its_thread_and_a_true_channel():
    raw = pd.concat([pd.read_csv(DEMO / f"{n}.csv", dtype=str, keep_default_na=False) for n in SYSTEMS])
    kind = raw["thread"].str.split("-").str[0]
    assert set(kind) == {"ORD", "SHP", "APT", "CALL", "TKT", "SVC", "SRV"}
    assert (raw.loc[kind == "ORD", "thread"] == raw.loc[kind == "ORD", "order_id"]).all()
    assert set(raw["channel"]) == {"", "web", "app", "phone", "email", "sms", "in_person"}
    # Each kind of thread lives in one system: calls and the order in the CRM, tickets in ticketing.
    assert set(raw.loc[kind == "TKT", "activity"]) <= {"Report problem online", "Open support ticket",
                                                        "Repair line fault", "Fix problem remotely",
                                                        "Send ticket resolution"}
    sms = raw[raw["channel"] == "sms"]["activity"]
    assert set(sms) == {"Send shipment tracking SMS", "Send appointment reminder"}  # SMS is not phone


def _measures():
    """sample_logs/demo/measures.py: the definitions the demo README's numbers are computed with."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("demo_measures", DEMO / "measures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_measures_are_the_feeds(client):
    """What findings.py prints (flows, waits, leads, phases) is what the feed of the demo says."""
    from tests.blueprint.test_feed import feed, load_demo

    got = feed(client, load_demo(client))
    measures = _measures()
    ev, manifest = measures.load(DEMO)
    flows = measures.thread_flows(ev).groupby(["source", "target"])["wait_d"].agg(["count", "median"])
    assert {(f["source"], f["target"]): (f["count"], round(f["waiting"]["median_s"], 3)) for f in got["flows"]} == {
        key: (int(row["count"]), round(row["median"] * 86400, 3)) for key, row in flows.iterrows()}
    steps = {s["activity"]: s for s in got["steps"]}
    for name, spec in manifest["blueprint"]["assumptions"]["steps"].items():
        if name not in steps:
            continue  # the promised call, never observed
        assumed = steps[name]["assumed"]
        if assumed["measure"] == "lead":
            mine = measures.lead_s(ev, spec["from"], name)
        elif assumed["measure"] == "waiting":
            mine = measures.waits_before(ev, name)
        else:
            mine = ev.loc[ev["activity"] == name, "service_s"]
        assert assumed["observed_median_s"] == pytest.approx(mine.median()), name
    for segment in got["assumptions"]["segments"]:
        mine = measures.lead_s(ev, segment["from"], segment["to"])
        assert segment["comparison"]["observed_median_s"] == pytest.approx(mine.median())
    active, elapsed = measures.phase_times(ev, [p["activities"] for p in manifest["blueprint"]["phases"]])
    for phase, spans, spent in zip(got["phases"], active, elapsed, strict=True):
        assert (phase["active"]["median_s"], phase["elapsed"]["median_s"]) == pytest.approx(
            (spans.median(), spent.median()))
