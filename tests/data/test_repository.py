"""The repository: every legacy function and Repository method, on SQLite,
Postgres and Postgres through pgbouncer in transaction mode (`db_url`).

Meanings: /work/shared/legacy/README.md section 2. Decided behaviours:
docs/architecture.md ("Behaviours decided once, for both engines").
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.pool import NullPool

import pgserver
import repository
from data_helpers import FakeClock, LegacyUnderTest, START, assert_plain, assert_utc, count_statements, table_counts
from models import ChatMessage, UserResponse
from repository import (
    DatabaseUnavailable,
    InvalidValue,
    Repository,
    RepositoryError,
    UnknownSession,
)
from repository import config
from repository.engines import make_engine
from repository.engines.postgres import DRIVER as POSTGRES
from repository.sql import Query
from models.yarn import AnswerUpdate, Classification, Detection, Event, Message, TurnOutcome, Yarn

user_responses = UserResponse.__table__
chat_history = ChatMessage.__table__

LEGACY_FUNCTIONS = (
    "init_db", "create_session", "get_session_data", "update_session_state", "mark_session_completed",
    "save_message", "get_history", "save_user_response", "get_user_responses", "update_attempt_count",
    "save_risk_detection", "get_risk_detections", "save_session_summary", "get_latest_summary",
    "save_analytics_event", "get_analytics_summary", "save_intent_classification", "save_system_log",
    "cleanup_old_sessions",
)


def at(clock: FakeClock, when: datetime, call: Callable[[], Any]) -> Any:
    """Run `call` with the clock at `when`, then put the clock back."""
    before = clock.now
    clock.set(when)
    try:
        return call()
    finally:
        clock.set(before)


# --------------------------------------------------------------------------
# sessions
# --------------------------------------------------------------------------


def test_create_session_and_get_session_data(repo: Repository, clock: FakeClock) -> None:
    assert repo.get_session_data("s1") is None
    assert repo.create_session("s1") is None
    data = repo.get_session_data("s1")
    assert data == {
        "session_id": "s1", "fsm_state": "welcome", "created_at": START, "last_activity": START,
        "completed": False, "completion_time": None,
    }
    assert_plain(data)
    repo.create_session("s2", "goals")
    assert repo.get_session_data("s2")["fsm_state"] == "goals"


def test_create_session_leaves_an_existing_session_as_it_is(repo: Repository, clock: FakeClock) -> None:
    repo.create_session("s1", "strengths")
    clock.advance(minutes=5)
    repo.create_session("s1", "welcome")
    data = repo.get_session_data("s1")
    assert data["fsm_state"] == "strengths"
    assert data["created_at"] == data["last_activity"] == START
    assert table_counts(repo.engine)["sessions"] == 1


def test_update_session_state_sets_state_and_touches_last_activity(repo: Repository, clock: FakeClock) -> None:
    repo.create_session("s1")
    later = clock.advance(minutes=3)
    assert repo.update_session_state("s1", "worries") is True
    data = repo.get_session_data("s1")
    assert (data["fsm_state"], data["created_at"], data["last_activity"]) == ("worries", START, later)


def test_mark_session_completed(repo: Repository, clock: FakeClock) -> None:
    repo.create_session("s1")
    later = clock.advance(hours=1)
    assert repo.mark_session_completed("s1") is True
    data = repo.get_session_data("s1")
    assert data["completed"] is True
    assert data["completion_time"] == later
    assert data["last_activity"] == later


def test_unknown_session_updates_change_nothing_and_return_false(repo: Repository) -> None:
    assert repo.update_session_state("nope", "goals") is False
    assert repo.mark_session_completed("nope") is False
    assert repo.delete_session("nope") is False
    assert table_counts(repo.engine)["sessions"] == 0


def test_delete_session_cascades_and_keeps_analytics(repo: Repository) -> None:
    fill_session(repo, "gone")
    fill_session(repo, "kept")
    before = table_counts(repo.engine)
    assert repo.delete_session("gone") is True
    after = table_counts(repo.engine)
    assert repo.get_session_data("gone") is None
    for table in ("chat_history", "user_responses", "risk_detections", "session_summaries",
                  "intent_classifications", "system_logs"):
        assert after[table] == before[table] // 2, table
    assert after["analytics"] == before["analytics"]
    assert repo.get_history("kept") and repo.get_session_data("kept")
    assert repo.delete_session("gone") is False


def fill_session(repo: Repository, session_id: str) -> None:
    """One row of every child table for the session (and a risk analytics event)."""
    repo.save_message(session_id, "user", "hello")
    repo.save_user_response(session_id, "strengths", "footy")
    repo.save_risk_detection(session_id, "kill myself", "i want to kill myself")
    repo.save_session_summary(session_id, "partial", {"strengths": "footy"})
    repo.save_intent_classification(session_id, "hello", "greeting", 0.9, "rule_based")
    repo.save_system_log("INFO", "test", "filled", session_id=session_id)


# --------------------------------------------------------------------------
# messages
# --------------------------------------------------------------------------


def test_save_message_creates_the_session_and_touches_last_activity(repo: Repository, clock: FakeClock) -> None:
    repo.save_message("s1", "bot", "Hi, I'm the yarn bot")
    assert repo.get_session_data("s1")["fsm_state"] == "welcome"
    later = clock.advance(seconds=30)
    repo.save_message("s1", "user", "hey")
    data = repo.get_session_data("s1")
    assert (data["created_at"], data["last_activity"]) == (START, later)
    assert table_counts(repo.engine)["sessions"] == 1


def test_get_history_newest_first_with_limit(repo: Repository, clock: FakeClock) -> None:
    for n in range(10):
        repo.save_message("s1", "user" if n % 2 else "bot", f"m{n}")
        clock.advance(seconds=1)
    repo.save_message("other", "user", "not mine")
    history = repo.get_history("s1")
    assert [m["message"] for m in history] == ["m9", "m8", "m7", "m6", "m5", "m4"]  # default limit 6
    assert history[0] == {"role": "user", "message": "m9", "ts": START + timedelta(seconds=9)}
    assert [m["message"] for m in repo.get_history("s1", limit=2)] == ["m9", "m8"]
    assert len(repo.get_history("s1", limit=None)) == 10
    assert len(repo.get_history("s1", 100)) == 10
    assert repo.get_history("s1", limit=0) == []
    assert repo.get_history("nobody") == []
    assert_plain(history)


def test_newest_first_is_stable_on_tied_timestamps(db_url: str) -> None:
    """Many writes in the same instant: insertion order breaks the tie."""
    fixed = FakeClock()
    repo = LegacyUnderTest(Repository(db_url, clock=fixed))
    try:
        for n in range(25):
            repo.save_message("s1", "user", f"m{n:02d}")
        assert [m["message"] for m in repo.get_history("s1", limit=None)] == [f"m{n:02d}" for n in reversed(range(25))]
        assert {m["ts"] for m in repo.get_history("s1", limit=None)} == {START}
        for n in range(5):
            repo.save_risk_detection("s1", f"p{n}", "msg")
            repo.save_session_summary("s1", "partial", {"n": n})
        assert [d["trigger_phrase"] for d in repo.get_risk_detections()] == ["p4", "p3", "p2", "p1", "p0"]
        assert [d["trigger_phrase"] for d in repo.get_risk_detections("s1", limit=2)] == ["p4", "p3"]
        assert repo.get_latest_summary("s1") == {"n": 4}
    finally:
        repo.dispose()


# --------------------------------------------------------------------------
# step answers
# --------------------------------------------------------------------------


def response_rows(repo: Repository, session_id: str) -> list[dict[str, Any]]:
    with repo.engine.connect() as connection:
        query = select(user_responses).where(user_responses.c.session_id == session_id).order_by(user_responses.c.step)
        return [dict(row) for row in connection.execute(query).mappings()]


def test_save_user_response_upserts_on_session_and_step(repo: Repository, clock: FakeClock) -> None:
    repo.create_session("s1")
    repo.save_user_response("s1", "strengths", "footy", 1)
    later = clock.advance(minutes=2)
    repo.save_user_response("s1", "strengths", "footy and art")
    rows = response_rows(repo, "s1")
    assert len(rows) == 1
    row = rows[0]
    assert (row["response"], row["attempt_count"]) == ("footy and art", 0)
    assert (row["created_at"], row["updated_at"]) == (START, later)
    repo.save_user_response("s1", "goals", "finish school", attempt_count=2)
    assert repo.get_user_responses("s1") == {"strengths": "footy and art", "goals": "finish school"}


def test_get_user_responses_skips_empty_answers(repo: Repository) -> None:
    repo.create_session("s1")
    repo.save_user_response("s1", "support_people", "Nan and my cousin")
    repo.save_user_response("s1", "strengths", "")
    repo.save_user_response("s1", "worries", None)
    repo.update_attempt_count("s1", "goals")
    responses = repo.get_user_responses("s1")
    assert responses == {"support_people": "Nan and my cousin"}
    assert type(responses) is dict
    assert repo.get_user_responses("nobody") == {}


def test_update_attempt_count_is_plus_one_and_creates_at_one(repo: Repository, clock: FakeClock) -> None:
    repo.create_session("s1")
    assert repo.update_attempt_count("s1", "worries") == 1
    assert repo.update_attempt_count("s1", "worries") == 2
    repo.save_user_response("s1", "goals", "get a job", attempt_count=5)
    later = clock.advance(seconds=1)
    assert repo.update_attempt_count("s1", "goals") == 6
    rows = {row["step"]: row for row in response_rows(repo, "s1")}
    assert rows["goals"]["response"] == "get a job"  # the answer is kept
    assert rows["goals"]["updated_at"] == later
    assert rows["worries"]["response"] is None
    assert repo.get_user_responses("s1") == {"goals": "get a job"}


@pytest.mark.parametrize("threads,per_thread", [(8, 12)])
def test_update_attempt_count_is_atomic_under_concurrency(db_url: str, threads: int, per_thread: int) -> None:
    repo = LegacyUnderTest(Repository(db_url))
    try:
        repo.create_session("s1")
        results: list[int] = []
        errors: list[BaseException] = []
        lock = threading.Lock()
        barrier = threading.Barrier(threads)

        def work() -> None:
            try:
                barrier.wait()
                for _ in range(per_thread):
                    value = repo.update_attempt_count("s1", "strengths")
                    with lock:
                        results.append(value)
            except BaseException as error:  # reported below
                errors.append(error)

        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        assert not errors, errors
        total = threads * per_thread
        assert sorted(results) == list(range(1, total + 1))  # every increment seen exactly once
        assert response_rows(repo, "s1")[0]["attempt_count"] == total
    finally:
        repo.dispose()


# --------------------------------------------------------------------------
# risk, summaries, analytics, classifications, logs
# --------------------------------------------------------------------------


def test_save_risk_detection_writes_detection_and_event_together(repo: Repository, clock: FakeClock) -> None:
    repo.create_session("s1")
    repo.create_session("s2")
    repo.save_risk_detection("s1", "want to die", "i want to die")
    clock.advance(seconds=1)
    repo.save_risk_detection("s2", "not safe", "i'm not safe at home")
    detections = repo.get_risk_detections()
    assert [(d["session_id"], d["trigger_phrase"]) for d in detections] == [("s2", "not safe"), ("s1", "want to die")]
    first = detections[1]
    assert set(first) == {"id", "session_id", "trigger_phrase", "user_message", "detected_at", "resources_shown",
                          "level", "category"}
    assert first["user_message"] == "i want to die"
    assert first["resources_shown"] is True
    assert (first["level"], first["category"]) == ("crisis", None)  # the legacy function has one tier
    assert first["detected_at"] == START
    assert_plain(detections)
    assert [d["session_id"] for d in repo.get_risk_detections("s1")] == ["s1"]
    assert len(repo.get_risk_detections(limit=1)) == 1
    assert repo.get_risk_detections(limit=0) == []
    assert repo.get_risk_detections("nobody") == []
    assert repo.get_analytics_summary()["event_counts"] == {"risk_triggered": 2}
    with repo.engine.connect() as connection:
        data = connection.execute(text("SELECT event_data FROM analytics ORDER BY id")).scalars().all()
    # One shape of the event, for the turn and the legacy function (models.yarn.Detection.event).
    assert [repo_json(value) for value in data] == [
        {"trigger_phrase": "want to die", "level": "crisis", "category": None},
        {"trigger_phrase": "not safe", "level": "crisis", "category": None},
    ]


def test_session_summaries_latest_by_type(repo: Repository, clock: FakeClock) -> None:
    repo.create_session("s1")
    assert repo.get_latest_summary("s1") is None
    repo.save_session_summary("s1", "partial", {"step": 1})
    clock.advance(seconds=1)
    repo.save_session_summary("s1", "complete", {"step": 2, "nested": {"list": [1, 2.5, None, "é"]}})
    clock.advance(seconds=1)
    repo.save_session_summary("s1", "partial", {"step": 3})
    assert repo.get_latest_summary("s1") == {"step": 3}
    assert repo.get_latest_summary("s1", "complete") == {"step": 2, "nested": {"list": [1, 2.5, None, "é"]}}
    assert repo.get_latest_summary("s1", "partial") == {"step": 3}
    assert repo.get_latest_summary("s1", "llm_context") is None
    assert repo.get_latest_summary("nobody") is None
    assert repo.save_session_summary("s1", "llm_context", {}) is None
    assert repo.get_latest_summary("s1", "llm_context") == {}
    assert type(repo.get_latest_summary("s1")) is dict


def test_analytics_summary_window_and_completion(repo: Repository, clock: FakeClock) -> None:
    now = START
    old, recent = now - timedelta(days=7.1), now - timedelta(days=6.9)
    at(clock, old, lambda: repo.save_analytics_event("session_started"))
    at(clock, old, lambda: repo.create_session("old"))
    at(clock, old, lambda: repo.mark_session_completed("old"))
    at(clock, recent, lambda: repo.save_analytics_event("session_started", {"why": "recent"}))
    at(clock, recent, lambda: repo.create_session("recent"))
    at(clock, recent, lambda: repo.mark_session_completed("recent"))
    repo.save_analytics_event("step_completed", {"step": "goals"})
    repo.save_analytics_event("step_completed")
    repo.create_session("now-1")
    repo.create_session("now-2")
    summary = repo.get_analytics_summary(7)
    assert summary == {
        "event_counts": {"session_started": 1, "step_completed": 2},
        "completion_stats": {"total_sessions": 3, "completed": 1, "completion_rate": 33.33},
    }
    assert_plain(summary)
    assert repo.get_analytics_summary() == summary  # days=7 by default
    assert repo.get_analytics_summary(8)["event_counts"] == {"session_started": 2, "step_completed": 2}
    assert repo.get_analytics_summary(8)["completion_stats"]["completion_rate"] == 50.0
    assert repo.get_analytics_summary(0) == {
        "event_counts": {"step_completed": 2},
        "completion_stats": {"total_sessions": 2, "completed": 0, "completion_rate": 0.0},
    }
    # A huge window is every row, not an overflow.
    assert repo.get_analytics_summary(10**8)["event_counts"] == {"session_started": 2, "step_completed": 2}
    assert repo.get_analytics_summary(2**31 - 1)["completion_stats"]["total_sessions"] == 4


def test_analytics_summary_of_an_empty_database(repo: Repository) -> None:
    assert repo.get_analytics_summary() == {
        "event_counts": {},
        "completion_stats": {"total_sessions": 0, "completed": 0, "completion_rate": 0.0},
    }


def test_save_intent_classification(repo: Repository) -> None:
    repo.create_session("s1")
    repo.save_intent_classification("s1", "yeah nah", "unclear", 0.0, "distilbert")
    repo.save_intent_classification("s1", "my mum", "answer", 1, "hybrid", fsm_state="support_people", inference_time_ms=0)
    repo.save_intent_classification("s1", "ok", "answer", None, "rule_based", None, 17)
    with repo.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT session_id, user_message, classified_intent, confidence, method, fsm_state, inference_time_ms "
            "FROM intent_classifications ORDER BY id"
        )).all()
    assert [tuple(row) for row in rows] == [
        ("s1", "yeah nah", "unclear", 0.0, "distilbert", None, None),
        ("s1", "my mum", "answer", 1.0, "hybrid", "support_people", 0),
        ("s1", "ok", "answer", None, "rule_based", None, 17),
    ]


def test_save_system_log_with_and_without_session(repo: Repository, clock: FakeClock) -> None:
    repo.save_system_log("ERROR", "service", "boom", error_trace="Traceback ...")
    repo.create_session("s1")
    repo.save_system_log("DEBUG", "yarn", "turn", session_id="s1")
    with repo.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT log_level, component, message, session_id, error_trace FROM system_logs ORDER BY id"
        )).all()
    assert [tuple(row) for row in rows] == [
        ("ERROR", "service", "boom", None, "Traceback ..."),
        ("DEBUG", "yarn", "turn", "s1", None),
    ]


def test_cleanup_old_sessions_cascades_and_keeps_analytics(repo: Repository, clock: FakeClock) -> None:
    now = START
    for name, age, completed in [
        ("old-done", 31, True), ("old-open", 31, False), ("young-done", 29, True), ("edge-done", 30, True),
        ("older-done", 400, True),
    ]:
        at(clock, now - timedelta(days=age), lambda name=name: fill_session(repo, name))
        if completed:
            repo.mark_session_completed(name)
    before = table_counts(repo.engine)
    assert repo.cleanup_old_sessions() == 2  # default 30 days; exactly 30 days old is not older
    after = table_counts(repo.engine)
    assert repo.get_session_data("old-done") is None and repo.get_session_data("older-done") is None
    for kept in ("old-open", "young-done", "edge-done"):
        assert repo.get_session_data(kept) is not None
    assert after["sessions"] == before["sessions"] - 2
    for table in ("chat_history", "user_responses", "risk_detections", "session_summaries",
                  "intent_classifications", "system_logs"):
        assert after[table] == before[table] - 2, table
    assert after["analytics"] == before["analytics"]  # aggregate stats outlive sessions
    assert repo.get_risk_detections("old-done") == []
    assert repo.cleanup_old_sessions(30) == 0
    assert repo.cleanup_old_sessions(days=0) == 2  # both remaining completed ones
    assert repo.cleanup_old_sessions(10**9) == 0  # a huge age: nothing is that old (no overflow)
    assert repo.get_session_data("old-open") is not None


# --------------------------------------------------------------------------
# invalid values: InvalidValue, nothing written
# --------------------------------------------------------------------------

NAN, INF = math.nan, math.inf
INVALID_CALLS: dict[str, Callable[[Repository], Any]] = {
    # NUL anywhere (Postgres text cannot hold it)
    "nul-session-id": lambda r: r.create_session("a\x00b"),
    "nul-message": lambda r: r.save_message("s", "user", "hi\x00"),
    "nul-message-new-session": lambda r: r.save_message("new", "user", "\x00"),
    "nul-response": lambda r: r.save_user_response("s", "goals", "\x00"),
    "nul-trigger": lambda r: r.save_risk_detection("s", "\x00", "m"),
    "nul-risk-message": lambda r: r.save_risk_detection("s", "p", "m\x00"),
    "nul-in-summary-value": lambda r: r.save_session_summary("s", "partial", {"a": ["x\x00"]}),
    "nul-in-summary-key": lambda r: r.save_session_summary("s", "partial", {"k\x00": 1}),
    "nul-in-event-data": lambda r: r.save_analytics_event("step_completed", {"a": {"b": "\x00"}}),
    "nul-intent": lambda r: r.save_intent_classification("s", "m", "i\x00", 0.5, "hybrid"),
    "nul-classification-state": lambda r: r.save_intent_classification("s", "m", "i", 0.5, "hybrid", "\x00"),
    "nul-log-component": lambda r: r.save_system_log("INFO", "c\x00", "m"),
    "nul-log-trace": lambda r: r.save_system_log("INFO", "c", "m", error_trace="\x00"),
    "lone-surrogate": lambda r: r.save_message("s", "user", "\ud83d"),
    "lone-surrogate-in-json": lambda r: r.save_analytics_event("step_completed", {"\udc00": 1}),
    # enums
    "bad-fsm-state-create": lambda r: r.create_session("new", "finished"),
    "bad-fsm-state-update": lambda r: r.update_session_state("s", "WELCOME"),
    "bad-role": lambda r: r.save_message("s", "assistant", "hi"),
    "bad-role-new-session": lambda r: r.save_message("new", "system", "hi"),
    "bad-step-save": lambda r: r.save_user_response("s", "welcome", "x"),
    "bad-step-attempt": lambda r: r.update_attempt_count("s", "summary"),
    "bad-summary-type": lambda r: r.save_session_summary("s", "final", {}),
    "bad-summary-type-get": lambda r: r.get_latest_summary("s", "final"),
    "bad-event-type": lambda r: r.save_analytics_event("distilbert_use"),
    "bad-method": lambda r: r.save_intent_classification("s", "m", "i", 0.5, "llm"),
    "bad-log-level": lambda r: r.save_system_log("warning", "c", "m"),
    "enum-not-text": lambda r: r.save_message("s", None, "hi"),
    # ranges and numbers
    "confidence-above-1": lambda r: r.save_intent_classification("s", "m", "i", 1.0000001, "hybrid"),
    "confidence-below-0": lambda r: r.save_intent_classification("s", "m", "i", -0.01, "hybrid"),
    "confidence-nan": lambda r: r.save_intent_classification("s", "m", "i", NAN, "hybrid"),
    "confidence-inf": lambda r: r.save_intent_classification("s", "m", "i", INF, "hybrid"),
    "confidence-text": lambda r: r.save_intent_classification("s", "m", "i", "0.5", "hybrid"),
    "confidence-bool": lambda r: r.save_intent_classification("s", "m", "i", True, "hybrid"),
    "inference-time-negative": lambda r: r.save_intent_classification("s", "m", "i", 0.5, "hybrid", None, -1),
    "inference-time-float": lambda r: r.save_intent_classification("s", "m", "i", 0.5, "hybrid", None, 1.5),
    "attempt-count-negative": lambda r: r.save_user_response("s", "goals", "x", -1),
    "attempt-count-too-big": lambda r: r.save_user_response("s", "goals", "x", 2**31),
    "attempt-count-text": lambda r: r.save_user_response("s", "goals", "x", "1"),
    "limit-negative": lambda r: r.get_history("s", -1),
    "limit-float": lambda r: r.get_history("s", 1.5),
    "limit-bool": lambda r: r.get_history("s", True),
    "limit-text": lambda r: r.get_risk_detections(None, "10"),
    "risk-limit-negative": lambda r: r.get_risk_detections("s", -5),
    "days-negative-summary": lambda r: r.get_analytics_summary(-1),
    "days-negative-cleanup": lambda r: r.cleanup_old_sessions(-30),
    "days-float": lambda r: r.cleanup_old_sessions(30.0),
    "days-none": lambda r: r.get_analytics_summary(None),
    # JSON
    "summary-not-dict-list": lambda r: r.save_session_summary("s", "partial", [1, 2]),
    "summary-not-dict-text": lambda r: r.save_session_summary("s", "partial", "{}"),
    "summary-none": lambda r: r.save_session_summary("s", "partial", None),
    "summary-nan": lambda r: r.save_session_summary("s", "partial", {"a": NAN}),
    "summary-nested-inf": lambda r: r.save_session_summary("s", "complete", {"a": [{"b": -INF}]}),
    "event-data-nan": lambda r: r.save_analytics_event("step_completed", [NAN]),
    "event-data-non-string-key": lambda r: r.save_analytics_event("step_completed", {1: "x"}),
    "event-data-set": lambda r: r.save_analytics_event("step_completed", {"s": {1, 2}}),
    "event-data-datetime": lambda r: r.save_analytics_event("step_completed", {"t": START}),
    # text that is not text, over-long keys
    "session-id-not-text": lambda r: r.create_session(42),
    "session-id-too-long": lambda r: r.save_message("x" * 256, "user", "hi"),
    "message-not-text": lambda r: r.save_message("s", "user", b"bytes"),
    "message-none": lambda r: r.save_message("s", "user", None),
}


@pytest.mark.parametrize("call", list(INVALID_CALLS.values()), ids=list(INVALID_CALLS))
def test_invalid_values_raise_invalid_value_and_write_nothing(repo: Repository, clock: FakeClock, call: Callable[[Repository], Any]) -> None:
    fill_session(repo, "s")
    before = table_counts(repo.engine)
    session_before = repo.get_session_data("s")
    clock.advance(seconds=10)
    with pytest.raises(InvalidValue):
        call(repo)
    assert table_counts(repo.engine) == before
    assert repo.get_session_data("s") == session_before  # not even last_activity touched


def test_invalid_value_is_a_value_error_and_a_repository_error() -> None:
    assert issubclass(InvalidValue, ValueError) and issubclass(InvalidValue, RepositoryError)
    assert issubclass(UnknownSession, LookupError) and issubclass(UnknownSession, RepositoryError)


def test_boundary_values_are_accepted(repo: Repository) -> None:
    repo.save_message("x" * 255, "user", "")  # longest session id, empty message
    repo.save_message("😀" * 255, "bot", "é" * 20_000)  # no length limit on text
    assert repo.get_history("😀" * 255)[0]["message"] == "é" * 20_000
    repo.save_intent_classification("x" * 255, "m", "i", 5e-324, "hybrid", "goals", 2**31 - 1)
    repo.save_user_response("x" * 255, "goals", "x", 2**31 - 1)
    assert repo.get_history("x" * 255, 2**31 - 1)[0]["message"] == ""


# --------------------------------------------------------------------------
# unknown sessions
# --------------------------------------------------------------------------

UNKNOWN_SESSION_CALLS: dict[str, Callable[[Repository], Any]] = {
    "save_user_response": lambda r: r.save_user_response("nope", "goals", "x"),
    "update_attempt_count": lambda r: r.update_attempt_count("nope", "goals"),
    "save_risk_detection": lambda r: r.save_risk_detection("nope", "die", "i want to die"),
    "save_session_summary": lambda r: r.save_session_summary("nope", "partial", {}),
    "save_intent_classification": lambda r: r.save_intent_classification("nope", "m", "i", 0.5, "hybrid"),
    "save_system_log": lambda r: r.save_system_log("INFO", "c", "m", session_id="nope"),
}


@pytest.mark.parametrize("call", list(UNKNOWN_SESSION_CALLS.values()), ids=list(UNKNOWN_SESSION_CALLS))
def test_child_rows_of_unknown_sessions_raise_unknown_session(repo: Repository, call: Callable[[Repository], Any]) -> None:
    fill_session(repo, "s")
    before = table_counts(repo.engine)
    with pytest.raises(UnknownSession):
        call(repo)
    assert table_counts(repo.engine) == before  # the risk event did not go alone either
    assert repo.get_session_data("nope") is None


# --------------------------------------------------------------------------
# units of work
# --------------------------------------------------------------------------


def repo_json(value: Any) -> Any:
    """A JSON column read with raw SQL: text on SQLite, decoded on Postgres."""
    return json.loads(value) if isinstance(value, str) else value


def test_unit_of_work_commits_whole(repo: Repository) -> None:
    with repo.unit_of_work() as uow:
        uow.save_message("s1", "user", "hi")
        uow.save_user_response("s1", "goals", "school")
        assert uow.get_history("s1")[0].message == "hi"  # reads see the transaction's own writes
    assert repo.get_user_responses("s1") == {"goals": "school"}


def test_unit_of_work_rolls_back_on_an_error_in_the_block(repo: Repository) -> None:
    repo.create_session("s0")
    before = table_counts(repo.engine)
    with pytest.raises(RuntimeError, match="crash"):
        with repo.unit_of_work() as uow:
            uow.save_message("s1", "user", "hi")
            uow.save_analytics_event("session_started")
            uow.update_session_state("s0", "goals")
            raise RuntimeError("crash mid-turn")
    assert table_counts(repo.engine) == before
    assert repo.get_session_data("s0")["fsm_state"] == "welcome"


def test_unit_of_work_rolls_back_on_a_database_error(repo: Repository) -> None:
    before = table_counts(repo.engine)
    with pytest.raises(UnknownSession):
        with repo.unit_of_work() as uow:
            uow.save_message("s1", "user", "hi")
            uow.save_analytics_event("session_started")
            uow.save_system_log("INFO", "c", "m", session_id="nope")
    assert table_counts(repo.engine) == before


def test_a_caught_database_error_still_rolls_the_unit_of_work_back(repo: Repository) -> None:
    """Postgres cannot continue a transaction after an error; SQLite could. Both
    refuse alike: the error comes with the round trip that carried the bad
    write, further operations raise, the block's end re-raises, nothing is
    written."""
    before = table_counts(repo.engine)
    with pytest.raises(UnknownSession):
        with repo.unit_of_work() as uow:
            uow.save_message("s1", "user", "hi")
            uow.save_risk_detection("nope", "p", "m")
            with pytest.raises(UnknownSession):
                uow.get_history("s1")
            with pytest.raises(RepositoryError, match="earlier operation"):
                uow.save_message("s1", "user", "again")
    assert table_counts(repo.engine) == before


def test_a_caught_invalid_value_writes_nothing_of_that_operation(repo: Repository) -> None:
    """InvalidValue comes before any SQL: the operation leaves nothing (not even
    what record_turn had queued before the bad row), the rest of the unit of
    work commits."""
    with repo.unit_of_work() as uow:
        uow.save_message("kept", "user", "hi")
        yarn = uow.load_yarn("dropped")
        with pytest.raises(InvalidValue):
            uow.record_turn(yarn, TurnOutcome("r", "goals", messages=(Message("user", "ok"), Message("user", "nul\x00"))))
        with pytest.raises(InvalidValue):
            uow.record_turn(yarn, TurnOutcome("r", "goals", messages=(Message("user", "ok"),), events=(Event("nope"),)))
        with pytest.raises(InvalidValue):
            uow.save_analytics_event("nope")
    assert repo.get_session_data("dropped")["fsm_state"] == "welcome"  # load_yarn made it; nothing of the turns
    assert repo.get_history("dropped") == []
    assert [m["message"] for m in repo.get_history("kept")] == ["hi"]
    counts = table_counts(repo.engine)
    assert (counts["sessions"], counts["chat_history"], counts["analytics"]) == (2, 1, 0)


def test_a_failed_record_turn_after_a_queued_write_of_its_session(repo: Repository, clock: FakeClock) -> None:
    """Writes queued before a turn that fails validation still go; none of the
    failed turn's own rows do."""
    repo.create_session("a")
    with repo.unit_of_work() as uow:
        uow.save_message("a", "user", "queued first")
        clock.advance(minutes=1)
        uow.save_message("a", "user", "queued second")
        yarn = uow.load_yarn("a")
        with pytest.raises(InvalidValue):
            uow.record_turn(yarn, TurnOutcome("r", "goals", messages=(Message("robot", "x"),)))
    assert [m["message"] for m in repo.get_history("a")] == ["queued second", "queued first"]
    assert repo.get_session_data("a")["fsm_state"] == "welcome"


