"""gunicorn's settings for the chatbot, read from the folder gunicorn starts in
(`gunicorn --workers 4 --threads 8 wsgi:app`); options on the command line or
in GUNICORN_CMD_ARGS win.

A threaded (gthread) worker accepts up to `worker_connections` connections,
1000 by default. With keep-alive clients one worker can then hold most of them
while the others idle, and on SQLite, where one writer goes at a time, that
worker's queue is the tail of every turn (p99 35x p50 at 32 clients in
benchmarks/sqlite_workers.py). Capping each worker at its thread count spreads
the connections over the workers: p99 about 2x p50, and more turns a second.
"""

from __future__ import annotations

from typing import Any

GUNICORN_DEFAULT_WORKER_CONNECTIONS = 1000


def on_starting(server: Any) -> None:
    if server.cfg.worker_connections == GUNICORN_DEFAULT_WORKER_CONNECTIONS and server.cfg.threads > 1:
        server.cfg.set("worker_connections", server.cfg.threads)
