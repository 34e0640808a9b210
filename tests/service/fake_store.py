"""An in-memory stand-in for the repository, in the cosmicpython style: the
chat service's tests run against it without any database. It keeps the few
rules of the real unit of work the service relies on (a turn's rows all or
none, a message id written once, the yarn created on its first turn); the
dual-engine tests in tests/data prove the real ones keep them too."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from models.yarn import TurnOutcome, Yarn
from repository import DatabaseUnavailable
from repository.records import AnalyticsSummary, MessageRecord, SessionRecord

T = TypeVar("T")


@dataclass
class FakeData:
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: dict[tuple[str, str], tuple[str | None, int]] = field(default_factory=dict)
    messages: list[tuple[str, str, str, str | None]] = field(default_factory=list)  # sid, role, text, id
    events: list[tuple[str, dict[str, Any] | None]] = field(default_factory=list)
    detections: list[tuple[str, str, str, str]] = field(default_factory=list)  # sid, level, phrase, message
    summaries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class FakeUnitOfWork:
    def __init__(self, data: FakeData) -> None:
        self.data = data

    def load_yarn(self, session_id: str, message_id: str | None = None) -> Yarn:
        session = self.data.sessions.setdefault(
            session_id, {"state": "welcome", "completed": False, "safety_check": None})
        mine = [m for m in self.data.messages if m[0] == session_id]
        reply_id = None if message_id is None else f"{message_id}:reply"
        replayed = next((m[2] for m in mine if reply_id and m[3] == reply_id), None)
        answers = {step: r for (sid, step), (r, _) in self.data.answers.items() if sid == session_id and r}
        attempts = {step: n for (sid, step), (_, n) in self.data.answers.items() if sid == session_id}
        return Yarn(session_id, session["state"], answers, attempts, session["completed"],
                    sum(1 for m in mine if m[1] == "user"), session["safety_check"],
                    any(d[0] == session_id for d in self.data.detections), replayed)

    def record_turn(self, yarn: Yarn, outcome: TurnOutcome) -> None:
        session = self.data.sessions[yarn.session_id]
        session.update(state=outcome.state, safety_check=outcome.safety_check)
        session["completed"] = session["completed"] or outcome.completed
        for update in outcome.answers:
            self.data.answers[(yarn.session_id, update.step)] = (update.response, update.attempt_count)
        if outcome.summary is not None:
            self.data.summaries.append((yarn.session_id, dict(outcome.summary)))
        self._rows_of(yarn.session_id, outcome)

    def keep(self, session_id: str, outcome: TurnOutcome) -> bool:
        ids = {m.message_id for m in outcome.messages if m.message_id}
        if any(m[3] in ids for m in self.data.messages):
            return False
        self.data.sessions.setdefault(session_id, {"state": "welcome", "completed": False, "safety_check": None})
        self._rows_of(session_id, outcome)
        return True

    def _rows_of(self, session_id: str, outcome: TurnOutcome) -> None:
        self.data.messages += [(session_id, m.role, m.text, m.message_id) for m in outcome.messages]
        self.data.events += [(e.kind, None if e.data is None else dict(e.data)) for e in outcome.events]
        if outcome.detection is not None:
            self.data.detections.append((session_id, outcome.detection.level, outcome.detection.trigger_phrase,
                                         outcome.user_message or ""))
            self.data.events.append((outcome.detection.event().kind, dict(outcome.detection.event().data or {})))

    def session_with_history(self, session_id: str) -> tuple[SessionRecord | None, list[MessageRecord]]:
        session = self.data.sessions.get(session_id)
        if session is None:
            return None, []
        now = datetime.now(UTC)
        record = SessionRecord(session_id, session["state"], now, now, session["completed"], None)
        return record, [MessageRecord(role, text, now) for sid, role, text, _ in self.data.messages if sid == session_id]

    def delete_session(self, session_id: str) -> bool:
        found = self.data.sessions.pop(session_id, None) is not None
        self.data.messages = [m for m in self.data.messages if m[0] != session_id]
        self.data.answers = {k: v for k, v in self.data.answers.items() if k[0] != session_id}
        return found

    def get_analytics_summary(self, days: int = 7) -> AnalyticsSummary:
        counts: dict[str, int] = {}
        for kind, _ in self.data.events:
            counts[kind] = counts.get(kind, 0) + 1
        done = sum(1 for s in self.data.sessions.values() if s["completed"])
        return AnalyticsSummary(counts, len(self.data.sessions), done)


class FakeRepository:
    """`run(work)` gives `work` a unit of work over a copy of the data and keeps
    the copy only if `work` returns: all or nothing, like a transaction."""

    def __init__(self) -> None:
        self.data = FakeData()
        self.available = True
        self.gate: threading.Event | None = None  # a slow database: answers when the gate opens
        self.runs = 0

    def run(self, work: Callable[[FakeUnitOfWork], T], *, write: bool = True) -> T:
        self.runs += 1
        if self.gate is not None:
            self.gate.wait(10)
        if not self.available:
            raise DatabaseUnavailable("the database did not answer: (fake) refused")
        draft = copy.deepcopy(self.data)
        result = work(FakeUnitOfWork(draft))
        if write:
            self.data = draft
        return result
