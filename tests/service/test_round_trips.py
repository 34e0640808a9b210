"""Round trips to Postgres, counted on the wire (tests/netproxy.py sits between
the app and the server, or pgbouncer, and counts request/response exchanges).

Supabase may be 20-90 ms away, so these counts are the cost of a turn: the read
with its lock, then the write batch with COMMIT; nothing per request for
liveness. Counts, not timings: they hold on any machine."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

import netproxy
from chat_helpers import say
from netproxy import NetProxy

pytestmark = pytest.mark.postgres_only

YARN = ["hi", "my nan and my cousins", "footy and painting", "school stuff", "finish year 12", "thanks"]
ADMIN = {"Authorization": "Bearer test-admin-token"}


@pytest.fixture
def proxy(db_url: str) -> Iterator[NetProxy]:
    parts = urlsplit(db_url)
    with netproxy.proxies() as start:
        yield start(parts.hostname or "127.0.0.1", parts.port or 5432)


@pytest.fixture
def proxied(make_app: Callable[..., Flask], proxy: NetProxy, db_url: str) -> FlaskClient:
    """The app talking to the database through the counting proxy, its pool
    warmed (the first connection of a process also learns the server's version)."""
    client = make_app(DATABASE_URL=proxy.url_for(db_url)).test_client()
    assert client.get("/health").status_code == 200
    return client


def _counted(proxy: NetProxy, call: Callable[[], object], *, open_after: int | None = None) -> tuple[int, int]:
    """Round trips and new connections of `call`. With `open_after`, waits
    until the proxy has seen connections close down to that many, so a closing
    connection's last message (Terminate, which waits for no answer) is always
    counted, never lost to a race with the end of the block."""
    with proxy.counting() as counter:
        call()
        deadline = time.monotonic() + 5
        while open_after is not None and proxy.open_connections > open_after and time.monotonic() < deadline:
            time.sleep(0.005)
    return counter.round_trips, counter.connections


def test_every_turn_of_a_yarn_is_two_round_trips(proxied: FlaskClient, proxy: NetProxy) -> None:
    for _ in range(2):  # a second yarn too: nothing is learnt once and reused by luck
        sid = None
        for message in [*YARN, "i want to kill myself"]:
            def turn() -> None:
                nonlocal sid
                sid = say(proxied, message, sid)["session_id"]
            assert _counted(proxy, turn) == (2, 0), message


def test_reads_are_one_round_trip(proxied: FlaskClient, proxy: NetProxy) -> None:
    sid = say(proxied, "hi")["session_id"]
    assert _counted(proxy, lambda: proxied.get(f"/api/sessions/{sid}/history")) == (1, 0)
    assert _counted(proxy, lambda: proxied.get("/api/analytics/summary?days=7", headers=ADMIN)) == (1, 0)
    assert _counted(proxy, lambda: proxied.get("/health")) == (1, 0)


def test_erasing_a_yarn_is_three_round_trips(proxied: FlaskClient, proxy: NetProxy) -> None:
    sid = say(proxied, "hi")["session_id"]
    # what names it, then the deletes, then COMMIT
    assert _counted(proxy, lambda: proxied.delete(f"/api/sessions/{sid}")) == (3, 0)


def _bare_connection_cost(proxy: NetProxy, url: str) -> int:
    """Round trips of opening and closing one connection, nothing sent."""
    plain = make_url(proxy.url_for(url)).set(drivername="postgresql").difference_update_query(["pooler"])
    dsn = plain.render_as_string(hide_password=False)
    round_trips, _ = _counted(proxy, lambda: psycopg.connect(dsn, connect_timeout=5).close(), open_after=0)
    return round_trips


def test_without_a_client_pool_a_turn_is_one_connection_and_two_round_trips(
    make_app: Callable[..., Flask], proxy: NetProxy, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DATABASE_POOL=none (serverless): each request opens and closes its own
    connection; beyond that a turn still costs two round trips."""
    monkeypatch.setenv("DATABASE_POOL", "none")
    client = make_app(DATABASE_URL=proxy.url_for(db_url)).test_client()
    assert client.get("/health").status_code == 200
    handshake = _bare_connection_cost(proxy, db_url)
    sid = None
    for message in YARN:
        def turn() -> None:
            nonlocal sid
            sid = say(client, message, sid)["session_id"]
        round_trips, connections = _counted(proxy, turn, open_after=0)
        assert connections == 1, message
        assert round_trips == handshake + 2, (message, round_trips, handshake)
