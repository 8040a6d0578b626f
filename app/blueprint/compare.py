"""Assumed vs observed: deltas and a status within the blueprint's tolerance. Pure."""


def compare(assumed_s: float | None, observed: dict | None, tolerance: float) -> dict | None:
    """The comparison of one assumed duration with observed median/p90 (seconds)."""
    if assumed_s is None:
        return None
    median = observed.get("median_s") if observed else None
    if median is None:
        return {"assumed_s": assumed_s, "observed_median_s": None, "observed_p90_s": None, "delta_s": None,
                "delta_ratio": None, "status": "not_observed"}
    delta = median - assumed_s
    ratio = delta / assumed_s if assumed_s else None
    if ratio is None:
        status = "as_assumed" if delta == 0 else "slower"
    else:
        status = "as_assumed" if abs(ratio) <= tolerance else ("slower" if ratio > 0 else "faster")
    return {"assumed_s": assumed_s, "observed_median_s": median, "observed_p90_s": observed.get("p90_s"),
            "delta_s": delta, "delta_ratio": ratio, "status": status}
