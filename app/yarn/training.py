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
from scipy import optimize, sparse

from app.yarn.evaluation import CORPUS, Example, load
from app.yarn.riskmodel import MODEL_PATH, features, file_digest
from app.yarn.risk import RiskDetector

MIN_COUNT = 3  # a feature seen once or twice says nothing general (character n-grams make many such)
C = 0.5  # L2-regularised logistic loss: C * sum(log-loss) + |w|^2 / 2, fitted to convergence (round 8, below)
MAX_ITERATIONS = 2000

# Features (riskmodel.features): word forms, word pairs, character 3-5-grams over
# the folded words (across the spaces: misspellings, run-ons, voice-to-text,
# Kriol spellings share most of their n-grams with the words the model has seen),
# the lexicon's word groups present (g:WANT, g:PILLS, g:NOW ...) and those groups
# when the writer speaks of themselves (gi:). The first model had words and pairs
# only.
#
# How the model joins the rules (risk.py `_second_reading`), chosen by
# leave-one-part-out cross-validation over the 17 development files (fit on 16,
# read the one left out). Views:
#  * "fresh R2": dev15-dev17 read by the rules as they were *before* anyone saw
#    those files (the rules of round 1, which scored 78.2% / 78.8% / 4.4% alone on
#    them blind) plus the left-out model: the closest thing to a new set of
#    messages. This is the view the thresholds were chosen on.
#  * "fresh R1": dev10-dev14 the same way, with the rules before round 1 (commit
#    cb32f74).
#  * "all": dev10-dev17 with today's rules (in-sample for the rules; `leave_one_part_out`
#    below reproduces it for any part).
# Each: recall / crisis reaching crisis / false alarms.
#                                            fresh R2           | fresh R1           | all
#   rules alone                              78.2  78.8  4.4    | 91.0  88.8  4.2    | 98.1  97.0  0.8
#   old model (words, pairs), 0.85/.5/.1/.8  86.3  83.4  4.6    | 95.8  91.6  4.2    |
#   new features, same thresholds            91.8  88.1  4.6    | 98.5  93.3  4.5    | 98.6  98.9  1.4
#   new, flag 0.85, flag_crisis 0.5          91.8  90.2  4.6    | 98.5  95.5  4.5    | 98.6  98.9  1.4
#   new, flag 0.80, flag_crisis 0.5 (chosen) 92.9  91.7  5.0    | 99.0  95.5  5.0    | 99.0  99.2  1.8
#   new, flag 0.75, flag_crisis 0.5          94.1  91.7  5.8    | 99.2  95.5  4.8    | 98.9  99.2  2.4
#   new, flag 0.70, flag_crisis 0.5          94.5  92.2  6.3    | 99.2  95.5  4.8    | 98.9  99.2  2.9
#   new, flag 0.60, flag_crisis 0.5          95.5  92.2  7.1    | 99.2  95.0  5.8    |
# (rows other than the chosen one: drop_below without the laugh condition below,
# which moves fresh R1 false alarms by 0.2 points and nothing else.)
# (character n-grams alone: 92.7 / 90.2 / 5.2 at flag 0.8; 3-4-grams instead of
# 3-5: 92.5 / 91.2 / 5.0; MIN_COUNT 6 instead of 3: 92.9 / 91.2 / 5.2; word groups alone add
# little, 88.8 / 87.0 / 5.2; class weighting 2:1 towards risky only moves the
# curve along itself; Adam and per-message normalisation were no better.)
# flag_above 0.80: the model's own check-ins ("is everything ok?") for messages
# the rules pass; in the fresh R2 view the false alarms are 5.0%, of which 4.4
# points are the blind rules' own (hyperbole, study talk: fixed in the lexicon
# since, but a new set will bring its own), so 0.75 (+1.2 recall, +0.8 FA) is
# the next step if the rules' false alarms on the next set stay low. Below 0.7
# the false alarms rise faster than recall. flag_crisis_above 0.5: a model
# check-in that its crisis reader calls a crisis gets the crisis reply (+3.1
# points of crisis recall in fresh R2 against 0.8; no change to false alarms: a
# harmless message flagged is a false alarm at either tier). crisis_above 0.3-0.6
# and drop_below 0.05-0.1 move the figures by under half a point; they stay.
# drop_below drops only a concern said with a laugh (@LAUGH, not @SERIOUS), and
# never one from a crisis rule's category (a crisis softened by a laugh: "i want
# to die lol"). Without the laugh condition it also dropped true concerns the
# model doubted ("i'm being bullied at school" 0.09, "aunty's struggling cos of
# me, just another mouth to feed" 0.08, "i ran into traffic once" 0.08); with it
# the fresh R2 figures are the same and fresh R1 has 0.2 points more false alarms.
# Per round-2 file, fresh, rules alone -> rules + model: dev15 78.2/73.0/5.1 ->
# 93.5/90.5/4.0; dev16 76.3/79.7/4.0 -> 92.9/93.8/5.7; dev17 80.1/83.3/4.1 ->
# 92.4/90.9/5.3. So on a new set expect recall in the low 90s from the model's
# side alone: the floors (95% / 90% / 5%) need the rules to generalise too.
# Size and speed: ~36k weights, risk_model.json ~0.63 MB, loads in ~0.01 s;
# features + both readers ~0.1 ms a message (one complex-valued lookup per
# feature, RiskModel.read). benchmarks/risk_speed.py p99 on this 2-core machine:
# 0.66 ms rules + model (0.67-0.72 ms with the old model), 0.39 ms rules alone.
#
# Round 3 (dev18-dev22 added, 22 files; the model retrained on all of them).
#  * "fresh R3": dev18-dev22 read by the rules as they were before anyone saw
#    those files (commit 2108bce, snapshot kept while tuning) plus a model fitted
#    on the other 21 files (today's features, so today's word groups and blanked
#    phrases). Rules alone there: 80.7 / 81.2 / 2.7 (the blind score).
#  * "fresh R2" again: dev15-dev17 with the round-1 rules (commit cb32f74; 76.1 /
#    76.7 / 5.0 alone when re-run here with today's content phrases) and a model
#    fitted on the other 21 files.
#  * "all": every file with today's rules, the model left out of its own file.
#                                            fresh R3           | fresh R2           | all
#   old thresholds (flag 0.80)               93.6  91.7  3.7    | 93.7  91.7  5.8    | 99.4  99.1  1.7
#   flag 0.75                                94.3  91.7  4.0    | 95.3  93.3  6.3    | 99.5  99.2  2.1
#   flag 0.72                                94.4  91.7  4.1    | 95.7  93.3  6.9    | 99.5  99.2  2.3
#   flag 0.70 (chosen)                       94.9  92.0  4.2    | 95.7  93.3  6.9    | 99.5  99.2  2.6
#   flag 0.68                                95.2  92.0  4.8    | 96.5  94.3  7.1    | 99.6  99.2  2.9
#   flag 0.65                                95.5  92.4  5.0    | 96.7  93.8  7.3    | 99.6  99.2  3.2
#   flag 0.60                                96.1  92.4  5.6    | 97.1  93.8  7.5    | 99.6  99.2  3.8
# (flag_crisis_above 0.4 instead of 0.5: +0.4 crisis in fresh R3 at 0.68 and
# below, nothing at 0.7; crisis_above, drop_below unchanged.) Chosen by the
# safety-first rule: fresh recall is under 96%, so the lowest flag threshold
# whose fresh R3 false alarms stay at or under ~4.5%: 0.70 (0.68 is 4.8).
# Fresh R3 per file, blind rules alone -> + model at 0.70: dev18 84.7/81.7/0.7 ->
# 96.7/91.7/3.3; dev19 77.3/80.0/3.3 -> 91.3/89.1/4.7; dev20 78.0/83.9/2.0 ->
# 94.0/89.3/2.7; dev21 76.8/77.2/1.9 -> 95.4/93.0/5.2; dev22 86.7/83.3/5.3 ->
# 97.3/96.7/5.3. The fresh R2 false alarms (6.9) are the round-1 rules' own 5.0
# plus the model's; with a new set the rules bring their own, so on the next
# set expect recall ~95% from blind rules + model: the floor (95%) needs the
# rules written since (rules_round3.py) to generalise, not only the model.
# Model settings tried on fresh R3/R2 (flag 0.7): STEPS 800 95.2/91.7/4.5,
# 1600 95.5/91.7/5.2 (the same curve, shifted); MIN_COUNT 2 95.1/92.0/4.5;
# RATE 1.0 with 800 steps 95.5/91.7/5.3: none better than the curve above, so
# STEPS / RATE / MIN_COUNT / L2 stay.
# flag_short_above 0.8: a reply of 3 words or fewer (riskmodel.SHORT_WORDS) keeps the
# round-2 bar for the model's own check-in: "what now?" (0.72), "not really"
# (0.71) are everyday replies mid-yarn. No change to any figure above (24 dev
# messages are that short; the 3 risky ones are the rules').
#
# Round 4 (dev23-dev29 added, 29 files). "Fresh R4" is the round-4 blind
# measurement itself: commit f25653c's rules and model (which had not seen
# dev23-dev29) on those files, by flag threshold:
#   flag 0.80 92.9 93.3 3.1 | 0.75 93.6 93.3 3.6 | 0.70 94.5 93.6 4.4 (the blind
#   figure) | 0.68 94.7 93.6 4.5 | 0.65 95.0 93.6 4.9 | 0.62 95.3 93.6 5.2 |
#   0.60 95.3 93.6 5.6 | 0.55 95.9 93.8 6.4
# The same safety-first rule (fresh recall under 96%: the lowest threshold whose
# fresh false alarms stay at or under ~4.5%) would give 0.68 (+0.2 recall,
# +0.1 false alarms), but at 0.68 the retrained model checks in on "can we keep
# talking?" (0.69), the young person's own request to go on after the summary
# (tests/unit/test_flow.py). Too small a gain for that: 0.70 stays.
#
# Round 5 (dev30-dev37 added, 37 files). Fresh R5 = the round-5 blind
# measurement (commit 939565a on those files), by flag threshold:
#   0.80 93.0 92.9 9.8 | 0.75 93.8 93.1 10.3 | 0.70 94.7 93.4 11.1 (blind) |
#   0.68 94.8 93.4 11.4 | 0.65 95.0 93.6 12.0 | 0.60 95.6 94.1 12.7
# The false alarms were the rules' (8.0% alone); the model's share is ~3 points
# at every threshold, so the threshold is not the lever: 0.70 stays, and round 5
# went into the rules (rules_round5.py, its contexts that clear a category).
#
# Round 8: the learner. Rounds 1-7 fitted each reader by 400 plain gradient steps
# from zero (the early stop was the regulariser). Chosen on "fresh R7": the
# round-7 files (dev46-dev53) read by the rules of commit e9ea970, which had not
# seen them, with a model fitted on dev..dev45 (recall / crisis / false alarms;
# flag_crisis_above and crisis_above 0.5 unless said):
#   400 steps (rounds 1-7)  flag 0.80 91.0 89.2 5.8 | 0.70 92.2 90.0 6.6 (the blind figure)
#     the same, flag_crisis_above and crisis_above 0.3: 0.70 92.2 91.6 6.6
#   converged, C 0.5        0.85 92.4 90.1 6.0 | 0.80 93.3 90.5 6.3 | 0.75 93.9 90.7 6.7 | 0.70 94.6 91.2 7.3
#     flag_crisis_above and crisis_above 0.3: 0.85 92.4 90.9 6.0 | 0.80 93.3 91.3 6.3 (chosen) | 0.70 94.6 91.9 7.3
#   converged, C 1 / C 2    0.80 93.8 90.4 6.9 / 94.2 90.6 7.2 (the same curve, further along)
# (tried and not better: rows scaled to unit length, 92.2 89.3 6.5 at 0.7; NB-weighted
# features, 89.7 86.3 6.1 at 0.7.) Converged C 0.5 at flag 0.8 beats the old reader
# at 0.7 on all three figures. The lever that would meet the false-alarm target,
# letting the model drop any concern of the rules it is sure is harmless (risk <
# 0.05, no laugh needed), takes the false alarms down 0.9 points but drops real
# concerns with them ("how much weed killer would kill a person", "worries? the
# bullies at school", "my urges came back after exams"): not taken. Crisis 0.3
# (both thresholds): +0.8 crisis reach, nothing else moves; a concern raised to
# the crisis reply still gets a check-in's resources and more.
THRESHOLDS = {"flag_above": 0.8, "crisis_above": 0.3, "drop_below": 0.1, "flag_crisis_above": 0.3,
              "flag_short_above": 0.8}


