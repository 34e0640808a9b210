"""What young people get while the database is away, and whether anything is lost.

Runs the real app in this process under a threaded WSGI server on loopback,
with its database (Postgres) reached through tests/netproxy.py, and C client
threads sending yarns over keep-alive HTTP, every 5th message a crisis
message. The proxy takes the database through phases of phase-s each
(default order: normal, refused, stalled, recovery):

    normal    forward: the database answers
    refused   the server is down (connections refused, open ones reset)
    stalled   a partition or a frozen server (connections accepted, then silence)
    recovery  forward again; after the last phase the clients stop and the run
              waits (bounded) until the outbox has drained and the breaker closed

Before the phases, one yarn is sent alone (the first turn of a process loads
the risk model); it is counted in the database check, not in the figures.
The database log handler stays on, as in production (--db-logging off).

Per phase: requests, HTTP statuses, replies marked `degraded`, crisis replies
carrying every crisis service's number, reply times (client wall clock) p50,
p99 and max for crisis and for normal messages. Breaker states as GET /health
reports them. At the end: outbox depth, and the user messages in chat_history
(read directly, not through the proxy) against what the clients sent.

    python benchmarks/outage_probe.py
    python benchmarks/outage_probe.py --clients 16 --phase-s 5 \
        --postgres-url postgresql://postgres@127.0.0.1:5432/postgres
    python benchmarks/outage_probe.py --phases normal,stalled,recovery    # a stall while the breaker is closed

--postgres-url is an admin URL: a throw-away database is created on that
server, migrated, and dropped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "tests"))  # netproxy, pgserver; after the project packages

import netproxy  # noqa: E402
import pgserver  # noqa: E402
from app import create_app  # noqa: E402
from app.yarn.resources import CRISIS_RESOURCES  # noqa: E402
from repository.schema import upgrade  # noqa: E402
from figures import ANSWERS, QuietHandler, percentile, post_chat  # noqa: E402

CRISIS = ["i want to kill myself tonight", "I'm going to end my life tonight",
          "i want to die and i have the pills ready"]
NUMBERS = tuple(r.number for r in CRISIS_RESOURCES)
PHASES = "normal,refused,stalled,recovery"
MODE = {"normal": netproxy.FORWARD, "refused": netproxy.REFUSE, "stalled": netproxy.STALL,
        "recovery": netproxy.FORWARD}
DEFAULT_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def mode_of(phase: str) -> str:
    """The proxy mode of a phase name ('stalled', or 'stalled2' for a second one)."""
    return MODE[phase.rstrip("0123456789")]


@dataclass
class Turn:
    phase: str
    crisis: bool
    session_id: str
    message: str
    status: int | str  # HTTP status, or the exception's name when no response came
    ms: float
    at: float = 0.0  # seconds since the run started, when it was sent
    degraded: bool = False
    numbers_in_text: bool = False
    numbers_in_resources: bool = False


class Run:
    def __init__(self) -> None:
        self.phase = "normal"
        self.started = time.monotonic()
        self.stop = threading.Event()  # clients
        self.stop_watching = threading.Event()  # the /health watcher, after the outbox drained
        self.lock = threading.Lock()
        self.turns: list[Turn] = []
        self.health: list[tuple[float, str, str, int | str, int | None]] = []  # t, phase, breaker, status, depth

    def since(self) -> float:
        return time.monotonic() - self.started


def client(port: int, number: int, run: Run) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = 0
    while not run.stop.is_set():
        connection, sent = client_yarn(port, run, connection, number, sent)
    connection.close()


def client_yarn(port: int, run: Run, connection: http.client.HTTPConnection | None = None, number: int = 0,
                sent: int = 0) -> tuple[http.client.HTTPConnection, int]:
    """One yarn (a new session): hi, four answers, thanks; every 5th message a client sends is a crisis message."""
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    session_id = str(uuid.uuid4())
    for answer in ANSWERS:
        if run.stop.is_set():
            break
        sent += 1
        crisis = sent % 5 == 0
        message = CRISIS[(number + sent) % len(CRISIS)] if crisis else answer
        phase, at = run.phase, run.since()
        answer = post_chat(connection, message, session_id)
        raw = answer.body
        turn = Turn(phase, crisis, session_id, message, answer.status, answer.ms, at)
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        if isinstance(data, dict):
            turn.degraded = bool(data.get("degraded"))
            text = str(data.get("reply", ""))
            turn.numbers_in_text = all(n in text for n in NUMBERS)
            listed = {str(r.get("number")) for r in data.get("resources", []) if isinstance(r, dict)}
            turn.numbers_in_resources = all(n in listed for n in NUMBERS)
        with run.lock:
            run.turns.append(turn)
    return connection, sent


class LogCounter(logging.Handler):
    """Counts the app's log records by level and message (the figures stay readable)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.counts: Counter[tuple[str, str]] = Counter()
        self.first_error: dict[tuple[str, str], str] = {}  # the first traceback of each ERROR message

    def emit(self, record: logging.LogRecord) -> None:  # called under the handler's own lock
        text = record.msg if isinstance(record.msg, str) else str(record.msg)
        key = (record.levelname, f"{record.name}: {text}")
        self.counts[key] += 1
        if record.exc_info and key not in self.first_error:
            self.first_error[key] = "".join(traceback.format_exception(*record.exc_info))


