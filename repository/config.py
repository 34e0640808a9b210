"""Which database, and how to reach it: URLs as people paste them, and settings.

`database_url()` picks the database: an explicit URL, else `DATABASE_URL`, else
the seed's switch `DATABASE_PROVIDER=sqlite|supabase` choosing between
`SQLITE_DATABASE_URL` (default: the embedded file in the instance folder) and
`SUPABASE_DATABASE_URL`.

Connection strings are taken exactly as Supabase's dashboard prints them
(`postgres://` or `postgresql://`), always with psycopg 3, and also when a
password was pasted without escaping (`postgres:abc@def@host`): the credentials
end at the last `@` before the host. Nothing here ever shows a password: an
unusable URL is refused with a message that names only the part that is wrong.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from sqlalchemy.engine import URL, make_url

DEFAULT_SQLITE_FILE = "aimhi.db"
POOLER_PORT = 6543
POOLER_HOST_SUFFIX = ".pooler.supabase.com"
# Query parameter (stripped before connecting) or environment variable that
# says "a transaction pooler sits in front of this database".
POOLER_PARAM = "pooler"
POOLER_ENV = "DATABASE_POOLER"
PROVIDERS = ("sqlite", "supabase")
_PERCENT_ESCAPED = re.compile(r"^(?:[^%]|%[0-9A-Fa-f]{2})*$")


class BadDatabaseURL(ValueError):
    """The URL cannot be used; the message shows no credentials."""


def instance_path() -> Path:
    """Folder for the embedded database and the outbox (like Flask's instance folder)."""
    return Path(os.environ.get("AIMHI_INSTANCE_PATH") or Path.cwd() / "instance")


def database_url(explicit: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The URL to use: explicit, else DATABASE_URL, else DATABASE_PROVIDER's."""
    env = os.environ if env is None else env
    url = explicit or env.get("DATABASE_URL")
    if url:
        return url
    provider = (env.get("DATABASE_PROVIDER") or "sqlite").strip().lower()
    if provider not in PROVIDERS:
        raise BadDatabaseURL(f"DATABASE_PROVIDER must be one of {', '.join(PROVIDERS)}, not {provider!r}")
    if provider == "supabase":
        supabase = env.get("SUPABASE_DATABASE_URL")
        if not supabase:
            raise BadDatabaseURL("DATABASE_PROVIDER=supabase needs SUPABASE_DATABASE_URL")
        return supabase
    return env.get("SQLITE_DATABASE_URL") or f"sqlite:///{instance_path() / DEFAULT_SQLITE_FILE}"


def normalise_url(url: str | URL) -> URL:
    """Parse a URL and point every Postgres spelling at the psycopg 3 driver."""
    if isinstance(url, URL):
        parsed = url
    else:
        text = url.strip()
        scheme, sep, _ = text.partition("://")
        if not sep:
            raise BadDatabaseURL("the database URL must look like postgresql://… or sqlite:///…")
        if scheme.split("+")[0] in ("postgres", "postgresql"):
            parsed = _parse_server_url(text)
        else:
            try:
                parsed = make_url(text)
            except Exception:
                raise BadDatabaseURL(f"the database URL ({scheme}://…) could not be read") from None
    if parsed.get_backend_name() == "postgres":
        parsed = parsed.set(drivername="postgresql")
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _parse_server_url(text: str) -> URL:
    """scheme://[user[:password]@]host[:port][/database][?query], where the
    password may hold any character, `@` included."""
    scheme, _, rest = text.partition("://")
    credentials, at, location = rest.rpartition("@")
    user = password = None
    if at:
        user, colon, secret = credentials.partition(":")
        password = _unescape(secret) if colon else None
        user = _unescape(user)
    location, _, query = location.partition("?")
    hostport, slash, database = location.partition("/")
    host, port = _host_and_port(hostport)
    return URL.create(
        "postgresql" if scheme.startswith("postgres") and "+" not in scheme else scheme,
        username=user or None, password=password, host=host, port=port,
        database=unquote(database) if slash and database else None,
        query=dict(parse_qsl(query, keep_blank_values=True)),
    )


def _unescape(value: str) -> str:
    """Percent-decode a properly escaped value; take anything else literally (a
    pasted password with a bare `%`)."""
    return unquote(value) if "%" in value and _PERCENT_ESCAPED.match(value) else value


def _host_and_port(hostport: str) -> tuple[str | None, int | None]:
    if hostport.startswith("["):  # [IPv6]:port
        host, _, tail = hostport[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else ""
    else:
        host, _, port_text = hostport.partition(":")
    if not port_text:
        return host or None, None
    if not port_text.isascii() or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise BadDatabaseURL(
            f"the port in the database URL must be a number from 1 to 65535 (host {host or '?'}); "
            "if your password holds @, : or /, the part after its last @ is read as the host"
        )
    return host or None, int(port_text)


def redact(url: str | URL) -> str:
    """The URL for humans: password replaced by ***."""
    try:
        return normalise_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL may still hold a secret: show nothing of it
        return "<unreadable database URL>"


def engine_name(url: str | URL) -> str:
    return normalise_url(url).get_backend_name()


def behind_transaction_pooler(url: URL, env: Mapping[str, str] | None = None) -> bool:
    """Supabase's transaction pooler (port 6543 or a pooler host), pgbouncer in
    transaction mode marked with ?pooler=transaction, or DATABASE_POOLER=transaction."""
    env = os.environ if env is None else env
    explicit = url.query.get(POOLER_PARAM) or env.get(POOLER_ENV)
    if explicit:
        return explicit == "transaction"
    host = (url.host or "").lower()
    return url.port == POOLER_PORT or host.endswith(POOLER_HOST_SUFFIX)


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadDatabaseURL(f"{name} must be a number, not {raw!r}") from None
    if not low <= value <= high:
        raise BadDatabaseURL(f"{name} must be between {low:g} and {high:g}, not {raw!r}")
    return value


@dataclass(frozen=True)
class DatabaseSettings:
    """Bounded waits everywhere: no request waits on the database for long.

    connect_timeout_s      a new Postgres connection (libpq's minimum is 2)
    statement_timeout_ms   Postgres ends a statement that runs longer
    round_trip_deadline_s  the client ends a round trip the server never answers
                           (a stalled server or network: the socket is shut)
    sqlite_busy_timeout_s  how long an SQLite writer waits for the write lock
    pool                   'queue' (a client-side pool) or 'none' (a connection per
                           request, for serverless hosts)
    """

    connect_timeout_s: int = 2
    statement_timeout_ms: int = 2000
    round_trip_deadline_s: float = 2.5
    sqlite_busy_timeout_s: float = 2.0
    pool: str = "queue"
    pool_size: int = 10
    max_overflow: int = 30
    pool_recycle_s: int = 300
    keepalives_idle_s: int = 10

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> DatabaseSettings:
        env = os.environ if env is None else env
        pool = (env.get("DATABASE_POOL") or "queue").strip().lower()
        if pool not in ("queue", "none"):
            raise BadDatabaseURL(f"DATABASE_POOL must be 'queue' or 'none', not {pool!r}")
        return cls(
            connect_timeout_s=int(_number(env, "DATABASE_CONNECT_TIMEOUT", 2, 2, 60)),
            statement_timeout_ms=int(_number(env, "DATABASE_STATEMENT_TIMEOUT_MS", 2000, 100, 600_000)),
            round_trip_deadline_s=_number(env, "DATABASE_ROUND_TRIP_DEADLINE", 2.5, 0.1, 600),
            sqlite_busy_timeout_s=_number(env, "SQLITE_BUSY_TIMEOUT", 2.0, 0.05, 600),
            pool=pool,
        )
