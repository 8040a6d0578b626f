"""Request-size limits answered as problem+json before routing: URLs (414) and header blocks (431).

uvicorn's httptools parser refuses URLs of 64 KiB and more with a plain-text 400 of its own, before
the application sees them; below that, our limit answers first with a problem+json explaining it."""

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import describe_sizes, problem_response, status_title

MAX_URL_BYTES = 16 * 1024
MAX_HEADER_BYTES = 32 * 1024


class RequestLimits:
    """ASGI middleware: 414 for a path and query longer than MAX_URL_BYTES, 431 for headers
    (names and values) adding up to more than MAX_HEADER_BYTES."""

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
        return None
