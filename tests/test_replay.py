"""Tests for helpers.replay: hand-checked decisions, agreement with Keras's EarlyStopping, errors."""

import numpy as np
import pytest

from helpers.replay import early_stopping_decisions, replay_stopper
from helpers.runtime import import_keras

# Keras 3.15 calls np.array on TensorFlow variables, which NumPy 2.4 reports as a
# DeprecationWarning. The warning comes from Keras, not from these helpers.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.fixture(scope="module")
def model():
    keras = import_keras()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def keras_decisions(model, values, **settings):
    """Drive keras.callbacks.EarlyStopping as fit would and record (stop, best_epoch) per epoch."""
    keras = import_keras()
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", **settings)
    callback.set_model(model)
    callback.on_train_begin()
    decisions, best_epochs = [], []
    for epoch, value in enumerate(values):
        model.stop_training = False
        callback.on_epoch_end(epoch, {"val_loss": value})
        decisions.append(bool(model.stop_training))
        best_epochs.append(callback.best_epoch)
    model.stop_training = False
    return decisions, best_epochs


def test_decisions_by_hand():
    # Best 1.0 at epoch 0, then 0.75 at 1 and 0.7 at 3. After 3, two epochs without
    # improvement reach patience 2 at epoch 5, and epoch 6 does not improve either.
    decisions, best_epochs = early_stopping_decisions([1.0, 0.75, 0.8, 0.7, 0.72, 0.74, 0.71], patience=2)
    assert decisions == [False, False, False, False, False, True, True]
    assert best_epochs == [0, 1, 1, 3, 3, 3, 3]


def test_min_delta_and_later_improvement_by_hand():
    # 0.4375 and 0.375 are not more than 0.125 below 0.5, but 0.25 is, and it resets the count.
    decisions, best_epochs = early_stopping_decisions([1.0, 0.5, 0.4375, 0.375, 0.25], patience=2, min_delta=0.125)
    assert decisions == [False, False, False, True, False]
    assert best_epochs == [0, 1, 1, 1, 4]


@pytest.mark.parametrize("seed", range(40))
def test_decisions_match_keras(model, seed):
    rng = np.random.default_rng(seed)
    epochs = int(rng.integers(1, 25))
    mode = ["min", "max"][seed % 2]
    drift = -0.02 if mode == "min" else 0.02
    values = (1.0 + np.cumsum(rng.normal(drift, 0.05, size=epochs))).tolist()
    settings = {"patience": int(rng.integers(0, 6)), "min_delta": float(rng.choice([0.0, 0.01, 0.05])), "mode": mode}
    assert early_stopping_decisions(values, **settings) == keras_decisions(model, values, **settings)


def test_ties_are_not_improvements_in_keras_either(model):
    values = [0.5] * 5
    expected = ([False, True, True, True, True], [0, 0, 0, 0, 0])
    assert early_stopping_decisions(values, patience=1) == expected
    assert keras_decisions(model, values, patience=1) == expected


class Recorder:
    def __init__(self, decision, best_epoch):
        self.decision = decision
        self.best_epoch = best_epoch

    def on_epoch_end(self, epoch, value):
        return self.decision


def test_replay_rejects_non_boolean_decision():
    with pytest.raises(TypeError, match="on_epoch_end must return True or False; it returned None at epoch 0"):
        replay_stopper(Recorder(None, 0), [1.0])


def test_replay_rejects_missing_best_epoch():
    with pytest.raises(TypeError, match="best_epoch must be the epoch number .* it is None after epoch 0"):
        replay_stopper(Recorder(False, None), [1.0])


def test_replay_accepts_numpy_types():
    assert replay_stopper(Recorder(np.bool_(True), np.int64(0)), [1.0, 2.0]) == ([True, True], [0, 0])
