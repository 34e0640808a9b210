"""Find, start and manage the PostgreSQL (and pgbouncer) the tests run against.

Importable without pytest so benchmark scripts can use it too. Everything a
caller gets back is a SQLAlchemy URL of the form ``postgresql+psycopg://...``.

Where Postgres comes from, in this order (see ``find_postgres``):

1. ``AIMHI_TEST_POSTGRES_URL`` if set (an explicit choice: when it does not
   answer we report that instead of silently testing something else);
2. a server answering on 127.0.0.1:5432 as user ``postgres``;
3. a throw-away cluster made with the installed ``initdb``/``pg_ctl``, run as
   an unprivileged user (initdb and postgres refuse root) and stopped atexit.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

ENV_URL = "AIMHI_TEST_POSTGRES_URL"
LOCAL_HOST = "127.0.0.1"
LOCAL_PORT = 5432
CONNECT_TIMEOUT_S = 2  # libpq's minimum; a dead host must not stall the run
# repository/config.py disables prepared statements (and client pooling) for
# URLs carrying ?pooler=transaction, as it does for Supabase's port 6543.
POOLER_PARAM = "pooler"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_MAX_IDENTIFIER = 63  # NAMEDATALEN - 1

__all__ = [
    "ENV_URL",
    "PgBouncer",
    "ThrowawayCluster",
    "create_database",
    "database_exists",
    "drop_database",
    "find_pgbouncer_binary",
    "find_postgres",
    "normalise_url",
    "pgbouncer_show",
    "psycopg_connect",
    "redact",
    "register_cleanup",
    "reset_database",
    "start_pgbouncer",
    "start_throwaway_cluster",
    "stop_all",
    "strip_pooler_hint",
    "unique_name",
    "unregister_cleanup",
    "with_database",
]


# --------------------------------------------------------------------------
# URLs and names
# --------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """Turn the dashboard forms (postgres://, postgresql://, other drivers)
    into the psycopg 3 SQLAlchemy URL the project uses everywhere."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        raise ValueError(f"not a URL: {redact(url)!r}")
    if scheme == "postgres" or scheme == "postgresql" or scheme.startswith("postgresql+"):
        return "postgresql+psycopg://" + rest
    raise ValueError(f"not a PostgreSQL URL: {redact(url)!r}")


def redact(url: str | URL) -> str:
    """The URL with any password hidden: descriptions end up in CI logs."""
    try:
        return make_url(str(url) if isinstance(url, URL) else url).render_as_string(
            hide_password=True
        )
    except Exception:  # not parseable: say nothing about its content
        return "<unparseable URL>"


def with_database(url: str, database: str) -> str:
    """The same server and credentials, another database."""
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def strip_pooler_hint(url: str) -> str:
    """The URL without ``?pooler=...``, for code that hands the URL to
    create_engine/psycopg directly (libpq would reject the unknown option)."""
    return (
        make_url(url).difference_update_query([POOLER_PARAM]).render_as_string(hide_password=False)
    )


def unique_name(prefix: str = "aimhi_test") -> str:
    """A database name no other run (parallel CI jobs, a crashed earlier run)
    can hold: time + pid + random, lower case so it never needs quoting."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    name = f"{prefix}_{stamp}_{os.getpid()}_{secrets.token_hex(4)}".lower()
    if not _IDENTIFIER.match(name) or len(name) >= _MAX_IDENTIFIER:
        raise ValueError(f"prefix {prefix!r} gives an invalid database name {name!r}")
    return name


def psycopg_connect(url: str, **overrides: Any) -> psycopg.Connection[Any]:
    """A plain psycopg connection for a SQLAlchemy URL (query args pass through,
    e.g. sslmode=require for Supabase)."""
    u = make_url(url)
    params: dict[str, Any] = {
        key: value if isinstance(value, str) else value[-1]
        for key, value in u.query.items()
        if key != POOLER_PARAM  # the repository's hint, not a libpq option
    }
    params.update(
        {
            "host": u.host or params.get("host") or LOCAL_HOST,
            "port": u.port or params.get("port") or LOCAL_PORT,
            "user": u.username or params.get("user") or "postgres",
            "dbname": u.database or "postgres",
            "connect_timeout": CONNECT_TIMEOUT_S,
        }
    )
    if u.password is not None:
        params["password"] = u.password
    params.update(overrides)
    return psycopg.connect(**params)


# --------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------


def _check_name(name: str) -> None:
    if not _IDENTIFIER.match(name) or len(name) > _MAX_IDENTIFIER:
        raise ValueError(f"refusing unusual database name {name!r}")


def create_database(admin_url: str, name: str) -> str:
    """CREATE DATABASE ``name``; returns the URL of the new database."""
    _check_name(name)
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    with psycopg_connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """DROP DATABASE ``name`` even if connections are still open (a test that
    leaked an engine must not leave databases behind); missing is fine."""
    _check_name(name)
    _forget_reset_connections(name)
    with psycopg_connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def database_exists(admin_url: str, name: str) -> bool:
    with psycopg_connect(admin_url, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


# --------------------------------------------------------------------------
# Emptying a database between tests
# --------------------------------------------------------------------------

# One cached connection per Postgres database: Hypothesis calls reset per
# example, and a fresh connection each time would dominate the run time.
_reset_connections: dict[str, psycopg.Connection[Any]] = {}
_reset_lock = threading.Lock()


def _forget_reset_connections(database: str | None = None) -> None:
    with _reset_lock:
        for key in list(_reset_connections):
            if database is None or make_url(key).database == database:
                conn = _reset_connections.pop(key)
                try:
                    conn.close()
                except Exception:  # already broken (e.g. dropped with FORCE)
                    pass


def _default_tables() -> list[Any]:
    from models import Base  # imported late: pgserver must work without models

    return list(Base.metadata.sorted_tables)


def reset_database(url: str, tables: Iterable[Any] | None = None) -> None:
    """Empty every table (default: those of ``models.Base.metadata``) and
    restart identities, leaving the schema and ``alembic_version`` alone.

    Works for SQLite files and Postgres, also when ``url`` points at
    pgbouncer (no prepared statements are used)."""
    table_list = list(tables) if tables is not None else _default_tables()
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        _reset_sqlite(url, table_list)
    elif backend == "postgresql":
        _reset_postgres(url, table_list)
    else:
        raise ValueError(f"reset_database: unsupported backend {backend!r}")


def _reset_postgres(url: str, tables: Sequence[Any]) -> None:
    if not tables:
        return
    names = sql.SQL(", ").join(
        sql.Identifier(t.schema, t.name) if t.schema else sql.Identifier(t.name) for t in tables
    )
    statement = sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(names)
    for attempt in (1, 2):
        conn = _reset_connection(url)
        try:
            with conn.transaction():
                # A test that leaked an open transaction would otherwise make
                # TRUNCATE (ACCESS EXCLUSIVE) hang the whole run silently.
                conn.execute("SET LOCAL lock_timeout = '15s'")
                conn.execute(statement)
            return
        except psycopg.OperationalError:
            _drop_reset_connection(url)  # stale (server restart, FORCE drop): retry once
            if attempt == 2:
                raise


def _reset_connection(url: str) -> psycopg.Connection[Any]:
    with _reset_lock:
        conn = _reset_connections.get(url)
        if conn is None or conn.closed or conn.broken:
            # prepare_threshold=None: the URL may be pgbouncer in transaction mode.
            conn = psycopg_connect(url, autocommit=True, prepare_threshold=None)
            _reset_connections[url] = conn
        return conn


def _drop_reset_connection(url: str) -> None:
    with _reset_lock:
        conn = _reset_connections.pop(url, None)
    if conn is not None:
        try:
            conn.close()
        except Exception:
            pass


def _reset_sqlite(url: str, tables: Sequence[Any]) -> None:
    import sqlite3

    path = make_url(url).database
    if not path or path == ":memory:":
        raise ValueError("reset_database needs a SQLite file URL")
    conn = sqlite3.connect(path, timeout=15, isolation_level=None)
    try:
        # Children first so foreign keys (if enforced) never object.
        conn.execute("BEGIN IMMEDIATE")
        for table in reversed(list(tables)):
            conn.execute(f"DELETE FROM {_sqlite_quote(table.name)}")
        has_sequence = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
        ).fetchone()
        if has_sequence:  # AUTOINCREMENT counters: the RESTART IDENTITY of SQLite
            conn.executemany(
                "DELETE FROM sqlite_sequence WHERE name = ?", [(t.name,) for t in tables]
            )
        conn.execute("COMMIT")
    finally:
        conn.close()


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------
# Processes we own (stopped atexit, on SIGTERM, and by fixture finalizers)
# --------------------------------------------------------------------------

_owned: list[Callable[[], None]] = []
_cleanup_installed = False


def register_cleanup(stop: Callable[[], None]) -> None:
    """Run ``stop`` at exit, on SIGTERM, or in ``stop_all()``, whichever is
    first (newest first). Undo with ``unregister_cleanup`` once done."""
    global _cleanup_installed
    _owned.append(stop)
    if _cleanup_installed:
        return
    _cleanup_installed = True
    atexit.register(stop_all)
    # A CI runner that times out sends SIGTERM; Python's default action skips
    # atexit, which would leave postgres/pgbouncer running. Only take over the
    # signal if nobody else has.
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum: int, frame: object) -> None:
    stop_all()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def unregister_cleanup(stop: Callable[[], None]) -> None:
    if stop in _owned:
        _owned.remove(stop)


def stop_all() -> None:
    """Stop every cluster/pgbouncer this process started (idempotent)."""
    global _cluster
    _forget_reset_connections()
    for stop in reversed(list(_owned)):
        try:
            stop()
        except Exception:  # best effort: keep stopping the others
            pass
    _owned.clear()
    _cluster = None


@dataclass(frozen=True)
class _RunAs:
    """Who the child processes run as: root is refused by initdb, postgres and
    pgbouncer, so under root we switch to an unprivileged account."""

    uid: int
    gid: int
    name: str

    @property
    def switches(self) -> bool:
        return self.uid != os.geteuid()

    def popen_kwargs(self, home: Path) -> dict[str, Any]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "LC_ALL": "C",
            "LANG": "C",
        }
        kwargs: dict[str, Any] = {"env": env, "cwd": str(home)}
        if self.switches:
            kwargs.update(user=self.uid, group=self.gid, extra_groups=[])
        return kwargs


def _run_as() -> _RunAs:
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return _RunAs(entry.pw_uid, entry.pw_gid, entry.pw_name)
    for candidate in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(candidate)
        except KeyError:
            continue
        if entry.pw_uid != 0:
            return _RunAs(entry.pw_uid, entry.pw_gid, entry.pw_name)
    raise RuntimeError("running as root and found no unprivileged user (postgres/nobody)")


def _private_dir(prefix: str, owner: _RunAs) -> Path:
    """A temp dir the child user owns (it writes data, sockets, logs there).

    Under /tmp rather than $TMPDIR: a root-private TMPDIR would be out of the
    child user's reach, and a long one would overflow the unix socket path."""
    base = "/tmp" if os.path.isdir("/tmp") else None
    directory = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    if owner.switches:
        os.chown(directory, owner.uid, owner.gid)
    return directory


def _chown_tree(path: Path, owner: _RunAs) -> None:
    if not owner.switches:
        return
    os.chown(path, owner.uid, owner.gid)
    for child in path.rglob("*"):
        os.chown(child, owner.uid, owner.gid, follow_symlinks=False)


def free_port() -> int:
    """A loopback port nobody listens on right now (the caller retries if a
    race takes it before the server binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOCAL_HOST, 0))
        return int(s.getsockname()[1])


def _port_open(port: int, host: str = LOCAL_HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------
# Throw-away cluster
# --------------------------------------------------------------------------


def find_pg_bindir() -> Path | None:
    """Directory holding initdb, pg_ctl and postgres of one version.

    /usr/local/bin/initdb may be a symlink into /usr/lib/postgresql/N/bin;
    resolving it keeps all three binaries from the same version."""
    candidates: list[Path] = []
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(os.path.realpath(found)).parent)
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    versions.sort(key=lambda p: [int(x) for x in re.findall(r"\d+", p)], reverse=True)
    candidates.extend(Path(p) for p in versions)
    for directory in candidates:
        if all((directory / b).is_file() for b in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


@dataclass
class ThrowawayCluster:
    """A private PostgreSQL cluster in a temp dir, trust auth, loopback only."""

    directory: Path
    port: int
    bindir: Path
    run_as: _RunAs
    stopped: bool = field(default=False)

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{LOCAL_HOST}:{self.port}/postgres"

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        unregister_cleanup(self.stop)
        # immediate: nothing here is worth a clean shutdown checkpoint.
        subprocess.run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w",
             "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
            check=False,
            **self.run_as.popen_kwargs(self.directory),
        )
        shutil.rmtree(self.directory, ignore_errors=True)


_SERVER_SETTINGS = """
# added by tests/pgserver.py: a disposable, loopback-only test server
listen_addresses = '{host}'
port = {port}
unix_socket_directories = '{sockets}'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
"""


def start_throwaway_cluster(*, attempts: int = 3) -> ThrowawayCluster:
    """initdb + pg_ctl start in a fresh temp dir, as an unprivileged user,
    on a free loopback port. The caller owns it (``.stop()``); it is also
    stopped atexit."""
    bindir = find_pg_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl, postgres) found")
    run_as = _run_as()
    directory = _private_dir("aimhi-pg-", run_as)
    try:
        _initdb(bindir, directory, run_as)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    last_error = ""
    for _ in range(attempts):  # a free port can be taken before we bind it
        cluster = ThrowawayCluster(directory, free_port(), bindir, run_as)
        register_cleanup(cluster.stop)
        last_error = _pg_ctl_start(cluster)
        if not last_error:
            return cluster
        unregister_cleanup(cluster.stop)
    shutil.rmtree(directory, ignore_errors=True)
    raise RuntimeError(f"throw-away PostgreSQL did not start: {last_error}")


def _initdb(bindir: Path, directory: Path, run_as: _RunAs) -> None:
    result = subprocess.run(
        [str(bindir / "initdb"), "-D", str(directory / "data"), "-U", "postgres", "-A", "trust",
         "-E", "UTF8", "--no-locale", "--no-sync"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
        **run_as.popen_kwargs(directory),
    )
    if result.returncode != 0:
        raise RuntimeError(f"initdb failed as {run_as.name}: {result.stdout[-2000:]}")


def _pg_ctl_start(cluster: ThrowawayCluster) -> str:
    """Start the server; returns '' on success or the reason it failed."""
    conf = cluster.data_dir / "postgresql.conf"
    base = conf.with_suffix(".conf.orig")
    if not base.exists():
        shutil.copy2(conf, base)
    conf.write_text(
        base.read_text()
        + _SERVER_SETTINGS.format(host=LOCAL_HOST, port=cluster.port, sockets=cluster.directory)
    )
    _chown_tree(cluster.data_dir, cluster.run_as)
    log = cluster.directory / "postgres.log"
    # Output to a file, never a pipe: the daemonised postmaster would keep a
    # pipe open and make subprocess.run wait forever.
    with open(cluster.directory / "pg_ctl.out", "wb") as out:
        result = subprocess.run(
            [str(cluster.bindir / "pg_ctl"), "-D", str(cluster.data_dir), "-l", str(log),
             "-w", "-t", "60", "start"],
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=90,
            check=False,
            **cluster.run_as.popen_kwargs(cluster.directory),
        )
    if result.returncode == 0:
        return ""
    return f"pg_ctl exit {result.returncode}\n{_tail(log)}"


# --------------------------------------------------------------------------
# find_postgres
# --------------------------------------------------------------------------

_cluster: ThrowawayCluster | None = None


def _server_version(url: str) -> str:
    """Connects (short timeout) and returns the server version; raises if the
    server does not answer."""
    with psycopg_connect(url, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def find_postgres() -> tuple[str | None, str]:
    """(admin URL, description) of the Postgres to test against, or
    (None, why there is none). See the module docstring for the order."""
    configured = os.environ.get(ENV_URL, "").strip()
    if configured:
        return _from_environment(configured)

    local = f"postgresql+psycopg://postgres@{LOCAL_HOST}:{LOCAL_PORT}/postgres"
    try:
        version = _server_version(local)
        return local, f"local server {redact(local)} (PostgreSQL {version})"
    except Exception as exc:
        local_reason = f"nothing usable on {LOCAL_HOST}:{LOCAL_PORT} ({_first_line(exc)})"

    try:
        cluster = _throwaway_cluster()
        version = _server_version(cluster.url)
    except Exception as exc:
        return None, f"no {ENV_URL}; {local_reason}; throw-away cluster failed: {_first_line(exc)}"
    return cluster.url, (
        f"throw-away cluster {redact(cluster.url)} (PostgreSQL {version}, "
        f"in {cluster.directory}, run as {cluster.run_as.name})"
    )


def _from_environment(configured: str) -> tuple[str | None, str]:
    try:
        url = normalise_url(configured)
    except ValueError as exc:
        return None, f"{ENV_URL} is not usable: {exc}"
    try:
        version = _server_version(url)
    except Exception as exc:
        return None, f"{ENV_URL}={redact(url)} did not answer: {_first_line(exc)}"
    return url, f"{ENV_URL} {redact(url)} (PostgreSQL {version})"


def _throwaway_cluster() -> ThrowawayCluster:
    """One cluster per process, reused by every later find_postgres()."""
    global _cluster
    if _cluster is None or _cluster.stopped:
        _cluster = start_throwaway_cluster()
    return _cluster


def _first_line(exc: BaseException) -> str:
    """The error on one line (libpq splits its messages over several)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 400 else text[:400] + "..."


# --------------------------------------------------------------------------
# pgbouncer
# --------------------------------------------------------------------------


def find_pgbouncer_binary() -> str | None:
    # Debian installs it in /usr/sbin, which is not on every user's PATH.
    found = shutil.which("pgbouncer")
    if found:
        return found
    for candidate in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _ini_value(value: str) -> str:
    """Quote a value for pgbouncer's [databases] connect string."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass
class PgBouncer:
    """pgbouncer in transaction pooling mode, like Supabase's transaction pooler."""

    process: subprocess.Popen[bytes]
    directory: Path
    port: int
    user: str
    database: str
    stopped: bool = field(default=False)

    @property
    def plain_url(self) -> str:
        """Through pgbouncer, without the pooler hint (for raw psycopg use)."""
        return f"postgresql+psycopg://{self.user}@{LOCAL_HOST}:{self.port}/{self.database}"

    @property
    def url(self) -> str:
        """Through pgbouncer, marked ``?pooler=transaction`` so the repository
        configures itself as it would for Supabase's transaction pooler."""
        return f"{self.plain_url}?{POOLER_PARAM}=transaction"

    @property
    def admin_url(self) -> str:
        """The pgbouncer admin console (SHOW POOLS, SHOW CONFIG, ...)."""
        return f"postgresql+psycopg://{self.user}@{LOCAL_HOST}:{self.port}/pgbouncer"

    @property
    def log(self) -> Path:
        return self.directory / "pgbouncer.log"

    def show(self, what: str) -> list[dict[str, Any]]:
        return pgbouncer_show(self.url, what)

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        unregister_cleanup(self.stop)
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: immediate shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)


