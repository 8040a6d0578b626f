"""The registry and validation: errors name the field, never echo a value; pure helpers."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from app.sync.connectors import CONNECTORS, InvalidConnectorConfig, get_connector, params_schema, validate
from app.sync.connectors.errors import redact
from app.sync.connectors.http_client import retry_after_seconds
from app.sync.connectors.records import cut_between_values, parse_iso, path_getter
from app.sync.connectors.sql_watermark import bind_value


def invalid(kind, params, credentials=None) -> InvalidConnectorConfig:
    with pytest.raises(InvalidConnectorConfig) as caught:
        validate(kind, params, credentials or {})
    return caught.value


def test_the_registry_knows_three_kinds():
    assert sorted(CONNECTORS) == ["files", "http_json", "sql"]
    assert get_connector("sql").kind == "sql"
    error = pytest.raises(InvalidConnectorConfig, get_connector, "ftp").value
    assert error.field == "connector"
    assert error.detail == "connector: unknown connector 'ftp'; known: files, http_json, sql"
    assert error.status == 422


@pytest.mark.parametrize("kind,params,credentials,field,message", [
    ("http_json", {"preset": "zendesk_ticket_events"}, {}, "params.base_url", "Field required"),
    ("http_json", {"preset": "hubspot"}, {}, "params.preset", "unknown preset 'hubspot'"),
    ("http_json", {"preset": "jira_changelog", "base_url": "https://a.atlassian.net", "jql_filter": "x"}, {},
     "params.jql_filter", "Extra inputs are not permitted"),
    ("http_json", {"url": "https://x/api", "fields": {"a": "a"}, "mapping": {"case_id": "b"}}, {},
     "params.mapping", "case_id 'b' is not a key of params.fields"),
    ("http_json", {"url": "https://x/api", "fields": {"a": "a"}, "paging": {"type": "pages"}}, {},
     "params.paging", "does not match any of the expected tags"),
    ("sql", {"url": "postgresql://h/db", "watermark_column": "id", "query": "SELECT * FROM t ORDER BY id"}, {},
     "params.query", "must use the :watermark bind"),
    ("sql", {"url": "postgresql://h/db", "watermark_column": "id", "query": "SELECT * FROM t WHERE id > :watermark"},
     {}, "params.query", "must ORDER BY the watermark column 'id'"),
    ("sql", {"url": "not a url", "watermark_column": "id", "query": "x :watermark ORDER BY id"}, {},
     "params.url", "not a SQLAlchemy URL"),
    ("files", {}, {}, "params.path", "Field required"),
])
def test_validation_errors_name_the_field(kind, params, credentials, field, message):
    error = invalid(kind, params, credentials)
    assert error.field == field and message in error.detail and error.detail.startswith(field + ": ")
    assert error.problem()["errors"][0]["location"] == field


def test_credential_errors_never_echo_the_secret():
    error = invalid("http_json", {"preset": "zendesk_ticket_events", "base_url": "https://a.zendesk.com"},
                    {"bearer": "Sekrit-Token-1", "username": "u", "password": "Sekrit-Pass-2"})
    assert error.field == "credentials" and "give one of bearer" in error.detail
    error2 = invalid("http_json", {"preset": "zendesk_ticket_events", "base_url": "https://a.zendesk.com"},
                     {"token": "Sekrit-Token-1"})
    assert error2.field == "credentials.token"
    for e in (error, error2):
        assert "Sekrit" not in repr(e.problem())


def test_valid_settings_come_back_typed_and_the_schemas_render():
    params, credentials = validate("http_json", {"preset": "servicenow_audit", "base_url": "https://x.service-now.com/"},
                                   {"username": "u", "password": "Pass-Word-9"})
    assert params.base_url == "https://x.service-now.com" and params.table == "incident" and params.max_retries == 5
    assert "Pass-Word-9" not in repr(credentials) and credentials.password.get_secret_value() == "Pass-Word-9"
    schema = params_schema("http_json")
    assert "zendesk_ticket_events" in str(schema) and params_schema("sql")["required"] == ["url", "watermark_column",
                                                                                           "query"]


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("7") == 7.0
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now.timestamp()) == 90
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_redact_hides_secrets_and_url_passwords():
    assert redact("postgresql://u:pw123@h/db said pw123 and tok-9", ["pw123", "tok-9"]) == \
        "postgresql://***@h/db said *** and ***"


def test_cut_between_values_keeps_a_tie_together():
    assert cut_between_values([1, 2, 2, 3, 3], final=False) == 3
    assert cut_between_values([3, 3, 3], final=False) == 0
    assert cut_between_values([3, 3, 3], final=True) == 3


def test_dotted_paths_and_time_text():
    get = path_getter("a.0.b")
    assert get({"a": [{"b": 5}]}) == 5 and get({"a": []}) is path_getter("x")({})
    assert parse_iso("2024-01-15T10:23:45.123+0000") == datetime(2024, 1, 15, 10, 23, 45, 123000, UTC)
    assert parse_iso("2024-01-15 10:23:45") == datetime(2024, 1, 15, 10, 23, 45, tzinfo=UTC)


def test_sql_binds_per_dialect_and_lookback():
    assert bind_value(None, "integer", lookback_s=0, lookback_ids=0, dialect="postgresql", initial=None) == -(2 ** 63)
    assert bind_value("100", "integer", lookback_s=60, lookback_ids=7, dialect="postgresql", initial=None) == 93
    assert bind_value("2024-01-01T10:00:00+00:00", "datetime", lookback_s=90, lookback_ids=0, dialect="postgresql",
                      initial=None) == datetime(2024, 1, 1, 9, 58, 30, tzinfo=UTC)
    assert bind_value("2024-01-01 10:00:00.000000", "datetime", lookback_s=1.5, lookback_ids=0, dialect="sqlite",
                      initial=None) == "2024-01-01 09:59:58.500000"
    assert bind_value(None, "datetime", lookback_s=60, lookback_ids=0, dialect="sqlite",
                      initial="2024-05-01 00:00:00") == "2024-05-01 00:00:00"
