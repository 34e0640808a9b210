"""SQLite under several gunicorn worker processes: throughput and tail latency.

Creates a throw-away SQLite file, brings it to the schema with the project's
own code, starts `gunicorn --workers W --threads T wsgi:app` from the project
folder, and drives whole yarns (hi + four answers + a closing message, a new
session id each yarn) from C client threads flat out (no think time) over
keep-alive HTTP. Prints turns, errors (non-200), throughput, the clients'
wall-clock p50/p90/p99/max, the app's own time (Server-Timing) p50/p99, the
p99/p50 ratio, and how many chat_history rows landed against those expected.

    python benchmarks/sqlite_workers.py                          # this tree, 4 workers x 8 threads, 32 clients
    python benchmarks/sqlite_workers.py --project /tmp/baseline  # another checkout of the project
    python benchmarks/sqlite_workers.py --workers 4 --threads 8 --clients 32 --yarns 20

--project is any checkout of the project (its code is used: PYTHONPATH and
the working directory point at it). The rate limiter is switched off and the
database log handler too (DB_LOGGING=0); the outbox goes to the temp folder.
Other gunicorn options come from GUNICORN_CMD_ARGS, which gunicorn reads
itself, e.g. GUNICORN_CMD_ARGS='--worker-connections 8'. Needs gunicorn
(`python -m pip install -e '.[serve]'`).
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from figures import ANSWERS, percentile, post_chat

ROOT = Path(__file__).resolve().parent.parent
UPGRADE = "import sys; from repository.schema import upgrade; upgrade(sys.argv[1])"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def project_env(project: Path, url: str, outbox: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        # The project's code first (not an installed copy of another checkout).
        "PYTHONPATH": os.pathsep.join(p for p in (str(project), os.environ.get("PYTHONPATH", "")) if p),
        "DATABASE_URL": url,
        "AUTO_MIGRATE": "0",
        # Out of the way of the figures (app/config.py reads these in both trees).
        "RATELIMIT_ENABLED": "0",
        "CHAT_RATE_LIMIT": "100000 per second",
        "DB_LOGGING": "0",
        "OUTBOX_PATH": outbox,  # ignored by trees without an outbox
    })
    return env


def wait_for_health(port: int, process: subprocess.Popen, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /health in time")


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.wall_ms: list[float] = []
        self.server_ms: list[float] = []
        self.errors: dict[str, int] = {}
        self.sent: dict[str, int] = {}  # session id -> user messages answered with 200
        self.degraded = 0  # 200, but the database did not take the turn (kept in the outbox)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def run_yarns(port: int, yarns: int, results: Results) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(yarns):
        session_id = str(uuid.uuid4())
        for message in ANSWERS:
            answer = post_chat(connection, message, session_id)
            if answer.status != 200:
                results.error(str(answer.status))
                continue
            raw = answer.body
            degraded = b'"degraded":true' in raw.replace(b" ", b"")
            with results.lock:
                results.degraded += degraded
                results.wall_ms.append(answer.ms)
                results.server_ms.append(answer.server_ms or 0.0)
                results.sent[session_id] = results.sent.get(session_id, 0) + 1
    connection.close()


def stored_rows(path: str, sessions: set[str]) -> tuple[int, int, dict[str, int]]:
    """(all rows, user rows, {session id: user rows}) of these sessions."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        rows = conn.execute("SELECT session_id, role, count(*) FROM chat_history GROUP BY session_id, role").fetchall()
    finally:
        conn.close()
    total = users = 0
    per_session: dict[str, int] = {}
    for session_id, role, count in rows:
        if session_id not in sessions:
            continue
        total += count
        if role == "user":
            users += count
            per_session[session_id] = count
    return total, users, per_session


