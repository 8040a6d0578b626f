"""Connectors of the scheduled sync jobs: one small protocol, three kinds.

    connector = get_connector(kind)                        # "sql" | "http_json" | "files"
    params, credentials = validate(kind, raw_params, raw_credentials)
    for unit in connector.pull(params, credentials, watermark, lookback_s=300,
                               taken=taken_files, progress=on_progress):
        store `unit` in ONE transaction, then record unit.watermark (and unit.checksum)

`pull(params, credentials, watermark: str | None, *, lookback_s: float = 0.0,
taken: TakenFiles = TakenFiles(), progress: Callable[[int], None] | None = None)
-> Iterator[Pulled]` is a generator: it reads lazily, one unit ahead of the runner at most, and
each `Pulled` holds either `table` (a pyarrow Table of the source's raw columns) or `file` (a
whole file for the upload pipeline, with `name` and `checksum`), the `mapping` of its columns to
canonical events (a dict of app.sources.schemas.Mapping; None = use the source's own), the
`watermark` reached once the unit is stored (text; it never moves backwards, and storing units in
order then restarting from the last recorded watermark loses nothing), and `pages` / `retries`
for the run's counters. A unit's table may be empty (http_json: pages were read and the watermark
moved, but nothing matched); the sql and files connectors yield nothing when nothing is new.
`progress(n)` is called with the records (rows, files) read so far.
`watermark=None` means the first run. `lookback_s` re-reads that far behind the watermark, for
late-arriving records; the units then repeat events already stored, which the runner makes
harmless by storing idempotently (by event_id: every preset maps one). `taken` (the checksums,
names, sizes and mtimes of the files delivered before) is used by the files connector only; it
sets `size` and `mtime_ns` on its units for the runner to record.

Failures: `validate` raises InvalidConnectorConfig (422; `.field` names the bad field, e.g.
`connector`, `params.base_url`, `credentials.bearer`; the message never echoes a value). `pull`
raises SyncError (`.retryable`: True for timeouts, resets, 429, 5xx after `max_retries`; False
for 401/403, 404, unreadable records, bad queries) whose message says what to fix and never holds
a credential. See README.md beside this file for each kind's parameters and each preset's fields."""

from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from app.sync.connectors.base import Connector, Pulled
from app.sync.connectors.errors import InvalidConnectorConfig, SyncError
from app.sync.connectors.files import FilesConnector
from app.sync.connectors.http_json import HttpJsonConnector
from app.sync.connectors.sql import SqlConnector

__all__ = ["CONNECTORS", "Connector", "InvalidConnectorConfig", "Pulled", "SyncError", "get_connector",
           "params_schema", "validate"]

CONNECTORS: dict[str, Connector] = {c.kind: c for c in (SqlConnector(), HttpJsonConnector(), FilesConnector())}
_ADAPTERS = {kind: (TypeAdapter(c.Params), TypeAdapter(c.Credentials)) for kind, c in CONNECTORS.items()}
_PRESET_TAGS = set(HttpJsonConnector.tags)


def get_connector(kind: str) -> Connector:
    """The connector of `kind`; InvalidConnectorConfig on the field `connector` otherwise."""
    try:
        return CONNECTORS[kind]
    except (KeyError, TypeError):
        raise InvalidConnectorConfig(
            "connector", f"unknown connector {kind!r}; known: {', '.join(sorted(CONNECTORS))}") from None


def validate(kind: str, params: Any, credentials: Any) -> tuple[BaseModel, BaseModel]:
    """Typed (params, credentials) for `kind`, or InvalidConnectorConfig naming the first bad field."""
    get_connector(kind)
    preset = params.get("preset", "custom") if isinstance(params, dict) else "custom"
    if kind == "http_json" and preset not in _PRESET_TAGS:
        known = ", ".join(sorted(_PRESET_TAGS))
        raise InvalidConnectorConfig("params.preset", f"unknown preset {preset!r}; known: {known}")
    params_adapter, credentials_adapter = _ADAPTERS[kind]
    return (_checked(params_adapter, params if params is not None else {}, "params"),
            _checked(credentials_adapter, credentials if credentials is not None else {}, "credentials"))


def params_schema(kind: str) -> dict:
    """The JSON Schema of `kind`'s params (for forms and docs)."""
    get_connector(kind)
    return _ADAPTERS[kind][0].json_schema()


def _checked(adapter: TypeAdapter, raw: Any, prefix: str):
    try:
        return adapter.validate_python(raw)
    except ValidationError as exc:
        errors = [{"location": _location(prefix, e["loc"]), "message": e["msg"]}
                  for e in exc.errors(include_input=False, include_url=False)]
        raise InvalidConnectorConfig(errors[0]["location"], errors[0]["message"], errors) from None


def _location(prefix: str, loc: tuple) -> str:
    parts = list(loc)
    if parts and parts[0] in _PRESET_TAGS:  # the union's tag (which preset), not a field
        parts = parts[1:]
    return ".".join([prefix, *(str(p) for p in parts)])
