"""Feeds made by hand for the picture's unit tests: only what the layout reads, with real ids and
lines (app.blueprint.assemble's step_id and crosses)."""

from app.blueprint.assemble import LINES, crosses, step_id

HOUR = 3600.0


def timing(median: float | None, p90: float | None = None, count: int = 10) -> dict | None:
    if median is None:
        return None
    return {"count": count, "mean_s": median, "median_s": median, "p90_s": p90 if p90 is not None else 2 * median}


def step(activity: str, lane: str | None, phase: int | None, position: float, cases: int, *, events: int | None = None,
         wait: float | None = HOUR, service: float | None = None, rework_cases: int = 0, evidence=(),
         assumed: dict | None = None) -> dict:
    return {"id": step_id(activity), "activity": activity, "lane": lane, "phase": phase, "position": position,
            "cases": cases, "events": events if events is not None else cases, "instances": cases,
            "waiting_before": timing(wait), "service_time": timing(service),
            "rework": {"events": rework_cases, "cases": rework_cases, "case_share": rework_cases / 100},
            "evidence": [{"name": n, "events": e} for n, e in evidence], "assumed": assumed,
            "roles": [], "resources": [], "channels": []}


def flow(source: dict, target: dict, cases: int, wait: float | None = HOUR) -> dict:
    return {"source": source["activity"], "target": target["activity"], "source_step": source["id"],
            "target_step": target["id"], "source_lane": source["lane"], "target_lane": target["lane"],
            "count": cases, "cases": cases, "waiting": {"mean_s": wait, "median_s": wait, "p90_s": wait},
            "crosses": crosses(source["lane"], target["lane"])}


def phase(index: int, name: str, median: float = 2 * HOUR, assumed: dict | None = None) -> dict:
    return {"id": f"phase-{index + 1}", "index": index, "name": name, "steps": [], "elapsed": timing(median),
            "observed": timing(median), "active": timing(median), "cases": 100, "overlapping_cases": 0,
            "assumed": assumed}


def comparison(assumed: float, observed: float, status: str, measure: str = "service") -> dict:
    return {"assumed_s": assumed, "observed_median_s": observed, "observed_p90_s": observed,
            "delta_s": observed - assumed, "delta_ratio": (observed - assumed) / assumed, "status": status,
            "measure": measure, "from": None, "cases": 100}


def feed(steps: list[dict], flows: list[dict], phases: list[dict], *, cases: int = 100, name: str = "Test") -> dict:
    return {"blueprint": {"id": 1, "name": name, "revision": 1}, "window": {"from": None, "to": None}, "segment": [],
            "stats": {"cases": cases, "events": sum(s["events"] for s in steps),
                      "first_timestamp": "2024-01-01T00:00:00+00:00", "last_timestamp": "2024-03-01T00:00:00+00:00"},
            "lines": LINES, "phases": phases, "steps": steps, "flows": sorted(flows, key=lambda f: -f["count"]),
            "handoffs": {"between_lanes": []}}


def journey() -> dict:
    """A small service: order online or by phone, a confirmation email, picking, a courier, delivery."""
    online = step("Order online", "customer", 0, 0.0, 70, wait=None, evidence=[("web shop", 70)])
    phone = step("Order by phone", "customer", 0, 0.0, 30, wait=None)
    confirm = step("Send confirmation", "frontstage", 0, 0.2, 100, evidence=[("confirmation email", 100)],
                   service=120, assumed=comparison(60, 120, "slower"))
    pick = step("Pick items", "backstage", 1, 0.4, 100, service=600, rework_cases=12)
    courier = step("Courier delivers", "support", 1, 0.7, 95, wait=20 * HOUR)
    receive = step("Receive parcel", "customer", 1, 1.0, 95, evidence=[("parcel", 95)])
    flows = [flow(online, confirm, 70, 60), flow(phone, confirm, 30, 120), flow(confirm, pick, 100, 2 * HOUR),
             flow(pick, courier, 95, 30 * HOUR), flow(courier, receive, 95, 300), flow(pick, pick, 12, 600),
             flow(courier, pick, 5, 5 * HOUR)]
    phases = [phase(0, "Order", assumed=comparison(HOUR, 2 * HOUR, "slower", "elapsed")), phase(1, "Delivery")]
    return feed([online, phone, confirm, pick, courier, receive], flows, phases)


def many_steps(n: int, *, cases: int = 1000) -> dict:
    """n steps in two lanes and three phases, step i in `cases - 4 * i` cases, each flowing to the next."""
    steps = [step(f"Step {i:03d}", ("customer", "backstage")[i % 2], i * 3 // n, i / n, cases - 4 * i)
             for i in range(n)]
    flows = [flow(a, b, min(a["cases"], b["cases"])) for a, b in zip(steps, steps[1:], strict=False)]
    return feed(steps, flows, [phase(i, f"Phase {i + 1}") for i in range(3)], cases=cases)
