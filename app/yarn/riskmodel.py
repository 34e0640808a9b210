"""A small learned second reader for the risk check.

A network with one hidden layer of ReLU units over a message's features (its
word lemmas, pairs of neighbouring words, character 3-5-grams of the folded
text, and the lexicon's word groups it contains) and two outputs: "does this
carry risk?" and "is it a crisis?". It is trained by `aimhi risk-train`
(scikit-learn) on the development part of the corpus only
(corpus/risk/dev*.csv); the weights ship in app/yarn/risk_model.npz with the
SHA-256 of every file they were trained on, so a test can prove no held-out
message was used. No download; reading it needs numpy only: the rows of the
message's features (app/yarn/riskfeatures.py: looked up once per word and per
pair of neighbouring words, then kept), their sum and two small products.

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

import numpy as np

from app.yarn.riskfeatures import FeatureRows
from app.yarn.textfold import Token

MODEL_PATH = Path(__file__).resolve().parent / "risk_model.npz"


SHORT_WORDS = 3  # a reply this short gives the model few features: its own check-in needs flag_short_above


@dataclass(frozen=True)
class Network:
    """One hidden layer of ReLU units over the features present (0/1 inputs, so
    the first layer is a sum of rows), and two logistic outputs: risk, crisis."""
    index: Mapping[str, int]  # feature -> row of `hidden`
    hidden: np.ndarray  # (features, units)
    hidden_bias: np.ndarray  # (units,)
    out: np.ndarray  # (units, 2)
    out_bias: np.ndarray  # (2,)
    rows: FeatureRows = field(init=False, repr=False, compare=False)  # a message's features as rows of `hidden`

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", FeatureRows(self.index))

    def read(self, found: Iterable[str]) -> tuple[float, float]:
        """(risk, crisis) for features by name (unknown ones add nothing)."""
        index = self.index
        return self._output({index[name] for name in found if name in index})

    def read_tokens(self, tokens: Sequence[Token]) -> tuple[float, float]:
        """(risk, crisis) for a message's tokens: the same as read(features(tokens)), faster."""
        return self._output(self.rows.of(tokens))

    def _output(self, rows: set[int]) -> tuple[float, float]:
        # summed in row order: the same sum, to the last bit, whatever order the set holds them in
        taken = np.sort(np.fromiter(rows, dtype=np.intp, count=len(rows)))
        h = self.hidden_bias + np.add.reduce(self.hidden.take(taken, axis=0), axis=0)
        risk, crisis = (np.maximum(h, 0.0) @ self.out + self.out_bias).tolist()
        return _logistic(risk), _logistic(crisis)


def _logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-min(30.0, max(-30.0, z))))


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
        """(risk, crisis) probabilities for features by name (riskfeatures.features)."""
        return self.network.read(found)

    def read_tokens(self, tokens: Sequence[Token]) -> tuple[float, float]:
        """(risk, crisis) probabilities for a message's tokens."""
        return self.network.read_tokens(tokens)

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
