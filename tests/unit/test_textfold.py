"""Text folding's shortcuts (app/yarn/textfold.py) change nothing: the special
substitutions skipped by their needles are the ones that would not apply."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.yarn import textfold

_PIECES = ["od'd", "o.d.", "od", "o.d'ing", "sh'ing", "sh*t", "living sh", "im bin", "every one", "no body",
           "some thing", "with out", "sewer side", "soo sided", "kill my elf", "self arm", "self arming",
           "over dose", "sex tort", "dead wait", "to deep", "good", "shed", "body", "side", "\n", "want to\n", " ", "."]


def _every_substitution(text: str) -> str:
    for _needles, pattern, replacement in textfold._SPECIAL:
        text = pattern.sub(replacement, text)  # type: ignore[arg-type]
    return text


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=8).map(" ".join))
def test_a_substitution_skipped_for_want_of_its_needle_would_not_have_applied(text: str) -> None:
    skipped = text
    for needles, pattern, replacement in textfold._SPECIAL:
        if any(needle in skipped for needle in needles):
            skipped = pattern.sub(replacement, skipped)  # type: ignore[arg-type]
    assert skipped == _every_substitution(text)


def test_the_substitutions_still_apply() -> None:
    def words(text: str) -> list[str]:
        return [token.text for token in textfold.tokenize(text)]
    assert words("every one would be better off with out me") == \
        ["everyone", "would", "be", "better", "off", "without", "me"]
    assert "overdosed" in words("i od'd last nite")
    assert "suicide" in words("thinking about sewer side")
