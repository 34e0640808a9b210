"""An outage must lose nothing: POST /chat while the database is down or slow.

On every database leg (`db_url`), with the database taken away for real:

* Postgres and pgbouncer: through tests/netproxy.py. `refuse` = the server is
  down (connections refused, open ones reset); `stall` = a partition or a frozen
  server (connections accepted, then silence).
* SQLite: `down` = the file cannot be opened any more (a directory stands where
  it was; the pool is emptied first, because an open SQLite connection keeps
  using a file that was moved away); `stall` = another process holds the write
  lock, so every write waits for the busy timeout.
* Slow but alive: proxy latency (Postgres) / the write lock released after a
  while (SQLite).

The app is the real one (create_app) with its real Repository, built here only
to hand it a breaker with a clock the test moves (`REPOSITORY`), and with
DB_LOGGING off so that log writes do not compete for the breaker's one probe.
`driver.attempts` counts every time the repository tried to reach the database.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from direct_reads import as_json, rows, utc
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

import netproxy
from app.service import ChatService
from app.yarn import safety
from app.yarn.content import reply as content_reply
from app.yarn.resources import CRISIS_RESOURCES
from repository import Repository
from repository.breaker import Breaker

CRISIS = "I want to kill myself tonight"
CRISIS_2 = "nobody would care if I was gone"
CONCERN = "I feel hopeless"
# Scheduling slack on a loaded 2-core machine, on top of what the code promises.
SLACK_S = 0.6
WAIT_S = 10.0  # bounded waits everywhere: a broken outage path fails, never hangs


# --------------------------------------------------------------------------
# Reading the database (directly, never through the app or the proxy)
# --------------------------------------------------------------------------






def chat_rows(db_url: str, sid: str) -> list[tuple[str, str, str, datetime]]:
    """(role, message_id, message, ts) of a yarn, in the order it was said."""
    return [(role, mid, msg, utc(ts)) for role, mid, msg, ts in rows(
        db_url, "SELECT role, message_id, message, ts FROM chat_history WHERE session_id = :sid ORDER BY ts, id",
        sid=sid)]


def answers(db_url: str, sid: str) -> dict[str, tuple[Any, Any]]:
    return {step: (response, attempts) for step, response, attempts in rows(
        db_url, "SELECT step, response, attempt_count FROM user_responses WHERE session_id = :sid", sid=sid)}


def detections(db_url: str, sid: str) -> list[tuple[Any, ...]]:
    found = rows(db_url, "SELECT trigger_phrase, user_message, resources_shown, level, category, detected_at "
                         "FROM risk_detections WHERE session_id = :sid ORDER BY id", sid=sid)
    return [(trigger, said, bool(shown), level, category, utc(at))
            for trigger, said, shown, level, category, at in found]


def session_row(db_url: str, sid: str) -> tuple[Any, ...]:
    [(state, completed, check)] = rows(
        db_url, "SELECT fsm_state, completed, safety_check FROM sessions WHERE session_id = :sid", sid=sid)
    return state, bool(completed), check


def last_event_id(db_url: str) -> int:
    return int(rows(db_url, "SELECT coalesce(max(id), 0) FROM analytics")[0][0])


def events(db_url: str, after: int, upto: int | None = None) -> list[tuple[str, Any]]:
    """(event_type, event_data) written after event id `after`, in the order they happened."""
    found = rows(db_url, "SELECT id, event_type, event_data, timestamp FROM analytics WHERE id > :after",
                 after=after)
    found = [r for r in found if upto is None or r[0] <= upto]
    return [(kind, as_json(data)) for _, kind, data, _ in sorted(found, key=lambda r: (utc(r[3]), r[0]))]


# --------------------------------------------------------------------------
# Taking the database away
# --------------------------------------------------------------------------


class Clock:
    """The breaker's clock: the test says when `reset_after_s` has passed."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class CountingDriver:
    """The repository's driver, counting every attempt to reach the database."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.attempts = 0
        self._lock = threading.Lock()

    def wire(self, engine: Any, **options: Any) -> Any:
        with self._lock:
            self.attempts += 1
        return self.real.wire(engine, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class Outage:
    """The leg's database, as the app reaches it, taken away and brought back."""

    def __init__(self, engine_name: str, db_url: str, start_proxy: Callable[..., netproxy.NetProxy]) -> None:
        self.engine_name = engine_name
        self.db_url = db_url
        self.proxy: netproxy.NetProxy | None = None
        self.repo: Repository | None = None
        self._locker: sqlite3.Connection | None = None
        self._guard = threading.Lock()  # up() may come from a timer thread and from teardown
        if engine_name == "sqlite":
            self.url = db_url
            self.path = Path(make_url(db_url).database or "")
            self.away = self.path.with_name(self.path.name + ".away")
        else:
            parsed = make_url(db_url)
            self.proxy = start_proxy(parsed.host or "127.0.0.1", parsed.port or 5432)
            self.url = self.proxy.url_for(db_url)

    def down(self) -> None:
        """Refused (Postgres) / the file cannot be opened (SQLite)."""
        if self.proxy is not None:
            self.proxy.mode = netproxy.REFUSE
            return
        assert self.repo is not None
        self.repo.engine.dispose()
        os.replace(self.path, self.away)
        os.mkdir(self.path)

    def stall(self) -> None:
        """Accepted and never answered (Postgres) / the write lock held elsewhere (SQLite)."""
        if self.proxy is not None:
            self.proxy.mode = netproxy.STALL
            return
        self._locker = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._locker.execute("BEGIN IMMEDIATE")

    def up(self) -> None:
        if self.proxy is not None:
            self.proxy.mode = netproxy.FORWARD
            return
        with self._guard:
            locker, self._locker = self._locker, None
            if locker is not None:
                locker.execute("ROLLBACK")
                locker.close()
            if self.away.exists():
                os.rmdir(self.path)
                os.replace(self.away, self.path)

    def stall_bound_s(self, repo: Repository) -> float:
        """How long a call into the stalled database waits before the database
        layer itself gives up (DatabaseSettings)."""
        settings = repo.settings
        if self.engine_name == "sqlite":
            return settings.sqlite_busy_timeout_s
        return min(float(settings.connect_timeout_s), settings.round_trip_deadline_s)