def test_read_only_unit_of_work(repo: Repository) -> None:
    repo.save_message("s1", "user", "hi")
    with repo.unit_of_work(write=False) as uow:
        assert uow.get_session_data("s1").session_id == "s1"
        assert uow.get_history("s1")[0].message == "hi"
        uow.ping()
    assert repo.ping() is None


def test_queued_writes_go_with_the_next_read_or_the_commit(repo: Repository) -> None:
    with repo.unit_of_work() as uow:
        uow.save_message("s1", "user", "one")
        uow.save_message("s1", "bot", "two")
        sends = uow.wire.round_trips
        assert [m.message for m in uow.get_history("s1")] == ["two", "one"]
        assert uow.wire.round_trips == sends + 1  # the writes went with the read
        uow.save_analytics_event("session_started")
    assert repo.get_analytics_summary()["event_counts"] == {"session_started": 1}


def test_queued_writes_keep_their_order_and_may_touch_a_row_twice(repo: Repository) -> None:
    """Queued writes travel together (one round trip on Postgres): they still run
    in the order they were made (ties on the timestamp break by it), and the
    same session may be written twice."""
    with repo.unit_of_work() as uow:
        uow.create_session("a")
        uow.create_session("b")
        uow.save_message("a", "user", "1")
        uow.save_message("a", "bot", "2")
        uow.save_user_response("a", "goals", "x")
        uow.save_user_response("a", "goals", "y")
        for name in ("a", "b", "a", "b"):
            uow.save_risk_detection(name, f"p-{name}", "m")
        uow.save_message("a", "user", "3")
    assert [m["message"] for m in repo.get_history("a")] == ["3", "2", "1"]
    assert [d["session_id"] for d in repo.get_risk_detections()] == ["b", "a", "b", "a"]
    assert repo.get_user_responses("a") == {"goals": "y"}


