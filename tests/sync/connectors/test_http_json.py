"""The custom http_json connector against the local server: paging styles, watermarks, auth, retries,
and failures that name their fix without a credential."""

import time
from datetime import timedelta

import pytest

from app.sync.connectors import SyncError, get_connector, validate
from app.sync.connectors.records import iso_utc
from tests.support.api_routes import BASE
from tests.sync.connectors.conftest import FAST

FIELDS = {"id": "id", "case": "case.ref", "step": "step", "at": "meta.updated_at", "by": "meta.by", "tags": "tags"}
PAGING = {"next_link": {"type": "next_link", "path": "links.next"},
          "cursor": {"type": "cursor", "path": "meta.next_cursor"},
          "offset": {"type": "offset", "limit": 40},
          "link_header": {"type": "link_header"}}


def custom(api, style="next_link", **extra) -> dict:
    params = {"url": f"{api.url}/generic/{style}", "query": {"limit": "40"}, "records": "" if style == "link_header"
              else "data", "fields": FIELDS, "paging": PAGING[style], **FAST,
              "watermark": {"param": "updated_since", "column": "at", "ordered": True},
              "mapping": {"case_id": "case", "activity": "step", "timestamp": "at", "resource": "by",
                          "event_id": "id"}}
    params.update(extra)
    return params


def pull(params, watermark=None, credentials=None, lookback_s=0.0):
    checked, creds = validate("http_json", params, credentials or {"bearer": "test-token"})
    return list(get_connector("http_json").pull(checked, creds, watermark, lookback_s=lookback_s))


def ids(units) -> list[int]:
    return [i for u in units for i in u.table["id"].to_pylist()]


@pytest.mark.parametrize("style", list(PAGING))
def test_every_paging_style_reads_every_record_once(api, style):
    api.data.generate_generic(130)
    units = pull(custom(api, style, batch_records=50))
    assert ids(units) == list(range(130))
    assert sum(u.pages for u in units) == 4  # 40 + 40 + 40 + 10
    assert units[-1].watermark == iso_utc(BASE + timedelta(seconds=129))
    first = units[0].table.to_pylist()[0]
    assert first == {"id": 0, "case": "C0", "step": "Open", "at": "2024-03-01T08:00:00Z", "by": "agent-0",
                     "tags": '["a","b"]'}


def test_units_end_between_watermark_values_and_the_watermark_resumes_the_stream(api):
    api.data.generate_generic(100)
    for record in api.data.generic[40:60]:  # 20 records sharing one second, across a page boundary
        record["meta"]["updated_at"] = "2024-03-01T08:00:40Z"
    units = pull(custom(api, batch_records=30))
    seconds = [sorted(set(u.table["at"].to_pylist())) for u in units]
    assert all(a[-1] < b[0] for a, b in zip(seconds, seconds[1:], strict=False))
    assert ids(units) == list(range(100))
    holding = [u.table["at"].to_pylist().count("2024-03-01T08:00:40Z") for u in units]
    assert sorted(holding)[-1] == 20 and sum(holding) == 20  # the tie is not split between units
    api.data.add_generic(100, BASE.replace(minute=5), "Open", case="C99")
    resumed = pull(custom(api), watermark=units[-1].watermark)
    assert ids(resumed) == [99, 100]  # updated_since is inclusive: the last second again, and the new one


def test_unordered_sources_advance_the_watermark_only_at_the_end(api):
    api.data.generate_generic(90)
    api.data.generic.reverse()  # newest first: the first unit holds the latest record
    params = custom(api, batch_records=30)
    params["watermark"] = {"param": "updated_since", "column": "at"}
    units = pull(params)
    assert [u.table.num_rows for u in units] == [40, 40, 10]
    assert [u.watermark for u in units] == [None, None, "2024-03-01T08:01:29.000000+00:00"]


