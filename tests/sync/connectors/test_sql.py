"""The sql connector against a real PostgreSQL (both readers) and a SQLite file: incremental pulls
with a lookback, applied as an idempotent upsert by id, leave a copy equal to the source table."""

import sqlite3
from datetime import UTC, datetime, timedelta

import pyarrow.compute as pc
import pytest
from sqlalchemy import create_engine, text

from app.sync.connectors import SyncError, get_connector, validate

QUERY = ("SELECT id, case_id, activity, resource, updated_at FROM ops WHERE updated_at > :watermark "
         "ORDER BY updated_at")
ROWS = 200_000


@pytest.fixture
def pg_source(pg_server):
    url = pg_server.create_database("src_")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE ops (id bigint PRIMARY KEY, case_id text, activity text, resource text, "
                          "updated_at timestamptz NOT NULL)"))
        conn.execute(text(  # three rows share each second: units must not split them
            "INSERT INTO ops SELECT g, 'case-' || (g / 5), (ARRAY['Open','Assign','Work','Close'])[1 + g % 4], "
            "'agent-' || (g % 40), timestamptz '2024-01-01 00:00:00+00' + (g / 3) * interval '1 second' "
            f"FROM generate_series(1, {ROWS}) g"))
    yield url, engine
    engine.dispose()


def pull(url, watermark, lookback_s=0.0, **params):
    settings = {"url": url, "query": QUERY, "watermark_column": "updated_at", **params}
    checked, credentials = validate("sql", settings, {})
    return list(get_connector("sql").pull(checked, credentials, watermark, lookback_s=lookback_s))


def as_rows(units) -> dict[int, tuple]:
    out = {}
    for unit in units:
        for row in unit.table.to_pylist():
            moment = row["updated_at"]
            moment = moment.astimezone(UTC) if isinstance(moment, datetime) else moment
            out[row["id"]] = (row["case_id"], row["activity"], row["resource"], moment)
    return out


