"""The yarn's state machine: one message in, one `TurnOutcome` out.

Pure: `take_turn` reads only the loaded `Yarn`, the message and its one risk
assessment (made by the caller before anything else), and returns what to say
and every row the turn writes (models/yarn.py). The caller saves it as it is.

    welcome -> support_people -> strengths -> worries -> goals -> summary -> llm_conversation

Safety first, in every state:
* A message assessed concern or crisis stops the normal flow: it gets its safety
  reply (app/yarn/safety.py), is recorded as a detection (with its one
  risk_triggered event), the yarn stays where it was. Nothing of it is quoted
  back, praised or saved as an answer.
* A reply that asks "are you safe right now?" leaves `safety_check` set; the next
  message is read as the answer: any risk, or anything but a clear "I'm safe"
  (app/yarn/checkin.py), gets the crisis reply; a clear "I'm safe" gets a gentle
  return to the yarn, without a word about what was said before.
* Acknowledgements that quote their words or praise them are only for answers
  assessed none and classified as a clear answer; the summary leaves out any
  saved answer the risk check would flag; a yarn that had a safety reply closes
  with the services, not only cheer.

The steps: each middle step classifies the message (event rule_based_used):
answer -> saved, step_completed, acknowledgement + next question; skip -> saved,
"no worries" + next; help -> explanation, question again; unclear / small talk /
greeting -> a gentle re-ask, and after two the yarn moves on keeping what was said.
After goals: the summary, completed, session_completed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from app.yarn import safety
from app.yarn.checkin import says_safe
from app.yarn.content import REPLY_SPECS, STEP_FIELDS, default_content, reply, topic
from app.yarn.intent import STEPS, Classification, classify, is_none_answer
from app.yarn.risk import Assessment
from models.yarn import AnswerUpdate, Detection, Event, Message, TurnOutcome, Yarn

__all__ = ["KEYS_USED", "STATES", "STEPS", "take_turn"]

STATES: tuple[str, ...] = ("welcome", *STEPS, "summary", "llm_conversation")
MAX_UNCLEAR_ATTEMPTS = 2  # after this many unclear answers the yarn moves on
ACK_QUOTE_LIMIT = 160  # characters of their words quoted in an acknowledgement
SUMMARY_QUOTE_LIMIT = 400  # ... and in each summary line (the summary dict keeps all)
CHECKIN_NOT_SAFE = "not safe at check-in"
_SPACE_RE = re.compile(r"\s+")


def _quote(text: str, limit: int) -> str:
    """Their words on one line, shortened for quoting back."""
    flat = _SPACE_RE.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _join(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


class _Turn:
    """What one turn is building (the outcome is made once, at the end)."""

    def __init__(self, yarn: Yarn, message: str, message_id: str | None) -> None:
        self.yarn = yarn
        self.message = message
        self.message_id = message_id
        self.seed = yarn.turn_count
        self.events: list[Event] = [Event("session_started", {})] if yarn.is_new else []

    def outcome(self, text: str, state: str, **fields: object) -> TurnOutcome:
        reply_id = None if self.message_id is None else f"{self.message_id}:reply"
        messages = (Message("user", self.message, self.message_id), Message("bot", text, reply_id))
        return TurnOutcome(reply=text, state=state, messages=messages, events=tuple(self.events),
                           **fields)  # type: ignore[arg-type]


def take_turn(yarn: Yarn, message: str, assessment: Assessment, *, message_id: str | None = None,
              llm_enabled: bool = False) -> TurnOutcome:
    """One chat turn. `assessment` is the message's risk assessment."""
    if yarn.state not in STATES:
        raise ValueError(f"unknown yarn state {yarn.state!r}; expected one of {STATES}")
    if not isinstance(message, str):
        raise TypeError(f"message must be str, not {type(message).__name__}")
    turn = _Turn(yarn, message, message_id)
    if yarn.safety_check is not None:
        return _checkin_answer(turn, assessment)
    if assessment.risky:
        return _safety_turn(turn, assessment)
    if yarn.state == "welcome":
        return turn.outcome(_join(reply("welcome", turn.seed), reply(f"ask_{STEPS[0]}", turn.seed)), STEPS[0])
    if yarn.state in STEPS:
        return _step_turn(turn, yarn.state)
    return _after_yarn(turn, llm_enabled)


def _detection(assessment: Assessment) -> Detection:
    return Detection(assessment.level or "crisis", assessment.category, assessment.trigger or "")


def _safety_turn(turn: _Turn, assessment: Assessment) -> TurnOutcome:
    kind = safety.reply_kind(assessment)
    return turn.outcome(
        safety.safety_reply(assessment, turn.seed), turn.yarn.state, detection=_detection(assessment),
        safety_check="checkin" if kind in safety.ASKS_IF_SAFE else None,
    )


def _checkin_answer(turn: _Turn, assessment: Assessment) -> TurnOutcome:
    """The message answers "are you safe right now?"."""
    if assessment.risky:
        crisis = Assessment("crisis", assessment.category, assessment.about, assessment.trigger)
        return turn.outcome(safety.safety_reply(crisis, turn.seed), turn.yarn.state, detection=_detection(crisis),
                            answers_check=True)
    if not says_safe(turn.message):
        not_safe = Assessment("crisis", "checkin_not_safe", "self", CHECKIN_NOT_SAFE)
        return turn.outcome(safety.safety_reply(not_safe, turn.seed), turn.yarn.state,
                            detection=_detection(not_safe), answers_check=True)
    state = turn.yarn.state
    if state == "welcome":
        text = _join(reply("welcome", turn.seed), reply(f"ask_{STEPS[0]}", turn.seed))
        return turn.outcome(text, STEPS[0], answers_check=True)
    if state in STEPS:
        return turn.outcome(_join(default_content().safety["checkin_safe"], reply(f"ask_{state}", turn.seed)),
                            state, answers_check=True)
    return turn.outcome(_join(default_content().safety["checkin_safe"], _closing(turn)), state, answers_check=True)


