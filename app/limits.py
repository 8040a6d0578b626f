"""Checks of the request line and headers, answered as problem+json before routing: URLs (414) and
header blocks (431) too long, NUL characters in query parameters (422: PostgreSQL cannot store them).

uvicorn's httptools parser refuses URLs of 64 KiB and more with a plain-text 400 of its own, before
the application sees them; below that, our limit answers first with a problem+json explaining it."""

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import describe_sizes, problem_response, status_title

MAX_URL_BYTES = 16 * 1024
MAX_HEADER_BYTES = 32 * 1024


class RequestLimits:
    """ASGI middleware: 414 for a path and query longer than MAX_URL_BYTES, 431 for headers
    (names and values) adding up to more than MAX_HEADER_BYTES, 422 for a NUL in a query parameter."""

    def __init__(self, app: ASGIApp, *, max_url_bytes: int = MAX_URL_BYTES,
                 max_header_bytes: int = MAX_HEADER_BYTES) -> None:
        self.app, self.max_url_bytes, self.max_header_bytes = app, max_url_bytes, max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope):
        query = scope.get("query_string") or b""
        url = len(scope.get("raw_path") or scope["path"].encode()) + (len(query) + 1 if query else 0)
        if url > self.max_url_bytes:
            size, limit = describe_sizes(url, self.max_url_bytes)
            return problem_response(414, status_title(414), f"the URL is {size}; the limit is {limit}")
        headers = sum(len(name) + len(value) for name, value in scope.get("headers", ()))
        if headers > self.max_header_bytes:
            size, limit = describe_sizes(headers, self.max_header_bytes)
            return problem_response(431, status_title(431), f"the request headers are {size}; the limit is {limit}")
        if b"%00" in query or b"\x00" in query:
            return _nul_parameter(query)
        return None


def _nul_parameter(query: bytes):
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    name = next((name for name, value in pairs if "\x00" in name or "\x00" in value), None)
    if name is None:  # %00 decoded to something else: not a NUL after all
        return None
    location = f"query.{name.replace(chr(0), '%00')}"
    message = "holds a NUL character (%00), which cannot be stored"
    return problem_response(422, status_title(422), f"{location}: {message}",
                            errors=[{"location": location, "message": message}])
