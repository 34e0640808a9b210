"""Data access for the chatbot, written once for SQLite and Postgres.

One door: `Repository(url).unit_of_work()` gives a `UnitOfWork` with explicit,
typed methods (repository/unit_of_work.py); a chat turn is `load_yarn` ->
pure `take_turn` -> `record_turn`. The legacy functions (`save_message`,
`get_history`, ...) are thin wrappers over it with their old names and dict
results, acting on the database `DATABASE_URL` names (read at first use);
`LegacyFunctions(repository)` binds them to another database.

Decisions that hold on both engines are listed in docs/architecture.md.
"""

from __future__ import annotations

from typing import Any

from repository.breaker import Breaker, CircuitOpen
from repository.errors import DatabaseUnavailable, InvalidValue, RepositoryError, SchemaMismatch, UnknownSession
from repository.legacy import LegacyFunctions, default_functions, default_repository, reset_default_repository
from repository.repo import Repository
from repository.unit_of_work import UnitOfWork


def init_db() -> str:
    return default_functions().init_db()


def create_session(session_id: str, fsm_state: str = "welcome") -> None:
    default_functions().create_session(session_id, fsm_state)


def get_session_data(session_id: str) -> dict[str, Any] | None:
    return default_functions().get_session_data(session_id)


def update_session_state(session_id: str, fsm_state: str) -> bool:
    return default_functions().update_session_state(session_id, fsm_state)


def mark_session_completed(session_id: str) -> bool:
    return default_functions().mark_session_completed(session_id)


def save_message(session_id: str, role: str, message: str) -> None:
    default_functions().save_message(session_id, role, message)


def get_history(session_id: str, limit: int | None = 6) -> list[dict[str, Any]]:
    return default_functions().get_history(session_id, limit)


def save_user_response(session_id: str, step: str, response: str | None, attempt_count: int = 0) -> None:
    default_functions().save_user_response(session_id, step, response, attempt_count)


def get_user_responses(session_id: str) -> dict[str, str]:
    return default_functions().get_user_responses(session_id)


def update_attempt_count(session_id: str, step: str) -> int:
    return default_functions().update_attempt_count(session_id, step)


def save_risk_detection(session_id: str, trigger_phrase: str, user_message: str) -> None:
    default_functions().save_risk_detection(session_id, trigger_phrase, user_message)


def get_risk_detections(session_id: str | None = None, limit: int | None = 100) -> list[dict[str, Any]]:
    return default_functions().get_risk_detections(session_id, limit)


def save_session_summary(session_id: str, summary_type: str, summary_data: dict[str, Any]) -> None:
    default_functions().save_session_summary(session_id, summary_type, summary_data)


def get_latest_summary(session_id: str, summary_type: str | None = None) -> dict[str, Any] | None:
    return default_functions().get_latest_summary(session_id, summary_type)


def save_analytics_event(event_type: str, event_data: Any = None) -> None:
    default_functions().save_analytics_event(event_type, event_data)


def get_analytics_summary(days: int = 7) -> dict[str, Any]:
    return default_functions().get_analytics_summary(days)


def save_intent_classification(session_id: str, user_message: str, intent: str, confidence: float | None,
                               method: str, fsm_state: str | None = None,
                               inference_time_ms: int | None = None) -> None:
    default_functions().save_intent_classification(session_id, user_message, intent, confidence, method,
                                                   fsm_state, inference_time_ms)


def save_system_log(log_level: str, component: str, message: str, session_id: str | None = None,
                    error_trace: str | None = None) -> None:
    default_functions().save_system_log(log_level, component, message, session_id, error_trace)


def cleanup_old_sessions(days: int = 30) -> int:
    return default_functions().cleanup_old_sessions(days)


def delete_session(session_id: str) -> bool:
    return default_functions().delete_session(session_id)


__all__ = [
    "Breaker", "CircuitOpen", "DatabaseUnavailable", "InvalidValue", "LegacyFunctions", "Repository",
    "RepositoryError", "SchemaMismatch", "UnitOfWork", "UnknownSession", "cleanup_old_sessions", "create_session",
    "default_functions", "default_repository", "delete_session", "get_analytics_summary", "get_history",
    "get_latest_summary", "get_risk_detections", "get_session_data", "get_user_responses", "init_db",
    "mark_session_completed", "reset_default_repository", "save_analytics_event", "save_intent_classification",
    "save_message", "save_risk_detection", "save_session_summary", "save_system_log", "save_user_response",
    "update_attempt_count", "update_session_state",
]
