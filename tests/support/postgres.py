"""A throwaway PostgreSQL server started from the Debian binaries (initdb / pg_ctl)."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path


def find_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


PORT_ATTEMPTS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """initdb + pg_ctl in a temporary directory, on a free loopback port; as `postgres` when root."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="bm-pg-"))
        self.port = free_port()
        self.user = "blueprint"
        self._as = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120)

    def start(self, **settings: str) -> "PostgresServer":
        """initdb and start; `settings` are extra server settings (e.g. shared_buffers="1GB").

        The port is free when chosen, but the server binds it later: if another process (the other
        test worker's server, say) took it meanwhile, start again on another."""
        data, log = self.dir / "data", self.dir / "log"
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", self.user, "-E", "UTF8",
                  "--no-sync")
        for attempt in range(1, PORT_ATTEMPTS + 1):
            failure = self._start_on_port(data, log, settings)
            if failure is None:
                break
            if attempt == PORT_ATTEMPTS or "could not bind" not in failure:
                raise RuntimeError(f"PostgreSQL did not start on port {self.port}:\n{failure[-3000:]}")
            self.port = free_port()
        return self

    def _start_on_port(self, data: Path, log: Path, settings: dict[str, str]) -> str | None:
        """pg_ctl start on self.port: None, or what the server logged on failing."""
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
                + "".join(f" -c {k}={v}" for k, v in settings.items()))
        before = log.stat().st_size if log.exists() else 0
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(log), "-w", "start")
            return None
        except subprocess.CalledProcessError as exc:
            said = log.read_bytes()[before:].decode(errors="replace") if log.exists() else ""
            return said or exc.stderr.decode(errors="replace")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str, template: str | None = None) -> str:
        """A new database named `prefix` and a random suffix (a copy of `template` if given); its URL."""
        from sqlalchemy import create_engine, text

        name = prefix + uuid.uuid4().hex[:12]
        admin = create_engine(self.url().replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")))
        admin.dispose()
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        finally:
            time.sleep(0.1)
            shutil.rmtree(self.dir, ignore_errors=True)
