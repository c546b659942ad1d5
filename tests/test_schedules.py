"""Tests for helpers.schedules: hand-checked values, agreement with keras.optimizers.schedules, a real fit."""

import numpy as np
import pytest

from helpers.runtime import import_keras
from helpers.schedules import SCHEDULES, as_epoch_schedule, cosine_decay, exponential_decay, step_decay

KERAS_TOLERANCE = 1e-6
"""Maximum relative difference from Keras's schedules given a float64 initial rate."""

FLOAT32_TOLERANCE = 1e-5
"""Maximum relative difference from Keras's schedules given a Python float rate, which Keras
computes in float32: the float32 rounding of ``step / decay_steps`` grows with the exponent."""

# Keras 3.15 calls np.array on TensorFlow variables in fit and in its schedules, which
# NumPy 2.4 reports as a DeprecationWarning. The warning comes from Keras, not from these helpers.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

STEPS = np.arange(0, 301)


@pytest.fixture(scope="module")
def keras():
    return import_keras()


# Hand-checked values --------------------------------------------------------------------


def test_exponential_decay_values():
    # 0.1 * 0.5 ** (20 / 10) = 0.1 * 0.25
    assert exponential_decay(20, initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5) == pytest.approx(0.025, abs=1e-15)
    # 0.1 * 0.5 ** (5 / 10) = 0.1 / sqrt(2)
    assert exponential_decay(5, 0.1, 10, 0.5) == pytest.approx(0.1 / np.sqrt(2.0), abs=1e-15)


def test_exponential_staircase_values():
    # floor(15 / 10) = 1, so 0.1 * 0.5
    assert exponential_decay(15, 0.1, 10, 0.5, staircase=True) == pytest.approx(0.05, abs=1e-15)
    assert exponential_decay(9, 0.1, 10, 0.5, staircase=True) == pytest.approx(0.1, abs=1e-15)


def test_step_decay_first_drop_at_epochs_drop():
    rates = [step_decay(epoch, initial_learning_rate=0.1, drop=0.5, epochs_drop=3) for epoch in range(7)]
    # Epochs 0-2 at 0.1, 3-5 at 0.05, 6 at 0.025.
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025], rtol=0, atol=1e-15)


def test_cosine_decay_values():
    # Halfway: 0.5 * (1 + cos(pi / 2)) = 0.5.
    assert cosine_decay(50, initial_learning_rate=0.1, decay_steps=100) == pytest.approx(0.05, abs=1e-15)
    # A quarter of the way: 0.5 * (1 + cos(pi / 4)) = 0.853553.
    assert cosine_decay(25, 0.1, 100) == pytest.approx(0.1 * 0.5 * (1 + np.sqrt(0.5)), abs=1e-15)
    # After decay_steps: alpha * initial, here 0.2 * 0.1.
    assert cosine_decay(150, 0.1, 100, alpha=0.2) == pytest.approx(0.02, abs=1e-15)


def test_cosine_warmup_values():
    # Warmup from 0 to 0.1 over 10 steps: step 5 is halfway, 0.05.
    assert cosine_decay(5, 0.0, 100, warmup_target=0.1, warmup_steps=10) == pytest.approx(0.05, abs=1e-15)
    # Step 10 starts the decay from warmup_target.
    assert cosine_decay(10, 0.0, 100, warmup_target=0.1, warmup_steps=10) == pytest.approx(0.1, abs=1e-15)
    # Step 60 is halfway through the decay.
    assert cosine_decay(60, 0.0, 100, warmup_target=0.1, warmup_steps=10) == pytest.approx(0.05, abs=1e-15)


def test_array_steps_give_array():
    steps = np.arange(6).reshape(2, 3)
    for name, schedule in SCHEDULES.items():
        arguments = {"drop": 0.5, "epochs_drop": 2} if name == "step_decay" else {"decay_steps": 4}
        if name == "exponential_decay":
            arguments["decay_rate"] = 0.5
        rates = schedule(steps, initial_learning_rate=0.1, **arguments)
        assert isinstance(rates, np.ndarray), name
        assert rates.shape == (2, 3), name
        scalar = schedule(4, initial_learning_rate=0.1, **arguments)
        assert isinstance(scalar, float), name
        assert rates[1, 1] == scalar, name