def test_database_errors_come_out_as_repository_errors(repo: Repository) -> None:
    """The CHECK constraints stay a second guard: a value that got past the
    value rules is refused by the database as InvalidValue, on both engines."""
    repo.create_session("s1")
    bad = Query("bad_role", lambda insert: insert(ChatMessage).inline(), columns=("session_id", "role", "message"))
    with pytest.raises(InvalidValue):
        with repo.unit_of_work() as uow:
            uow._queue(bad, {"session_id": "s1", "role": "robot", "message": "hi"})
    assert table_counts(repo.engine)["chat_history"] == 0


def test_load_yarn_and_record_turn(repo: Repository, clock: FakeClock) -> None:
    with repo.unit_of_work() as uow:
        yarn = uow.load_yarn("s1")
        assert (yarn.state, yarn.turn_count, yarn.is_new, yarn.answers) == ("welcome", 0, True, {})
        uow.record_turn(yarn, TurnOutcome(
            "Who are your support people?", "support_people",
            messages=(Message("user", "hi", "m1"), Message("bot", "Who are your support people?", "m1:reply")),
            events=(Event("session_started", {}), Event("rule_based_used", {"intent": "greeting"})),
        ))
    clock.advance(seconds=5)
    with repo.unit_of_work() as uow:
        yarn = uow.load_yarn("s1", "m2")
        assert (yarn.state, yarn.answers, yarn.attempts, yarn.turn_count, yarn.replayed_reply) == (
            "support_people", {}, {}, 1, None)
        uow.record_turn(yarn, TurnOutcome(
            "Deadly. What are your strengths?", "strengths",
            messages=(Message("user", "my nan", "m2"), Message("bot", "Deadly. What are your strengths?", "m2:reply")),
            answers=(AnswerUpdate("support_people", "nan", 1), AnswerUpdate("support_people", "my nan", 0),
                     AnswerUpdate("strengths", "", 1)),
            events=(Event("step_completed", {"step": "support_people"}),),
            classification=Classification("answer", 0.8, 12, "hybrid"), classified_state="support_people",
            summary={"support_people": "my nan"},
        ))
    yarn = _load(repo, "s1")
    assert yarn == Yarn("s1", "strengths", {"support_people": "my nan"}, {"support_people": 0, "strengths": 1},
                        completed=False, turn_count=2, safety_check=None, had_detection=False)
    assert repo.get_session_data("s1")["last_activity"] == START + timedelta(seconds=5)
    assert [m["message"] for m in repo.get_history("s1", None)] == [
        "Deadly. What are your strengths?", "my nan", "Who are your support people?", "hi",
    ]
    assert repo.get_latest_summary("s1") == {"support_people": "my nan"}
    assert repo.get_analytics_summary()["event_counts"] == {"rule_based_used": 1, "session_started": 1, "step_completed": 1}
    assert table_counts(repo.engine)["intent_classifications"] == 1
    with repo.unit_of_work() as uow:  # a message id answered before: its reply comes back
        assert uow.load_yarn("s1", "m2").replayed_reply == "Deadly. What are your strengths?"


