"""The `http_json` connector: a paged JSON API read into rows by dotted field paths, or a preset.

`params.preset` picks the variant: "custom" (the default; url, records, fields, paging, watermark
given by the user) or one of the presets in `presets/` (Zendesk, Jira, Salesforce, ServiceNow),
which fill in the URL shape, paging, watermark and a default mapping that `params.mapping`
overrides field by field. Credentials: {"bearer"}, {"username", "password"} or {"header": {...}}."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationInfo, field_validator

from app.sources.schemas import Mapping
from app.sync.connectors.base import Progress, Pulled, TakenFiles, later
from app.sync.connectors.errors import SyncError
from app.sync.connectors.http_client import Hints, HttpCredentials, HttpOptions, HttpSource
from app.sync.connectors.http_paging import NoPaging, Paging, pages
from app.sync.connectors.presets import PRESETS
from app.sync.connectors.presets.jira import JiraParams
from app.sync.connectors.presets.salesforce import SalesforceParams
from app.sync.connectors.presets.servicenow import ServiceNowParams
from app.sync.connectors.presets.zendesk import ZendeskParams
from app.sync.connectors.records import MISSING, ColumnBuffer, column_values, empty_table, iso_utc, parse_iso

_REQUIRED = ("case_id", "timestamp")


class WatermarkSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    param: str = Field(description="Query parameter that receives the watermark, e.g. updated_since.")
    column: str = Field(description="Column (a key of params.fields) holding each record's watermark.")
    type: Literal["datetime", "integer"] = "datetime"
    send_as: Literal["iso", "epoch_s", "epoch_ms"] = Field(
        default="iso", description="How a datetime watermark is sent (integers go as digits).")
    ordered: bool = Field(default=False, description="Records come in ascending order of the column: the "
                          "watermark then advances with each unit, else only when the stream ends.")


class CustomHttpParams(HttpOptions):
    model_config = ConfigDict(extra="forbid")

    preset: Literal["custom"] = "custom"
    url: str = Field(pattern=r"^https?://", description="The first page's URL.")
    query: dict[str, str] = Field(default_factory=dict, description="Extra query parameters of the first page.")
    records: str = Field(default="", description="Dotted path of the record list in each page ('' = the body).")
    fields: dict[str, str] = Field(min_length=1, description="{column: dotted path inside each record}.")
    paging: Paging = Field(default_factory=NoPaging)
    watermark: WatermarkSpec | None = None
    mapping: Mapping | None = Field(default=None, description="Mapping of the columns (keys of fields).")
    # 50,000: 200 pages of 1,000 stored in units of 10,000 took 2.97-3.22 s, in units of 50,000
    # 2.55-2.77 s (bench/sync.py): each unit is a transaction of its own, with its upload row,
    # lease check and COPY. A crash re-reads at most the unit being stored and the one read ahead;
    # the digest drops what they repeat.
    batch_records: int = Field(default=50_000, ge=1, le=1_000_000, description="Records per stored unit.")

    @field_validator("watermark")
    @classmethod
    def _watermark_column(cls, v: WatermarkSpec | None, info: ValidationInfo):
        fields = info.data.get("fields") or {}
        if v is not None and fields and v.column not in fields:
            raise ValueError(f"column {v.column!r} is not a key of params.fields")
        return v

    @field_validator("mapping")
    @classmethod
    def _mapped_columns(cls, v: Mapping | None, info: ValidationInfo):
        fields = info.data.get("fields") or {}
        for name, column in _mapped(v):
            if fields and column not in fields:
                raise ValueError(f"{name} {column!r} is not a key of params.fields")
        return v


def _mapped(mapping: Mapping | None) -> list[tuple[str, str]]:
    if mapping is None:
        return []
    out = []
    for name in ("case_id", "activity", "timestamp", "start_timestamp", "resource", "role", "lifecycle", "event_id"):
        value = getattr(mapping, name)
        for column in value if isinstance(value, list) else [value]:
            if column:
                out.append((name, column))
    return out


def _preset_tag(value: Any) -> str:
    preset = value.get("preset", "custom") if isinstance(value, dict) else getattr(value, "preset", "custom")
    return preset if preset in PRESETS or preset == "custom" else "custom"


HttpJsonParams = Annotated[
    Annotated[CustomHttpParams, Tag("custom")]
    | Annotated[ZendeskParams, Tag("zendesk_ticket_events")]
    | Annotated[JiraParams, Tag("jira_changelog")]
    | Annotated[SalesforceParams, Tag("salesforce_case_history")]
    | Annotated[ServiceNowParams, Tag("servicenow_audit")],
    Discriminator(_preset_tag)]


class HttpJsonConnector:
    kind = "http_json"
    Params = HttpJsonParams
    Credentials = HttpCredentials
    tags = ("custom", *PRESETS)

    def pull(self, params, credentials: HttpCredentials, watermark: str | None, *, lookback_s: float = 0.0,
             taken: TakenFiles = TakenFiles(), progress: Progress | None = None) -> Iterator[Pulled]:
        preset = PRESETS.get(params.preset)
        with HttpSource(credentials, params, preset.hints if preset else Hints()) as http:
            if preset:
                yield from preset.pull(http, params, watermark, lookback_s=lookback_s, progress=progress)
            else:
                yield from _pull_custom(http, params, watermark, lookback_s, progress)


def _first_query(params: CustomHttpParams, watermark: str | None, lookback_s: float) -> dict:
    spec, query = params.watermark, dict(params.query)
    if spec is None or watermark is None:
        return query
    if spec.type == "integer":
        query[spec.param] = str(int(watermark))
        return query
    since = parse_iso(watermark) - timedelta(seconds=lookback_s)
    query[spec.param] = {"iso": iso_utc(since), "epoch_s": str(int(since.timestamp())),
                         "epoch_ms": str(int(since.timestamp() * 1000))}[spec.send_as]
    return query


def _pull_custom(http: HttpSource, params: CustomHttpParams, watermark: str | None, lookback_s: float,
                 progress: Progress | None) -> Iterator[Pulled]:
    """Units of ~batch_records. The watermark reached so far (`newest`) is handed out with each unit
    when records come ordered; else only with the last unit (an unread page may hold older ones)."""
    required, spec = _required_columns(params), params.watermark
    tie = spec.column if spec and spec.ordered else None
    buffer, read, page_count, newest = ColumnBuffer(params.fields), 0, 0, watermark
    mapping = params.mapping.model_dump() if params.mapping else None
    for records, url in pages(http, params.url, _first_query(params, watermark, lookback_s), params.paging,
                              params.records):
        buffer.add_columns(_columns(records, required, url, params))
        read, page_count = read + len(records), page_count + 1
        if progress:
            progress(read)
        while (table := buffer.cut(size=params.batch_records, final=False, tie_column=tie)) is not None:
            newest = later(newest, _max_watermark(table, spec), _key(spec)) if spec else None
            yield Pulled(table=table, mapping=mapping, watermark=newest if tie else watermark, pages=page_count,
                         retries=http.retries)
            page_count, http.retries = 0, 0
    table = buffer.cut(size=params.batch_records, final=True, tie_column=tie)
    if spec is not None and table is not None:
        newest = later(newest, _max_watermark(table, spec), _key(spec))
    if table is not None or page_count:
        yield Pulled(table=table if table is not None else empty_table(params.fields),
                     mapping=mapping, watermark=newest, pages=page_count, retries=http.retries)


def _required_columns(params: CustomHttpParams) -> dict[str, str]:
    """{column: why} of columns every record must have."""
    need = {column: f"mapped to {name}" for name, column in _mapped(params.mapping)
            if name in _REQUIRED or name == "activity"}
    if params.watermark:
        need[params.watermark.column] = "the watermark column"
    return need


def _columns(records: list, required: dict[str, str], url: str, params) -> dict[str, list]:
    columns = {}
    for column, path in params.fields.items():
        values = column_values(records, path)
        if MISSING in values:
            if column in required:
                index = values.index(MISSING)
                raise SyncError(f"record {index} of {url} has nothing at {params.fields[column]!r} "
                                f"(params.fields.{column}, {required[column]}): fix the path or the mapping",
                                retryable=False)
            values = [None if v is MISSING else v for v in values]
        columns[column] = values
    return columns


def _key(spec: WatermarkSpec):
    return int if spec.type == "integer" else parse_iso


def _max_watermark(table: pa.Table, spec: WatermarkSpec) -> str | None:
    values = table[spec.column]
    if spec.type == "integer":
        top = pc.max(values.cast(pa.int64())).as_py()
        return None if top is None else str(top)
    if pa.types.is_integer(values.type) or pa.types.is_floating(values.type):  # epoch seconds in the records
        top = pc.max(values).as_py()
        return None if top is None else iso_utc(datetime.fromtimestamp(top, UTC))
    try:
        top = pc.max(values.cast(pa.string()).cast(pa.timestamp("us", tz="UTC"))).as_py()
    except pa.ArrowInvalid:
        texts = [v for v in values.to_pylist() if v]
        top = max((parse_iso(str(v)) for v in texts), default=None)
    return None if top is None else iso_utc(top)