def test_step_decay_is_staircase_exponential():
    epochs = np.arange(40)
    np.testing.assert_array_equal(
        step_decay(epochs, initial_learning_rate=0.2, drop=0.3, epochs_drop=7),
        exponential_decay(epochs, 0.2, 7, 0.3, staircase=True),
    )


# Agreement with keras.optimizers.schedules ------------------------------------------------


@pytest.mark.parametrize("staircase", [False, True])
@pytest.mark.parametrize(("initial", "decay_steps", "decay_rate"), [(0.1, 10, 0.5), (0.01, 37, 0.96), (1.0, 3.5, 0.5)])
def test_exponential_matches_keras(keras, initial, decay_steps, decay_rate, staircase):
    schedule_class = keras.optimizers.schedules.ExponentialDecay
    received = exponential_decay(STEPS, initial, decay_steps, decay_rate, staircase=staircase)

    # A float64 initial rate makes Keras compute in float64.
    keras_schedule = schedule_class(np.float64(initial), decay_steps, decay_rate, staircase=staircase)
    expected = np.array([float(keras_schedule(int(step))) for step in STEPS])
    np.testing.assert_allclose(received, expected, rtol=KERAS_TOLERANCE, atol=0)

    keras_schedule = schedule_class(initial, decay_steps, decay_rate, staircase=staircase)
    expected = np.array([float(keras_schedule(int(step))) for step in STEPS])
    np.testing.assert_allclose(received, expected, rtol=FLOAT32_TOLERANCE, atol=0)


@pytest.mark.parametrize(
    "arguments",
    [
        {"initial_learning_rate": 0.1, "decay_steps": 100},
        {"initial_learning_rate": 0.05, "decay_steps": 250, "alpha": 0.1},
        {"initial_learning_rate": 0.0, "decay_steps": 200, "warmup_target": 0.1, "warmup_steps": 30},
        {"initial_learning_rate": 0.01, "decay_steps": 50, "alpha": 0.3, "warmup_target": 0.2, "warmup_steps": 7},
        {"initial_learning_rate": 0.01, "decay_steps": 50, "warmup_target": 0.2, "warmup_steps": 0},
    ],
)
def test_cosine_matches_keras(keras, arguments):
    received = cosine_decay(STEPS, **arguments)

    float64_arguments = {**arguments, "initial_learning_rate": np.float64(arguments["initial_learning_rate"])}
    keras_schedule = keras.optimizers.schedules.CosineDecay(**float64_arguments)
    expected = np.array([float(keras_schedule(int(step))) for step in STEPS])
    # Past the end of the decay, cos(pi) is -1 only up to rounding, so a rate of 0 comes
    # out near 1e-17 in float64 and near 1e-9 in float32: the absolute tolerances cover it.
    np.testing.assert_allclose(received, expected, rtol=KERAS_TOLERANCE, atol=1e-15)

    keras_schedule = keras.optimizers.schedules.CosineDecay(**arguments)
    expected = np.array([float(keras_schedule(int(step))) for step in STEPS])
    np.testing.assert_allclose(received, expected, rtol=FLOAT32_TOLERANCE, atol=1e-8)


# LearningRateScheduler in a real fit -------------------------------------------------------


def _tiny_model(keras, learning_rate):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse")
    return model


def _tiny_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 2)).astype("float32")
    y = (x @ np.array([1.0, -2.0]) + 0.5).astype("float32")
    return x, y


def test_scheduler_sets_rate_each_epoch(keras):
    x, y = _tiny_data()
    model = _tiny_model(keras, learning_rate=1.0)
    schedule = as_epoch_schedule(step_decay, initial_learning_rate=0.1, drop=0.5, epochs_drop=2)
    scheduler = keras.callbacks.LearningRateScheduler(schedule)

    # One epoch per fit call, as a notebook cell that trains step by step would.
    for epoch in range(5):
        model.fit(x, y, initial_epoch=epoch, epochs=epoch + 1, batch_size=16, verbose=0, callbacks=[scheduler])
        rate = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        assert rate == pytest.approx(step_decay(epoch, 0.1, 0.5, 2), rel=1e-6), epoch