def _load(repo: Repository, session_id: str) -> Yarn:
    with repo.unit_of_work() as uow:
        return uow.load_yarn(session_id)


def test_record_turn_with_a_detection_and_completion(repo: Repository, clock: FakeClock) -> None:
    repo.create_session("s1", "goals")
    done = clock.advance(minutes=1)
    with repo.unit_of_work() as uow:
        yarn = uow.load_yarn("s1")
        uow.record_turn(yarn, TurnOutcome(
            "13YARN 13 92 76", "summary", completed=True, safety_check="checkin",
            messages=(Message("user", "i want to die"), Message("bot", "13YARN 13 92 76")),
            detection=Detection("concern", "passive_death_wish", "want to die"),
            events=(Event("session_completed", None),),
        ))
    data = repo.get_session_data("s1")
    assert (data["fsm_state"], data["completed"], data["completion_time"]) == ("summary", True, done)
    found = repo.get_risk_detections("s1")[0]
    assert (found["trigger_phrase"], found["level"], found["category"], found["user_message"]) == (
        "want to die", "concern", "passive_death_wish", "i want to die")
    assert repo.get_analytics_summary()["event_counts"] == {"risk_triggered": 1, "session_completed": 1}
    again = _load(repo, "s1")
    assert (again.safety_check, again.had_detection, again.completed) == ("checkin", True, True)


