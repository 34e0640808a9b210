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
L2 = 10.0  # weight decay 1/(L2 * n): leave-one-part-out figures are flat from 3 to 30 (see THRESHOLDS)

# How the model joins the rules (risk.py `_second_reading`), chosen by
# leave-one-part-out cross-validation over the 14 development files only
# (fit on 13, read the one left out; `leave_one_part_out` below reproduces the
# second view). Two views, because the rules have been tuned on every dev file:
#  * "fresh": dev10-dev14 read by the rules as they were *before* anyone saw
#    those files (they were held out then) plus the left-out model: the closest
#    thing to a new set of messages the rules have never seen.
#  * "all": all 14 files with today's rules (in-sample for the rules, so what is
#    left is mostly the cost of the model's own check-ins on harmless messages).
#                                   fresh: recall crisis FA | all: recall crisis FA
#   old  0.80 / 0.50 / 0.10, L2 3        96.8%  89.9%  5.0% |      99.7% 100%  1.1%
#   flag 0.75                            98.3%  93.3%  5.0% |      99.7% 100%  1.5%
#   flag 0.85 (chosen)                   96.3%  92.2%  4.0% |      99.7% 100%  0.7%
#   flag 0.90                            95.0%  91.6%  3.7% |      99.7% 100%  0.3%
#   drop_below 0.2 instead of 0.1        96.3%  92.2%  3.7% |      99.0% 100%  0.7%
#   flag_crisis_above off (1.0)          96.3%  89.9%  4.0% |      99.7% 100%  0.7%
# flag_above 0.85 keeps both recall (>=95%) and false alarms (<=5%) a point
# clear of their floors in the pessimistic "fresh" view; 0.80 leaves the false
# alarms at the ceiling and 0.90 the recall at its floor. drop_below 0.2 would
# drop true concerns the rules find (-0.7 points of recall) for 0.3 points of
# false alarms, so it stays 0.1. Messages the rules miss that are crises (an
# overdose told sideways, being held somewhere) were read as harmless-or-concern
# only; flag_crisis_above 0.8 gives the crisis reply to a model check-in when the
# crisis reader is sure too (+2.3 points of crisis recall, no change in false
# alarms: a harmless message flagged is a false alarm at either tier).
# crisis_above from 0.3 to 0.7 moves crisis recall by under a point; 0.5 stays.
# drop_below never drops a concern from a crisis rule's category (a crisis
# softened by a laugh: "i want to die lol"); the figures above do not move.
THRESHOLDS = {"flag_above": 0.85, "crisis_above": 0.5, "drop_below": 0.1, "flag_crisis_above": 0.8}


def _fit(rows: Sequence[set[str]], labels: Sequence[bool], l2: float = L2) -> dict[str, object]:
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
        weights -= RATE * (matrix.T @ (p - y) / len(y) + weights / (l2 * len(y)))
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
        "thresholds": dict(THRESHOLDS),  # chosen by leave-one-part-out cross-validation (above)
        "trained_on": {f"{part}.csv": file_digest(root / f"{part}.csv") for part in parts},
    }
    out.write_text(json.dumps(model, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    return model


def leave_one_part_out(root: Path = CORPUS, l2: float = L2,
                       thresholds: dict[str, float] | None = None) -> dict[str, dict[str, float]]:
    """Each development file read by today's rules and a model fitted on the
    other files: recall, crisis recall and false alarms per file and overall
    ("all" view above). Slow (two fits per file); not part of `train`."""
    from app.yarn.riskmodel import Linear, RiskModel
    from app.yarn.evaluation import evaluate

    chosen = dict(THRESHOLDS if thresholds is None else thresholds)
    detector = RiskDetector()
    parts = dev_parts(root)
    examples = {part: load(part, root) for part in parts}
    rows = {part: [features(detector.tokens(e.text)) for e in examples[part]] for part in parts}
    figures: dict[str, dict[str, float]] = {}
    totals = Counter()
    for held in parts:
        train_rows = [r for part in parts if part != held for r in rows[part]]
        train_examples = [e for part in parts if part != held for e in examples[part]]
        risk = _fit(train_rows, [e.tier != "none" for e in train_examples], l2)
        crisis = _fit(train_rows, [e.tier == "crisis" for e in train_examples], l2)
        model = RiskModel(Linear(**risk), Linear(**crisis), **chosen)  # type: ignore[arg-type]
        report = evaluate(examples[held], RiskDetector(model=model).assess, held)
        figures[held] = {"recall": report.recall, "crisis_recall": report.crisis_recall,
                         "false_alarms": report.false_alarm_rate}
        totals.update({"risky": report.risky, "caught": report.caught, "crisis": report.crisis,
                       "crisis_reached": report.crisis_reached, "harmless": report.harmless,
                       "false_alarms": report.false_alarms})
    figures["all"] = {"recall": totals["caught"] / totals["risky"],
                      "crisis_recall": totals["crisis_reached"] / totals["crisis"],
                      "false_alarms": totals["false_alarms"] / totals["harmless"]}
    return figures
