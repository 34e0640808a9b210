"""Tests of tests/netproxy.py against a tiny echo server started here (and one
check through Postgres when there is one).

Timings are only asserted as lower bounds: a loaded CI machine may be slow,
but a proxy can never make the network faster than the latency it adds."""

from __future__ import annotations

import os
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
import netproxy  # noqa: E402
import pgserver  # noqa: E402
from netproxy import NetProxy, replace_host_port  # noqa: E402

IO_TIMEOUT_S = 5.0  # a broken proxy fails the test instead of hanging it
STALL_TIMEOUT_S = 0.3  # how long a stalled recv waits before we call it silent


# --------------------------------------------------------------------------
# The echo server
# --------------------------------------------------------------------------


class EchoServer(socketserver.ThreadingTCPServer):
    """Echoes every chunk back (after ``reply_delay_s``), closes on EOF, and
    records what it received and how each connection ended."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, reply_delay_s: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _EchoHandler)
        self.reply_delay_s = reply_delay_s
        self.received: list[bytes] = []
        self.endings: list[str] = []  # "eof" | "reset" per connection
        self.accepted = 0

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.server_address[:2]
        return str(host), int(port)


class _EchoHandler(socketserver.BaseRequestHandler):
    server: EchoServer

    def handle(self) -> None:
        self.server.accepted += 1
        self.server.endings.append(self._echo())

    def _echo(self) -> str:
        sock: socket.socket = self.request
        try:
            while data := sock.recv(65536):
                self.server.received.append(data)
                if self.server.reply_delay_s:
                    time.sleep(self.server.reply_delay_s)
                sock.sendall(data)
        except ConnectionResetError:
            return "reset"
        return "eof"


@pytest.fixture
def start_echo() -> Iterator[Callable[..., EchoServer]]:
    servers: list[EchoServer] = []

    def start(reply_delay_s: float = 0.0) -> EchoServer:
        server = EchoServer(reply_delay_s)
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def echo(start_echo: Callable[..., EchoServer]) -> EchoServer:
    return start_echo()


@pytest.fixture
def make_proxy() -> Iterator[Callable[..., NetProxy]]:
    """netproxy.proxies() as a fixture; also fails a test whose proxy loop
    crashed, even if the test itself did not notice."""
    started: list[NetProxy] = []
    with netproxy.proxies() as start:

        def tracked(host: str, port: int, **kwargs: object) -> NetProxy:
            proxy = start(host, port, **kwargs)
            started.append(proxy)
            return proxy

        yield tracked
    for proxy in started:
        assert proxy.failure is None, f"proxy loop crashed: {proxy.failure!r}"


@pytest.fixture
def proxy(echo: EchoServer, make_proxy: Callable[..., NetProxy]) -> NetProxy:
    return make_proxy(*echo.address)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def connect(proxy: NetProxy, timeout: float = IO_TIMEOUT_S) -> socket.socket:
    sock = socket.create_connection((proxy.host, proxy.port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise AssertionError(f"EOF after {len(data)} of {size} bytes")
        data += chunk
    return data


def exchange(sock: socket.socket, payload: bytes) -> bytes:
    """One request and its (echoed) reply: one round trip."""
    sock.sendall(payload)
    return recv_exactly(sock, len(payload))


def assert_reset(sock: socket.socket) -> None:
    """The proxy closes with RST, so the client sees a reset, not an EOF."""
    sock.settimeout(IO_TIMEOUT_S)
    with pytest.raises(ConnectionResetError):
        data = sock.recv(16)
        pytest.fail(f"expected a reset, got {data!r}")


def wait_for(condition: Callable[[], bool], what: str, timeout: float = IO_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------
# Forwarding and round trips
# --------------------------------------------------------------------------


def test_forward_one_send_and_reply_is_one_round_trip(proxy: NetProxy) -> None:
    with connect(proxy) as sock:
        assert exchange(sock, b"ping") == b"ping"
    assert proxy.round_trips == 1
    assert proxy.connections == 1


def test_three_sends_each_awaiting_its_reply_are_three_round_trips(proxy: NetProxy) -> None:
    with connect(proxy) as sock:
        for payload in (b"one", b"two", b"three"):
            assert exchange(sock, payload) == payload
    assert proxy.round_trips == 3


def test_three_pipelined_sends_then_one_read_are_one_round_trip(
    start_echo: Callable[..., EchoServer], make_proxy: Callable[..., NetProxy]
) -> None:
    # The server takes a moment to answer (as a database does), so all three
    # sends reach the proxy before any reply: one burst.
    proxy = make_proxy(*start_echo(reply_delay_s=0.1).address)
    with connect(proxy) as sock:
        for payload in (b"one", b"two", b"three"):
            sock.sendall(payload)
        assert recv_exactly(sock, len(b"onetwothree")) == b"onetwothree"
    assert proxy.round_trips == 1


def test_a_server_greeting_does_not_start_a_round_trip(make_proxy: Callable[..., NetProxy]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(IO_TIMEOUT_S)
        proxy = make_proxy(*server.getsockname()[:2])
        with connect(proxy) as sock:
            peer, _ = server.accept()
            with peer:
                peer.settimeout(IO_TIMEOUT_S)
                peer.sendall(b"hello")
                assert recv_exactly(sock, 5) == b"hello"
                assert proxy.round_trips == 0
                sock.sendall(b"hi")
                assert recv_exactly(peer, 2) == b"hi"
                peer.sendall(b"ok")
                assert recv_exactly(sock, 2) == b"ok"
    assert proxy.round_trips == 1


def test_counting_counts_only_inside_the_block_on_all_connections(proxy: NetProxy) -> None:
    with connect(proxy) as first:
        exchange(first, b"before")
        with proxy.counting() as counter:
            exchange(first, b"inside")
            with connect(proxy) as second:
                exchange(second, b"other connection")
        exchange(first, b"after")
    assert (counter.round_trips, counter.connections) == (2, 1)
    assert (proxy.round_trips, proxy.connections) == (4, 2)
    assert proxy.round_trips_by_connection == {1: 3, 2: 1}


def test_nested_counting_blocks_both_count(proxy: NetProxy) -> None:
    with connect(proxy) as sock, proxy.counting() as outer:
        exchange(sock, b"a")
        with proxy.counting() as inner:
            exchange(sock, b"b")
    assert (outer.round_trips, inner.round_trips) == (2, 1)


def test_reset_counts_zeroes_totals_and_keeps_open_connections(proxy: NetProxy) -> None:
    with connect(proxy) as first:
        exchange(first, b"a")
        with connect(proxy) as gone:
            exchange(gone, b"b")
        wait_for(lambda: proxy.open_connections == 1, "the closed connection to go")
        proxy.reset_counts()
        assert (proxy.round_trips, proxy.connections) == (0, 0)
        assert proxy.round_trips_by_connection == {1: 0}
        exchange(first, b"c")
    assert proxy.round_trips == 1
    assert proxy.round_trips_by_connection == {1: 1}


# --------------------------------------------------------------------------
# Byte streams
# --------------------------------------------------------------------------


def test_half_close_is_passed_on_and_the_connection_ends(proxy: NetProxy, echo: EchoServer) -> None:
    with connect(proxy) as sock:
        sock.sendall(b"bye")
        sock.shutdown(socket.SHUT_WR)
        assert recv_exactly(sock, 3) == b"bye"
        assert sock.recv(16) == b""  # the server closed after our EOF
    wait_for(lambda: proxy.open_connections == 0, "the proxy to close the connection")
    assert echo.endings == ["eof"]


def test_a_large_transfer_arrives_intact_both_ways(proxy: NetProxy) -> None:
    # More than the proxy buffers per direction, so reading pauses and resumes.
    payload = os.urandom(12 * (1 << 20))
    with connect(proxy, timeout=30) as sock:
        sender = threading.Thread(target=sock.sendall, args=(payload,), daemon=True)
        sender.start()
        received = recv_exactly(sock, len(payload))
        sender.join(IO_TIMEOUT_S)
    assert received == payload


def test_latency_preserves_the_order_of_many_chunks(proxy: NetProxy) -> None:
    proxy.latency_s = 0.05
    chunks = [f"{i:04d}".encode() for i in range(200)]
    with connect(proxy) as sock:
        for chunk in chunks:
            sock.sendall(chunk)
        assert recv_exactly(sock, 4 * len(chunks)) == b"".join(chunks)


def test_a_target_that_is_down_resets_the_client(make_proxy: Callable[..., NetProxy]) -> None:
    proxy = make_proxy("127.0.0.1", free_port())
    # The proxy accepts, fails to reach the target and resets at once; the
    # RST can land before connect() has read its own result, so a reset is
    # what we expect whether connect() or the first recv() reports it.
    with pytest.raises(ConnectionResetError):
        with connect(proxy) as sock:
            sock.settimeout(IO_TIMEOUT_S)
            data = sock.recv(16)
            pytest.fail(f"expected a reset, got {data!r}")


# --------------------------------------------------------------------------
# Latency
# --------------------------------------------------------------------------


def test_latency_adds_latency_s_per_round_trip(proxy: NetProxy) -> None:
    proxy.latency_s = 0.2
    with connect(proxy) as sock:
        started = time.perf_counter()
        exchange(sock, b"ping")
        one = time.perf_counter() - started
        started = time.perf_counter()
        for payload in (b"a", b"b", b"c"):
            exchange(sock, payload)
        three = time.perf_counter() - started
    assert one >= 0.9 * 0.2
    assert three >= 3 * 0.9 * 0.2


def test_latency_shifts_pipelined_sends_rather_than_serialising_them(
    start_echo: Callable[..., EchoServer], make_proxy: Callable[..., NetProxy]
) -> None:
    # Lower bound only: the three replies still take one latency at least.
    proxy = make_proxy(*start_echo().address)
    proxy.latency_s = 0.2
    with connect(proxy) as sock:
        started = time.perf_counter()
        for payload in (b"one", b"two", b"six"):
            sock.sendall(payload)
        assert recv_exactly(sock, 9) == b"onetwosix"
        assert time.perf_counter() - started >= 0.9 * 0.2


def test_latency_must_not_be_negative(proxy: NetProxy) -> None:
    with pytest.raises(ValueError):
        proxy.latency_s = -0.1


# --------------------------------------------------------------------------
# Modes
# --------------------------------------------------------------------------


def test_refuse_refuses_new_connections_and_resets_open_ones(
    proxy: NetProxy, echo: EchoServer
) -> None:
    port = proxy.port
    with connect(proxy) as open_before:
        exchange(open_before, b"hello")
        proxy.mode = "refuse"
        assert_reset(open_before)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((proxy.host, port), timeout=IO_TIMEOUT_S).close()
    wait_for(lambda: echo.endings == ["reset"], "the server end to be reset too")

    proxy.mode = "forward"
    assert proxy.port == port
    with connect(proxy) as sock:
        assert exchange(sock, b"again") == b"again"


def test_stall_accepts_but_answers_nothing_and_forward_drops_what_was_held(
    proxy: NetProxy, echo: EchoServer
) -> None:
    before = connect(proxy)
    exchange(before, b"before")
    proxy.mode = "stall"

    before.settimeout(STALL_TIMEOUT_S)
    before.sendall(b"held")
    with pytest.raises(TimeoutError):
        before.recv(16)

    during = connect(proxy, timeout=STALL_TIMEOUT_S)
    wait_for(lambda: proxy.connections == 2, "the proxy to accept during the stall")
    during.sendall(b"lost")
    with pytest.raises(TimeoutError):
        during.recv(16)

    proxy.mode = "forward"
    # Documented: connections open during the stall are reset, never resumed.
    for sock in (before, during):
        with sock:
            assert_reset(sock)
    with connect(proxy) as after:
        assert exchange(after, b"after") == b"after"
    assert b"".join(echo.received) == b"beforeafter"  # nothing held was delivered
    assert echo.accepted == 2  # no upstream connection for the stalled client


def test_stall_counts_no_round_trips(proxy: NetProxy) -> None:
    proxy.mode = "stall"
    with connect(proxy, timeout=STALL_TIMEOUT_S) as sock:
        sock.sendall(b"x")
        with pytest.raises(TimeoutError):
            sock.recv(1)
    assert proxy.round_trips == 0


def test_a_mode_set_before_start_applies_at_start(echo: EchoServer) -> None:
    proxy = NetProxy(*echo.address)
    proxy.mode = "refuse"
    with proxy.start():
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((proxy.host, proxy.port), timeout=IO_TIMEOUT_S).close()
        proxy.mode = "forward"
        with connect(proxy) as sock:
            assert exchange(sock, b"up") == b"up"


def test_an_unknown_mode_is_rejected(proxy: NetProxy) -> None:
    with pytest.raises(ValueError):
        proxy.mode = "drop"
    assert proxy.mode == "forward"


# --------------------------------------------------------------------------
# URLs and lifecycle helpers
# --------------------------------------------------------------------------


def test_url_for_replaces_only_host_and_port(proxy: NetProxy) -> None:
    url = "postgresql+psycopg://user:pw@127.0.0.1:5432/db?x=1"
    proxied = proxy.url_for(url)
    assert proxied == f"postgresql+psycopg://user:pw@127.0.0.1:{proxy.port}/db?x=1"
    parsed = make_url(proxied)
    assert (parsed.username, parsed.password, parsed.database) == ("user", "pw", "db")
    assert (parsed.host, parsed.port, dict(parsed.query)) == ("127.0.0.1", proxy.port, {"x": "1"})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://alice@db.example.com/app", "postgresql://alice@127.0.0.1:7/app"),
        ("postgresql://u:p%40ss@h:1/d", "postgresql://u:p%40ss@127.0.0.1:7/d"),
        ("postgresql://h1:5432,h2:5433/d", "postgresql://127.0.0.1:7/d"),
        ("postgresql+psycopg:///d", "postgresql+psycopg://127.0.0.1:7/d"),
        (
            "postgresql://u@h/d?host=/tmp&sslmode=disable&port=1&hostaddr=10.0.0.1",
            "postgresql://u@127.0.0.1:7/d?sslmode=disable",
        ),
    ],
)
def test_replace_host_port(url: str, expected: str) -> None:
    assert replace_host_port(url, "127.0.0.1", 7) == expected


def test_replace_host_port_brackets_ipv6_and_rejects_non_urls() -> None:
    assert replace_host_port("postgresql://u@h:1/d", "::1", 7) == "postgresql://u@[::1]:7/d"
    with pytest.raises(ValueError):
        replace_host_port("host=localhost port=5432", "127.0.0.1", 7)


def test_start_on_a_taken_port_raises(proxy: NetProxy, echo: EchoServer) -> None:
    with pytest.raises(OSError):
        NetProxy(*echo.address, listen_port=proxy.port).start()


def test_a_wildcard_listen_host_is_reached_through_loopback() -> None:
    assert NetProxy("127.0.0.1", 1, listen_host="0.0.0.0").host == "127.0.0.1"


def test_start_proxy_and_stop_all(echo: EchoServer) -> None:
    host, port = echo.address
    proxies = [
        netproxy.start_proxy(host, port),
        netproxy.start_proxy_for_url(f"postgresql+psycopg://u@{host}:{port}/db"),
    ]
    for proxy in proxies:
        with connect(proxy) as sock:
            assert exchange(sock, b"hi") == b"hi"
    netproxy.stop_all()
    for proxy in proxies:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((proxy.host, proxy.port), timeout=IO_TIMEOUT_S).close()
        proxy.stop()  # idempotent


def test_stop_resets_open_connections(proxy: NetProxy) -> None:
    with connect(proxy) as sock:
        exchange(sock, b"x")
        proxy.stop()
        assert_reset(sock)
    with pytest.raises(RuntimeError):
        proxy.mode = "stall"  # a stopped proxy says so instead of hanging


# --------------------------------------------------------------------------
# Through Postgres (skipped when there is none, see tests/conftest.py)
# --------------------------------------------------------------------------


@pytest.fixture
def pg_proxy(pg_url: str, make_proxy: Callable[..., NetProxy]) -> NetProxy:
    parsed = make_url(pg_url)
    return make_proxy(parsed.host or "127.0.0.1", parsed.port or 5432)


@pytest.mark.postgres_only
def test_psycopg_through_the_proxy_select_1_is_one_round_trip(
    pg_url: str, pg_proxy: NetProxy
) -> None:
    with pgserver.psycopg_connect(pg_proxy.url_for(pg_url), autocommit=True) as conn:
        assert pg_proxy.connections == 1
        assert pg_proxy.round_trips >= 1  # the startup handshake
        with pg_proxy.counting() as counter:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    assert counter.round_trips == 1


@pytest.mark.postgres_only
def test_sqlalchemy_through_the_proxy(pg_url: str, pg_proxy: NetProxy) -> None:
    engine = create_engine(pg_proxy.url_for(pg_url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
    assert pg_proxy.connections >= 1
