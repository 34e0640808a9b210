"""Secrets (issue 9.4): a connection string pasted with unescaped special
characters in the password either just works (the credentials end at the last
`@` before the host) or is refused with a message that shows nothing of the
credentials; a bad port gives a clear one-line error, never a traceback; no
part of a password reaches any output, report, log line, system_logs row or
HTTP response.

Every password below is pasted raw into `postgresql://postgres:<pw>@host:port/db`:

* port 1 on 127.0.0.1 (nothing listens): every command and the app must fail
  cleanly, naming the database only as `postgres:***@127.0.0.1:1/db`;
* the test server (`pg_url`, trust auth, so any password is accepted): the
  connection must succeed as the right user, to the right host, port and
  database, which shows the URL was split where the brief says.

What is searched for (`fragments`): the password as typed and as decoded, each
piece of it split at the special characters that is 3+ characters long, and
every 5-character window of it; pieces made only of letters and digits count
only when they stand alone (so `abc` in a random hex id is no false alarm).
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import flask
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import _log_to_stderr, create_app
from app.cli import main
from app.service import ChatService
from app_fixtures import TEST_CONFIG, close_app
from pgserver import reset_database
from repository import DatabaseUnavailable, Repository
from repository.config import BadDatabaseURL, database_url, normalise_url, redact
from repository.engines import make_engine

ROOT = Path(__file__).resolve().parents[2]
TRACEBACK = "Traceback (most recent call last)"
SPECIALS = r"[@:/?#\[\]%]"

# (as pasted, the password the database must receive)
PASSWORDS = [
    ("abc@def", "abc@def"),
    ("p@ss:w/rd?x#y[z]%", "p@ss:w/rd?x#y[z]%"),
    ("%41%zz", "%41%zz"),  # a bare % that is not an escape: taken literally
    ("a@b@c", "a@b@c"),
    ("Sup3r@Secret:Pa55/word#42", "Sup3r@Secret:Pa55/word#42"),
    ("s%40fe%3Akey", "s@fe:key"),  # properly escaped: decoded
]
IDS = [typed for typed, _ in PASSWORDS]
DEAD = "127.0.0.1:1"  # nothing listens on port 1
BAD_PORTS = [":99999", ":abc"]
MORE_BAD_PORTS = [":0", ":65536", ":-1", ":\u0663", ":1.5", ":5432x"]
RISKY = "I want to kill myself"


# ---- what must never show --------------------------------------------------------


def fragments(password: str) -> set[str]:
    forms = {password, unquote(password)}
    found = {form for form in forms if len(form) >= 3}
    for form in forms:
        found.update(piece for piece in re.split(SPECIALS, form) if len(piece) >= 3)
        if len(form) >= 6:
            found.update(form[i:i + 5] for i in range(len(form) - 4))
    return found


def leaks(password: str, content: str) -> list[str]:
    shown = []
    for fragment in sorted(fragments(password), key=len, reverse=True):
        if fragment.isalnum():
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(fragment)}(?![A-Za-z0-9])", content):
                shown.append(fragment)
        elif fragment in content:
            shown.append(fragment)
    return shown


def assert_nothing_of(password: str, **places: Any) -> None:
    """No fragment of `password` in any of the named texts (str, bytes, or
    anything else, shown with repr)."""
    for where, content in places.items():
        if isinstance(content, bytes):
            content = content.decode("utf-8", "replace")
        elif not isinstance(content, str):
            content = repr(content)
        shown = leaks(password, content)
        assert not shown, f"{where} shows {shown!r} of the password {password!r}:\n{content[:3000]}"


def assert_no_traceback(**places: str) -> None:
    for where, content in places.items():
        assert TRACEBACK not in content, f"{where} holds a traceback:\n{content[:3000]}"


def url_with(password: str, where: str = DEAD, database: str = "db", user: str = "postgres",
             scheme: str = "postgresql") -> str:
    return f"{scheme}://{user}:{password}@{where}/{database}"


def test_the_leak_detector_finds_what_it_must_and_only_that() -> None:
    assert leaks("abc@def", "postgresql://postgres:abc@def@127.0.0.1:1/db")
    assert leaks("abc@def", 'could not translate host name "def@127.0.0.1" to address')
    assert leaks("p@ss:w/rd?x#y[z]%", "password p@ss:w/rd")
    assert leaks("%41%zz", "auth with A%zz")
    assert leaks("s%40fe%3Akey", "secret s@fe:key")
    assert not leaks("abc@def", "session 5abc3def-0000-4000-8000-00000000abcd, postgres:***@127.0.0.1:1/db")
    assert not leaks("Sup3r@Secret:Pa55/word#42", "/work/main/app/__init__.py")


# ---- capturing everything ---------------------------------------------------------


@pytest.fixture
def app_stderr() -> Iterator[io.StringIO]:
    """What the app's own stderr handler writes (it keeps the stream it was
    made with, so capsys would not see it)."""
    _log_to_stderr()
    buffer = io.StringIO()
    handlers = [h for h in logging.getLogger("app").handlers if getattr(h, "aimhi_stderr", False)]
    old = [h.setStream(buffer) for h in handlers]  # type: ignore[attr-defined]
    yield buffer
    for handler, stream in zip(handlers, old):
        handler.setStream(stream)  # type: ignore[attr-defined]


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def all_log_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record, message and traceback (caplog.text formats them)."""
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_info and record.exc_info[0] is not None:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
    return "\n".join(parts)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No database settings from the machine; instance folder and outbox in tmp_path."""
    for name in ("DATABASE_URL", "DATABASE_PROVIDER", "SQLITE_DATABASE_URL", "SUPABASE_DATABASE_URL",
                 "DATABASE_POOLER", "ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AIMHI_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("OUTBOX_PATH", str(tmp_path / "outbox.db"))
    monkeypatch.setenv("OUTBOX_REPLAY_INTERVAL", "0")
    monkeypatch.setenv("RATELIMIT_ENABLED", "0")
    return monkeypatch


def aimhi(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def cli_text(result: Result) -> str:
    """Everything a user would see, including a traceback an uncaught
    exception would print."""
    shown = result.output + (result.stderr or "")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        shown += "\n" + TRACEBACK + ":\n" + "".join(traceback.format_exception(result.exception))
    return shown


def reports_in(directory: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(directory.glob("*.json")))


@pytest.fixture
def sqlite_source(sqlite_template: Path, tmp_path: Path) -> str:
    """An SQLite file at head with a few chat turns in it."""
    path = tmp_path / "source.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "OUTBOX_PATH": str(tmp_path / "source-outbox.db")})
    try:
        client = app.test_client()
        first = client.post("/chat", json={"message": "hi"}).get_json()
        client.post("/chat", json={"message": "I like footy", "session_id": first["session_id"]})
        client.post("/chat", json={"message": "hello there"})
    finally:
        close_app(app)
    return url


def server_url(pg_url: str, password: str, scheme: str = "postgresql") -> str:
    """The test server's database with `password` pasted raw (trust auth
    takes any password)."""
    parsed = make_url(pg_url)
    if parsed.password:
        pytest.skip("the test server has a password of its own: a made-up one would be refused")
    host = parsed.host or "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    return url_with(password, f"{host}:{parsed.port or 5432}", str(parsed.database), str(parsed.username), scheme)


# ---- the URL, parsed as pasted -------------------------------------------------------


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
@pytest.mark.parametrize(("typed", "expected"), PASSWORDS, ids=IDS)
def test_a_raw_password_ends_at_the_last_at_before_the_host(typed: str, expected: str, scheme: str) -> None:
    url = url_with(typed, scheme=scheme)
    parsed = normalise_url(url)
    assert (parsed.get_backend_name(), parsed.get_dialect().driver) == ("postgresql", "psycopg")
    assert (parsed.username, parsed.password, parsed.host, parsed.port, parsed.database) == \
        ("postgres", expected, "127.0.0.1", 1, "db")
    assert re.fullmatch(r"postgresql(\+psycopg)?://postgres:\*\*\*@127\.0\.0\.1:1/db", redact(url))
    assert_nothing_of(typed, redact=redact(url), str=str(parsed), repr=repr(parsed))


@pytest.mark.parametrize(("typed", "expected"), PASSWORDS, ids=IDS)
def test_repository_repr_and_errors_show_no_password(typed: str, expected: str, clean_env: pytest.MonkeyPatch,
                                                      logs: pytest.LogCaptureFixture) -> None:
    repo = Repository(url_with(typed))
    try:
        assert repo.url.password == expected
        shown = {"repr": repr(repo), "str": str(repo), "url": str(repo.url), "url_repr": repr(repo.url),
                 "engine": repr(repo.engine), "pool": repr(repo.engine.pool)}
        assert "postgres:***@127.0.0.1:1/db" in shown["repr"]
        with pytest.raises(DatabaseUnavailable) as caught:
            repo.run(lambda uow: uow.ping())
        error = caught.value
        shown.update(message=str(error), error_repr=repr(error),
                     trace="".join(traceback.format_exception(error)))  # with its cause chain
        assert_nothing_of(typed, logs=all_log_text(logs), **shown)
    finally:
        repo.dispose()


@pytest.mark.parametrize(("typed", "expected"), PASSWORDS, ids=IDS)
def test_a_raw_password_connects_as_the_right_user_to_the_right_database(
        typed: str, expected: str, pg_url: str, clean_env: pytest.MonkeyPatch) -> None:
    server = make_url(pg_url)
    url = server_url(pg_url, typed)
    engine = make_engine(url)
    try:
        assert engine.url.password == expected
        with engine.connect() as connection:
            user, database, port, host = connection.execute(text(
                "SELECT current_user, current_database(), inet_server_port(), host(inet_server_addr())")).one()
    finally:
        engine.dispose()
    assert (user, database, port) == (server.username, server.database, server.port or 5432)
    if server.host and server.host[0].isdigit():
        assert host == server.host
    repo = Repository(url)
    try:
        repo.run(lambda uow: uow.ping(), write=False)
        assert_nothing_of(typed, repr=repr(repo), engine=repr(repo.engine))
    finally:
        repo.dispose()


# ---- aimhi upgrade ---------------------------------------------------------------


@pytest.mark.parametrize(("typed", "expected"), PASSWORDS, ids=IDS)
def test_upgrade_on_a_dead_port_fails_cleanly(typed: str, expected: str, clean_env: pytest.MonkeyPatch,
                                              logs: pytest.LogCaptureFixture) -> None:
    result = aimhi("upgrade", "--url", url_with(typed))
    shown = cli_text(result)
    assert result.exit_code == 1, shown
    assert "Error:" in result.stderr and "postgres:***@127.0.0.1:1/db" in shown
    assert_no_traceback(output=shown)
    assert_nothing_of(typed, output=shown, logs=all_log_text(logs))


@pytest.mark.parametrize(("typed", "expected"), PASSWORDS, ids=IDS)
def test_upgrade_on_the_server_works_with_a_raw_password(typed: str, expected: str, pg_url: str,
                                                         clean_env: pytest.MonkeyPatch,
                                                         logs: pytest.LogCaptureFixture) -> None:
    result = aimhi("upgrade", "--url", server_url(pg_url, typed))
    shown = cli_text(result)
    assert result.exit_code == 0, shown
    assert "Done:" in shown and "postgres:***@" in shown
    assert_no_traceback(output=shown)
    assert_nothing_of(typed, output=shown, logs=all_log_text(logs))


@pytest.mark.parametrize("how", ["DATABASE_URL", "SUPABASE_DATABASE_URL"])
def test_upgrade_from_the_environment_shows_no_password(how: str, clean_env: pytest.MonkeyPatch) -> None:
    typed = "p@ss:w/rd?x#y[z]%"
    if how == "SUPABASE_DATABASE_URL":
        clean_env.setenv("DATABASE_PROVIDER", "supabase")
    clean_env.setenv(how, url_with(typed))
    result = aimhi("upgrade")
    shown = cli_text(result)
    assert result.exit_code == 1 and "postgres:***@127.0.0.1:1/db" in shown, shown
    assert_no_traceback(output=shown)
    assert_nothing_of(typed, output=shown)


# ---- aimhi copy / verify ---------------------------------------------------------


@pytest.mark.parametrize(("typed", "expected"), PASSWORDS, ids=IDS)
def test_copy_and_verify_to_a_dead_port_fail_cleanly(typed: str, expected: str, sqlite_source: str,
                                                     tmp_path: Path, clean_env: pytest.MonkeyPatch,
                                                     logs: pytest.LogCaptureFixture) -> None:
    target = url_with(typed)
    reports = tmp_path / "reports"
    reports.mkdir()
    runs = {
        "copy": aimhi("copy", sqlite_source, target, "--report", str(reports / "copy.json")),
        "copy --dry-run": aimhi("copy", sqlite_source, target, "--dry-run", "--report", str(reports / "dry.json")),
        "verify": aimhi("verify", sqlite_source, target, "--report", str(reports / "verify.json")),
    }
    for name, result in runs.items():
        shown = cli_text(result)
        assert result.exit_code == 3, f"{name}: {shown}"
        assert "Error:" in result.stderr, f"{name}: {shown}"
        assert_no_traceback(**{name: shown})
        assert_nothing_of(typed, **{name: shown})
    written = reports_in(reports)
    assert "copy.json" in {p.name for p in reports.iterdir()}  # a failed run still leaves its report
    for report in reports.glob("*.json"):
        data = json.loads(report.read_text())
        assert data["target"].endswith("://postgres:***@127.0.0.1:1/db")
    assert_nothing_of(typed, reports=written, logs=all_log_text(logs))


def test_copy_and_verify_to_the_server_work_with_raw_passwords(
        sqlite_source: str, make_empty_db: Callable[[str], str], tmp_path: Path, clean_env: pytest.MonkeyPatch,
        logs: pytest.LogCaptureFixture) -> None:
    """One empty database, copied to with each password in turn (a re-run
    adds nothing); every run verifies."""
    target_db = make_empty_db("postgresql")
    reports = tmp_path / "reports"
    reports.mkdir()
    for number, (typed, _) in enumerate(PASSWORDS):
        target = server_url(target_db, typed, scheme="postgres" if number % 2 else "postgresql")
        copied = aimhi("copy", sqlite_source, target, "--report", str(reports / f"copy-{number}.json"))
        verified = aimhi("verify", sqlite_source, target, "--report", str(reports / f"verify-{number}.json"))
        for name, result in (("copy", copied), ("verify", verified)):
            shown = cli_text(result)
            assert result.exit_code == 0, f"{name} with {typed!r}: {shown}"
            assert_no_traceback(**{name: shown})
            assert_nothing_of(typed, **{name: shown})
        for kind in ("copy", "verify"):
            data = json.loads((reports / f"{kind}-{number}.json").read_text())
            assert data["ok"] is True and "postgres:***@" in data["target"]
            assert_nothing_of(typed, **{f"{kind} report": json.dumps(data)})
    everything = reports_in(reports) + all_log_text(logs)
    for typed, _ in PASSWORDS:
        assert_nothing_of(typed, reports_and_logs=everything)


# ---- aimhi serve ------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "expected"), PASSWORDS, ids=IDS)
def test_the_serve_banner_shows_no_password(typed: str, expected: str, clean_env: pytest.MonkeyPatch,
                                            app_stderr: io.StringIO, logs: pytest.LogCaptureFixture) -> None:
    started: list[flask.Flask] = []
    clean_env.setattr(flask.Flask, "run", lambda self, **kwargs: started.append(self))
    clean_env.setenv("DATABASE_URL", url_with(typed))
    result = aimhi("serve", "--port", "5999")
    try:
        shown = cli_text(result)
        assert result.exit_code == 0, shown
        assert len(started) == 1
        assert re.search(r"database: postgresql(\+psycopg)?://postgres:\*\*\*@127\.0\.0\.1:1/db\)", shown)
        assert started[0].config["DATABASE_URL"] == url_with(typed)  # the app itself has it, unmasked
        assert_nothing_of(typed, output=shown, stderr_log=app_stderr.getvalue(), logs=all_log_text(logs))
    finally:
        for app in started:
            close_app(app)


# ---- the app: /health and /chat with that DATABASE_URL ------------------------------


def exercise(client: flask.testing.FlaskClient) -> dict[str, Any]:
    """Requests that reach the database (or fail to); their bodies and headers."""
    shown: dict[str, Any] = {}
    token = {"Authorization": "Bearer test-admin-token"}
    requests = {
        "health": client.get("/health"),
        "live": client.get("/health/live"),
        "chat": client.post("/chat", json={"message": "hi"}),
        "risky chat": client.post("/chat", json={"message": RISKY}),
        "bad chat": client.post("/chat", data=b"{nope", content_type="application/json"),
        "history": client.get("/api/sessions/12345678-1234-1234-1234-123456789012/history"),
        "erase": client.delete("/api/sessions/12345678-1234-1234-1234-123456789012"),
        "analytics": client.get("/api/analytics/summary?days=7", headers=token),
    }
    for name, response in requests.items():
        assert response.status_code < 500 or response.status_code == 503, f"{name}: {response.get_data()!r}"
        assert response.is_json, f"{name}: {response.content_type} {response.get_data()[:200]!r}"
        shown[f"{name} body"] = response.get_data()
        shown[f"{name} headers"] = str(response.headers)
    return shown


@pytest.mark.parametrize("how", ["config", "env"])
@pytest.mark.parametrize(("typed", "expected"), PASSWORDS, ids=IDS)
def test_the_app_on_a_dead_port_shows_no_password(typed: str, expected: str, how: str, tmp_path: Path,
                                                   clean_env: pytest.MonkeyPatch, app_stderr: io.StringIO,
                                                   logs: pytest.LogCaptureFixture) -> None:
    url = url_with(typed)
    config = {**TEST_CONFIG, "OUTBOX_PATH": str(tmp_path / "outbox.db"), "REPLAY_INTERVAL_S": 0}
    if how == "env":
        clean_env.setenv("DATABASE_URL", url)
    else:
        config["DATABASE_URL"] = url
    app = create_app(config)
    try:
        client = app.test_client()
        shown = exercise(client)
        health = client.get("/health")
        assert health.status_code == 503 and health.get_json()["database"]["ok"] is False
        assert client.post("/chat", json={"message": "hi"}).get_json()["degraded"] is True
        app.extensions["aimhi.db_log_handler"].flush()
        assert_nothing_of(typed, stderr_log=app_stderr.getvalue(), logs=all_log_text(logs),
                          config_repr=repr({k: v for k, v in app.config.items() if k != "DATABASE_URL"}),
                          repo=repr(app.extensions["aimhi.service"].repo), **shown)
    finally:
        close_app(app)


@pytest.mark.parametrize(("typed", "expected"), PASSWORDS, ids=IDS)
def test_the_app_on_the_server_writes_system_logs_without_the_password(
        typed: str, expected: str, pg_url: str, tmp_path: Path, clean_env: pytest.MonkeyPatch,
        app_stderr: io.StringIO, logs: pytest.LogCaptureFixture) -> None:
    """A working Postgres reached with a raw password: the app answers, and
    what it logs (a safety reply sent before the database answered; an
    unhandled error with its traceback) lands in system_logs without it."""
    reset_database(pg_url)
    url = server_url(pg_url, typed)
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "OUTBOX_PATH": str(tmp_path / "outbox.db"),
                      "SAFETY_WAIT_S": 0.0, "DB_LOGGING": True})
    try:
        service: ChatService = app.extensions["aimhi.service"]
        assert service.repo.url.password == expected
        client = app.test_client()
        health = client.get("/health")
        assert health.status_code == 200 and health.get_json()["database"]["engine"] == "postgresql"
        chat = client.post("/chat", json={"message": "hi"})
        assert chat.status_code == 200 and "degraded" not in chat.get_json()
        shown = exercise(client)

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(f"analytics failed on {service.repo!r} via {service.repo.engine!r}")

        clean_env.setattr(service, "analytics", broken)
        failed = client.get("/api/analytics/summary", headers={"Authorization": "Bearer test-admin-token"})
        assert failed.status_code == 500 and failed.is_json
        shown["500 body"] = failed.get_data()
        app.extensions["aimhi.db_log_handler"].flush()
    finally:
        close_app(app)
    engine = make_engine(pg_url)
    try:
        with engine.connect() as connection:
            rows = [dict(r._mapping) for r in connection.execute(text(
                "SELECT log_level, component, message, session_id, error_trace FROM system_logs"))]
    finally:
        engine.dispose()
    messages = " | ".join(str(r["message"]) for r in rows)
    assert "unhandled error" in messages, rows
    assert any(r["error_trace"] and TRACEBACK in r["error_trace"] for r in rows), rows
    assert_nothing_of(typed, system_logs=json.dumps(rows, default=str), stderr_log=app_stderr.getvalue(),
                      logs=all_log_text(logs), **shown)


# ---- a bad port: a clear one-line error, never a traceback ----------------------------


def one_error_line(result: Result) -> str:
    lines = [line for line in (result.stderr or "").splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), cli_text(result)
    return lines[0]


@pytest.mark.parametrize("port", BAD_PORTS + MORE_BAD_PORTS)
def test_a_bad_port_is_refused_by_the_parser_naming_the_port(port: str) -> None:
    typed = "p@ss:w/rd?x#y[z]%"
    url = f"postgresql://postgres:{typed}@127.0.0.1{port}/db"
    with pytest.raises(BadDatabaseURL) as caught:
        normalise_url(url)
    assert "port" in str(caught.value)
    assert redact(url) == "<unreadable database URL>"
    with pytest.raises(BadDatabaseURL) as from_repo:
        Repository(url)
    assert_nothing_of(typed, parser=str(caught.value), repository=str(from_repo.value),
                      trace="".join(traceback.format_exception(from_repo.value)))


@pytest.mark.parametrize("port", BAD_PORTS + MORE_BAD_PORTS)
def test_upgrade_with_a_bad_port_says_so_in_one_line(port: str, clean_env: pytest.MonkeyPatch) -> None:
    typed = "abc@def"
    result = aimhi("upgrade", "--url", f"postgresql://postgres:{typed}@127.0.0.1{port}/db")
    assert result.exit_code == 2, cli_text(result)
    assert "port" in one_error_line(result)
    assert_no_traceback(output=cli_text(result))
    assert_nothing_of(typed, output=cli_text(result))


@pytest.mark.parametrize("command", ["copy", "verify"])
@pytest.mark.parametrize("port", BAD_PORTS)
def test_copy_and_verify_with_a_bad_port_say_so_in_one_line(port: str, command: str, sqlite_source: str,
                                                            tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    typed = "abc@def"
    result = aimhi(command, sqlite_source, f"postgresql://postgres:{typed}@127.0.0.1{port}/db",
                   "--report", str(tmp_path / "report.json"))
    shown = cli_text(result)
    assert result.exit_code != 0, shown
    line = one_error_line(result)
    assert_no_traceback(output=shown)
    assert_nothing_of(typed, output=shown, reports=reports_in(tmp_path))
    assert "port" in line, f"the error does not say what is wrong with the URL: {line!r}"


def run_real_aimhi(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The real `aimhi` entry point in a child process: an uncaught exception
    would print its traceback there."""
    child_env = {k: v for k, v in os.environ.items()
                 if k not in ("DATABASE_URL", "DATABASE_PROVIDER", "SQLITE_DATABASE_URL", "SUPABASE_DATABASE_URL")}
    child_env.update(AIMHI_INSTANCE_PATH=str(tmp_path / "instance"), OUTBOX_PATH=str(tmp_path / "outbox.db"),
                     OUTBOX_REPLAY_INTERVAL="0", PYTHONPATH=str(ROOT), **env)
    return subprocess.run([sys.executable, "-c", "from app.cli import main; main(prog_name='aimhi')", *args],
                          capture_output=True, text=True, env=child_env, cwd=tmp_path, timeout=60)