@pytest.mark.parametrize("bad", [
    {"state": "done"},
    {"messages": (Message("user", "ok"), Message("robot", "hi"))},
    {"answers": (AnswerUpdate("goals", "a\x00", 0),)},
    {"events": (Event("step_completed", {"x": math.nan}),)},
    {"classification": Classification("i", 2.0, 0, "hybrid")},
    {"summary": ["not", "a", "dict"]},
    {"detection": Detection("crisis", None, "\x00")},
    {"safety_check": "maybe"},
], ids=["state", "role", "answer", "event", "classification", "summary", "risk", "safety_check"])
def test_record_turn_with_an_invalid_value_writes_nothing(repo: Repository, bad: dict[str, Any]) -> None:
    repo.create_session("s1")
    before = table_counts(repo.engine)
    fields: dict[str, Any] = {"reply": "r", "state": "goals", "messages": (Message("user", "hi"),)}
    fields.update(bad)
    with pytest.raises(InvalidValue):
        with repo.unit_of_work() as uow:
            uow.record_turn(uow.load_yarn("s1"), TurnOutcome(**fields))
    assert table_counts(repo.engine) == before
    assert repo.get_session_data("s1")["fsm_state"] == "welcome"


def test_one_chat_turn_is_two_round_trips(repo: Repository, engine_name: str) -> None:
    """The read with its lock, then every write with COMMIT: the driver is sent
    two messages (tests/data/test_round_trips.py counts them on the wire)."""
    def turn(session_id: str, n: int) -> int:
        with repo.unit_of_work() as uow:
            yarn = uow.load_yarn(session_id, f"{session_id}-{n}")
            uow.record_turn(yarn, TurnOutcome(
                "next question", "strengths",
                messages=(Message("user", f"answer {n}", f"{session_id}-{n}"), Message("bot", "next question")),
                answers=(AnswerUpdate("support_people", f"answer {n}", yarn.turn_count),),
                events=(Event("step_completed", {"step": "support_people"}),),
                classification=Classification("answer", 0.1, 1), summary={"a": 1},
                detection=Detection("concern", "hopelessness", "p"),
            ))
            wire = uow.wire
        return wire.round_trips

    assert turn("s1", 1) == 2  # the first turn of a yarn too (the session is made with the read)
    assert turn("s1", 2) == 2
    assert repo.get_user_responses("s1") == {"support_people": "answer 2"}


