"""Fixtures that give every test a database on each engine.

Contract (other test modules rely on these names):

- ``pg_admin_url`` (session): admin URL of the Postgres in use; skips (fails
  under ``CI=true``) when there is none.
- ``pg_url`` (session): this run's own database, migrated to head once.
- ``pgbouncer_url`` (session): the ``pg_url`` database through pgbouncer in
  transaction mode (URL marked ``?pooler=transaction`` for the repository).
- ``sqlite_template`` (session): path of a SQLite file migrated to head once.
- ``engine_name`` / ``db_url`` (function, ids sqlite/postgresql/pgbouncer):
  a database at head with every table empty and identities restarted.
- ``sqlite_and_postgres_urls`` (function): (sqlite_url, postgres_url), both at
  head and empty, for side-by-side tests; reset per example with
  ``reset_database(url)``.
- ``empty_db_url`` (function, ids sqlite/postgresql): a brand-new database
  without tables, for migration tests.
- ``make_empty_db`` (function): ``make("sqlite" | "postgresql") -> url``.

Markers: ``postgres_only`` drops the sqlite variants of a test.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# pytest's default import mode puts tests/ on sys.path only while tests/ has
# no __init__.py; make `import pgserver` work either way.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
import pgserver  # noqa: E402
from pgserver import reset_database  # noqa: E402,F401  (re-exported for test modules)

# The app fixtures (app, client, runner, make_app, repo) serve tests/service and tests/e2e.
pytest_plugins = ["app_fixtures"]

IN_CI = os.environ.get("CI", "").lower() == "true"
DB_ENGINES = ("sqlite", "postgresql", "pgbouncer")
EMPTY_ENGINES = ("sqlite", "postgresql")

# --------------------------------------------------------------------------
# Hypothesis profiles
# --------------------------------------------------------------------------

# Function-scoped fixtures are reset explicitly with reset_database(), so the
# health check about them is noise; suppress it in every profile so a test
# that passes in CI does not error locally.
_SUPPRESSED = [
    HealthCheck.too_slow,
    HealthCheck.function_scoped_fixture,
    HealthCheck.data_too_large,
]
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    suppress_health_check=_SUPPRESSED,
    derandomize=False,
    print_blob=True,
)
settings.register_profile(
    "dev", max_examples=50, deadline=None, suppress_health_check=_SUPPRESSED
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=_SUPPRESSED,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev"))


# --------------------------------------------------------------------------
# Which Postgres (decided once per process, also shown in the report header)
# --------------------------------------------------------------------------

_postgres: tuple[str | None, str] | None = None


def postgres_choice() -> tuple[str | None, str]:
    global _postgres
    if _postgres is None:
        _postgres = pgserver.find_postgres()
    return _postgres


def _unavailable(reason: str) -> None:
    """Skip with a visible reason, but never let CI pass without Postgres."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_report_header(config: pytest.Config) -> list[str]:
    url, description = postgres_choice()
    lines = [f"postgres: {description}" if url else f"postgres: NONE - {description}"]
    binary = pgserver.find_pgbouncer_binary()
    lines.append(f"pgbouncer: {binary}" if binary else "pgbouncer: not installed (leg skipped)")
    profile = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev")
    lines.append(f"hypothesis profile: {profile}")
    return lines


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``postgres_only`` tests do not run (or show up) on the sqlite leg."""
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_sqlite = "sqlite" in (params.get("engine_name"), params.get("empty_db_url"))
        if on_sqlite and item.get_closest_marker("postgres_only"):
            dropped.append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Fixture finalizers stop what they started; this catches anything a
    # test started directly (pgserver.start_*), also after failures.
    pgserver.stop_all()


# --------------------------------------------------------------------------
# Session-wide databases
# --------------------------------------------------------------------------


def _upgrade(url: str) -> None:
    from repository.schema import upgrade  # late: only tests that need a schema import it

    upgrade(url)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    url, reason = postgres_choice()
    if url is None:
        _unavailable(f"no PostgreSQL for the tests: {reason}")
    assert url is not None
    yield url
    pgserver.stop_all()  # a throw-away cluster (if any) goes with the session


def _scratch_database(admin_url: str, prefix: str) -> tuple[str, Callable[[], None]]:
    """Create a uniquely named database; returns (url, drop). ``drop`` also
    runs if the run is interrupted (SIGTERM/atexit), so a cancelled CI job
    does not leave databases behind on a shared server."""
    name = pgserver.unique_name(prefix)
    url = pgserver.create_database(admin_url, name)

    def drop() -> None:
        pgserver.unregister_cleanup(drop)
        pgserver.drop_database(admin_url, name)

    pgserver.register_cleanup(drop)
    return url, drop


def _migrated_database(admin_url: str, prefix: str) -> Iterator[str]:
    url, drop = _scratch_database(admin_url, prefix)
    try:
        _upgrade(url)
        yield url
    finally:
        drop()


@pytest.fixture(scope="session")
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """This run's database (unique name, dropped at the end), at head."""
    yield from _migrated_database(pg_admin_url, "aimhi_test")


