"""Tests for helpers.history: synthetic curves of each pattern, a real Keras fit, errors, plots."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.history import (
    GOOD_FIT,
    OVERFITTING,
    PANELS,
    UNDERFITTING,
    available_panels,
    best_epoch,
    check_history,
    classify_history,
    diagnose_history,
    history_report,
    plot_history,
    train_validation_gap,
)
from helpers.runtime import import_keras
from helpers.schedules import as_epoch_schedule, step_decay

# Keras 3.15 calls np.array on TensorFlow variables in fit, which NumPy 2.4 reports as a
# DeprecationWarning. The warning comes from Keras, not from these helpers.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# Synthetic curves -----------------------------------------------------------------------

EPOCHS = np.arange(30)


def overfitting_curves():
    """Training loss keeps falling, and validation loss bottoms out at index 12 and climbs."""
    loss = 0.05 + np.exp(-EPOCHS / 6)
    val_loss = 0.35 + 0.7 * np.exp(-EPOCHS / 4) + 0.002 * np.maximum(EPOCHS - 10, 0) ** 2
    return {"loss": loss.tolist(), "val_loss": val_loss.tolist()}


def good_fit_curves():
    """Both losses level off close together."""
    loss = 0.30 + 0.7 * np.exp(-EPOCHS / 3)
    val_loss = 0.34 + 0.7 * np.exp(-EPOCHS / 3)
    return {"loss": loss.tolist(), "val_loss": val_loss.tolist()}


def flat_curves():
    """Both losses barely move from chance level."""
    loss = 0.693 - 0.001 * EPOCHS
    val_loss = 0.70 - 0.001 * EPOCHS
    return {"loss": loss.tolist(), "val_loss": val_loss.tolist()}


def still_falling_curves():
    """Both losses are still dropping steeply when training stops after 10 epochs."""
    epochs = np.arange(10)
    return {"loss": np.exp(-epochs / 5).tolist(), "val_loss": (0.05 + np.exp(-epochs / 5)).tolist()}


def test_overfitting_curves():
    pattern, reason = diagnose_history(overfitting_curves())
    assert pattern == OVERFITTING
    # The minimum is at index 12, printed 1-based.
    assert best_epoch(overfitting_curves()) == 12
    assert "above its minimum 0.3929 at epoch 13" in reason


def test_good_fit_curves():
    assert classify_history(good_fit_curves()) == GOOD_FIT


def test_flat_curves_underfit():
    pattern, reason = diagnose_history(flat_curves())
    assert pattern == UNDERFITTING
    assert "the model is not learning" in reason


def test_still_falling_underfit():
    pattern, reason = diagnose_history(still_falling_curves())
    assert pattern == UNDERFITTING
    assert "still falling at the end" in reason


def test_high_loss_underfit():
    curves = good_fit_curves()
    assert classify_history(curves, high_loss=0.25) == UNDERFITTING
    assert classify_history(curves, high_loss=0.5) == GOOD_FIT


def test_rise_tolerance_boundary():
    # Minimum 1.0 at epoch 2, final 1.0625: a rise of exactly 0.0625, which is not above it.
    history = {"loss": [2.0, 1.5, 1.0, 0.8, 0.7, 0.6], "val_loss": [2.0, 1.5, 1.0, 1.0, 1.0, 1.0625]}
    assert classify_history(history, rise_tolerance=0.0625, still_falling=1.0) == GOOD_FIT
    assert classify_history(history, rise_tolerance=0.0624, still_falling=1.0) == OVERFITTING


def test_rising_losses_underfit():
    # Validation rises, but so does training loss: not overfitting but unstable training.
    history = {"loss": [1.0, 0.5, 0.4, 0.45, 0.5, 0.55], "val_loss": [1.0, 0.55, 0.45, 0.5, 0.55, 0.6]}
    pattern, reason = diagnose_history(history)
    assert pattern == UNDERFITTING
    assert "loss rose 38% above its minimum 0.4 at epoch 3" in reason
    # A rise of the training loss within rise_tolerance is noise, not instability.
    history["loss"][-1] = 0.41
    history["val_loss"][-1] = 0.46
    assert classify_history(history, still_falling=1.0) == GOOD_FIT


def test_overfitting_gap_grows():
    pattern, reason = diagnose_history(overfitting_curves())
    gap = train_validation_gap(overfitting_curves())
    best = best_epoch(overfitting_curves())
    assert pattern == OVERFITTING
    assert gap[-1] > gap[best]
    assert f"the gap grew from {gap[best]:.4g} to {gap[-1]:.4g}" in reason


def test_gap_signs():
    history = {
        "loss": [0.9, 0.5, 0.3],
        "val_loss": [1.0, 0.7, 0.8],
        "accuracy": [0.5, 0.8, 0.9],
        "val_accuracy": [0.5, 0.7, 0.6],
    }
    np.testing.assert_allclose(train_validation_gap(history), [0.1, 0.2, 0.5], rtol=0, atol=1e-15)
    # For accuracy the training value comes first, so a model that does better on training data has a positive gap.
    np.testing.assert_allclose(train_validation_gap(history, "accuracy"), [0.0, 0.1, 0.3], rtol=0, atol=1e-15)


def test_best_epoch_rules():
    history = {"loss": [1.0, 0.5, 0.5, 0.4], "val_loss": [1.0, 0.6, 0.6, float("nan")], "val_accuracy": [0.5, 0.7, 0.7, 0.6]}
    # The first of tied minima, NaN skipped.
    assert best_epoch(history) == 1
    assert best_epoch(history, monitor="val_accuracy") == 1
    assert best_epoch(history, monitor="loss") == 3


def test_report_fields():
    history = overfitting_curves()
    history["accuracy"] = np.linspace(0.5, 0.99, 30).tolist()
    history["val_accuracy"] = np.linspace(0.5, 0.8, 30).tolist()
    history["learning_rate"] = [0.1] * 15 + [0.01] * 15
    report = history_report(history)
    assert report.epochs == 30
    assert report.monitor == "val_loss"
    assert report.best_epoch == best_epoch(history)
    assert report.best_value == pytest.approx(min(history["val_loss"]), abs=0)
    assert report.pattern == OVERFITTING
    np.testing.assert_allclose(report.loss_gap, train_validation_gap(history), rtol=0, atol=0)
    np.testing.assert_allclose(report.accuracy_gap[-1], 0.99 - 0.8, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(report.learning_rate, history["learning_rate"])
    assert report.final["learning_rate"] == 0.01
    text = str(report)
    assert f"Best epoch by val_loss: {report.best_epoch + 1}" in text
    assert "Learning rate: 0.1 at the start, 0.01 at the end" in text
    assert "Pattern: overfitting." in text


def test_report_without_validation():
    report = history_report({"loss": [1.0, 0.5, 0.4, 0.35]})
    assert report.monitor == "loss"
    assert report.best_epoch == 3
    assert report.loss_gap is None
    assert report.pattern is None
    assert "val_loss" in report.reason
    assert "Pattern: not classified." in str(report)


# A real Keras fit ------------------------------------------------------------------------


def _binary_data(n_examples, noise, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_examples, 2)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("float32")
    flipped = rng.random(n_examples) < noise
    y[flipped] = 1 - y[flipped]
    return x, y


@pytest.fixture(scope="module")
def keras():
    return import_keras()


@pytest.fixture(scope="module")
def overfit_history(keras):
    # 24 examples with random labels and 64 hidden units: the network memorises noise.
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    x, x_val = rng.normal(size=(2, 24, 8)).astype("float32")
    y, y_val = rng.integers(0, 2, size=(2, 24)).astype("float32")
    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, validation_data=(x_val, y_val), epochs=15, batch_size=24, verbose=0)


@pytest.fixture(scope="module")
def good_fit_history(keras):
    # Logistic regression on classes split by a line with 10% of labels flipped, with a step-decay schedule.
    keras.utils.set_random_seed(0)
    x, y = _binary_data(400, noise=0.1, seed=2)
    x_val, y_val = _binary_data(400, noise=0.1, seed=3)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy", metrics=["accuracy"])
    scheduler = keras.callbacks.LearningRateScheduler(
        as_epoch_schedule(step_decay, initial_learning_rate=0.1, drop=0.5, epochs_drop=10)
    )
    return model.fit(x, y, validation_data=(x_val, y_val), epochs=30, batch_size=400, verbose=0, callbacks=[scheduler])


@pytest.fixture(scope="module")
def underfit_history(keras):
    # A learning rate of 1e-3 with plain SGD barely moves in 5 full-batch epochs.
    keras.utils.set_random_seed(0)
    x, y = _binary_data(64, noise=0.1, seed=2)
    x_val, y_val = _binary_data(64, noise=0.1, seed=3)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, validation_data=(x_val, y_val), epochs=5, batch_size=64, verbose=0)


def test_real_fit_overfitting(overfit_history):
    pattern, reason = diagnose_history(overfit_history)
    assert pattern == OVERFITTING, reason


def test_real_fit_good_fit(good_fit_history):
    pattern, reason = diagnose_history(good_fit_history)
    assert pattern == GOOD_FIT, reason


def test_real_fit_underfitting(underfit_history):
    pattern, reason = diagnose_history(underfit_history)
    assert pattern == UNDERFITTING, reason


def test_real_fit_report_and_plot(good_fit_history):
    assert "learning_rate" in good_fit_history.history
    report = history_report(good_fit_history)
    assert report.epochs == 30
    np.testing.assert_allclose(report.learning_rate[[0, 10, 20]], [0.1, 0.05, 0.025], rtol=1e-6)
    assert report.accuracy_gap is not None

    figure = plot_history(good_fit_history)
    assert len(figure.axes) == 4
    titles = [axis.get_title() for axis in figure.axes]
    assert titles == ["Loss", "Accuracy", "Learning rate", "Train-validation gap"]


# Plots ----------------------------------------------------------------------------------


def _full_history():
    history = overfitting_curves()
    history["accuracy"] = np.linspace(0.5, 0.99, 30).tolist()
    history["val_accuracy"] = np.linspace(0.5, 0.8, 30).tolist()
    history["learning_rate"] = [0.1] * 10 + [0.01] * 10 + [0.001] * 10
    return history


def test_plot_draws_data():
    history = _full_history()
    figure = plot_history(history)
    loss_axis, accuracy_axis, rate_axis, gap_axis = figure.axes

    np.testing.assert_array_equal(loss_axis.lines[0].get_xdata(), np.arange(1, 31))
    np.testing.assert_array_equal(loss_axis.lines[0].get_ydata(), history["loss"])
    np.testing.assert_array_equal(loss_axis.lines[1].get_ydata(), history["val_loss"])
    # The dotted line marks the best epoch, 1-based.
    assert loss_axis.lines[2].get_xdata()[0] == best_epoch(history) + 1

    np.testing.assert_array_equal(accuracy_axis.lines[1].get_ydata(), history["val_accuracy"])
    assert rate_axis.get_yscale() == "log"
    np.testing.assert_allclose(gap_axis.lines[0].get_ydata(), train_validation_gap(history), rtol=0, atol=0)
    np.testing.assert_allclose(gap_axis.lines[1].get_ydata(), train_validation_gap(history, "accuracy"), rtol=0, atol=0)


def test_plot_panels_follow_history():
    assert available_panels({"loss": [1.0, 0.5]}) == ("loss",)
    assert available_panels({"loss": [1.0], "val_loss": [1.0], "learning_rate": [0.1]}) == ("loss", "learning_rate", "gap")
    figure = plot_history({"loss": [1.0, 0.5]})
    assert len(figure.axes) == 1
    # A constant learning rate keeps a linear scale.
    figure = plot_history({"loss": [1.0, 0.5], "learning_rate": [0.1, 0.1]}, panels=["learning_rate"])
    assert figure.axes[0].get_yscale() == "linear"


def test_plot_on_given_axes():
    figure, axes = plt.subplots(2, 2)
    returned = plot_history(_full_history(), ax=axes)
    assert returned is figure
    assert axes[1, 1].get_title() == "Train-validation gap"

    figure, axis = plt.subplots()
    assert plot_history(_full_history(), ax=axis, panels=["loss"]) is figure
    assert len(axis.lines) == 3


def test_plot_leaves_no_extra_figures():
    before = len(plt.get_fignums())
    plot_history(_full_history())
    assert len(plt.get_fignums()) == before + 1


# Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (
            lambda: check_history({"loss": [0.5], "lr": [0.1]}),
            ValueError,
            r"history has the key 'lr', which Keras 2 used.*Keras 3 records it as 'learning_rate'",
        ),
        (lambda: check_history([0.5, 0.4]), TypeError, r"history must be the History object returned by model.fit"),
        (
            lambda: check_history({"val_loss": [0.5]}),
            ValueError,
            r"history has no 'loss' key; received the keys \['val_loss'\]",
        ),
        (lambda: check_history({"loss": []}), ValueError, r"history\['loss'\] is empty; train for at least one epoch"),
        (
            lambda: check_history({"loss": [1.0, 0.5], "val_loss": [1.0]}),
            ValueError,
            r"history\['val_loss'\] has 1 values but history\['loss'\] has 2",
        ),
        (
            lambda: check_history({"loss": [[1.0, 0.5]]}),
            ValueError,
            r"history\['loss'\] must be a list with one value per epoch",
        ),
        (lambda: check_history({"loss": ["low"]}), TypeError, r"history\['loss'\] must contain real numbers"),
        (
            lambda: classify_history({"loss": [1.0, 0.5, 0.4, 0.3]}),
            ValueError,
            r"classify_history needs history\['val_loss'\].*Pass validation_data",
        ),
        (
            lambda: classify_history({"loss": [1.0, float("nan"), 0.4, 0.3], "val_loss": [1.0] * 4}),
            ValueError,
            r"history\['loss'\] is nan at epoch 2, so training diverged",
        ),
        (
            lambda: classify_history({"loss": [1.0, 0.5, 0.4], "val_loss": [1.0, 0.6, 0.5]}),
            ValueError,
            r"needs at least window \+ 1 = 4 epochs.*received 3",
        ),
        (
            lambda: classify_history(good_fit_curves(), rise_tolerance=-0.1),
            ValueError,
            r"rise_tolerance must be a finite number of at least 0",
        ),
        (lambda: classify_history(good_fit_curves(), window=0), ValueError, r"window must be at least 1"),
        (
            lambda: train_validation_gap({"loss": [1.0]}),
            ValueError,
            r"train_validation_gap needs history\['val_loss'\], which is missing",
        ),
        (
            lambda: train_validation_gap({"loss": [1.0], "f2": [1.0], "val_f2": [1.0]}, "f2"),
            ValueError,
            r"mode='auto' cannot tell whether monitor='f2'",
        ),
        (
            lambda: best_epoch({"loss": [1.0], "val_loss": [float("nan")]}),
            ValueError,
            r"history\['val_loss'\] is NaN at every epoch",
        ),
        (lambda: plot_history({"loss": [1.0]}, panels=["weights"]), ValueError, r"panels must contain names from"),
        (
            lambda: plot_history({"loss": [1.0]}, panels=["accuracy"]),
            ValueError,
            r"The accuracy panel needs an accuracy metric",
        ),
        (
            lambda: plot_history(_full_history(), ax=plt.subplots()[1]),
            ValueError,
            r"ax must contain one Axes per panel, 4 for",
        ),
    ],
)
def test_invalid_input_rejected(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_panels_constant_lists_all():
    assert PANELS == ("loss", "accuracy", "learning_rate", "gap")