def outbox_depth(path: str) -> int | None:
    if not os.path.exists(path):
        return None  # never written (or a tree without an outbox)
    conn = sqlite3.connect(path, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM kept").fetchone()[0]
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", default=str(ROOT), help="checkout of the project to serve (default: this one)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--clients", type=int, default=32, help="client threads, flat out")
    parser.add_argument("--yarns", type=int, default=20, help="yarns per client (6 turns each)")
    parser.add_argument("--app", default="wsgi:app", help="the WSGI application for gunicorn")
    parser.add_argument("--log", help="keep gunicorn's output (and the app's log) in this file")
    return parser.parse_args()


def clients_run(port: int, clients: int, yarns: int) -> tuple[Results, float]:
    """`clients` threads of `yarns` yarns each, together; their results and the seconds they took."""
    results = Results()
    threads = [threading.Thread(target=run_yarns, args=(port, yarns, results)) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def start_gunicorn(args: argparse.Namespace, project: Path, env: dict[str, str], port: int,
                   log_path: Path) -> subprocess.Popen:
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--threads", str(args.threads),
             "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "10", args.app],
            cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_health(port, server)
    except RuntimeError:
        sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
        raise
    return server


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def report_times(args: argparse.Namespace, project: Path, results: Results, warm: Results, elapsed: float) -> None:
    turns = len(results.wall_ms)
    expected = args.clients * args.yarns * len(ANSWERS)
    wall, app = results.wall_ms, results.server_ms
    print(f"project {project}  workers={args.workers} threads={args.threads} clients={args.clients} "
          f"yarns/client={args.yarns}")
    print(f"turns {turns} of {expected}  errors {sum(results.errors.values())} {results.errors or ''}  "
          f"throughput {turns / elapsed:.1f} turns/s ({elapsed:.1f} s)  degraded replies {results.degraded}")
    if turns:
        p50 = statistics.median(wall)
        print(f"wall ms  p50 {p50:7.2f}  p90 {percentile(wall, 0.90):7.2f}  p99 {percentile(wall, 0.99):7.2f}  "
              f"max {max(wall):7.2f}  p99/p50 {percentile(wall, 0.99) / p50:5.1f}")
        a50 = statistics.median(app)
        print(f"app  ms  p50 {a50:7.2f}  p90 {percentile(app, 0.90):7.2f}  p99 {percentile(app, 0.99):7.2f}  "
              f"max {max(app):7.2f}  p99/p50 {percentile(app, 0.99) / a50:5.1f}  (Server-Timing)")
    if warm.wall_ms:
        print(f"warm-up  {len(warm.wall_ms)} turns (not in the figures): p50 {statistics.median(warm.wall_ms):7.2f}  "
              f"max {max(warm.wall_ms):7.2f} ms, errors {sum(warm.errors.values())}, degraded replies {warm.degraded}")


def report_rows(db_path: str, outbox: str, results: Results, warm: Results, log_lines: list[str]) -> None:
    answered = {**warm.sent, **results.sent}
    total, users, per_session = stored_rows(db_path, set(answered))
    kept = outbox_depth(outbox)
    all_turns = len(results.wall_ms) + len(warm.wall_ms)
    mismatched = sum(1 for sid, n in answered.items() if per_session.get(sid, 0) != n)
    print(f"chat_history rows {total} (expected {2 * all_turns}: user + bot per answered turn, warm-up included); "
          f"user rows {users} of {all_turns}; sessions with a wrong count {mismatched}; "
          f"left in the outbox {'-' if kept is None else kept}")
    problems = Counter(line.split(" ", 2)[-1].split(" [session")[0][:120] for line in log_lines
                       if any(level in line for level in (" ERROR ", " WARNING ", "[ERROR]", "[CRITICAL]")))
    for text, count in problems.most_common(6):
        print(f"log x{count}: {text}")


def main() -> None:
    args = parse_args()
    project = Path(args.project).resolve()
    with tempfile.TemporaryDirectory(prefix="aimhi-sqlite-workers-") as directory:
        db_path, outbox = f"{directory}/bench.db", f"{directory}/outbox.db"
        url = f"sqlite:///{db_path}"
        env = project_env(project, url, outbox)
        subprocess.run([sys.executable, "-c", UPGRADE, url], cwd=project, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        port, log_path = free_port(), Path(directory) / "gunicorn.log"
        server = start_gunicorn(args, project, env, port, log_path)
        try:
            # Warm-up: one yarn per client, so that every worker has served requests (a
            # worker's first turns load the risk model and the content); reported apart.
            warm, _ = clients_run(port, args.clients, 1)
            results, elapsed = clients_run(port, args.clients, args.yarns)
        finally:
            stop(server)
        log_text = log_path.read_text(errors="replace")
        if args.log:
            Path(args.log).write_text(log_text)
        report_times(args, project, results, warm, elapsed)
        report_rows(db_path, outbox, results, warm, log_text.splitlines())


if __name__ == "__main__":
    main()