def _fit(rows: Sequence[set[str]], labels: Sequence[bool], c: float = C) -> dict[str, object]:
    """L2-regularised logistic regression fitted to convergence by L-BFGS
    (deterministic: the same rows give the same weights), over a sparse 0/1
    matrix of the features seen at least MIN_COUNT times."""
    counts = Counter(f for found in rows for f in found)
    vocabulary = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    index = {f: i for i, f in enumerate(vocabulary)}
    columns, starts = [], [0]
    for found in rows:
        columns.extend(sorted(index[f] for f in found if f in index))
        starts.append(len(columns))
    x = sparse.csr_matrix((np.ones(len(columns)), columns, starts), shape=(len(rows), len(vocabulary)))
    y = np.asarray(labels, dtype=float)

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = theta[:-1], theta[-1]
        z = x @ weights + bias
        error = 1.0 / (1.0 + np.exp(-z)) - y
        loss = c * float((np.logaddexp(0.0, z) - y * z).sum()) + 0.5 * float(weights @ weights)
        return loss, np.append(c * (x.T @ error) + weights, c * error.sum())

    fitted = optimize.minimize(loss_and_gradient, np.zeros(len(vocabulary) + 1), jac=True, method="L-BFGS-B",
                               options={"maxiter": MAX_ITERATIONS})
    weights, bias = fitted.x[:-1], float(fitted.x[-1])
    kept = {f: round(float(w), 4) for f, w in zip(vocabulary, weights) if abs(w) >= 0.01}
    return {"bias": round(bias, 4), "weights": kept}


def dev_parts(root: Path = CORPUS) -> list[str]:
    return sorted((p.stem for p in root.glob("dev*.csv")), key=lambda stem: int(stem[3:] or 1))


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


def leave_one_part_out(root: Path = CORPUS, c: float = C,
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
        risk = _fit(train_rows, [e.tier != "none" for e in train_examples], c)
        crisis = _fit(train_rows, [e.tier == "crisis" for e in train_examples], c)
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
