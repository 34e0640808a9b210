"""Risk detection: every curated phrase and its everyday variants fire; foreseeable
harmless uses do not. See the decisions in app/yarn/risk.py's docstring."""

from __future__ import annotations

import random

import pytest

from app.yarn import risk
from app.yarn.risk import CORE_PHRASES, CRISIS_RESOURCES, RiskDetector, RiskMatch, detect_risk, normalise

# (message, canonical phrase reported)
FIRES = [
    # wanting to die
    ("I want to die", "want to die"),
    ("i WANT to DIE!!!", "want to die"),
    ("wanna die", "want to die"),
    ("i wanna diiiie", "want to die"),
    ("i wana die fr", "want to die"),
    ("want 2 die", "want to die"),
    ("  i   want\tto \n die  ", "want to die"),
    ("i want to die lol", "want to die"),
    ("I wish I was dead", "wish i was dead"),
    ("honestly everyone would be better off without me", "better off without me"),
    ("ur better off without me", "better off without me"),
    ("they'd all be better off if i was dead... better off dead", "better off dead"),
    ("there's no reason to live", "no reason to live"),
    ("I've got nothing to live for", "nothing to live for"),
    ("I don't want to be here anymore", "don't want to be here anymore"),
    ("i dont wanna be here any more", "don't want to be here anymore"),
    ("dont want to be here no more", "don't want to be here no more"),
    ("I don’t want to live.", "don't want to live"),
    ("i dont want to live anymore", "don't want to live anymore"),
    ("I can't do this anymore", "can't do this anymore"),
    ("what's the point of living", "what's the point of living"),
    # suicide
    ("kms", "kms"),
    ("KMSSSS", "kms"),
    ("honestly gonna kms", "kms"),
    ("k m s", "kms"),
    ("ＫＭＳ", "kms"),
    ("I'm going to kill myself", "kill myself"),
    ("I’m gonna kill myself", "kill myself"),
    ("im gunna kil myself", "kill myself"),
    ("gonna kill my self", "kill myself"),
    ("kill myslef", "kill myself"),
    ("kiiiiill myselfff", "kill myself"),
    ("k1ll mys3lf", "kill myself"),
    ("ki\u200bll myself", "kill myself"),
    ("#killmyself", "kill myself"),
    ("k i l l m y s e l f", "kill myself"),
    ("I've been thinking about killing myself", "killing myself"),
    ("I'm suicidal", "suicidal"),
    ("SUICIDAL.", "suicidal"),
    ("feeling suicidle", "suicide"),
    ("sucidal thoughts", "suicidal"),
    ("thinking about sucide", "suicide"),
    ("suiside", "suicide"),
    ("su1c1de", "suicide"),
    ("suïcide", "suicide"),
    ("i want to do suicide", "suicide"),
    ("my cousin is suicidal", "suicidal"),
    ("I'm not suicidal", "suicidal"),  # negation is not parsed: safety first
    ("I want to end it all", "end it all"),
    ("i just want to end it.", "want to end it"),
    ("I want to end my life", "end my life"),
    ("I want to take my own life", "take my own life"),
    ("gonna unalive myself", "unalive"),
    ("i want to unalive", "unalive"),
    ("sewerslide", "sewer slide"),
    ("kys", "kys"),  # decision: fires (see module docstring)
    ("someone told me to kill yourself", "kill yourself"),
    ("im gonna top myself", "top myself"),
    ("i want to hang myself", "hang myself"),
    # self-harm
    ("I've been self harming", "self harming"),
    ("self-harm", "self harm"),
    ("selfharm", "self harm"),
    ("I cut myself again last night", "cut myself"),
    ("i cut myself a lot", "cut myself"),
    ("been cutting myself", "cutting myself"),
    ("I want to hurt myself", "hurt myself"),
    ("i hurt myself on purpose", "hurt myself"),
    # not being safe
    ("I'm not safe at home", "not safe"),
    ("i dont feel safe", "don't feel safe"),
    ("home aint safe", "not safe"),
    ("I feel unsafe", "feel unsafe"),
    ("im scared to go home", "scared to go home"),
    # team extras from replies.toml
    ("I hope I never wake up", "hope i never wake up"),
]

# Harmless uses that must not fire, with the reason (the decision) for each.
HARMLESS = [
    ("this exam is killing me", "'killing me' is hyperbole, not a phrase"),
    ("I'm dying of laughter", "'dying' alone is not a phrase"),
    ("lol i'm dead", "'dead' alone is slang for laughing"),
    ("im so dead mum's gonna be angry", "'dead' alone"),
    ("killing it at footy", "'killing it' is praise"),
    ("my phone died", "'died' alone"),
    ("I'd die for a feed of kangaroo tail", "'die for' is enthusiasm"),
    ("skills", "word boundaries"),
    ("skim", "word boundaries"),
    ("it's 5 kms away", "kms after a number is distance"),
    ("it's 5kms away", "kms after a number is distance"),
    ("the kms to town are rough", "quantity word before kms"),
    ("about 20kms from town", "number before kms"),
    ("we drove 2.5 kms", "number before kms"),
    ("a few kms out of town", "quantity word before kms"),
    ("kmsl that was funny", "kmsl is a different token"),
    ("i'm killing myself laughing", "set phrase: laughing"),
    ("that's deadly", "Aboriginal English for great"),
    ("deadly", "Aboriginal English for great"),
    ("dead set legend", "'dead set'"),
    ("I'm dead tired", "'dead tired'"),
    ("the suicide squad movie was mad", "set phrase: movie"),
    ("coach made us do suicides at training", "set phrase: sprints"),
    ("we ran suicides", "set phrase: sprints"),
    ("I want to die my hair blue", "set phrase: 'die my hair' means dye"),
    ("gonna dye my hair", "dye"),
    ("cut myself some slack", "set phrase"),
    ("I cut myself a slice of damper", "set phrase"),
    ("I hurt myself playing footy", "set phrase: sport injury"),
    ("I want to take my life back", "set phrase: empowering"),
    ("not safe to swim there, crocs", "set phrase: crocs"),
    ("mum's gonna kill me", "'kill me' is hyperbole, not a phrase"),
    ("I could kill for a feed", "'kill for'"),
    ("just killing time", "'killing time'"),
    ("he died in the movie", "'died' alone"),
    ("I need to take the pressure off myself", "'off myself' only as 'going to/want to off myself'"),
    ("i need to top myself up with phone credit", "set phrase: top up"),
    ("I'd like to help people who want to stay strong", "no phrase"),
    ("kiss", "word boundaries"),
    ("my nan and uncle", "an answer"),
    ("", "empty"),
    ("🙂👍", "emoji only"),
    ("???", "punctuation only"),
]


