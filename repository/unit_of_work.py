"""The data operations, run inside one transaction (a unit of work).

`Repository.unit_of_work()` opens one; every legacy operation is a method here,
so a chat turn can read once, queue its writes, and commit them whole (or not at
all). Reads run at once; writes run at once too unless they are queued with
`deferred()`, in which case they go to the database in one batch at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Executable, Table, delete, func, select, update
from sqlalchemy.exc import DBAPIError

from models import (
    AnalyticsEvent,
    ChatMessage,
    ChatSession,
    IntentClassification,
    RiskDetection,
    SessionSummary,
    SystemLog,
    UserResponse,
)
from models.enums import EVENT_TYPES, FSM_STATES, LOG_LEVELS, METHODS, ROLES, STEPS, SUMMARY_TYPES
from repository import dialect
from repository import validation as check
from repository.errors import RepositoryError

sessions: Table = ChatSession.__table__  # type: ignore[assignment]
chat_history: Table = ChatMessage.__table__  # type: ignore[assignment]
user_responses: Table = UserResponse.__table__  # type: ignore[assignment]
risk_detections: Table = RiskDetection.__table__  # type: ignore[assignment]
session_summaries: Table = SessionSummary.__table__  # type: ignore[assignment]
analytics: Table = AnalyticsEvent.__table__  # type: ignore[assignment]
intent_classifications: Table = IntentClassification.__table__  # type: ignore[assignment]
system_logs: Table = SystemLog.__table__  # type: ignore[assignment]


class UnitOfWork:
    def __init__(self, connection: Connection, clock: Callable[[], datetime]) -> None:
        self.connection = connection
        self.clock = clock
        self._queue: list[Executable] = []
        self._deferring = False
        # Rows upserted by the queued batch: Postgres cannot upsert one row twice
        # in one statement, so a second write of the same row starts a new batch.
        self._queued_keys: set[tuple[Any, ...]] = set()
        self._flushes = 0
        # The translated error of an operation that failed in the database: the
        # whole unit of work then rolls back, even if the caller caught it.
        self.failed: RepositoryError | None = None

    # ---- plumbing -------------------------------------------------------

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Queue the writes made inside; they are sent as one batch by `flush()`
        (called at commit). Operations that must return a value still run now."""
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False

    def _write(self, *statements: Executable, key: tuple[Any, ...] | None = None) -> None:
        """`key` names the row an upsert among `statements` writes."""
        if self._deferring:
            if key is not None and key in self._queued_keys:
                self.flush()
            if key is not None:
                self._queued_keys.add(key)
            self._queue.extend(statements)
        else:
            self.flush()
            dialect.execute_batch(self.connection, statements)

    def flush(self) -> None:
        queued, self._queue = self._queue, []
        self._queued_keys.clear()
        if queued:
            self._flushes += 1
        dialect.execute_batch(self.connection, queued)

    def _drop_queued_since(self, mark: tuple[int, int]) -> None:
        """Forget the writes queued since `mark` (an operation failed)."""
        flushes, length = mark
        if self._flushes != flushes:  # flushed meanwhile: all that is queued is newer
            self._queue.clear()
        else:
            del self._queue[length:]

    def _now(self) -> datetime:
        return self.clock()

    def _cutoff(self, days: Any) -> datetime:
        number = check.whole_number("days", days)
        assert number is not None
        try:
            return self._now() - timedelta(days=number)
        except OverflowError:  # more days than the calendar holds: every row is newer
            return datetime.min.replace(tzinfo=UTC)

    def _upsert_session(self, session_id: str, now: datetime, **values: Any) -> Executable:
        """Create the session if absent, else touch last_activity (and set values)."""
        statement = dialect.insert_for(self.connection, sessions).values(
            session_id=session_id,
            fsm_state=values.get("fsm_state", "welcome"),
            created_at=now,
            last_activity=now,
            completed=values.get("completed", False),
            completion_time=values.get("completion_time"),
        )
        changes = {"last_activity": dialect.excluded(sessions).last_activity}
        changes.update({name: getattr(dialect.excluded(sessions), name) for name in values})
        return statement.on_conflict_do_update(index_elements=["session_id"], set_=changes)

    # ---- sessions -------------------------------------------------------

    def create_session(self, session_id: str, fsm_state: str = "welcome") -> None:
        check.text("session_id", session_id)
        check.choice("fsm_state", fsm_state, FSM_STATES)
        now = self._now()
        statement = dialect.insert_for(self.connection, sessions).values(
            session_id=session_id, fsm_state=fsm_state, created_at=now, last_activity=now, completed=False
        )
        self._write(statement.on_conflict_do_nothing(index_elements=["session_id"]), key=("sessions", session_id))

    def get_session_data(self, session_id: str) -> dict[str, Any] | None:
        check.text("session_id", session_id)
        self.flush()
        row = self.connection.execute(
            select(sessions).where(sessions.c.session_id == session_id)
        ).mappings().first()
        return None if row is None else _session_dict(row)

    def update_session_state(self, session_id: str, fsm_state: str) -> bool:
        check.text("session_id", session_id)
        check.choice("fsm_state", fsm_state, FSM_STATES)
        return self._update_session(session_id, fsm_state=fsm_state, last_activity=self._now())

    def mark_session_completed(self, session_id: str) -> bool:
        check.text("session_id", session_id)
        now = self._now()
        return self._update_session(session_id, completed=True, completion_time=now, last_activity=now)

    def _update_session(self, session_id: str, **values: Any) -> bool:
        self.flush()
        result = self.connection.execute(
            update(sessions).where(sessions.c.session_id == session_id).values(**values)
        )
        return result.rowcount > 0

    def delete_session(self, session_id: str) -> bool:
        """Erase a session and everything of it (cascade); analytics stay."""
        check.text("session_id", session_id)
        self.flush()
        result = self.connection.execute(delete(sessions).where(sessions.c.session_id == session_id))
        return result.rowcount > 0

    def cleanup_old_sessions(self, days: int = 30) -> int:
        cutoff = self._cutoff(days)
        self.flush()
        result = self.connection.execute(
            delete(sessions).where(sessions.c.completed.is_(True), sessions.c.created_at < cutoff)
        )
        return result.rowcount

    # ---- messages -------------------------------------------------------

    def save_message(self, session_id: str, role: str, message: str) -> None:
        check.text("session_id", session_id)
        check.choice("role", role, ROLES)
        check.text("message", message)
        now = self._now()
        self._write(
            self._upsert_session(session_id, now),
            chat_history.insert().values(session_id=session_id, role=role, message=message, ts=now),
            key=("sessions", session_id),
        )

    def get_history(self, session_id: str, limit: int | None = 6) -> list[dict[str, Any]]:
        """Newest first; ties on ts are broken by insertion order (id)."""
        check.text("session_id", session_id)
        count = check.count_limit("limit", limit)
        self.flush()
        query = (
            select(chat_history.c.role, chat_history.c.message, chat_history.c.ts)
            .where(chat_history.c.session_id == session_id)
            .order_by(chat_history.c.ts.desc().nulls_last(), chat_history.c.id.desc())
            .limit(count)
        )
        return [dict(row) for row in self.connection.execute(query).mappings()]

    # ---- step answers ---------------------------------------------------

    def save_user_response(
        self, session_id: str, step: str, response: str | None, attempt_count: int = 0
    ) -> None:
        check.text("session_id", session_id)
        check.choice("step", step, STEPS)
        check.text("response", response, optional=True)
        check.whole_number("attempt_count", attempt_count)
        now = self._now()
        statement = dialect.insert_for(self.connection, user_responses).values(
            session_id=session_id, step=step, response=response,
            attempt_count=attempt_count, created_at=now, updated_at=now,
        )
        excluded = dialect.excluded(user_responses)
        self._write(statement.on_conflict_do_update(
            index_elements=["session_id", "step"],
            set_={"response": excluded.response, "attempt_count": excluded.attempt_count,
                  "updated_at": excluded.updated_at},
        ), key=("user_responses", session_id, step))

    def get_user_responses(self, session_id: str) -> dict[str, str]:
        check.text("session_id", session_id)
        self.flush()
        query = select(user_responses.c.step, user_responses.c.response).where(
            user_responses.c.session_id == session_id,
            user_responses.c.response.is_not(None),
            user_responses.c.response != "",
        )
        return {step: response for step, response in self.connection.execute(query)}

    def update_attempt_count(self, session_id: str, step: str) -> int:
        """Atomic +1 (a missing row is created at 1); returns the new count."""
        check.text("session_id", session_id)
        check.choice("step", step, STEPS)
        now = self._now()
        statement = dialect.insert_for(self.connection, user_responses).values(
            session_id=session_id, step=step, response=None, attempt_count=1,
            created_at=now, updated_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["session_id", "step"],
            set_={"attempt_count": func.coalesce(user_responses.c.attempt_count, 0) + 1,
                  "updated_at": dialect.excluded(user_responses).updated_at},
        ).returning(user_responses.c.attempt_count)
        self.flush()
        return int(self.connection.execute(statement).scalar_one())

    # ---- risk -----------------------------------------------------------

    def save_risk_detection(self, session_id: str, trigger_phrase: str, user_message: str) -> None:
        """The detection and its analytics event, in this one transaction."""
        check.text("session_id", session_id)
        check.text("trigger_phrase", trigger_phrase)
        check.text("user_message", user_message)
        now = self._now()
        self._write(
            risk_detections.insert().values(
                session_id=session_id, trigger_phrase=trigger_phrase, user_message=user_message,
                detected_at=now, resources_shown=True,
            ),
            analytics.insert().values(
                event_type="risk_triggered", event_data={"trigger_phrase": trigger_phrase},
                session_count=1, timestamp=now,
            ),
        )

    def get_risk_detections(self, session_id: str | None = None, limit: int | None = 100) -> list[dict[str, Any]]:
        check.text("session_id", session_id, optional=True)
        count = check.count_limit("limit", limit)
        self.flush()
        query = select(risk_detections).order_by(
            risk_detections.c.detected_at.desc().nulls_last(), risk_detections.c.id.desc()
        ).limit(count)
        if session_id is not None:
            query = query.where(risk_detections.c.session_id == session_id)
        return [_plain(row) for row in self.connection.execute(query).mappings()]

    # ---- summaries ------------------------------------------------------

    def save_session_summary(self, session_id: str, summary_type: str, summary_data: dict[str, Any]) -> None:
        check.text("session_id", session_id)
        check.choice("summary_type", summary_type, SUMMARY_TYPES)
        check.json_value("summary_data", summary_data, require_object=True)
        self._write(session_summaries.insert().values(
            session_id=session_id, summary_type=summary_type, summary_data=summary_data,
            generated_at=self._now(),
        ))

    def get_latest_summary(self, session_id: str, summary_type: str | None = None) -> dict[str, Any] | None:
        check.text("session_id", session_id)
        if summary_type is not None:
            check.choice("summary_type", summary_type, SUMMARY_TYPES)
        self.flush()
        query = (
            select(session_summaries.c.summary_data)
            .where(session_summaries.c.session_id == session_id)
            .order_by(session_summaries.c.generated_at.desc().nulls_last(), session_summaries.c.id.desc())
            .limit(1)
        )
        if summary_type is not None:
            query = query.where(session_summaries.c.summary_type == summary_type)
        return self.connection.execute(query).scalar()

    # ---- analytics and logs ---------------------------------------------

    def save_analytics_event(self, event_type: str, event_data: Any = None) -> None:
        check.choice("event_type", event_type, EVENT_TYPES)
        check.json_value("event_data", event_data, optional=True)
        self._write(analytics.insert().values(
            event_type=event_type, event_data=event_data, session_count=1, timestamp=self._now()
        ))

    def get_analytics_summary(self, days: int = 7) -> dict[str, Any]:
        """Events per type and session completion over the last `days` days."""
        cutoff = self._cutoff(days)
        self.flush()
        counts = self.connection.execute(
            select(analytics.c.event_type, func.count())
            .where(analytics.c.timestamp >= cutoff)
            .group_by(analytics.c.event_type)
        )
        total, completed = self.connection.execute(
            select(func.count(), func.count().filter(sessions.c.completed.is_(True)))
            .where(sessions.c.created_at >= cutoff)
        ).one()
        rate = round(100.0 * completed / total, 2) if total else 0.0
        return {
            "event_counts": {event_type: int(n) for event_type, n in sorted(counts)},
            "completion_stats": {"total_sessions": int(total), "completed": int(completed), "completion_rate": rate},
        }

    def save_intent_classification(
        self,
        session_id: str,
        user_message: str,
        intent: str,
        confidence: float | None,
        method: str,
        fsm_state: str | None = None,
        inference_time_ms: int | None = None,
    ) -> None:
        check.text("session_id", session_id)
        check.text("user_message", user_message)
        check.text("intent", intent)
        check.confidence(confidence)
        check.choice("method", method, METHODS)
        check.text("fsm_state", fsm_state, optional=True)
        check.whole_number("inference_time_ms", inference_time_ms, optional=True)
        self._write(intent_classifications.insert().values(
            session_id=session_id, user_message=user_message, classified_intent=intent,
            confidence=None if confidence is None else float(confidence), method=method,
            fsm_state=fsm_state, inference_time_ms=inference_time_ms, created_at=self._now(),
        ))

    def save_system_log(
        self,
        log_level: str,
        component: str,
        message: str,
        session_id: str | None = None,
        error_trace: str | None = None,
    ) -> None:
        check.choice("log_level", log_level, LOG_LEVELS)
        check.text("component", component)
        check.text("message", message)
        check.text("session_id", session_id, optional=True)
        check.text("error_trace", error_trace, optional=True)
        self._write(system_logs.insert().values(
            log_level=log_level, component=component, message=message, session_id=session_id,
            error_trace=error_trace, created_at=self._now(),
        ))

    # ---- a chat turn ----------------------------------------------------

    def load_turn(self, session_id: str) -> dict[str, Any] | None:
        """Everything a chat turn needs, in one query, with the session row locked
        until commit (FOR UPDATE on Postgres; SQLite's write lock is already held):
        {session..., 'answers': {step: response}, 'attempts': {step: n}, 'turn_count': n}."""
        check.text("session_id", session_id)
        self.flush()
        user_turns = (
            select(func.count()).where(chat_history.c.session_id == session_id, chat_history.c.role == "user")
            .scalar_subquery()
        )
        query = (
            select(sessions, user_responses.c.step, user_responses.c.response,
                   user_responses.c.attempt_count, user_turns.label("turn_count"))
            .outerjoin(user_responses, user_responses.c.session_id == sessions.c.session_id)
            .where(sessions.c.session_id == session_id)
            .with_for_update(of=sessions)
        )
        rows = self.connection.execute(query).mappings().all()
        if not rows:
            return None
        state = _session_dict(rows[0])
        state["answers"] = {r["step"]: r["response"] for r in rows if r["step"] and r["response"]}
        state["attempts"] = {r["step"]: int(r["attempt_count"] or 0) for r in rows if r["step"]}
        state["turn_count"] = int(rows[0]["turn_count"])
        return state

    def record_turn(
        self,
        session_id: str,
        *,
        session_values: dict[str, Any],
        messages: list[tuple[str, str]],
        answers: list[tuple[str, str | None, int]] = (),  # type: ignore[assignment]
        events: list[tuple[str, Any]] = (),  # type: ignore[assignment]
        classification: dict[str, Any] | None = None,
        summary: tuple[str, dict[str, Any]] | None = None,
        risk: tuple[str, str] | None = None,
    ) -> None:
        """Queue everything a turn changes; sent as one batch when the unit of
        work commits. Session first (children need it), one statement per table."""
        check.text("session_id", session_id)
        if "fsm_state" in session_values:
            check.choice("fsm_state", session_values["fsm_state"], FSM_STATES)
        now = self._now()
        if session_values.get("completed") and "completion_time" not in session_values:
            session_values = {**session_values, "completion_time": now}
        with self.deferred():
            self._write(self._upsert_session(session_id, now, **session_values), key=("sessions", session_id))
            rows = [dict(session_id=session_id, role=check.choice("role", role, ROLES),
                         message=check.text("message", text), ts=now) for role, text in messages]
            # One single-row INSERT per row, not a multi-row VALUES: SQLAlchemy
            # caches the compiled form of the former only.
            self._write(*(chat_history.insert().values(row) for row in rows))
            for step, response, attempts in dict((a[0], a) for a in answers).values():
                self.save_user_response(session_id, step, response, attempts)
            if risk is not None:
                self.save_risk_detection(session_id, *risk)
            if classification is not None:
                self.save_intent_classification(session_id, **classification)
            if summary is not None:
                self.save_session_summary(session_id, *summary)
            event_rows = [dict(event_type=check.choice("event_type", kind, EVENT_TYPES),
                               event_data=check.json_value("event_data", data, optional=True),
                               session_count=1, timestamp=now) for kind, data in events]
            self._write(*(analytics.insert().values(row) for row in event_rows))

    def ping(self) -> None:
        self.connection.execute(select(1))


