"""Training the risk model (app/yarn/riskmodel.py) on the development corpus.

    aimhi risk-train        # writes app/yarn/risk_model.json

Deterministic (plain gradient descent from zero weights), so the same corpus
gives the same file. Only corpus/risk/dev*.csv are read: the held-out parts
never reach the model.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.yarn.evaluation import CORPUS, Example, load
from app.yarn.riskmodel import MODEL_PATH, features, file_digest
from app.yarn.risk import RiskDetector

MIN_COUNT = 2  # a feature seen once says nothing general
STEPS = 400
RATE = 0.5
L2 = 3.0


def _fit(rows: Sequence[set[str]], labels: Sequence[bool]) -> dict[str, object]:
    counts = Counter(f for found in rows for f in found)
    vocabulary = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    index = {f: i for i, f in enumerate(vocabulary)}
    matrix = np.zeros((len(rows), len(vocabulary)))
    for r, found in enumerate(rows):
        for f in found:
            if f in index:
                matrix[r, index[f]] = 1.0
    y = np.asarray(labels, dtype=float)
    weights, bias = np.zeros(len(vocabulary)), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(matrix @ weights + bias)))
        weights -= RATE * (matrix.T @ (p - y) / len(y) + weights / (L2 * len(y)))
        bias -= RATE * float((p - y).mean())
    kept = {f: round(float(w), 4) for f, w in zip(vocabulary, weights) if abs(w) >= 0.01}
    return {"bias": round(bias, 4), "weights": kept}


def dev_parts(root: Path = CORPUS) -> list[str]:
    return sorted(p.stem for p in root.glob("dev*.csv"))


def train(root: Path = CORPUS, out: Path = MODEL_PATH) -> dict[str, object]:
    detector = RiskDetector()
    parts = dev_parts(root)
    examples: list[Example] = [e for part in parts for e in load(part, root)]
    rows = [features(detector.tokens(e.text)) for e in examples]
    model = {
        "risk": _fit(rows, [e.tier != "none" for e in examples]),
        "crisis": _fit(rows, [e.tier == "crisis" for e in examples]),
        # Chosen by cross-validation over the development files (train on all but
        # one, read the one left out): a model-only check-in for about 1.5% of
        # harmless messages; a rule's concern dropped costs about 1% of risky ones.
        "thresholds": {"flag_above": 0.8, "crisis_above": 0.5, "drop_below": 0.1},
        "trained_on": {f"{part}.csv": file_digest(root / f"{part}.csv") for part in parts},
    }
    out.write_text(json.dumps(model, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    return model
