"""The README's tour runs as written: its shell blocks, in order, against a server started as
`make run` starts one (the demo loaded, an embedded worker), and the demo is as it was after."""

import os
import re
import subprocess

import httpx
import pytest

from tests.conftest import ROOT
from tests.support.server import ServerProcess

KEY = "bpm_readme_tour_key_0123456789abcdef"


def tour_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## A first tour", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


def _demo_state(http: httpx.Client) -> dict:
    sources = http.get("/v1/sources").json()
    return {"sources": [(s["id"], s["name"]) for s in sources],
            "uploads": {s["id"]: [(u["id"], u["events_ingested"]) for u in
                                  http.get(f"/v1/sources/{s['id']}/uploads").json()] for s in sources},
            "blueprints": [(b["id"], b["name"], b["revision"]) for b in http.get("/v1/blueprints").json()]}


@pytest.mark.slow
def test_the_readme_tour_runs_as_written_and_leaves_the_demo_alone(tmp_path):
    blocks = tour_blocks()
    assert len(blocks) >= 5
    exe = str(ROOT / ".venv" / "bin" / "blueprint-miner")
    env = {**os.environ, "BLUEPRINT_DATA_DIR": str(tmp_path / "var"), "BLUEPRINT_BOOTSTRAP_API_KEY": KEY,
           "BLUEPRINT_LOG_JSON": "false"}
    subprocess.run([exe, "demo", "--folder", str(ROOT / "sample_logs" / "demo")], env=env, check=True,
                   capture_output=True, timeout=300)
    # Waits (generously) until it serves: the fixed 20 s it had were ~5 times an idle machine's start.
    with ServerProcess(data_dir=tmp_path / "var", key=KEY, log=tmp_path / "server.log",
                       env={"BLUEPRINT_LOG_JSON": "false"}) as server:
        http = server.http
        before = _demo_state(http)
        workdir = tmp_path / "tour"
        workdir.mkdir()
        (workdir / "sample_logs").symlink_to(ROOT / "sample_logs")
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", "\n".join(blocks)], cwd=workdir,
                              env={**env, "API": server.base}, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        out = done.stdout
        assert "succeeded 21221 stored, 127 duplicates" in out
        assert "\n304\n" in out
        assert "Resolve ticket, lead from Insert ticket: {" in out and "'measure': 'lead'" in out
        assert not list(workdir.glob("*.json")) and not list(workdir.glob("*.bpmn"))
        after = _demo_state(http)
        # The demo's ops source is live: its sync job adds uploads meanwhile. Nothing was removed.
        assert after["sources"] == before["sources"] and after["blueprints"] == before["blueprints"]
        for source, uploads in before["uploads"].items():
            assert set(uploads) <= set(after["uploads"][source]), source
