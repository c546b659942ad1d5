"""An interactive plot of how the learning rate changes a NumPy training run.

:func:`learning_rate_runs` trains the same small network (784-H-10, ReLU) from the same
initial weights once per learning rate with plain mini-batch SGD and records the loss of
every batch. :func:`learning_rate_explorer` runs them all once, when it is built, so that
moving its slider only redraws. The layers are those of :mod:`helpers.layers`.

Shapes: ``N`` examples, ``D`` features, ``B`` batches seen by a run.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets
import numpy as np
from threadpoolctl import threadpool_limits

from helpers._validation import as_float_array, check_ndim, check_positive_int, describe
from helpers.layers import Activation, Dense, Sequential
from helpers.widgets import InteractiveFigure

DEFAULT_LEARNING_RATES = (0.001, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
"""Learning rates of the explorer, from one that crawls to ones that blow the loss up."""

CHANCE_LOSS = math.log(10.0)
"""Cross-entropy of a prediction of 1/10 for every digit, the loss of a network that learned nothing."""


@dataclass(frozen=True)
class LearningRateRun:
    """The batch losses of one training run.

    Attributes
    ----------
    learning_rate : float
    batch_losses : ndarray, shape (B,)
        Loss of each batch before its update, in training order. A run stops at the first
        loss that is not finite, which is not included.
    stopped_early : bool
        True when a loss became inf or NaN, so ``batch_losses`` is shorter than planned.
    """

    learning_rate: float
    batch_losses: np.ndarray
    stopped_early: bool

    @property
    def final_loss(self) -> float:
        """Mean loss of the last 10 batches (fewer if the run is shorter); inf if it stopped early."""
        if self.stopped_early or len(self.batch_losses) == 0:
            return math.inf
        return float(np.mean(self.batch_losses[-10:]))


def _check_learning_rate(value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"learning rates must be numbers such as 0.1; received {describe(value)}.")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"learning rates must be finite numbers greater than 0; received {value!r}.")
    return float(value)


def train_with_learning_rate(
    x,
    y_true,
    learning_rate: float,
    *,
    hidden_units: int = 32,
    epochs: int = 2,
    batch_size: int = 32,
    seed: int = 0,
) -> LearningRateRun:
    """Train a fresh D-H-10 ReLU network with plain SGD and record every batch loss.

    Parameters
    ----------
    x : array_like, shape (N, D)
    y_true : array_like, shape (N,) of integer labels 0-9
    learning_rate : float
    hidden_units : int, default 32
        Units ``H`` of the hidden layer.
    epochs : int, default 2
    batch_size : int, default 32
    seed : int, default 0
        Seed of the initial weights and of the shuffling. Runs with the same seed start
        from the same weights and see the batches in the same order.

    Returns
    -------
    LearningRateRun
    """
    learning_rate = _check_learning_rate(learning_rate)
    x = as_float_array(x, "x")
    check_ndim(x, "x", 2, "(N, D)")
    hidden_units = check_positive_int(hidden_units, "hidden_units")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")

    rng = np.random.default_rng(seed)
    model = Sequential(
        [
            Dense(x.shape[1], hidden_units, kernel_initializer="he_uniform", seed=rng),
            Activation("relu"),
            Dense(hidden_units, 10, seed=rng),
        ]
    )
    losses = []
    # Large learning rates overflow on purpose; the run stops at the first non-finite loss.
    # One BLAS thread, because the products of a 32-row batch are too small to share. On two
    # busy cores, two OpenBLAS threads made such training steps 2 to 40 times slower than one.
    with np.errstate(over="ignore", invalid="ignore"), threadpool_limits(limits=1, user_api="blas"):
        for _ in range(epochs):
            order = rng.permutation(len(x))
            for start in range(0, len(x), batch_size):
                batch = order[start : start + batch_size]
                loss = model.train_step(x[batch], y_true[batch], learning_rate=learning_rate)
                if not math.isfinite(loss):
                    return LearningRateRun(learning_rate, np.array(losses), stopped_early=True)
                losses.append(loss)
    return LearningRateRun(learning_rate, np.array(losses), stopped_early=False)


def learning_rate_runs(x, y_true, learning_rates: Sequence[float] = DEFAULT_LEARNING_RATES, **options) -> list[LearningRateRun]:
    """Train once per learning rate from the same initial weights; see :func:`train_with_learning_rate`.

    Parameters
    ----------
    x : array_like, shape (N, D)
    y_true : array_like, shape (N,)
    learning_rates : sequence of float
    **options
        ``hidden_units``, ``epochs``, ``batch_size`` and ``seed``, the same for every run.

    Returns
    -------
    list of LearningRateRun, in the order of ``learning_rates``
    """
    rates = [_check_learning_rate(rate) for rate in learning_rates]
    if not rates:
        raise ValueError("learning_rates must contain at least one learning rate.")
    x = as_float_array(x, "x")
    y = np.asarray(y_true)
    return [train_with_learning_rate(x, y, rate, **options) for rate in rates]


def draw_learning_rate_explorer(axes, learning_rate: float, runs: Sequence[LearningRateRun]) -> None:
    """Draw every run's batch losses with the chosen one in colour, and final loss against learning rate."""
    curve_axes, summary_axes = axes
    chosen = min(runs, key=lambda run: abs(math.log(run.learning_rate / learning_rate)))

    for run in runs:
        if run is not chosen:
            curve_axes.plot(run.batch_losses, color="lightgrey", linewidth=0.8)
    curve_axes.plot(chosen.batch_losses, color="tab:blue", linewidth=1.2, label=f"learning rate {chosen.learning_rate:g}")
    for ax in axes:
        ax.axhline(CHANCE_LOSS, color="black", linestyle=":", linewidth=0.8)
    curve_axes.text(0.0, CHANCE_LOSS, " ln 10: uniform guessing", fontsize=8, va="bottom")
    curve_axes.set_yscale("log")
    curve_axes.set_xlabel("batch")
    curve_axes.set_ylabel("training loss (log scale)")
    if chosen.stopped_early:
        title = f"stopped at batch {len(chosen.batch_losses) + 1}: the loss overflowed"
    elif len(chosen.batch_losses):
        title = (
            f"first loss {chosen.batch_losses[0]:.2f}, highest {chosen.batch_losses.max():.3g}, "
            f"last 10 batches {chosen.final_loss:.2f}"
        )
    else:
        title = "no batch trained"
    curve_axes.set_title(title, fontsize=10)
    curve_axes.legend(loc="upper right")

    finished = [run for run in runs if not run.stopped_early]
    summary_axes.plot([run.learning_rate for run in finished], [run.final_loss for run in finished], marker="o", color="grey")
    if not chosen.stopped_early:
        summary_axes.plot([chosen.learning_rate], [chosen.final_loss], marker="o", markersize=10, color="tab:blue")
    summary_axes.set_xscale("log")
    summary_axes.set_xlabel("learning rate (log scale)")
    summary_axes.set_ylabel("loss of the last 10 batches")
    summary_axes.set_title("where each run ends", fontsize=10)