@pytest.mark.parametrize("env", [
    {"DATABASE_URL": "postgresql://postgres:abc@def@127.0.0.1:99999/db"},
    {"DATABASE_URL": "postgresql://postgres:abc@def@127.0.0.1:abc/db"},
    {"DATABASE_PROVIDER": "supabase"},
    {"DATABASE_PROVIDER": "mysql"},
], ids=["port-99999", "port-abc", "supabase-without-url", "unknown-provider"])
def test_serve_with_an_unusable_database_setting_says_so_without_a_traceback(
        env: dict[str, str], tmp_path: Path) -> None:
    done = run_real_aimhi(["serve", "--port", "5998"], env, tmp_path)
    shown = done.stdout + done.stderr
    assert_nothing_of("abc@def", output=shown)
    assert done.returncode != 0, shown
    assert_no_traceback(output=shown)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), shown


@pytest.mark.parametrize("port", BAD_PORTS)
def test_the_app_refuses_a_bad_port_without_the_password(port: str, tmp_path: Path,
                                                         clean_env: pytest.MonkeyPatch) -> None:
    typed = "p@ss:w/rd?x#y[z]%"
    clean_env.setenv("DATABASE_URL", f"postgresql://postgres:{typed}@127.0.0.1{port}/db")
    with pytest.raises(BadDatabaseURL) as caught:
        create_app({"TESTING": True, "OUTBOX_PATH": str(tmp_path / "outbox.db")})
    assert "port" in str(caught.value)
    assert_nothing_of(typed, error=str(caught.value), trace="".join(traceback.format_exception(caught.value)))