@dataclass
class World:
    app: Flask
    client: FlaskClient
    service: ChatService
    repo: Repository
    driver: CountingDriver
    clock: Clock
    outage: Outage
    db_url: str
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)  # message id -> body received

    @property
    def breaker(self) -> Breaker:
        return self.repo.breaker

    def say(self, message: str, sid: str | None = None, mid: str | None = None,
            client: FlaskClient | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"message": message}
        if sid:
            body["session_id"] = sid
        if mid:
            body["message_id"] = mid
        response = (client or self.client).post("/chat", json=body)
        assert response.status_code == 200, response.get_data(as_text=True)
        result = response.get_json()
        if mid:
            self.replies[mid] = result
        return result

    def back(self) -> None:
        """The database answers again, and the breaker's reset time has passed."""
        self.outage.up()
        self.clock.advance(self.breaker.reset_after_s)

    def open_breaker(self) -> int:
        """Turns while the database is down until the breaker opens; how many it took."""
        turns = 0
        while self.breaker.state != "open":
            turns += 1
            assert turns <= self.breaker.failure_threshold, "the breaker never opened"
            reply = self.say("My aunty and my coach", None, f"opening-{turns}")
            assert reply["degraded"] is True
        return turns


@pytest.fixture
def world(make_app: Callable[..., Flask], engine_name: str, db_url: str) -> Iterator[World]:
    with netproxy.proxies() as start_proxy:
        outage = Outage(engine_name, db_url, start_proxy)
        clock = Clock()
        repo = Repository(outage.url, breaker=Breaker(clock=clock))
        driver = CountingDriver(repo.driver)
        repo.driver = driver  # type: ignore[assignment]
        outage.repo = repo
        app = make_app(REPOSITORY=repo, DATABASE_URL=outage.url, DB_LOGGING=False)
        service: ChatService = app.extensions["aimhi.service"]
        try:
            yield World(app, app.test_client(), service, repo, driver, clock, outage, db_url)
        finally:
            outage.up()  # whatever the test left, the database is whole again for teardown


