"""Rule-based intent classifier: tables of messages per step."""

from __future__ import annotations

import pytest

from app.yarn.intent import INTENTS, STEPS, Classification, classify, is_none_answer

# Messages that mean the same thing whatever the step.
COMMON = [
    ("", "unclear"),
    ("   ", "unclear"),
    ("?", "unclear"),
    ("???", "unclear"),
    ("👍", "unclear"),
    ("🙂🙂", "unclear"),
    ("idk", "unclear"),
    ("IDK", "unclear"),
    ("dunno", "unclear"),
    ("um", "unclear"),
    ("ummmm", "unclear"),
    ("hmm", "unclear"),
    ("i don't know", "unclear"),
    ("not sure", "unclear"),
    ("maybe", "unclear"),
    ("asdf", "unclear"),
    ("sdfghjkl", "unclear"),
    ("qwerty", "unclear"),
    ("x", "unclear"),
    ("hi", "greeting"),
    ("Hello!", "greeting"),
    ("heyyyy", "greeting"),
    ("g'day", "greeting"),
    ("good morning sis", "greeting"),
    ("hey there", "greeting"),
    ("yo bro", "greeting"),
    ("lol", "small_talk"),
    ("ok", "small_talk"),
    ("how are you?", "small_talk"),
    ("how ya going", "small_talk"),
    ("are you a bot", "small_talk"),
    ("thanks", "small_talk"),
    ("yeah", "small_talk"),
    ("lol ok", "small_talk"),
    ("skip", "skip"),
    ("Skip please", "skip"),
    ("pass", "skip"),
    ("next", "skip"),
    ("can we move on", "skip"),
    ("I'd rather not say", "skip"),
    ("i dont want to talk about it", "skip"),
    ("I don't wanna talk about it", "skip"),
    ("none of your business", "skip"),
    ("help", "help"),
    ("what do you mean?", "help"),
    ("wdym", "help"),
    ("huh?", "help"),
    ("like what?", "help"),
    ("can you give me an example", "help"),
    ("I don't understand the question", "help"),
    ("why?", "help"),
]

PER_STEP = {
    "support_people": [
        ("mum", "answer"),
        ("Mum", "answer"),
        ("my nan and uncle", "answer"),
        ("Jess", "answer"),
        ("Aunty Rose", "answer"),
        ("my cousins and my footy coach", "answer"),
        ("idk maybe my mum", "answer"),
        ("no one", "answer"),
        ("nobody", "answer"),
        ("noone really", "answer"),
        ("just me", "answer"),
        ("the people at my church", "answer"),
        ("nothing", "unclear"),
        ("idk who supports me", "unclear"),
        ("no", "skip"),
        ("nah", "skip"),
    ],
    "strengths": [
        ("footy", "answer"),
        ("I'm good at drawing", "answer"),
        ("i make people laugh", "answer"),
        ("kind", "answer"),
        ("patient", "answer"),
        ("looking after my little cousins", "answer"),
        ("I know my culture and language", "answer"),
        ("nothing", "unclear"),
        ("I'm not good at anything", "unclear"),
        ("not much", "unclear"),
        ("good", "small_talk"),
        ("nah", "skip"),
    ],
    "worries": [
        ("school", "answer"),
        ("my mum is sick", "answer"),
        ("fighting with my brother", "answer"),
        ("money and stuff at home", "answer"),
        ("nothing", "answer"),
        ("no worries", "answer"),
        ("nah", "answer"),
        ("no", "answer"),
        ("all good", "answer"),
        ("nothing really", "answer"),
        ("im fine", "answer"),
        ("idk", "unclear"),
        ("stuff", "unclear"),
        ("I don't want to talk about my dad", "skip"),
    ],
    "goals": [
        ("finish year 12", "answer"),
        ("be a ranger", "answer"),
        ("get my licence", "answer"),
        ("pass my exams", "answer"),
        ("I want to be happy", "answer"),
        ("play for the Buffaloes", "answer"),
        ("save up for a car", "answer"),
        ("nothing", "unclear"),
        ("idk what i want", "unclear"),
        ("no goals", "unclear"),
        ("pass", "skip"),
        ("nope", "skip"),
    ],
}

CASES = [(step, msg, intent) for step in STEPS for msg, intent in COMMON] + [
    (step, msg, intent) for step, rows in PER_STEP.items() for msg, intent in rows
]


@pytest.mark.parametrize(("step", "message", "intent"), CASES,
                         ids=[f"{s}:{m or '<empty>'}" for s, m, _ in CASES])
def test_classify_table(step: str, message: str, intent: str) -> None:
    result = classify(message, step)
    assert result.intent == intent
    assert 0.0 <= result.confidence <= 1.0
    assert isinstance(result.inference_time_ms, int) and result.inference_time_ms >= 0


def test_every_intent_is_reachable() -> None:
    seen = {c.intent for c in (classify(m, s) for s, m, _ in CASES)}
    assert seen == set(INTENTS)


def test_deterministic() -> None:
    for step, message, _ in CASES:
        assert classify(message, step).intent == classify(message, step).intent
        assert classify(message, step).confidence == classify(message, step).confidence


def test_keyword_answer_is_more_confident_than_a_bare_word() -> None:
    assert classify("mum", "support_people").confidence > classify("Jess", "support_people").confidence


def test_step_matters() -> None:
    assert classify("nothing", "worries").intent == "answer"
    assert classify("nothing", "strengths").intent == "unclear"
    assert classify("nah", "worries").intent == "answer"
    assert classify("nah", "goals").intent == "skip"
    assert classify("no one", "support_people").intent == "answer"


def test_helpful_words_inside_an_answer_are_not_help_or_skip() -> None:
    assert classify("my mum helps me a lot", "support_people").intent == "answer"
    assert classify("passing my exams next year", "goals").intent == "answer"
    assert classify("skipping school too much", "worries").intent == "answer"


def test_any_unicode_is_classified() -> None:
    for text in ["妈妈", "ẅḧäẗ", "\u200b", "🔥 footy 🔥", "a" * 1000, "\x00"]:
        result = classify(text, "strengths")
        assert isinstance(result, Classification)
        assert result.intent in INTENTS


def test_unknown_step_still_classifies() -> None:
    assert classify("hi", "summary").intent == "greeting"
    assert classify("I went fishing with my cousins", "summary").intent == "answer"


def test_is_none_answer() -> None:
    assert is_none_answer("No one.", "support_people")
    assert is_none_answer("nothing really", "worries")
    assert not is_none_answer("my nan", "support_people")
    assert not is_none_answer("nothing", "strengths")