@pytest.fixture(scope="session")
def pgbouncer_url(pg_url: str) -> Iterator[str]:
    if pgserver.find_pgbouncer_binary() is None:
        _unavailable("pgbouncer is not installed (apt-get install pgbouncer)")
    bouncer = pgserver.start_pgbouncer(pg_url)
    try:
        yield bouncer.url
    finally:
        bouncer.stop()


@pytest.fixture(scope="session")
def pg_pair_url(pg_admin_url: str) -> Iterator[str]:
    """A second migrated database for side-by-side tests, so they never touch
    the rows of ``pg_url`` tests."""
    yield from _migrated_database(pg_admin_url, "aimhi_pair")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at head, made once and copied per test."""
    directory = tmp_path_factory.mktemp("sqlite_template")
    migrated = directory / "migrated.db"
    _upgrade(f"sqlite:///{migrated}")
    # The migration may leave its data in a -wal file (or an engine open);
    # VACUUM INTO writes one self-contained file that a plain copy reproduces.
    template = directory / "template.db"
    conn = sqlite3.connect(migrated)
    try:
        conn.execute("VACUUM INTO ?", (str(template),))
    finally:
        conn.close()
    return template


def _sqlite_copy(template: Path, directory: Path, name: str = "test.db") -> str:
    target = directory / name
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


# --------------------------------------------------------------------------
# Per-test databases
# --------------------------------------------------------------------------


@pytest.fixture(params=DB_ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    """The leg of the current test: sqlite, postgresql or pgbouncer."""
    return str(request.param)


@pytest.fixture
def db_url(engine_name: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database at head, all tables empty, identities restarted."""
    if engine_name == "sqlite":
        return _sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    # Looked up lazily so a sqlite-only run never needs Postgres/pgbouncer.
    direct: str = request.getfixturevalue("pg_url")
    url = direct if engine_name == "postgresql" else request.getfixturevalue("pgbouncer_url")
    reset_database(direct)  # directly, never through pgbouncer
    return url


@pytest.fixture
def sqlite_and_postgres_urls(
    sqlite_template: Path, pg_pair_url: str, tmp_path: Path
) -> tuple[str, str]:
    """(sqlite_url, postgres_url), both at head and empty."""
    reset_database(pg_pair_url)
    return _sqlite_copy(sqlite_template, tmp_path, "pair.db"), pg_pair_url


@pytest.fixture
def make_empty_db(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[str], str]]:
    """``make(kind)`` -> URL of a new database without tables; all dropped at
    teardown."""
    drops: list[Callable[[], None]] = []
    counter = iter(range(1_000_000))

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'empty_{next(counter)}.db'}"
        if kind == "postgresql":
            admin: str = request.getfixturevalue("pg_admin_url")
            url, drop = _scratch_database(admin, "aimhi_empty")
            drops.append(drop)
            return url
        raise ValueError(f"make_empty_db: unknown kind {kind!r} (sqlite or postgresql)")

    yield make
    for drop in drops:
        drop()


@pytest.fixture(params=EMPTY_ENGINES)
def empty_db_url(request: pytest.FixtureRequest, make_empty_db: Callable[[str], str]) -> str:
    """A brand-new database with no tables (sqlite / postgresql)."""
    return make_empty_db(str(request.param))

