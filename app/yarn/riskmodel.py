"""A small learned second reader for the risk check.

Two logistic regressions over a message's words (their lemmas, pairs of
neighbouring words, character 3-5-grams of the folded text, and the lexicon's
word groups it contains): "does this carry risk?" and "is it a crisis?". They
are trained by `aimhi risk-train` on the development part of the corpus only
(corpus/risk/dev*.csv); the weights ship in app/yarn/risk_model.json with the
SHA-256 of every file they were trained on, so a test can prove no held-out
message was used. No download, no framework: a dictionary lookup per word.

How it joins the rules (risk.py): the rules decide first. A message the rules
pass as harmless but the model reads as risky gets the safety check-in (the
crisis reply when the crisis reader is sure as well); a
concern the model reads as a crisis becomes one; a concern said with a laugh
that the model is sure is harmless ("my dog is such a burden lol") is dropped. A crisis found by
the rules always stands.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from app.yarn.textfold import BREAK, Token, tokenize

MODEL_PATH = Path(__file__).resolve().parent / "risk_model.json"


SHORT_WORDS = 3  # a reply this short gives the model few features: its own check-in needs flag_short_above
CHAR_NGRAMS = (3, 5)  # character n-grams over the folded words: misspellings, run-ons, voice-to-text


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


_FIRST_PERSON = frozenset(("i", "me", "my", "myself", "mine", "am"))


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
            for i in at[word]:
                if all(i + k < n and w in tokens[i + k].forms for k, w in enumerate(phrase[1:], 1)):
                    found.add(name)
                    break
    return found


def features(tokens: Sequence[Token], at: Mapping[str, Sequence[int]] | None = None) -> set[str]:
    """What the model reads: word forms (w:), neighbouring pairs (b:), character
    3-5-grams of the folded words, across the spaces between them (written bare:
    a key without a colon is a character n-gram; folded text has no colon), the
    lexicon's word groups present (g:), and the same groups when the writer
    speaks of themselves (gi:: "i", "me", "my" ... in the message). `at` (where
    each word form stands, risk.Scan.at) saves finding it again."""
    if at is None:
        found_at: dict[str, list[int]] = {}
        for position, token in enumerate(tokens):
            for form in token.forms:
                found_at.setdefault(form, []).append(position)
        at = found_at
    words = [t.text for t in tokens]
    found = {"w:" + form for form in at if form != BREAK}
    found.update([f"b:{a}_{b}" for a, b in zip(words, words[1:]) if a != BREAK and b != BREAK])
    text = " " + " ".join(words) + " "
    low, high = CHAR_NGRAMS
    for size in range(low, high + 1):
        found.update([text[i:i + size] for i in range(len(text) - size + 1)])
    groups = _groups(tokens, at)
    if groups:
        found.update(["g:" + g for g in groups])
        if not _FIRST_PERSON.isdisjoint(words):
            found.update(["gi:" + g for g in groups])
    return found


@dataclass(frozen=True)
class Linear:
    bias: float
    weights: dict[str, float]

    def probability(self, found: Iterable[str]) -> float:
        return _sigmoid(self.bias + sum(self.weights.get(f, 0.0) for f in found))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class RiskModel:
    risk: Linear
    crisis: Linear
    flag_above: float = 0.7  # harmless by the rules, risky by the model: a check-in
    crisis_above: float = 0.5  # a concern the model reads as a crisis
    drop_below: float = 0.1  # a rule's concern the model is sure is harmless
    flag_short_above: float = 0.8  # the same for a message of SHORT_WORDS words or fewer ("what now?", "not really")
    flag_crisis_above: float = 1.0  # a check-in of the model's own that its crisis reader calls a crisis (1.0: never)
    trained_on: dict[str, str] = field(default_factory=dict)  # file name -> SHA-256

    def __post_init__(self) -> None:
        # Both readers' weights of a feature as one complex number (risk + crisis * 1j): one lookup per
        # feature, and the sums done by `sum` in C.
        both = {f: complex(w, 0.0) for f, w in self.risk.weights.items()}
        for f, w in self.crisis.weights.items():
            both[f] = complex(both.get(f, 0j).real, w)
        object.__setattr__(self, "_both", both)
        object.__setattr__(self, "_keys", frozenset(both))

    def read(self, found: Iterable[str]) -> tuple[float, float]:
        """(risk, crisis) probabilities in one pass: the features with a weight
        found by a set intersection, their weights added up by map and sum."""
        hits = self._keys.intersection(found)  # type: ignore[attr-defined]
        z = sum(map(self._both.__getitem__, hits), complex(self.risk.bias, self.crisis.bias))  # type: ignore[attr-defined]
        return _sigmoid(z.real), _sigmoid(z.imag)

    @staticmethod
    def load(path: Path = MODEL_PATH) -> RiskModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return RiskModel(Linear(**data["risk"]), Linear(**data["crisis"]), trained_on=data["trained_on"],
                         **data["thresholds"])


@lru_cache(maxsize=1)
def default_model() -> RiskModel | None:
    return RiskModel.load() if MODEL_PATH.is_file() else None


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
