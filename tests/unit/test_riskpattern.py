"""The pattern language of the risk rules (app/yarn/riskpattern.py)."""

from __future__ import annotations

from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.yarn.lexicon import RULES
from app.yarn.riskpattern import Pattern, Scan, compile_pattern, find
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


# ---- the expressions search as `_match` does -------------------------------------------

_PATTERNS = sorted({part.strip(): compile_pattern(part.strip()) for rule in RULES
                    for part in rule.pattern.split(" & ")}.values(), key=lambda p: p.text)
# Words of the rules themselves, so random messages meet their phrases, with breaks and strangers.
_WORDS = sorted({word for p in _PATTERNS for _, alts in p.parts for alt in alts for word in alt
                 if word not in (".", "$")})


def test_nearly_every_pattern_is_searched_by_an_expression() -> None:
    assert sum(p.regex is not None for p in _PATTERNS) >= 0.95 * len(_PATTERNS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*_WORDS, ".", "zebra", "wanted", "cutting"]), min_size=1, max_size=14),
       st.randoms(use_true_random=False))
def test_an_expression_finds_a_match_where_the_word_by_word_search_does(words: list[str], rng: Random) -> None:
    scan = Scan(tokenize(" ".join(words)))
    for pattern in rng.sample([p for p in _PATTERNS if p.regex is not None], 60):
        by_expression, by_steps = scan.find_possible(pattern), scan.find_by_steps(pattern)
        assert (by_expression is None) == (by_steps is None), pattern.text
        if by_expression is not None and by_steps is not None:
            assert by_expression[0] == by_steps[0], pattern.text  # the same earliest start
            assert by_expression[1] > by_expression[0]


def test_the_corpus_phrases_are_found_alike() -> None:
    messages = ["no one would even miss me", "i said the dog scratched me", "going to go to the train tracks tonight",
                "gave away all my stuff. wont need it", "i know where im doing it, the highway overpass"]
    for text in messages:
        scan = Scan(tokenize(text))
        for pattern in _PATTERNS:
            if pattern.regex is not None:
                assert (scan.find_possible(pattern) is None) == (scan.find_by_steps(pattern) is None), (text, pattern.text)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([p for p in _PATTERNS if p.regex is not None]), st.randoms(use_true_random=False))
def test_a_message_built_from_a_patterns_parts_is_found_alike(pattern: Pattern, rng: Random) -> None:
    # Each part's phrase (or none), with up to one more filler word than its gap allows, and a break now and then.
    words = rng.sample(_WORDS, rng.randint(0, 2))
    for gap, alternatives in pattern.parts:
        words += rng.sample(["so", "really", "zebra", "."], k=min(4, rng.randint(0, gap + 1)))
        words += list(rng.choice([*alternatives, ()])) if rng.random() < 0.95 else []
    scan = Scan(tokenize(" ".join(w for w in words if w != "$")))
    by_expression, by_steps = scan.find_possible(pattern), scan.find_by_steps(pattern)
    assert (by_expression is None) == (by_steps is None), (pattern.text, words)
    if by_expression is not None and by_steps is not None:
        assert by_expression[0] == by_steps[0], (pattern.text, words)
