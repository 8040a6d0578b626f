"""Salesforce: CaseHistory rows by SOQL through the REST API's query resource.

GET {base_url}/services/data/{api_version}/query?q=SELECT Id, CaseId, Field, DataType, OldValue,
NewValue, CreatedById, CreatedDate FROM CaseHistory WHERE Field IN (...) AND CreatedDate > <ISO
literal> ORDER BY CreatedDate, Id; then each `nextRecordsUrl` until `done` is true. Fields read:
`records[]` (the columns above), `done`, `nextRecordsUrl`. One event per row: activity = the new
Status (NewValue), or "Assigned" for an owner change (Field Owner, ownerAssignment,
ownerAccepted, ownerEscalated); a lookup change comes as two rows, names and ids, and the ids' row
(DataType "EntityId") is left out. event_id = the CaseHistory Id. The SOQL literal has seconds
resolution (YYYY-MM-DDThh:mm:ssZ), so the boundary second is re-read. Watermark: the CreatedDate of
the last row of each unit (units end between two CreatedDates), as ISO 8601 UTC."""

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

COLUMNS = ("event_id", "case_id", "field", "old_value", "new_value", "activity", "owner", "created_by",
           "created_date")
OWNER_FIELDS = ("Owner", "ownerAssignment", "ownerAccepted", "ownerEscalated")


class SalesforceParams(PresetParams):
    preset: Literal["salesforce_case_history"]
    api_version: str = Field(default="v61.0", pattern=r"^v\d{2,3}\.\d$")
    fields: list[str] = Field(default=["Status", *OWNER_FIELDS], min_length=1,
                              description="CaseHistory.Field values that become events.")

    @field_validator("fields")
    @classmethod
    def _field_names(cls, v: list[str]) -> list[str]:
        for name in v:
            if not name.isidentifier():
                raise ValueError(f"{name!r} is not a field name")
        return v


class SalesforceCaseHistory:
    name = "salesforce_case_history"
    Params = SalesforceParams
    hints = Hints(system="Salesforce",
                  unauthorized="check the access token in the credentials (bearer; it may have expired)",
                  forbidden="the user lacks API access or read access to Case history",
                  not_found="check params.base_url (https://{my-domain}.my.salesforce.com) and params.api_version")
    default_mapping = Mapping(case_id="case_id", activity="activity", timestamp="created_date",
                              resource="created_by", event_id="event_id")

    def pull(self, http: HttpSource, params: SalesforceParams, watermark: str | None, *, lookback_s: float,
             progress: Progress | None) -> Iterator[Pulled]:
        mapping, buffer = merged_mapping(self.default_mapping, params.mapping), ColumnBuffer(COLUMNS)
        url = f"{params.base_url}/services/data/{params.api_version}/query"
        query: dict | None = {"q": soql(params, watermark, lookback_s)}
        read, count = 0, 0
        while True:
            body, response = http.get(url, query)
            records = records_at(body, "records", str(response.url), field="Salesforce's query answer: records")
            buffer.add_rows(read_records(case_changes, records, "Salesforce", str(response.url)))
            read, count = read + len(records), count + 1
            if progress:
                progress(read)
            done = bool(body.get("done", True)) or not body.get("nextRecordsUrl")
            while (table := buffer.cut(size=params.batch_records, final=done, tie_column="created_date")) is not None:
                watermark = later(watermark, table["created_date"][-1].as_py(), parse_iso)
                yield Pulled(table=table, mapping=mapping, watermark=watermark, pages=count, retries=http.retries)
                count, http.retries = 0, 0
            if done:
                if count:
                    yield Pulled(table=empty_table(COLUMNS), mapping=mapping, watermark=watermark, pages=count,
                                 retries=http.retries)
                return
            url, query = urljoin(params.base_url + "/", body["nextRecordsUrl"]), None


def soql(params: SalesforceParams, watermark: str | None, lookback_s: float) -> str:
    fields = ", ".join(f"'{f}'" for f in params.fields)
    where = f"Field IN ({fields})"
    if watermark:
        since = parse_iso(watermark) - timedelta(seconds=lookback_s)
        where += f" AND CreatedDate > {since:%Y-%m-%dT%H:%M:%SZ}"
    return ("SELECT Id, CaseId, Field, DataType, OldValue, NewValue, CreatedById, CreatedDate FROM CaseHistory "
            f"WHERE {where} ORDER BY CreatedDate, Id")


def case_changes(records: list) -> list[dict]:
    rows = []
    for record in records:
        if record.get("DataType") == "EntityId":
            continue
        field, new = record.get("Field"), record.get("NewValue")
        owner = field in OWNER_FIELDS
        rows.append({"event_id": record["Id"], "case_id": record.get("CaseId"), "field": field,
                     "old_value": record.get("OldValue"), "new_value": new,
                     "activity": "Assigned" if owner else (new if field == "Status" else f"{field} changed"),
                     "owner": new if owner else None, "created_by": record.get("CreatedById"),
                     "created_date": iso_utc(parse_iso(str(record["CreatedDate"])))})
    return rows


PRESET = SalesforceCaseHistory()
