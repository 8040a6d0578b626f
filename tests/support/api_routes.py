"""The answers of tests.support.api_server, in each system's documented shape.

Zendesk: GET /api/v2/incremental/ticket_events.json?start_time= (time-based incremental export:
ticket_events, next_page, count, end_time, end_of_stream; start_time inclusive). Jira Cloud: GET
/rest/api/3/search/jql (jql with `updated >= "yyyy-MM-dd HH:mm"`, nextPageToken, isLast) and GET
/rest/api/3/issue/{key}/changelog (PageBeanChangelog: startAt, maxResults, total, isLast, values).
Salesforce: GET /services/data/vXX.X/query?q=SOQL (totalSize, done, nextRecordsUrl, records with
attributes) and the query-locator pages. ServiceNow: GET /api/now/table/sys_audit (result; Link
rel="next"; X-Total-Count). Generic: /generic/{next_link,cursor,offset,link_header}."""

import base64
import json
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BASE = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def jira_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@dataclass
class SourceData:
    zendesk: list[dict] = field(default_factory=list)
    zendesk_per_page: int = 1000
    jira: dict[str, dict] = field(default_factory=dict)
    jira_changelog_max: int = 100
    salesforce: list[dict] = field(default_factory=list)
    salesforce_batch: int = 2000
    servicenow: list[dict] = field(default_factory=list)
    generic: list[dict] = field(default_factory=list)
    _locators: dict[str, list] = field(default_factory=dict)

    def add_zendesk_status(self, *, ticket: int, event: int, at: datetime, status: str, previous: str | None,
                           updater: int = 900) -> None:
        """A ticket event (an audit) whose child event sets the status (a Create when previous is None)."""
        child = {"id": event * 10 + 1, "via": "Web form", "via_reference_id": None, "status": status,
                 "event_type": "Create" if previous is None else "Change"}
        if previous is not None:
            child["previous_value"] = previous
        comment = {"id": event * 10 + 2, "via": "Web form", "comment_present": True, "comment_public": True,
                   "event_type": "Comment"}
        self.zendesk.append({"id": event, "ticket_id": ticket, "timestamp": int(at.timestamp()),
                             "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "updater_id": updater,
                             "via": "Web form", "system": {}, "event_type": "Audit", "child_events": [comment, child]})

    def add_jira_change(self, *, key: str, history: int, at: datetime, items: list[tuple[str, str | None, str | None]],
                        author: str = "Ann") -> None:
        """A changelog history of `key` changing `items` [(field, fromString, toString)]."""
        issue = self.jira.setdefault(key, {"id": str(10000 + len(self.jira)), "key": key, "histories": []})
        issue["histories"].append({
            "id": str(history), "author": {"accountId": f"acc-{author.lower()}", "displayName": author},
            "created": jira_time(at),
            "items": [{"field": f, "fieldtype": "jira", "fieldId": f, "from": None, "fromString": old, "to": None,
                       "toString": new} for f, old, new in items]})
        issue["histories"].sort(key=lambda h: h["created"])
        issue["updated"] = max(h["created"] for h in issue["histories"])

    def add_salesforce_change(self, *, record_id: str, case: str, at: datetime, field_name: str, old, new,
                              data_type: str = "Text", by: str = "005A") -> None:
        self.salesforce.append({
            "attributes": {"type": "CaseHistory", "url": f"/services/data/v61.0/sobjects/CaseHistory/{record_id}"},
            "Id": record_id, "CaseId": case, "Field": field_name, "DataType": data_type, "OldValue": old,
            "NewValue": new, "CreatedById": by, "CreatedDate": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")})

    def add_servicenow_change(self, *, sys_id: str, document: str, at: datetime, field_name: str, old, new,
                              user: str = "beth", table: str = "incident") -> None:
        self.servicenow.append({
            "sys_id": sys_id, "documentkey": document, "tablename": table, "fieldname": field_name,
            "oldvalue": old, "newvalue": new, "user": user, "sys_created_on": at.strftime("%Y-%m-%d %H:%M:%S"),
            "record_checkpoint": "1", "reason": "", "internal_checkpoint": "18e0"})

    def generate_generic(self, count: int, *, start: datetime = BASE) -> None:
        steps = ("Open", "Triage", "Work", "Review", "Close")
        for i in range(count):
            self.add_generic(i, start + timedelta(seconds=i), steps[i % 5], case=f"C{i // 5}")

    def add_generic(self, ident: int, at: datetime, step: str, *, case: str) -> None:
        self.generic.append({"id": ident, "case": {"ref": case}, "step": step,
                             "meta": {"updated_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "by": f"agent-{ident % 20}"},
                             "cost": ident * 0.5, "tags": ["a", "b"]})


def _ok(body, headers=None) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json", headers=headers)


def zendesk_ticket_events(data: SourceData, request: Request) -> Response:
    if "start_time" not in request.query_params:
        return JSONResponse({"error": "InvalidValue", "description": "start_time is required"}, status_code=400)
    start = int(request.query_params["start_time"])
    events = sorted((e for e in data.zendesk if e["timestamp"] >= start), key=lambda e: (e["timestamp"], e["id"]))
    page = events[:data.zendesk_per_page]
    end_time = page[-1]["timestamp"] if page else start
    base = f"{request.base_url}api/v2/incremental/ticket_events.json"
    return _ok({"ticket_events": page, "next_page": f"{base}?start_time={end_time}", "count": len(page),
                "end_time": end_time, "end_of_stream": len(events) <= data.zendesk_per_page})


def jira_search(data: SourceData, request: Request) -> Response:
    jql = request.query_params.get("jql", "")
    bound = re.search(r'updated >= "(\d{4}-\d{2}-\d{2} \d{2}:\d{2})"', jql)
    if not bound:
        return JSONResponse({"errorMessages": ["Unbounded JQL queries are not allowed here."]}, status_code=400)
    since = datetime.strptime(bound.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    project = re.search(r"project = (\w+)", jql)
    issues = sorted((i for i in data.jira.values() if _jira_moment(i["updated"]) >= since
                     and (not project or i["key"].startswith(project.group(1) + "-"))), key=lambda i: i["updated"])
    token = request.query_params.get("nextPageToken")
    start = int(base64.b64decode(token)) if token else 0
    size = min(int(request.query_params.get("maxResults", 50)), 5000)
    page = issues[start:start + size]
    body = {"issues": [{"id": i["id"], "key": i["key"], "self": f"{request.base_url}rest/api/3/issue/{i['id']}",
                        "fields": {"updated": i["updated"]}} for i in page], "isLast": start + size >= len(issues)}
    if not body["isLast"]:
        body["nextPageToken"] = base64.b64encode(str(start + size).encode()).decode()
    return _ok(body)


def _jira_moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def jira_changelog(data: SourceData, request: Request) -> Response:
    issue = data.jira.get(request.path_params["key"])
    if issue is None:
        return JSONResponse({"errorMessages": ["Issue does not exist or you do not have permission to see it."],
                             "errors": {}}, status_code=404)
    start = int(request.query_params.get("startAt", 0))
    size = min(int(request.query_params.get("maxResults", 100)), data.jira_changelog_max)
    values, total = issue["histories"][start:start + size], len(issue["histories"])
    return _ok({"self": str(request.url), "maxResults": size, "startAt": start, "total": total,
                "isLast": start + size >= total, "values": values})


def salesforce_query(data: SourceData, request: Request) -> Response:
    soql = request.query_params.get("q", "")
    if not soql.startswith("SELECT ") or " FROM CaseHistory " not in soql:
        return JSONResponse([{"message": "unexpected query", "errorCode": "MALFORMED_QUERY"}], status_code=400)
    after = re.search(r"CreatedDate > (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)", soql)
    wanted = re.search(r"Field IN \(([^)]*)\)", soql)
    fields = {f.strip().strip("'") for f in wanted.group(1).split(",")} if wanted else None
    since = datetime.strptime(after.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if after else None
    rows = sorted((r for r in data.salesforce if (fields is None or r["Field"] in fields)
                   and (since is None or _sf_moment(r["CreatedDate"]) > since)),
                  key=lambda r: (r["CreatedDate"], r["Id"]))
    locator = f"01gD0000002HU{len(data._locators):03d}"
    data._locators[locator] = rows
    return _salesforce_page(data, request, locator, 0)


def _sf_moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def salesforce_more(data: SourceData, request: Request) -> Response:
    locator, offset = request.path_params["locator"].rsplit("-", 1)
    if locator not in data._locators:
        return JSONResponse([{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}],
                            status_code=400)
    return _salesforce_page(data, request, locator, int(offset))


def _salesforce_page(data: SourceData, request: Request, locator: str, offset: int) -> Response:
    rows = data._locators[locator]
    page, end = rows[offset:offset + data.salesforce_batch], offset + data.salesforce_batch
    body = {"totalSize": len(rows), "done": end >= len(rows), "records": page}
    if not body["done"]:
        body["nextRecordsUrl"] = f"/services/data/{request.path_params['version']}/query/{locator}-{end}"
    return _ok(body)


def servicenow_table(data: SourceData, request: Request) -> Response:
    query = request.query_params.get("sysparm_query", "")
    rows = list(data.servicenow)
    for part in query.split("^"):
        if part.startswith("tablename="):
            rows = [r for r in rows if r["tablename"] == part.removeprefix("tablename=")]
        elif part.startswith("fieldnameIN"):
            names = set(part.removeprefix("fieldnameIN").split(","))
            rows = [r for r in rows if r["fieldname"] in names]
        elif part.startswith("sys_created_on>"):
            rows = [r for r in rows if r["sys_created_on"] > part.removeprefix("sys_created_on>")]
    if "ORDERBYsys_created_on" in query:
        rows.sort(key=lambda r: r["sys_created_on"])
    limit = int(request.query_params.get("sysparm_limit", 10000))
    offset = int(request.query_params.get("sysparm_offset", 0))
    wanted = request.query_params.get("sysparm_fields")
    page = rows[offset:offset + limit]
    if wanted:
        page = [{k: r.get(k, "") for k in wanted.split(",")} for r in page]
    links = []
    for rel, at in (("first", 0), ("prev", max(0, offset - limit)), ("next", offset + limit),
                    ("last", max(0, (len(rows) - 1) // limit * limit))):
        if rel == "next" and at >= len(rows):
            continue
        params = {**request.query_params, "sysparm_offset": at}
        links.append(f'<{request.base_url}api/now/table/sys_audit?{urlencode(params)}>;rel="{rel}"')
    return _ok({"result": page}, headers={"Link": ",".join(links), "X-Total-Count": str(len(rows))})


def _generic_rows(data: SourceData, request: Request) -> list[dict]:
    since = request.query_params.get("updated_since")
    if not since:
        return data.generic
    data.generic.sort(key=lambda r: (r["meta"]["updated_at"], r["id"]))
    keys = [r["meta"]["updated_at"] for r in data.generic]
    moment = datetime.fromisoformat(since.replace("Z", "+00:00")).astimezone(UTC)
    return data.generic[bisect_left(keys, moment.strftime("%Y-%m-%dT%H:%M:%SZ")):]


def generic(data: SourceData, request: Request) -> Response:
    style, q = request.path_params["style"], request.query_params
    rows, limit = _generic_rows(data, request), int(q.get("limit", 100))
    offset = int(base64.b64decode(q["cursor"])) if style == "cursor" and "cursor" in q else int(q.get("offset", 0))
    page, more = rows[offset:offset + limit], offset + limit < len(rows)
    after = {**q, "offset": offset + limit}
    if style == "next_link":
        return _ok({"data": page, "links": {"next": f"/generic/next_link?{urlencode(after)}" if more else None}})
    if style == "cursor":
        cursor = base64.b64encode(str(offset + limit).encode()).decode() if more else None
        return _ok({"data": page, "meta": {"next_cursor": cursor}})
    if style == "link_header":
        link = f'<{request.base_url}generic/link_header?{urlencode(after)}>; rel="next"' if more else None
        return _ok(page, headers={"Link": link} if link else None)
    return _ok({"data": page})


def routes(server) -> list[Route]:
    def bound(handler):
        async def endpoint(request: Request) -> Response:
            with server.lock:
                return handler(server.data, request)
        return endpoint

    return [Route("/api/v2/incremental/ticket_events.json", bound(zendesk_ticket_events)),
            Route("/rest/api/3/search/jql", bound(jira_search)),
            Route("/rest/api/3/issue/{key}/changelog", bound(jira_changelog)),
            Route("/services/data/{version}/query", bound(salesforce_query)),
            Route("/services/data/{version}/query/{locator}", bound(salesforce_more)),
            Route("/api/now/table/sys_audit", bound(servicenow_table)),
            Route("/generic/{style}", bound(generic))]
