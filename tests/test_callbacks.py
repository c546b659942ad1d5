"""Tests for helpers.callbacks: hand-checked runs, agreement with Keras's callbacks, errors, properties.

Keras's ``EarlyStopping`` and ``ReduceLROnPlateau`` are driven directly: a tiny real model
is attached with ``set_model`` and the callback gets ``on_train_begin`` and one
``on_epoch_end`` per value, the calls ``fit`` would make.
"""

import math
import warnings

import numpy as np
import pytest

from helpers.callbacks import RULES, EarlyStoppingRule, ReduceLROnPlateauRule, resolve_mode
from helpers.runtime import import_keras

RANDOM_SEQUENCES = 150
"""Number of random value sequences compared with Keras for each rule."""

# Keras 3.15 calls np.array on the optimizer's learning-rate variable, which NumPy 2.4
# reports as a DeprecationWarning. The warning comes from Keras, not from these helpers.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.fixture(scope="module")
def keras():
    return import_keras()


@pytest.fixture(scope="module")
def model(keras):
    """A tiny compiled model whose metrics are built, so that Keras can resolve mode='auto'."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy", metrics=["accuracy"])
    x = np.zeros((4, 2), dtype="float32")
    y = np.array([0, 1, 0, 1], dtype="float32")
    model.evaluate(x, y, verbose=0)
    return model


def _keras_early_stopping_run(keras, model, values, monitor="val_loss", **arguments):
    """Return Keras's per-epoch (stopped, best, best_epoch, wait) for ``values``."""
    callback = keras.callbacks.EarlyStopping(monitor=monitor, **arguments)
    callback.set_model(model)
    callback.on_train_begin()
    states = []
    for epoch, value in enumerate(values):
        model.stop_training = False
        callback.on_epoch_end(epoch, {monitor: value})
        states.append((model.stop_training, callback.best, callback.best_epoch, callback.wait))
    model.stop_training = False
    return states


def _our_early_stopping_run(values, monitor="val_loss", **arguments):
    rule = EarlyStoppingRule(monitor=monitor, **arguments)
    states = []
    for epoch, value in enumerate(values):
        stop = rule.on_epoch_end(epoch, {monitor: value})
        states.append((stop, rule.best, rule.best_epoch, rule.wait))
    return states


def _keras_plateau_run(keras, model, values, initial_rate, monitor="val_loss", **arguments):
    """Return Keras's per-epoch (learning rate after the epoch, best, wait, cooldown) for ``values``."""
    model.optimizer.learning_rate = initial_rate
    callback = keras.callbacks.ReduceLROnPlateau(monitor=monitor, **arguments)
    callback.set_model(model)
    callback.on_train_begin()
    states = []
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {monitor: value})
        rate = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        states.append((rate, callback.best, callback.wait, callback.cooldown_counter))
    return states


def _our_plateau_run(keras, model, values, initial_rate, monitor="val_loss", **arguments):
    """Run our rule fed with the rate Keras's optimizer holds, as a callback built on the rule would be."""
    model.optimizer.learning_rate = initial_rate
    rule = ReduceLROnPlateauRule(monitor=monitor, **arguments)
    states = []
    for epoch, value in enumerate(values):
        current_rate = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        new_rate = rule.on_epoch_end(epoch, {monitor: value}, learning_rate=current_rate)
        model.optimizer.learning_rate = new_rate
        rate = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        states.append((rate, rule.best, rule.wait, rule.cooldown_counter))
    return states


def _same_value(first, second) -> bool:
    if first is None or second is None:
        return first is second
    return first == second or (math.isnan(first) and math.isnan(second))


def _assert_early_stopping_agrees(expected, received, case):
    for epoch, (keras_state, our_state) in enumerate(zip(expected, received)):
        where = f"{case}, epoch {epoch}: Keras {keras_state}, ours {our_state}"
        assert our_state[0] == keras_state[0], "stop " + where
        assert _same_value(our_state[1], keras_state[1]), "best " + where
        # Keras starts best_epoch at 0 before any epoch is monitored, where the rule has None.
        if our_state[2] is not None:
            assert our_state[2] == keras_state[2], "best_epoch " + where
        assert our_state[3] == keras_state[3], "wait " + where