def assert_crisis_reply(body: dict[str, Any]) -> None:
    assert body["safety"] == "crisis"
    for resource in CRISIS_RESOURCES:
        assert resource.name in body["reply"], resource.name
        assert resource.number in body["reply"], resource.number
    assert {r["number"] for r in body["resources"]} >= {r.number for r in CRISIS_RESOURCES}


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


# --------------------------------------------------------------------------
# The database refuses: a fallback now, everything written later
# --------------------------------------------------------------------------


def test_refused_database_the_young_person_gets_a_fallback_and_health_says_so(world: World) -> None:
    sid = world.say("hi")["session_id"]
    assert world.client.get("/health").status_code == 200
    world.outage.down()

    body = world.say("My aunty and my coach", sid, "during-1")

    assert body == {"reply": content_reply("fallback", "during-1"), "session_id": sid, "state": None,
                    "safety": None, "degraded": True}
    health = world.client.get("/health")
    assert health.status_code == 503
    report = health.get_json()
    assert report["status"] == "unavailable" and report["database"]["ok"] is False
    assert report["outbox"] == {"depth": 1, "set_aside": 0}
    live = world.client.get("/health/live")
    assert live.status_code == 200 and live.get_json()["outbox"] == {"depth": 1, "set_aside": 0}

    world.back()
    assert world.service.replay() == 1
    health = world.client.get("/health")
    assert health.status_code == 200
    assert health.get_json()["outbox"] == {"depth": 0, "set_aside": 0}
    assert health.get_json()["database"]["breaker"] == "closed"
    assert world.client.get("/health/live").status_code == 200


def test_refused_database_loses_no_message_of_any_yarn(world: World) -> None:
    first = world.say("hi", mid="a-0")["session_id"]
    second = world.say("hi", mid="b-0")["session_id"]
    world.say("My aunty and my coach", first, "a-1")
    before_outage = {first: answers(world.db_url, first), second: answers(world.db_url, second)}
    world.outage.down()

    started = datetime.now(UTC)
    during = [(second, "b-1", "my nan and my cousins"), (first, "a-2", CRISIS), (second, "b-2", "not sure"),
              (first, "a-3", "footy and drawing")]
    for sid, mid, said in during:
        body = world.say(said, sid, mid)
        assert body["degraded"] is True
    ended = datetime.now(UTC)
    assert_crisis_reply(world.replies["a-2"])
    assert world.service.outbox.depth() == len(during)

    world.back()
    assert world.service.replay() == len(during)

    assert world.service.outbox.depth() == 0
    for sid, prefix in ((first, "a-"), (second, "b-")):
        stored = chat_rows(world.db_url, sid)
        mids = [mid for mid in ["a-0", "a-1", "a-2", "a-3", "b-0", "b-1", "b-2"] if mid.startswith(prefix)]
        # Every message once, in the order it was sent, with the very reply the young person got.
        expected = []
        for mid in mids:
            said = next((s for _, m, s in during if m == mid), None) or \
                {"a-0": "hi", "b-0": "hi", "a-1": "My aunty and my coach"}[mid]
            expected += [("user", mid, said), ("bot", f"{mid}:reply", world.replies[mid]["reply"])]
        assert [(role, mid, msg) for role, mid, msg, _ in stored] == expected
        for role, mid, _, ts in stored:
            if any(m == mid.removesuffix(":reply") for _, m, _ in during):
                assert started <= ts <= ended  # when it was said, not when it was replayed
        assert answers(world.db_url, sid) == before_outage[sid]  # what was saved before is still there
    [detection] = detections(world.db_url, first)
    assert detection[:5] == ("kill myself", CRISIS, True, "crisis", "suicidal_intent")
    assert started <= detection[5] <= ended
    assert detections(world.db_url, second) == []


def _completed_yarn(world: World, run: str) -> str:
    sid = world.say("hi", mid=f"{run}-0")["session_id"]
    for i, said in enumerate(["My aunty and my coach", "footy and drawing", "exams and money",
                              "finish school and get a job"], start=1):
        world.say(said, sid, f"{run}-{i}")
    assert session_row(world.db_url, sid)[:2] == ("summary", True)
    return sid