def test_transaction_pooler_repeated_statements_do_not_fail(repo: Repository, engine_name: str) -> None:
    """Far past psycopg's prepare threshold (5): through pgbouncer in transaction
    mode, automatic prepared statements would collide ('_pg3_0 already exists')."""
    for n in range(30):
        repo.save_message(f"s{n % 3}", "user", f"m{n}")
        assert repo.get_history(f"s{n % 3}", limit=1)[0]["message"] == f"m{n}"
        with repo.unit_of_work() as uow:
            yarn = uow.load_yarn(f"s{n % 3}")
            uow.record_turn(yarn, TurnOutcome("b", yarn.state, messages=(Message("bot", f"b{n}"),)))
    assert len(repo.get_history("s0", limit=None)) == 20
    if engine_name == "pgbouncer":
        assert config.behind_transaction_pooler(repo.engine.url.update_query_dict({"pooler": "transaction"}))


def test_naive_clock_is_taken_as_utc(db_url: str) -> None:
    naive = datetime(2024, 5, 1, 9, 30, 15, 123456)
    repo = LegacyUnderTest(Repository(db_url, clock=lambda: naive))
    try:
        repo.save_message("s1", "user", "hi")
        data = repo.get_session_data("s1")
        assert data["created_at"] == naive.replace(tzinfo=UTC)
        assert_utc(data["created_at"])
        assert repo.get_history("s1")[0]["ts"] == naive.replace(tzinfo=UTC)
        assert repo.get_analytics_summary(0)["completion_stats"]["total_sessions"] == 1
    finally:
        repo.dispose()


