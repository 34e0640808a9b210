"""Safety replies: every kind carries every service exactly, is warm and plain,
never quotes the message, and asks "are you safe right now?" exactly when the
flow waits for that answer. The services are the ones the legacy system shows
(/work/shared/legacy/README.md section 3), plus 1800RESPECT on violence replies."""

from __future__ import annotations

import re
import string
from typing import get_args

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.yarn import content, safety
from app.yarn.flow import STATES, take_turn
from app.yarn.resources import CRISIS_RESOURCES, EXACT_NUMBERS, VIOLENCE_RESOURCE, as_json, resource_lines
from app.yarn.risk import Assessment
from app.yarn.safety import ASKS_IF_SAFE, ReplyKind
from models.yarn import Yarn

KINDS: tuple[ReplyKind, ...] = get_args(ReplyKind)
CLINICAL_WORDS = ("diagnos", "disorder", "depression", "medication", "symptom", "treatment", "therapy")
# Words about the machinery: a young person is told they matter, not that they were "flagged".
SYSTEM_WORDS = ("detected", "flagged", "trigger", "classif", "assessment", "algorithm", "error", "risk level")
ASKS = "are you safe right now?"
DIGIT_RUN_RE = re.compile(r"(?<![A-Za-z0-9])\d+(?: \d+)*(?![A-Za-z0-9])")  # not "1800RESPECT"
LEGACY = [("13YARN", "13 92 76"), ("Lifeline", "13 11 14"), ("Kids Helpline", "1800 55 1800"), ("Emergency", "000")]
EXAMPLE: dict[ReplyKind, str] = {
    "crisis": "kms", "checkin": "I feel like a burden", "abuse": "my dad hits me",
    "other_crisis": "my friend took pills right now", "other_concern": "my cousin said she wants to die",
    "bullying": "i'm being bullied at school", "sextortion": "he said he'll share my nudes if i dont send more",
}


def services(kind: ReplyKind) -> tuple:
    return safety.resources_for(kind)


def test_the_crisis_services_are_the_legacy_ones_exactly() -> None:
    assert [(r.name, r.number) for r in CRISIS_RESOURCES] == LEGACY
    assert (VIOLENCE_RESOURCE.name, VIOLENCE_RESOURCE.number) == ("1800RESPECT", "1800 737 732")
    assert EXACT_NUMBERS == {"13 92 76", "13 11 14", "1800 55 1800", "000", "1800 737 732"}
    assert "Aboriginal and Torres Strait Islander" in CRISIS_RESOURCES[0].note
    for r in (*CRISIS_RESOURCES, VIOLENCE_RESOURCE):
        assert r.tel == "tel:" + r.number.replace(" ", "")
        assert r.source.startswith("https://")


def test_violence_replies_add_1800respect_and_keep_every_crisis_service() -> None:
    for kind in ("abuse", "sextortion"):
        assert VIOLENCE_RESOURCE in services(kind)
        assert set(CRISIS_RESOURCES) <= set(services(kind))
    for kind in set(KINDS) - {"abuse", "sextortion"}:
        assert services(kind) == CRISIS_RESOURCES


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_carries_every_service_name_and_exact_number(kind: ReplyKind) -> None:
    text = safety.kind_text(kind)
    for line in resource_lines(services(kind)):
        assert line in text
    for r in services(kind):
        assert r.name in text and r.number in text
    for run in DIGIT_RUN_RE.findall(text):  # any phone-like number is one of the exact ones, as written
        if len(run.replace(" ", "")) >= 3:
            assert run in EXACT_NUMBERS, run


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_warm_plain_english(kind: ReplyKind) -> None:
    text = safety.kind_text(kind)
    lower = text.lower()
    assert " you" in lower or lower.startswith("you")  # speaks to them
    assert set(text) - set(string.printable) <= {"•", "’", "…"}  # plain text, no symbols or emoji
    for word in CLINICAL_WORDS + SYSTEM_WORDS:
        assert word not in lower, word
    assert "“" not in text and "{" not in text  # nothing quoted, no placeholder


