"""The yarn aggregate: what a chat turn reads and what it changes.

Plain frozen dataclasses, no database and no Flask. The repository loads a
`Yarn` (the session row locked for the turn), the pure `take_turn` turns it and
the young person's message into a `TurnOutcome`, and the repository saves that
outcome as it is: every row a turn writes is named here, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

SafetyLevel = Literal["concern", "crisis"]
SAFETY_LEVELS: tuple[str, ...] = ("concern", "crisis")
# sessions.safety_check: the yarn asked "are you safe right now?" and waits for the answer.
SAFETY_CHECKS: tuple[str, ...] = ("checkin",)


@dataclass(frozen=True)
class Yarn:
    """Everything a turn needs, read from the database at its start."""

    session_id: str
    state: str = "welcome"
    answers: Mapping[str, str] = field(default_factory=dict)  # step -> saved answer
    attempts: Mapping[str, int] = field(default_factory=dict)  # step -> unclear attempts
    completed: bool = False
    turn_count: int = 0  # the young person's messages before this one
    safety_check: str | None = None  # a check-in waiting for its answer
    had_detection: bool = False  # any risk detection in this yarn so far
    replayed_reply: str | None = None  # this message id was answered before: its reply

    @property
    def is_new(self) -> bool:
        return self.turn_count == 0


@dataclass(frozen=True)
class AnswerUpdate:
    step: str
    response: str | None
    attempt_count: int


@dataclass(frozen=True)
class Event:
    """One analytics row. `data` holds no session id: analytics stay anonymous."""

    kind: str
    data: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Classification:
    intent: str
    confidence: float  # 0..1
    inference_time_ms: int  # >= 0, measured
    method: str = "rule_based"


@dataclass(frozen=True)
class Detection:
    """A message assessed concern or crisis. Its analytics event is `event()`:
    one shape for the turn and for the legacy `save_risk_detection`."""

    level: SafetyLevel
    category: str | None
    trigger_phrase: str

    def event(self) -> Event:
        return Event("risk_triggered", {
            "trigger_phrase": self.trigger_phrase, "level": self.level, "category": self.category,
        })


@dataclass(frozen=True)
class Message:
    """A message of the turn; `message_id` makes a replayed write idempotent."""

    role: str
    text: str
    message_id: str | None = None


@dataclass(frozen=True)
class TurnOutcome:
    """What one turn changes. The repository writes exactly this."""

    reply: str
    state: str
    messages: tuple[Message, ...] = ()
    answers: tuple[AnswerUpdate, ...] = ()
    events: tuple[Event, ...] = ()
    classification: Classification | None = None
    classified_state: str | None = None  # the state the classification was made in
    summary: Mapping[str, Any] | None = None
    completed: bool = False  # the yarn completed on this turn
    detection: Detection | None = None
    safety_check: str | None = None  # the value sessions.safety_check takes
    answers_check: bool = False  # this message answered a pending "are you safe?" (kept turns clear it)
    at: datetime | None = None  # when it happened (outbox replays keep the original time)

    @property
    def safety(self) -> SafetyLevel | None:
        return self.detection.level if self.detection is not None else None

    @property
    def user_message(self) -> str | None:
        return next((m.text for m in self.messages if m.role == "user"), None)
