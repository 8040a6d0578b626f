"""Jira Cloud: issues by JQL (enhanced search), then each issue's changelog.

1. GET {base_url}/rest/api/3/search/jql?jql=<filter AND updated >= "yyyy-MM-dd HH:mm" ORDER BY
   updated ASC>&fields=updated&maxResults=N[&nextPageToken=T]; reads `issues[].id`, `issues[].key`,
   `nextPageToken`, `isLast`.
2. GET {base_url}/rest/api/3/issue/{key}/changelog?startAt=S&maxResults=100 (a PageBeanChangelog);
   reads `values[]` (`id`, `created`, `author.displayName`, `author.accountId`, `items[]` with
   `field`, `fromString`, `toString`), `isLast`, `total`.
One event per changed item whose `field` is in params.fields (default status and assignee):
activity = the new status (toString), or "Assigned" for the assignee; event_id = "{history id}-{item
index}". JQL dates have minute resolution in the integration user's time zone: keep that user on
UTC or set a lookback of at least the offset. Histories older than watermark - lookback are skipped.
Watermark: the latest `created` of the histories read, set on the last unit only: the changelog
has no date filter and issues come by `updated`, so an unread issue can still hold a history older
than any read so far; a pull stopped halfway restarts from the old watermark (event ids make the
re-read idempotent)."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Literal
from urllib.parse import quote

from pydantic import Field

from app.sources.schemas import Mapping
from app.sync.connectors.base import Progress, Pulled, later
from app.sync.connectors.errors import SyncError
from app.sync.connectors.http_client import Hints, HttpSource
from app.sync.connectors.http_paging import records_at
from app.sync.connectors.presets import PresetParams, merged_mapping, read_records
from app.sync.connectors.records import ColumnBuffer, empty_table, iso_utc, parse_iso

COLUMNS = ("event_id", "issue_key", "issue_id", "history_id", "field", "from_value", "to_value", "activity",
           "assignee", "author", "author_account_id", "created")


class JiraParams(PresetParams):
    preset: Literal["jira_changelog"]
    jql: str | None = Field(default=None, description="Extra JQL filter, ANDed (e.g. project = OPS).")
    fields: list[str] = Field(default=["status", "assignee"], min_length=1,
                              description="Changelog item fields that become events.")
    page_size: int = Field(default=100, ge=1, le=5000, description="Issues per search page.")


class JiraChangelog:
    name = "jira_changelog"
    Params = JiraParams
    hints = Hints(system="Jira",
                  unauthorized="check the API token in the credentials (basic auth: username = the "
                               "account's email, password = an API token from id.atlassian.com)",
                  forbidden="the account cannot browse these projects: grant it Browse Projects",
                  not_found="check params.base_url (https://{site}.atlassian.net)")
    default_mapping = Mapping(case_id="issue_key", activity="activity", timestamp="created", resource="author",
                              event_id="event_id")

    def pull(self, http: HttpSource, params: JiraParams, watermark: str | None, *, lookback_s: float,
             progress: Progress | None) -> Iterator[Pulled]:
        since = parse_iso(watermark) - timedelta(seconds=lookback_s) if watermark else None
        mapping, buffer = merged_mapping(self.default_mapping, params.mapping), ColumnBuffer(COLUMNS)
        newest, read, count, token = watermark, 0, 0, None
        while True:
            body, response = http.get(f"{params.base_url}/rest/api/3/search/jql", _search_query(params, since, token))
            issues = records_at(body, "issues", str(response.url), field="Jira's search answer: issues")
            count += 1
            for issue in issues:
                histories, pages = self._changelog(http, params.base_url, issue)
                count += pages
                rows = read_records(changes, histories, "Jira", f"the changelog of {issue['key']}", issue, since,
                                    set(params.fields))
                buffer.add_rows(rows)
                newest = later(newest, max((r["created"] for r in rows), default=None), parse_iso)
            read += len(issues)
            if progress:
                progress(read)
            token = body.get("nextPageToken")
            done = bool(body.get("isLast", token is None)) or not token or not issues
            if done or len(buffer) >= params.batch_records:
                table = buffer.cut(size=1, final=True, tie_column=None)
                yield Pulled(table=table if table is not None else empty_table(COLUMNS), mapping=mapping,
                             watermark=newest if done else watermark, pages=count, retries=http.retries)
                count, http.retries = 0, 0
            if done:
                return

    def _changelog(self, http: HttpSource, base_url: str, issue: dict) -> tuple[list, int]:
        key = issue.get("key") if isinstance(issue, dict) else None
        if not key:
            raise SyncError("Jira's search answer has an issue without a key: is params.base_url a Jira Cloud site?",
                            retryable=False)
        histories, start, pages = [], 0, 0
        while True:
            body, response = http.get(f"{base_url}/rest/api/3/issue/{quote(key)}/changelog",
                                      {"startAt": start, "maxResults": 100})
            values = records_at(body, "values", str(response.url), field="Jira's changelog page: values")
            histories.extend(values)
            pages, start = pages + 1, start + len(values)
            total = body.get("total")
            if body.get("isLast", True) or not values or (total is not None and start >= total):
                return histories, pages


def _search_query(params: JiraParams, since, token: str | None) -> dict:
    bound = f'updated >= "{since:%Y-%m-%d %H:%M}"' if since else 'updated >= "1970-01-01 00:00"'
    jql = (f"({params.jql}) AND " if params.jql else "") + bound + " ORDER BY updated ASC"
    query = {"jql": jql, "fields": "updated", "maxResults": params.page_size}
    if token:
        query["nextPageToken"] = token
    return query


def changes(histories: list, issue: dict, since, fields: set[str]) -> list[dict]:
    """One row per changed item of a wanted field, in histories created at or after `since`."""
    rows = []
    for history in histories:
        created = parse_iso(str(history["created"]))
        if since is not None and created < since:
            continue
        author = history.get("author") or {}
        for index, item in enumerate(history.get("items") or []):
            field = item.get("field") or item.get("fieldId")
            if field not in fields:
                continue
            to_value = item.get("toString")
            activity = to_value if field == "status" else (
                ("Assigned" if to_value else "Unassigned") if field == "assignee" else f"{field} changed")
            rows.append({"event_id": f"{history['id']}-{index}", "issue_key": issue["key"],
                         "issue_id": issue.get("id"), "history_id": str(history["id"]), "field": field,
                         "from_value": item.get("fromString"), "to_value": to_value, "activity": activity,
                         "assignee": to_value if field == "assignee" else None,
                         "author": author.get("displayName"), "author_account_id": author.get("accountId"),
                         "created": iso_utc(created)})
    return rows


PRESET = JiraChangelog()
