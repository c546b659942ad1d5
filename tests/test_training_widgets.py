"""Tests of helpers.training_widgets: the learning-rate runs and the explorer driven from code."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.data import load_mnist, preprocess_mnist
from helpers.layers import Activation, Dense, Sequential
from helpers.training_widgets import (
    LearningRateRun,
    learning_rate_explorer,
    learning_rate_runs,
    train_with_learning_rate,
)


@pytest.fixture(scope="module")
def digits():
    (x_train, y_train), _ = load_mnist()
    x, _ = preprocess_mnist(x_train[:320], y_train[:320])
    return x, y_train[:320]


def test_runs_share_initial_weights_and_batches(digits):
    x, y = digits
    runs = learning_rate_runs(x, y, [0.01, 0.1, 1.0], epochs=1)

    first_losses = [run.batch_losses[0] for run in runs]
    assert first_losses[0] == first_losses[1] == first_losses[2], "the first loss comes before any update"
    assert [len(run.batch_losses) for run in runs] == [10, 10, 10]  # 320 rows / 32 per batch


def test_first_loss_matches_network_with_same_seed(digits):
    x, y = digits
    run = train_with_learning_rate(x, y, 0.1, hidden_units=16, epochs=1, seed=3)

    rng = np.random.default_rng(3)
    model = Sequential(
        [Dense(784, 16, kernel_initializer="he_uniform", seed=rng), Activation("relu"), Dense(16, 10, seed=rng)]
    )
    first_batch = rng.permutation(len(x))[:32]
    assert run.batch_losses[0] == pytest.approx(model.compute_loss(x[first_batch], y[first_batch]), rel=1e-12)


def test_moderate_rate_learns_tiny_rate_crawls(digits):
    x, y = digits
    tiny, moderate = learning_rate_runs(x, y, [0.001, 0.3], epochs=3)
    start = tiny.batch_losses[0]

    assert moderate.final_loss < 0.6 * start
    assert tiny.final_loss > 0.9 * start


def test_huge_rate_stops_at_overflow(digits):
    x, y = digits
    # 1e200 times a gradient of order 1 overflows the weights to inf after one update.
    run = train_with_learning_rate(x, y, 1e200, epochs=1)

    assert run.stopped_early
    assert len(run.batch_losses) == 1
    assert run.final_loss == math.inf


def test_final_loss_averages_last_ten_batches():
    run = LearningRateRun(0.1, np.arange(1.0, 13.0), stopped_early=False)
    assert run.final_loss == pytest.approx(np.mean(np.arange(3.0, 13.0)))


def test_learning_rates_are_checked(digits):
    x, y = digits
    with pytest.raises(ValueError, match="greater than 0; received -0.1"):
        learning_rate_runs(x, y, [0.1, -0.1])
    with pytest.raises(ValueError, match="at least one learning rate"):
        learning_rate_runs(x, y, [])


def test_explorer_shows_selected_run(digits):
    plt.close("all")
    x, y = digits
    plot = learning_rate_explorer(x, y, learning_rates=[0.01, 0.1, 3.0], start=0.1, epochs=1)
    figure = plot.figure

    plot.controls["learning_rate"].value = 3.0

    assert plot.figure is figure
    curve_axes, summary_axes = plot.axes
    chosen = [line for line in curve_axes.get_lines() if line.get_label() == "learning rate 3"]
    assert len(chosen) == 1
    np.testing.assert_allclose(chosen[0].get_ydata(), plot.runs[2].batch_losses)
    assert curve_axes.get_yscale() == "log"
    highlighted = summary_axes.get_lines()[-1]
    assert (highlighted.get_xdata()[0], highlighted.get_ydata()[0]) == (3.0, plot.runs[2].final_loss)
    assert plt.get_fignums() == []


def test_explorer_rejects_start_outside_rates(digits):
    x, y = digits
    with pytest.raises(ValueError, match="start must be one of the learning rates"):
        learning_rate_explorer(x, y, learning_rates=[0.01, 0.1], start=0.5, epochs=1)
