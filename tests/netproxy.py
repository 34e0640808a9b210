"""A small in-process TCP proxy for tests and benchmarks.

Why: to put numbers on what the app does to the database (round trips per
chat turn), to add network latency on loopback, and to simulate a database
that refuses connections or freezes (a network partition), without root,
iptables or extra processes. Standard library only and importable without
pytest, so benchmark scripts can use it (they put ``tests/`` on
``sys.path``)::

    proxy = NetProxy("127.0.0.1", 5432).start()
    engine = create_engine(proxy.url_for(pg_url))
    with proxy.counting() as counter:
        run_one_chat_turn(engine)
    assert counter.round_trips <= 2
    proxy.stop()

Design: one thread runs a ``selectors`` loop that owns every socket (the
listener, both ends of every connection). Other threads never touch a socket;
they post commands to the loop and wait for them, so a mode change has taken
effect when the setter returns, and no thread closes a socket another one is
blocked on.

Modes (``proxy.mode``):

``"forward"``
    Bytes pass both ways; half-closes (FIN) are passed on once the queued
    bytes are delivered; a reset or error on one end resets the other. If the
    target refuses or is down, the client connection is reset.
``"refuse"``
    The listening socket is closed, so new connections get
    ``ConnectionRefusedError``, and every open connection is reset (RST on
    both ends, via ``SO_LINGER`` 0). Leaving ``refuse`` listens again on the
    same port (another process could take it meanwhile: then the setter raises
    ``OSError``).
``"stall"``
    New connections are accepted but no upstream connection is made; open
    connections stop forwarding in both directions. Bytes that arrive are read
    (so senders do not block) and dropped, as are bytes queued for delivery
    (latency), like a partition or a frozen server: the peer just sees
    silence. An end that closes during the stall is closed (the client end
    takes the whole connection with it). Going back to ``"forward"`` resets
    every connection that was open during the stall (both ends get RST),
    because the dropped bytes have torn their byte streams and delivering
    later bytes would hand the peer garbage; new connections work normally.
    So after a stall, clients see ``ConnectionResetError`` on their old
    connections and must reconnect, as after a real partition long enough
    for TCP to give up.

Latency (``proxy.latency_s``): each chunk is delivered ``latency_s / 2`` after
the proxy read it, in each direction, preserving order, so one request and
its reply take ``latency_s`` longer. Pipelined chunks are shifted in time,
not serialised: ten chunks sent at once all arrive ``latency_s / 2`` later.

Round trips, counted per connection, in total and per ``counting()`` block:
the proxy sees a sequence of events on each connection, "client sent bytes"
and "server sent bytes" (one event per chunk read, in the order the proxy
reads them). A round trip starts at each client event whose previous event on
that connection was a server event, or that is the connection's first event.
In other words, the number of client->server bursts, each of which is
normally followed by a server->client reply. So:

- one request and its reply: 1;
- three requests, each waiting for its reply: 3;
- three pipelined requests, then reading the replies: 1, provided the
  server has not replied to the first before the proxy read the last (with a
  server that answers quicker than the client writes, bursts can split);
- the protocol's startup handshake counts like any other exchange (for
  libpq: SSL/GSS negotiation, startup packet, each authentication step);
- a server that speaks first (a greeting) does not start a round trip; the
  client's answer does.

Events are counted when the proxy reads them, before forwarding them, so a
client that has received its reply sees the count already up to date.
Nothing is counted in ``"stall"`` mode (nothing is forwarded).
"""

from __future__ import annotations

import errno
import functools
import selectors
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = [
    "FORWARD",
    "MODES",
    "REFUSE",
    "STALL",
    "NetProxy",
    "RoundTripCounter",
    "proxies",
    "replace_host_port",
    "start_proxy",
    "start_proxy_for_url",
    "stop_all",
]

FORWARD, REFUSE, STALL = "forward", "refuse", "stall"
MODES = (FORWARD, REFUSE, STALL)