def _assert_plateau_agrees(expected, received, case):
    for epoch, (keras_state, our_state) in enumerate(zip(expected, received)):
        where = f"{case}, epoch {epoch}: Keras {keras_state}, ours {our_state}"
        assert our_state[0] == pytest.approx(keras_state[0], rel=1e-6), "learning rate " + where
        assert _same_value(our_state[1], keras_state[1]), "best " + where
        assert our_state[2] == keras_state[2], "wait " + where
        assert our_state[3] == keras_state[3], "cooldown " + where


def _random_values(rng, length):
    """Return a list of Python floats of one of several shapes, with ties and NaN sometimes."""
    kind = rng.integers(4)
    if kind == 0:
        # Noisy decreasing loss.
        values = 1.0 / (1.0 + np.arange(length)) + rng.normal(scale=0.05, size=length)
    elif kind == 1:
        # Values on a grid of 0.25, so that exact ties and ties at min_delta occur.
        values = rng.integers(0, 5, size=length) / 4.0
    elif kind == 2:
        # Plateaus: runs of equal values.
        values = np.repeat(rng.uniform(size=length), rng.integers(1, 4, size=length))[:length]
    else:
        values = rng.uniform(size=length)
    values = [float(value) for value in values]
    if rng.random() < 0.2:
        values[rng.integers(length)] = float("nan")
    return values


# Hand-checked runs ----------------------------------------------------------------------


def test_early_stopping_patience_two():
    rule = EarlyStoppingRule(monitor="val_loss", patience=2)
    decisions = [rule.on_epoch_end(epoch, {"val_loss": value}) for epoch, value in enumerate([0.5, 0.4, 0.45, 0.41])]
    # Epoch 1 is the best. Epochs 2 and 3 make wait 1 and 2, and 2 >= patience stops.
    assert decisions == [False, False, False, True]
    assert rule.best == 0.4
    assert rule.best_epoch == 1
    assert rule.stopped_epoch == 3
    assert rule.stop_training


def test_early_stopping_min_delta():
    rule = EarlyStoppingRule(monitor="val_loss", min_delta=0.1, patience=1)
    # 0.45 is not below 0.5 - 0.1, so epoch 1 does not improve and stops with patience 1.
    assert rule.on_epoch_end(0, {"val_loss": 0.5}) is False
    assert rule.on_epoch_end(1, {"val_loss": 0.45}) is True
    assert rule.best == 0.5


def test_early_stopping_mode_max():
    rule = EarlyStoppingRule(monitor="val_accuracy", patience=1)
    assert rule.mode == "max"
    assert rule.on_epoch_end(0, {"val_accuracy": 0.6}) is False
    assert rule.on_epoch_end(1, {"val_accuracy": 0.7}) is False
    assert rule.on_epoch_end(2, {"val_accuracy": 0.65}) is True
    assert rule.best_epoch == 1


def test_early_stopping_start_from_epoch():
    rule = EarlyStoppingRule(monitor="loss", start_from_epoch=2)
    # Epochs 0 and 1 are ignored, epoch 2 is the first best, epoch 3 stops (patience 0).
    assert [rule.on_epoch_end(epoch, {"loss": 1.0}) for epoch in range(4)] == [False, False, False, True]
    assert rule.best_epoch == 2


def test_early_stopping_baseline_never_beaten():
    rule = EarlyStoppingRule(monitor="val_loss", patience=2, baseline=0.3)
    # Each epoch improves on the last but none beats 0.3, so wait grows: 1, 2, 3.
    # Keras stops only on an epoch without improvement, which epoch 3 is.
    decisions = [rule.on_epoch_end(epoch, {"val_loss": value}) for epoch, value in enumerate([0.6, 0.5, 0.4, 0.45])]
    assert decisions == [False, False, False, True]
    assert rule.wait == 4


