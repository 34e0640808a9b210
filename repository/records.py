"""Typed results of the unit of work. Timestamps are aware UTC datetimes.

`as_dict()` gives the legacy functions' dict shapes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SessionRecord:
    session_id: str
    fsm_state: str
    created_at: datetime | None
    last_activity: datetime | None
    completed: bool
    completion_time: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MessageRecord:
    role: str
    message: str
    ts: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DetectionRecord:
    id: int
    session_id: str
    trigger_phrase: str
    user_message: str
    detected_at: datetime | None
    resources_shown: bool | None
    level: str
    category: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AnalyticsSummary:
    event_counts: dict[str, int]
    total_sessions: int
    completed: int

    @property
    def completion_rate(self) -> float:
        return round(100.0 * self.completed / self.total_sessions, 2) if self.total_sessions else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_counts": dict(self.event_counts),
            "completion_stats": {"total_sessions": self.total_sessions, "completed": self.completed,
                                 "completion_rate": self.completion_rate},
        }


@dataclass(frozen=True)
class Removed:
    """What an erasure or a clean-up removed, per table (rows), and how many
    analytics rows had a session id stripped from their data."""

    rows: dict[str, int] = field(default_factory=dict)
    analytics_stripped: int = 0

    @property
    def sessions(self) -> int:
        return self.rows.get("sessions", 0)

    def __add__(self, other: Removed) -> Removed:
        rows = dict(self.rows)
        for table, count in other.rows.items():
            rows[table] = rows.get(table, 0) + count
        return Removed(rows, self.analytics_stripped + other.analytics_stripped)