_CHUNK = 1 << 16
# Stop reading from one end while this much waits for the other end, so a
# benchmark pushing a lot of data (or a slow reader) cannot grow memory
# without bound.
_MAX_BUFFERED = 1 << 22
_COMMAND_TIMEOUT_S = 10.0
_IN_PROGRESS = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, errno.EALREADY}
# libpq reads these query parameters before the URL's host/port: left in,
# they would route the client around the proxy.
_ROUTING_KEYS = frozenset({"host", "hostaddr", "port"})
_WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}
_READ, _WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE


@dataclass
class RoundTripCounter:
    """Counts from a ``NetProxy.counting()`` block; live while the block runs,
    frozen after it (so it can be asserted on after the ``with``)."""

    round_trips: int = 0
    connections: int = 0


@dataclass(eq=False)
class _Side:
    """One end of a proxied connection: its socket, and the chunks waiting to
    be written to it as (due time, bytes)."""

    sock: socket.socket
    is_client: bool
    connected: bool = True
    connecting: bool = False
    out: deque[tuple[float, bytes]] = field(default_factory=deque)
    out_bytes: int = 0
    eof_in: bool = False  # the peer behind this socket sent FIN
    shut: bool = False  # we sent FIN to it
    closed: bool = False
    events: int = 0  # what the selector watches for, 0 = unregistered
    handler: Callable[[int], None] | None = None

    def drop_queued(self) -> None:
        self.out.clear()
        self.out_bytes = 0


@dataclass(eq=False)
class _Connection:
    number: int
    client: _Side
    server: _Side | None = None
    frozen: bool = False  # open while the proxy stalled: never forwards again
    last_event: str = ""  # "client" | "server" | "" (nothing yet)
    dropped: bool = False

    def sides(self) -> list[_Side]:
        return [s for s in (self.client, self.server) if s is not None]

    def peer(self, side: _Side) -> _Side | None:
        return self.server if side.is_client else self.client