def quiet_logs() -> LogCounter:
    """The app's stderr handler off (records still reach the database log), and a count of every record."""
    for handler in logging.getLogger("app").handlers:
        if getattr(handler, "aimhi_stderr", False):
            handler.setLevel(logging.CRITICAL + 1)
    counter = LogCounter()
    logging.getLogger().addHandler(counter)
    return counter


def watch_health(port: int, run: Run, every_s: float = 0.2) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not run.stop_watching.is_set():
        breaker, status, depth = "?", "", None
        try:
            connection.request("GET", "/health")
            response = connection.getresponse()
            data = json.loads(response.read() or b"{}")
            status = response.status
            breaker = data.get("database", {}).get("breaker", "?")
            depth = data.get("outbox", {}).get("depth")
        except (OSError, http.client.HTTPException, ValueError) as error:
            status = type(error).__name__
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        with run.lock:  # when the answer came (/health waits on a stalled database)
            run.health.append((run.since(), run.phase, breaker, status, depth))
        run.stop_watching.wait(every_s)
    connection.close()


def times(values: list[float]) -> str:
    if not values:
        return "      -"
    return (f"p50 {statistics.median(values):7.1f}  p99 {percentile(values, 0.99):7.1f}  "
            f"max {max(values):7.1f}")


def report_phase(phase: str, turns: list[Turn]) -> None:
    statuses = Counter(str(t.status) for t in turns)
    crisis = [t for t in turns if t.crisis]
    normal = [t for t in turns if not t.crisis]
    print(f"{phase:9s} requests {len(turns):5d}  statuses {dict(sorted(statuses.items()))}  "
          f"degraded {sum(t.degraded for t in turns)}")
    print(f"{'':9s} crisis {len(crisis):4d}: all {len(NUMBERS)} numbers in reply text "
          f"{sum(t.numbers_in_text for t in crisis)}, in resources {sum(t.numbers_in_resources for t in crisis)}, "
          f"degraded {sum(t.degraded for t in crisis)}")
    print(f"{'':9s} crisis ms  {times([t.ms for t in crisis])}")
    print(f"{'':9s} normal ms  {times([t.ms for t in normal])}")


def report_breaker(run: Run) -> None:
    seen: list[str] = []
    previous = None
    for at, phase, breaker, status, depth in run.health:
        if breaker != previous:
            seen.append(f"+{at:5.1f}s [{phase}] {breaker} (/health {status}, outbox {depth})")
            previous = breaker
    print("breaker via GET /health (state changes):")
    for line in seen:
        print(f"  {line}")
    peak = max((d for *_, d in run.health if isinstance(d, int)), default=0)
    print(f"  /health polls {len(run.health)}, peak outbox depth seen {peak}")


def stored_user_messages(url: str) -> tuple[Counter[tuple[str, str]], int]:
    with pgserver.psycopg_connect(url) as conn:
        rows = conn.execute("SELECT session_id, message, count(*) FROM chat_history WHERE role = 'user' "
                            "GROUP BY session_id, message").fetchall()
        total = conn.execute("SELECT count(*) FROM chat_history").fetchone()[0]
    return Counter({(str(s), m): n for s, m, n in rows}), total