@pytest.mark.parametrize(("message", "phrase"), FIRES, ids=[m for m, _ in FIRES])
def test_risk_phrase_fires(message: str, phrase: str) -> None:
    match = detect_risk(message)
    assert match == RiskMatch(phrase), f"{message!r} normalised to {normalise(message)!r}"


@pytest.mark.parametrize(("message", "reason"), HARMLESS, ids=[m or "<empty>" for m, _ in HARMLESS])
def test_harmless_message_does_not_fire(message: str, reason: str) -> None:
    assert detect_risk(message) is None, reason


@pytest.mark.parametrize("phrase", CORE_PHRASES)
def test_every_core_phrase_fires_as_written_and_shouted(phrase: str) -> None:
    text = phrase.removesuffix(" $")
    assert detect_risk(text) is not None
    assert detect_risk(f"honestly... {text.upper()}!!!") is not None
    # repeated letters in every word
    stretched = " ".join(w + w[-1] * 3 for w in text.split())
    assert detect_risk(stretched) is not None, stretched


@pytest.mark.parametrize("phrase", [p for p in CORE_PHRASES if " " in p.removesuffix(" $")])
def test_multiword_phrases_survive_punctuation_between_words(phrase: str) -> None:
    text = phrase.removesuffix(" $")
    assert detect_risk(text.replace(" ", "... ")) is not None


def test_harmless_blanking_does_not_hide_a_real_phrase_later() -> None:
    assert detect_risk("we did suicides at training and I want to die") == RiskMatch("want to die")
    assert detect_risk("it's 5 kms away and honestly kms") == RiskMatch("kms")
    assert detect_risk("I'm killing myself laughing but also I want to kill myself") == RiskMatch("kill myself")


def test_earliest_phrase_in_the_message_is_reported() -> None:
    assert detect_risk("I cut myself and I want to die") == RiskMatch("cut myself")


def test_end_anchored_phrase_needs_the_end_of_the_message() -> None:
    assert detect_risk("I don't want to live in Darwin") is None
    assert detect_risk("I don't want to live") == RiskMatch("don't want to live")
    assert detect_risk("I just want to end it") == RiskMatch("want to end it")
    assert detect_risk("I want to end it with my girlfriend") is None


def test_normalise_handles_case_accents_apostrophes_repeats_and_slang() -> None:
    assert normalise("I’M GONNA kiiiill MYSELF!!!") == "i am going to kil myself"
    assert normalise("Dont wanna") == "do not want to"
    assert normalise("café") == "cafe"


def test_custom_detector_and_bad_phrase() -> None:
    detector = RiskDetector(["feeling hopeless"])
    assert detector.detect("I'm feeeeling HOPELESS") == RiskMatch("feeling hopeless")
    assert detector.detect("I want to die") is None
    with pytest.raises(ValueError):
        RiskDetector(["!!!"])


def test_detection_is_robust_to_arbitrary_unicode_and_long_input() -> None:
    rng = random.Random(20240601)
    alphabet = "abcdefghijklmnopqrstuvwxyz 0123456789'’!?.,-_#@$\u200b\u00e9\u00df\u4e2d\U0001f600\u0301\n\t"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        result = detect_risk(text)
        assert result is None or isinstance(result, RiskMatch)
    long_text = ("we went fishing down the river and it was deadly " * 40)[:1000]
    assert detect_risk(long_text) is None
    assert detect_risk(long_text[:990] + " kms") == RiskMatch("kms")


def test_non_string_input_is_no_match() -> None:
    assert detect_risk(None) is None  # type: ignore[arg-type]


def test_detect_risk_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    detect_risk("I want to die")
    detect_risk("hello")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_crisis_resources_are_exact() -> None:
    assert [(r.name, r.number, r.tel) for r in CRISIS_RESOURCES] == [
        ("13YARN", "13 92 76", "tel:139276"),
        ("Lifeline", "13 11 14", "tel:131114"),
        ("Kids Helpline", "1800 55 1800", "tel:1800551800"),
        ("Emergency", "000", "tel:000"),
    ]
    assert "Aboriginal and Torres Strait Islander" in CRISIS_RESOURCES[0].note
    assert "24/7" in CRISIS_RESOURCES[0].note
    for r in CRISIS_RESOURCES:
        assert r.tel == "tel:" + r.number.replace(" ", "")


def test_default_detector_includes_team_extras() -> None:
    from app.yarn import content

    extras = content.default_content().risk_extra_phrases
    assert extras, "replies.toml should carry at least one extra phrase"
    assert set(extras) <= set(risk.default_detector().phrases)
    assert set(CORE_PHRASES) <= set(risk.default_detector().phrases)
