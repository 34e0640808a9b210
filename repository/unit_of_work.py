"""The unit of work: the one typed door to the data.

`Repository.unit_of_work()` opens one transaction on one connection. Writes are
queued and go with the next read or at commit, so the statements of a whole
legacy call or chat turn travel together (one round trip each on Postgres).
Every row is checked against the value rules (`models.rules`) before it is
queued: both engines refuse the same values with `InvalidValue`, nothing sent.

A database error inside the unit marks it failed: later operations raise
`RepositoryError` and the block rolls back whole, even if the caller caught the
first error (Postgres cannot go on in an aborted transaction, so neither engine
does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from models.rules import row_problems
from models.yarn import Detection, Event, TurnOutcome, Yarn
from repository import erasure
from repository import queries as q
from repository import validation as check
from repository.engines import Driver, Wire
from repository.errors import DatabaseUnavailable, InvalidValue, RepositoryError
from repository.records import AnalyticsSummary, DetectionRecord, MessageRecord, Removed, SessionRecord
from repository.sql import Outcome, Query, Step


def reply_id(message_id: str | None) -> str | None:
    """The message id of the bot's reply to the message `message_id`."""
    return None if message_id is None else f"{message_id}:reply"


def _session_record(rows: Sequence[tuple[Any, ...]]) -> SessionRecord | None:
    return SessionRecord(*rows[0][:4], bool(rows[0][4]), rows[0][5]) if rows else None