def _summary_text(answers: Mapping[str, str | None], seed: int, had_detection: bool) -> str:
    lines = []
    for step in STEPS:
        said = answers.get(step)
        name = topic(step)
        if not isinstance(said, str) or not said.strip() or safety.assess(said).risky:
            # Nothing said, or words the risk check flags: never reflected back.
            lines.append(reply("summary_line_skipped", seed, topic=name))
            continue
        intent = classify(said, step).intent
        if intent == "skip":
            lines.append(reply("summary_line_skipped", seed, topic=name))
            continue
        key = "summary_line" if intent == "answer" else "summary_line_unsure"
        lines.append(reply(key, seed, topic=name, said=_quote(said, SUMMARY_QUOTE_LIMIT)))
    outro = _join(reply("closing_support", seed), safety.support_lines()) if had_detection \
        else reply("summary_outro", seed)
    return _join(reply("summary_intro", seed), "\n".join(lines), outro)


def _advance(turn: _Turn, step: str, lead: str, update: AnswerUpdate, found: Classification) -> TurnOutcome:
    """Leave `step` (answered, skipped or moved on) for the next step or the summary."""
    yarn, seed = turn.yarn, turn.seed
    index = STEPS.index(step)
    if index + 1 < len(STEPS):
        nxt = STEPS[index + 1]
        return turn.outcome(_join(lead, reply(f"ask_{nxt}", seed)), nxt, answers=(update,),
                            classification=found, classified_state=step)
    answers: dict[str, str | None] = {s: yarn.answers.get(s) for s in STEPS}
    answers[step] = update.response
    summary: dict[str, object] = {s: (v if isinstance(v, str) else None) for s, v in answers.items()}
    summary["generated_at_turn"] = yarn.turn_count + 1
    if not yarn.completed:
        turn.events.append(Event("session_completed", {"turn": yarn.turn_count + 1}))
    return turn.outcome(_join(lead, _summary_text(answers, seed, yarn.had_detection)), "summary",
                        answers=(update,), classification=found, classified_state=step, summary=summary,
                        completed=not yarn.completed)


def _step_turn(turn: _Turn, step: str) -> TurnOutcome:
    seed, said = turn.seed, turn.message.strip()
    found = classify(turn.message, step)
    turn.events.append(Event("rule_based_used", {"intent": found.intent, "step": step}))
    before = int(turn.yarn.attempts.get(step, 0) or 0)
    if found.intent == "answer":
        turn.events.append(Event("step_completed", {"step": step}))
        none_key = f"ack_{step}_none"
        key = none_key if none_key in REPLY_SPECS and is_none_answer(said, step) else f"ack_{step}"
        lead = reply(key, seed, **{STEP_FIELDS[step]: _quote(said, ACK_QUOTE_LIMIT)})
        return _advance(turn, step, lead, AnswerUpdate(step, said, before), found)
    if found.intent == "skip":
        turn.events.append(Event("step_completed", {"step": step, "skipped": True}))
        return _advance(turn, step, reply("skip_ok", seed), AnswerUpdate(step, said, before), found)
    if found.intent == "help":
        return turn.outcome(_join(reply(f"help_{step}", seed), reply(f"ask_{step}", seed)), step,
                            classification=found, classified_state=step)
    attempts = before + 1  # unclear, small_talk, greeting
    if attempts >= MAX_UNCLEAR_ATTEMPTS:
        turn.events.append(Event("step_completed", {"step": step, "moved_on": True}))
        return _advance(turn, step, reply("move_on", seed), AnswerUpdate(step, said, attempts), found)
    prefix = {"greeting": "reask_prefix_greeting", "small_talk": "reask_prefix_small_talk"}.get(found.intent)
    text = reply(f"reask_{step}", seed)
    return turn.outcome(f"{reply(prefix, seed)} {text}" if prefix else text, step,
                        answers=(AnswerUpdate(step, None, attempts),), classification=found, classified_state=step)


def _closing(turn: _Turn) -> str:
    if turn.yarn.had_detection:
        return _join(reply("closing_support", turn.seed), safety.support_lines())
    return reply("closing", turn.seed)


def _after_yarn(turn: _Turn, llm_enabled: bool) -> TurnOutcome:
    """summary / llm_conversation: the Stay Strong yarn is done."""
    if llm_enabled:
        return turn.outcome(reply("llm_handoff", turn.seed), "llm_conversation")
    return turn.outcome(_closing(turn), turn.yarn.state)


def _keys_used() -> frozenset[str]:
    used = {"welcome", "closing", "closing_support", "llm_handoff", "crisis_continue", "move_on", "skip_ok",
            "reask_prefix_greeting", "reask_prefix_small_talk", "summary_intro", "summary_line",
            "summary_line_unsure", "summary_line_skipped", "summary_outro", "ack_support_people_none",
            "ack_worries_none", "fallback", "fallback_unsaved"}
    for step in STEPS:
        used |= {f"ask_{step}", f"ack_{step}", f"reask_{step}", f"help_{step}"}
    return frozenset(used)


# Every reply key the yarn can ask for; each must be validated by content.load_content.
KEYS_USED: frozenset[str] = _keys_used()
if not KEYS_USED <= set(REPLY_SPECS):  # pragma: no cover - a programming error caught at import
    raise RuntimeError(f"flow uses reply keys content does not validate: {sorted(KEYS_USED - set(REPLY_SPECS))}")