class _Command:
    """A function for the loop thread to run, and its outcome for the caller."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as exc:  # handed to the caller, who re-raises
            self.error = exc
        finally:
            self.done.set()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.done.set()


class NetProxy:
    """A TCP proxy from ``listen_host:listen_port`` (0 = any free port) to
    ``target_host:target_port``. See the module docstring for the modes,
    latency and the round-trip definition."""

    def __init__(
        self,
        target_host: str,
        target_port: int,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
    ) -> None:
        self.target_host = target_host
        self.target_port = int(target_port)
        self.listen_host = listen_host
        self._requested_port = int(listen_port)
        self._port: int | None = None
        self._mode = FORWARD
        self._latency_s = 0.0
        self._stats_lock = threading.Lock()
        self._round_trips = 0
        self._connections = 0
        self._by_connection: dict[int, int] = {}
        self._counters: list[RoundTripCounter] = []
        self._conns: dict[int, _Connection] = {}
        self._accepted = 0  # connection numbers, never reset
        self._listener: socket.socket | None = None
        self._commands: deque[_Command] = deque()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._stopped = False
        self.failure: BaseException | None = None  # what killed the loop, if anything
        # Set by start():
        self._target: tuple[int, Any]
        self._sel: selectors.BaseSelector
        self._wake_r: socket.socket
        self._wake_w: socket.socket

    # ------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------

    def start(self) -> NetProxy:
        """Bind, then serve from a daemon thread. Returns self for chaining."""
        if self._thread is not None:
            raise RuntimeError("NetProxy.start() called twice")
        self._target = self._resolve(self.target_host, self.target_port, passive=False)
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._sel.register(self._wake_r, _READ, self._run_commands)
        try:
            self._listen()
        except OSError:  # e.g. the requested port is taken: leave nothing open
            self._sel.close()
            self._wake_r.close()
            self._wake_w.close()
            raise
        if self._mode == REFUSE:
            self._unlisten()
        self._thread = threading.Thread(target=self._run, name=f"netproxy:{self._port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Reset every connection, stop listening and end the thread
        (idempotent)."""
        _forget(self)
        if self._thread is None or self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive():
            try:
                self._call(self._begin_shutdown)
            except RuntimeError:
                pass  # the loop died meanwhile: its finally closed everything
        self._thread.join(_COMMAND_TIMEOUT_S)

    def __enter__(self) -> NetProxy:
        return self if self._thread is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return (
            f"NetProxy(:{self._port} -> {self.target_host}:{self.target_port}, "
            f"mode={self._mode}, latency_s={self._latency_s})"
        )

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the proxy has no port before start()")
        return self._port

    @property
    def host(self) -> str:
        """Where clients connect: the listen host, or loopback for a wildcard."""
        return _WILDCARDS.get(self.listen_host, self.listen_host)

    def url_for(self, url: str) -> str:
        """``url`` (SQLAlchemy or libpq form) pointing at the proxy instead;
        see ``replace_host_port``."""
        return replace_host_port(url, self.host, self.port)

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {value!r}")
        if self._thread is None:
            self._mode = value  # start() applies it
            return
        self._call(functools.partial(self._apply_mode, value))

    @property
    def latency_s(self) -> float:
        return self._latency_s

    @latency_s.setter
    def latency_s(self, value: float) -> None:
        """Applies to chunks read from now on; queued ones keep their time."""
        if value < 0:
            raise ValueError(f"latency_s must be >= 0, not {value!r}")
        self._latency_s = float(value)

    @property
    def round_trips(self) -> int:
        """Round trips on all connections since start or ``reset_counts()``."""
        return self._round_trips

    @property
    def round_trips_by_connection(self) -> dict[int, int]:
        """{connection number: round trips}, numbers counting accepted
        connections from 1 (never reset); holds the connections open at the
        last ``reset_counts()`` and those accepted since."""
        with self._stats_lock:
            return dict(self._by_connection)

    @property
    def connections(self) -> int:
        """Client connections accepted since start or ``reset_counts()``."""
        return self._connections

    @property
    def open_connections(self) -> int:
        return len(self._conns)

    def reset_counts(self) -> None:
        """Zero the round-trip and connection counts (not ``counting()``
        blocks in progress)."""
        if self._thread is not None and self._thread.is_alive():
            self._call(self._reset_counts_now)
        else:
            self._reset_counts_now()

    @contextmanager
    def counting(self) -> Iterator[RoundTripCounter]:
        """Count the round trips started (and connections accepted) inside
        the block, on all connections."""
        counter = RoundTripCounter()
        with self._stats_lock:
            self._counters.append(counter)
        try:
            yield counter
        finally:
            with self._stats_lock:
                self._counters.remove(counter)

    # ------------------------------------------------------------------
    # Talking to the loop thread
    # ------------------------------------------------------------------

    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the loop thread and wait: only that thread touches
        sockets, and callers may rely on the effect when this returns."""
        if threading.current_thread() is self._thread:
            return fn()
        if self._thread is None or not self._thread.is_alive():
            raise RuntimeError(f"the proxy loop is not running (failure: {self.failure!r})")
        command = _Command(fn)
        self._commands.append(command)
        try:
            self._wake_w.send(b"x")
        except (BlockingIOError, OSError):
            pass  # the pipe is full of wake-ups already, or the loop is closing
        if not command.done.wait(_COMMAND_TIMEOUT_S):
            raise RuntimeError(f"the proxy loop did not answer (failure: {self.failure!r})")
        if command.error is not None:
            raise command.error
        return command.result

    def _run_commands(self, mask: int) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass
        while self._commands:
            self._commands.popleft().run()

    # ------------------------------------------------------------------
    # The loop
    # ------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopping:
                now = time.monotonic()
                self._flush_all(now)
                self._update_interest(now)
                for key, mask in self._sel.select(self._timeout(now)):
                    key.data(mask)
        except BaseException as exc:  # kept for the tests/benchmark to report
            self.failure = exc
        finally:
            self._close_everything()

    def _begin_shutdown(self) -> None:
        self._stopping = True

    def _close_everything(self) -> None:
        self._stopping = True
        self._unlisten()
        for conn in list(self._conns.values()):
            self._drop(conn, reset=True)
        while self._commands:  # nobody will run these now
            self._commands.popleft().fail(RuntimeError("the proxy has stopped"))
        self._sel.close()
        self._wake_r.close()
        self._wake_w.close()

    def _timeout(self, now: float) -> float | None:
        """Sleep until the next delayed chunk is due (or a socket/command
        wakes us)."""
        due = [
            side.out[0][0]
            for conn in self._conns.values()
            if not conn.frozen
            for side in conn.sides()
            if side.out and side.out[0][0] > now and side.connected and not side.closed
        ]
        return max(0.0, min(due) - now) if due else None

    def _update_interest(self, now: float) -> None:
        for conn in list(self._conns.values()):
            for side in conn.sides():
                self._watch(side, self._interest(conn, side, now))

    def _interest(self, conn: _Connection, side: _Side, now: float) -> int:
        if side.closed:
            return 0
        events = 0
        peer = conn.peer(side)
        room = conn.frozen or peer is None or peer.out_bytes < _MAX_BUFFERED
        if side.connected and not side.eof_in and room:
            events |= _READ
        if side.connecting:
            events |= _WRITE
        elif not conn.frozen and side.out and side.out[0][0] <= now:
            events |= _WRITE  # only still queued if the socket was full
        return events

    def _watch(self, side: _Side, events: int) -> None:
        if side.closed or events == side.events:
            return
        if side.events == 0:
            self._sel.register(side.sock, events, side.handler)
        elif events == 0:
            self._sel.unregister(side.sock)
        else:
            self._sel.modify(side.sock, events, side.handler)
        side.events = events

    # ------------------------------------------------------------------
    # Listening and modes
    # ------------------------------------------------------------------

    @staticmethod
    def _resolve(host: str, port: int, *, passive: bool) -> tuple[int, Any]:
        flags = socket.AI_PASSIVE if passive else 0
        family, _, _, _, addr = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=flags
        )[0]
        return family, addr

    def _listen(self) -> None:
        if self._listener is not None:
            return
        port = self._port if self._port is not None else self._requested_port
        family, addr = self._resolve(self.listen_host, port, passive=True)
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(addr)
            sock.listen(128)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        self._listener = sock
        self._sel.register(sock, _READ, self._accept)

    def _unlisten(self) -> None:
        """Close the listener: the kernel then refuses (RST) new connections,
        including any still in the accept backlog."""
        if self._listener is None:
            return
        self._sel.unregister(self._listener)
        self._listener.close()
        self._listener = None

    def _apply_mode(self, mode: str) -> None:
        previous, self._mode = self._mode, mode
        if mode == REFUSE:
            self._unlisten()
            self._reset_where(lambda conn: True)
            return
        try:
            self._listen()
        except OSError:
            self._mode = previous
            raise
        if mode == STALL:
            for conn in self._conns.values():
                self._freeze(conn)
        else:
            self._reset_where(lambda conn: conn.frozen)

    def _freeze(self, conn: _Connection) -> None:
        conn.frozen = True
        for side in conn.sides():
            side.drop_queued()

    def _reset_where(self, predicate: Callable[[_Connection], bool]) -> None:
        for conn in list(self._conns.values()):
            if predicate(conn):
                self._drop(conn, reset=True)

    # ------------------------------------------------------------------
    # Connections
    # ------------------------------------------------------------------

    def _accept(self, mask: int) -> None:
        while self._listener is not None:
            try:
                sock, _ = self._listener.accept()
            except ConnectionAbortedError:  # that client gave up already
                continue
            except OSError:  # EAGAIN, or e.g. EMFILE: retried on the next wake-up
                return
            self._adopt(sock)

    def _adopt(self, sock: socket.socket) -> None:
        _tune(sock)
        self._accepted += 1
        conn = _Connection(self._accepted, _Side(sock, is_client=True))
        conn.client.handler = functools.partial(self._on_event, conn, conn.client)
        self._conns[conn.number] = conn
        self._count_connection(conn)
        if self._mode == STALL:
            conn.frozen = True  # accepted, but nobody will ever answer
        else:
            self._connect_upstream(conn)

    def _connect_upstream(self, conn: _Connection) -> None:
        family, addr = self._target
        sock = socket.socket(family, socket.SOCK_STREAM)
        _tune(sock)
        side = _Side(sock, is_client=False, connected=False, connecting=True)
        side.handler = functools.partial(self._on_event, conn, side)
        conn.server = side
        err = sock.connect_ex(addr)
        if err == 0:
            side.connected, side.connecting = True, False
        elif err not in _IN_PROGRESS:
            self._drop(conn, reset=True)  # the client sees the target's refusal as a reset

    def _on_event(self, conn: _Connection, side: _Side, mask: int) -> None:
        if side.closed or conn.dropped:
            return  # closed by an earlier event of the same select() batch
        if side.connecting and mask & _WRITE:
            self._finish_connect(conn, side)
            return
        if mask & _READ:
            self._read(conn, side)
        if mask & _WRITE and not conn.dropped and not side.closed:
            self._flush(conn, side, time.monotonic())

    def _finish_connect(self, conn: _Connection, side: _Side) -> None:
        side.connecting = False
        if side.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            self._end_side(conn, side)
            return
        side.connected = True

    def _read(self, conn: _Connection, side: _Side) -> None:
        try:
            data = side.sock.recv(_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._end_side(conn, side)
            return
        if not data:
            self._on_eof(conn, side)
        elif not conn.frozen:
            self._note_event(conn, side)
            self._enqueue(conn, side, data)
        # frozen: read and dropped, like a partition swallowing packets

    def _enqueue(self, conn: _Connection, side: _Side, data: bytes) -> None:
        peer = conn.peer(side)
        assert peer is not None  # forwarding connections have both ends
        peer.out.append((time.monotonic() + self._latency_s / 2, data))
        peer.out_bytes += len(data)

    def _on_eof(self, conn: _Connection, side: _Side) -> None:
        if conn.frozen:
            self._end_side(conn, side)
            return
        side.eof_in = True
        self._pass_on_eof(conn)

    def _end_side(self, conn: _Connection, side: _Side) -> None:
        """An end failed or (while frozen) closed. Forwarding, the other end
        is reset too, as a failed upstream would do to it. Frozen, only the
        client end takes the connection with it: a server going away stays
        hidden behind the partition."""
        if conn.frozen and not side.is_client:
            self._close_side(side, reset=True)
        else:
            self._drop(conn, reset=True)

    def _flush_all(self, now: float) -> None:
        for conn in list(self._conns.values()):
            if conn.frozen:
                continue
            for side in conn.sides():
                if not conn.dropped and side.connected and not side.closed:
                    self._flush(conn, side, now)
            if not conn.dropped:
                self._pass_on_eof(conn)

    def _flush(self, conn: _Connection, side: _Side, now: float) -> None:
        """Write the chunks that are due, in order, until the socket is full."""
        while side.out and side.out[0][0] <= now:
            due, data = side.out[0]
            try:
                sent = side.sock.send(data)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self._drop(conn, reset=True)
                return
            side.out_bytes -= sent
            if sent < len(data):
                side.out[0] = (due, data[sent:])
                return
            side.out.popleft()

    def _pass_on_eof(self, conn: _Connection) -> None:
        """Forward a half-close once everything before it is delivered; close
        the connection when both directions are finished."""
        for side in conn.sides():
            peer = conn.peer(side)
            ready = peer is not None and peer.eof_in and not side.out and side.connected
            if ready and not side.shut and not side.closed:
                try:
                    side.sock.shutdown(socket.SHUT_WR)
                except OSError:
                    self._drop(conn, reset=True)
                    return
                side.shut = True
        if all(side.eof_in and side.shut for side in conn.sides()) and conn.server:
            self._drop(conn, reset=False)

    def _drop(self, conn: _Connection, *, reset: bool) -> None:
        if conn.dropped:
            return
        conn.dropped = True
        for side in conn.sides():
            self._close_side(side, reset=reset)
        self._conns.pop(conn.number, None)

    def _close_side(self, side: _Side, *, reset: bool) -> None:
        if side.closed:
            return
        if side.events:
            self._sel.unregister(side.sock)
            side.events = 0
        if reset:
            _set_linger_zero(side.sock)
        side.sock.close()
        side.closed = True
        side.drop_queued()

    # ------------------------------------------------------------------
    # Counting
    # ------------------------------------------------------------------

    def _note_event(self, conn: _Connection, side: _Side) -> None:
        """See the module docstring: a client chunk after a server chunk (or
        first of all) starts a round trip."""
        kind = "client" if side.is_client else "server"
        if kind == "client" and conn.last_event != "client":
            with self._stats_lock:
                self._round_trips += 1
                self._by_connection[conn.number] = self._by_connection.get(conn.number, 0) + 1
                for counter in self._counters:
                    counter.round_trips += 1
        conn.last_event = kind

    def _count_connection(self, conn: _Connection) -> None:
        with self._stats_lock:
            self._connections += 1
            self._by_connection[conn.number] = 0
            for counter in self._counters:
                counter.connections += 1

    def _reset_counts_now(self) -> None:
        with self._stats_lock:
            self._round_trips = 0
            self._connections = 0
            self._by_connection = {number: 0 for number in self._conns}


def _tune(sock: socket.socket) -> None:
    """Non-blocking for the selector; no Nagle, or small protocol messages
    would wait for ACKs and distort latency and round-trip timings."""
    sock.setblocking(False)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass


def _set_linger_zero(sock: socket.socket) -> None:
    """Make close() send RST instead of FIN: the peer sees an abrupt failure
    (ConnectionResetError), as when a server or a network dies."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass


# --------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------


def replace_host_port(url: str, host: str, port: int) -> str:
    """``url`` with its host and port replaced, keeping everything else as
    written (scheme and driver, user, password, database, query, fragment).

    Accepts SQLAlchemy (``postgresql+psycopg://``) and libpq
    (``postgresql://``) URLs, including a host list (``h1:5432,h2:5433``),
    which becomes the single proxy address. The query parameters ``host``,
    ``hostaddr`` and ``port`` are removed, because libpq would let them
    override the URL's address and bypass the proxy.
    """
    parts = urlsplit(url)
    if not parts.scheme or not url[len(parts.scheme) :].startswith("://"):
        raise ValueError("not a URL of the form scheme://[user[:password]@]host[:port]/...")
    userinfo, at, _ = parts.netloc.rpartition("@")
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    query = "&".join(
        item
        for item in parts.query.split("&")
        if item and unquote(item.partition("=")[0]) not in _ROUTING_KEYS
    )
    return urlunsplit((parts.scheme, f"{userinfo}{at}{address}", parts.path, query, parts.fragment))


# --------------------------------------------------------------------------
# Helpers for fixtures and benchmark scripts
# --------------------------------------------------------------------------

_registry: list[NetProxy] = []
_registry_lock = threading.Lock()


def _forget(proxy: NetProxy) -> None:
    with _registry_lock:
        if proxy in _registry:
            _registry.remove(proxy)


