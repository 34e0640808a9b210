"""The legacy repository functions, by name, with their dict results.

Thin wrappers: each opens one unit of work and calls the typed method of the
same name. `LegacyFunctions(repository)` binds them to one database (two can be
used side by side); the module-level functions act on the database
`DATABASE_URL` names, read at first use.
"""

from __future__ import annotations

import threading
from typing import Any

from repository.config import database_url
from repository.repo import Repository


class LegacyFunctions:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    def init_db(self) -> str:
        return self.repository.init_db()

    def create_session(self, session_id: str, fsm_state: str = "welcome") -> None:
        self.repository.run(lambda uow: uow.create_session(session_id, fsm_state))

    def get_session_data(self, session_id: str) -> dict[str, Any] | None:
        found = self.repository.run(lambda uow: uow.get_session_data(session_id), write=False)
        return None if found is None else found.as_dict()

    def update_session_state(self, session_id: str, fsm_state: str) -> bool:
        return self.repository.run(lambda uow: uow.update_session_state(session_id, fsm_state))

    def mark_session_completed(self, session_id: str) -> bool:
        return self.repository.run(lambda uow: uow.mark_session_completed(session_id))

    def save_message(self, session_id: str, role: str, message: str) -> None:
        self.repository.run(lambda uow: uow.save_message(session_id, role, message))

    def get_history(self, session_id: str, limit: int | None = 6) -> list[dict[str, Any]]:
        found = self.repository.run(lambda uow: uow.get_history(session_id, limit), write=False)
        return [message.as_dict() for message in found]

    def save_user_response(self, session_id: str, step: str, response: str | None, attempt_count: int = 0) -> None:
        self.repository.run(lambda uow: uow.save_user_response(session_id, step, response, attempt_count))

    def get_user_responses(self, session_id: str) -> dict[str, str]:
        return self.repository.run(lambda uow: uow.get_user_responses(session_id), write=False)

    def update_attempt_count(self, session_id: str, step: str) -> int:
        return self.repository.run(lambda uow: uow.update_attempt_count(session_id, step))

    def save_risk_detection(self, session_id: str, trigger_phrase: str, user_message: str) -> None:
        self.repository.run(lambda uow: uow.save_risk_detection(session_id, trigger_phrase, user_message))

    def get_risk_detections(self, session_id: str | None = None, limit: int | None = 100) -> list[dict[str, Any]]:
        found = self.repository.run(lambda uow: uow.get_risk_detections(session_id, limit), write=False)
        return [detection.as_dict() for detection in found]

    def save_session_summary(self, session_id: str, summary_type: str, summary_data: dict[str, Any]) -> None:
        self.repository.run(lambda uow: uow.save_session_summary(session_id, summary_type, summary_data))

    def get_latest_summary(self, session_id: str, summary_type: str | None = None) -> dict[str, Any] | None:
        return self.repository.run(lambda uow: uow.get_latest_summary(session_id, summary_type), write=False)

    def save_analytics_event(self, event_type: str, event_data: Any = None) -> None:
        self.repository.run(lambda uow: uow.save_analytics_event(event_type, event_data))

    def get_analytics_summary(self, days: int = 7) -> dict[str, Any]:
        return self.repository.run(lambda uow: uow.get_analytics_summary(days), write=False).as_dict()

    def save_intent_classification(self, session_id: str, user_message: str, intent: str,
                                   confidence: float | None, method: str, fsm_state: str | None = None,
                                   inference_time_ms: int | None = None) -> None:
        self.repository.run(lambda uow: uow.save_intent_classification(
            session_id, user_message, intent, confidence, method, fsm_state, inference_time_ms))

    def save_system_log(self, log_level: str, component: str, message: str, session_id: str | None = None,
                        error_trace: str | None = None) -> None:
        self.repository.run(lambda uow: uow.save_system_log(log_level, component, message, session_id, error_trace))

    def cleanup_old_sessions(self, days: int = 30) -> int:
        return self.repository.run(lambda uow: uow.cleanup_old_sessions(days))

    def delete_session(self, session_id: str) -> bool:
        return self.repository.run(lambda uow: uow.delete_session(session_id))


_default: LegacyFunctions | None = None
_default_lock = threading.Lock()


def default_functions() -> LegacyFunctions:
    """The legacy functions for DATABASE_URL, made at first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = LegacyFunctions(Repository(database_url()))
        return _default


def default_repository() -> Repository:
    return default_functions().repository


def reset_default_repository() -> None:
    """Forget the default repository (DATABASE_URL is read again at next use)."""
    global _default
    with _default_lock:
        if _default is not None:
            _default.repository.dispose()
        _default = None
