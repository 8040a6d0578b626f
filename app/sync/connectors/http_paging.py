"""Paging styles of the generic http_json connector, and reading the record list of a page."""

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Annotated, Any, Literal
from urllib.parse import urljoin

from pydantic import BaseModel, ConfigDict, Field

from app.sync.connectors.errors import SyncError
from app.sync.connectors.http_client import HttpSource
from app.sync.connectors.records import MISSING, path_getter


class _Style(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoPaging(_Style):
    type: Literal["none"] = "none"


class NextLinkPaging(_Style):
    """The body holds the next page's URL (absolute or relative); absent/null/"" ends."""

    type: Literal["next_link"] = "next_link"
    path: str = Field(description="Dotted path of the next URL in the body, e.g. links.next.")


class CursorPaging(_Style):
    """The body holds a cursor, sent back as query parameter `param`; absent/null/"" ends."""

    type: Literal["cursor"] = "cursor"
    path: str = Field(description="Dotted path of the cursor in the body, e.g. meta.next_cursor.")
    param: str = Field(default="cursor", description="Query parameter that carries the cursor.")


class OffsetPaging(_Style):
    """`offset_param`/`limit_param` query parameters; a short page ends."""

    type: Literal["offset"] = "offset"
    offset_param: str = "offset"
    limit_param: str = "limit"
    limit: int = Field(default=100, ge=1, le=100_000)


class LinkHeaderPaging(_Style):
    """RFC 8288 `Link: <url>; rel="next"` response header (GitHub, ServiceNow); no next link ends."""

    type: Literal["link_header"] = "link_header"


Paging = Annotated[NoPaging | NextLinkPaging | CursorPaging | OffsetPaging | LinkHeaderPaging,
                   Field(discriminator="type")]


def records_at(body: Any, path: str, url: str, field: str = "params.records") -> list:
    found = path_getter(path)(body)
    if isinstance(found, list):
        return found
    shape = f"an object with keys {', '.join(list(found)[:8])}" if isinstance(found, dict) else \
        ("nothing" if found is MISSING else type(found).__name__)
    where = f"{field} {path!r}" if path else f"{field} (the body itself)"
    raise SyncError(f"{where} does not lead to a list of records in the answer of {url} (found {shape}): "
                    f"set it to the path of the list", retryable=False)


def pages(http: HttpSource, url: str, query: dict, paging: _Style, records: str) -> Iterator[tuple[list, str]]:
    """(records, url) of each page in turn, following `paging`. The next page is requested (in a
    worker thread) as soon as its address is known, so the server's time overlaps ours."""
    seen: set[str] = set()
    offset = 0
    if isinstance(paging, OffsetPaging):
        query = {**query, paging.offset_param: 0, paging.limit_param: paging.limit}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="http-prefetch") as prefetch:
        ahead: Future | None = None
        try:
            body, response = http.get(url, query)
            while True:
                shown = str(response.url)
                rows = records_at(body, records, shown)
                step = _next(paging, body, response, rows, query, offset)
                if step is not None:
                    url, query, offset = step
                    marker = url + repr(sorted(query.items()) if query else "")
                    if marker in seen:
                        raise SyncError(f"paging did not advance at {shown}: the server sent the same next page "
                                        f"again; check params.paging", retryable=False)
                    seen.add(marker)
                    ahead = prefetch.submit(http.get, url, query)
                yield rows, shown
                if ahead is None:
                    return
                (body, response), ahead = ahead.result(), None
        finally:
            if ahead is not None:
                ahead.cancel()
                wait([ahead])


def _next(paging, body, response, rows, query, offset):
    if isinstance(paging, NextLinkPaging):
        link = path_getter(paging.path)(body)
        return (urljoin(str(response.url), link), None, 0) if isinstance(link, str) and link else None
    if isinstance(paging, CursorPaging):
        cursor = path_getter(paging.path)(body)
        if cursor in (None, "", MISSING) or not rows:
            return None
        return str(response.url.copy_with(query=None)), {**(query or {}), paging.param: cursor}, 0
    if isinstance(paging, OffsetPaging):
        if len(rows) < paging.limit:
            return None
        offset += len(rows)
        return str(response.url.copy_with(query=None)), {**query, paging.offset_param: offset}, offset
    if isinstance(paging, LinkHeaderPaging):
        link = response.links.get("next", {}).get("url")
        return (urljoin(str(response.url), link), None, 0) if link else None
    return None
