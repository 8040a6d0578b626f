"""Presets of the http_json connector: one module per system, each following its public API docs.

A preset has `name`, `Params` (a pydantic model with `preset`, `base_url`, `mapping` overrides and
the HTTP options), `hints` (what to say on 401/403/404), `default_mapping`, and
`pull(http, params, watermark, *, lookback_s, progress) -> Iterator[Pulled]`."""

from pydantic import ConfigDict, Field, field_validator

from app.sources.schemas import Mapping
from app.sync.connectors.errors import SyncError
from app.sync.connectors.http_client import HttpOptions


class PresetParams(HttpOptions):
    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(pattern=r"^https?://[^/?#]+", description="e.g. https://acme.zendesk.com")
    mapping: Mapping | None = Field(default=None, description="Overrides of the preset's mapping, field by field.")
    # 10,000, not the custom http_json's 50,000: these APIs are rate-limited (Zendesk's incremental
    # export allows 10 requests a minute), and a unit is stored, and a stop is seen, only once
    # it has been pulled whole.
    batch_records: int = Field(default=10_000, ge=1, le=1_000_000, description="Events per stored unit (about).")

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, v: str) -> str:
        return v.rstrip("/")


def merged_mapping(default: Mapping, override: Mapping | None) -> dict:
    """The preset's mapping with the user's fields laid over it (only the fields the user set)."""
    if override is None:
        return default.model_dump()
    return default.model_copy(update=override.model_dump(exclude_unset=True)).model_dump()


def read_records(convert, records: list, system: str, url: str, *args) -> list[dict]:
    """`convert(records, *args)`, a record without a field the preset needs failing the pull clearly."""
    try:
        return convert(records, *args)
    except (KeyError, TypeError, ValueError) as exc:
        raise SyncError(f"{system} answered {url} with a record the preset cannot read ({type(exc).__name__}: "
                        f"{exc}): is params.base_url the right system and API version?", retryable=False) from None


def _registry() -> dict:
    from app.sync.connectors.presets import jira, salesforce, servicenow, zendesk

    return {p.name: p for p in (zendesk.PRESET, jira.PRESET, salesforce.PRESET, servicenow.PRESET)}


PRESETS = _registry()
