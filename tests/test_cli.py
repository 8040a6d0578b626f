"""The CLI: migrate, keys create, ingest (same service code as HTTP), demo (idempotent)."""

import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from app.db import make_engine
from tests.conftest import ROOT

EXE = str(Path(".venv/bin/blueprint-miner").resolve())


def _cli(env, *args):
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def cli_env(tmp_path):
    return {**os.environ, "BLUEPRINT_DATA_DIR": str(tmp_path / "data"),
            "BLUEPRINT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}


def _count(env, sql):
    engine = make_engine(env["BLUEPRINT_DATABASE_URL"])
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    engine.dispose()
    return value


@pytest.mark.slow
def test_migrate_keys_and_demo(cli_env):
    assert _cli(cli_env, "migrate").returncode == 0
    made = _cli(cli_env, "keys", "create", "--workspace", "ops-team", "--scope", "read")
    assert made.returncode == 0 and made.stdout.strip().startswith("bpm_")
    assert _count(cli_env, "SELECT scopes FROM api_keys") == "read"

    first = _cli(cli_env, "demo")
    assert first.returncode == 0, first.stderr
    events = _count(cli_env, "SELECT count(*) FROM events")
    assert events == 2537 + 89  # crm + ticketing, as the demo README counts them; ops is live
    assert _count(cli_env, "SELECT connector FROM sync_configs") == "sql"
    again = _cli(cli_env, "demo")
    assert again.returncode == 0 and _count(cli_env, "SELECT count(*) FROM events") == events
    assert _count(cli_env, "SELECT count(*) FROM uploads") == 2
    # The ops system's first sync run brings its events up to the demo's cut-off (the rest follow
    # over the replay's minutes), counted by hand from ops.csv.
    synced = _cli(cli_env, "sync", "run", "ops", "--workspace", "demo")
    assert synced.returncode == 0, synced.stderr
    ops = pd.read_csv(ROOT / "sample_logs" / "demo" / "ops.csv")
    before_cutoff = int((ops["timestamp"] < "2026-04-20").sum())
    pulled = _count(cli_env, "SELECT count(*) FROM events") - events
    # At least the rows before the cut-off, and exactly as many rows as the watermark (a row's
    # sequence number) says were read: the replay releases a few more each second.
    assert before_cutoff <= pulled <= len(ops)
    assert pulled == int(_count(cli_env, "SELECT watermark FROM sync_configs"))
    key = (Path(cli_env["BLUEPRINT_DATA_DIR"]) / "demo-api-key").read_text().strip()
    assert key in first.stderr and key in again.stderr  # the same key, printed each time


@pytest.mark.slow
def test_ingest_command_uses_the_service(cli_env):
    assert _cli(cli_env, "demo").returncode == 0
    r = _cli(cli_env, "ingest", "sample_logs/demo/crm.csv", "--source", "crm")
    assert r.returncode == 0, r.stderr
    assert "0 events stored, 2537 duplicates" in r.stderr
    bad = _cli(cli_env, "ingest", "sample_logs/receipt.xes", "--source", "nope")
    assert bad.returncode != 0 and "no source 'nope'" in bad.stderr


@pytest.mark.parametrize("args", [
    ("keys", "create", "--workspace", "w", "--scope", "bogus"),
    ("keys", "create", "--workspace", " "),
    ("ingest", "sample_logs/helpdesk.csv", "--source", "s", "--on-error", "sometimes"),
    ("ingest", "sample_logs/helpdesk.csv", "--source", "s", "--format", "docx"),
    ("demo", "--folder", "tests"),
    ("serve", "--port", "99999"),
])
def test_bad_arguments_are_one_clear_error_and_exit_2(cli_env, args):
    r = _cli(cli_env, *args)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "Invalid value for '--" in r.stderr


def test_an_unreachable_database_is_one_line(cli_env, tmp_path):
    env = {**cli_env, "BLUEPRINT_DATABASE_URL": f"sqlite:///{tmp_path}/missing/folder/db.sqlite"}
    r = _cli(env, "migrate")
    assert r.returncode == 1 and "Traceback" not in r.stderr and "─" not in r.stderr
    assert r.stderr.startswith("database error: ") and "BLUEPRINT_DATABASE_URL" in r.stderr
