"""Each http_json preset against the local server answering in the system's documented shape:
paging, a 429 with Retry-After, a 500, a record arriving late inside the lookback."""

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import parse_qs

import pytest

from app.sync.connectors import SyncError, get_connector, validate
from app.sync.connectors.records import iso_utc
from tests.support.api_routes import BASE
from tests.sync.connectors.conftest import FAST

BEARER = {"bearer": "test-token"}


def pull(api, preset: str, watermark=None, lookback_s=0.0, credentials=BEARER, **params):
    checked, creds = validate("http_json", {"preset": preset, "base_url": api.url, **FAST, **params}, credentials)
    return list(get_connector("http_json").pull(checked, creds, watermark, lookback_s=lookback_s))


def rows(units) -> list[dict]:
    return [row for unit in units for row in unit.table.to_pylist()]


def by_event(units) -> dict[str, dict]:
    return {row["event_id"]: row for row in rows(units)}


def test_zendesk_reads_every_status_change_through_pages_429_and_500(api):
    api.data.zendesk_per_page = 4
    statuses = ["new", "open", "pending", "solved"]
    for i in range(12):
        ticket, step = 1 + i // 4, i % 4
        api.data.add_zendesk_status(ticket=ticket, event=500 + i, at=BASE + timedelta(minutes=i),
                                    status=statuses[step], previous=None if step == 0 else statuses[step - 1],
                                    updater=70 + i % 3)
    api.fail("/ticket_events", 429, headers={"Retry-After": "1"})
    api.fail("/ticket_events", 500)
    started = time.monotonic()
    units = pull(api, "zendesk_ticket_events")
    assert time.monotonic() - started >= 1.0  # the Retry-After was honoured
    events = by_event(units)
    assert sorted(events) == sorted(str((500 + i) * 10 + 1) for i in range(12))  # comments are not events
    assert events["5061"] == {"event_id": "5061", "ticket_id": "2", "status": "pending", "previous_status": "open",
                              "updater_id": "70", "created_at": iso_utc(BASE + timedelta(minutes=6)),
                              "ticket_event_id": "506", "via": "Web form"}
    assert sum(u.retries for u in units) == 2
    last = int((BASE + timedelta(minutes=11)).timestamp())
    assert units[-1].watermark == str(last)
    assert units[-1].mapping["case_id"] == "ticket_id" and units[-1].mapping["event_id"] == "event_id"
    assert sum(u.pages for u in units) == 4  # 12 events, 4 a page, each next page re-reading its start second

    api.data.add_zendesk_status(ticket=9, event=900, at=datetime.fromtimestamp(last - 30, UTC), status="open",
                                previous="new")  # committed late, inside the lookback
    api.data.add_zendesk_status(ticket=9, event=901, at=datetime.fromtimestamp(last + 60, UTC), status="solved",
                                previous="open")
    again = pull(api, "zendesk_ticket_events", watermark=units[-1].watermark, lookback_s=120)
    assert sorted(by_event(again)) == ["5091", "5101", "5111", "9001", "9011"]  # the last 2 min re-read, the new
    assert again[-1].watermark == str(last + 60)
    assert "start_time=" + str(last - 120) in api.requests[-2][1]