@pytest.mark.parametrize("kind", KINDS)
def test_a_reply_asks_if_they_are_safe_exactly_when_the_flow_waits_for_the_answer(kind: ReplyKind) -> None:
    assert (ASKS in safety.kind_text(kind).lower()) == (kind in ASKS_IF_SAFE)


@pytest.mark.parametrize("kind", KINDS)
def test_example_messages_get_their_kind(kind: ReplyKind) -> None:
    assert safety.reply_kind(safety.assess(EXAMPLE[kind])) == kind


def test_reply_kind_from_the_assessment() -> None:
    assert safety.reply_kind(Assessment("crisis", "suicidal_intent")) == "crisis"
    assert safety.reply_kind(Assessment("concern", "burden")) == "checkin"
    assert safety.reply_kind(Assessment("concern", "abuse_or_unsafe")) == "abuse"
    assert safety.reply_kind(Assessment("crisis", "abuse_or_unsafe")) == "abuse"
    assert safety.reply_kind(Assessment("concern", "sextortion")) == "sextortion"
    assert safety.reply_kind(Assessment("concern", "bullying_or_threats")) == "bullying"
    assert safety.reply_kind(Assessment("crisis", "someone_else_now", "other")) == "other_crisis"
    assert safety.reply_kind(Assessment("concern", "someone_else_concern", "other")) == "other_concern"


@pytest.mark.parametrize("seed", range(4))
def test_the_crisis_reply_is_the_crisis_text_then_an_offer_to_keep_yarning(seed: int) -> None:
    text = safety.safety_reply(Assessment("crisis", "suicidal_intent"), seed)
    assert text == safety.crisis_text() + "\n\n" + content.reply("crisis_continue", seed)


@pytest.mark.parametrize("kind", KINDS)
def test_safety_reply_never_contains_the_message(kind: ReplyKind) -> None:
    message = EXAMPLE[kind]
    found = safety.assess(message)
    for seed in range(3):
        text = safety.safety_reply(found, seed)
        assert message.lower() not in text.lower()
        assert (found.trigger or "").lower() not in text.lower()


@pytest.mark.parametrize("kind", KINDS)
def test_resources_json_shapes(kind: ReplyKind) -> None:
    body = safety.resources_json(safety.assess(EXAMPLE[kind]))
    assert body == as_json(services(kind))
    for item in body:
        assert set(item) == {"name", "number", "tel", "note"}
        assert all(isinstance(v, str) and v for v in item.values())
        assert item["number"] in EXACT_NUMBERS
        assert item["tel"] == "tel:" + item["number"].replace(" ", "")
    assert {i["name"] for i in body} >= {"13YARN", "Lifeline", "Kids Helpline", "Emergency"}


def test_support_lines_list_every_crisis_service() -> None:
    assert safety.support_lines().splitlines() == resource_lines(CRISIS_RESOURCES)


RISKY_FRAGMENTS = ["kms", "i want to die", "kill myself", "I took a heap of pills", "i feel like a burden",
                   "my dad hits me", "my cousin said she wants to die", "i'm being bullied", "self harming",
                   "i just want to end it", "im gonna top myself", "I don't want to be here anymore"]
WORDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)


@given(
    before=WORDS, fragment=st.sampled_from(RISKY_FRAGMENTS), after=WORDS, state=st.sampled_from(STATES),
    turns=st.integers(0, 40), safety_check=st.sampled_from([None, "checkin"]), had_detection=st.booleans(),
)
def test_a_flagged_message_is_never_echoed_nor_saved(before: str, fragment: str, after: str, state: str,
                                                     turns: int, safety_check: str | None,
                                                     had_detection: bool) -> None:
    message = f"{before} {fragment} {after}"
    assessment = safety.assess(message)
    assume(assessment.risky)
    yarn = Yarn("s", state, {"support_people": "mum"}, turn_count=turns, safety_check=safety_check,
                had_detection=had_detection)
    out = take_turn(yarn, message, assessment)
    assert out.answers == () and out.detection is not None and out.state == state
    if len(message.strip()) >= 4:
        assert message.strip() not in out.reply
