"""The outbox (app/outbox.py): turns kept while the database is away, replayed
into it later, oldest first, exactly once.

Every test runs on each database leg (`db_url`: sqlite, postgresql, pgbouncer):
the outbox itself is always a local SQLite file, the replay target is the leg's
database. "The database is away" is the breaker held open here (the service's
real path: `CircuitOpen` is a `DatabaseUnavailable`); tests/service/test_outage.py
takes the database away for real (refused, stalled, an unusable file).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from direct_reads import as_json, rows, utc
from flask import Flask

from app.outbox import Outbox
from app.service import ChatService
from app.yarn import safety
from app.yarn.resources import CRISIS_RESOURCES
from models.yarn import Detection, Message, TurnOutcome
from repository import Repository
from repository.breaker import Breaker
from repository.unit_of_work import reply_id

CRISIS = "I want to kill myself tonight"
WAIT_S = 10.0  # a broken lock or replayer fails the test instead of hanging it
QUIET: dict[str, Any] = {"DB_LOGGING": False}  # no log writes competing for the database


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------






def messages(db_url: str) -> list[tuple[str, str, str, str, datetime]]:
    """Every chat_history row as (session_id, role, message_id, message, ts), in insertion order."""
    return [(sid, role, mid, msg, utc(ts)) for sid, role, mid, msg, ts in rows(
        db_url, "SELECT session_id, role, message_id, message, ts FROM chat_history ORDER BY id")]


def turn(mid: str, said: str, at: datetime, detection: Detection | None = None) -> TurnOutcome:
    """A turn as the service keeps it: the message, the reply sent, the time."""
    return TurnOutcome(reply="", state="", at=at, detection=detection,
                       messages=(Message("user", said, mid), Message("bot", f"reply to {said}", reply_id(mid))))


def hold_open(breaker: Breaker) -> None:
    """The database is away: the breaker refuses every unit of work."""
    for _ in range(breaker.failure_threshold):
        breaker.failure()
    assert breaker.state == "open"


def service_of(app: Flask) -> ChatService:
    return app.extensions["aimhi.service"]


def kept_rows(path: Path) -> list[tuple[int, str, str | None]]:
    """What the outbox file holds, set-aside entries included: (id, session_id, failed)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, session_id, failed FROM kept ORDER BY id").fetchall()
    finally:
        conn.close()


class Crash(BaseException):
    """The worker died (SIGKILL, OOM): nothing after it runs, no except clause catches it."""


class DiesAfterCommits:
    """A repository whose worker dies right after its `n`-th unit of work committed
    (before the outbox could delete the entry)."""

    def __init__(self, real: Repository, n: int) -> None:
        self.real, self.n, self.calls = real, n, 0

    def run(self, work: Callable[[Any], Any], *, write: bool = True) -> Any:
        result = self.real.run(work, write=write)
        self.calls += 1
        if self.calls == self.n:
            raise Crash
        return result


class Gate:
    """A repository that holds its first unit of work until `release()`."""

    def __init__(self, real: Repository) -> None:
        self.real = real
        self.entered = threading.Event()
        self.go = threading.Event()

    def run(self, work: Callable[[Any], Any], *, write: bool = True) -> Any:
        self.entered.set()
        assert self.go.wait(WAIT_S), "the gate was never released"
        return self.real.run(work, write=write)


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    yield Outbox(tmp_path / "outbox.db")


@pytest.fixture
def quiet_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(**QUIET)


# --------------------------------------------------------------------------
# keep, depth, replay order
# --------------------------------------------------------------------------


def test_keep_counts_and_replay_writes_oldest_first(outbox: Outbox, quiet_app: Flask, db_url: str) -> None:
    repo = service_of(quiet_app).repo
    start = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    a, b = "0d6c3b8e-0000-4000-8000-00000000000a", "0d6c3b8e-0000-4000-8000-00000000000b"
    kept = [(a, "a1", "hi"), (b, "b1", "hello"), (a, "a2", "my aunty"), (b, "b2", "my coach"), (a, "a3", "footy")]
    assert outbox.depth() == 0
    for i, (sid, mid, said) in enumerate(kept):
        assert outbox.keep(sid, turn(mid, said, start + timedelta(seconds=i))) is True
        assert outbox.depth() == i + 1

    assert outbox.replay(repo) == len(kept)

    assert outbox.depth() == 0
    assert kept_rows(outbox.path) == []  # written, then deleted
    expected = []
    for i, (sid, mid, said) in enumerate(kept):
        at = start + timedelta(seconds=i)
        expected += [(sid, "user", mid, said, at), (sid, "bot", f"{mid}:reply", f"reply to {said}", at)]
    assert messages(db_url) == expected  # in keep order, at the original times
    sessions = {sid: (state, bool(done)) for sid, state, done in rows(
        db_url, "SELECT session_id, fsm_state, completed FROM sessions")}
    assert sessions == {a: ("welcome", False), b: ("welcome", False)}  # created; the yarn not moved on
    assert outbox.replay(repo) == 0  # nothing left: nothing written twice
    assert len(messages(db_url)) == 2 * len(kept)


