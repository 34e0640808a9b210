"""The pattern language of the risk rules (app/yarn/riskpattern.py)."""

from __future__ import annotations

import pytest

from app.yarn.lexicon import RULES
from app.yarn.riskpattern import compile_pattern, find
from app.yarn.textfold import tokenize


def matches(pattern: str, text: str) -> bool:
    return find(tokenize(text), compile_pattern(pattern)) is not None


@pytest.mark.parametrize("text", ["taking them after dinner", "taking them after tea", "taking them when he goes"])
def test_a_group_inside_a_group_stands_for_each_of_its_phrases(text: str) -> None:
    assert matches("taking them (tonight|after (dinner|tea)|when (he|she) goes)", text)


@pytest.mark.parametrize("text", ["taking them after", "taking them dinner", "taking them he", "taking them when goes"])
def test_a_group_inside_a_group_is_not_split_into_loose_words(text: str) -> None:
    # Splitting "(a|after (dinner|tea))" at every "|" once made "after (dinner"
    # and "tea)" phrases of their own: "after" alone matched.
    assert not matches("taking them (tonight|after (dinner|tea)|when (he|she) goes)", text)


def test_an_empty_choice_inside_a_group_makes_its_words_optional() -> None:
    assert matches("(gave (away|) my) gear", "gave my gear")
    assert matches("(gave (away|) my) gear", "gave away my gear")


def test_an_unclosed_group_is_an_error() -> None:
    with pytest.raises(ValueError, match="unclosed"):
        compile_pattern("(a (b|c)")


def test_every_rule_compiles() -> None:
    for rule in RULES:
        for pattern in (*rule.pattern.split(" & "), *rule.unless, *rule.softened_by):
            compile_pattern(pattern.strip())
