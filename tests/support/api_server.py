"""A real HTTP server on 127.0.0.1 (uvicorn in a thread) answering like the systems the http_json
connector reads: Zendesk, Jira, Salesforce, ServiceNow and a generic paged API (tests.support.
api_routes). It checks credentials, can be told to fail the next requests (a status with headers,
e.g. 429 + Retry-After, or a delay past the client's timeout), and logs every request.

    with ApiServer() as api:                     # bearer "test-token" or basic "ann"/"s3cret"
        api.data.zendesk.append(...)             # or api.data.generate_generic(1000)
        api.fail("/ticket_events", 429, headers={"Retry-After": "1"})
        ... connector.pull(params with base_url=api.url ...)
        api.requests                              # [(path, query), ...]

Run alone for benchmarks (a separate process, so it does not share the connector's GIL):
    python -m tests.support.api_server --port 8765 --generic 200000
"""

import argparse
import asyncio
import base64
import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse

from tests.support.api_routes import SourceData, routes


@dataclass
class Fault:
    path: str
    status: int
    times: int
    headers: dict = field(default_factory=dict)
    delay_s: float = 0.0

class ApiServer:
    def __init__(self, *, token: str = "test-token", username: str = "ann", password: str = "s3cret",
                 api_key: str = "key-123") -> None:
        self.token, self.basic = token, base64.b64encode(f"{username}:{password}".encode()).decode()
        self.api_key = api_key
        self.data = SourceData()
        self.faults: list[Fault] = []
        self.delays: dict[str, float] = {}  # path part -> seconds every matching request waits
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.app = Starlette(routes=routes(self), middleware=[Middleware(BaseHTTPMiddleware, dispatch=self._gate)])
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, path: str, status: int = 500, *, times: int = 1, headers: dict | None = None,
             delay_s: float = 0.0) -> None:
        """The next `times` requests whose path contains `path` answer `status` (after `delay_s`)."""
        with self.lock:
            self.faults.append(Fault(path, status, times, headers or {}, delay_s))

    def slow(self, path: str, delay_s: float) -> None:
        """Every later request whose path contains `path` is answered normally, `delay_s` late (0: no delay)."""
        with self.lock:
            self.delays[path] = delay_s

    def paths(self, contains: str = "") -> list[str]:
        return [p for p, _ in self.requests if contains in p]

    def _authorized(self, request: Request) -> bool:
        given = request.headers.get("authorization", "")
        return given in (f"Bearer {self.token}", f"Basic {self.basic}") or \
            request.headers.get("x-api-key") == self.api_key

    def _fault_for(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.path in path and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    async def _gate(self, request: Request, call_next):
        with self.lock:
            self.requests.append((request.url.path, request.url.query))
        delay = max((d for p, d in self.delays.items() if p in request.url.path), default=0.0)
        if delay:
            await asyncio.sleep(delay)
        fault = self._fault_for(request.url.path)
        if fault is not None:
            if fault.delay_s:
                await asyncio.sleep(fault.delay_s)
            return JSONResponse({"error": f"injected {fault.status}"}, status_code=fault.status,
                                headers=fault.headers)
        if not self._authorized(request):
            return JSONResponse({"error": "Couldn't authenticate you"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        return await call_next(request)

    def start(self, port: int = 0) -> "ApiServer":
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def __enter__(self) -> "ApiServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--generic", type=int, default=0, help="Generic records to serve.")
    args = parser.parse_args()
    server = ApiServer()
    server.data.generate_generic(args.generic)
    server.start(args.port)
    print(f"serving on {server.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()

if __name__ == "__main__":
    main()