def test_history_key_is_learning_rate(keras):
    x, y = _tiny_data()
    model = _tiny_model(keras, learning_rate=1.0)
    schedule = as_epoch_schedule(exponential_decay, initial_learning_rate=0.1, decay_steps=1, decay_rate=0.5)
    history = model.fit(
        x, y, epochs=4, batch_size=16, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(schedule)]
    )
    assert "learning_rate" in history.history
    assert "lr" not in history.history
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.025, 0.0125], rtol=1e-6)


def test_cosine_epoch_schedule_in_fit(keras):
    x, y = _tiny_data()
    model = _tiny_model(keras, learning_rate=1.0)
    schedule = as_epoch_schedule(cosine_decay, initial_learning_rate=0.1, decay_steps=4)
    history = model.fit(
        x, y, epochs=3, batch_size=16, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(schedule)]
    )
    np.testing.assert_allclose(history.history["learning_rate"], cosine_decay(np.arange(3), 0.1, 4), rtol=1e-6)


def test_epoch_schedule_returns_python_float():
    schedule = as_epoch_schedule(cosine_decay, initial_learning_rate=0.1, decay_steps=4)
    assert type(schedule(2, 0.3)) is float
    assert type(schedule(2)) is float
    assert schedule.__name__ == "epoch_cosine_decay"


# Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: exponential_decay(1, 0.1, 0, 0.5), ValueError, r"decay_steps must be greater than 0.0; received 0.0"),
        (
            lambda: exponential_decay(1, 0.1, 10, -0.5),
            ValueError,
            r"decay_rate must be greater than 0.0; received -0.5",
        ),
        (lambda: exponential_decay(1, -0.1, 10, 0.5), ValueError, r"initial_learning_rate must be at least 0.0"),
        (lambda: exponential_decay(1, 0.1, 10, 0.5, staircase="no"), TypeError, r"staircase must be True or False"),
        (lambda: exponential_decay(-1, 0.1, 10, 0.5), ValueError, r"step must be a non-negative number"),
        (lambda: exponential_decay("3", 0.1, 10, 0.5), TypeError, r"step must be a number or an array of numbers"),
        (lambda: step_decay(1.5, 0.1, 0.5, 2), ValueError, r"epoch must be a whole number"),
        (lambda: step_decay(1, 0.1, 1.5, 2), ValueError, r"drop must be at most 1.0; received 1.5"),
        (lambda: step_decay(1, 0.1, 0.0, 2), ValueError, r"drop must be greater than 0.0"),
        (lambda: step_decay(1, 0.1, 0.5, 0), ValueError, r"epochs_drop must be at least 1; received 0"),
        (lambda: step_decay(1, 0.1, 0.5, 2.0), TypeError, r"epochs_drop must be a positive whole number"),
        (lambda: cosine_decay(1, 0.1, 10, alpha=1.5), ValueError, r"alpha must be at most 1.0; received 1.5"),
        (lambda: cosine_decay(1, 0.1, -10), ValueError, r"decay_steps must be greater than 0.0"),
        (lambda: cosine_decay(1, 0.1, 10, warmup_target=-1.0), ValueError, r"warmup_target must be at least 0.0"),
        (lambda: cosine_decay(1, 0.1, 10, warmup_steps=-2), ValueError, r"warmup_steps must be at least 0.0"),
        (lambda: as_epoch_schedule(0.1), TypeError, r"schedule must be a function of the step or epoch"),
    ],
)
def test_invalid_arguments_rejected(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# Properties of every schedule -------------------------------------------------------------


def _arguments(name):
    return {
        "exponential_decay": {"initial_learning_rate": 0.3, "decay_steps": 5, "decay_rate": 0.7},
        "step_decay": {"initial_learning_rate": 0.3, "drop": 0.7, "epochs_drop": 5},
        "cosine_decay": {"initial_learning_rate": 0.3, "decay_steps": 50, "alpha": 0.1},
    }[name]


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_starts_at_initial_rate(name):
    assert SCHEDULES[name](0, **_arguments(name)) == pytest.approx(0.3, abs=1e-15)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_never_increases_without_warmup(name):
    rates = SCHEDULES[name](np.arange(100), **_arguments(name))
    assert np.all(np.diff(rates) <= 0.0)
    assert np.all(rates > 0.0)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_epoch_schedule_equals_function(name):
    epoch_schedule = as_epoch_schedule(SCHEDULES[name], **_arguments(name))
    for epoch in range(12):
        assert epoch_schedule(epoch, 123.0) == SCHEDULES[name](epoch, **_arguments(name))