def test_replay_waits_while_the_database_is_away(outbox: Outbox, quiet_app: Flask, db_url: str) -> None:
    repo = service_of(quiet_app).repo
    at = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    sid = "0d6c3b8e-0000-4000-8000-0000000000c1"
    for i in range(3):
        outbox.keep(sid, turn(f"m{i}", f"message {i}", at + timedelta(seconds=i)))
    hold_open(repo.breaker)

    assert outbox.replay(repo) == 0

    assert outbox.depth() == 3
    assert [failed for _, _, failed in kept_rows(outbox.path)] == [None, None, None]  # waiting, not set aside
    assert messages(db_url) == []
    repo.breaker.success()  # the database is back
    assert outbox.replay(repo) == 3
    assert [m[2] for m in messages(db_url)] == ["m0", "m0:reply", "m1", "m1:reply", "m2", "m2:reply"]


# --------------------------------------------------------------------------
# Two workers (two app instances, one outbox file)
# --------------------------------------------------------------------------


def test_two_workers_replay_each_kept_turn_exactly_once(make_app: Callable[..., Flask], db_url: str) -> None:
    first, second = make_app(**QUIET), make_app(**QUIET)
    services = [service_of(first), service_of(second)]
    assert services[0].outbox.path == services[1].outbox.path  # one instance, two worker processes
    clients = [first.test_client(), second.test_client()]
    for service in services:
        hold_open(service.repo.breaker)
    sids = ["0d6c3b8e-0000-4000-8000-0000000000d1", "0d6c3b8e-0000-4000-8000-0000000000d2"]
    sent: list[tuple[str, str]] = []
    for i in range(40):  # both workers keep turns of both yarns, interleaved
        sid, mid = sids[i % 2], f"turn-{i:02d}"
        response = clients[(i // 2) % 2].post("/chat", json={"session_id": sid, "message_id": mid,
                                                               "message": f"message number {i}"})
        assert response.status_code == 200
        assert response.get_json()["degraded"] is True
        sent.append((sid, mid))
    assert services[0].outbox.depth() == services[1].outbox.depth() == 40
    for service in services:
        service.repo.breaker.success()  # the database is back for both

    written = [0, 0]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def replayer(index: int) -> None:
        try:
            start.wait(WAIT_S)
            while services[index].outbox.depth():
                written[index] += services[index].replay()
        except BaseException as error:  # handed to the test thread
            errors.append(error)

    threads = [threading.Thread(target=replayer, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S * 3)
    assert not errors and not any(t.is_alive() for t in threads)

    assert sum(written) == 40
    stored = messages(db_url)
    user_rows = [(sid, mid) for sid, role, mid, _, _ in stored if role == "user"]
    assert user_rows == sent  # each once, in the order the young people sent them
    assert len(stored) == 80 and len({m[2] for m in stored}) == 80
    assert services[0].outbox.depth() == 0 and kept_rows(services[0].outbox.path) == []


def test_only_one_worker_replays_at_a_time(make_app: Callable[..., Flask], db_url: str) -> None:
    first, second = service_of(make_app(**QUIET)), service_of(make_app(**QUIET))
    at = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    for i in range(3):
        first.outbox.keep("0d6c3b8e-0000-4000-8000-0000000000e1", turn(f"x{i}", f"message {i}", at))
    gate = Gate(first.repo)
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(first.outbox.replay(gate)))  # type: ignore[arg-type]
    worker.start()
    try:
        assert gate.entered.wait(WAIT_S)
        # The first worker is half-way through: the second does not start on the same entries.
        assert second.outbox.depth() == 3
        assert second.outbox.replay(second.repo) == 0
        assert messages(db_url) == []
    finally:
        gate.go.set()
        worker.join(WAIT_S)
    assert result == [3]
    assert [m[2] for m in messages(db_url) if m[1] == "user"] == ["x0", "x1", "x2"]
    assert second.outbox.replay(second.repo) == 0 and len(messages(db_url)) == 6


