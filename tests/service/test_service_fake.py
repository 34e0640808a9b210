"""The chat service on the in-memory fake repository (tests/service/fake_store.py):
its own rules, with no database. The same service on real databases is
tested in test_app_*.py on every engine."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from app.outbox import Outbox
from app.service import ChatService
from app.yarn.resources import CRISIS_RESOURCES
from fake_store import FakeRepository

ANSWERS = ["my nan and Uncle Dave", "painting and making my cousins laugh", "fighting with my brother",
           "finish year 12 and become a ranger"]
CRISIS = "i want to kill myself tonight"


@pytest.fixture
def fake() -> FakeRepository:
    return FakeRepository()


@pytest.fixture
def service(fake: FakeRepository, tmp_path: Path) -> ChatService:
    return ChatService(fake, Outbox(tmp_path / "outbox.db"), safety_wait_s=0.2)  # type: ignore[arg-type]


def _has_every_resource(text: str) -> bool:
    return all(r.name in text and r.number in text for r in CRISIS_RESOURCES)


def test_a_whole_yarn_reaches_the_summary(service: ChatService, fake: FakeRepository) -> None:
    first = service.turn(None, "hi")
    sid = first.session_id
    assert first.state == "support_people"
    states = [service.turn(sid, answer).state for answer in ANSWERS]
    assert states == ["strengths", "worries", "goals", "summary"]
    assert fake.data.sessions[sid]["completed"] is True
    assert [fake.data.answers[(sid, s)][0] for s in ("support_people", "strengths", "worries", "goals")] == ANSWERS
    assert len(fake.data.messages) == 10 and len(fake.data.summaries) == 1


def test_a_retried_message_gets_the_same_reply_and_writes_nothing_twice(service: ChatService,
                                                                         fake: FakeRepository) -> None:
    sid = service.turn(None, "hi").session_id
    once = service.turn(sid, ANSWERS[0], "msg-1")
    again = service.turn(sid, ANSWERS[0], "msg-1")
    assert again.reply == once.reply
    assert len(fake.data.messages) == 4
    assert fake.data.sessions[sid]["state"] == "strengths"


def test_a_risky_message_gets_the_safety_reply_once_recorded(service: ChatService, fake: FakeRepository) -> None:
    sid = service.turn(None, "hi").session_id
    answer = service.turn(sid, CRISIS)
    assert answer.safety == "crisis" and _has_every_resource(answer.reply)
    assert "kill myself" not in answer.reply
    assert {r["number"] for r in answer.resources} >= {r.number for r in CRISIS_RESOURCES}
    assert [d[1] for d in fake.data.detections] == ["crisis"]
    assert [kind for kind, _ in fake.data.events].count("risk_triggered") == 1
    assert fake.data.sessions[sid]["state"] == "support_people"  # the yarn waits where it was


def test_database_away_the_turn_is_kept_and_replayed_later(service: ChatService, fake: FakeRepository) -> None:
    fake.available = False
    held = service.turn(None, "hi", "m-1")
    assert held.degraded and held.state is None and held.reply.strip()
    assert service.outbox.depth() == 1 and fake.data.messages == []
    assert service.replay() == 0  # still away: kept, in order
    fake.available = True
    assert service.replay() == 1 and service.outbox.depth() == 0
    assert [(m[1], m[2]) for m in fake.data.messages] == [("user", "hi"), ("bot", held.reply)]
    assert service.replay() == 0  # written once


def test_database_away_a_crisis_still_gets_every_resource(service: ChatService, fake: FakeRepository) -> None:
    fake.available = False
    answer = service.turn(None, CRISIS, "m-1")
    assert answer.degraded and answer.safety == "crisis" and _has_every_resource(answer.reply)
    fake.available = True
    service.replay()
    [(_, level, phrase, message)] = fake.data.detections
    assert level == "crisis" and phrase and message == CRISIS  # what they wrote is kept for the team


def test_slow_database_a_crisis_reply_does_not_wait_for_it(service: ChatService, fake: FakeRepository) -> None:
    fake.gate = threading.Event()  # the database answers only when the test says so
    answer = service.turn(None, CRISIS, "m-1")
    assert answer.safety == "crisis" and answer.degraded and _has_every_resource(answer.reply)
    assert fake.data.detections == []  # answered before the database did
    fake.gate.set()
    deadline = time.monotonic() + 5
    while not fake.data.detections and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(fake.data.detections) == 1  # the saving went on and finished


def test_history_erase_and_analytics_go_through_the_repository(service: ChatService) -> None:
    sid = service.turn(None, "hi").session_id
    history = service.history(sid)
    assert history is not None and [m["role"] for m in history["messages"]] == ["user", "bot"]
    assert service.analytics(7)["event_counts"]["session_started"] == 1
    assert service.erase(sid) is True
    assert service.history(sid) is None and service.erase(sid) is False
