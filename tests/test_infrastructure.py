"""The test infrastructure itself: where Postgres comes from, the per-run
database, the pgbouncer leg, and the per-test database fixtures."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import settings
from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    Identity,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    func,
    inspect,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

import pgserver

IN_CI = os.environ.get("CI", "").lower() == "true"

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def plain_engine(url: str) -> Engine:
    """An engine that works directly and through pgbouncer alike (no prepared
    statements, no pool kept between tests)."""
    args: dict[str, Any] = {}
    if url.startswith("postgresql"):
        args["prepare_threshold"] = None
    return create_engine(pgserver.strip_pooler_hint(url), poolclass=NullPool, connect_args=args)


def row_counts(url: str) -> dict[str, int]:
    from models import Base

    engine = plain_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def database_name(url: str) -> str:
    name = make_url(url).database
    assert name
    return name


def closed_port() -> int:
    port = pgserver.free_port()
    assert not pgserver._port_open(port)
    return port


# --------------------------------------------------------------------------
# names and URLs
# --------------------------------------------------------------------------


def test_unique_name_is_a_short_unique_identifier() -> None:
    names = {pgserver.unique_name() for _ in range(500)}
    assert len(names) == 500
    for name in names:
        assert re.fullmatch(r"aimhi_test_[0-9]{14}_[0-9]+_[0-9a-f]{8}", name), name
        assert len(name) < 63
    with pytest.raises(ValueError):
        pgserver.unique_name("Bad-Prefix")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgresql://u@h/d?sslmode=require", "postgresql+psycopg://u@h/d?sslmode=require"),
        ("postgresql+psycopg2://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ],
)
def test_normalise_url_accepts_dashboard_forms(given: str, expected: str) -> None:
    assert pgserver.normalise_url(given) == expected


@pytest.mark.parametrize("bad", ["mysql://u@h/d", "not a url"])
def test_normalise_url_rejects_other_databases(bad: str) -> None:
    with pytest.raises(ValueError):
        pgserver.normalise_url(bad)


def test_redact_hides_the_password() -> None:
    shown = pgserver.redact("postgresql+psycopg://postgres:hunter2@db.example.co:5432/postgres")
    assert "hunter2" not in shown and "db.example.co" in shown


# --------------------------------------------------------------------------
# find_postgres
# --------------------------------------------------------------------------


def test_find_postgres_honours_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, pg_admin_url: str
) -> None:
    dashboard_form = "postgres://" + pg_admin_url.split("://", 1)[1]
    monkeypatch.setenv(pgserver.ENV_URL, dashboard_form)
    url, description = pgserver.find_postgres()
    assert url == pg_admin_url
    assert pgserver.ENV_URL in description
    password = make_url(pg_admin_url).password
    if password:
        assert password not in description


def test_find_postgres_reports_an_unreachable_environment_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = closed_port()
    monkeypatch.setenv(pgserver.ENV_URL, f"postgresql://postgres:hunter2@127.0.0.1:{port}/x")
    started = time.monotonic()
    url, reason = pgserver.find_postgres()
    assert url is None
    assert pgserver.ENV_URL in reason and str(port) in reason
    assert "hunter2" not in reason
    # An explicit choice that fails must not quietly fall back to a local
    # server or start a cluster (that would take seconds).
    assert time.monotonic() - started < 5


def test_find_postgres_rejects_a_non_postgres_environment_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(pgserver.ENV_URL, "mysql://root@127.0.0.1/x")
    url, reason = pgserver.find_postgres()
    assert url is None and pgserver.ENV_URL in reason


def test_throwaway_cluster_runs_unprivileged_on_a_free_port() -> None:
    if pgserver.find_pg_bindir() is None:
        if IN_CI:
            pytest.fail("CI=true but no PostgreSQL server binaries are installed")
        pytest.skip("no PostgreSQL server binaries (initdb/pg_ctl) installed")
    cluster = pgserver.start_throwaway_cluster()
    try:
        assert cluster.port != pgserver.LOCAL_PORT
        with pgserver.psycopg_connect(cluster.url, autocommit=True) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            settings_ = dict(
                conn.execute(
                    "SELECT name, setting FROM pg_settings WHERE name IN "
                    "('listen_addresses', 'unix_socket_directories', 'port')"
                ).fetchall()
            )
        assert settings_["listen_addresses"] == "127.0.0.1"
        assert settings_["port"] == str(cluster.port)
        assert Path(settings_["unix_socket_directories"]) == cluster.directory
        postmaster_pid = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
        assert _uid_of(postmaster_pid) != 0, "postgres must not run as root"
        assert cluster.data_dir.stat().st_uid == _uid_of(postmaster_pid)
    finally:
        cluster.stop()
    assert not cluster.directory.exists()
    assert not pgserver._port_open(cluster.port)
    assert not Path(f"/proc/{postmaster_pid}").exists() or _is_zombie(postmaster_pid)


def _uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for pid {pid}")


def _is_zombie(pid: int) -> bool:
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True


# --------------------------------------------------------------------------
# databases of the run
# --------------------------------------------------------------------------


def test_run_database_has_a_unique_name_and_exists(pg_admin_url: str, pg_url: str) -> None:
    name = database_name(pg_url)
    assert re.fullmatch(r"aimhi_test_[0-9]{14}_[0-9]+_[0-9a-f]{8}", name)
    assert str(os.getpid()) in name
    assert pgserver.database_exists(pg_admin_url, name)
    assert database_name(pg_admin_url) != name


def test_create_and_drop_database(pg_admin_url: str) -> None:
    name = pgserver.unique_name("aimhi_infra")
    url = pgserver.create_database(pg_admin_url, name)
    try:
        assert pgserver.database_exists(pg_admin_url, name)
        leaked = pgserver.psycopg_connect(url)  # FORCE must cope with open sessions
        pgserver.drop_database(pg_admin_url, name)
        assert not pgserver.database_exists(pg_admin_url, name)
        pgserver.drop_database(pg_admin_url, name)  # missing: no error
        leaked.close()
    finally:
        pgserver.drop_database(pg_admin_url, name)
    with pytest.raises(ValueError):
        pgserver.create_database(pg_admin_url, 'x"; DROP DATABASE postgres; --')


# --------------------------------------------------------------------------
# pgbouncer
# --------------------------------------------------------------------------


@pytest.fixture
def own_pgbouncer(pg_url: str) -> Iterator[pgserver.PgBouncer]:
    """A private pgbouncer: the prepared-statement test leaves stray
    statements on its server connections, which must not leak to other tests."""
    if pgserver.find_pgbouncer_binary() is None:
        if IN_CI:
            pytest.fail("CI=true but pgbouncer is not installed")
        pytest.skip("pgbouncer is not installed")
    bouncer = pgserver.start_pgbouncer(pg_url)
    yield bouncer
    bouncer.stop()
    assert bouncer.process.poll() is not None


def test_pgbouncer_fixture_pools_transactions(pgbouncer_url: str, pg_url: str) -> None:
    config = {row["key"]: row["value"] for row in pgserver.pgbouncer_show(pgbouncer_url, "CONFIG")}
    assert config["pool_mode"] == "transaction"
    assert config["listen_addr"] == "127.0.0.1"
    assert int(config["max_client_conn"]) >= 100
    assert int(config["default_pool_size"]) == 10
    assert {"extra_float_digits", "options"} <= set(config["ignore_startup_parameters"].split(","))
    bouncer, direct = make_url(pgbouncer_url), make_url(pg_url)
    assert bouncer.port != direct.port and bouncer.database == direct.database
    assert bouncer.query.get("pooler") == "transaction"  # read by repository/config.py
    with pgserver.psycopg_connect(pgbouncer_url, autocommit=True, prepare_threshold=None) as conn:
        row = conn.execute("SELECT current_database(), inet_server_port()").fetchone()
    assert row is not None and row[0] == direct.database
    assert row[1] == direct.port or direct.port is None


def test_prepared_statements_collide_through_transaction_pooling(
    own_pgbouncer: pgserver.PgBouncer,
) -> None:
    """What Supabase's transaction pooler does to psycopg's automatic prepared
    statements: two clients share one server connection, so the second
    client's ``_pg3_0`` already exists there (or the first's is missing)."""
    url = own_pgbouncer.plain_url
    a = pgserver.psycopg_connect(url, autocommit=True)
    b = pgserver.psycopg_connect(url, autocommit=True)
    errors: list[str] = []
    try:
        for i in range(20):  # well past psycopg's prepare_threshold (5)
            for conn in (a, b):
                try:
                    conn.execute("SELECT %s::int + 1", (i,)).fetchone()
                except psycopg.Error as exc:
                    errors.append(str(exc))
    finally:
        a.close()
        b.close()
    assert any("prepared statement" in e for e in errors), errors


def test_no_prepared_statements_work_through_transaction_pooling(
    own_pgbouncer: pgserver.PgBouncer,
) -> None:
    url = own_pgbouncer.plain_url
    a = pgserver.psycopg_connect(url, autocommit=True, prepare_threshold=None)
    b = pgserver.psycopg_connect(url, autocommit=True, prepare_threshold=None)
    try:
        for i in range(50):
            for conn in (a, b):
                assert conn.execute("SELECT %s::int + 1", (i,)).fetchone() == (i + 1,)
        # Both clients were served, over few server connections.
        pools = own_pgbouncer.show("POOLS")
        pool = next(p for p in pools if p["database"] == own_pgbouncer.database)
        assert pool["pool_mode"] == "transaction"
        assert pool["cl_active"] >= 2
    finally:
        a.close()
        b.close()


# --------------------------------------------------------------------------
# per-test databases
# --------------------------------------------------------------------------


def test_db_url_is_at_head_and_empty(db_url: str, engine_name: str) -> None:
    from models import Base

    engine = plain_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert len(versions) == 1, "migrated to exactly one head"
    assert set(row_counts(db_url).values()) == {0}
    assert db_url.startswith({"sqlite": "sqlite", "postgresql": "postgresql",
                              "pgbouncer": "postgresql"}[engine_name])
    assert ("pooler=transaction" in db_url) == (engine_name == "pgbouncer")


@pytest.mark.parametrize("attempt", [1, 2])
def test_db_url_starts_empty_with_restarted_identities(
    db_url: str, engine_name: str, attempt: int
) -> None:
    """Run twice per engine: the second run sees nothing of the first, and
    its first chat_history id is 1 again."""
    from models import Base

    sessions = Base.metadata.tables["sessions"]
    messages = Base.metadata.tables["chat_history"]
    engine = plain_engine(db_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(select(func.count()).select_from(messages)).scalar_one() == 0
            conn.execute(insert(sessions).values(session_id=f"s{attempt}"))
            ids = [
                conn.execute(
                    insert(messages)
                    .values(session_id=f"s{attempt}", role="user", message="hi")
                    .returning(messages.c.id)
                ).scalar_one()
                for _ in range(3)
            ]
    finally:
        engine.dispose()
    assert ids == [1, 2, 3]


def test_reset_database_truncates_and_restarts_identity(db_url: str) -> None:
    """reset_database on tables it is given: children with FKs, identities."""
    metadata = MetaData()
    parent = Table(
        "infra_parent", metadata,
        Column("id", Integer, Identity(), primary_key=True),
        Column("name", Text, nullable=False),
        sqlite_autoincrement=True,
    )
    child = Table(
        "infra_child", metadata,
        Column("id", Integer, Identity(), primary_key=True),
        Column("parent_id", ForeignKey("infra_parent.id", ondelete="CASCADE"), nullable=False),
        sqlite_autoincrement=True,
    )
    engine = plain_engine(db_url)
    metadata.create_all(engine)
    try:
        _insert_family(engine, parent, child, families=3)
        pgserver.reset_database(db_url, metadata.sorted_tables)
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(parent)).scalar_one() == 0
            assert conn.execute(select(func.count()).select_from(child)).scalar_one() == 0
        assert _insert_family(engine, parent, child, families=1) == [1]
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def _insert_family(engine: Engine, parent: Table, child: Table, families: int) -> list[int]:
    ids = []
    with engine.begin() as conn:
        for n in range(families):
            pid = conn.execute(
                insert(parent).values(name=f"p{n}").returning(parent.c.id)
            ).scalar_one()
            conn.execute(insert(child).values(parent_id=pid))
            ids.append(pid)
    return ids


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_sqlite_db_url_is_a_private_copy_of_the_template(
    db_url: str, sqlite_template: Path, tmp_path: Path
) -> None:
    path = Path(make_url(db_url).database or "")
    assert path.parent == tmp_path and path != sqlite_template
    engine = plain_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE infra_scratch (x INTEGER)"))
    finally:
        engine.dispose()
    template = plain_engine(f"sqlite:///{sqlite_template}")
    try:
        assert "infra_scratch" not in inspect(template).get_table_names()
    finally:
        template.dispose()


@pytest.mark.postgres_only
def test_postgres_only_marker_skips_the_sqlite_leg(engine_name: str) -> None:
    assert engine_name in ("postgresql", "pgbouncer")


def test_sqlite_and_postgres_urls_are_separate_and_empty(
    sqlite_and_postgres_urls: tuple[str, str], pg_url: str
) -> None:
    sqlite_url, postgres_url = sqlite_and_postgres_urls
    assert sqlite_url.startswith("sqlite:///") and postgres_url.startswith("postgresql+psycopg")
    assert database_name(postgres_url) != database_name(pg_url)
    assert set(row_counts(sqlite_url).values()) == {0}
    assert set(row_counts(postgres_url).values()) == {0}


def test_empty_db_url_has_no_tables(empty_db_url: str) -> None:
    engine = plain_engine(empty_db_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_make_empty_db_makes_distinct_databases_and_drops_them(
    make_empty_db: Any, pg_admin_url: str
) -> None:
    first, second = make_empty_db("postgresql"), make_empty_db("postgresql")
    assert database_name(first) != database_name(second)
    assert all(pgserver.database_exists(pg_admin_url, database_name(u)) for u in (first, second))
    assert make_empty_db("sqlite") != make_empty_db("sqlite")
    with pytest.raises(ValueError):
        make_empty_db("oracle")
    _made_by_previous_test.extend(database_name(u) for u in (first, second))


_made_by_previous_test: list[str] = []


def test_make_empty_db_teardown_dropped_them(pg_admin_url: str) -> None:
    """Runs after the test above (file order): its databases are gone."""
    for name in _made_by_previous_test:
        assert not pgserver.database_exists(pg_admin_url, name)


def test_hypothesis_profile_follows_the_environment() -> None:
    chosen = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev")
    expected = {"ci": 200, "dev": 50, "thorough": 1000}.get(chosen)
    if expected is None:
        pytest.skip(f"custom HYPOTHESIS_PROFILE={chosen}")
    assert settings().max_examples == expected
    assert settings().deadline is None
    if chosen == "ci":  # CI explores new examples each run; failures print a blob
        assert settings().derandomize is False and settings().print_blob is True