# --------------------------------------------------------------------------
# An entry that can never be written
# --------------------------------------------------------------------------


def _keep_a_bad_lot(outbox: Outbox) -> str:
    """good-1, an entry the database refuses (a role the schema does not allow),
    an entry whose body cannot be read, good-2. Returns the session id."""
    sid = "0d6c3b8e-0000-4000-8000-0000000000f1"
    at = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    outbox.keep(sid, turn("good-1", "first", at))
    refused = TurnOutcome(reply="", state="", at=at, messages=(Message("robot", "beep", "bad-1"),))
    outbox.keep(sid, refused)
    conn = sqlite3.connect(outbox.path)
    try:
        conn.execute("INSERT INTO kept (session_id, kept_at, body) VALUES (?, ?, ?)",
                     (sid, at.isoformat(), '{"at": "2025-03-01T09:30:00+00:00", "messages": [{"role"'))
        conn.commit()
    finally:
        conn.close()
    outbox.keep(sid, turn("good-2", "second", at + timedelta(seconds=1)))
    return sid


def test_an_entry_that_fails_for_good_is_set_aside_not_lost_and_not_blocking(
        outbox: Outbox, quiet_app: Flask, db_url: str) -> None:
    repo = service_of(quiet_app).repo
    sid = _keep_a_bad_lot(outbox)
    assert outbox.depth() == 4

    outbox.replay(repo)

    # The good entries behind the bad ones were written, in order.
    assert [m[2] for m in messages(db_url)] == ["good-1", "good-1:reply", "good-2", "good-2:reply"]
    # The bad ones are still in the file, marked with the reason, out of the queue.
    left = kept_rows(outbox.path)
    assert [(entry_sid, failed is not None) for _, entry_sid, failed in left] == [(sid, True), (sid, True)]
    assert "robot" in str(left[0][2])
    assert outbox.depth() == 0
    # A later replay does not retry them (nor write anything twice).
    assert outbox.replay(repo) == 0
    assert len(kept_rows(outbox.path)) == 2 and len(messages(db_url)) == 4
    assert repo.breaker.state == "closed"  # a refused value is not an outage


def test_replay_counts_only_the_entries_it_wrote(outbox: Outbox, quiet_app: Flask) -> None:
    """`Outbox.replay` promises "how many were written" (the replayer logs it as
    "the outbox wrote %d kept messages"); set-aside entries were not written."""
    _keep_a_bad_lot(outbox)
    assert outbox.replay(service_of(quiet_app).repo) == 2


# --------------------------------------------------------------------------
# A risky turn kept in the outbox
# --------------------------------------------------------------------------


def _detections(db_url: str, sid: str) -> list[tuple[Any, ...]]:
    found = rows(db_url, "SELECT trigger_phrase, user_message, resources_shown, level, category, detected_at "
                         "FROM risk_detections WHERE session_id = :sid ORDER BY id", sid=sid)
    return [(trigger, said, bool(shown), level, category, utc(at))
            for trigger, said, shown, level, category, at in found]


def _risk_events(db_url: str, after_id: int = 0) -> list[tuple[Any, datetime]]:
    return [(as_json(data), utc(at)) for data, at in rows(
        db_url, "SELECT event_data, timestamp FROM analytics WHERE event_type = 'risk_triggered' AND id > :after "
                "ORDER BY id", after=after_id)]


def _last_event_id(db_url: str) -> int:
    return int(rows(db_url, "SELECT coalesce(max(id), 0) FROM analytics")[0][0])