def test_early_stopping_keeps_best_weights():
    rule = EarlyStoppingRule(monitor="val_loss", restore_best_weights=True, patience=5)
    weights = [np.zeros(2)]
    for epoch, value in enumerate([0.5, 0.3, 0.4]):
        weights[0][:] = epoch
        rule.on_epoch_end(epoch, {"val_loss": value}, weights=weights)
    # The copy is of epoch 1, and later changes to the model's arrays do not reach it.
    np.testing.assert_array_equal(rule.best_weights[0], [1.0, 1.0])


def test_plateau_reduces_after_patience():
    rule = ReduceLROnPlateauRule(monitor="val_loss", factor=0.5, patience=2)
    rates = []
    rate = 0.1
    for epoch, value in enumerate([1.0, 1.0, 1.0, 1.0, 1.0]):
        rate = rule.on_epoch_end(epoch, {"val_loss": value}, learning_rate=rate)
        rates.append(rate)
    # Epochs 1 and 2 do not improve: wait reaches 2 at epoch 2, so 0.1 -> 0.05, wait resets.
    # Epochs 3 and 4: wait reaches 2 again at epoch 4, so 0.05 -> 0.025.
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.05, 0.05, 0.025], rtol=0, atol=1e-15)


def test_plateau_cooldown_and_min_lr():
    rule = ReduceLROnPlateauRule(monitor="val_loss", factor=0.1, patience=1, cooldown=2, min_lr=0.005)
    rates = []
    rate = 0.1
    for epoch in range(7):
        rate = rule.on_epoch_end(epoch, {"val_loss": 1.0}, learning_rate=rate)
        rates.append(rate)
    # Epoch 1 reduces to 0.01 and sets the cooldown to 2. The cooldown counts down at the
    # start of each epoch, so only epoch 2 is skipped, and epoch 3 reduces to
    # max(0.001, 0.005) = 0.005. After that the rate stays at min_lr.
    np.testing.assert_allclose(rates, [0.1, 0.01, 0.01, 0.005, 0.005, 0.005, 0.005], rtol=0, atol=1e-15)


def test_plateau_rate_from_logs():
    rule = ReduceLROnPlateauRule(monitor="loss", patience=0, factor=0.5)
    assert rule.on_epoch_end(0, {"loss": 1.0, "learning_rate": 0.2}) == 0.2
    assert rule.on_epoch_end(1, {"loss": 1.0, "learning_rate": 0.2}) == 0.1


def test_float32_tie_is_not_improvement():
    # 0.1 + 0.2 and 0.3 differ in float64 but not in float32, where Keras compares them.
    rule = EarlyStoppingRule(monitor="val_loss")
    rule.on_epoch_end(0, {"val_loss": 0.1 + 0.2})
    assert rule.on_epoch_end(1, {"val_loss": 0.3}) is True


def test_nan_first_value_stays_best():
    rule = EarlyStoppingRule(monitor="val_loss", patience=1)
    assert rule.on_epoch_end(0, {"val_loss": float("nan")}) is False
    assert rule.on_epoch_end(1, {"val_loss": 0.1}) is True
    assert math.isnan(rule.best)


# Agreement with keras.callbacks ----------------------------------------------------------

EARLY_STOPPING_CASES = [
    ("ties", [0.5, 0.5, 0.5, 0.4, 0.4, 0.3], {"patience": 1}),
    ("ties max", [0.5, 0.5, 0.6, 0.6, 0.6], {"patience": 2, "mode": "max"}),
    ("min_delta boundary", [1.0, 0.75, 0.5, 0.49, 0.25], {"min_delta": 0.25, "patience": 1}),
    ("min_delta max", [0.5, 0.75, 0.99, 1.0, 1.25], {"min_delta": 0.25, "patience": 1, "mode": "max"}),
    ("patience 0", [1.0, 0.9, 0.95, 0.8], {"patience": 0}),
    ("float32 tie", [0.1 + 0.2, 0.3, 0.3 - 1e-9, 0.29], {"patience": 3}),
    ("negative min_delta", [1.0, 0.95, 0.9], {"min_delta": -0.1, "patience": 1}),
    ("baseline beaten late", [0.9, 0.8, 0.7, 0.2, 0.25, 0.3], {"patience": 2, "baseline": 0.5}),
    ("baseline max", [0.6, 0.7, 0.65, 0.8, 0.95], {"patience": 1, "baseline": 0.9, "mode": "max"}),
    ("start_from_epoch", [5.0, 4.0, 3.0, 3.0, 3.0, 2.0], {"patience": 1, "start_from_epoch": 3}),
    ("nan first", [float("nan"), 0.5, 0.4, 0.3], {"patience": 2}),
    ("nan later", [0.5, float("nan"), 0.4, float("nan"), float("nan")], {"patience": 1}),
    ("infinite", [float("inf"), 1.0, float("-inf"), 0.0], {"patience": 0}),
]