def test_risky_turns_in_an_outage_write_what_a_no_outage_run_writes(world: World) -> None:
    """The same yarn twice: once with the database there the whole time (A),
    once with it refusing for the three turns after the summary (B). After the
    replay, B's rows are A's rows: the only difference is the reply text the
    young person got while the database was away (a fallback for the ordinary
    message; a safety reply either way for the risky ones)."""
    outage_turns = [(5, "thanks heaps"), (6, CRISIS), (7, CRISIS_2)]
    after = (8, "see ya")

    mark_a = last_event_id(world.db_url)
    sid_a = _completed_yarn(world, "A")
    for i, said in [*outage_turns, after]:
        world.say(said, sid_a, f"A-{i}")
    mark_b = last_event_id(world.db_url)

    sid_b = _completed_yarn(world, "B")
    world.outage.down()
    for i, said in outage_turns:
        assert world.say(said, sid_b, f"B-{i}")["degraded"] is True
    world.back()
    assert world.service.replay() == len(outage_turns)
    world.say(after[1], sid_b, f"B-{after[0]}")

    def shape(sid: str, run: str) -> list[tuple[str, str, str]]:
        return [(role, mid.replace(f"{run}-", "", 1), msg) for role, mid, msg, _ in chat_rows(world.db_url, sid)]

    chat_a, chat_b = shape(sid_a, "A"), shape(sid_b, "B")
    assert [r for r in chat_a if r[0] == "user"] == [r for r in chat_b if r[0] == "user"]
    assert [r[1] for r in chat_a] == [r[1] for r in chat_b]
    for run, chat in (("A", chat_a), ("B", chat_b)):  # each holds the replies its young person got
        assert [msg for role, _, msg in chat if role == "bot"] == \
            [world.replies[f"{run}-{i}"]["reply"] for i in range(9)]
    kept = {str(i) for i, _ in outage_turns}
    for (role, mid, msg_a), (_, _, msg_b) in zip(chat_a, chat_b):
        if role == "bot" and mid.split(":")[0] not in kept:
            assert msg_a == msg_b  # the turns around the outage: the very same yarn
    assert_crisis_reply(world.replies["B-6"])
    assert_crisis_reply(world.replies["B-7"])
    assert world.replies["B-5"]["reply"] == content_reply("fallback", "B-5")

    assert answers(world.db_url, sid_b) == answers(world.db_url, sid_a)
    assert [d[:5] for d in detections(world.db_url, sid_b)] == [d[:5] for d in detections(world.db_url, sid_a)]
    assert len(detections(world.db_url, sid_b)) == 2
    assert session_row(world.db_url, sid_b) == session_row(world.db_url, sid_a)
    assert events(world.db_url, mark_b) == events(world.db_url, mark_a, mark_b)


def test_a_yarn_that_starts_during_an_outage_is_counted_like_any_other(world: World) -> None:
    """The first message of a new yarn, with the database there, writes the
    session_started event (app/yarn/flow.py); kept in the outbox and replayed,
    the same first message must write it too, or analytics under-count every
    yarn that began during an outage."""
    mark_a = last_event_id(world.db_url)
    world.say(CRISIS, mid="A-0")
    mark_b = last_event_id(world.db_url)
    world.outage.down()
    body = world.say(CRISIS, mid="B-0")
    assert body["degraded"] is True
    assert_crisis_reply(body)
    world.back()
    assert world.service.replay() == 1

    without_outage = sorted(events(world.db_url, mark_a, mark_b), key=repr)
    assert without_outage == [
        ("risk_triggered", {"trigger_phrase": "kill myself", "level": "crisis", "category": "suicidal_intent"}),
        ("session_started", {})]
    assert sorted(events(world.db_url, mark_b), key=repr) == without_outage


def test_a_check_in_asked_during_an_outage_reads_the_answer_after_it(world: World) -> None:
    """A concern gets the check-in reply, which asks "are you safe right now?";
    the next message is the answer (sessions.safety_check). Asked while the
    database was away, the question still stands once the turn is replayed: a
    plain "no" must get the crisis reply, as it does without an outage."""
    live_sid = world.say("hi")["session_id"]
    asked = world.say(CONCERN, live_sid)
    assert "are you safe right now" in asked["reply"]
    answered = world.say("no", live_sid)
    assert_crisis_reply(answered)  # the reference: no outage

    sid = world.say("hi")["session_id"]
    world.outage.down()
    asked = world.say(CONCERN, sid, "concern-1")
    assert asked["degraded"] is True and asked["safety"] == "concern"
    assert "are you safe right now" in asked["reply"]
    world.back()
    assert world.service.replay() == 1

    answered = world.say("no", sid, "answer-1")

    assert answered["safety"] == "crisis", answered["reply"]
    assert_crisis_reply(answered)
    assert [d[3:5] for d in detections(world.db_url, sid)] == [("concern", "hopelessness"),
                                                                ("crisis", "checkin_not_safe")]
    assert answers(world.db_url, sid) == {}  # "no" is not an answer about support people


