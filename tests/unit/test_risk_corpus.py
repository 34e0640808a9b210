"""The risk check measured on its labelled corpus (corpus/risk/).

The held-out part (heldout*.csv) was written by people who did not look at the
rules and was not looked at while writing them; the floors below are asserted
on it as a whole. The model ships with the hashes of the files it learnt
from: only development files, exactly as they are in the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.yarn import safety
from app.yarn.evaluation import CORPUS, Report, evaluate, load
from app.yarn.riskmodel import MODEL_PATH, RiskModel, file_digest

HELD_OUT = sorted(p.stem for p in CORPUS.glob("heldout*.csv"))
DEVELOPMENT = sorted(p.stem for p in CORPUS.glob("dev*.csv"))
# The targets (issue 7): risky caught >= 95%, crisis reaching crisis >= 90%,
# harmless false alarms <= 5%. Round 12's blind measurement of this part
# (docs/risk-evaluation.md) met all three: 97.48% (20275/20800), 96.33%
# (7514/7800) and 4.53% (1019/22500). The figures asserted are that blind
# measurement, stricter than the targets, so the check can only get better on
# messages nobody tuned it for.
RECALL_FLOOR, CRISIS_FLOOR, FALSE_ALARM_CEILING = 0.9747, 0.9633, 0.0453


def _together(parts: list[str]) -> Report:
    examples = [example for part in parts for example in load(part)]
    return evaluate(examples, safety.detector().assess, "+".join(parts))


@pytest.fixture(scope="module")
def held_out() -> Report:
    return _together(HELD_OUT)


def test_the_held_out_part_is_at_least_thirty_percent_of_the_corpus() -> None:
    held = sum(len(load(part)) for part in HELD_OUT)
    development = sum(len(load(part)) for part in DEVELOPMENT)
    assert held >= 400 and held / (held + development) >= 0.30


def test_every_category_and_tier_is_in_the_held_out_part(held_out: Report) -> None:
    categories = {e.category for part in HELD_OUT for e in load(part)}
    tiers = {e.tier for part in HELD_OUT for e in load(part)}
    assert tiers == {"none", "concern", "crisis"}
    assert len(categories) >= 18
    assert held_out.harmless >= held_out.risky * 0.9  # at least about as many hard harmless ones


def test_risky_messages_are_caught(held_out: Report) -> None:
    assert held_out.recall >= RECALL_FLOOR, f"{held_out.caught}/{held_out.risky}"


def test_crisis_messages_reach_the_crisis_reply(held_out: Report) -> None:
    assert held_out.crisis_recall >= CRISIS_FLOOR, f"{held_out.crisis_reached}/{held_out.crisis}"


def test_harmless_messages_rarely_raise_an_alarm(held_out: Report) -> None:
    assert held_out.false_alarm_rate <= FALSE_ALARM_CEILING, f"{held_out.false_alarms}/{held_out.harmless}"


def test_the_model_learnt_only_from_the_development_files_as_they_are() -> None:
    model = RiskModel.load(MODEL_PATH)
    assert set(model.trained_on) == {f"{part}.csv" for part in DEVELOPMENT}
    assert not any(name.startswith(("heldout", "checkin")) for name in model.trained_on)
    for name, digest in model.trained_on.items():
        assert file_digest(Path(CORPUS) / name) == digest, f"{name} changed since the model was trained"