def test_jira_reads_status_and_assignee_changes_of_every_issue(api):
    api.data.jira_changelog_max = 2
    moment = BASE
    for number in range(1, 4):
        for step, (status, who) in enumerate([("In Progress", "Ann"), ("Review", "Bob"), ("Done", None)]):
            moment += timedelta(minutes=7)
            items = [("status", "To Do", status), ("priority", "Low", "High")]
            if step == 1:
                items.append(("assignee", None, who))
            api.data.add_jira_change(key=f"OPS-{number}", history=1000 + number * 10 + step, at=moment, items=items)
    api.fail("/changelog", 429, headers={"Retry-After": "1"})
    api.fail("/search/jql", 500)
    units = pull(api, "jira_changelog", page_size=2)
    events = by_event(units)
    expected = {f"{1000 + n * 10 + s}-0" for n in range(1, 4) for s in range(3)} | \
        {f"{1000 + n * 10 + 1}-2" for n in range(1, 4)}
    assert set(events) == expected  # priority changes left out; assignee is item 2 of its history
    assert events["1021-2"]["activity"] == "Assigned" and events["1021-2"]["assignee"] == "Bob"
    assert events["1032-0"]["activity"] == "Done" and events["1032-0"]["issue_key"] == "OPS-3"
    assert sum(u.retries for u in units) == 2
    assert [u.watermark for u in units[:-1]] == [None] * (len(units) - 1)  # only the end is safe
    assert units[-1].watermark == iso_utc(moment)
    assert api.paths("/changelog").count("/rest/api/3/issue/OPS-1/changelog") == 3  # 3 histories, 2 a page (+429)

    late = moment - timedelta(seconds=30)
    api.data.add_jira_change(key="OPS-1", history=2000, at=late, items=[("status", "Done", "Reopened")])
    again = pull(api, "jira_changelog", watermark=units[-1].watermark, lookback_s=120, page_size=2)
    assert set(by_event(again)) == {"2000-0", "1032-0"}  # the late one, and the re-read inside the lookback
    assert again[-1].watermark == units[-1].watermark  # the late history is older than the watermark
    searched = [query for path, query in api.requests if path.endswith("/search/jql")][-1]
    assert parse_qs(searched)["jql"] == [f'updated >= "{moment - timedelta(seconds=120):%Y-%m-%d %H:%M}" '
                                         "ORDER BY updated ASC"]