def learning_rate_explorer(
    x,
    y_true,
    learning_rates: Sequence[float] = DEFAULT_LEARNING_RATES,
    start: float = 0.1,
    **options,
) -> InteractiveFigure:
    """Train one run per learning rate now, and build a slider that shows each of them.

    Parameters
    ----------
    x : array_like, shape (N, D)
        A few thousand rows keep the construction to a few seconds, for example
        1,500 MNIST images with the defaults.
    y_true : array_like, shape (N,) of integer labels 0-9
    learning_rates : sequence of float
        Values of the slider, in the order shown.
    start : float, default 0.1
        Learning rate selected at first; must be one of ``learning_rates``.
    **options
        Passed to :func:`train_with_learning_rate`.

    Returns
    -------
    InteractiveFigure
        One control, ``"learning_rate"``, a ``SelectionSlider``. The ``runs`` attribute
        contains the :class:`LearningRateRun` of every learning rate.
    """
    runs = learning_rate_runs(x, y_true, learning_rates, **options)
    rates = [run.learning_rate for run in runs]
    if start not in rates:
        raise ValueError(f"start must be one of the learning rates {rates}; received {start!r}.")
    slider = ipywidgets.SelectionSlider(
        options=[(f"{rate:g}", rate) for rate in rates], value=start, description="learning rate"
    )
    draw = functools.partial(draw_learning_rate_explorer, runs=runs)
    plot = InteractiveFigure(draw, {"learning_rate": slider}, figsize=(10.0, 3.8), ncols=2)
    plot.runs = runs
    return plot
