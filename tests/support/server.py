"""A real `blueprint-miner serve` process on a free loopback port, its log captured to a file; and
the wait for any such process to serve."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
START_S = 180.0  # how long a start may take: 3.5 s on an idle 2-core machine, many times that on a loaded one
PORT_ATTEMPTS = 3  # a free port is chosen before the server binds it: another process may take it meanwhile


def serving_failure(http: httpx.Client, proc: subprocess.Popen, timeout: float = START_S) -> str | None:
    """None once `proc` answers GET /healthz with 200; else why not (it ended, or did not answer in time)."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if http.get("/healthz").status_code == 200:
                return None
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return f"ended with {proc.returncode}" if proc.poll() is not None else f"did not answer within {timeout:g} s"


def wait_until_serving(http: httpx.Client, proc: subprocess.Popen, log: Path, timeout: float = START_S) -> None:
    """Until `proc` serves; RuntimeError, with the end of its log, if it ends first or `timeout` passes."""
    failure = serving_failure(http, proc, timeout)
    if failure is not None:
        raise RuntimeError(f"the server {failure}:\n" + log.read_text(errors="replace")[-3000:])


def executable() -> Path:
    """The console script beside the running interpreter (the venv's), else the repo's .venv."""
    beside = Path(sys.executable).parent / "blueprint-miner"
    return beside if beside.exists() else ROOT / ".venv" / "bin" / "blueprint-miner"


class ServerProcess:
    """`blueprint-miner serve` with `env` added to the environment; stderr and stdout go to `log`."""

    def __init__(self, *, data_dir: Path, key: str, log: Path, database_url: str | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.log = log
        data_dir.mkdir(parents=True, exist_ok=True)
        full_env = {**os.environ, "BLUEPRINT_DATA_DIR": str(data_dir), "BLUEPRINT_BOOTSTRAP_API_KEY": key,
                    "BLUEPRINT_DATABASE_URL": database_url or f"sqlite:///{data_dir / 'blueprint.sqlite'}",
                    **(env or {})}
        # The worktree's `app` first, as in the test process itself.
        full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        for attempt in range(1, PORT_ATTEMPTS + 1):
            failed = self._start(full_env, key)
            if failed is None:
                return
            if attempt == PORT_ATTEMPTS or "address already in use" not in failed.lower():
                raise RuntimeError(f"the server {failed[-3000:]}")

    def _start(self, env: dict[str, str], key: str) -> str | None:
        """Start on a free port and wait until it serves: None, or (stopped) what this attempt logged."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        before = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([str(executable()), "serve", "--port", str(self.port)], env=env,
                                         stdout=out, stderr=subprocess.STDOUT)
        self.http = httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {key}"}, timeout=60)
        failure = serving_failure(self.http, self.proc)
        if failure is None:
            return None
        self.stop()
        with open(self.log, "rb") as written:
            written.seek(before)
            return f"{failure}:\n" + written.read().decode(errors="replace")

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
