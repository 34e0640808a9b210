"""A small learned second reader for the risk check.

Two logistic regressions over the words of a message (their lemmas, and pairs
of neighbouring words): "does this carry risk?" and "is it a crisis?". They
are trained by `aimhi risk-train` on the development part of the corpus only
(corpus/risk/dev*.csv); the weights ship in app/yarn/risk_model.json with the
SHA-256 of every file they were trained on, so a test can prove no held-out
message was used. No download, no framework: a dictionary lookup per word.

How it joins the rules (risk.py): the rules decide first. A message the rules
pass as harmless but the model reads as risky gets the safety check-in (the
crisis reply when the crisis reader is sure as well); a
concern the model reads as a crisis becomes one; a concern found only by a rule
the model is sure is harmless (a joke, a movie) is dropped. A crisis found by
the rules always stands.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from app.yarn.textfold import BREAK, Token

MODEL_PATH = Path(__file__).resolve().parent / "risk_model.json"


def features(tokens: Sequence[Token]) -> set[str]:
    words = [t.text for t in tokens]
    found = {f"w:{form}" for t in tokens if t.text != BREAK for form in t.forms}
    found |= {f"b:{a}_{b}" for a, b in zip(words, words[1:]) if BREAK not in (a, b)}
    return found


@dataclass(frozen=True)
class Linear:
    bias: float
    weights: dict[str, float]

    def probability(self, found: Iterable[str]) -> float:
        z = self.bias + sum(self.weights.get(f, 0.0) for f in found)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class RiskModel:
    risk: Linear
    crisis: Linear
    flag_above: float = 0.8  # harmless by the rules, risky by the model: a check-in
    crisis_above: float = 0.5  # a concern the model reads as a crisis
    drop_below: float = 0.1  # a rule's concern the model is sure is harmless
    flag_crisis_above: float = 1.0  # a check-in of the model's own that its crisis reader calls a crisis (1.0: never)
    trained_on: dict[str, str] = field(default_factory=dict)  # file name -> SHA-256

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
