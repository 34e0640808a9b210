"""The chat service: one turn = one unit of work, and what happens when the
database is away.

A turn assesses the message once, before anything else, then loads the yarn
(its session row locked), runs the pure `take_turn`, and records the outcome as
it is (repository/unit_of_work.py): two round trips on Postgres. Nothing lives
in process memory, so any worker may serve any turn.

When the database does not answer (refused, stalled, the breaker open, an
unusable SQLite file), the young person still gets an answer: the safety reply
for a risky message, a warm fallback otherwise, `degraded` set, and the turn is
kept in the outbox (app/outbox.py) to be written when the database is back. A
risky message never waits long: its safety reply needs nothing of the database,
so it is sent after `safety_wait_s` at most while the saving goes on.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from app.outbox import Outbox
from app.yarn import safety
from app.yarn.checkin import says_safe
from app.yarn.content import reply
from app.yarn.flow import take_turn
from app.yarn.risk import Assessment
from models.yarn import Message, TurnOutcome, Yarn
from repository import DatabaseUnavailable, Repository, UnitOfWork
from repository.unit_of_work import reply_id

log = logging.getLogger(__name__)
T = TypeVar("T")


class BadMessage(ValueError):
    """The message cannot be taken (empty, too long, not text)."""


@dataclass(frozen=True)
class ChatReply:
    reply: str
    session_id: str
    state: str | None
    safety: str | None = None  # None | concern | crisis
    degraded: bool = False  # the database was away: the message is kept for later
    resources: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"reply": self.reply, "session_id": self.session_id, "state": self.state,
                                "safety": self.safety}
        if self.degraded:
            body["degraded"] = True
        if self.resources:
            body["resources"] = self.resources
        return body


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
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadMessage("'message' must be valid text (it holds a lone surrogate)") from None
    return text


def new_id() -> str:
    return str(uuid.uuid4())


def _within(seconds: float, work: Callable[[], T]) -> tuple[bool, T | None]:
    """Run `work` in a thread; (True, result) if it finished within `seconds`,
    else (False, None) while it goes on."""
    done = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as error:  # handed to the caller if it still waits
            box["error"] = error
        finally:
            done.set()

    threading.Thread(target=run, name="aimhi-safe-turn", daemon=True).start()
    if not done.wait(seconds):
        return False, None
    if "error" in box:
        raise box["error"]
    return True, box["value"]


class _Race:
    """A risky turn on a slow database: the reply sent early and the reply
    saved must be one text. Whichever comes first decides it: the turn claims
    its reply before recording it, or the wait runs out and the early reply is
    settled (the turn then saves that one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._text: str | None = None

    def claim(self, outcome: TurnOutcome) -> TurnOutcome:
        with self._lock:
            if self._text is None:
                self._text = outcome.reply
                return outcome
            sent = self._text
        messages = tuple(replace(m, text=sent) if m.role == "bot" else m for m in outcome.messages)
        return replace(outcome, reply=sent, messages=messages)

    def settle(self, make: Callable[[], str]) -> str:
        with self._lock:
            if self._text is None:
                self._text = make()
            return self._text


_NOT_SAFE = Assessment("crisis", "checkin_not_safe", "self")


class ChatService:
    def __init__(self, repo: Repository, outbox: Outbox, *, llm_enabled: bool = False,
                 safety_wait_s: float = 1.2, clock: Callable[[], datetime] | None = None) -> None:
        self.repo = repo
        self.outbox = outbox
        self.llm_enabled = llm_enabled
        self.safety_wait_s = safety_wait_s
        self.clock = clock or (lambda: datetime.now(UTC))

    # ---- a turn ------------------------------------------------------------------

    def turn(self, session_id: str | None, message: str, message_id: str | None = None) -> ChatReply:
        sid, mid = session_id or new_id(), message_id or new_id()
        assessment = safety.assess(message)
        if not assessment.risky:
            return self._saved_turn(sid, message, mid, assessment, _Race())
        race = _Race()
        finished, result = _within(self.safety_wait_s, lambda: self._saved_turn(sid, message, mid, assessment, race))
        if finished and result is not None:
            return result
        # The database is slow: the safety reply goes now (the very text that will
        # be saved: the flow's, if it got that far), the saving goes on.
        log.warning("safety reply sent before the database answered", extra={"session_id": sid})
        text = race.settle(lambda: safety.safety_reply(assessment))
        return ChatReply(text, sid, None, assessment.level, degraded=True,
                         resources=safety.resources_json(assessment))

    def _caught_up(self, sid: str, mid: str) -> bool:
        """This yarn's turns kept in the outbox go in first, so the turn reads
        what they changed (a check-in they asked); a kept copy of this very
        message gives way to it. False when some still wait (the database is
        away, or another worker is replaying them): the turn is then kept
        after them, in order."""
        waiting, _ = self.outbox.waiting(sid)
        if not waiting:
            return True
        self.outbox.replay(self.repo, session_id=sid, superseded=mid)
        return self.outbox.waiting(sid)[0] == 0

    def _saved_turn(self, sid: str, message: str, mid: str, assessment: Assessment, race: _Race) -> ChatReply:
        if not self._caught_up(sid, mid):
            return self._kept(sid, message, mid, assessment, race)
        try:
            outcome = self.repo.run(lambda uow: self._in_unit(uow, sid, message, mid, assessment, race))
        except DatabaseUnavailable:
            return self._kept(sid, message, mid, assessment, race)
        resources = safety.resources_json(assessment) if outcome.safety else []
        return ChatReply(outcome.reply, sid, outcome.state, outcome.safety, resources=resources)

    def _in_unit(self, uow: UnitOfWork, sid: str, message: str, mid: str, assessment: Assessment,
                 race: _Race) -> TurnOutcome:
        yarn = uow.load_yarn(sid, mid)
        if yarn.replayed_reply is not None:  # a retry of a message already answered: the same reply, no new turn
            return TurnOutcome(reply=yarn.replayed_reply, state=yarn.state)
        outcome = race.claim(take_turn(yarn, message, assessment, message_id=mid, llm_enabled=self.llm_enabled))
        uow.record_turn(yarn, outcome)
        return outcome

    def _kept(self, sid: str, message: str, mid: str, assessment: Assessment, race: _Race) -> ChatReply:
        """The database is away: answer anyway, and keep the turn for later.
        A risky message, or the answer to an "are you safe?" asked while it was
        away, is read by the flow itself (it needs nothing of the database)."""
        _, pending_check = self.outbox.waiting(sid)
        if assessment.risky or (pending_check and not says_safe(message)):
            away = Yarn(sid, turn_count=1, safety_check="checkin" if pending_check else None)
            outcome = take_turn(away, message, assessment, message_id=mid)
        else:
            outcome = TurnOutcome(reply=reply("fallback", mid), state="")
        text = race.settle(lambda: outcome.reply)
        kept = replace(outcome, reply=text, state="", at=self.clock(), events=(), answers_check=pending_check,
                       messages=(Message("user", message, mid), Message("bot", text, reply_id(mid))))
        saved = self.outbox.keep(sid, kept)
        if kept.detection is not None:
            log.error("safety reply sent without saving it to the database (%s)",
                      "kept in the outbox" if saved else "the outbox could not keep it either",
                      extra={"session_id": sid})
            return ChatReply(text, sid, None, kept.detection.level, degraded=True,
                             resources=safety.resources_json(assessment if assessment.risky else _NOT_SAFE))
        if not saved:
            text = reply("fallback_unsaved", mid)
        return ChatReply(text, sid, None, None, degraded=True)

    # ---- the rest of the API --------------------------------------------------

    def history(self, session_id: str) -> dict[str, Any] | None:
        session, messages = self.repo.run(lambda uow: uow.session_with_history(session_id), write=False)
        if session is None:
            return None
        return {
            "session_id": session_id, "state": session.fsm_state, "completed": session.completed,
            "messages": [{"role": m.role, "message": m.message, "ts": m.ts.isoformat() if m.ts else None}
                         for m in messages],
        }

    def erase(self, session_id: str) -> bool:
        return self.repo.run(lambda uow: uow.delete_session(session_id))

    def analytics(self, days: int) -> dict[str, Any]:
        return self.repo.run(lambda uow: uow.get_analytics_summary(days), write=False).as_dict()

    def replay(self) -> int:
        """Write what the outbox kept, if the database is back."""
        if self.outbox.depth() == 0:
            return 0
        return self.outbox.replay(self.repo)