# ---- DATABASE_PROVIDER -------------------------------------------------------------


def test_provider_sqlite_is_the_default_embedded_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    expected = f"sqlite:///{tmp_path / 'instance' / 'aimhi.db'}"
    assert database_url() == expected
    clean_env.setenv("DATABASE_PROVIDER", "sqlite")
    assert database_url() == expected
    clean_env.setenv("DATABASE_PROVIDER", " SQLite ")
    assert database_url() == expected


def test_provider_sqlite_takes_sqlite_database_url(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    chosen = f"sqlite:///{tmp_path / 'chosen.db'}"
    clean_env.setenv("DATABASE_PROVIDER", "sqlite")
    clean_env.setenv("SQLITE_DATABASE_URL", chosen)
    clean_env.setenv("SUPABASE_DATABASE_URL", url_with("abc@def"))  # not this provider's
    assert database_url() == chosen
    result = aimhi("upgrade")
    assert result.exit_code == 0, cli_text(result)
    assert (tmp_path / "chosen.db").exists() and not (tmp_path / "instance" / "aimhi.db").exists()
    assert_nothing_of("abc@def", output=cli_text(result))


def test_upgrade_without_settings_creates_the_embedded_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "instance").mkdir()
    result = aimhi("upgrade")
    assert result.exit_code == 0, cli_text(result)
    assert (tmp_path / "instance" / "aimhi.db").exists()


