"""What the risk model (app/yarn/riskmodel.py) reads in a message, as feature
names (`features`, for training and as the definition) and, fast, as the rows
of a network's first layer (`FeatureRows`, for reading a message).

The features: word forms (w:), neighbouring pairs (b:), character 3-5-grams of
the folded words across the spaces between them (written bare: a key without a
colon is a character n-gram; folded text has no colon), the lexicon's word
groups present (g:), and the same groups when the writer speaks of themselves
(gi:: "i", "me", "my" ... in the message).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple, TypeVar

from app.yarn.riskpattern import phrase_end
from app.yarn.textfold import BREAK, Token, tokenize

CHAR_NGRAMS = (3, 5)  # character n-grams over the folded words: misspellings, run-ons, voice-to-text
_FIRST_PERSON = frozenset(("i", "me", "my", "myself", "mine", "am"))


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in tokenize(text) if t.text != BREAK)


@lru_cache(maxsize=1)
def _group_index() -> tuple[dict[str, frozenset[str]], dict[str, tuple[tuple[tuple[str, ...], str], ...]]]:
    """The lexicon's word groups (app/yarn/lexicon/ GROUPS): one-word phrases
    as word -> groups, longer ones by their first word."""
    from app.yarn.lexicon import GROUPS

    single: dict[str, set[str]] = {}
    longer: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for name, phrases in GROUPS.items():
        for text in phrases:
            phrase = _phrase(text)
            if len(phrase) == 1:
                single.setdefault(phrase[0], set()).add(name)
            elif phrase:
                longer.setdefault(phrase[0], []).append((phrase, name))
    return ({w: frozenset(n) for w, n in single.items()}, {w: tuple(p) for w, p in longer.items()})


def _groups(tokens: Sequence[Token], at: Mapping[str, Sequence[int]]) -> set[str]:
    """The word groups (WANT, DIE, PILLS, NOW, PLACE, FAMILY, ...) with a phrase in the message."""
    single, longer = _group_index()
    found: set[str] = set()
    for word in single.keys() & at.keys():
        found |= single[word]
    n = len(tokens)
    for word in longer.keys() & at.keys():
        for phrase, name in longer[word]:
            if name in found:
                continue
            # the second word tried inline first: this runs ~100 times a long message, and a
            # generator per try was a third of the model's reading time
            second = phrase[1]
            for i in at[word]:
                if i + 1 < n and second in tokens[i + 1].forms and phrase_end(tokens, i, phrase) is not None:
                    found.add(name)
                    break
    return found


def _where(tokens: Sequence[Token]) -> dict[str, list[int]]:
    found_at: dict[str, list[int]] = {}
    for position, token in enumerate(tokens):
        for form in token.forms:
            found_at.setdefault(form, []).append(position)
    return found_at


def _group_features(tokens: Sequence[Token], at: Mapping[str, Sequence[int]], words: Sequence[str]) -> list[str]:
    groups = _groups(tokens, at)
    named = ["g:" + g for g in groups]
    if groups and not _FIRST_PERSON.isdisjoint(words):
        named += ["gi:" + g for g in groups]
    return named


def features(tokens: Sequence[Token], at: Mapping[str, Sequence[int]] | None = None) -> set[str]:
    """The features of a message's tokens, by name. `at` (where each word form
    stands, risk.Scan.at) saves finding it again."""
    at = _where(tokens) if at is None else at
    words = [t.text for t in tokens]
    found = {"w:" + form for form in at if form != BREAK}
    found.update([f"b:{a}_{b}" for a, b in zip(words, words[1:]) if a != BREAK and b != BREAK])
    text = " " + " ".join(words) + " "
    low, high = CHAR_NGRAMS
    for size in range(low, high + 1):
        found.update([text[i:i + size] for i in range(len(text) - size + 1)])
    found.update(_group_features(tokens, at, words))
    return found


# ---- the same features as rows, fast ---------------------------------------------------
#
# Most of a message's features are its character n-grams (about 280 of 300 in a
# long message), and looking each up by name in a vocabulary of 100k+ was half
# the model's reading time. Every n-gram of " w1 w2 ... wk " lies within one
# word and its two spaces, or across one space between two neighbours, or (a
# 5-gram) across a one-letter word ("e i w"): so the rows a word brings, and
# those a pair of neighbours brings, are looked up once and kept.


def _ngrams(text: str) -> Iterator[str]:
    low, high = CHAR_NGRAMS
    for size in range(low, high + 1):
        for i in range(len(text) - size + 1):
            yield text[i:i + size]


def _across(a: str, b: str) -> Iterator[str]:
    """The n-grams of " a b " with a letter of both words in them."""
    window = f" {a} {b} "
    middle = len(a) + 1
    low, high = CHAR_NGRAMS
    for size in range(low, high + 1):
        for start in range(max(0, middle + 2 - size), min(middle - 1, len(window) - size) + 1):
            yield window[start:start + size]


K = TypeVar("K")
T = TypeVar("T")
_KEPT = 1 << 16  # word and pair entries kept per network (a long-running worker meets new words forever)


class _Word(NamedTuple):
    rows: tuple[int, ...]  # its n-grams inside " word " and its forms (w:)
    groups: frozenset[str]  # the word groups one of its forms is a phrase of
    longer: dict[str, tuple[tuple[tuple[str, ...], str], ...]]  # second word -> (phrase, group) starting with a form


class FeatureRows:
    """A vocabulary's rows (feature name -> row) of a message's features; the
    set is exactly {index[f] for f in features(tokens) if f in index}."""

    def __init__(self, index: Mapping[str, int]) -> None:
        self.index = index
        self._words: dict[tuple[str, frozenset[str]], _Word] = {}  # by (text, forms): hashed in C, not by Token
        self._pairs: dict[tuple[str, str], tuple[int, ...]] = {}
        self._groups: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}  # group -> rows of g:, of gi:

    def _known(self, names: Iterable[str]) -> tuple[int, ...]:
        index = self.index
        return tuple(index[name] for name in names if name in index)

    def _word(self, token: Token) -> _Word:
        single, longer = _group_index()
        names = [*_ngrams(f" {token.text} "), *("w:" + form for form in token.forms if form != BREAK)]
        groups = frozenset(name for form in token.forms for name in single.get(form, ()))
        by_second: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase, name in (found for form in token.forms for found in longer.get(form, ())):
            by_second.setdefault(phrase[1], []).append((phrase, name))
        phrases = {second: tuple(found) for second, found in by_second.items()}
        return self._keep(self._words, (token.text, token.forms), _Word(self._known(names), groups, phrases))

    def _pair(self, pair: tuple[str, str]) -> tuple[int, ...]:
        a, b = pair
        names = list(_across(a, b))
        if a != BREAK and b != BREAK:
            names.append(f"b:{a}_{b}")
        return self._keep(self._pairs, pair, self._known(names))

    def _group(self, name: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        found = self._groups.get(name)
        if found is None:
            found = self._groups[name] = (self._known(("g:" + name,)), self._known(("gi:" + name,)))
        return found

    @staticmethod
    def _keep(kept: dict[K, T], key: K, value: T) -> T:
        if len(kept) >= _KEPT:
            kept.clear()  # simpler than an LRU, and a refill costs one message's lookups per word
        kept[key] = value
        return value

    def of(self, tokens: Sequence[Token]) -> set[int]:
        found: set[int] = set()
        groups: set[str] = set()
        words, pairs = self._words, self._pairs
        last = len(tokens) - 1
        for i, token in enumerate(tokens):
            word = words.get((token.text, token.forms)) or self._word(token)
            found.update(word.rows)
            groups |= word.groups
            if word.longer and i < last:  # the longer phrases, found by their first two words (as _groups finds them)
                for second in tokens[i + 1].forms:
                    for phrase, name in word.longer.get(second, ()):
                        if name not in groups and phrase_end(tokens, i, phrase) is not None:
                            groups.add(name)
        texts = [t.text for t in tokens]
        for pair in zip(texts, texts[1:]):
            found.update(pairs.get(pair) or self._pair(pair))
        index = self.index
        for i in range(1, len(texts) - 1):  # the 5-grams across a one-letter word
            if len(texts[i]) == 1 and (row := index.get(f"{texts[i - 1][-1]} {texts[i]} {texts[i + 1][0]}")) is not None:
                found.add(row)
        mine = not _FIRST_PERSON.isdisjoint(texts)
        for name in groups:
            own, said_of_self = self._group(name)
            found.update(own)
            if mine:
                found.update(said_of_self)
        return found
