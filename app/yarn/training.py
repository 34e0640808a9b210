"""Training the risk model (app/yarn/riskmodel.py) on the development corpus.

    aimhi risk-train        # writes app/yarn/risk_model.npz

Deterministic (scikit-learn's multi-layer perceptron with a fixed seed), so the
same corpus gives the same file. Only corpus/risk/dev*.csv are read: the
held-out parts never reach the model. Reading the model needs numpy only.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from app.yarn.evaluation import CORPUS, Example, evaluate, load
from app.yarn.riskfeatures import features
from app.yarn.riskmodel import MODEL_PATH, Network, RiskModel, file_digest
from app.yarn.risk import RiskDetector

MIN_COUNT = 3  # a feature seen once or twice says nothing general (character n-grams make many such)
UNITS = 32  # hidden ReLU units (round 10, below)
ALPHA = 0.01  # L2 penalty
MAX_ITERATIONS = 50  # epochs at most; early stopping on a tenth of the rows held aside ends it sooner
SEED = 0  # the same model from the same files, every time

# Features (riskfeatures.features): word forms, word pairs, character 3-5-grams over
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
#  * "all": dev10-dev17 with today's rules (in-sample for the rules; rounds 1-8 had
#    a leave_one_part_out function for it; round 9's network is too slow to fit
#    once a file, and `fresh_figures` below gives the "fresh" views instead).
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
# Size and speed (rounds 1-8): ~36k weights, risk_model.json ~0.63 MB, loads in ~0.01 s;
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
#
# Round 9: the learner again. The two logistic readers became one network (16
# ReLU units, two outputs; scikit-learn's MLPClassifier, alpha 0.01, early
# stopping, seed 0; read with numpy, riskmodel.Network). Chosen on "fresh R8":
# the round-8 blind part (then heldout45-53, now dev54-dev62) read by the
# round-8 rules, which had not seen it, with a model fitted on dev..dev53
# (recall / crisis reaching crisis / false alarms; the rules alone 75.0 / 77.2 /
# 4.5 there):
#   logistic C 0.5 (round 8)  flag 0.80 92.7 91.8 5.3 (the blind figure)
#   network, 16 units         0.90 92.9 93.5 5.0 | 0.85 93.9 93.9 5.1 | 0.80 94.5 94.0 5.4 |
#                             0.75 94.8 94.1 5.7 | 0.70 95.2 94.2 5.8 (chosen, with flag_short 0.9)
#   32 units                  0.80 92.6 92.8 4.9 | 0.70 94.2 93.8 5.5
#   64 units                  0.80 93.8 93.4 5.0 | 0.70 94.7 93.9 5.4
#   alpha 0.001 / 0.03        0.80 94.5 93.9 5.4 / 94.0 94.0 5.4
#   five seeds, averaged      0.80 93.9 5.3 (seeds alone: 93.7-94.5 recall at 0.80: the seed moves
#                             the figures by about half a point; averaging does not beat one)
#
# Round 10: 32 units instead of 16, and the round-9 rules (rules_round9.py,
# contexts_round9.py). Chosen on "fresh R9": the round-9 blind part (then
# heldout54-62, now dev63-dev71) read by the round-9 rules, which had not seen
# it, with a network fitted on dev..dev62 (the rules alone 71.2 / 76.5 / 2.7):
#   16 units (round 9)        0.70 94.7 93.5 4.8 (the blind figure) | 0.65 95.1 93.5 5.1
#   16 units, seed 1          0.75 94.5 93.6 4.6 | 0.70 95.1 94.0 4.9 | 0.65 95.5 94.2 5.2
#   32 units                  0.75 94.7 94.0 4.7 | 0.70 95.2 94.2 5.0 (chosen) | 0.65 95.6 94.5 5.3
#   32 units, seeds 1 / 2     0.70 95.3 94.5 5.0 / 95.1 94.2 5.3
#   alpha 0.003 / 0.03        0.70 95.3 94.0 5.1 / 94.5 93.5 4.7
#   MIN_COUNT 2               0.70 94.2 93.6 4.5 | 0.60 95.1 93.9 5.2
# With three times the data of round 8's choice, 32 units now beat 16 by about
# half a point of crisis reach at the same false alarms, on every seed tried.
# The network beats the logistic reader by about 2 points of recall and crisis
# reach at the same false alarms. flag 0.70: the safety-first rule (fresh recall
# under 96%, so take the recall; a false alarm is a kind check-in). flag_short
# 0.9: a reply of three words or fewer needs more (the network reads a bare
# "nothing", an answer to "what worries you?", at 0.85); SHORT_WORDS 4 instead
# costs 0.2 points of recall. "can we keep talking?" (the yarn's own offer taken
# up, 0.72) is blanked by the lexicon (contexts_round8.HARMLESS), and a plain
# "i'm safe" without a hedge gets no check-in of the model's own (risk.py): on
# the check-in answers the network read "yes. im safe and im home" as a crisis.
# Round 11: flag 0.80 instead of 0.70, chosen on "fresh R10" (round 10's blind
# part, then heldout63-74, now dev72-dev83, read by the round-10 rules and the
# network fitted on dev..dev71, neither of which had seen it; the rules alone
# 71.8 / 75.8 / 3.2), before round 11 was written:
#   32 units                  0.70 96.35 95.09 5.26 (the blind figure) | 0.75 96.09 94.90 5.08 |
#                             0.80 95.65 94.63 4.84 (chosen) | 0.85 95.15 94.31 4.63
# At 0.70 recall had a point and a third to spare and false alarms were a
# quarter of a point over their ceiling; 0.80 is the lowest flag tried that
# meets all three targets on fresh messages. The network is refitted on
# dev..dev83 with the same settings.
# Round 12: flag 0.85, chosen the same way on "fresh R11" (round 11's blind
# part, then heldout75-92, now dev84-dev101, read by the round-11 rules and the
# network fitted on dev..dev83; the rules alone 74.5 / 77.0 / 3.9):
#   32 units                  0.80 96.73 95.55 5.19 (the blind figure) | 0.85 96.29 95.30 4.91 (chosen) |
#                             0.90 95.78 95.07 4.62
# 0.85 is again the lowest flag tried that meets all three targets on fresh
# messages. The network is refitted on dev..dev101 with the same settings.
THRESHOLDS = {"flag_above": 0.85, "crisis_above": 0.3, "drop_below": 0.1, "flag_crisis_above": 0.3,
              "flag_short_above": 0.9}


def _matrix(rows: Sequence[set[str]], index: dict[str, int]) -> sparse.csr_matrix:
    columns, starts = [], [0]
    for found in rows:
        columns.extend(sorted(index[f] for f in found if f in index))
        starts.append(len(columns))
    return sparse.csr_matrix((np.ones(len(columns), dtype=np.float32), columns, starts),
                             shape=(len(rows), len(index)))


def fit(rows: Sequence[set[str]], examples: Sequence[Example], trained_on: dict[str, str] | None = None) -> RiskModel:
    """The network (riskmodel.Network) fitted on these messages' features: the
    features seen at least MIN_COUNT times as 0/1 inputs, both readings (risk,
    crisis) as two outputs of one network. Deterministic (a fixed seed)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    counts = Counter(f for found in rows for f in found)
    index = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= MIN_COUNT))}
    labels = np.column_stack([[e.tier != "none" for e in examples], [e.tier == "crisis" for e in examples]])
    learner = MLPClassifier(hidden_layer_sizes=(UNITS,), alpha=ALPHA, early_stopping=True, random_state=SEED,
                            max_iter=MAX_ITERATIONS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # early stopping ends it; the cap only bounds the time
        learner.fit(_matrix(rows, index), labels.astype(int))
    (hidden, out), (hidden_bias, out_bias) = learner.coefs_, learner.intercepts_
    network = Network(index, hidden.astype(np.float32), hidden_bias.astype(np.float32), out.astype(np.float32),
                      out_bias.astype(np.float32))
    return RiskModel(network, trained_on=dict(trained_on or {}), **THRESHOLDS)


def dev_parts(root: Path = CORPUS) -> list[str]:
    return sorted((p.stem for p in root.glob("dev*.csv")), key=lambda stem: int(stem[3:] or 1))


def _read(parts: Sequence[str], root: Path) -> tuple[list[Example], list[set[str]]]:
    """The parts' messages and what the model reads of each (today's rules fold and blank the text)."""
    detector = RiskDetector()
    examples = [e for part in parts for e in load(part, root)]
    return examples, [features(detector.tokens(e.text)) for e in examples]


def train(root: Path = CORPUS, out: Path = MODEL_PATH, parts: Sequence[str] | None = None) -> RiskModel:
    """Fit on the development files (or `parts` of them), save to `out` and
    return the model as saved (its weights rounded to float16)."""
    parts = list(dev_parts(root) if parts is None else parts)
    examples, rows = _read(parts, root)
    digests = {f"{part}.csv": file_digest(root / f"{part}.csv") for part in parts}
    fit(rows, examples, trained_on=digests).save(out)
    return RiskModel.load(out)


def fresh_figures(train_parts: Sequence[str], read_parts: Sequence[str], flags: Sequence[float],
                  root: Path = CORPUS) -> dict[float, dict[str, float]]:
    """A model fitted on `train_parts` reading `read_parts` with today's rules,
    at each flag threshold: recall, crisis reached, false alarms. How
    thresholds and learners are chosen ("fresh" views, above)."""
    train_examples, rows = _read(train_parts, root)
    model = fit(rows, train_examples)
    read = [e for part in read_parts for e in load(part, root)]
    figures: dict[float, dict[str, float]] = {}
    for flag in flags:
        chosen = RiskModel(model.network, **(model.thresholds() | {"flag_above": flag}))
        report = evaluate(read, RiskDetector(model=chosen).assess, "fresh")
        figures[flag] = {"recall": report.recall, "crisis_recall": report.crisis_recall,
                         "false_alarms": report.false_alarm_rate}
    return figures