def pgbouncer_show(url: str, what: str) -> list[dict[str, Any]]:
    """``SHOW <what>`` (POOLS, CONFIG, DATABASES...) on the admin console of the
    pgbouncer that ``url`` goes through."""
    if not re.fullmatch(r"[A-Za-z_]+", what):
        raise ValueError(f"not a pgbouncer SHOW item: {what!r}")
    admin = make_url(strip_pooler_hint(url)).set(database="pgbouncer")
    # The admin console speaks only the simple query protocol: ClientCursor.
    with psycopg_connect(
        admin.render_as_string(hide_password=False),
        autocommit=True,
        cursor_factory=psycopg.ClientCursor,
    ) as conn:
        cur = conn.execute("SHOW " + what)
        columns = [c.name for c in cur.description or []]
        return [dict(zip(columns, row)) for row in cur.fetchall()]


_PGBOUNCER_INI = """\
[databases]
{dbname} = {connect}

[pgbouncer]
listen_addr = {host}
listen_port = {port}
unix_socket_dir = {directory}
auth_type = trust
auth_file = {directory}/userlist.txt
admin_users = {user}
pool_mode = transaction
max_client_conn = 200
default_pool_size = 10
ignore_startup_parameters = extra_float_digits,options
server_tls_sslmode = {sslmode}
logfile = {directory}/pgbouncer.log
pidfile = {directory}/pgbouncer.pid
"""


