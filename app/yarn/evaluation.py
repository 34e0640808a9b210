"""Measuring the risk check against the labelled corpus (corpus/risk/).

`dev*.csv` are the parts the rules were tuned on and the model learnt from;
`heldout*.csv` were written blind, by people who had not seen the rules, and
are not read while writing them (docs/risk-evaluation.md: each held-out part
is measured once, then becomes development data). Columns: text, category,
tier (none | concern | crisis), why.
`checkin_*.csv` hold answers to "are you safe right now?" (text, expected:
safe | not_safe, why).

`aimhi risk-eval` prints the figures and every miss.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.yarn.risk import Assessment

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "risk"
TIERS = ("none", "concern", "crisis")


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    tier: str
    why: str


def load(part: str, root: Path = CORPUS) -> list[Example]:
    with (root / f"{part}.csv").open(encoding="utf-8", newline="") as handle:
        rows = [Example(r["text"], r["category"], r["tier"], r["why"]) for r in csv.DictReader(handle)]
    bad = [r for r in rows if r.tier not in TIERS]
    if bad:
        raise ValueError(f"{part}.csv: unknown tier in {bad[0]!r}")
    return rows


@dataclass
class Report:
    part: str
    total: int = 0
    risky: int = 0
    caught: int = 0  # risky assessed concern or crisis
    crisis: int = 0
    crisis_reached: int = 0  # crisis-tier assessed crisis
    harmless: int = 0
    false_alarms: int = 0
    per_category: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[tuple[Example, Assessment]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.caught / self.risky if self.risky else 1.0

    @property
    def crisis_recall(self) -> float:
        return self.crisis_reached / self.crisis if self.crisis else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.harmless if self.harmless else 0.0


def evaluate(examples: Sequence[Example], assess: Callable[[str], Assessment], part: str = "") -> Report:
    report = Report(part, total=len(examples))
    for example in examples:
        found = assess(example.text)
        tally = report.per_category[example.category]
        tally[1] += 1
        if example.tier == "none":
            report.harmless += 1
            ok = found.level is None
            report.false_alarms += not ok
        else:
            report.risky += 1
            ok = found.level is not None
            report.caught += ok
            if example.tier == "crisis":
                report.crisis += 1
                reached = found.level == "crisis"
                report.crisis_reached += reached
                ok = ok and reached
        tally[0] += ok
        if not ok:
            report.misses.append((example, found))
    return report


def format_report(report: Report) -> str:
    lines = [f"== {report.part}: {report.total} messages",
             f"risky caught (concern or crisis): {report.caught}/{report.risky} = {report.recall:.1%}",
             f"crisis-tier reaching crisis:      {report.crisis_reached}/{report.crisis} = {report.crisis_recall:.1%}",
             f"harmless false alarms:            {report.false_alarms}/{report.harmless} = {report.false_alarm_rate:.1%}",
             "per category (right / all):"]
    for category, (right, total) in sorted(report.per_category.items()):
        lines.append(f"  {category:<22} {right:>3}/{total:<3} {right / total:.0%}")
    lines.append(f"misses ({len(report.misses)}):")
    for example, found in report.misses:
        lines.append(f"  [{example.tier} {example.category}] got {found.level or 'none'}"
                     f"{' (' + found.category + ': ' + (found.trigger or '') + ')' if found.category else ''}: {example.text}")
    return "\n".join(lines)


@dataclass(frozen=True)
class CheckinExample:
    text: str
    expected: str  # safe | not_safe
    why: str


def load_checkins(part: str, root: Path = CORPUS) -> list[CheckinExample]:
    with (root / f"checkin_{part}.csv").open(encoding="utf-8", newline="") as handle:
        rows = [CheckinExample(r["text"], r["expected"], r["why"]) for r in csv.DictReader(handle)]
    if any(r.expected not in ("safe", "not_safe") for r in rows):
        raise ValueError(f"checkin_{part}.csv: expected must be safe or not_safe")
    return rows


@dataclass
class CheckinReport:
    part: str
    total: int = 0
    unsafe: int = 0
    unsafe_read_as_safe: int = 0  # the dangerous error
    safe: int = 0
    safe_read_as_unsafe: int = 0  # one more crisis reply than needed
    misses: list[tuple[CheckinExample, bool]] = field(default_factory=list)


def evaluate_checkins(examples: Sequence[CheckinExample], is_safe: Callable[[str], bool], part: str = "") -> CheckinReport:
    report = CheckinReport(part, total=len(examples))
    for example in examples:
        safe = is_safe(example.text)
        if example.expected == "safe":
            report.safe += 1
            report.safe_read_as_unsafe += not safe
        else:
            report.unsafe += 1
            report.unsafe_read_as_safe += safe
        if safe != (example.expected == "safe"):
            report.misses.append((example, safe))
    return report


def format_checkin_report(report: CheckinReport) -> str:
    lines = [f"== check-in answers, {report.part}: {report.total}",
             f"not safe read as safe (the dangerous error): {report.unsafe_read_as_safe}/{report.unsafe}",
             f"safe read as not safe (crisis reply again):  {report.safe_read_as_unsafe}/{report.safe}",
             f"misses ({len(report.misses)}):"]
    lines += [f"  [{e.expected}] read as {'safe' if got else 'not_safe'}: {e.text}" for e, got in report.misses]
    return "\n".join(lines)