@pytest.mark.parametrize(("case", "values", "arguments"), EARLY_STOPPING_CASES, ids=[case[0] for case in EARLY_STOPPING_CASES])
def test_early_stopping_edge_cases_match_keras(keras, model, case, values, arguments):
    expected = _keras_early_stopping_run(keras, model, values, **arguments)
    received = _our_early_stopping_run(values, **arguments)
    _assert_early_stopping_agrees(expected, received, case)


def test_early_stopping_random_match_keras(keras, model):
    rng = np.random.default_rng(0)
    stops = 0
    for case in range(RANDOM_SEQUENCES):
        values = _random_values(rng, length=12)
        arguments = {
            "patience": int(rng.integers(0, 8)),
            "min_delta": float(rng.choice([0.0, 0.01, 0.25])),
            "mode": str(rng.choice(["min", "max"])),
            "start_from_epoch": int(rng.choice([0, 0, 2])),
            "baseline": None if rng.random() < 0.7 else float(rng.uniform()),
        }
        expected = _keras_early_stopping_run(keras, model, values, **arguments)
        received = _our_early_stopping_run(values, **arguments)
        _assert_early_stopping_agrees(expected, received, f"case {case} {values} {arguments}")
        stops += any(state[0] for state in expected)
    # The sequences exercise both outcomes.
    assert 0.2 * RANDOM_SEQUENCES < stops < 0.95 * RANDOM_SEQUENCES


@pytest.mark.parametrize("monitor", ["val_accuracy", "accuracy", "loss", "val_loss"])
def test_auto_mode_matches_keras(keras, model, monitor):
    values = [0.5, 0.6, 0.55, 0.7, 0.4, 0.4]
    expected = _keras_early_stopping_run(keras, model, values, monitor=monitor, patience=1)
    received = _our_early_stopping_run(values, monitor=monitor, patience=1)
    _assert_early_stopping_agrees(expected, received, monitor)


PLATEAU_CASES = [
    ("patience 2", [1.0] * 6, 0.1, {"factor": 0.5, "patience": 2}),
    ("min_lr float32 above", [1.0] * 8, 0.1, {"factor": 0.1, "patience": 1, "min_lr": 1e-3}),
    ("min_lr float32 below", [1.0] * 8, 0.01, {"factor": 0.1, "patience": 1, "min_lr": 1e-4}),
    ("cooldown", [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5], 0.1, {"factor": 0.5, "patience": 1, "cooldown": 2}),
    ("improvement in cooldown", [1.0, 1.0, 0.5, 0.4, 0.4, 0.4], 0.1, {"patience": 1, "cooldown": 3}),
    ("min_delta default", [1.0, 0.99995, 0.9999, 0.9997], 0.1, {"patience": 1}),
    ("mode max", [0.5, 0.6, 0.6, 0.6, 0.7], 0.1, {"patience": 2, "mode": "max", "monitor": "val_accuracy"}),
    ("patience 0", [1.0, 0.9, 0.9, 0.8], 0.1, {"patience": 0, "factor": 0.5}),
    ("nan first", [float("nan"), 0.5, 0.4, 0.3, 0.2], 0.1, {"patience": 2}),
    ("nan later", [0.5, float("nan"), float("nan"), 0.4], 0.1, {"patience": 1}),
]


