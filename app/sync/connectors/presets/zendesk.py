"""Zendesk Support: the time-based Incremental Ticket Event Export.

GET {base_url}/api/v2/incremental/ticket_events.json?start_time=<unix seconds>. Each page holds
`ticket_events`, `next_page`, `count`, `end_time` and `end_of_stream`; the next page is `next_page`
(start_time = this page's end_time, inclusive) until `end_of_stream` is true. Fields read: of each
ticket event `id`, `ticket_id`, `updater_id`, `created_at` (ISO 8601; else `timestamp`, unix
seconds), `via`, `child_events`; of each child event `id`, `event_type` (or `type`), and the new
status as `status` (the export's shape) or `field_name` == "status" with `value` (the audit
shape), and `previous_value`. One event per Create/Change child event that sets the status.
Watermark: the last page's `end_time` (unix seconds, as text); lookback moves start_time back.
Admins only (403 otherwise); API token auth is basic with username "{email}/token"."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field

from app.sources.schemas import Mapping
from app.sync.connectors.base import Progress, Pulled, later
from app.sync.connectors.errors import SyncError
from app.sync.connectors.http_client import Hints, HttpSource
from app.sync.connectors.http_paging import records_at
from app.sync.connectors.presets import PresetParams, merged_mapping
from app.sync.connectors.records import ColumnBuffer, empty_table, iso_utc, parse_iso

COLUMNS = ("event_id", "ticket_id", "status", "previous_status", "updater_id", "created_at", "ticket_event_id",
           "via")


class ZendeskParams(PresetParams):
    preset: Literal["zendesk_ticket_events"]
    start_time: int = Field(default=0, ge=0, description="First run: unix seconds to export from.")
    include_create: bool = Field(default=True, description="Count the status set when a ticket is created.")


class ZendeskTicketEvents:
    name = "zendesk_ticket_events"
    Params = ZendeskParams
    hints = Hints(system="Zendesk",
                  unauthorized="check the API token in the credentials (basic auth: username "
                               "'{email}/token', password = the token; or an OAuth bearer token)",
                  forbidden="the incremental export is for admins: use an admin's API token",
                  not_found="check params.base_url (https://{subdomain}.zendesk.com)")
    default_mapping = Mapping(case_id="ticket_id", activity="status", timestamp="created_at",
                              resource="updater_id", event_id="event_id")

    def pull(self, http: HttpSource, params: ZendeskParams, watermark: str | None, *, lookback_s: float,
             progress: Progress | None) -> Iterator[Pulled]:
        start = max(0, int(watermark) - int(lookback_s)) if watermark else params.start_time
        url, query = f"{params.base_url}/api/v2/incremental/ticket_events.json", {"start_time": start}
        buffer, mapping = ColumnBuffer(COLUMNS), merged_mapping(self.default_mapping, params.mapping)
        read, count, seen = 0, 0, set()
        while True:
            body, response = http.get(url, query)
            events = records_at(body, "ticket_events", str(response.url), field="Zendesk's ticket_events")
            buffer.add_rows(status_changes(events, str(response.url), params.include_create))
            if body.get("end_time") is not None:
                watermark = later(watermark, str(int(body["end_time"])), int)
            read, count = read + len(events), count + 1
            if progress:
                progress(read)
            done = bool(body.get("end_of_stream")) or not body.get("next_page")
            table = buffer.cut(size=params.batch_records, final=True, tie_column=None) \
                if done or len(buffer) >= params.batch_records else None
            if table is not None or done:
                yield Pulled(table=table if table is not None else empty_table(COLUMNS), mapping=mapping,
                             watermark=watermark, pages=count, retries=http.retries)
                count, http.retries = 0, 0
            if done:
                return
            url, query = body["next_page"], None
            if url in seen:
                raise SyncError(f"Zendesk sent the same next_page twice ({url}): more than one page of events "
                                f"share one second; try again later", retryable=True)
            seen.add(url)


def _moment(event: dict) -> str | None:
    if event.get("created_at"):
        return iso_utc(parse_iso(str(event["created_at"])))
    if event.get("timestamp") is not None:
        return iso_utc(datetime.fromtimestamp(int(event["timestamp"]), UTC))
    return None


def _new_status(child: dict) -> tuple[bool, object]:
    if child.get("field_name") == "status":
        return True, child.get("value")
    if "status" in child:
        return True, child["status"]
    return False, None


def status_changes(events: list, url: str, include_create: bool) -> list[dict]:
    """One row per child event that sets a ticket's status."""
    rows = []
    for index, event in enumerate(events):
        if not isinstance(event, dict) or event.get("ticket_id") is None:
            raise SyncError(f"Zendesk ticket event {index} of {url} has no ticket_id: is params.base_url a "
                            f"Zendesk Support instance?", retryable=False)
        for child in event.get("child_events") or []:
            kind = child.get("event_type") or child.get("type")
            sets, status = _new_status(child)
            if not sets or kind not in ("Create", "Change") or (kind == "Create" and not include_create):
                continue
            via = event.get("via")
            rows.append({"event_id": str(child.get("id")), "ticket_id": str(event["ticket_id"]), "status": status,
                         "previous_status": child.get("previous_value"),
                         "updater_id": None if event.get("updater_id") is None else str(event["updater_id"]),
                         "created_at": _moment(event), "ticket_event_id": str(event.get("id")),
                         "via": json.dumps(via, sort_keys=True) if isinstance(via, dict) else via})
    return rows


PRESET = ZendeskTicketEvents()
