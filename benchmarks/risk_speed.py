"""How long the risk check takes per message (it runs on every message, first).

Times `assess` on every message of the development corpus (corpus/risk/dev*.csv),
after one warm-up pass, several rounds, and prints p50 / p99 / max per message
for the rules alone and for rules with the model's second reading (what the
chatbot runs). Then, as a worker meets new messages: each held-out message
(corpus/risk/heldout*.csv) once, never seen before by the process (what the
model keeps per word and per pair of words was filled by the development part
only).

    python benchmarks/risk_speed.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.yarn.content import default_content  # noqa: E402
from app.yarn.evaluation import CORPUS, load  # noqa: E402
from app.yarn.risk import RiskDetector  # noqa: E402
from app.yarn.riskmodel import default_model  # noqa: E402
from figures import percentile  # noqa: E402


def timings(detector: RiskDetector, messages: list[str], rounds: int, warm: bool = True) -> list[float]:
    for message in messages if warm else ():  # warm: caches of word forms
        detector.assess(message)
    found: list[float] = []
    for _ in range(rounds):
        for message in messages:
            started = time.perf_counter()
            detector.assess(message)
            found.append((time.perf_counter() - started) * 1000)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    messages = [e.text for path in sorted(CORPUS.glob("dev*.csv")) for e in load(path.stem)]
    content = default_content()
    print(f"{len(messages)} messages x {args.rounds} rounds")
    for label, model in (("rules", None), ("rules + model", default_model())):
        detector = RiskDetector(content.crisis_phrases, content.concern_phrases, model=model)
        report(label, timings(detector, messages, args.rounds))
    unseen = [e.text for path in sorted(CORPUS.glob("heldout*.csv")) for e in load(path.stem)]
    report("unseen, once", timings(detector, unseen, 1, warm=False))


def report(label: str, ms: list[float]) -> None:
    print(f"{label:14} p50 {percentile(ms, 0.5):.3f} ms  p99 {percentile(ms, 0.99):.3f} ms  max {max(ms):.3f} ms")


if __name__ == "__main__":
    main()