def parse_args() -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default=os.environ.get("AIMHI_BENCH_POSTGRES_URL", DEFAULT_ADMIN),
                        help="admin URL of the Postgres server to use")
    parser.add_argument("--clients", type=int, default=16, help="client threads")
    parser.add_argument("--phase-s", type=float, default=5.0, help="seconds per phase")
    parser.add_argument("--replay-s", type=float, default=0.25, help="outbox replay interval")
    parser.add_argument("--drain-s", type=float, default=60.0, help="at most this long for the outbox to drain")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false",
                        help="start the phases on a cold process (the first turns load the risk model)")
    parser.add_argument("--db-logging", choices=("on", "off"), default="on",
                        help="app log records to the database, as in production (default on)")
    parser.add_argument("--phases", default=PHASES,
                        help=f"comma-separated, from {', '.join(MODE)} (a digit may follow: recovery2); "
                             "e.g. normal,stalled,recovery for a stall while the breaker is closed")
    args = parser.parse_args()
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    for phase in phases:
        if phase.rstrip("0123456789") not in MODE:
            parser.error(f"unknown phase {phase!r}")
    if len(set(phases)) != len(phases):
        parser.error("each phase name once (add a digit: recovery2)")
    return args, phases


@dataclass
class Outcome:
    """What a probe run left: the turns, the app's log records and the outbox and breaker at the end."""
    run: Run
    warm: Run
    logs: Any
    depth: int
    set_aside: int
    opened: int
    state: str
    drain_s: float


