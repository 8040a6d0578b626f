"""A real `blueprint-miner serve` process on a free loopback port, its log captured to a file."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]


def executable() -> Path:
    """The console script beside the running interpreter (the venv's), else the repo's .venv."""
    beside = Path(sys.executable).parent / "blueprint-miner"
    return beside if beside.exists() else ROOT / ".venv" / "bin" / "blueprint-miner"


class ServerProcess:
    """`blueprint-miner serve` with `env` added to the environment; stderr and stdout go to `log`."""

    def __init__(self, *, data_dir: Path, key: str, log: Path, database_url: str | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        data_dir.mkdir(parents=True, exist_ok=True)
        full_env = {**os.environ, "BLUEPRINT_DATA_DIR": str(data_dir), "BLUEPRINT_BOOTSTRAP_API_KEY": key,
                    "BLUEPRINT_DATABASE_URL": database_url or f"sqlite:///{data_dir / 'blueprint.sqlite'}",
                    **(env or {})}
        # The worktree's `app` first, as in the test process itself.
        full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        with open(log, "ab") as out:
            self.proc = subprocess.Popen([str(executable()), "serve", "--port", str(self.port)], env=full_env,
                                         stdout=out, stderr=subprocess.STDOUT)
        self.http = httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {key}"}, timeout=60)
        self._wait_ready()

    def _wait_ready(self) -> None:
        for _ in range(240):
            if self.proc.poll() is not None:
                break
            try:
                if self.http.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.25)
        self.stop()
        raise RuntimeError("server did not start: " + self.log.read_text(errors="replace")[-2000:])

    def stop(self) -> None:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def __enter__(self) -> "ServerProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
