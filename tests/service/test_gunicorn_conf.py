"""gunicorn.conf.py: each threaded worker takes at most as many connections as it has threads."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


class FakeConfig:
    def __init__(self, worker_connections: int, threads: int) -> None:
        self.worker_connections, self.threads = worker_connections, threads

    def set(self, name: str, value: Any) -> None:
        setattr(self, name, value)


class FakeServer:
    def __init__(self, cfg: FakeConfig) -> None:
        self.cfg = cfg


def started(worker_connections: int, threads: int) -> int:
    server = FakeServer(FakeConfig(worker_connections, threads))
    runpy.run_path(str(CONF))["on_starting"](server)
    return server.cfg.worker_connections


def test_the_default_becomes_the_thread_count() -> None:
    assert started(1000, 8) == 8


@pytest.mark.parametrize(("given", "threads", "kept"), [(50, 8, 50), (1000, 1, 1000)])
def test_an_explicit_value_or_a_single_thread_is_left_alone(given: int, threads: int, kept: int) -> None:
    assert started(given, threads) == kept
