"""Each http_json preset synced through the runner from the local server answering in the system's
documented shape, with paging, a 429 with Retry-After and a 500 on the way, and a record that
arrives late inside the lookback: every event is stored exactly once. A 401 fails the run at once."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.helpers import make_source
from tests.support.api_routes import BASE
from tests.sync.conftest import FAST, configure, run_now

BEARER = {"bearer": "test-token"}


def zendesk(api, late: bool) -> tuple[set[str], dict]:
    last = BASE + timedelta(minutes=11)
    if late:
        api.data.add_zendesk_status(ticket=9, event=900, at=last - timedelta(seconds=30), status="open", previous="new")
        api.data.add_zendesk_status(ticket=9, event=901, at=last + timedelta(seconds=60), status="solved",
                                    previous="open")
        return {"9001", "9011"}, {}
    api.data.zendesk_per_page = 4
    statuses = ["new", "open", "pending", "solved"]
    for i in range(12):
        step = i % 4
        api.data.add_zendesk_status(ticket=1 + i // 4, event=500 + i, at=BASE + timedelta(minutes=i),
                                    status=statuses[step], previous=None if step == 0 else statuses[step - 1])
    api.fail("/ticket_events", 429, headers={"Retry-After": "1"})
    api.fail("/ticket_events", 500)
    return {str((500 + i) * 10 + 1) for i in range(12)}, {}


def jira(api, late: bool) -> tuple[set[str], dict]:
    moment = BASE + timedelta(minutes=63)
    if late:
        api.data.add_jira_change(key="OPS-1", history=2000, at=moment - timedelta(seconds=30),
                                 items=[("status", "Done", "Reopened")])
        return {"2000-0"}, {"page_size": 2}
    api.data.jira_changelog_max = 2
    at = BASE
    for number in range(1, 4):
        for step, status in enumerate(["In Progress", "Review", "Done"]):
            at += timedelta(minutes=7)
            items = [("status", "To Do", status)] + ([("assignee", None, "Bob")] if step == 1 else [])
            api.data.add_jira_change(key=f"OPS-{number}", history=1000 + number * 10 + step, at=at, items=items)
    api.fail("/changelog", 429, headers={"Retry-After": "1"})
    api.fail("/search/jql", 500)
    ids = {f"{1000 + n * 10 + s}-0" for n in range(1, 4) for s in range(3)} | {f"{1000 + n * 10 + 1}-1"
                                                                              for n in range(1, 4)}
    return ids, {"page_size": 2}


def salesforce(api, late: bool) -> tuple[set[str], dict]:
    if late:
        api.data.add_salesforce_change(record_id="017L", case="500X9", at=BASE + timedelta(seconds=60),
                                       field_name="Status", old="New", new="Late")
        return {"017L"}, {"batch_records": 2}
    api.data.salesforce_batch = 3
    for i in range(8):
        api.data.add_salesforce_change(record_id=f"017A{i:03d}", case=f"500X{i % 2}",
                                       at=BASE + timedelta(seconds=30 * (i // 2)), field_name="Status", old="New",
                                       new=f"S{i}")
    api.fail("/services/data/v61.0/query", 429, headers={"Retry-After": "1"})
    api.fail("/services/data/v61.0/query/", 500)
    return {f"017A{i:03d}" for i in range(8)}, {"batch_records": 2}


def servicenow(api, late: bool) -> tuple[set[str], dict]:
    moment = BASE + timedelta(seconds=20 * 6)
    if late:
        api.data.add_servicenow_change(sys_id="late", document="inc0", at=moment - timedelta(seconds=5),
                                       field_name="state", old="6", new="3")
        return {"late"}, {"page_size": 2}
    for i, (name, new) in enumerate([("state", "1"), ("assigned_to", "u-7"), ("state", "2"),
                                     ("assignment_group", "g-1"), ("state", "6"), ("state", "7")]):
        api.data.add_servicenow_change(sys_id=f"a{i}", document=f"inc{i % 2}", field_name=name, old="", new=new,
                                       at=BASE + timedelta(seconds=20 * (i + 1)))
    api.fail("/sys_audit", 429, headers={"Retry-After": "1"})
    api.fail("/sys_audit", 500)
    return {f"a{i}" for i in range(6)}, {"page_size": 2}


PRESETS = {"zendesk_ticket_events": (zendesk, BEARER), "jira_changelog": (jira, BEARER),
           "salesforce_case_history": (salesforce, BEARER),
           "servicenow_audit": (servicenow, {"username": "ann", "password": "s3cret"})}


def event_keys(engine, source_id: int) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT event_key FROM events WHERE source_id = :s"), {"s": source_id}).scalars())


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_each_preset_stores_every_event_exactly_once(client, ctx, engine, api, preset):
    fill, credentials = PRESETS[preset]
    first_ids, extra = fill(api, late=False)
    source_id = make_source(client, name=preset)
    configure(client, source_id, "http_json", {"preset": preset, "base_url": api.url, **FAST, **extra}, credentials,
              lookback_s=120)
    first = run_now(client, ctx, source_id)
    assert first["status"] == "succeeded", first
    assert first["retries"] == 2 and first["events_ingested"] == len(first_ids)  # (Zendesk pages overlap)
    assert sorted(event_keys(engine, source_id)) == sorted(first_ids)

    late_ids, _ = fill(api, late=True)
    second = run_now(client, ctx, source_id)
    assert second["status"] == "succeeded", second
    assert second["events_ingested"] == len(late_ids) and second["events_duplicate"] >= 1  # the lookback re-read
    assert second["watermark_before"] == first["watermark_after"]
    assert sorted(event_keys(engine, source_id)) == sorted(first_ids | late_ids)  # each once
    third = run_now(client, ctx, source_id)
    assert third["events_ingested"] == 0 and sorted(event_keys(engine, source_id)) == sorted(first_ids | late_ids)


@pytest.mark.parametrize(("preset", "system"), [("zendesk_ticket_events", "Zendesk"), ("jira_changelog", "Jira"),
                                                ("salesforce_case_history", "Salesforce"),
                                                ("servicenow_audit", "ServiceNow")])
def test_a_401_fails_the_run_at_once_with_a_clear_message(client, ctx, engine, api, preset, system):
    PRESETS[preset][0](api, late=False)
    api.faults.clear()
    source_id = make_source(client, name=preset)
    configure(client, source_id, "http_json", {"preset": preset, "base_url": api.url, **FAST},
              {"bearer": "wrong-Secret-Token-42"})
    started = datetime.now(UTC)
    run = run_now(client, ctx, source_id)
    assert run["status"] == "failed" and run["attempts"] == 1
    assert run["error"].startswith(f"{system} answered 401 Unauthorized for {api.url}/"), run["error"]
    assert "wrong-Secret-Token-42" not in str(run)
    # Not retried (one request) nor waited on: a generous bound, the run itself takes ~0.2 s idle.
    assert datetime.fromisoformat(run["finished_at"]) - started < timedelta(seconds=30)
    assert len(api.requests) == 1 and event_keys(engine, source_id) == []
    assert client.get(f"/v1/sources/{source_id}/sync").json()["watermark"] is None
