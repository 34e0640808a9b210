"""The yarn's state machine, driven turn by turn the way the chat service drives it:
read a Yarn, assess the message, call take_turn, apply the outcome, repeat.

Safety runs through every test here: a risky message stops the normal flow, keeps
the state, is never quoted, praised or saved, and a check-in's answer is read on
the next turn (see app/yarn/flow.py's docstring)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.yarn import content, flow, safety
from app.yarn.content import STEP_FIELDS
from app.yarn.flow import STATES, STEPS, take_turn
from app.yarn.resources import CRISIS_RESOURCES
from models.yarn import SAFETY_CHECKS, AnswerUpdate, Detection, Event, Message, TurnOutcome, Yarn

EVENT_TYPES = {"session_started", "step_completed", "session_completed", "rule_based_used", "risk_triggered"}
PLACEHOLDER_RE = re.compile(r"\{[a-z_]*\}")
CLINICAL_WORDS = ("diagnos", "disorder", "depression", "medication", "symptom", "treatment", "therapy")
SID = "session-1"


def variants(key: str) -> tuple[str, ...]:
    return content.default_content().variants(key)


def turn(yarn: Yarn, message: str, **kwargs: Any) -> TurnOutcome:
    """One turn as the service runs it: the risk check first, then the flow."""
    out = take_turn(yarn, message, safety.assess(message), **kwargs)
    check_outcome(out, yarn, message)
    return out


def check_outcome(out: TurnOutcome, yarn: Yarn, message: str = "") -> None:
    """Invariants every outcome keeps, whatever the state or message."""
    assert isinstance(out.reply, str) and out.reply.strip()
    ours = out.reply.replace(message.strip(), "") if message.strip() else out.reply
    assert not PLACEHOLDER_RE.search(ours), out.reply  # no unfilled placeholder
    assert out.state in STATES
    assert [m.role for m in out.messages] == ["user", "bot"]
    assert out.user_message == message and out.messages[1].text == out.reply
    for event in out.events:
        assert event.kind in EVENT_TYPES
        json.dumps(event.data)  # analytics data must be JSON
    rule_events = [e.data for e in out.events if e.kind == "rule_based_used"]
    if out.classification is None:
        assert not rule_events and out.classified_state is None
    else:
        assert rule_events == [{"intent": out.classification.intent, "step": out.classified_state}]
    assert out.safety_check is None or out.safety_check in SAFETY_CHECKS
    if out.safety_check is not None:
        assert out.detection is not None  # only a safety reply asks "are you safe?"
    if out.detection is not None:
        check_safety_outcome(out, yarn, message)
    if out.summary is not None:
        json.dumps(out.summary)
        assert all(v is None or isinstance(v, (str, int)) for v in out.summary.values())


def check_safety_outcome(out: TurnOutcome, yarn: Yarn, message: str) -> None:
    """A safety reply: the yarn stays put, nothing is saved, nothing is quoted back."""
    assert out.state == yarn.state
    assert out.classification is None and out.answers == ()
    assert out.summary is None and not out.completed
    assert not {e.kind for e in out.events} & {"step_completed", "session_completed", "rule_based_used"}
    assert out.detection is not None and out.detection.level in ("concern", "crisis")
    if len(message.strip()) >= 4:
        assert message.strip().lower() not in out.reply.lower()
    json.dumps(out.detection.event().data)


class FakeSession:
    """Stands in for the database: applies outcomes like the unit of work does
    (answers, events, state, safety_check; a detection marks the yarn)."""

    def __init__(self, session_id: str = SID) -> None:
        self.session_id = session_id
        self.state = "welcome"
        self.responses: dict[str, str | None] = {}
        self.attempts: dict[str, int] = {}
        self.completed = False
        self.turns = 0
        self.safety_check: str | None = None
        self.had_detection = False
        self.events: list[Event] = []
        self.detections: list[Detection] = []
        self.summaries: list[dict[str, Any]] = []
        self.outcomes: list[TurnOutcome] = []

    def read(self) -> Yarn:
        answers = {k: v for k, v in self.responses.items() if v}  # get_user_responses: non-empty
        return Yarn(self.session_id, self.state, answers, dict(self.attempts), self.completed, self.turns,
                    self.safety_check, self.had_detection)

    def say(self, message: str, *, llm_enabled: bool = False, message_id: str | None = None) -> TurnOutcome:
        out = turn(self.read(), message, llm_enabled=llm_enabled, message_id=message_id)
        self._apply(out)
        return out

    def _apply(self, out: TurnOutcome) -> None:
        for update in out.answers:
            self.responses[update.step] = update.response
            self.attempts[update.step] = update.attempt_count
        self.events.extend(out.events)
        if out.detection is not None:  # the repository writes its risk_triggered event
            self.detections.append(out.detection)
            self.events.append(out.detection.event())
            self.had_detection = True
        if out.summary is not None:
            self.summaries.append(dict(out.summary))
        self.completed = self.completed or out.completed
        self.state = out.state
        self.safety_check = out.safety_check
        self.turns += 1
        self.outcomes.append(out)


def kinds(events: tuple[Event, ...] | list[Event]) -> list[str]:
    return [e.kind for e in events]


def resources_shown(text: str) -> bool:
    return all(r.name in text and r.number in text for r in CRISIS_RESOURCES)


ANSWERS = {
    "support_people": "my nan and Uncle Dave",
    "strengths": "painting and making my cousins laugh",
    "worries": "fighting with my brother",
    "goals": "finish year 12 and become a ranger",
}


def _finished_session() -> FakeSession:
    s = FakeSession()
    for msg in ["hi", *ANSWERS.values()]:
        s.say(msg)
    assert s.state == "summary"
    return s


# ---- the ordinary yarn -----------------------------------------------------------


def test_full_yarn_from_welcome_to_summary() -> None:
    s = FakeSession()
    out = s.say("hi")
    assert out.state == "support_people"
    assert kinds(out.events) == ["session_started"]
    assert out.classification is None and out.answers == ()
    assert out.reply == content.reply("welcome", 0) + "\n\n" + content.reply("ask_support_people", 0)

    for i, step in enumerate(STEPS):
        out = s.say(ANSWERS[step])
        assert out.classification is not None and out.classification.intent == "answer"
        assert out.classified_state == step
        assert out.answers == (AnswerUpdate(step, ANSWERS[step], 0),)
        assert Event("step_completed", {"step": step}) in out.events
        assert Event("rule_based_used", {"intent": "answer", "step": step}) in out.events
        assert f"“{ANSWERS[step]}”" in out.reply  # the acknowledgement reflects their words
        assert out.detection is None and out.safety_check is None
        if i + 1 < len(STEPS):
            assert out.state == STEPS[i + 1]
            assert not out.completed and out.summary is None
            assert any(q in out.reply for q in variants(f"ask_{STEPS[i + 1]}"))

    assert out.state == "summary" and out.completed is True
    assert "session_completed" in kinds(out.events)
    assert out.summary == {**ANSWERS, "generated_at_turn": 5}
    for step, said in ANSWERS.items():
        assert said in out.reply and content.topic(step) in out.reply
    assert any(v in out.reply for v in variants("summary_outro"))  # no detection: plain cheer
    assert s.completed and not s.had_detection
    assert kinds(s.events).count("session_started") == 1
    assert kinds(s.events).count("step_completed") == 4
    assert kinds(s.events).count("rule_based_used") == 4


def test_unclear_twice_moves_on_keeping_what_was_said() -> None:
    s = FakeSession()
    s.say("hello")
    first = s.say("idk")
    assert first.state == "support_people"
    assert first.answers == (AnswerUpdate("support_people", None, 1),)
    assert "step_completed" not in kinds(first.events)
    assert first.reply in variants("reask_support_people")

    second = s.say("dunno really")
    assert second.state == "strengths"
    assert second.answers == (AnswerUpdate("support_people", "dunno really", 2),)
    assert Event("step_completed", {"step": "support_people", "moved_on": True}) in second.events
    assert any(v in second.reply for v in variants("move_on"))
    assert s.responses["support_people"] == "dunno really" and s.attempts["support_people"] == 2

    s.say("um")  # an answer after one unclear attempt keeps the attempt count
    out = s.say("I'm good at footy")
    assert out.answers == (AnswerUpdate("strengths", "I'm good at footy", 1),)

    s.say("school")
    s.say("get my licence")
    assert s.state == "summary"
    assert s.summaries[-1]["support_people"] == "dunno really"
    assert "dunno really" in s.outcomes[-1].reply  # kept and reflected, as "not sure yet"


def test_greeting_or_small_talk_count_as_unclear_and_reasks_vary() -> None:
    s = FakeSession()
    s.say("hi")
    out = s.say("hey!")
    assert out.classification is not None and out.classification.intent == "greeting"
    assert out.answers == (AnswerUpdate("support_people", None, 1),)
    assert any(p in out.reply for p in variants("reask_prefix_greeting"))
    out = s.say("lol")
    assert out.state == "strengths"  # the second not-an-answer moves on
    assert Event("step_completed", {"step": "support_people", "moved_on": True}) in out.events

    replies = {turn(Yarn(SID, "goals", turn_count=n), "idk").reply for n in (1, 2, 3)}
    assert len(replies) == 3  # the re-ask differs between turns


def test_skip_moves_on_gently_keeping_what_they_said() -> None:
    s = FakeSession()
    s.say("hi")
    s.say("mum")
    out = s.say("skip")
    assert out.state == "worries"
    assert out.answers == (AnswerUpdate("strengths", "skip", 0),)
    assert Event("step_completed", {"step": "strengths", "skipped": True}) in out.events
    assert any(v in out.reply for v in variants("skip_ok"))
    s.say("nothing")  # "nothing" is an answer for worries
    s.say("no thanks")
    assert s.state == "summary"
    assert s.summaries[-1]["strengths"] == "skip"
    final = s.outcomes[-1].reply
    for step in ("strengths", "goals"):
        assert content.reply("summary_line_skipped", s.turns - 1, topic=content.topic(step)) in final


def test_help_explains_without_using_an_attempt() -> None:
    s = FakeSession()
    s.say("hi")
    out = s.say("what do you mean?")
    assert out.state == "support_people" and out.answers == ()
    assert out.classification is not None and out.classification.intent == "help"
    assert any(v in out.reply for v in variants("help_support_people"))
    assert any(v in out.reply for v in variants("ask_support_people"))
    out = s.say("idk")
    assert out.answers == (AnswerUpdate("support_people", None, 1),)  # the first attempt


def test_none_answers_get_the_gentle_acknowledgement() -> None:
    out = turn(Yarn(SID, "support_people", turn_count=1), "no one")
    assert out.state == "strengths"
    assert out.answers == (AnswerUpdate("support_people", "no one", 0),)
    assert out.reply.startswith(content.reply("ack_support_people_none", 1, people="no one"))
    out = turn(Yarn(SID, "worries", turn_count=2), "nah all good")
    assert out.reply.startswith(content.reply("ack_worries_none", 2, worries="nah all good"))


def test_session_started_only_when_new() -> None:
    assert kinds(turn(Yarn(SID, "welcome", turn_count=0), "hi").events) == ["session_started"]
    assert kinds(turn(Yarn(SID, "welcome", turn_count=1), "hi").events) == []
    assert "session_started" not in kinds(turn(Yarn(SID, "strengths", turn_count=4), "footy").events)


# ---- summary and after ------------------------------------------------------------


def test_summary_dict_and_reply_from_saved_answers() -> None:
    yarn = Yarn(SID, "goals", {"support_people": "my mum", "strengths": "netball", "worries": "skip"},
                {"worries": 0}, turn_count=9)
    out = turn(yarn, "get a job at the store")
    assert out.summary == {"support_people": "my mum", "strengths": "netball", "worries": "skip",
                           "goals": "get a job at the store", "generated_at_turn": 10}
    assert "my mum" in out.reply and "netball" in out.reply and "get a job at the store" in out.reply
    assert content.reply("summary_line_skipped", 9, topic=content.topic("worries")) in out.reply
    assert out.events[-1] == Event("session_completed", {"turn": 10})


def test_missing_answers_show_as_skipped_and_are_none_in_the_summary() -> None:
    out = turn(Yarn(SID, "goals", turn_count=4), "be a nurse")
    assert out.summary == {"support_people": None, "strengths": None, "worries": None,
                           "goals": "be a nurse", "generated_at_turn": 5}
    for step in STEPS[:3]:
        assert content.reply("summary_line_skipped", 4, topic=content.topic(step)) in out.reply


def test_already_completed_session_is_not_completed_twice() -> None:
    out = turn(Yarn(SID, "goals", completed=True, turn_count=4), "be a nurse")
    assert out.state == "summary" and out.summary is not None
    assert out.completed is False
    assert "session_completed" not in kinds(out.events)


@pytest.mark.parametrize("had_detection", [False, True])
def test_summary_leaves_out_a_risky_saved_answer(had_detection: bool) -> None:
    """An answer saved earlier that the risk check flags is never reflected back."""
    risky = "honestly I just wanna die"
    assert safety.assess(risky).risky
    yarn = Yarn(SID, "goals", {"support_people": "my nan", "strengths": "footy", "worries": risky},
                turn_count=9, had_detection=had_detection)
    out = turn(yarn, "be a ranger")
    assert out.state == "summary"
    assert "wanna die" not in out.reply and "want to die" not in out.reply
    assert content.reply("summary_line_skipped", 9, topic=content.topic("worries")) in out.reply
    assert "my nan" in out.reply and "footy" in out.reply and "be a ranger" in out.reply


def test_closing_replies_after_summary_vary_and_stay_in_summary() -> None:
    s = _finished_session()
    seen = []
    for msg in ["thanks", "what now?", "bye", "hello?"]:
        out = s.say(msg)
        assert out.state == "summary" and out.reply in variants("closing")
        assert out.classification is None and out.answers == () and out.summary is None
        assert not out.completed and out.events == ()
        seen.append(out.reply)
    assert len(set(seen)) >= 3
    assert all(a != b for a, b in zip(seen, seen[1:]))  # never the same twice in a row


def test_a_yarn_that_had_a_safety_reply_closes_with_the_services() -> None:
    s = FakeSession()
    s.say("hi")
    s.say("my aunty")
    assert s.say("honestly I just wanna die").detection is not None
    for msg in list(ANSWERS.values())[1:]:
        s.say(msg)
    summary = s.outcomes[-1]
    assert summary.state == "summary" and s.had_detection
    assert safety.support_lines() in summary.reply
    assert not any(v in summary.reply for v in variants("summary_outro"))
    out = s.say("thanks")
    assert out.reply == content.reply("closing_support", s.turns - 1) + "\n\n" + safety.support_lines()
    assert out.reply not in variants("closing") and resources_shown(out.reply)


def test_llm_enabled_moves_summary_to_llm_conversation() -> None:
    s = _finished_session()
    out = s.say("can we keep talking?", llm_enabled=True)
    assert out.state == "llm_conversation" and out.reply in variants("llm_handoff")
    out = s.say("yeah about footy", llm_enabled=True)
    assert out.state == "llm_conversation" and out.reply in variants("llm_handoff")
    out = s.say("hello?", llm_enabled=False)  # the model switched off later: stay put, answer kindly
    assert out.state == "llm_conversation" and out.reply in variants("closing")


def test_llm_enabled_does_not_skip_the_steps() -> None:
    assert turn(Yarn(SID, "worries", turn_count=3), "school", llm_enabled=True).state == "goals"


# ---- safety first -------------------------------------------------------------------


def test_crisis_mid_step_keeps_state_and_the_yarn_continues() -> None:
    s = FakeSession()
    s.say("hi")
    s.say("my aunty")
    message = "honestly I just wanna die"
    assessment = safety.assess(message)
    out = s.say(message)
    assert out.detection == Detection("crisis", assessment.category, assessment.trigger or "")
    assert out.safety == "crisis"
    assert out.state == "strengths" and out.safety_check is None  # the crisis reply asks nothing
    assert out.events == ()  # its risk_triggered event is the detection's
    assert s.events[-1] == out.detection.event()
    assert out.reply == safety.crisis_text() + "\n\n" + content.reply("crisis_continue", 2)
    assert resources_shown(out.reply)
    assert s.attempts.get("strengths", 0) == 0 and "strengths" not in s.responses

    nxt = s.say("I'm a good listener")
    assert nxt.detection is None and nxt.state == "worries"
    assert nxt.answers == (AnswerUpdate("strengths", "I'm a good listener", 0),)


@pytest.mark.parametrize("message", ["kms", "i want to kill myself tonight", "I took a heap of pills"])
@pytest.mark.parametrize("state", STATES)
def test_crisis_runs_first_in_every_state(state: str, message: str) -> None:
    yarn = Yarn(SID, state, completed=state in ("summary", "llm_conversation"), turn_count=3)
    out = turn(yarn, message, llm_enabled=True)
    assert out.detection is not None and out.detection.level == "crisis"
    assert out.state == state and out.events == ()
    assert safety.crisis_text() in out.reply


@pytest.mark.parametrize("state", STATES)
def test_a_risky_answer_to_a_checkin_gets_the_crisis_reply_in_every_state(state: str) -> None:
    yarn = Yarn(SID, state, turn_count=3, safety_check="checkin", had_detection=True)
    out = turn(yarn, "yeah but I want to die")
    assert out.detection is not None and out.detection.level == "crisis"
    assert out.state == state and out.safety_check is None
    assert safety.crisis_text() in out.reply


def test_crisis_on_the_very_first_message() -> None:
    s = FakeSession()
    out = s.say("I want to kill myself")
    assert out.state == "welcome" and out.detection is not None
    assert kinds(s.events) == ["session_started", "risk_triggered"]
    out = s.say("ok")
    assert out.state == "support_people"  # then the yarn starts as usual
    assert "session_started" not in kinds(out.events)


def _ack_fragments() -> set[str]:
    """The fixed words of every acknowledgement (the parts around the placeholder)."""
    keys = [f"ack_{step}" for step in STEPS] + ["ack_support_people_none", "ack_worries_none"]
    fragments: set[str] = set()
    for key in keys:
        for text in variants(key):
            for part in re.split(r"“?\{[a-z_]+\}”?", text):
                if len(part.strip(" .:,")) >= 8:
                    fragments.add(part.strip())
    return fragments


RISKY_MESSAGES = [
    "honestly I just wanna die", "I feel like a burden", "my cousin said she wants to die",
    "my dad hits me", "i'm being bullied at school", "I took a heap of pills", "i want to kill myself tonight",
]


@pytest.mark.parametrize("message", RISKY_MESSAGES)
@pytest.mark.parametrize("state", STEPS)
def test_a_risky_message_is_never_quoted_praised_or_saved(state: str, message: str) -> None:
    out = turn(Yarn(SID, state, turn_count=2), message)
    assert out.detection is not None and out.answers == ()
    assert message.lower() not in out.reply.lower()
    trigger = out.detection.trigger_phrase
    assert trigger and trigger.lower() not in out.reply.lower()
    assert "“" not in out.reply  # nothing quoted
    for fragment in _ack_fragments():
        assert fragment not in out.reply, fragment
    for praise in ("Deadly", "Good on you", "Love that", "Love it", "proud"):
        assert praise not in out.reply


def test_checkin_answered_safe_returns_gently_to_the_same_step() -> None:
    s = FakeSession()
    s.say("hi")
    s.say("my aunty")
    message = "I feel like a burden"
    out = s.say(message)
    assert out.detection is not None and out.detection.level == "concern"
    assert out.state == "strengths" and out.safety_check == "checkin"
    assert out.reply == safety.safety_reply(safety.assess(message), 2)
    assert "are you safe right now?" in out.reply.lower() and resources_shown(out.reply)

    back = s.say("yeah I'm safe")
    assert back.detection is None and back.safety_check is None
    assert back.state == "strengths" and back.answers == () and back.classification is None
    assert back.reply == content.default_content().safety["checkin_safe"] + "\n\n" + content.reply("ask_strengths", 3)
    assert "burden" not in back.reply  # not a word about what was said before

    nxt = s.say("I'm a good listener")
    assert nxt.state == "worries"
    assert nxt.answers == (AnswerUpdate("strengths", "I'm a good listener", 0),)


def test_checkin_answered_safe_after_the_yarn_closes_with_the_services() -> None:
    out = turn(Yarn(SID, "summary", completed=True, turn_count=8, safety_check="checkin", had_detection=True),
               "yep im safe")
    assert out.detection is None and out.state == "summary" and out.safety_check is None
    assert out.reply.startswith(content.default_content().safety["checkin_safe"])
    assert safety.support_lines() in out.reply


NOT_SAFE_ANSWERS = ["no", "nah", "yeah nah", "idk", "dunno", "not really", "i guess", "whatever", "maybe",
                    "yeah right", "k", "ok", ".", "...", "…", "?", "   "]


@pytest.mark.parametrize("answer", NOT_SAFE_ANSWERS)
def test_checkin_answered_anything_but_a_clear_yes_gets_the_crisis_reply(answer: str) -> None:
    yarn = Yarn(SID, "worries", {"support_people": "mum"}, turn_count=4, safety_check="checkin", had_detection=True)
    out = turn(yarn, answer)
    assert out.detection is not None and out.detection.level == "crisis"
    assert out.detection.trigger_phrase == flow.CHECKIN_NOT_SAFE
    assert out.state == "worries" and out.safety_check is None and out.answers == ()
    assert safety.crisis_text() in out.reply and resources_shown(out.reply)


def test_messages_carry_their_id_and_the_reply_id() -> None:
    s = FakeSession()
    out = s.say("hi", message_id="m-1")
    assert out.messages == (Message("user", "hi", "m-1"), Message("bot", out.reply, "m-1:reply"))
    risky = s.say("kms", message_id="m-2")
    assert risky.messages == (Message("user", "kms", "m-2"), Message("bot", risky.reply, "m-2:reply"))
    plain = s.say("my nan")
    assert [m.message_id for m in plain.messages] == [None, None]


# ---- robustness and purity ------------------------------------------------------------


def test_long_and_strange_messages() -> None:
    long = ("we go fishing on Country with my pop " * 30)[:1000]
    out = turn(Yarn(SID, "strengths", turn_count=2), long)
    assert out.answers[0].response == long.strip()  # saved in full
    assert "…" in out.reply  # quoted shortened
    for text in ["🔥🔥🔥", "{people}", "{0}", "%s", "<script>alert(1)</script>", "\u202e\u200b", "名字"]:
        turn(Yarn(SID, "support_people", turn_count=1), text)
    braces = turn(Yarn(SID, "support_people", turn_count=1), "my {people} crew")
    assert "“my {people} crew”" in braces.reply  # their text is not re-formatted


def test_unknown_state_and_bad_message_are_rejected() -> None:
    with pytest.raises(ValueError):
        take_turn(Yarn(SID, "nowhere"), "hi", safety.assess("hi"))
    with pytest.raises(TypeError):
        take_turn(Yarn(SID, "welcome"), None, safety.assess(None))  # type: ignore[arg-type]


def test_outcomes_are_immutable_and_the_yarn_is_not_mutated() -> None:
    answers = {"support_people": "mum"}
    attempts = {"strengths": 1}
    yarn = Yarn(SID, "strengths", answers, attempts, turn_count=3)
    out = turn(yarn, "idk")
    assert answers == {"support_people": "mum"} and attempts == {"strengths": 1}
    with pytest.raises(dataclasses.FrozenInstanceError):
        out.reply = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        yarn.state = "goals"  # type: ignore[misc]


def test_contract_shapes() -> None:
    assert flow.STEPS == ("support_people", "strengths", "worries", "goals")
    assert STATES == ("welcome", "support_people", "strengths", "worries", "goals", "summary", "llm_conversation")
    assert set(STEP_FIELDS) == set(STEPS)
    assert [f.name for f in dataclasses.fields(Yarn)] == [
        "session_id", "state", "answers", "attempts", "completed", "turn_count", "safety_check",
        "had_detection", "replayed_reply"]
    assert [f.name for f in dataclasses.fields(TurnOutcome)] == [
        "reply", "state", "messages", "answers", "events", "classification", "classified_state", "summary",
        "completed", "detection", "safety_check", "answers_check", "at"]
    assert Yarn(SID).is_new and not Yarn(SID, turn_count=1).is_new


def test_flow_keeps_no_module_state() -> None:
    source = Path(flow.__file__).read_text(encoding="utf-8")
    assert "global " not in source
    before = {k: v for k, v in vars(flow).items() if not k.startswith("__")}
    turn(Yarn(SID, "support_people", turn_count=0), "mum")
    turn(Yarn(SID, "strengths", turn_count=2), "kms")
    after = {k: v for k, v in vars(flow).items() if not k.startswith("__")}
    assert before.keys() == after.keys() and all(before[k] is after[k] for k in before)


def test_no_clinical_words_reach_the_young_person() -> None:
    s = _finished_session()
    replies = [o.reply for o in s.outcomes]
    replies += [turn(Yarn(SID, "strengths", turn_count=2), m).reply for m in RISKY_MESSAGES]
    text = " ".join(replies).lower()
    for word in CLINICAL_WORDS:
        assert word not in text
