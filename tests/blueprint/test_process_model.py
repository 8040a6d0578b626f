"""The model store: one computation per data version, deferred starts, failures reported."""

from app.blueprint.process_model import ModelStore


def test_a_deferred_model_counts_as_computing_and_starts_when_asked_for():
    store, later = ModelStore(), []
    store.request("v1", lambda: b"<model/>", defer=later.append)
    assert store.status("v1") == ("computing", None) and len(later) == 1
    assert store.result("v1", timeout=5) == b"<model/>"  # never started by the answer: started now
    later[0]()  # the deferred start, late: a no-op
    assert store.status("v1") == ("ready", None)
    store.request("v1", lambda: b"other")  # known already: not computed again
    assert store.result("v1", timeout=5) == b"<model/>"
    store.close()


def test_a_failed_model_reports_its_error():
    store = ModelStore()

    def broken() -> bytes:
        raise ValueError("no process")

    store.request("v2", broken)
    store.settle("v2", timeout=5)
    assert store.status("v2") == ("failed", "no process")
    store.close()