@pytest.mark.parametrize(
    ("case", "values", "initial_rate", "arguments"), PLATEAU_CASES, ids=[case[0] for case in PLATEAU_CASES]
)
def test_plateau_edge_cases_match_keras(keras, model, case, values, initial_rate, arguments):
    expected = _keras_plateau_run(keras, model, values, initial_rate, **arguments)
    received = _our_plateau_run(keras, model, values, initial_rate, **arguments)
    _assert_plateau_agrees(expected, received, case)


def test_plateau_random_match_keras(keras, model):
    rng = np.random.default_rng(1)
    reductions = 0
    for case in range(RANDOM_SEQUENCES):
        values = _random_values(rng, length=12)
        initial_rate = float(rng.choice([0.1, 0.01, 0.003]))
        arguments = {
            "factor": float(rng.choice([0.1, 0.5, 0.2])),
            "patience": int(rng.integers(0, 4)),
            "min_delta": float(rng.choice([0.0, 1e-4, 0.25])),
            "mode": str(rng.choice(["min", "max"])),
            "cooldown": int(rng.integers(0, 3)),
            "min_lr": float(rng.choice([0.0, 1e-3, 0.004])),
        }
        expected = _keras_plateau_run(keras, model, values, initial_rate, **arguments)
        received = _our_plateau_run(keras, model, values, initial_rate, **arguments)
        _assert_plateau_agrees(expected, received, f"case {case} {values} {initial_rate} {arguments}")
        reductions += expected[-1][0] < initial_rate
    assert 0.2 * RANDOM_SEQUENCES < reductions < 0.95 * RANDOM_SEQUENCES


def test_plateau_own_rate_tracks_keras(keras, model):
    # Fed back its own returned rate in float64, the rule follows Keras's float32 rate.
    values = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.85, 0.85, 0.85]
    arguments = {"factor": 0.3, "patience": 1, "cooldown": 1, "min_lr": 0.002}
    expected = _keras_plateau_run(keras, model, values, 0.1, **arguments)
    rule = ReduceLROnPlateauRule(**arguments)
    rate = 0.1
    for epoch, value in enumerate(values):
        rate = rule.on_epoch_end(epoch, {"val_loss": value}, learning_rate=rate)
        assert rate == pytest.approx(expected[epoch][0], rel=1e-6), epoch


def test_missing_monitor_warns_like_keras(keras, model):
    values_logs = [{"val_loss": 0.5}, {"loss": 0.4}, {"val_loss": 0.6}]
    callback = keras.callbacks.EarlyStopping(monitor="val_loss")
    callback.set_model(model)
    callback.on_train_begin()
    rule = EarlyStoppingRule(monitor="val_loss")
    for epoch, logs in enumerate(values_logs):
        model.stop_training = False
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            callback.on_epoch_end(epoch, dict(logs))
        if "val_loss" in logs:
            stop = rule.on_epoch_end(epoch, logs)
        else:
            message = r"EarlyStoppingRule monitors 'val_loss', which is missing from logs \(available keys: 'loss'\)"
            with pytest.warns(UserWarning, match=message):
                stop = rule.on_epoch_end(epoch, logs)
        assert stop == model.stop_training, epoch
        assert rule.wait == callback.wait, epoch
    model.stop_training = False


# Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "error", "pattern"),
    [
        (
            lambda: EarlyStoppingRule(mode="maximum"),
            ValueError,
            r"mode must be one of 'auto', 'min', 'max'; received 'maximum'",
        ),
        (lambda: EarlyStoppingRule(monitor="val_f2"), ValueError, r"mode='auto' cannot tell whether monitor='val_f2'"),
        (lambda: EarlyStoppingRule(monitor=None), TypeError, r"monitor must be the name of a logged metric"),
        (lambda: EarlyStoppingRule(patience=-1), ValueError, r"patience must be at least 0; received -1"),
        (lambda: EarlyStoppingRule(patience=1.5), TypeError, r"patience must be a whole number; received float 1.5"),
        (lambda: EarlyStoppingRule(start_from_epoch=-2), ValueError, r"start_from_epoch must be at least 0"),
        (lambda: EarlyStoppingRule(baseline="0.5"), TypeError, r"baseline must be a real number"),
        (lambda: EarlyStoppingRule(min_delta=float("nan")), ValueError, r"min_delta must be a number, not NaN"),
        (
            lambda: EarlyStoppingRule(restore_best_weights="yes"),
            TypeError,
            r"restore_best_weights must be True or False",
        ),
        (
            lambda: ReduceLROnPlateauRule(factor=1.0),
            ValueError,
            r"factor must be between 0 and 1 \(exclusive\).*received 1.0",
        ),
        (lambda: ReduceLROnPlateauRule(factor=0.0), ValueError, r"factor must be between 0 and 1"),
        (lambda: ReduceLROnPlateauRule(min_lr=-1e-3), ValueError, r"min_lr must be at least 0; received -0.001"),
        (lambda: ReduceLROnPlateauRule(cooldown=-1), ValueError, r"cooldown must be at least 0"),
    ],
)
def test_invalid_arguments_rejected(factory, error, pattern):
    with pytest.raises(error, match=pattern):
        factory()