def start_proxy(target_host: str, target_port: int, **kwargs: Any) -> NetProxy:
    """Start a proxy that ``stop_all()`` will stop (e.g. from a session
    finaliser), so a failing test cannot leave its proxy running."""
    proxy = NetProxy(target_host, target_port, **kwargs).start()
    with _registry_lock:
        _registry.append(proxy)
    return proxy


def start_proxy_for_url(url: str, **kwargs: Any) -> NetProxy:
    """A proxy to the server ``url`` names (port 5432 if none is given);
    use ``proxy.url_for(url)`` to connect through it."""
    parts = urlsplit(url)
    return start_proxy(parts.hostname or "127.0.0.1", parts.port or 5432, **kwargs)


def stop_all() -> None:
    """Stop every proxy ``start_proxy`` started and that is still running."""
    with _registry_lock:
        running = list(_registry)
    for proxy in running:
        proxy.stop()


@contextmanager
def proxies() -> Iterator[Callable[..., NetProxy]]:
    """A scope for a pytest fixture: yields ``start(host, port, **kw)`` and
    stops only what it started, so one fixture's teardown never stops a
    proxy another (e.g. session-scoped) fixture still uses::

        @pytest.fixture
        def make_proxy():
            with netproxy.proxies() as start:
                yield start
    """
    started: list[NetProxy] = []

    def start(target_host: str, target_port: int, **kwargs: Any) -> NetProxy:
        proxy = start_proxy(target_host, target_port, **kwargs)
        started.append(proxy)
        return proxy

    try:
        yield start
    finally:
        for proxy in reversed(started):
            proxy.stop()