def test_a_kept_risky_turn_replays_its_detection_and_event(quiet_app: Flask, db_url: str) -> None:
    service = service_of(quiet_app)
    client = quiet_app.test_client()
    # The same message with the database there: what it writes.
    live_sid = client.post("/chat", json={"message": "hi"}).get_json()["session_id"]
    live = client.post("/chat", json={"session_id": live_sid, "message": CRISIS}).get_json()
    assert live["safety"] == "crisis" and "degraded" not in live
    [live_detection] = _detections(db_url, live_sid)
    [live_event] = _risk_events(db_url)
    mark = _last_event_id(db_url)

    sid = client.post("/chat", json={"message": "hi"}).get_json()["session_id"]
    hold_open(service.repo.breaker)
    before = datetime.now(UTC)
    body = client.post("/chat", json={"session_id": sid, "message": CRISIS, "message_id": "risky-1"}).get_json()
    after = datetime.now(UTC)
    assert body["degraded"] is True and body["safety"] == "crisis"
    for resource in CRISIS_RESOURCES:
        assert resource.name in body["reply"] and resource.number in body["reply"]
    assert body["resources"] == safety.resources_json(safety.assess(CRISIS))
    assert service.outbox.depth() == 1
    assert _detections(db_url, sid) == []  # nothing reached the database yet

    service.repo.breaker.success()
    assert service.replay() == 1

    [detection] = _detections(db_url, sid)
    assert detection[:5] == live_detection[:5]  # trigger, message, resources shown, level, category
    assert detection[:5] == ("kill myself", CRISIS, True, "crisis", "suicidal_intent")
    assert before <= detection[5] <= after  # when it was said, not when it was replayed
    [(event_data, event_at)] = _risk_events(db_url, mark)
    assert event_data == live_event[0] == {"trigger_phrase": "kill myself", "level": "crisis",
                                           "category": "suicidal_intent"}
    assert event_at == detection[5]
    said = [(role, mid, msg) for s, role, mid, msg, _ in messages(db_url) if s == sid and mid.startswith("risky-1")]
    assert said == [("user", "risky-1", CRISIS), ("bot", "risky-1:reply", body["reply"])]  # the reply they got


# --------------------------------------------------------------------------
# Interrupted replays and retried messages: message ids make it exactly once
# --------------------------------------------------------------------------


def test_an_interrupted_replay_writes_each_entry_once(quiet_app: Flask, db_url: str, tmp_path: Path) -> None:
    service = service_of(quiet_app)
    path = service.outbox.path
    sid = "0d6c3b8e-0000-4000-8000-0000000000a7"
    at = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    crisis = Detection("crisis", "suicidal_intent", "kill myself")
    for i in range(5):
        service.outbox.keep(sid, turn(f"i{i}", CRISIS if i == 2 else f"message {i}", at + timedelta(seconds=i),
                                      detection=crisis if i == 2 else None))

    dying = DiesAfterCommits(service.repo, n=3)  # entry i2 (the risky one) commits, then the worker dies
    with pytest.raises(Crash):
        service.outbox.replay(dying)  # type: ignore[arg-type]
    assert [m[2] for m in messages(db_url) if m[1] == "user"] == ["i0", "i1", "i2"]
    assert Outbox(path).depth() == 3  # i2 was written but not yet deleted

    survivor = Outbox(path)  # another worker (or the restarted one) takes over
    survivor.replay(service.repo)

    assert survivor.depth() == 0
    assert [m[2] for m in messages(db_url) if m[1] == "user"] == ["i0", "i1", "i2", "i3", "i4"]
    assert len(messages(db_url)) == 10
    assert len(_detections(db_url, sid)) == 1
    assert len(_risk_events(db_url)) == 1


def test_a_retried_message_lands_once_whichever_comes_first(quiet_app: Flask, db_url: str) -> None:
    """The page sends the same message id again after a degraded reply: the
    turn goes through live once the database is back, and the kept copy is
    not written a second time."""
    service = service_of(quiet_app)
    client = quiet_app.test_client()
    sid = client.post("/chat", json={"message": "hi"}).get_json()["session_id"]
    hold_open(service.repo.breaker)
    payload = {"session_id": sid, "message_id": "again-1", "message": "My aunty and my coach"}
    assert client.post("/chat", json=payload).get_json()["degraded"] is True
    service.repo.breaker.success()

    retried = client.post("/chat", json=payload).get_json()  # before the replayer got to it
    assert "degraded" not in retried and retried["state"] == "strengths"
    service.replay()

    mine = [(role, mid) for s, role, mid, _, _ in messages(db_url) if s == sid and mid.startswith("again-1")]
    assert mine == [("user", "again-1"), ("bot", "again-1:reply")]
    assert service.outbox.depth() == 0 and kept_rows(service.outbox.path) == []
