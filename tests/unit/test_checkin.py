"""The answer to "are you safe right now?": only a clear "I'm safe" is safe.

The labelled answers in corpus/risk/checkin_*.csv are read the way the flow reads
them (app/yarn/flow.py: any risk in the answer, or anything but a clear yes, is
not safe). The one error that must never happen is a not-safe or unsure answer
read as safe: that sends a young person back to the yarn without help."""

from __future__ import annotations

import pytest

from app.yarn import safety
from app.yarn.checkin import says_safe
from app.yarn.evaluation import CheckinExample, evaluate_checkins, format_checkin_report, load_checkins

PARTS = ("dev", "heldout")


def read_as_safe(answer: str) -> bool:
    """The flow's reading of a check-in answer: the risk check first, then says_safe."""
    return not safety.assess(answer).risky and says_safe(answer)


@pytest.mark.parametrize("part", PARTS)
def test_the_corpus_files_load_with_both_labels(part: str) -> None:
    examples = load_checkins(part)
    assert len(examples) >= 50
    assert all(isinstance(e, CheckinExample) and e.text.strip() for e in examples)
    assert {e.expected for e in examples} == {"safe", "not_safe"}


@pytest.mark.parametrize("part", PARTS)
def test_no_unsafe_or_unsure_answer_is_read_as_safe(part: str) -> None:
    report = evaluate_checkins(load_checkins(part), read_as_safe, part)
    assert report.unsafe > 0
    assert report.unsafe_read_as_safe == 0, format_checkin_report(report)


@pytest.mark.parametrize("part", PARTS)
def test_most_clear_safe_answers_are_read_as_safe(part: str) -> None:
    """A check-in nobody can answer "safe" sends every yes to the crisis reply
    again; the yarn could never return gently."""
    report = evaluate_checkins(load_checkins(part), read_as_safe, part)
    assert report.safe > 0
    assert report.safe_read_as_unsafe * 2 < report.safe, format_checkin_report(report)


@pytest.mark.parametrize("answer", ["yeah I'm safe", "yes", "yep im safe", "I'm safe", "im ok",
                                    "nah I'm fine", "yeah no, I'm good", "nah im sweet"])
def test_a_clear_yes_is_safe(answer: str) -> None:
    assert says_safe(answer)


@pytest.mark.parametrize("answer", [
    "no", "nah", "yeah nah", "nope", "idk", "dunno", "ok", "k", "", "   ", ".", "...", "?",
    "I'm fine for now", "fine lol", "yeah right", "never better 🙃", "“fine”", "i guess", "whatever",
    "not really", "maybe", "not sure", "stop asking", "I'm ok but he's still here", "home alone",
])
def test_anything_but_a_clear_yes_is_not_safe(answer: str) -> None:
    assert not says_safe(answer)


def test_says_safe_is_deterministic() -> None:
    for answer in ["yes", "no", "idk", "nah im fine"]:
        assert says_safe(answer) == says_safe(answer)