def test_salesforce_reads_status_and_owner_changes_by_soql(api):
    api.data.salesforce_batch = 3
    rows_in = []
    for i in range(8):
        at = BASE + timedelta(seconds=30 * (i // 2))  # pairs share a CreatedDate
        if i % 3 == 2:
            api.data.add_salesforce_change(record_id=f"017A{i:03d}", case="500X1", at=at, field_name="Owner",
                                           old="Ann", new="Bob")
            api.data.add_salesforce_change(record_id=f"017B{i:03d}", case="500X1", at=at, field_name="Owner",
                                           old="005A", new="005B", data_type="EntityId")
        else:
            api.data.add_salesforce_change(record_id=f"017A{i:03d}", case=f"500X{i % 2}", at=at, field_name="Status",
                                           old="New", new=f"S{i}")
        rows_in.append(f"017A{i:03d}")
    api.data.add_salesforce_change(record_id="017Z", case="500X1", at=BASE, field_name="Priority", old="a", new="b")
    retry_at = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    api.fail("/services/data/v61.0/query", 429, headers={"Retry-After": retry_at})
    api.fail("/services/data/v61.0/query/", 503)
    started = time.monotonic()
    units = pull(api, "salesforce_case_history", batch_records=2)
    assert time.monotonic() - started >= 0.9  # the HTTP-date Retry-After was honoured (to the second)
    events = by_event(units)
    assert sorted(events) == sorted(rows_in)  # the EntityId twins and other fields left out
    assert events["017A002"]["activity"] == "Assigned" and events["017A002"]["owner"] == "Bob"
    assert events["017A001"]["activity"] == "S1"
    assert sum(u.retries for u in units) == 2
    dates = [sorted({r["created_date"] for r in u.table.to_pylist()}) for u in units if u.table.num_rows]
    assert all(a[-1] < b[0] for a, b in zip(dates, dates[1:], strict=False))  # units end between CreatedDates
    assert units[-1].watermark == iso_utc(BASE + timedelta(seconds=90))
    soql = api.requests[0][1]
    assert "FROM+CaseHistory" in soql and "ORDER+BY+CreatedDate" in soql

    api.data.add_salesforce_change(record_id="017L", case="500X9", at=BASE + timedelta(seconds=60), field_name="Status",
                                   old="New", new="Late")
    again = pull(api, "salesforce_case_history", watermark=units[-1].watermark, lookback_s=45)
    assert sorted(by_event(again)) == ["017A004", "017A005", "017A006", "017A007", "017L"]  # CreatedDate > 08:00:45


def test_servicenow_reads_state_and_assignment_audits(api):
    moment = BASE
    expected = {}
    for i, (name, new) in enumerate([("state", "1"), ("assigned_to", "u-7"), ("state", "2"), ("priority", "2"),
                                     ("assignment_group", "g-1"), ("state", "6"), ("state", "7")]):
        moment += timedelta(seconds=20)
        api.data.add_servicenow_change(sys_id=f"a{i}", document=f"inc{i % 2}", at=moment, field_name=name,
                                       old="", new=new)
        if name != "priority":
            expected[f"a{i}"] = {"1": "New", "2": "In Progress", "6": "Resolved", "7": "Closed"}.get(new) or \
                {"assigned_to": "Assigned", "assignment_group": "Assigned to group"}[name]
    api.data.add_servicenow_change(sys_id="p1", document="prb1", at=moment, field_name="state", old="", new="1",
                                   table="problem")
    api.fail("/sys_audit", 429, headers={"Retry-After": "1"})
    api.fail("/sys_audit", 500)
    units = pull(api, "servicenow_audit", page_size=2, credentials={"username": "ann", "password": "s3cret"})
    events = by_event(units)
    assert {k: v["activity"] for k, v in events.items()} == expected
    assert events["a1"]["documentkey"] == "inc1" and events["a1"]["user"] == "beth"
    assert sum(u.retries for u in units) == 2
    assert units[-1].watermark == iso_utc(moment)
    assert sum(u.pages for u in units) == 3  # 6 rows, 2 a page, the last page has no Link rel=next
    assert "sysparm_offset=2" in api.requests[-1][1] or "sysparm_offset=4" in api.requests[-1][1]

    api.data.add_servicenow_change(sys_id="late", document="inc0", at=moment - timedelta(seconds=5),
                                   field_name="state", old="6", new="3")
    again = pull(api, "servicenow_audit", watermark=units[-1].watermark, lookback_s=10)
    assert sorted(by_event(again)) == ["a6", "late"]
    assert by_event(again)["late"]["activity"] == "On Hold"


@pytest.mark.parametrize("preset,system,hint", [
    ("zendesk_ticket_events", "Zendesk", "API token"), ("jira_changelog", "Jira", "API token"),
    ("salesforce_case_history", "Salesforce", "access token"), ("servicenow_audit", "ServiceNow", "password")])
def test_wrong_credentials_fail_at_once_naming_the_fix_and_never_the_secret(api, preset, system, hint):
    with pytest.raises(SyncError) as caught:
        pull(api, preset, credentials={"bearer": "wrong-Secret-Token-42"})
    error = caught.value
    assert error.retryable is False
    assert error.detail.startswith(f"{system} answered 401 Unauthorized for {api.url}/")
    assert hint in error.detail
    assert "wrong-Secret-Token-42" not in error.detail and "wrong-Secret-Token-42" not in str(error.problem())
    assert len(api.requests) == 1  # not retried


def test_a_mapping_override_replaces_only_the_fields_it_sets(api):
    api.data.add_zendesk_status(ticket=1, event=1, at=BASE, status="open", previous="new", updater=5)
    units = pull(api, "zendesk_ticket_events", mapping={"resource": "via", "activity": ["status", "previous_status"]})
    assert units[-1].mapping == {"case_id": "ticket_id", "activity": ["status", "previous_status"],
                                 "timestamp": "created_at", "start_timestamp": None, "resource": "via", "role": None,
                                 "lifecycle_column": None, "lifecycle": None, "thread": None, "event_id": "event_id",
                                 "timestamp_format": None, "activity_separator": "+"}
