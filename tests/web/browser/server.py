"""A real Blueprint Miner server on 127.0.0.1 (uvicorn in a thread, a fresh SQLite database) for
the browser tests, and Debian's Chromium driven by Playwright (never a browser Playwright would
download)."""

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import uvicorn

from app import migrate
from app.config import Settings
from app.db import make_engine
from app.main import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def chromium_path() -> Path | None:
    """Debian's Chromium, where installed (apt-get install chromium)."""
    found = shutil.which("chromium") or (str(CHROMIUM) if CHROMIUM.exists() else None)
    return Path(found) if found else None


def ci() -> bool:
    return os.environ.get("CI") == "true"


class Server:
    """The application on a free port, with an admin key for workspace 'alpha'."""

    def __init__(self, data_dir: Path, admin_key: str, *, async_upload_mb: float = 8.0) -> None:
        url = f"sqlite:///{data_dir / 'web.sqlite'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        self.settings = Settings(database_url=url, data_dir=data_dir, bootstrap_api_key=admin_key,
                                 bootstrap_workspace="alpha", log_json=False, log_level="WARNING",
                                 async_upload_mb=async_upload_mb)
        self.app = create_app(self.settings)
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
