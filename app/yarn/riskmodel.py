"""A small learned second reader for the risk check.

A network with one hidden layer of ReLU units over a message's features (its
word lemmas, pairs of neighbouring words, character 3-5-grams of the folded
text, and the lexicon's word groups it contains) and two outputs: "does this
carry risk?" and "is it a crisis?". It is trained by `aimhi risk-train`
(scikit-learn) on the development part of the corpus only
(corpus/risk/dev*.csv); the weights ship in app/yarn/risk_model.npz with the
SHA-256 of every file they were trained on, so a test can prove no held-out
message was used. No download; reading it needs numpy only: a dictionary
lookup per feature and two small matrix products.

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from pathlib import Path

import numpy as np

from app.yarn.riskpattern import phrase_end
from app.yarn.textfold import BREAK, Token, tokenize

MODEL_PATH = Path(__file__).resolve().parent / "risk_model.npz"


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
            # the second word tried inline first: this runs ~100 times a long message, and a
            # generator per try was a third of the model's reading time
            second = phrase[1]
            for i in at[word]:
                if i + 1 < n and second in tokens[i + 1].forms and phrase_end(tokens, i, phrase) is not None:
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
class Network:
    """One hidden layer of ReLU units over the features present (0/1 inputs, so
    the first layer is a sum of rows), and two logistic outputs: risk, crisis."""
    index: Mapping[str, int]  # feature -> row of `hidden`
    hidden: np.ndarray  # (features, units)
    hidden_bias: np.ndarray  # (units,)
    out: np.ndarray  # (units, 2)
    out_bias: np.ndarray  # (2,)
    # `hidden` with a row of zeros below it, where every unknown feature is looked up: one dictionary
    # lookup per feature and no filtering (a quarter of the reading time of a long message)
    _padded: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        zeros = np.zeros((1, self.hidden.shape[1]), dtype=self.hidden.dtype)
        padded = np.vstack([self.hidden, zeros])
        object.__setattr__(self, "_padded", padded)
        object.__setattr__(self, "hidden", padded[:-1])  # a view: the weights are held once, not twice

    def read(self, found: Iterable[str]) -> tuple[float, float]:
        rows = np.array(list(map(self.index.get, found, repeat(len(self.index)))), dtype=np.intp)
        h = self.hidden_bias + np.add.reduce(self._padded.take(rows, axis=0), axis=0)
        z = np.maximum(h, 0.0) @ self.out + self.out_bias
        risk, crisis = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
        return float(risk), float(crisis)


@dataclass(frozen=True)
class RiskModel:
    network: Network
    flag_above: float = 0.7  # harmless by the rules, risky by the model: a check-in
    crisis_above: float = 0.5  # a concern the model reads as a crisis
    drop_below: float = 0.1  # a rule's concern the model is sure is harmless
    flag_short_above: float = 0.8  # the same for a message of SHORT_WORDS words or fewer ("what now?", "not really")
    flag_crisis_above: float = 1.0  # a check-in of the model's own that its crisis reader calls a crisis (1.0: never)
    trained_on: dict[str, str] = field(default_factory=dict)  # file name -> SHA-256

    def read(self, found: Iterable[str]) -> tuple[float, float]:
        """(risk, crisis) probabilities."""
        return self.network.read(found)

    def thresholds(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in THRESHOLD_NAMES}

    def save(self, path: Path) -> None:
        """One .npz: the vocabulary, the weights (float16: the file stays small,
        the readings move by under 0.001) and the thresholds and trained-on
        digests as JSON. Written to a temporary file first, so a failed write
        leaves the old model."""
        net = self.network
        vocabulary = sorted(net.index, key=net.index.__getitem__)
        meta = json.dumps({"thresholds": self.thresholds(), "trained_on": self.trained_on}, sort_keys=True)
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("wb") as fh:
                np.savez_compressed(fh, vocabulary=np.array(vocabulary), hidden=net.hidden.astype(np.float16),
                                    hidden_bias=net.hidden_bias.astype(np.float16), out=net.out.astype(np.float16),
                                    out_bias=net.out_bias.astype(np.float16), meta=np.array(meta))
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)

    @staticmethod
    def load(path: Path = MODEL_PATH) -> RiskModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            network = Network({f: i for i, f in enumerate(data["vocabulary"].tolist())},
                              data["hidden"].astype(np.float32), data["hidden_bias"].astype(np.float32),
                              data["out"].astype(np.float32), data["out_bias"].astype(np.float32))
        return RiskModel(network, trained_on=meta["trained_on"], **meta["thresholds"])


THRESHOLD_NAMES = ("flag_above", "crisis_above", "drop_below", "flag_short_above", "flag_crisis_above")


@lru_cache(maxsize=1)
def default_model() -> RiskModel | None:
    return RiskModel.load() if MODEL_PATH.is_file() else None


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