class UnitOfWork:
    def __init__(self, wire: Wire, driver: Driver, clock: Callable[[], datetime]) -> None:
        self.wire = wire
        self.driver = driver
        self.clock = clock
        self._pending: list[Step] = []
        self.failed: RepositoryError | None = None

    # ---- plumbing ----------------------------------------------------------------

    def _row(self, table: str, row: Mapping[str, Any]) -> Mapping[str, Any]:
        problems = row_problems(table, row)
        if problems:
            raise InvalidValue(f"{table}: " + "; ".join(problems))
        return row

    def _queue(self, query: Query, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> None:
        self._usable()
        self._pending.append(Step(query, params))

    def _fetch(self, query: Query, params: Mapping[str, Any]) -> Outcome:
        """Send the queued writes and this statement; its outcome."""
        return self._fetch_together(Step(query, params))[0]

    def _fetch_together(self, *steps: Step) -> list[Outcome]:
        """Several reads in one round trip (with the queued writes before them)."""
        self._usable()
        queued, self._pending = self._pending, []
        return self._send([*queued, *steps])[len(queued):]

    def _send(self, steps: Sequence[Step], *, commit: bool = False) -> list[Outcome]:
        try:
            return self.wire.send(steps, commit=commit)
        except Exception as error:
            translated = self.driver.translate(error)
            if translated is None:
                raise
            if isinstance(translated, DatabaseUnavailable) and self.wire.retryable(error):
                translated.retryable = True  # type: ignore[attr-defined]
            self.failed = translated
            raise translated from error

    @contextmanager
    def _atomic(self) -> Iterator[None]:
        """An operation queues all its rows or none: a row refused half-way
        takes back what the operation queued before it."""
        mark = len(self._pending)
        try:
            yield
        except BaseException:
            del self._pending[mark:]
            raise

    def _usable(self) -> None:
        if self.failed is not None:
            raise RepositoryError("an earlier operation of this unit of work failed; it is rolled back")

    def commit(self) -> None:
        """Send what is queued with COMMIT (the repository calls this at the end)."""
        self._usable()
        steps, self._pending = self._pending, []
        self._send(steps, commit=True)

    def _now(self) -> datetime:
        return self.clock()

    def _cutoff(self, days: Any) -> datetime:
        number = check.whole_number("days", days)
        try:
            return self._now() - timedelta(days=number)
        except OverflowError:  # more days than the calendar holds: every row is newer
            return datetime.min.replace(tzinfo=UTC)

    # ---- sessions ---------------------------------------------------------------

    def create_session(self, session_id: str, fsm_state: str = "welcome") -> None:
        now = self._now()
        self._queue(q.CREATE_SESSION, self._row("sessions", {
            "session_id": session_id, "fsm_state": fsm_state, "created_at": now, "last_activity": now,
            "completed": False}))

    def get_session_data(self, session_id: str) -> SessionRecord | None:
        check.key("session_id", session_id)
        return _session_record(self._fetch(q.GET_SESSION, {"sid": session_id}).rows)

    def session_with_history(self, session_id: str) -> tuple[SessionRecord | None, list[MessageRecord]]:
        """The session and all its messages, oldest first, in one round trip."""
        check.key("session_id", session_id)
        session, history = self._fetch_together(Step(q.GET_SESSION, {"sid": session_id}),
                                                Step(q.HISTORY_ALL, {"sid": session_id}))
        return _session_record(session.rows), [MessageRecord(*row) for row in reversed(history.rows)]

    def update_session_state(self, session_id: str, fsm_state: str) -> bool:
        check.key("session_id", session_id)
        self._row("sessions", {"fsm_state": fsm_state})
        return self._fetch(q.SET_STATE, {"sid": session_id, "fsm_state": fsm_state, "now": self._now()}).rowcount > 0

    def mark_session_completed(self, session_id: str) -> bool:
        check.key("session_id", session_id)
        return self._fetch(q.MARK_COMPLETED, {"sid": session_id, "now": self._now()}).rowcount > 0

    def delete_session(self, session_id: str) -> bool:
        """Erase a yarn: every row about it (repository/erasure.py); analytics
        stay, without its id. False when there was no such yarn."""
        return self.erase_session(session_id).sessions > 0

    def erase_session(self, session_id: str) -> Removed:
        check.key("session_id", session_id)
        params = {"sid": session_id, erasure.PATTERN: erasure.like_pattern(session_id)}
        found = self._fetch_together(Step(q.REPAIR_CANDIDATES, params), Step(q.LOG_CANDIDATES, params),
                                     Step(q.EVENT_CANDIDATES, params), Step(q.CHILD_COUNTS, {"sid": session_id}),
                                     Step(q.NEIGHBOUR_IDS, params))
        mentions = erasure.Mentions(session_id, (row[0] for row in found[4].rows))
        repairs = [row[0] for row in found[0].rows if mentions.in_repair(row[1], row[2], row[3])]
        logs = [row[0] for row in found[1].rows if mentions.in_log(row[1], row[2], row[3])]
        events = [(row[0], mentions.strip(row[1])) for row in found[2].rows if mentions.names(row[1])]
        if repairs:
            self._queue(q.DELETE_REPAIR, [{"row_id": row_id} for row_id in repairs])
        if logs:
            self._queue(q.DELETE_LOG, [{"row_id": row_id} for row_id in logs])
        if events:
            self._queue(q.SET_EVENT_DATA, [{"row_id": row_id, "data": data} for row_id, data in events])
        sessions = self._fetch(q.DELETE_SESSION, {"sid": session_id}).rowcount
        children = dict(zip(q.CHILD_TABLE_NAMES, (int(n) for n in found[3].rows[0]))) if sessions else {}
        return Removed({"sessions": sessions, **children, "data_repairs": len(repairs), "system_logs": len(logs)},
                       len(events))

    def cleanup_old_sessions(self, days: int = 30) -> int:
        """Erase completed sessions created more than `days` days ago; how many."""
        return self.cleanup(days, retention=False).sessions

    def cleanup(self, days: int = 30, *, retention: bool = True) -> Removed:
        """The legacy clean-up, each session erased whole; with `retention`, also
        data_repairs and system_logs older than `days` days."""
        cutoff = self._cutoff(days)
        removed = Removed()
        for (session_id,) in self._fetch(q.OLD_COMPLETED, {"cutoff": cutoff}).rows:
            removed = removed + self.erase_session(session_id)
        if retention:
            old_repairs = self._fetch(q.OLD_REPAIRS, {"cutoff": cutoff}).rowcount
            old_logs = self._fetch(q.OLD_LOGS, {"cutoff": cutoff}).rowcount
            removed = removed + Removed({"data_repairs": old_repairs, "system_logs": old_logs})
        return removed

    # ---- messages ---------------------------------------------------------------

    def save_message(self, session_id: str, role: str, message: str) -> None:
        """Create the session if absent, add the message, touch last_activity."""
        check.key("session_id", session_id)
        now = self._now()
        session = self._row("sessions", {"session_id": session_id, "fsm_state": "welcome",
                                         "created_at": now, "last_activity": now, "completed": False})
        row = self._row("chat_history", {"session_id": session_id, "role": role, "message": message,
                                          "ts": now, "message_id": None})
        self._queue(q.TOUCH_SESSION, session)
        self._queue(q.ADD_MESSAGE, row)

    def get_history(self, session_id: str, limit: int | None = 6) -> list[MessageRecord]:
        """Newest first; ties on ts are broken by insertion order (id)."""
        check.key("session_id", session_id)
        count = check.count_limit("limit", limit)
        if count is None:
            outcome = self._fetch(q.HISTORY_ALL, {"sid": session_id})
        else:
            outcome = self._fetch(q.HISTORY, {"sid": session_id, "n": count})
        return [MessageRecord(*row) for row in outcome.rows]

    # ---- step answers -----------------------------------------------------------

    def _answer_row(self, session_id: str, step: str, response: str | None, attempts: int) -> Mapping[str, Any]:
        check.whole_number("attempt_count", attempts)
        now = self._now()
        return self._row("user_responses", {"session_id": session_id, "step": step, "response": response,
                                             "attempt_count": attempts, "created_at": now, "updated_at": now})

    def save_user_response(self, session_id: str, step: str, response: str | None, attempt_count: int = 0) -> None:
        self._queue(q.SAVE_ANSWER, self._answer_row(session_id, step, response, attempt_count))

    def get_user_responses(self, session_id: str) -> dict[str, str]:
        check.key("session_id", session_id)
        return {step: response for step, response in self._fetch(q.ANSWERS, {"sid": session_id}).rows}

    def update_attempt_count(self, session_id: str, step: str) -> int:
        """Atomic +1 (a missing row is created at 1); returns the new count."""
        row = {**self._answer_row(session_id, step, None, 1)}
        return int(self._fetch(q.BUMP_ATTEMPTS, row).scalar())

    # ---- risk -------------------------------------------------------------------

    def save_risk_detection(self, session_id: str, trigger_phrase: str, user_message: str,
                            level: str = "crisis", category: str | None = None, *,
                            at: datetime | None = None) -> None:
        """The detection and its risk_triggered event (`Detection.event()`, the one
        shape), in this one transaction."""
        when = at or self._now()
        event = Detection(level, category, trigger_phrase).event()  # type: ignore[arg-type]
        with self._atomic():
            self._queue(q.ADD_DETECTION, self._row("risk_detections", {
                "session_id": session_id, "trigger_phrase": trigger_phrase, "user_message": user_message,
                "detected_at": when, "resources_shown": True, "level": level, "category": category}))
            self.save_analytics_event(event.kind, dict(event.data or {}), at=when)

    def get_risk_detections(self, session_id: str | None = None, limit: int | None = 100) -> list[DetectionRecord]:
        count = check.count_limit("limit", limit)
        if session_id is None:
            query, params = (q.DETECTIONS_ALL, {}) if count is None else (q.DETECTIONS, {"n": count})
        else:
            check.key("session_id", session_id)
            query = q.SESSION_DETECTIONS_ALL if count is None else q.SESSION_DETECTIONS
            params = {"sid": session_id} if count is None else {"sid": session_id, "n": count}
        return [DetectionRecord(*row[:5], None if row[5] is None else bool(row[5]), *row[6:])
                for row in self._fetch(query, params).rows]

    # ---- summaries, analytics and logs ------------------------------------------

    def save_session_summary(self, session_id: str, summary_type: str, summary_data: dict[str, Any], *,
                             at: datetime | None = None) -> None:
        self._queue(q.ADD_SUMMARY, self._row("session_summaries", {
            "session_id": session_id, "summary_type": summary_type, "summary_data": summary_data,
            "generated_at": at or self._now()}))

    def get_latest_summary(self, session_id: str, summary_type: str | None = None) -> dict[str, Any] | None:
        check.key("session_id", session_id)
        if summary_type is None:
            return self._fetch(q.LATEST_SUMMARY, {"sid": session_id}).scalar()
        self._row("session_summaries", {"summary_type": summary_type})
        return self._fetch(q.LATEST_SUMMARY_OF_TYPE, {"sid": session_id, "summary_type": summary_type}).scalar()

    def save_analytics_event(self, event_type: str, event_data: Any = None, *, at: datetime | None = None) -> None:
        self._queue(q.ADD_EVENT, self._row("analytics", {
            "event_type": event_type, "event_data": event_data, "session_count": 1,
            "timestamp": at or self._now()}))

    def get_analytics_summary(self, days: int = 7) -> AnalyticsSummary:
        """Events per type and session completion over the last `days` days."""
        cutoff = self._cutoff(days)
        counts, completion = self._fetch_together(Step(q.EVENT_COUNTS, {"cutoff": cutoff}),
                                                  Step(q.COMPLETION, {"cutoff": cutoff}))
        total, completed = completion.rows[0]
        return AnalyticsSummary({kind: int(n) for kind, n in sorted(counts.rows)}, int(total), int(completed))

    def save_intent_classification(
        self, session_id: str, user_message: str, intent: str, confidence: float | None, method: str,
        fsm_state: str | None = None, inference_time_ms: int | None = None, *, at: datetime | None = None,
    ) -> None:
        self._queue(q.ADD_CLASSIFICATION, self._row("intent_classifications", {
            "session_id": session_id, "user_message": user_message, "classified_intent": intent,
            "confidence": None if confidence is None else check.number("confidence", confidence),
            "method": method, "fsm_state": fsm_state, "inference_time_ms": inference_time_ms,
            "created_at": at or self._now()}))

    def save_system_log(self, log_level: str, component: str, message: str, session_id: str | None = None,
                        error_trace: str | None = None) -> None:
        self._queue(q.ADD_LOG, self._row("system_logs", {
            "log_level": log_level, "component": component, "message": message, "session_id": session_id,
            "error_trace": error_trace, "created_at": self._now()}))

    def ping(self) -> None:
        self._fetch(q.PING, {})

    # ---- the chat turn -------------------------------------------------------

    def load_yarn(self, session_id: str, message_id: str | None = None) -> Yarn:
        """The yarn, locked for this turn (created if it is new)."""
        now = self._now()
        self._queue(q.CREATE_SESSION, self._row("sessions", {
            "session_id": session_id, "fsm_state": "welcome", "created_at": now, "last_activity": now,
            "completed": False}))
        if message_id is not None:
            self._row("chat_history", {"message_id": message_id})
        rows = self._fetch(q.LOAD_YARN, {"sid": session_id, "reply_id": reply_id(message_id)}).rows
        state, completed, safety_check, _, _, _, turns, detected, replayed = rows[0]
        return Yarn(
            session_id=session_id, state=state, completed=bool(completed), safety_check=safety_check,
            answers={r[3]: r[4] for r in rows if r[3] and r[4]},
            attempts={r[3]: int(r[5] or 0) for r in rows if r[3]},
            turn_count=int(turns), had_detection=bool(detected), replayed_reply=replayed,
        )

    def record_turn(self, yarn: Yarn, outcome: TurnOutcome) -> None:
        """Queue every row of the outcome (sent at commit, in one round trip)."""
        with self._atomic():
            self._record(yarn, outcome)

    def _record(self, yarn: Yarn, outcome: TurnOutcome) -> None:
        now = outcome.at or self._now()
        sid = yarn.session_id
        session = self._row("sessions", {"fsm_state": outcome.state, "safety_check": outcome.safety_check})
        query = q.TURN_SESSION_COMPLETED if outcome.completed else q.TURN_SESSION
        self._queue(query, {"sid": sid, "now": now, **session})
        self._queue(q.ADD_MESSAGE, [self._row("chat_history", {
            "session_id": sid, "role": m.role, "message": m.text, "ts": now, "message_id": m.message_id,
        }) for m in outcome.messages])
        for update in {a.step: a for a in outcome.answers}.values():
            self._queue(q.SAVE_ANSWER, self._row("user_responses", {
                "session_id": sid, "step": update.step, "response": update.response,
                "attempt_count": update.attempt_count, "created_at": now, "updated_at": now}))
        if outcome.classification is not None:
            found = outcome.classification
            self.save_intent_classification(sid, outcome.user_message or "", found.intent, found.confidence,
                                            found.method, outcome.classified_state, found.inference_time_ms, at=now)
        if outcome.summary is not None:
            self.save_session_summary(sid, "complete", outcome.summary, at=now)  # type: ignore[arg-type]
        self._detection(sid, outcome.detection, outcome.user_message, now)
        for event in outcome.events:
            self.save_analytics_event(event.kind, None if event.data is None else dict(event.data), at=now)

    def _detection(self, sid: str, detection: Detection | None, message: str | None, now: datetime) -> None:
        if detection is not None:
            self.save_risk_detection(sid, detection.trigger_phrase, message or "", detection.level,
                                     detection.category, at=now)

    def keep(self, session_id: str, outcome: TurnOutcome) -> bool:
        """Write a turn kept in the outbox; False when it was written before."""
        check.key("session_id", session_id)
        first = next((m.message_id for m in outcome.messages if m.message_id), None)
        if first is not None and self._fetch(q.MESSAGE_IDS_PRESENT, {"sid": session_id, "message_id": first}).scalar():
            return False
        with self._atomic():
            self._keep(session_id, outcome)
        return True

    def _keep(self, session_id: str, outcome: TurnOutcome) -> None:
        """The kept turn's rows; the yarn does not move on (its answer waits in
        chat_history), but a check-in it asked or answered is recorded, and a
        yarn it started is counted like any other."""
        at = outcome.at or self._now()
        created = self._fetch(q.CREATE_SESSION, self._row("sessions", {
            "session_id": session_id, "fsm_state": "welcome", "created_at": at, "last_activity": at,
            "completed": False})).rowcount > 0
        self._queue(q.KEEP_MESSAGE, [self._row("chat_history", {
            "session_id": session_id, "role": m.role, "message": m.text, "ts": at, "message_id": m.message_id,
        }) for m in outcome.messages])
        if outcome.safety_check is not None or outcome.answers_check:
            self._queue(q.SET_SAFETY_CHECK, {"sid": session_id, **self._row("sessions", {
                "safety_check": outcome.safety_check})})
        self._detection(session_id, outcome.detection, outcome.user_message, at)
        events = list(outcome.events)
        if created and not any(e.kind == "session_started" for e in events):
            events.insert(0, Event("session_started", {}))
        for event in events:
            self.save_analytics_event(event.kind, None if event.data is None else dict(event.data), at=at)