# --------------------------------------------------------------------------
# The database stalls: a risky message still gets its reply, in time
# --------------------------------------------------------------------------


def test_stalled_database_a_crisis_message_gets_the_safety_reply_in_time(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    wait_s = world.service.safety_wait_s
    bound_s = world.outage.stall_bound_s(world.repo)
    # The test means something only if the safety reply cannot be waiting for the
    # database layer's own time-out: it must come well before that.
    assert wait_s + SLACK_S < bound_s, (wait_s, bound_s)
    sid = world.say("hi")["session_id"]  # a pooled connection, now frozen by the stall
    world.outage.stall()
    attempts = world.driver.attempts

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="app.service"):
        response = world.client.post("/chat", json={"session_id": sid, "message": CRISIS, "message_id": "stalled-1"})
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    body = response.get_json()
    assert_crisis_reply(body)
    assert body["degraded"] is True and body["state"] is None
    assert body["resources"] == safety.resources_json(safety.assess(CRISIS))
    assert elapsed <= wait_s + SLACK_S, f"{elapsed:.2f}s for the safety reply (wait {wait_s}s)"
    # It came from the safety path, not from a failed save: the turn is still
    # waiting on the database (tried once, not failed yet, nothing kept yet).
    assert world.driver.attempts == attempts + 1
    assert world.breaker.state == "closed" and world.breaker.opened == 0
    assert world.service.outbox.depth() == 0
    assert "safety reply sent before the database answered" in caplog.text
    live = world.client.get("/health/live")  # the load balancer keeps this instance in
    assert live.status_code == 200 and world.driver.attempts == attempts + 1

    # The saving went on: when the database layer gives up, the turn is kept.
    assert wait_until(lambda: world.service.outbox.depth() == 1, bound_s + WAIT_S)
    world.back()
    assert world.service.replay() == 1
    [detection] = detections(world.db_url, sid)
    assert detection[:5] == ("kill myself", CRISIS, True, "crisis", "suicidal_intent")
    assert [(role, msg) for role, mid, msg, _ in chat_rows(world.db_url, sid) if mid.startswith("stalled-1")] == \
        [("user", CRISIS), ("bot", body["reply"])]


# --------------------------------------------------------------------------
# The breaker: open after failures, then nothing waits; half-open = one probe
# --------------------------------------------------------------------------


def test_the_breaker_opens_and_then_no_request_waits_on_the_database(world: World) -> None:
    world.say("hi")
    world.outage.down()

    turns = world.open_breaker()

    assert turns <= world.breaker.failure_threshold
    assert world.breaker.opened == 1
    if world.outage.proxy is not None:
        # From now on a stalled server would hang anyone who tried it, and the
        # proxy counts every connection tried: nobody tries.
        world.outage.stall()
        world.outage.proxy.reset_counts()
    attempts = world.driver.attempts
    sid = world.say("hi")["session_id"]
    for i in range(5):
        body = world.say(CRISIS if i == 2 else "my nan", sid, f"open-{i}")
        assert body["degraded"] is True
    assert_crisis_reply(world.replies["open-2"])
    health = world.client.get("/health")
    live = world.client.get("/health/live")

    assert world.driver.attempts == attempts
    if world.outage.proxy is not None:
        assert world.outage.proxy.connections == 0  # not even a connection was tried
    assert health.status_code == 503
    kept = turns + 6
    database = health.get_json()["database"]
    assert database["ok"] is False and database["breaker"] == "open"
    assert health.get_json()["outbox"] == {"depth": kept, "set_aside": 0}
    assert live.status_code == 200 and live.get_json() == {
        "status": "ok", "database": {"breaker": "open"}, "outbox": {"depth": kept, "set_aside": 0}}

    world.back()
    assert world.service.replay() == kept
    assert world.breaker.state == "closed"
    assert len(detections(world.db_url, sid)) == 1