def test_aware_non_utc_clock_is_stored_as_the_same_instant_in_utc(db_url: str) -> None:
    darwin = timezone(timedelta(hours=9, minutes=30))
    local = datetime(2024, 5, 1, 8, 0, 0, 1, tzinfo=darwin)  # 2024-04-30 22:30 UTC
    repo = LegacyUnderTest(Repository(db_url, clock=lambda: local))
    try:
        repo.save_message("s1", "user", "hi")
        repo.save_risk_detection("s1", "p", "m")
        detected = repo.get_risk_detections("s1")[0]["detected_at"]
        assert detected == local and detected.tzinfo is UTC
        assert detected.isoformat() == "2024-04-30T22:30:00.000001+00:00"
        assert repo.get_analytics_summary(0)["event_counts"] == {"risk_triggered": 1}
    finally:
        repo.dispose()


def test_every_result_is_plain_and_every_datetime_aware_utc(repo: Repository) -> None:
    fill_session(repo, "s1")
    repo.mark_session_completed("s1")
    results = [
        repo.get_session_data("s1"), repo.get_history("s1"), repo.get_user_responses("s1"),
        repo.get_risk_detections(), repo.get_latest_summary("s1"), repo.get_analytics_summary(),
    ]
    assert_plain(results)
    assert isinstance(repo.update_attempt_count("s1", "goals"), int)
    assert isinstance(repo.cleanup_old_sessions(), int)
    with repo.unit_of_work() as uow:
        for record in (uow.get_session_data("s1"), *uow.get_history("s1"), *uow.get_risk_detections()):
            for value in vars(record).values():
                if isinstance(value, datetime):
                    assert_utc(value)


def test_microseconds_survive_and_order_follows_time(repo: Repository, clock: FakeClock) -> None:
    clock.set(datetime(2024, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC))
    repo.save_message("s1", "user", "last µs of the year")
    clock.advance(microseconds=1)
    repo.save_message("s1", "user", "first µs of the next")
    history = repo.get_history("s1")
    assert [m["ts"] for m in history] == [datetime(2025, 1, 1, tzinfo=UTC), datetime(2024, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)]


def test_unicode_round_trips(repo: Repository) -> None:
    texts = ["Yarn 😀👩🏽‍🚀", "ẞ straße", "e\u0301", "\U0010ffff", "\u200b", "'; DROP TABLE sessions; --", "%s %(x)s ?", ""]
    for n, message in enumerate(texts):
        repo.save_message("ünï 😀", "user", message)
        repo.save_user_response("ünï 😀", ("support_people", "strengths", "worries", "goals")[n % 4], message)
    assert [m["message"] for m in repo.get_history("ünï 😀", None)] == list(reversed(texts))
    assert repo.get_session_data("ünï 😀")["session_id"] == "ünï 😀"


# --------------------------------------------------------------------------
# the legacy module-level functions
# --------------------------------------------------------------------------


@pytest.fixture
def default_repository_reset() -> Any:
    repository.reset_default_repository()
    yield
    repository.reset_default_repository()