def test_plateau_without_rate_rejected():
    rule = ReduceLROnPlateauRule()
    with pytest.raises(ValueError, match=r"learning_rate is missing: pass the optimizer's current rate"):
        rule.on_epoch_end(0, {"val_loss": 1.0})


def test_non_numeric_log_value_rejected():
    rule = EarlyStoppingRule()
    with pytest.raises(TypeError, match=r"logs\['val_loss'\] must be a number; received str 'low'"):
        rule.on_epoch_end(0, {"val_loss": "low"})


def test_non_dict_logs_rejected():
    rule = EarlyStoppingRule()
    with pytest.raises(TypeError, match=r"logs must be a dict from metric name to value; received list"):
        rule.on_epoch_end(0, [0.5])


def test_negative_epoch_rejected():
    rule = EarlyStoppingRule()
    with pytest.raises(ValueError, match=r"epoch must be at least 0; received -1"):
        rule.on_epoch_end(-1, {"val_loss": 0.5})


# Properties of every rule ----------------------------------------------------------------


def _feed(rule, epoch, logs):
    if isinstance(rule, ReduceLROnPlateauRule):
        return rule.on_epoch_end(epoch, logs, learning_rate=0.1)
    return rule.on_epoch_end(epoch, logs)


@pytest.mark.parametrize("name", sorted(RULES))
def test_best_epoch_remembered(name):
    rule = RULES[name](monitor="val_loss", patience=100)
    for epoch, value in enumerate([0.9, 0.5, 0.7, 0.6, 0.8]):
        _feed(rule, epoch, {"val_loss": value})
    assert rule.best_epoch == 1
    assert rule.best == 0.5


@pytest.mark.parametrize("name", sorted(RULES))
def test_train_begin_resets(name):
    rule = RULES[name](monitor="loss", patience=1)
    for epoch in range(4):
        _feed(rule, epoch, {"loss": 1.0})
    rule.on_train_begin()
    assert rule.best is None
    assert rule.best_epoch is None
    assert rule.wait == 0


@pytest.mark.parametrize("name", sorted(RULES))
def test_mirrored_values_in_max_mode(name):
    # Negating the values and switching the mode gives the same decisions.
    values = [0.9, 0.5, 0.5, 0.7, 0.45, 0.46, 0.6, 0.6]
    rule_min = RULES[name](monitor="score", mode="min", patience=1, min_delta=0.01)
    rule_max = RULES[name](monitor="score", mode="max", patience=1, min_delta=0.01)
    for epoch, value in enumerate(values):
        assert _feed(rule_min, epoch, {"score": value}) == _feed(rule_max, epoch, {"score": -value}), epoch
        assert rule_min.best_epoch == rule_max.best_epoch, epoch
        assert rule_min.wait == rule_max.wait, epoch


def test_resolve_mode_table():
    assert resolve_mode("val_loss") == "min"
    assert resolve_mode("val_sparse_categorical_accuracy") == "max"
    assert resolve_mode("val_auc") == "max"
    assert resolve_mode("mean_absolute_error") == "min"
    assert resolve_mode("reconstruction_loss") == "min"
    assert resolve_mode("val_f2", mode="max") == "max"