def test_half_open_lets_exactly_one_probe_through(world: World) -> None:
    world.say("hi")
    world.outage.down()
    world.open_breaker()
    world.outage.up()
    world.outage.stall()  # the probe will wait on a silent database
    world.clock.advance(world.breaker.reset_after_s)
    assert world.breaker.state == "half-open"
    if world.outage.proxy is not None:
        world.outage.proxy.reset_counts()
    attempts = world.driver.attempts
    clients = [world.app.test_client() for _ in range(4)]
    bodies: list[dict[str, Any]] = []
    finished = threading.Semaphore(0)
    lock = threading.Lock()

    def one(index: int) -> None:
        body = world.say("my nan", None, f"probe-{index}", client=clients[index])
        with lock:
            bodies.append(body)
        finished.release()

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(3):  # three answer at once, while one is still out probing
        assert finished.acquire(timeout=WAIT_S)
    with lock:
        assert len(bodies) == 3
    assert finished.acquire(timeout=world.outage.stall_bound_s(world.repo) + WAIT_S)  # the probe gives up
    for thread in threads:
        thread.join(WAIT_S)

    assert all(body["degraded"] is True for body in bodies) and len(bodies) == 4
    assert world.driver.attempts == attempts + 1  # one of the four tried the database
    if world.outage.proxy is not None:
        assert world.outage.proxy.connections == 1
    assert world.breaker.state == "open"  # the probe failed: open again, for another reset period
    world.back()
    assert world.breaker.state == "half-open"
    body = world.say("hello again")  # the next probe finds the database: closed
    assert "degraded" not in body and world.breaker.state == "closed"
    kept = world.service.outbox.depth()
    assert kept >= 4
    assert world.service.replay() == kept and world.service.outbox.depth() == 0


@pytest.mark.postgres_only  # an SQLite file has no connections that an outage can leave dead in the pool
def test_once_the_database_is_back_the_first_probe_gets_through(world: World) -> None:
    """A busy worker has several connections in its pool when the database goes
    away; the outage resets them all, and the few turns before the breaker opens
    find out about only some of them. Once the database answers again, the
    probe must not be refused because it happened to pick a dead pooled
    connection: the repository retries such a connection on a fresh one
    (Repository.run), so the probe, the replay and the young person's turn go
    through and the breaker closes."""
    world.say("hi")
    held = [world.repo.engine.raw_connection() for _ in range(6)]  # six requests at once
    for connection in held:
        connection.close()  # back to the pool, open
    world.outage.down()
    world.open_breaker()
    kept = world.service.outbox.depth()
    world.back()
    assert world.breaker.state == "half-open"

    written = world.service.replay()

    assert (written, world.breaker.state) == (kept, "closed")
    body = world.say("hello again")
    assert "degraded" not in body


def test_slow_database_the_safety_reply_sent_early_is_the_one_saved(world: World) -> None:
    """Slow, not dead: the safety reply goes after `safety_wait_s`, and the turn
    is then saved by the ordinary path once the database answers. The yarn's
    record must hold the reply the young person actually got."""
    wait_s = world.service.safety_wait_s
    sid = world.say("hi")["session_id"]
    if world.outage.proxy is not None:
        world.outage.proxy.latency_s = wait_s  # each of the turn's two round trips: slower than the wait
    else:
        world.outage.stall()  # a writer elsewhere, done after a while (within the busy timeout)
        threading.Timer(wait_s + 0.3, world.outage.up).start()

    body = world.say(CRISIS, sid, "slow-1")

    assert_crisis_reply(body)
    assert body["degraded"] is True
    assert wait_until(lambda: len(detections(world.db_url, sid)) == 1, WAIT_S)
    if world.outage.proxy is not None:
        world.outage.proxy.latency_s = 0
    assert world.service.outbox.depth() == 0  # saved by the turn itself, nothing kept
    stored = [(role, msg) for role, mid, msg, _ in chat_rows(world.db_url, sid) if mid.startswith("slow-1")]
    assert stored == [("user", CRISIS), ("bot", body["reply"])]