def start_pgbouncer(server_url: str, *, attempts: int = 3) -> PgBouncer:
    """Start pgbouncer (transaction mode) on a free loopback port in front of
    the database of ``server_url``; its ``.url`` reaches that same database.
    Stopped by ``.stop()`` or atexit."""
    binary = find_pgbouncer_binary()
    if binary is None:
        raise RuntimeError(
            "pgbouncer binary not found (Debian: apt-get install pgbouncer); "
            "it is needed for the transaction-pooler test leg"
        )
    last_error = ""
    for _ in range(attempts):  # the free port may be taken before pgbouncer binds
        try:
            return _start_pgbouncer_once(binary, server_url)
        except RuntimeError as exc:
            last_error = str(exc)
    raise RuntimeError(f"pgbouncer did not start: {last_error}")


def _start_pgbouncer_once(binary: str, server_url: str) -> PgBouncer:
    server = make_url(server_url)
    user = server.username or "postgres"
    database = server.database or "postgres"
    run_as = _run_as()
    directory = _private_dir("aimhi-pgbouncer-", run_as)
    port = free_port()
    _write_pgbouncer_files(directory, server, user, database, port)
    _chown_tree(directory, run_as)
    # Foreground (no -d) so we hold the process and can always stop it.
    with open(directory / "stderr.log", "wb") as stderr:  # the child keeps its own copy
        process = subprocess.Popen(
            [binary, "-q", str(directory / "pgbouncer.ini")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            **run_as.popen_kwargs(directory),
        )
    bouncer = PgBouncer(process, directory, port, user, database)
    register_cleanup(bouncer.stop)
    try:
        _wait_for_pgbouncer(bouncer)
    except BaseException:
        bouncer.stop()
        raise
    return bouncer


def _write_pgbouncer_files(
    directory: Path, server: URL, user: str, database: str, port: int
) -> None:
    connect = {
        "host": server.host or LOCAL_HOST,
        "port": str(server.port or LOCAL_PORT),
        "dbname": database,
        "user": user,
    }
    if server.password:  # server-side auth (e.g. a remote server); never logged
        connect["password"] = server.password
    sslmode = server.query.get("sslmode", "disable")
    (directory / "pgbouncer.ini").write_text(
        _PGBOUNCER_INI.format(
            dbname=database,
            connect=" ".join(f"{k}={_ini_value(v)}" for k, v in connect.items()),
            host=LOCAL_HOST,
            port=port,
            directory=directory,
            user=user,
            sslmode=sslmode if isinstance(sslmode, str) else sslmode[-1],
        )
    )
    # auth_type=trust still requires the user to be listed in auth_file.
    (directory / "userlist.txt").write_text(f'"{user}" ""\n')
    os.chmod(directory / "pgbouncer.ini", 0o600)
    os.chmod(directory / "userlist.txt", 0o600)


def _wait_for_pgbouncer(bouncer: PgBouncer, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    error = "timed out"
    while time.monotonic() < deadline:
        if bouncer.process.poll() is not None:
            raise RuntimeError(
                f"pgbouncer exited with {bouncer.process.returncode}:\n"
                f"{_tail(bouncer.directory / 'stderr.log')}\n{_tail(bouncer.log)}"
            )
        if _port_open(bouncer.port):
            try:
                with psycopg_connect(bouncer.url, autocommit=True, prepare_threshold=None) as c:
                    c.execute("SELECT 1")
                return
            except psycopg.Error as exc:
                error = str(exc)
        time.sleep(0.05)
    raise RuntimeError(f"pgbouncer on port {bouncer.port} not ready: {error}\n{_tail(bouncer.log)}")