def table_rows(engine) -> dict[int, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, case_id, activity, resource, updated_at FROM ops")).all()
    return {r[0]: (r[1], r[2], r[3], r[4].astimezone(UTC) if isinstance(r[4], datetime) else r[4]) for r in rows}


def ids_after(engine, moment) -> set[int]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT id FROM ops WHERE updated_at > :m"), {"m": moment}).scalars())


def assert_units_do_not_split_ties(units) -> None:
    bounds = [(pc.min(u.table["updated_at"]).as_py(), pc.max(u.table["updated_at"]).as_py())
              for u in units if u.table.num_rows]
    assert all(a[1] < b[0] for a, b in zip(bounds, bounds[1:], strict=False))
    marks = [u.watermark for u in units]
    assert marks == sorted(marks, key=lambda m: datetime.fromisoformat(m))


@pytest.mark.parametrize("reader", ["adbc", "sqlalchemy"])
def test_postgres_pulls_return_exactly_the_new_and_changed_rows(pg_source, reader):
    url, engine = pg_source
    first = pull(url, None, reader=reader, chunk_rows=50_000)
    copy = as_rows(first)
    assert len(copy) == ROWS and len(first) == 4  # 50,000-row chunks, each stretched to the end of its second
    assert_units_do_not_split_ties(first)
    top = max(v[3] for v in copy.values())
    assert datetime.fromisoformat(first[-1].watermark) == top

    with engine.begin() as conn:
        conn.execute(text("UPDATE ops SET activity = 'Reworked', updated_at = :t WHERE id % 400 = 0"),
                     {"t": top + timedelta(seconds=10)})
        conn.execute(text("INSERT INTO ops SELECT g, 'case-new', 'Open', 'agent-x', :t + g * interval '1 ms' "
                          "FROM generate_series(300001, 301000) g"), {"t": top + timedelta(seconds=20)})
        conn.execute(text("INSERT INTO ops VALUES (400001, 'case-late', 'Open', 'agent-y', :t)"),
                     {"t": top - timedelta(seconds=30)})  # committed late, inside the lookback
    second = pull(url, first[-1].watermark, lookback_s=60, reader=reader)
    expected = ids_after(engine, top - timedelta(seconds=60))
    assert set(as_rows(second)) == expected
    # 500 updated + 1000 new + 1 late + 180 re-read in the last minute, id 200000 both updated and re-read
    assert {400001, 400, 300001, 301000} <= expected and len(expected) == 500 + 1000 + 1 + 180 - 1
    copy.update(as_rows(second))

    with engine.begin() as conn:
        conn.execute(text("UPDATE ops SET resource = 'agent-z', updated_at = now() WHERE id <= 10"))
    third = pull(url, second[-1].watermark, lookback_s=60, reader=reader)
    assert set(range(1, 11)) <= set(as_rows(third))
    copy.update(as_rows(third))

    fourth = pull(url, third[-1].watermark, reader=reader)
    assert sum(u.table.num_rows for u in fourth) == 0
    replay = as_rows(pull(url, third[-1].watermark, lookback_s=60, reader=reader))
    assert replay and all(copy[i] == row for i, row in replay.items())  # only re-reads, nothing new
    assert copy == table_rows(engine)


def test_integer_watermarks_look_back_by_ids(pg_source):
    url, engine = pg_source
    query = "SELECT id, activity FROM ops WHERE id > :watermark ORDER BY id"
    first = pull(url, None, query=query, watermark_column="id", watermark_type="integer", chunk_rows=70_000)
    assert [u.table.num_rows for u in first] == [70_000, 70_000, 60_000]
    assert [u.watermark for u in first] == ["70000", "140000", "200000"]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ops SELECT g, 'c', 'Open', 'a', now() FROM generate_series(200001, 200003) g"))
    again = pull(url, first[-1].watermark, query=query, watermark_column="id", watermark_type="integer",
                 lookback_ids=5)
    assert [i for u in again for i in u.table["id"].to_pylist()] == list(range(199_996, 200_004))
    assert again[-1].watermark == "200003"


def test_rows_out_of_watermark_order_fail_the_pull(pg_source):
    url, _ = pg_source
    with pytest.raises(SyncError) as caught:
        pull(url, None, query=QUERY + " DESC")
    assert caught.value.retryable is False
    assert "params.query must end with ORDER BY updated_at" in caught.value.detail


def test_a_watermark_column_missing_from_the_result_is_named(pg_source):
    url, _ = pg_source
    with pytest.raises(SyncError) as caught:
        pull(url, None, query="SELECT id FROM ops WHERE updated_at > :watermark ORDER BY updated_at")
    assert caught.value.detail == ("params.watermark_column 'updated_at' is not a column of the query's result "
                                   "(it has id)")


@pytest.mark.parametrize("reader", ["adbc", "sqlalchemy"])
def test_an_unreachable_database_fails_without_showing_the_password(reader):
    checked, credentials = validate("sql", {"url": "postgresql://reader@127.0.0.1:1/ops", "query": QUERY,
                                            "watermark_column": "updated_at", "reader": reader},
                                    {"password": "Hunter2-Secret"})
    with pytest.raises(SyncError) as caught:
        list(get_connector("sql").pull(checked, credentials, None))
    assert caught.value.detail.startswith("the database at postgresql")
    assert caught.value.retryable is True, caught.value.detail
    assert "Hunter2-Secret" not in repr(caught.value.problem())


def test_sqlite_source_with_text_datetimes(tmp_path):
    path = tmp_path / "ops.sqlite"
    base = datetime(2024, 1, 1)
    stamp = lambda s: (base + timedelta(seconds=s)).strftime("%Y-%m-%d %H:%M:%S.%f")  # noqa: E731
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE ops (id INTEGER PRIMARY KEY, case_id TEXT, activity TEXT, resource TEXT, "
                     "updated_at TEXT NOT NULL)")
        conn.executemany("INSERT INTO ops VALUES (?, ?, ?, ?, ?)",
                         [(i, f"c{i // 4}", "Open", "a", stamp(i // 2)) for i in range(5000)])
    url = f"sqlite:///{path}"
    first = pull(url, None, chunk_rows=1000)
    copy = as_rows(first)
    assert len(copy) == 5000 and first[-1].watermark == stamp(2499)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE ops SET activity = 'Done', updated_at = ? WHERE id % 1000 = 0", (stamp(3000),))
        conn.execute("INSERT INTO ops VALUES (9999, 'late', 'Open', 'b', ?)", (stamp(2480),))
    second = pull(url, first[-1].watermark, lookback_s=30, chunk_rows=1000)
    expected = {i for i in range(5000) if i // 2 > 2469 and i % 1000} | {0, 1000, 2000, 3000, 4000, 9999}
    assert set(as_rows(second)) == expected
    copy.update(as_rows(second))
    assert second[-1].watermark == stamp(3000)
    assert sum(u.table.num_rows for u in pull(url, second[-1].watermark)) == 0
    engine = create_engine(url)
    assert copy == table_rows(engine)
    engine.dispose()