def test_basic_and_header_auth_are_accepted(api):
    api.data.generate_generic(5)
    assert ids(pull(custom(api), credentials={"username": "ann", "password": "s3cret"})) == list(range(5))
    assert ids(pull(custom(api), credentials={"header": {"X-Api-Key": "key-123"}})) == list(range(5))


def test_429_with_retry_after_500_and_a_timeout_are_retried(api):
    api.data.generate_generic(80)
    api.fail("/generic/", 429, headers={"Retry-After": "1"})
    api.fail("/generic/", 502)
    # Longer than the client's timeout below, so this request surely times out; the timeout itself is
    # long enough that no other request does on a loaded machine (the count of retries is exact).
    api.fail("/generic/", 200, delay_s=1.5)
    started = time.monotonic()
    units = pull(custom(api, timeout_s=1.0))
    assert time.monotonic() - started >= 1.0
    assert ids(units) == list(range(80))
    assert sum(u.retries for u in units) == 3


def test_retries_are_bounded_and_the_error_says_so(api):
    api.fail("/generic/", 503, times=10)
    with pytest.raises(SyncError) as caught:
        pull(custom(api, max_retries=2))
    assert caught.value.retryable is True
    assert caught.value.detail == (f"The server answered 503 Service Unavailable for {api.url}/generic/next_link"
                                   "?limit=40 (gave up after 3 attempts)")
    assert len(api.requests) == 3


@pytest.mark.parametrize("credentials,secret", [({"bearer": "Tok-Very-Secret"}, "Tok-Very-Secret"),
                                                ({"username": "ann", "password": "Pw-Very-Secret"}, "Pw-Very-Secret"),
                                                ({"header": {"X-Api-Key": "Key-Very-Secret"}}, "Key-Very-Secret")])
def test_401_fails_at_once_and_never_shows_the_credential(api, credentials, secret):
    with pytest.raises(SyncError) as caught:
        pull(custom(api), credentials=credentials)
    assert caught.value.retryable is False
    assert caught.value.detail.startswith(f"The server answered 401 Unauthorized for {api.url}/generic/next_link")
    assert "check the credentials" in caught.value.detail
    assert secret not in repr(caught.value.problem())
    assert len(api.requests) == 1


def test_a_404_on_the_configured_resource_fails_at_once(api):
    with pytest.raises(SyncError) as caught:
        pull(custom(api, url=f"{api.url}/nothing/here"))
    assert caught.value.retryable is False
    assert "404 Not Found" in caught.value.detail and "check params.base_url / params.url" in caught.value.detail
    assert len(api.requests) == 1


def test_records_the_mapping_cannot_read_fail_with_the_path_to_fix(api):
    api.data.generate_generic(3)
    del api.data.generic[1]["case"]
    with pytest.raises(SyncError) as caught:
        pull(custom(api))
    assert caught.value.retryable is False
    assert caught.value.detail == (f"record 1 of {api.url}/generic/next_link?limit=40 has nothing at 'case.ref' "
                                   "(params.fields.case, mapped to case_id): fix the path or the mapping")
    with pytest.raises(SyncError) as caught:
        pull(custom(api, records="items"))
    assert "params.records 'items' does not lead to a list of records" in caught.value.detail
    assert "found nothing" in caught.value.detail


def test_progress_counts_records_read(api):
    api.data.generate_generic(100)
    seen = []
    checked, creds = validate("http_json", custom(api), {"bearer": "test-token"})
    list(get_connector("http_json").pull(checked, creds, None, progress=seen.append))
    assert seen == [40, 80, 100]


def test_a_retry_after_longer_than_allowed_ends_the_pull_for_a_later_run(api):
    api.fail("/generic/", 429, headers={"Retry-After": "3600"})
    with pytest.raises(SyncError) as caught:
        pull(custom(api, max_retry_after_s=60))
    assert caught.value.retryable is True and caught.value.retry_after == 3600
    assert "asking to wait 3600 s, longer than params.max_retry_after_s (60)" in caught.value.detail
    assert len(api.requests) == 1
