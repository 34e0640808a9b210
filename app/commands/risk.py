"""`aimhi risk-eval` and `aimhi risk-train`: the risk check against the
labelled corpus (corpus/risk/, described in app/yarn/evaluation.py).

A part is a file's name without `.csv`: `dev`, `dev2`, ... (the development
parts the rules and the model were tuned on), `heldout`, `heldout2`, ... and
`checkin_heldout` (held out: never read while tuning), `checkin_dev`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import click

from app.commands.common import fail

EXIT_FAILED = 1
CHECKIN_PREFIX = "checkin_"
INSTALL_HINT = "python -m pip install -e '.[test]'"


def corpus_root() -> Path:
    from app.yarn.evaluation import CORPUS

    return CORPUS


def is_held_out(part: str) -> bool:
    return part.startswith("heldout") or part.startswith(f"{CHECKIN_PREFIX}heldout")


def _order(part: str) -> tuple[bool, bool, str, int]:
    name, number = re.fullmatch(r"(.*?)(\d*)", part).groups()  # type: ignore[union-attr]
    return part.startswith(CHECKIN_PREFIX), is_held_out(part), name, int(number or 0)


def corpus_parts(root: Path | None = None) -> list[str]:
    """Every part: development first, then held out, then the check-in answers."""
    return sorted((p.stem for p in (root or corpus_root()).glob("*.csv")), key=_order)


def _chosen(asked: Sequence[str], known: Sequence[str]) -> list[str]:
    names = [name.removesuffix(".csv") for name in asked] or list(known)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise click.BadParameter(
            f"unknown part {unknown[0]!r}. Known parts: {', '.join(known)}.", param_hint="'--part'")
    return list(dict.fromkeys(names))


def _is_safe(answer: str) -> bool:
    """How the yarn reads an answer to "are you safe right now?" (app/yarn/flow.py)."""
    from app.yarn import safety
    from app.yarn.checkin import says_safe

    return not safety.assess(answer).risky and says_safe(answer)


def _evaluate(part: str) -> tuple[str, str]:
    """(the full report, its one-line summary) for one part."""
    from app.yarn import evaluation as ev
    from app.yarn import safety

    tag = f"{part} (held out)" if is_held_out(part) else part
    if part.startswith(CHECKIN_PREFIX):
        answers = ev.evaluate_checkins(ev.load_checkins(part.removeprefix(CHECKIN_PREFIX)), _is_safe, part)
        return ev.format_checkin_report(answers), (
            f"  {tag:<28} not safe read as safe {answers.unsafe_read_as_safe}/{answers.unsafe}, "
            f"safe read as not safe {answers.safe_read_as_unsafe}/{answers.safe}")
    found = ev.evaluate(ev.load(part), safety.assess, part)
    return ev.format_report(found), (
        f"  {tag:<28} risky caught {found.caught}/{found.risky} {found.recall:.1%}, "
        f"crisis reaching crisis {found.crisis_reached}/{found.crisis} {found.crisis_recall:.1%}, "
        f"false alarms {found.false_alarms}/{found.harmless} {found.false_alarm_rate:.1%}")


@click.command("risk-eval", short_help="Measure the risk check on the labelled corpus.")
@click.option("--part", "parts", multiple=True, metavar="NAME",
              help="A corpus part, e.g. dev or heldout2 (repeat for several; default: every part).")
def risk_eval(parts: tuple[str, ...]) -> None:
    """Measure the chatbot's risk check on the labelled corpus (corpus/risk/):
    how many risky messages it catches, how many crises reach the crisis reply,
    its false alarms, and every miss. Exit 0 once measured, 2 for an unknown part."""
    known = corpus_parts()
    if not known:
        fail(f"there are no corpus files (*.csv) in {corpus_root()}.", EXIT_FAILED)
    summaries = []
    for part in _chosen(parts, known):
        try:
            report, summary = _evaluate(part)
        except (OSError, ValueError, KeyError) as error:
            fail(f"{part}.csv could not be read: {type(error).__name__}: {error}", EXIT_FAILED)
        click.echo(report + "\n")
        summaries.append(summary)
    if len(summaries) > 1:
        click.echo("== summary\n" + "\n".join(summaries))


def _training() -> ModuleType:
    try:
        from app.yarn import training
        import sklearn.neural_network  # noqa: F401  (imported by training.fit when it runs)
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in ("numpy", "scipy", "sklearn"):
            raise
        fail(f"risk-train needs scikit-learn ({error.name} is not installed). Install it with the test extras:\n"
             f"  {INSTALL_HINT}", EXIT_FAILED)
    return training


@click.command("risk-train", short_help="Retrain the risk model on the development files.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the model (default: app/yarn/risk_model.npz, the one the chatbot loads).")
@click.option("--corpus", "root", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="The folder of corpus files to train on (default: corpus/risk); only its dev*.csv are read.")
def risk_train(out: Path | None, root: Path | None) -> None:
    """Retrain the risk model on the development files (corpus/risk/dev*.csv)
    only; the held-out files are never read. Deterministic: the same files
    give the same model. Needs scikit-learn (the test extras)."""
    training = _training()
    from app.yarn.evaluation import load
    from app.yarn.riskmodel import MODEL_PATH

    target, root = out or MODEL_PATH, root or corpus_root()
    if not training.dev_parts(root):
        fail(f"there are no development files (dev*.csv) in {root} to train on.", EXIT_FAILED)
    try:
        model = training.train(root, out=target)
    except OSError as error:
        fail(f"could not write {target}: {error.strerror or error}", EXIT_FAILED)
    trained = model.trained_on  # file name -> SHA-256
    files = sorted(trained, key=lambda name: _order(name.removesuffix(".csv")))
    counts = {name: len(load(name.removesuffix(".csv"), root)) for name in files}
    click.echo(f"Trained the risk model on {sum(counts.values()):,} messages from {len(files)} development files:")
    for name, count in counts.items():
        click.echo(f"  {name:<16}{count:>6}")
    click.echo("No held-out file was read.")
    net = model.network
    click.echo(f"Wrote {target} ({len(net.index):,} features, {net.hidden.shape[1]} hidden units).")
    if target == MODEL_PATH:
        click.echo("Restart the chatbot to use it; `aimhi risk-eval` measures it.")
