"""ServiceNow: field changes of a table (default incident) from the Table API on sys_audit.

GET {base_url}/api/now/table/sys_audit?sysparm_query=tablename=incident^fieldnameINstate,
assigned_to,assignment_group^sys_created_on>YYYY-MM-DD HH:MM:SS^ORDERBYsys_created_on
&sysparm_fields=...&sysparm_limit=N&sysparm_offset=K; the next page is the `Link: <...>;rel="next"`
header when sent, else offset + N until a short page. Fields read: `result[]` with `sys_id`,
`documentkey`, `tablename`, `fieldname`, `oldvalue`, `newvalue`, `user`, `sys_created_on`
("YYYY-MM-DD HH:MM:SS", UTC for the API's stored values; keep the integration user on UTC).
One event per row: activity = the state's label (params.state_labels, default the incident states)
for `state`, "Assigned" for assigned_to, "Assigned to group" for assignment_group; case =
documentkey (the record's sys_id); event_id = the sys_audit sys_id. Watermark: the sys_created_on of
the last row of each unit (units end between two values), as ISO 8601 UTC."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Literal
from urllib.parse import urljoin

from pydantic import Field, field_validator

from app.sources.schemas import Mapping
from app.sync.connectors.base import Progress, Pulled, later
from app.sync.connectors.http_client import Hints, HttpSource
from app.sync.connectors.http_paging import records_at
from app.sync.connectors.presets import PresetParams, merged_mapping, read_records
from app.sync.connectors.records import ColumnBuffer, empty_table, iso_utc, parse_iso

COLUMNS = ("event_id", "documentkey", "table", "field", "old_value", "new_value", "activity", "user",
           "sys_created_on")
INCIDENT_STATES = {"1": "New", "2": "In Progress", "3": "On Hold", "6": "Resolved", "7": "Closed", "8": "Canceled"}
READ_FIELDS = "sys_id,documentkey,tablename,fieldname,oldvalue,newvalue,user,sys_created_on"


class ServiceNowParams(PresetParams):
    preset: Literal["servicenow_audit"]
    table: str = Field(default="incident", pattern=r"^[a-z0-9_]+$")
    fields: list[str] = Field(default=["state", "assigned_to", "assignment_group"], min_length=1)
    state_labels: dict[str, str] = Field(default_factory=lambda: dict(INCIDENT_STATES),
                                         description="Labels of the table's state values.")
    page_size: int = Field(default=1000, ge=1, le=10_000, description="sysparm_limit.")

    @field_validator("fields")
    @classmethod
    def _field_names(cls, v: list[str]) -> list[str]:
        for name in v:
            if not name.replace("_", "").isalnum():
                raise ValueError(f"{name!r} is not a field name")
        return v


class ServiceNowAudit:
    name = "servicenow_audit"
    Params = ServiceNowParams
    hints = Hints(system="ServiceNow",
                  unauthorized="check the user name and password (or OAuth bearer token) in the credentials",
                  forbidden="the user needs read access to sys_audit (e.g. the admin or audit role)",
                  not_found="check params.base_url (https://{instance}.service-now.com)")
    default_mapping = Mapping(case_id="documentkey", activity="activity", timestamp="sys_created_on",
                              resource="user", event_id="event_id")

    def pull(self, http: HttpSource, params: ServiceNowParams, watermark: str | None, *, lookback_s: float,
             progress: Progress | None) -> Iterator[Pulled]:
        mapping, buffer = merged_mapping(self.default_mapping, params.mapping), ColumnBuffer(COLUMNS)
        url = f"{params.base_url}/api/now/table/sys_audit"
        base = {"sysparm_query": encoded_query(params, watermark, lookback_s), "sysparm_fields": READ_FIELDS,
                "sysparm_limit": params.page_size}
        query: dict | None = {**base, "sysparm_offset": 0}
        read, count, offset = 0, 0, 0
        while True:
            body, response = http.get(url, query)
            records = records_at(body, "result", str(response.url), field="ServiceNow's answer: result")
            buffer.add_rows(read_records(audit_changes, records, "ServiceNow", str(response.url),
                                                params.state_labels))
            read, count, offset = read + len(records), count + 1, offset + len(records)
            if progress:
                progress(read)
            link = response.links.get("next", {}).get("url")
            # With Link headers the absent rel="next" ends; without them, a short page does.
            done = (link is None or not records) if response.links else len(records) < params.page_size
            while (table := buffer.cut(size=params.batch_records, final=done, tie_column="sys_created_on")) is not None:
                watermark = later(watermark, table["sys_created_on"][-1].as_py(), parse_iso)
                yield Pulled(table=table, mapping=mapping, watermark=watermark, pages=count, retries=http.retries)
                count, http.retries = 0, 0
            if done:
                if count:
                    yield Pulled(table=empty_table(COLUMNS), mapping=mapping, watermark=watermark, pages=count,
                                 retries=http.retries)
                return
            url, query = (urljoin(url, link), None) if link else (url, {**base, "sysparm_offset": offset})


def encoded_query(params: ServiceNowParams, watermark: str | None, lookback_s: float) -> str:
    parts = [f"tablename={params.table}", f"fieldnameIN{','.join(params.fields)}"]
    if watermark:
        since = parse_iso(watermark) - timedelta(seconds=lookback_s)
        parts.append(f"sys_created_on>{since:%Y-%m-%d %H:%M:%S}")
    return "^".join([*parts, "ORDERBYsys_created_on"])


def _activity(field: str, new: str | None, labels: dict[str, str]) -> str:
    if field == "state":
        return labels.get(str(new), str(new))
    return {"assigned_to": "Assigned", "assignment_group": "Assigned to group"}.get(field, f"{field} changed")


def audit_changes(records: list, labels: dict[str, str]) -> list[dict]:
    return [{"event_id": r["sys_id"], "documentkey": r.get("documentkey"), "table": r.get("tablename"),
             "field": r.get("fieldname"), "old_value": r.get("oldvalue"), "new_value": r.get("newvalue"),
             "activity": _activity(r.get("fieldname"), r.get("newvalue"), labels), "user": r.get("user"),
             "sys_created_on": iso_utc(parse_iso(str(r["sys_created_on"])))} for r in records]


PRESET = ServiceNowAudit()