def start_clients(args: argparse.Namespace, port: int, run: Run, warm: Run) -> list[threading.Thread]:
    if args.warm_up:  # one yarn, alone: the first turn of a process loads the risk model
        client_yarn(port, warm)[0].close()
        print(f"warm-up: {len(warm.turns)} turns alone, first {warm.turns[0].ms:.0f} ms, "
              f"then max {max(t.ms for t in warm.turns[1:]):.0f} ms")
        run.started = time.monotonic()
    threads = [threading.Thread(target=client, args=(port, n, run)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    return threads


def drain(args: argparse.Namespace, service: Any) -> float:
    """Wait for the outbox to empty and the breaker to close; the seconds waited."""
    waited = time.monotonic()
    while (service.outbox.depth() or service.repo.breaker.state != "closed") \
            and time.monotonic() - waited < args.drain_s:
        time.sleep(0.2)
    drain_s = time.monotonic() - waited
    time.sleep(max(1.0, args.replay_s * 4))  # safety replies' saving threads, the last replay
    return drain_s


def probe(args: argparse.Namespace, phases: list[str], proxy: Any, db_url: str, directory: str) -> Outcome:
    """The app behind the proxy, the clients through every phase, then the drain."""
    app = create_app({
        "DATABASE_URL": proxy.url_for(db_url), "AUTO_MIGRATE": False, "RATELIMIT_ENABLED": False,
        "OUTBOX_PATH": f"{directory}/outbox.db", "REPLAY_INTERVAL_S": args.replay_s,
        "DB_LOGGING": args.db_logging == "on",
    })
    service = app.extensions["aimhi.service"]
    logs = quiet_logs()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    run, warm = Run(), Run()
    watcher = threading.Thread(target=watch_health, args=(server.server_port, run))
    watcher.start()
    threads = start_clients(args, server.server_port, run, warm)
    for phase in phases:
        proxy.mode = mode_of(phase)
        run.phase = phase
        time.sleep(args.phase_s)
    run.stop.set()
    for thread in threads:
        thread.join()
    run.phase = "drain"
    drain_s = drain(args, service)
    run.stop_watching.set()
    watcher.join()
    outbox, breaker = service.outbox, service.repo.breaker
    outcome = Outcome(run, warm, logs, outbox.depth(), outbox.set_aside() if hasattr(outbox, "set_aside") else 0,
                      breaker.opened, breaker.state, drain_s)
    app.extensions["aimhi.replayer_stop"].set()
    server.shutdown()
    service.repo.dispose()
    return outcome


def report_logs(logs: Any) -> None:
    print("app log records:")
    for (level, text), count in logs.counts.most_common(8):
        print(f"  x{count:5d} {level} {text}")
    for (level, text), trace in logs.first_error.items():
        last = [line for line in trace.strip().splitlines() if line.strip()]
        print(f"  first {text!r}: {' | '.join(line.strip() for line in last[-5:])}")


def report_rows(db_url: str, every: list[Turn]) -> Counter:
    """chat_history against what was answered; the messages answered but not stored."""
    stored, total_rows = stored_user_messages(db_url)
    sent = Counter((t.session_id, t.message) for t in every if isinstance(t.status, int))
    unanswered = Counter((t.session_id, t.message) for t in every if not isinstance(t.status, int))
    lost = sent - stored
    extra = sum((stored - sent - unanswered).values())
    sessions = {s for s, _ in sent}
    wrong_sessions = sum(1 for s in sessions
                         if sum(n for (sid, _), n in sent.items() if sid == s)
                         != sum(n for (sid, _), n in stored.items() if sid == s))
    print(f"chat_history (warm-up included): user rows {sum(stored.values())} "
          f"for {sum(sent.values())} messages answered "
          f"(+{sum(unanswered.values())} with no response); missing {sum(lost.values())}, duplicated/unexpected "
          f"{extra}; sessions whose user-message count differs {wrong_sessions} of {len(sessions)}; "
          f"all rows {total_rows}")
    return lost


def report_failures(args: argparse.Namespace, run: Run, every: list[Turn], lost: Counter) -> None:
    early = [t for t in run.turns if t.phase == "normal" and t.degraded]
    if early:
        print(f"degraded in the normal phase: {len(early)}, sent at +{min(t.at for t in early):.2f}"
              f"..{max(t.at for t in early):.2f} s (the next phase began at +{args.phase_s:g} s), "
              f"answered at +{min(t.at + t.ms / 1000 for t in early):.2f}"
              f"..{max(t.at + t.ms / 1000 for t in early):.2f} s")
    slow_crisis = [t for t in run.turns if t.crisis and t.ms > 2000]
    errors = [t for t in run.turns if not isinstance(t.status, int) or t.status >= 500]
    unsafe = [t for t in run.turns if t.crisis and not (t.numbers_in_text and t.numbers_in_resources)]
    print(f"crisis replies over 2 s {len(slow_crisis)}; 5xx or no response {len(errors)}; "
          f"crisis replies missing a number {len(unsafe)}")
    gone = [t for t in every if (t.session_id, t.message) in lost]
    for label, group in (("slow crisis", slow_crisis), ("5xx", errors), ("missing number", unsafe),
                         ("not in the database", gone)):
        for t in group[:3]:
            print(f"  {label}: [{t.phase}] sent +{t.at:.2f} s, {t.ms:.0f} ms, status {t.status}, "
                  f"degraded {t.degraded} {t.message!r}")


def main() -> None:
    args, phases = parse_args()
    admin = pgserver.normalise_url(args.postgres_url)
    name = pgserver.unique_name("aimhi_outage")
    db_url = pgserver.create_database(admin, name)
    proxy = None
    try:
        upgrade(db_url)
        proxy = netproxy.start_proxy_for_url(db_url)
        with tempfile.TemporaryDirectory(prefix="aimhi-outage-") as directory:
            outcome = probe(args, phases, proxy, db_url, directory)
        print(f"clients {args.clients}, phases {','.join(phases)} of {args.phase_s:g} s each, "
              f"Postgres {pgserver.redact(admin)} via netproxy")
        for phase in phases:
            report_phase(phase, [t for t in outcome.run.turns if t.phase == phase])
        report_breaker(outcome.run)
        print(f"breaker opened {outcome.opened} times, now {outcome.state}; "
              f"outbox depth at the end {outcome.depth}, set aside {outcome.set_aside} "
              f"(waited {outcome.drain_s:.1f} s after the clients stopped)")
        report_logs(outcome.logs)
        every = outcome.warm.turns + outcome.run.turns
        report_failures(args, outcome.run, every, report_rows(db_url, every))
    finally:
        if proxy is not None:
            proxy.stop()
        pgserver.drop_database(admin, name)


if __name__ == "__main__":
    main()