def test_provider_supabase_takes_supabase_database_url(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    typed = "Sup3r@Secret:Pa55/word#42"
    clean_env.setenv("DATABASE_PROVIDER", "supabase")
    clean_env.setenv("SUPABASE_DATABASE_URL", url_with(typed))
    clean_env.setenv("SQLITE_DATABASE_URL", f"sqlite:///{tmp_path / 'not-this.db'}")
    assert database_url() == url_with(typed)
    app = create_app({"TESTING": True, "REPLAY_INTERVAL_S": 0})
    try:
        assert app.config["DATABASE_URL"] == url_with(typed)
        assert app.extensions["aimhi.service"].repo.engine_name == "postgresql"
        assert app.config["AUTO_MIGRATE"] is False  # migrations on Postgres belong to `aimhi upgrade`
    finally:
        close_app(app)


def test_provider_supabase_without_its_url_names_the_variable(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_PROVIDER", "supabase")
    with pytest.raises(BadDatabaseURL, match="SUPABASE_DATABASE_URL"):
        database_url()
    clean_env.setenv("SUPABASE_DATABASE_URL", "")
    with pytest.raises(BadDatabaseURL, match="SUPABASE_DATABASE_URL"):
        database_url()
    result = aimhi("upgrade")
    assert result.exit_code == 2, cli_text(result)
    assert "SUPABASE_DATABASE_URL" in one_error_line(result)
    assert_no_traceback(output=cli_text(result))


def test_database_url_wins_over_the_provider(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    chosen = f"sqlite:///{tmp_path / 'explicit.db'}"
    clean_env.setenv("DATABASE_URL", chosen)
    for provider in ("supabase", "sqlite", "nonsense"):
        clean_env.setenv("DATABASE_PROVIDER", provider)
        clean_env.setenv("SUPABASE_DATABASE_URL", url_with("abc@def"))
        clean_env.setenv("SQLITE_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
        assert database_url() == chosen
    assert database_url(f"sqlite:///{tmp_path / 'flag.db'}") == f"sqlite:///{tmp_path / 'flag.db'}"  # --url first


@pytest.mark.parametrize("provider", ["mysql", "supabase-prod", "postgres", "\u0663"])
def test_an_unknown_provider_is_a_clear_error(provider: str, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_PROVIDER", provider)
    with pytest.raises(BadDatabaseURL) as caught:
        database_url()
    assert "DATABASE_PROVIDER" in str(caught.value) and "sqlite" in str(caught.value)
    result = aimhi("upgrade")
    assert result.exit_code == 2, cli_text(result)
    assert "DATABASE_PROVIDER" in one_error_line(result)
    assert_no_traceback(output=cli_text(result))
