"""What one chat turn costs: round trips to the database, time at an added
network round-trip time, and in-process time.

Drives whole yarns (hi + four answers + a closing message) through the app's
own test client (no HTTP server: the figures are the app's), on a fresh
database, and prints per engine:

* round trips per turn (first turn of a yarn, later turns), counted on the wire
  by a TCP proxy (tests/netproxy.py) between the app and Postgres;
* turn time p50/p99 with `--rtt-ms` of round-trip time added by that proxy;
* in-process turn time p50/mean on SQLite and on Postgres on loopback, through
  the HTTP handler and below it (the chat service alone), and the CPU time
  this process spends per turn (on Postgres, without the server's own work).

    python benchmarks/turn_cost.py                       # this tree
    python benchmarks/turn_cost.py --project /old/tree   # another checkout, same measurement
    python benchmarks/turn_cost.py --rtt-ms 20 --yarns 30

Postgres: AIMHI_BENCH_POSTGRES_URL (an admin URL) or postgresql://postgres@127.0.0.1:5432/postgres;
a throw-away database is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from figures import percentile

HERE = Path(__file__).resolve().parent.parent
MESSAGES = ["hi", "My nan and my cousin Jay", "I'm good at footy and drawing",
            "Exams and money stuff at home", "Finish year 12 and get my L plates", "thanks heaps"]


def _use_project(project: Path) -> None:
    """Import the app from `project`; the proxy always comes from this tree."""
    sys.path.insert(0, str(project))
    sys.path.append(str(HERE / "tests"))
    os.chdir(project)


def _make_client(url: str, outbox: str) -> Any:
    from app import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": url, "AUTO_MIGRATE": False, "RATELIMIT_ENABLED": False,
                      "DB_LOGGING": False, "OUTBOX_PATH": outbox, "REPLAY_INTERVAL_S": 0})
    return app.test_client()


def _service_turn(client: Any) -> Callable[[str, str], Any]:
    """The app's turn below HTTP (the chat service), in either tree."""
    app = client.application
    service = app.extensions.get("aimhi.service")
    if service is not None:
        return lambda sid, message: service.turn(sid, message)
    from app.extensions import repository_for  # the older tree: a function over the repository
    from app.service import chat_turn

    repo = repository_for(app)
    return lambda sid, message: chat_turn(repo, sid, message)


class _ServiceClient:
    """Looks like the test client to `_yarns`, but calls the service directly."""

    def __init__(self, client: Any) -> None:
        self.turn = _service_turn(client)

    def post(self, path: str, json: dict[str, str]) -> Any:
        self.turn(json["session_id"], json["message"])
        return self

    status_code = 200


def _yarns(client: Any, yarns: int, each: Callable[[int, float], None]) -> None:
    """Run whole yarns; `each(turn_index, seconds)` after every turn."""
    for _ in range(yarns):
        sid = str(uuid.uuid4())
        for index, message in enumerate(MESSAGES):
            started = time.perf_counter()
            response = client.post("/chat", json={"message": message, "session_id": sid})
            seconds = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"turn failed: {response.status_code} {response.get_data(as_text=True)[:200]}")
            each(index, seconds)


def in_process(url: str, outbox: str, yarns: int, *, below_http: bool = False) -> dict[str, float]:
    client = _make_client(url, outbox)
    if below_http:
        client = _ServiceClient(client)
    _yarns(client, 3, lambda i, s: None)  # warm: pool, compiled statements, caches
    times: list[float] = []
    cpu_started = time.process_time()
    _yarns(client, yarns, lambda i, s: times.append(s * 1000))
    cpu_ms = (time.process_time() - cpu_started) * 1000 / len(times)  # this process only: not the server's
    return {"p50_ms": statistics.median(times), "mean_ms": statistics.fmean(times), "cpu_ms": cpu_ms,
            "turns": len(times)}


def over_network(url: str, outbox: str, yarns: int, rtt_ms: float) -> dict[str, float]:
    import netproxy

    parts = urlsplit(url)
    proxy = netproxy.start_proxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    try:
        client = _make_client(proxy.url_for(url), outbox)
        _yarns(client, 1, lambda i, s: None)  # the process's first connection learns the server once
        proxy.latency_s = rtt_ms / 1000
        first_trips: list[int] = []
        later_trips: list[int] = []
        times: list[float] = []
        for _ in range(yarns):
            with proxy.counting() as counter:
                before = [0]

                def each(index: int, seconds: float) -> None:
                    trips = counter.round_trips - before[0]
                    before[0] = counter.round_trips
                    (first_trips if index == 0 else later_trips).append(trips)
                    times.append(seconds * 1000)
                _yarns(client, 1, each)
        return {"first_turn_round_trips": statistics.fmean(first_trips),
                "later_turn_round_trips": statistics.fmean(later_trips),
                "p50_ms": statistics.median(times), "p99_ms": percentile(times, 0.99), "turns": len(times)}
    finally:
        proxy.stop()


def _postgres_database() -> tuple[str, Callable[[], None]]:
    import psycopg

    admin = os.environ.get("AIMHI_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"aimhi_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return url, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, default=HERE, help="the checkout whose app is measured")
    parser.add_argument("--yarns", type=int, default=30, help="yarns per measurement (6 turns each)")
    parser.add_argument("--rtt-ms", type=float, default=20.0, help="round-trip time the proxy adds")
    args = parser.parse_args()
    _use_project(args.project.resolve())
    from repository.schema import upgrade

    print(f"project: {args.project}  yarns: {args.yarns} x {len(MESSAGES)} turns")
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite:///{tmp}/bench.db"
        upgrade(sqlite)
        report("sqlite in-process, HTTP", in_process(sqlite, f"{tmp}/outbox1.db", args.yarns))
        report("sqlite in-process, service", in_process(sqlite, f"{tmp}/outbox1.db", args.yarns, below_http=True))
        url, drop = _postgres_database()
        try:
            upgrade(url)
            report("postgresql loopback, HTTP", in_process(url, f"{tmp}/outbox2.db", args.yarns))
            report("postgresql loopback, service", in_process(url, f"{tmp}/outbox2.db", args.yarns, below_http=True))
            report(f"postgresql at {args.rtt_ms:g} ms RTT", over_network(url, f"{tmp}/outbox3.db", args.yarns,
                                                                          args.rtt_ms))
        finally:
            drop()


def report(label: str, figures: dict[str, float]) -> None:
    shown = "  ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items())
    print(f"{label:34} {shown}")


if __name__ == "__main__":
    main()
