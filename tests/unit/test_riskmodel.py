"""The risk model's file and its reading: what is saved is what is read back,
the reading is the network's arithmetic, and a failed save keeps the old file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.yarn.riskfeatures import features
from app.yarn.riskmodel import MODEL_PATH, THRESHOLD_NAMES, Network, RiskModel, default_model
from app.yarn.textfold import tokenize


def _small() -> RiskModel:
    rng = np.random.default_rng(7)
    network = Network({"w:die": 0, "w:footy": 1, " ki": 2}, rng.normal(size=(3, 4)).astype(np.float32),
                      rng.normal(size=4).astype(np.float32), rng.normal(size=(4, 2)).astype(np.float32),
                      rng.normal(size=2).astype(np.float32))
    return RiskModel(network, flag_above=0.7, crisis_above=0.3, drop_below=0.1, flag_short_above=0.9,
                     flag_crisis_above=0.3, trained_on={"dev.csv": "ab" * 32})


def test_reading_is_the_networks_arithmetic() -> None:
    model = _small()
    net = model.network
    hidden = np.maximum(net.hidden_bias + net.hidden[[0, 2]].sum(axis=0), 0.0)
    expected = 1.0 / (1.0 + np.exp(-(hidden @ net.out + net.out_bias)))
    risk, crisis = model.read({"w:die", " ki", "w:not-in-the-vocabulary"})
    assert (risk, crisis) == pytest.approx(tuple(expected), abs=1e-6)
    assert model.read(set()) == pytest.approx(tuple(1.0 / (1.0 + np.exp(-(np.maximum(net.hidden_bias, 0) @ net.out
                                                                         + net.out_bias)))), abs=1e-6)


def test_saved_model_reads_back_the_same(tmp_path: Path) -> None:
    model = _small()
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = RiskModel.load(path)
    assert loaded.thresholds() == model.thresholds() and loaded.trained_on == model.trained_on
    assert loaded.network.index == model.network.index
    for found in ({"w:die"}, {"w:footy", " ki"}, set()):
        assert loaded.read(found) == pytest.approx(model.read(found), abs=2e-3)  # float16 weights
    assert not list(tmp_path.glob("*.partial"))


def test_a_failed_save_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.npz"
    _small().save(path)
    before = path.read_bytes()

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez_compressed", broken)
    with pytest.raises(OSError):
        _small().save(path)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.partial"))


def test_the_shipped_model_has_every_threshold_and_reads_a_message() -> None:
    model = RiskModel.load(MODEL_PATH)
    assert set(model.thresholds()) == set(THRESHOLD_NAMES)
    assert all(0.0 <= value <= 1.0 for value in model.thresholds().values())
    risk, crisis = model.read({"w:die", "w:tonight"})
    assert 0.0 <= risk <= 1.0 and 0.0 <= crisis <= 1.0


# ---- reading a message's tokens is reading its features --------------------------------

_TEXTS = st.lists(st.sampled_from(["i", "a", "u", "wanna", "die", "kms", "cutting", "footy", "deadly", ".", "!",
                                   "my", "cousin", "pills", "tonight", "x", "lol", "😂", "2", "sooo", "nan"]),
                  max_size=16).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_TEXTS | st.text(max_size=40))
def test_a_messages_rows_are_its_known_features(text: str) -> None:
    model = default_model()  # shared: its kept words and pairs are met again across examples
    assert model is not None
    tokens = tokenize(text)
    index = model.network.index
    assert model.network.rows.of(tokens) == {index[name] for name in features(tokens) if name in index}
    assert model.read_tokens(tokens) == model.read(features(tokens))  # the same sum, to the last bit


def test_rows_are_the_same_after_the_kept_words_are_let_go(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.yarn import riskfeatures

    monkeypatch.setattr(riskfeatures, "_KEPT", 3)
    rows = riskfeatures.FeatureRows(RiskModel.load().network.index)
    tokens = tokenize("i wanna go see my nan tonight. footy was deadly")
    first = rows.of(tokens)
    assert rows.of(tokens) == first and len(rows._words) <= 3 and len(rows._pairs) <= 3
