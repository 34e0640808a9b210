"""One chat turn = one unit of work.

The turn reads the session's state once (row locked), runs the pure yarn logic,
and writes everything it changed in one batch at commit: the user's message, the
reply, the state, answers and attempts, analytics, the intent log, the summary,
a risk detection. Nothing lives in process memory, so any worker may serve any
turn and a restart mid-yarn carries on where it was.

The crisis check runs before anything touches the database, and the crisis reply
never depends on it: if the database is down, the young person still gets it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from app.yarn.content import crisis_reply
from app.yarn.flow import TurnOutcome, YarnState, take_turn
from app.yarn.risk import detect_risk
from repository import Repository, RepositoryError
from repository.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class BadMessage(ValueError):
    """The message cannot be taken (empty, too long, not text)."""


@dataclass(frozen=True)
class ChatReply:
    reply: str
    session_id: str
    state: str | None
    crisis: bool = False


def clean_message(message: Any, max_chars: int) -> str:
    if not isinstance(message, str):
        raise BadMessage("'message' must be a string")
    text = message.strip()
    if not text:
        raise BadMessage("'message' must not be empty")
    if len(text) > max_chars:
        raise BadMessage(f"'message' must be at most {max_chars} characters (got {len(text)})")
    if "\x00" in text:
        raise BadMessage("'message' must not contain NUL characters")
    return text


def new_session_id() -> str:
    return str(uuid.uuid4())


def chat_turn(repo: Repository, session_id: str | None, message: str, *, llm_enabled: bool = False) -> ChatReply:
    sid = session_id or new_session_id()
    risk = detect_risk(message)
    try:
        with repo.unit_of_work() as uow:
            current = _load_or_start(uow, sid)
            outcome = take_turn(current, message, session_is_new=current.turn_count == 0, llm_enabled=llm_enabled)
            _record(uow, sid, current, message, outcome)
    except RepositoryError:
        if risk is None:
            raise
        # Never let a database fault stand between a young person and help.
        log.exception("crisis reply sent without saving: the database failed")
        return ChatReply(crisis_reply(), sid, None, crisis=True)
    return ChatReply(outcome.reply, sid, outcome.new_state, crisis=outcome.risk is not None)


def _load_or_start(uow: UnitOfWork, session_id: str) -> YarnState:
    state = uow.load_turn(session_id)
    if state is None:
        # Create the row first so the lock below serialises two first messages.
        uow.create_session(session_id)
        state = uow.load_turn(session_id)
        assert state is not None
    return YarnState(
        state=state["fsm_state"],
        answers=state["answers"],
        attempts=state["attempts"],
        completed=state["completed"],
        turn_count=state["turn_count"],
    )


def _record(uow: UnitOfWork, session_id: str, current: YarnState, message: str, outcome: TurnOutcome) -> None:
    session_values: dict[str, Any] = {"fsm_state": outcome.new_state}
    if outcome.completed:
        session_values["completed"] = True
    classification = None
    if outcome.classification is not None:
        found = outcome.classification
        classification = {
            "user_message": message,
            "intent": found.intent,
            "confidence": found.confidence,
            "method": "rule_based",
            "fsm_state": current.state,
            "inference_time_ms": found.inference_time_ms,
        }
    # save_risk_detection writes the risk_triggered event with the detection.
    events = [(kind, data) for kind, data in outcome.events if not (outcome.risk and kind == "risk_triggered")]
    uow.record_turn(
        session_id,
        session_values=session_values,
        messages=[("user", message), ("bot", outcome.reply)],
        answers=[(u.step, u.response, u.attempt_count) for u in outcome.answer_updates],
        events=events,
        classification=classification,
        summary=("complete", outcome.summary) if outcome.summary is not None else None,
        risk=(outcome.risk.phrase, message) if outcome.risk is not None else None,
    )


def session_history(repo: Repository, session_id: str) -> dict[str, Any] | None:
    with repo.unit_of_work(write=False) as uow:
        session = uow.get_session_data(session_id)
        if session is None:
            return None
        messages = list(reversed(uow.get_history(session_id, limit=None)))
    return {
        "session_id": session_id,
        "state": session["fsm_state"],
        "completed": session["completed"],
        "messages": [
            {"role": m["role"], "message": m["message"], "ts": m["ts"].isoformat() if m["ts"] else None}
            for m in messages
        ],
    }