def _operation(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wraps each public operation so both engines fail alike inside a unit of
    work: a database error comes out as the repository's exception at once and
    marks the unit of work failed (Postgres cannot go on after an error in a
    transaction; SQLite could, so no engine may), and the writes an operation
    queued before it failed are dropped, so even a caught error leaves nothing
    half-written."""

    @wraps(method)
    def run(self: UnitOfWork, *args: Any, **kwargs: Any) -> Any:
        if self.failed is not None:
            raise RepositoryError("an earlier operation of this unit of work failed; it is rolled back")
        mark = (self._flushes, len(self._queue))
        try:
            return method(self, *args, **kwargs)
        except DBAPIError as error:
            self._drop_queued_since(mark)
            self.failed = dialect.translate(error)
            raise self.failed from error
        except BaseException:
            self._drop_queued_since(mark)
            raise

    return run


OPERATIONS = (
    "create_session", "get_session_data", "update_session_state", "mark_session_completed",
    "delete_session", "cleanup_old_sessions", "save_message", "get_history", "save_user_response",
    "get_user_responses", "update_attempt_count", "save_risk_detection", "get_risk_detections",
    "save_session_summary", "get_latest_summary", "save_analytics_event", "get_analytics_summary",
    "save_intent_classification", "save_system_log", "load_turn", "record_turn", "ping",
)
for _name in OPERATIONS:
    setattr(UnitOfWork, _name, _operation(getattr(UnitOfWork, _name)))


def _session_dict(row: Any) -> dict[str, Any]:
    return {
        "session_id": row["session_id"],
        "fsm_state": row["fsm_state"],
        "created_at": row["created_at"],
        "last_activity": row["last_activity"],
        "completed": bool(row["completed"]),
        "completion_time": row["completion_time"],
    }


def _plain(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key, value in out.items():
        if isinstance(value, bool) or key == "resources_shown":
            out[key] = None if value is None else bool(value)
    return out
