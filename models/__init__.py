"""SQLAlchemy 2 models of the chatbot's tables, portable across SQLite and Postgres.

The eight legacy tables keep their names, columns, CHECK lists, UNIQUE(session_id,
step), ON DELETE CASCADE and indexes. `data_repairs` is new: it keeps the original
of every legacy row that had to be changed (or set aside) to fit this schema, so
adopting or copying a legacy database loses nothing.

A column's closed list or range is written once, in its `info`
(`allowed=`, `low=`/`high=`, `max_length=`): the CHECK constraints below and the
value rules of `models.rules` (validation, legacy repair, the copy tool) are all
derived from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.enums import (
    EVENT_TYPES,
    FSM_STATES,
    LOG_LEVELS,
    METHODS,
    ROLES,
    STEPS,
    SUMMARY_TYPES,
    sql_in_list,
)
from models.types import JSONValue, UTCDateTime, utcnow
from models.yarn import SAFETY_CHECKS, SAFETY_LEVELS

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Postgres cannot index a key of a few KB (a btree entry holds 2704 bytes),
# SQLite can: session ids are limited below both.
SESSION_ID_MAX = 255

# Child tables whose rows belong to one session and go with it.
SESSION_CHILD_TABLES: tuple[str, ...] = (
    "chat_history",
    "user_responses",
    "risk_detections",
    "session_summaries",
    "intent_classifications",
    "system_logs",
)
LEGACY_TABLES: tuple[str, ...] = (
    "sessions",
    "chat_history",
    "user_responses",
    "risk_detections",
    "session_summaries",
    "analytics",
    "intent_classifications",
    "system_logs",
)
ALL_TABLES: tuple[str, ...] = (*LEGACY_TABLES, "data_repairs")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _created() -> Mapped[datetime | None]:
    # Nullable as in the legacy schema; the repository always writes it.
    return mapped_column(UTCDateTime, nullable=True, server_default=utcnow())


def _id() -> Mapped[int]:
    return mapped_column(Integer, Identity(), primary_key=True)


def _session_fk(nullable: bool = False) -> Mapped[Any]:
    return mapped_column(
        Text, ForeignKey("sessions.session_id", ondelete="CASCADE"), nullable=nullable,
        info={"max_length": SESSION_ID_MAX},
    )


def _choice(values: tuple[str, ...], *, nullable: bool = False, **options: Any) -> Mapped[Any]:
    """A text column limited to `values` (a CHECK constraint is derived)."""
    return mapped_column(Text, nullable=nullable, info={"allowed": values}, **options)


class ChatSession(Base):
    __tablename__ = "sessions"
    __table_args__ = (Index(None, "last_activity"), Index(None, "completed"))

    session_id: Mapped[str] = mapped_column(Text, primary_key=True, info={"max_length": SESSION_ID_MAX})
    fsm_state: Mapped[str] = _choice(FSM_STATES, server_default=text("'welcome'"))
    created_at: Mapped[datetime | None] = _created()
    last_activity: Mapped[datetime | None] = _created()
    completed: Mapped[bool | None] = mapped_column(Boolean, nullable=True, server_default=false())
    completion_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A safety check-in waiting for its answer (migration 0004).
    safety_check: Mapped[str | None] = _choice(SAFETY_CHECKS, nullable=True)


class ChatMessage(Base):
    __tablename__ = "chat_history"
    __table_args__ = (
        Index(None, "session_id", "ts"),
        Index(None, "session_id", "role"),
        Index(None, "session_id", "message_id", unique=True),  # a message id is the client's, per yarn
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = _id()
    session_id: Mapped[str] = _session_fk()
    role: Mapped[str] = _choice(ROLES)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    ts: Mapped[datetime | None] = _created()
    # The client's id of the message (bot replies: "<id>:reply"); NULL on legacy
    # rows. Unique, so a retried or replayed message is written once (0005).
    message_id: Mapped[str | None] = mapped_column(Text, nullable=True, info={"max_length": SESSION_ID_MAX})


class UserResponse(Base):
    __tablename__ = "user_responses"
    __table_args__ = (
        UniqueConstraint("session_id", "step"),
        Index(None, "session_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = _id()
    session_id: Mapped[str] = _session_fk()
    step: Mapped[str] = _choice(STEPS)
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempt_count: Mapped[int | None] = mapped_column(Integer, nullable=True, server_default=text("0"))
    created_at: Mapped[datetime | None] = _created()
    updated_at: Mapped[datetime | None] = _created()


class RiskDetection(Base):
    __tablename__ = "risk_detections"
    __table_args__ = (
        Index(None, "session_id"),
        Index(None, "detected_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = _id()
    session_id: Mapped[str] = _session_fk()
    trigger_phrase: Mapped[str] = mapped_column(Text, nullable=False)
    user_message: Mapped[str] = mapped_column(Text, nullable=False)
    detected_at: Mapped[datetime | None] = _created()
    resources_shown: Mapped[bool | None] = mapped_column(Boolean, nullable=True, server_default=true())
    # concern (a safety check-in) or crisis (the crisis reply); legacy rows are crisis (0004).
    level: Mapped[str] = _choice(SAFETY_LEVELS, server_default=text("'crisis'"))
    category: Mapped[str | None] = mapped_column(Text, nullable=True)


class SessionSummary(Base):
    __tablename__ = "session_summaries"
    __table_args__ = (Index(None, "session_id"), Index(None, "summary_type"), {"sqlite_autoincrement": True})

    id: Mapped[int] = _id()
    session_id: Mapped[str] = _session_fk()
    summary_type: Mapped[str] = _choice(SUMMARY_TYPES)
    summary_data: Mapped[Any] = mapped_column(JSONValue, nullable=False, info={"json": "object"})
    generated_at: Mapped[datetime | None] = _created()


class AnalyticsEvent(Base):
    """No foreign key on purpose: aggregate statistics outlive erased sessions."""

    __tablename__ = "analytics"
    __table_args__ = (
        Index(None, "timestamp"),
        Index(None, "event_type"),
        Index(None, "event_type", "timestamp"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = _id()
    event_type: Mapped[str] = _choice(EVENT_TYPES)
    event_data: Mapped[Any | None] = mapped_column(JSONValue, nullable=True)
    session_count: Mapped[int | None] = mapped_column(Integer, nullable=True, server_default=text("1"))
    timestamp: Mapped[datetime | None] = _created()


class IntentClassification(Base):
    __tablename__ = "intent_classifications"
    __table_args__ = (Index(None, "session_id"), Index(None, "created_at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = _id()
    session_id: Mapped[str] = _session_fk()
    user_message: Mapped[str] = mapped_column(Text, nullable=False)
    classified_intent: Mapped[str] = mapped_column(Text, nullable=False)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True, info={"low": 0, "high": 1})
    method: Mapped[str] = _choice(METHODS)
    fsm_state: Mapped[str | None] = mapped_column(Text, nullable=True)
    inference_time_ms: Mapped[int | None] = mapped_column(Integer, nullable=True, info={"low": 0})
    created_at: Mapped[datetime | None] = _created()


class SystemLog(Base):
    __tablename__ = "system_logs"
    __table_args__ = (
        Index(None, "created_at"),
        Index(None, "log_level"),
        Index(None, "session_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = _id()
    log_level: Mapped[str] = _choice(LOG_LEVELS)
    component: Mapped[str] = mapped_column(Text, nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    session_id: Mapped[str | None] = _session_fk(nullable=True)
    error_trace: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime | None] = _created()


class DataRepair(Base):
    """One legacy row that had to change to fit the schema, with its original.

    `original` holds the whole row as it was (JSON object of column -> value, with
    text kept exactly), so every repair can be undone. action is one of
    `models.repair.ACTIONS`. A row whose action is 'quarantined' lives only here.
    """

    __tablename__ = "data_repairs"
    __table_args__ = (Index(None, "table_name", "row_key"), {"sqlite_autoincrement": True})

    id: Mapped[int] = _id()
    table_name: Mapped[str] = mapped_column(Text, nullable=False)
    row_key: Mapped[str] = mapped_column(Text, nullable=False)
    column_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False)
    original: Mapped[str] = mapped_column(Text, nullable=False)
    repaired_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, server_default=utcnow())


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _derive_checks() -> None:
    """One CHECK per column with a closed list or a range, named after it (the
    constraint names of the legacy schema: ck_<table>_<column>)."""
    for table in Base.metadata.tables.values():
        for column in table.columns:
            info = column.info
            if "allowed" in info:
                table.append_constraint(CheckConstraint(sql_in_list(column.name, info["allowed"]), name=column.name))
            elif "low" in info or "high" in info:
                parts = [f"{column.name} >= {_number(info['low'])}"] if "low" in info else []
                parts += [f"{column.name} <= {_number(info['high'])}"] if "high" in info else []
                table.append_constraint(CheckConstraint(" AND ".join(parts), name=column.name))


_derive_checks()

__all__ = [
    "ALL_TABLES",
    "AnalyticsEvent",
    "Base",
    "ChatMessage",
    "ChatSession",
    "DataRepair",
    "IntentClassification",
    "LEGACY_TABLES",
    "NAMING_CONVENTION",
    "RiskDetection",
    "SESSION_CHILD_TABLES",
    "SESSION_ID_MAX",
    "SessionSummary",
    "SystemLog",
    "UserResponse",
]
