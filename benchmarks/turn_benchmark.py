"""Server time of a chat turn (FSM path), p50 and p99, on SQLite and Postgres.

Runs the real app under a threaded WSGI server on loopback and drives whole
yarns (hi + four answers + a closing message) from N client threads over
keep-alive HTTP. Figures come from the app's Server-Timing header (time inside
the app, database included) and from the client's wall clock.

    python benchmarks/turn_benchmark.py                 # both engines, 1 and 32 clients
    python benchmarks/turn_benchmark.py --engines sqlite --clients 32 --yarns 20

Postgres: AIMHI_BENCH_POSTGRES_URL (admin URL) or the local server on 5432; a
throw-away database is created and dropped.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "tests"))  # for pgserver; after the project packages

from app import create_app  # noqa: E402
from repository.schema import upgrade  # noqa: E402
from figures import ANSWERS, QuietHandler, percentile, post_chat  # noqa: E402



def run_yarns(port: int, yarns: int, server_ms: list[float], wall_ms: list[float], lock: threading.Lock,
              think_s: float = 0.0) -> None:
    rng = random.Random(port)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(yarns):
        session_id = str(uuid.uuid4())
        for message in ANSWERS:
            answer = post_chat(connection, message, session_id)
            if answer.status != 200:
                raise RuntimeError(f"turn failed: {answer.status}")
            with lock:
                server_ms.append(answer.server_ms or 0.0)
                wall_ms.append(answer.ms)
            if think_s:  # a person reading the reply and typing the next message
                time.sleep(rng.uniform(0.5, 1.5) * think_s)
    connection.close()


def measure(url: str, clients: int, yarns: int, think_s: float) -> dict[str, float]:
    app = create_app({"DATABASE_URL": url, "AUTO_MIGRATE": False, "RATELIMIT_ENABLED": False})
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server_ms: list[float] = []
    wall_ms: list[float] = []
    lock = threading.Lock()
    run_yarns(server.server_port, 2, [], [], lock)  # warm up
    workers = [threading.Thread(target=run_yarns, args=(server.server_port, yarns, server_ms, wall_ms, lock, think_s))
               for _ in range(clients)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    server.shutdown()
    app.extensions["aimhi.service"].repo.dispose()
    return {
        "turns": len(server_ms),
        "turns_per_s": len(server_ms) / elapsed,
        "server_p50_ms": statistics.median(server_ms),
        "server_p99_ms": percentile(server_ms, 0.99),
        "wall_p50_ms": statistics.median(wall_ms),
        "wall_p99_ms": percentile(wall_ms, 0.99),
    }


def sqlite_url(directory: str) -> str:
    url = f"sqlite:///{directory}/bench.db"
    upgrade(url)
    return url


def postgres_url() -> tuple[str, callable]:
    import pgserver  # tests/pgserver.py: finds or starts a server

    admin, description = pgserver.find_postgres()
    if admin is None:
        raise SystemExit(f"no Postgres for the benchmark: {description}")
    name = pgserver.unique_name("aimhi_bench")
    pgserver.create_database(admin, name)
    url = admin.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    return url, lambda: pgserver.drop_database(admin, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--clients", default="1,32", help="comma-separated client counts")
    parser.add_argument("--yarns", type=int, default=30, help="yarns per client (6 turns each)")
    parser.add_argument("--think-ms", type=float, default=0.0,
                        help="mean pause between a client's messages with more than one client (0: flat out)")
    args = parser.parse_args()
    os.environ.setdefault("DB_LOGGING", "false")
    with tempfile.TemporaryDirectory() as directory:
        for engine in args.engines.split(","):
            cleanup = None
            url = sqlite_url(directory) if engine == "sqlite" else None
            if engine == "postgresql":
                url, cleanup = postgres_url()
            try:
                for clients in (int(c) for c in args.clients.split(",")):
                    yarns = args.yarns if clients == 1 else max(3, args.yarns // 4)
                    think = args.think_ms / 1000 if clients > 1 else 0.0
                    result = measure(url, clients, yarns, think)
                    print(f"{engine:10s} clients={clients:3d} think={think * 1000:4.0f}ms turns={result['turns']:5d} "
                          f"{result['turns_per_s']:7.1f} turns/s | server p50 {result['server_p50_ms']:6.2f} ms "
                          f"p99 {result['server_p99_ms']:6.2f} ms | wall p50 {result['wall_p50_ms']:6.2f} ms "
                          f"p99 {result['wall_p99_ms']:6.2f} ms", flush=True)
            finally:
                if cleanup:
                    cleanup()


if __name__ == "__main__":
    main()