def test_module_functions_use_database_url(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           default_repository_reset: None) -> None:
    for name in LEGACY_FUNCTIONS:
        assert callable(getattr(repository, name)), name
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert repository.init_db() == "versioned"  # already at head: nothing to do
    assert repository.create_session("m1") is None
    assert repository.get_session_data("m1")["fsm_state"] == "welcome"
    assert repository.update_session_state("m1", "strengths") is True
    assert repository.save_message("m1", "user", "hi") is None
    assert repository.save_message("m2", "bot", "welcome") is None
    assert [m["message"] for m in repository.get_history("m1")] == ["hi"]
    assert repository.get_history("m1", limit=0) == []
    assert repository.save_user_response("m1", "strengths", "art", attempt_count=1) is None
    assert repository.get_user_responses("m1") == {"strengths": "art"}
    assert repository.update_attempt_count("m1", "strengths") == 2
    assert repository.save_risk_detection("m1", "hurt myself", "i hurt myself") is None
    assert repository.get_risk_detections()[0]["trigger_phrase"] == "hurt myself"
    assert repository.get_risk_detections(session_id="m2", limit=100) == []
    assert repository.save_session_summary("m1", "complete", {"strengths": "art"}) is None
    assert repository.get_latest_summary("m1") == {"strengths": "art"}
    assert repository.get_latest_summary("m1", summary_type="partial") is None
    assert repository.save_analytics_event("session_started") is None
    assert repository.save_analytics_event("step_completed", {"step": "strengths"}) is None
    assert repository.save_intent_classification("m1", "art", "answer", 0.7, "rule_based", "strengths", 3) is None
    assert repository.save_system_log("INFO", "test", "ok", session_id="m1") is None
    assert repository.mark_session_completed("m1") is True
    summary = repository.get_analytics_summary(days=7)
    assert summary["event_counts"] == {"risk_triggered": 1, "session_started": 1, "step_completed": 1}
    assert summary["completion_stats"] == {"total_sessions": 2, "completed": 1, "completion_rate": 50.0}
    assert repository.cleanup_old_sessions(days=30) == 0
    assert repository.cleanup_old_sessions(days=0) == 1  # completed m1 was created before "now"
    assert repository.get_session_data("m1") is None
    assert repository.get_risk_detections("m1") == []
    assert repository.delete_session("m2") is True
    with pytest.raises(UnknownSession):
        repository.save_system_log("INFO", "test", "x", session_id="m2")
    repository.create_session("m3")

    # DATABASE_URL is read at first use: changing it later changes nothing...
    other = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv("DATABASE_URL", other)
    assert repository.get_session_data("m3") is not None
    # ...until the default repository is reset.
    repository.reset_default_repository()
    with pytest.raises(RepositoryError):
        repository.get_session_data("m3")  # the new file has no tables yet
    assert repository.init_db() == "empty"
    assert repository.get_session_data("m3") is None
    assert repository.default_repository().engine_name == "sqlite"


def test_default_database_is_a_file_in_the_instance_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          default_repository_reset: None) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("AIMHI_INSTANCE_PATH", str(tmp_path / "instance"))
    assert config.database_url() == f"sqlite:///{tmp_path / 'instance' / 'aimhi.db'}"
    assert repository.init_db() == "empty"
    repository.save_message("s", "user", "hi")
    assert (tmp_path / "instance" / "aimhi.db").exists()
    monkeypatch.delenv("AIMHI_INSTANCE_PATH")
    monkeypatch.chdir(tmp_path)
    assert config.database_url() == f"sqlite:///{tmp_path / 'instance' / 'aimhi.db'}"
    assert config.database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_repository_init_db_and_repr(db_url: str) -> None:
    repo = LegacyUnderTest(Repository(db_url))
    try:
        assert repo.init_db() == "versioned"
        assert repo.engine_name in ("sqlite", "postgresql")
        assert repr(repo.repository).startswith("Repository(")
    finally:
        repo.dispose()


def test_urls_as_supabase_prints_them_use_psycopg() -> None:
    for url in ("postgres://u:pw@db.abc.supabase.co:5432/postgres", "postgresql://u:pw@h/d",
                "postgresql+psycopg2://u:pw@h/d"):
        engine = make_engine(url)
        assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
        assert config.normalise_url(url).get_driver_name() == "psycopg"
        engine.dispose()
    assert config.normalise_url("sqlite:///x.db").drivername == "sqlite"
    assert config.engine_name("postgres://h/d") == "postgresql"
    assert config.engine_name("sqlite://") == "sqlite"


def test_passwords_are_redacted() -> None:
    shown = config.redact("postgres://postgres.ref:s3cr3t!@aws-0.pooler.supabase.com:6543/postgres")
    assert "s3cr3t" not in shown and "***" in shown
    assert "s3cr3t" not in repr(Repository("postgresql://u:s3cr3t@127.0.0.1:1/d"))
    assert config.redact("s3cr3t is not a URL") == "<unreadable database URL>"


@pytest.mark.parametrize("url,env,expected", [
    ("postgresql://u@aws-0-ap-southeast-2.pooler.supabase.com:6543/postgres", None, True),
    ("postgresql://u@aws-0-ap-southeast-2.pooler.supabase.com:5432/postgres", None, True),
    ("postgresql://u@db.ref.supabase.co:5432/postgres", None, False),
    ("postgresql://u@localhost:6543/postgres", None, True),
    ("postgresql://u@localhost:6432/postgres?pooler=transaction", None, True),
    ("postgresql://u@localhost:6543/postgres?pooler=session", None, False),
    ("postgresql://u@localhost:5432/postgres", "transaction", True),
    ("postgresql://u@localhost:6543/postgres", "session", False),
])
def test_transaction_pooler_detection(url: str, env: str | None, expected: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if env is None:
        monkeypatch.delenv(config.POOLER_ENV, raising=False)
    else:
        monkeypatch.setenv(config.POOLER_ENV, env)
    parsed = config.normalise_url(url)
    assert config.behind_transaction_pooler(parsed) is expected
    args = POSTGRES.connect_args(parsed, config.DatabaseSettings.from_environment())
    assert ("prepare_threshold" in args and args["prepare_threshold"] is None) is expected
    engine = make_engine(url)
    try:
        # A long-running server keeps its client-side pool behind the pooler too.
        assert not isinstance(engine.pool, NullPool)
        assert "pooler" not in engine.url.query
    finally:
        engine.dispose()


def test_database_pool_none_opens_a_connection_per_unit_of_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_POOL", "none")
    engine = make_engine("postgresql://u@localhost:6543/postgres")
    try:
        assert isinstance(engine.pool, NullPool)
    finally:
        engine.dispose()


def test_unsupported_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        make_engine("mysql://u@h/d")


def test_unreachable_postgres_raises_database_unavailable_without_the_password() -> None:
    port = pgserver.free_port()
    repo = LegacyUnderTest(Repository(f"postgresql://aimhi:hunter2secret@127.0.0.1:{port}/nowhere"))
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            repo.ping()
        assert "hunter2secret" not in str(caught.value)
    finally:
        repo.dispose()


def test_unopenable_sqlite_file_raises_database_unavailable(tmp_path: Path) -> None:
    directory = tmp_path / "a-directory.db"
    directory.mkdir()
    repo = LegacyUnderTest(Repository(f"sqlite:///{directory}"))
    try:
        with pytest.raises(DatabaseUnavailable):
            repo.get_session_data("s")
    finally:
        repo.dispose()
