"""SQLite's writers take turns (repository/engines/sqlite.py): in the order
they came, with a bounded wait; and a process whose every pooled Postgres
connection is busy keeps the turn (degraded) instead of failing it."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import exc as sqlalchemy_exc

from repository import DatabaseUnavailable, Repository
from repository.engines.sqlite import FairLock, WriterLock


def test_waiters_get_the_lock_in_the_order_they_came() -> None:
    lock = FairLock()
    assert lock.acquire(timeout=1)
    order: list[int] = []

    def wait_then_note(n: int, ready: threading.Event) -> None:
        ready.set()
        assert lock.acquire(timeout=5)
        order.append(n)
        lock.release()

    threads = []
    for n in range(5):
        ready = threading.Event()
        thread = threading.Thread(target=wait_then_note, args=(n, ready))
        thread.start()
        ready.wait()
        deadline = time.monotonic() + 2
        while len(lock._waiting) < n + 1 and time.monotonic() < deadline:  # queued before the next one comes
            time.sleep(0.001)
        threads.append(thread)
    lock.release()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_a_waiter_that_times_out_leaves_the_queue() -> None:
    lock = FairLock()
    assert lock.acquire(timeout=1)
    assert lock.acquire(timeout=0.01) is False
    assert len(lock._waiting) == 0
    lock.release()
    assert lock.acquire(timeout=0.01) is True  # free again: nobody left waiting
    lock.release()


def test_a_writer_waiting_past_the_busy_timeout_is_told_so(tmp_path) -> None:
    writers = WriterLock(str(tmp_path / "x.db"))
    with writers.held(1):
        other = WriterLock(str(tmp_path / "x.db"))  # another process's lock: only the file is shared
        with pytest.raises(DatabaseUnavailable, match="busy timeout"):
            with other.held(0.05):
                pass


def test_an_exhausted_pool_is_unavailable_without_opening_the_breaker(tmp_path, monkeypatch) -> None:
    repo = Repository(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        def exhausted(*args, **kwargs):
            raise sqlalchemy_exc.TimeoutError("QueuePool limit reached")

        monkeypatch.setattr(repo.driver, "wire", exhausted)
        for _ in range(repo.breaker.failure_threshold + 1):
            with pytest.raises(DatabaseUnavailable, match="pool exhausted"):
                repo.run(lambda uow: uow.ping())
        assert repo.breaker.state == "closed"
    finally:
        repo.dispose()
