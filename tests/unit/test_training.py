"""The risk model's training: a model fitted on some files reads others
("fresh" views, how thresholds are chosen), and a lower flag threshold can only
flag more."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.yarn import training
from app.yarn.evaluation import CORPUS


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict[float, dict[str, float]]:
    root = tmp_path_factory.mktemp("corpus")
    for part in ("dev", "dev2", "dev3"):
        shutil.copy(CORPUS / f"{part}.csv", root / f"{part}.csv")
    return training.fresh_figures(["dev", "dev2"], ["dev3"], [0.95, 0.5, 0.05], root=root)


def test_fresh_figures_are_rates_for_every_threshold(figures: dict[float, dict[str, float]]) -> None:
    assert list(figures) == [0.95, 0.5, 0.05]
    for found in figures.values():
        assert set(found) == {"recall", "crisis_recall", "false_alarms"}
        assert all(0.0 <= value <= 1.0 for value in found.values())


def test_a_lower_flag_threshold_flags_at_least_as_much(figures: dict[float, dict[str, float]]) -> None:
    high, middle, low = (figures[flag] for flag in (0.95, 0.5, 0.05))
    assert high["recall"] <= middle["recall"] <= low["recall"]
    assert high["false_alarms"] <= middle["false_alarms"] <= low["false_alarms"]


def test_training_reads_only_the_parts_it_is_given(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    shutil.copy(CORPUS / "dev.csv", root / "dev.csv")
    shutil.copy(CORPUS / "dev2.csv", root / "dev2.csv")
    model = training.train(root=root, out=tmp_path / "model.npz", parts=["dev2"])
    assert list(model.trained_on) == ["dev2.csv"]
    assert (tmp_path / "model.npz").is_file()
