"""Fixtures: a real database per test, on SQLite and on a throwaway PostgreSQL server.

Every test that uses `db_url` (directly or through `app`/`client`) runs once per backend.
Where the PostgreSQL binaries are missing the PostgreSQL half is skipped, except under CI=true."""

import os
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app import migrate
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from tests.support.postgres import PostgresServer, find_bindir

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SAMPLES = ROOT / "sample_logs"
ADMIN_KEY = "bpm_test_admin_key_0123456789abcdef"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_server():
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but the PostgreSQL binaries (initdb, pg_ctl) are missing")
        pytest.skip("PostgreSQL binaries not found (apt-get install postgresql): PostgreSQL half skipped")
    server = PostgresServer(bindir).start()
    engine = create_engine(server.url().replace("postgresql://", "postgresql+psycopg://"),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("CREATE DATABASE template_bm"))
    engine.dispose()
    template = make_engine(server.url("template_bm"))
    migrate.upgrade(template)
    template.dispose()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path, sqlite_template) -> str:
    """A freshly migrated, empty database of each backend."""
    if request.param == "sqlite":
        target = tmp_path / "test.sqlite"
        shutil.copyfile(sqlite_template, target)
        return f"sqlite:///{target}"
    return request.getfixturevalue("pg_server").create_database("t_", template="template_bm")


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path / "data", bootstrap_api_key=ADMIN_KEY,
                    bootstrap_workspace="alpha", log_json=False)


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    with TestClient(app, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as c:
        yield c


@pytest.fixture
def engine(app):
    return app.state.engine
