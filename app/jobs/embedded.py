"""The worker that `serve` runs beside the API, so one command does everything: a child process
(the default: the miner and large uploads never share the API's interpreter) or, for tests, a
thread."""

import logging
import os
import subprocess
import sys
import threading

from app.config import Settings
from app.jobs.worker import WorkerContext, run_worker

log = logging.getLogger("app.jobs.embedded")


class EmbeddedWorker:
    def __init__(self, settings: Settings, mode: str, *, thread_context: WorkerContext | None = None) -> None:
        self.settings, self.mode, self.ctx = settings, mode, thread_context
        self._process: subprocess.Popen | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.mode == "process":
            # The child reads the same environment (BLUEPRINT_*) and stops when this process does.
            self._process = subprocess.Popen([sys.executable, "-m", "app.cli", "worker", "--parent-pid",
                                              str(os.getpid())])
            log.info("embedded worker started", extra={"pid": self._process.pid})
        elif self.mode == "thread" and self.ctx is not None:
            self._thread = threading.Thread(target=run_worker, args=(self.ctx,), kwargs={"poll_s": 0.1},
                                            name="embedded-worker", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()  # SIGTERM: it finishes or releases its current job
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._thread is not None:
            self.ctx.stopping.set()
            self._thread.join(timeout)
