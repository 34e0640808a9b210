"""The yarn's state machine: one user message in, one ``TurnOutcome`` out.

Pure: ``take_turn`` reads only its arguments (everything a turn needs comes from the
database as a ``YarnState`` at the start of the turn) and returns what to say, the
new state and what to write. The caller (app/service.py) does all the writing, in
one unit of work.

    welcome -> support_people -> strengths -> worries -> goals -> summary -> llm_conversation

* Every message is checked for risk first, in every state. On a hit: the crisis
  text plus a line saying they can keep yarning, state unchanged, no classification,
  no answer update, event ``risk_triggered`` {"phrase": ...}.
* welcome: the first message, whatever it is, gets the welcome and the first question.
* Each middle step classifies the message (event ``rule_based_used``
  {"intent", "step"} for every classified message):
    answer   -> saved (AnswerUpdate(step, text, attempts so far)), ``step_completed``
                {"step"}, a warm acknowledgement quoting their words + next question.
    skip     -> what they said is saved, ``step_completed`` {"step", "skipped": True},
                a gentle "no worries" + next question.
    help     -> an explanation and the question again; nothing saved, no attempt used.
    unclear / small_talk / greeting -> attempt + 1. First time: AnswerUpdate(step,
                None, 1) and a gentle re-ask. Second time: the yarn moves on keeping
                what was said (AnswerUpdate(step, text, 2)), ``step_completed``
                {"step", "moved_on": True}.
* After goals: state "summary", a summary quoting their own words, ``summary`` dict
  to save as summary_type 'complete', completed=True, event ``session_completed``.
* summary: a gentle closing reply (varies by turn); with ``llm_enabled`` the state
  moves to "llm_conversation" and the reply is the ``llm_handoff`` placeholder that
  the LLM layer replaces. In llm_conversation without ``llm_enabled`` (model switched
  off later) the state stays and the reply is a closing reply.
* ``session_started`` is emitted whenever ``session_is_new`` is true, whatever the
  message (even a risk hit), because the session exists from this turn on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.yarn.content import REPLY_SPECS, STEP_FIELDS, crisis_reply, reply, topic
from app.yarn.intent import STEPS, Classification, classify, is_none_answer
from app.yarn.risk import RiskMatch, detect_risk

__all__ = [
    "KEYS_USED",
    "STATES",
    "STEPS",
    "AnswerUpdate",
    "TurnOutcome",
    "YarnState",
    "take_turn",
]

STATES: tuple[str, ...] = ("welcome", *STEPS, "summary", "llm_conversation")
MAX_UNCLEAR_ATTEMPTS = 2  # after this many unclear answers the yarn moves on
ACK_QUOTE_LIMIT = 160  # characters of their words quoted in an acknowledgement
SUMMARY_QUOTE_LIMIT = 400  # ... and in each summary line (the summary dict keeps all)


@dataclass(frozen=True)
class YarnState:
    """Everything a turn needs, read from the database at the start of the turn."""

    state: str
    answers: Mapping[str, str | None] = field(default_factory=dict)  # step -> saved response
    attempts: Mapping[str, int] = field(default_factory=dict)  # step -> unclear attempt count
    completed: bool = False
    turn_count: int = 0  # user messages before this one (seeds the reply variants)


@dataclass(frozen=True)
class AnswerUpdate:
    step: str
    response: str | None
    attempt_count: int


@dataclass(frozen=True)
class TurnOutcome:
    reply: str
    new_state: str
    answer_updates: tuple[AnswerUpdate, ...]
    events: tuple[tuple[str, dict], ...]
    classification: Classification | None
    summary: dict | None
    completed: bool
    risk: RiskMatch | None


_SPACE_RE = re.compile(r"\s+")


def _quote(text: str, limit: int) -> str:
    """Their words on one line, shortened for quoting back."""
    flat = _SPACE_RE.sub(" ", text).strip()
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


def _join(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def _summary_text(answers: Mapping[str, str | None], seed: int) -> str:
    lines = []
    for step in STEPS:
        said = answers.get(step)
        name = topic(step)
        if not isinstance(said, str) or not said.strip():
            lines.append(reply("summary_line_skipped", seed, topic=name))
            continue
        intent = classify(said, step).intent
        if intent == "answer":
            key = "summary_line"
        elif intent == "skip":
            lines.append(reply("summary_line_skipped", seed, topic=name))
            continue
        else:
            key = "summary_line_unsure"
        lines.append(reply(key, seed, topic=name, said=_quote(said, SUMMARY_QUOTE_LIMIT)))
    return _join(reply("summary_intro", seed), "\n".join(lines), reply("summary_outro", seed))


def _advance(current: YarnState, step: str, lead: str, update: AnswerUpdate,
             events: list[tuple[str, dict]], classification: Classification) -> TurnOutcome:
    """Leave ``step`` (answered, skipped or moved on) for the next step or the summary."""
    seed = current.turn_count
    index = STEPS.index(step)
    if index + 1 < len(STEPS):
        nxt = STEPS[index + 1]
        return TurnOutcome(
            reply=_join(lead, reply(f"ask_{nxt}", seed)), new_state=nxt,
            answer_updates=(update,), events=tuple(events), classification=classification,
            summary=None, completed=False, risk=None)

    answers = {s: current.answers.get(s) for s in STEPS}
    answers[step] = update.response
    summary: dict = {s: (v if isinstance(v, str) else None) for s, v in answers.items()}
    summary["generated_at_turn"] = current.turn_count + 1
    newly_completed = not current.completed
    if newly_completed:
        events.append(("session_completed", {"turn": current.turn_count + 1}))
    return TurnOutcome(
        reply=_join(lead, _summary_text(answers, seed)), new_state="summary",
        answer_updates=(update,), events=tuple(events), classification=classification,
        summary=summary, completed=newly_completed, risk=None)


def _step_turn(current: YarnState, step: str, message: str,
               events: list[tuple[str, dict]]) -> TurnOutcome:
    seed = current.turn_count
    c = classify(message, step)
    events.append(("rule_based_used", {"intent": c.intent, "step": step}))
    said = message.strip()
    before = int(current.attempts.get(step, 0) or 0)

    if c.intent == "answer":
        events.append(("step_completed", {"step": step}))
        key = f"ack_{step}_none" if f"ack_{step}_none" in REPLY_SPECS and is_none_answer(said, step) \
            else f"ack_{step}"
        lead = reply(key, seed, **{STEP_FIELDS[step]: _quote(said, ACK_QUOTE_LIMIT)})
        return _advance(current, step, lead, AnswerUpdate(step, said, before), events, c)

    if c.intent == "skip":
        events.append(("step_completed", {"step": step, "skipped": True}))
        return _advance(current, step, reply("skip_ok", seed), AnswerUpdate(step, said, before), events, c)

    if c.intent == "help":
        return TurnOutcome(
            reply=_join(reply(f"help_{step}", seed), reply(f"ask_{step}", seed)), new_state=step,
            answer_updates=(), events=tuple(events), classification=c,
            summary=None, completed=False, risk=None)

    # unclear, small_talk, greeting
    attempts = before + 1
    if attempts >= MAX_UNCLEAR_ATTEMPTS:
        events.append(("step_completed", {"step": step, "moved_on": True}))
        return _advance(current, step, reply("move_on", seed), AnswerUpdate(step, said, attempts), events, c)
    prefix = ""
    if c.intent == "greeting":
        prefix = reply("reask_prefix_greeting", seed)
    elif c.intent == "small_talk":
        prefix = reply("reask_prefix_small_talk", seed)
    text = reply(f"reask_{step}", seed)
    return TurnOutcome(
        reply=f"{prefix} {text}" if prefix else text, new_state=step,
        answer_updates=(AnswerUpdate(step, None, attempts),), events=tuple(events),
        classification=c, summary=None, completed=False, risk=None)


def take_turn(current: YarnState, message: str, *, session_is_new: bool,
              llm_enabled: bool = False) -> TurnOutcome:
    """One chat turn. ``message`` is the young person's text (any Unicode);
    ``session_is_new`` is true on the turn that created the session."""
    if current.state not in STATES:
        raise ValueError(f"unknown yarn state {current.state!r}; expected one of {STATES}")
    if not isinstance(message, str):
        raise TypeError(f"message must be str, not {type(message).__name__}")
    seed = current.turn_count
    events: list[tuple[str, dict]] = []
    if session_is_new:
        events.append(("session_started", {}))

    risk = detect_risk(message)
    if risk is not None:
        events.append(("risk_triggered", {"phrase": risk.phrase}))
        return TurnOutcome(
            reply=_join(crisis_reply(), reply("crisis_continue", seed)), new_state=current.state,
            answer_updates=(), events=tuple(events), classification=None,
            summary=None, completed=False, risk=risk)

    if current.state == "welcome":
        return TurnOutcome(
            reply=_join(reply("welcome", seed), reply(f"ask_{STEPS[0]}", seed)), new_state=STEPS[0],
            answer_updates=(), events=tuple(events), classification=None,
            summary=None, completed=False, risk=None)

    if current.state in STEPS:
        return _step_turn(current, current.state, message, events)

    # summary / llm_conversation: the Stay Strong yarn is done
    if llm_enabled:
        return TurnOutcome(
            reply=reply("llm_handoff", seed), new_state="llm_conversation",
            answer_updates=(), events=tuple(events), classification=None,
            summary=None, completed=False, risk=None)
    return TurnOutcome(
        reply=reply("closing", seed), new_state=current.state,
        answer_updates=(), events=tuple(events), classification=None,
        summary=None, completed=False, risk=None)


def _keys_used() -> frozenset[str]:
    used = {"welcome", "closing", "llm_handoff", "crisis_continue", "move_on", "skip_ok",
            "reask_prefix_greeting", "reask_prefix_small_talk", "summary_intro", "summary_line",
            "summary_line_unsure", "summary_line_skipped", "summary_outro",
            "ack_support_people_none", "ack_worries_none"}
    for step in STEPS:
        used |= {f"ask_{step}", f"ack_{step}", f"reask_{step}", f"help_{step}"}
    return frozenset(used)


# Every reply key this module can ask for; each must be validated by content.load_content.
KEYS_USED: frozenset[str] = _keys_used()
if not KEYS_USED <= set(REPLY_SPECS):  # pragma: no cover - a programming error caught at import
    raise RuntimeError(f"flow uses reply keys content does not validate: {sorted(KEYS_USED - set(REPLY_SPECS))}")
