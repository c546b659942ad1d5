"""Read a Keras training history: train-validation gap, best epoch, fit pattern and a plot.

Every function takes ``history``: the ``History`` object that ``model.fit`` returns, or
its ``history.history`` dict from metric name to one value per epoch, for example
``{"loss": [...], "val_loss": [...], "accuracy": [...], "val_accuracy": [...]}``. Keras 3
adds ``"learning_rate"`` when a ``LearningRateScheduler`` or ``ReduceLROnPlateau``
callback runs. ``E`` is the number of epochs.

Epoch numbers that functions return, such as :func:`best_epoch`, are 0-based indices
into the lists, as ``EarlyStopping.best_epoch`` is. Text and plots count from 1, as the
progress bar of ``fit`` does.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from helpers._validation import as_float_array, check_positive_int, describe
from helpers.callbacks import resolve_mode

OVERFITTING = "overfitting"
GOOD_FIT = "good fit"
UNDERFITTING = "underfitting"
PATTERNS = (OVERFITTING, GOOD_FIT, UNDERFITTING)
"""The labels that :func:`classify_history` returns."""

PANELS = ("loss", "accuracy", "learning_rate", "gap")
"""Panels that :func:`plot_history` can draw, in order."""


# Input checks ---------------------------------------------------------------------------


def check_history(history) -> dict[str, np.ndarray]:
    """Return the history as a dict of float arrays of shape ``(E,)``, or raise naming the problem.

    Raises
    ------
    TypeError
        If ``history`` is neither a ``History`` object nor a dict, or a value is not numeric.
    ValueError
        If there is a key ``"lr"`` (Keras 2's name for the learning rate), no ``"loss"``,
        no epochs, or lists of different lengths.
    """
    values = getattr(history, "history", history)
    if not isinstance(values, Mapping):
        raise TypeError(
            "history must be the History object returned by model.fit or its .history dict; "
            f"received {describe(history)}."
        )
    if "lr" in values:
        raise ValueError(
            "history has the key 'lr', which Keras 2 used for the learning rate. Keras 3 records it as "
            "'learning_rate'. Read history.history['learning_rate'], or rename the key with "
            "history['learning_rate'] = history.pop('lr') for a history saved by Keras 2."
        )
    if "loss" not in values:
        raise ValueError(f"history has no 'loss' key; received the keys {sorted(map(str, values))}.")

    arrays = {}
    for key, series in values.items():
        array = as_float_array(series, f"history[{key!r}]")
        if array.ndim != 1:
            raise ValueError(f"history[{key!r}] must be a list with one value per epoch; received shape {array.shape}.")
        arrays[str(key)] = array

    epochs = arrays["loss"].size
    if epochs == 0:
        raise ValueError("history['loss'] is empty; train for at least one epoch.")
    for key, array in arrays.items():
        if array.size != epochs:
            raise ValueError(
                f"history[{key!r}] has {array.size} values but history['loss'] has {epochs}; "
                "every key needs one value per epoch."
            )
    return arrays


def _require(arrays: dict[str, np.ndarray], key: str, purpose: str) -> np.ndarray:
    if key not in arrays:
        hint = " Pass validation_data or validation_split to fit." if key.startswith("val_") else ""
        raise ValueError(f"{purpose} needs history[{key!r}], which is missing; the keys are {sorted(arrays)}.{hint}")
    return arrays[key]


def _accuracy_key(arrays: dict[str, np.ndarray]) -> str | None:
    """Return the first training metric whose name contains "accuracy", such as "sparse_categorical_accuracy"."""
    for key in arrays:
        if "accuracy" in key and not key.startswith("val_"):
            return key
    return None


# Gap and best epoch ---------------------------------------------------------------------


def train_validation_gap(history, metric: str = "loss", mode: str = "auto") -> np.ndarray:
    """Compute, per epoch, how much worse the validation value of ``metric`` is than the training value.

    ``val_loss - loss`` for a metric that decreases as it improves, and
    ``accuracy - val_accuracy`` for one that increases, so a positive gap always means
    the model does better on its training data.

    Parameters
    ----------
    history : History or dict
    metric : str, default "loss"
        Training metric name. ``"val_" + metric`` must also be in the history.
    mode : {"auto", "min", "max"}, default "auto"
        Direction in which ``metric`` improves; see :func:`helpers.callbacks.resolve_mode`.

    Returns
    -------
    ndarray of shape (E,)

    Examples
    --------
    >>> train_validation_gap({"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.7, 0.8]})
    array([0.1, 0.2, 0.5])
    """
    arrays = check_history(history)
    train = _require(arrays, metric, "train_validation_gap")
    validation = _require(arrays, f"val_{metric}", "train_validation_gap")
    if resolve_mode(metric, mode) == "min":
        return validation - train
    return train - validation


def best_epoch(history, monitor: str = "val_loss", mode: str = "auto") -> int:
    """Return the 0-based epoch with the best value of ``monitor``, the first one if tied.

    NaN values are skipped. With ``monitor="val_loss"`` this is the epoch that
    ``EarlyStopping(restore_best_weights=True)`` restores, unless values tie in float32
    or the first value is NaN, which EarlyStopping treats differently.

    Raises
    ------
    ValueError
        If ``monitor`` is missing or all its values are NaN.

    Examples
    --------
    >>> best_epoch({"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.7, 0.8]})
    1
    """
    arrays = check_history(history)
    values = _require(arrays, monitor, "best_epoch")
    if np.all(np.isnan(values)):
        raise ValueError(f"history[{monitor!r}] is NaN at every epoch, so there is no best epoch.")
    if resolve_mode(monitor, mode) == "min":
        return int(np.nanargmin(values))
    return int(np.nanargmax(values))


# Fit pattern ----------------------------------------------------------------------------


def _relative_drop(start: float, end: float) -> float:
    """Return how much ``end`` is below ``start``, as a fraction of ``|start|``.

    From a start of 0 any change is infinitely large, so the result is -inf for a rise,
    +inf for a fall and 0 for no change.
    """
    if start != 0:
        return (start - end) / abs(start)
    if end == 0:
        return 0.0
    return math.inf if end < 0 else -math.inf


def _check_threshold(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number of at least 0; received {value!r}.")
    return float(value)


def diagnose_history(
    history,
    *,
    rise_tolerance: float = 0.05,
    window: int = 3,
    still_falling: float = 0.05,
    min_decrease: float = 0.1,
    high_loss: float | None = None,
) -> tuple[str, str]:
    """Classify the loss curves as in :func:`classify_history` and explain the decision.

    Returns
    -------
    (pattern, reason) : tuple of str
        ``pattern`` is one of :data:`PATTERNS`. ``reason`` states the numbers behind it.
    """
    rise_tolerance = _check_threshold(rise_tolerance, "rise_tolerance")
    still_falling = _check_threshold(still_falling, "still_falling")
    min_decrease = _check_threshold(min_decrease, "min_decrease")
    window = check_positive_int(window, "window")
    if high_loss is not None:
        high_loss = _check_threshold(high_loss, "high_loss")

    arrays = check_history(history)
    loss = arrays["loss"]
    val_loss = _require(arrays, "val_loss", "classify_history")
    for key, values in (("loss", loss), ("val_loss", val_loss)):
        if not np.all(np.isfinite(values)):
            epoch = int(np.flatnonzero(~np.isfinite(values))[0]) + 1
            raise ValueError(
                f"history[{key!r}] is {values[epoch - 1]} at epoch {epoch}, so training diverged and the curves "
                "have no pattern to classify. Lower the learning rate and train again."
            )
    if loss.size < window + 1:
        raise ValueError(
            f"classify_history needs at least window + 1 = {window + 1} epochs to judge the end of "
            f"training; received {loss.size}. Train longer or pass a smaller window."
        )

    gap = val_loss - loss
    best = int(np.argmin(val_loss))
    rise = -_relative_drop(val_loss[best], val_loss[-1])
    # A rising val_loss and a falling loss make the gap grow, so no separate gap test is needed.
    if rise > rise_tolerance and loss[-1] < loss[best]:
        return OVERFITTING, (
            f"val_loss rose {rise:.0%} above its minimum {val_loss[best]:.4g} at epoch {best + 1} while loss fell "
            f"from {loss[best]:.4g} to {loss[-1]:.4g}, and the gap grew from {gap[best]:.4g} to {gap[-1]:.4g}."
        )

    if high_loss is not None and loss[-1] > high_loss:
        return UNDERFITTING, f"loss ended at {loss[-1]:.4g}, above high_loss={high_loss:.4g}."
    lowest = int(np.argmin(loss))
    loss_rise = -_relative_drop(loss[lowest], loss[-1])
    if loss_rise > rise_tolerance:
        return UNDERFITTING, (
            f"loss rose {loss_rise:.0%} above its minimum {loss[lowest]:.4g} at epoch {lowest + 1}, so training "
            "became unstable. Lower the learning rate."
        )
    total_drop = _relative_drop(loss[0], loss[-1])
    if total_drop < min_decrease:
        return UNDERFITTING, (
            f"loss fell only {total_drop:.0%} over training (from {loss[0]:.4g} to {loss[-1]:.4g}), "
            f"less than min_decrease={min_decrease:.0%}: the model is not learning."
        )
    for key, values in (("loss", loss), ("val_loss", val_loss)):
        recent_drop = _relative_drop(values[-1 - window], values[-1])
        if recent_drop > still_falling:
            return UNDERFITTING, (
                f"{key} was still falling at the end: {recent_drop:.0%} over the last {window} epochs "
                f"(more than still_falling={still_falling:.0%}). Train for more epochs."
            )

    return GOOD_FIT, (
        f"val_loss ended within {rise_tolerance:.0%} of its minimum {val_loss[best]:.4g} (epoch {best + 1}), "
        f"and both curves levelled off, with a final gap of {gap[-1]:.4g}."
    )


def classify_history(
    history,
    *,
    rise_tolerance: float = 0.05,
    window: int = 3,
    still_falling: float = 0.05,
    min_decrease: float = 0.1,
    high_loss: float | None = None,
) -> str:
    """Label the loss curves ``"overfitting"``, ``"good fit"`` or ``"underfitting"``.

    The rules are checked in this order, with ``b`` the epoch of minimum ``val_loss`` and
    ``gap = val_loss - loss``:

    1. **Overfitting** if ``val_loss`` at the end is more than ``rise_tolerance`` (relative)
       above its minimum and ``loss`` at the end is below ``loss[b]``. Validation got worse
       while training kept improving, so ``gap`` grew from epoch ``b`` to the end.
    2. **Underfitting** if any of these holds:

       * ``loss`` at the end is above ``high_loss``, when that is given;
       * ``loss`` at the end is more than ``rise_tolerance`` (relative) above its own
         minimum, so training became unstable and no longer fits the training data;
       * ``loss`` fell by less than ``min_decrease`` (relative) from the first epoch to
         the last, so the curves are flat;
       * ``loss`` or ``val_loss`` fell by more than ``still_falling`` (relative) over the
         last ``window`` epochs, so training stopped too early.

    3. **Good fit** otherwise: validation is at or near its best and both curves levelled off.

    Parameters
    ----------
    history : History or dict
        Needs ``"loss"`` and ``"val_loss"`` with at least ``window + 1`` finite values.
    rise_tolerance : float, default 0.05
    window : int, default 3
    still_falling : float, default 0.05
    min_decrease : float, default 0.1
    high_loss : float or None, default None
        A loss that counts as high for the task, for example the loss of guessing:
        ``log(C)`` for categorical cross-entropy with ``C`` balanced classes.

    Returns
    -------
    str
        One of :data:`PATTERNS`. :func:`diagnose_history` also returns the reason.

    Raises
    ------
    ValueError
        If ``val_loss`` is missing, a loss is NaN or infinite (training diverged), or
        there are too few epochs.

    Notes
    -----
    The thresholds are relative, so they do not depend on the scale of the loss. They
    are defaults for short course runs of 10 to 100 epochs, not universal constants: a
    noisy validation curve can rise 5 % at the last epoch by chance.

    Examples
    --------
    >>> classify_history({"loss": [1.0, 0.6, 0.4, 0.3, 0.25, 0.2], "val_loss": [1.0, 0.7, 0.6, 0.65, 0.7, 0.8]})
    'overfitting'
    """
    pattern, _ = diagnose_history(
        history,
        rise_tolerance=rise_tolerance,
        window=window,
        still_falling=still_falling,
        min_decrease=min_decrease,
        high_loss=high_loss,
    )
    return pattern


# Report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryReport:
    """Summary of a training history.

    Attributes
    ----------
    epochs : int
        Number of epochs, ``E``.
    final : dict of str to float
        Last value of every key.
    monitor : str
        ``"val_loss"`` if the history has it, else ``"loss"``.
    best_epoch : int
        0-based epoch of the lowest ``monitor``.
    best_value : float
        ``monitor`` at ``best_epoch``.
    loss_gap : ndarray of shape (E,) or None
        ``val_loss - loss`` per epoch, None without validation.
    accuracy_gap : ndarray of shape (E,) or None
        Training minus validation accuracy per epoch, None without both.
    learning_rate : ndarray of shape (E,) or None
        ``history["learning_rate"]``, None if not recorded.
    pattern : str or None
        :func:`classify_history`'s label, None when it cannot be computed.
    reason : str
        Why ``pattern`` was chosen, or why there is none.
    """

    epochs: int
    final: dict
    monitor: str
    best_epoch: int
    best_value: float
    loss_gap: np.ndarray | None
    accuracy_gap: np.ndarray | None
    learning_rate: np.ndarray | None
    pattern: str | None
    reason: str

    def __str__(self) -> str:
        lines = [f"Epochs: {self.epochs}"]
        lines.append("Final values: " + ", ".join(f"{key} {value:.4g}" for key, value in self.final.items()))
        lines.append(f"Best epoch by {self.monitor}: {self.best_epoch + 1} ({self.monitor} {self.best_value:.4g})")
        if self.loss_gap is not None:
            largest = np.max(self.loss_gap)
            lines.append(f"Loss gap (val_loss - loss): {self.loss_gap[-1]:.4g} at the end, largest {largest:.4g}")
        if self.accuracy_gap is not None:
            lines.append(f"Accuracy gap (train - validation): {self.accuracy_gap[-1]:.4g} at the end")
        if self.learning_rate is not None:
            first, last = self.learning_rate[0], self.learning_rate[-1]
            lines.append(f"Learning rate: {first:.4g} at the start, {last:.4g} at the end")
        lines.append(f"Pattern: {self.pattern or 'not classified'}. {self.reason}")
        return "\n".join(lines)


def history_report(history, **thresholds) -> HistoryReport:
    """Summarise a history: final values, best epoch, gaps, learning rate and fit pattern.

    ``thresholds`` are passed to :func:`classify_history`. A history without
    ``val_loss``, or one that :func:`classify_history` rejects, gets ``pattern=None``
    and the reason in ``reason``.

    Examples
    --------
    >>> report = history_report({"loss": [0.9, 0.5, 0.3, 0.2], "val_loss": [1.0, 0.7, 0.8, 0.9]})
    >>> report.best_epoch, report.pattern
    (1, 'overfitting')
    """
    arrays = check_history(history)
    monitor = "val_loss" if "val_loss" in arrays else "loss"
    best = best_epoch(arrays, monitor=monitor)
    accuracy_key = _accuracy_key(arrays)

    loss_gap = train_validation_gap(arrays) if "val_loss" in arrays else None
    accuracy_gap = None
    if accuracy_key is not None and f"val_{accuracy_key}" in arrays:
        accuracy_gap = train_validation_gap(arrays, accuracy_key, mode="max")

    try:
        pattern, reason = diagnose_history(arrays, **thresholds)
    except ValueError as error:
        pattern, reason = None, str(error)

    return HistoryReport(
        epochs=arrays["loss"].size,
        final={key: float(values[-1]) for key, values in arrays.items()},
        monitor=monitor,
        best_epoch=best,
        best_value=float(arrays[monitor][best]),
        loss_gap=loss_gap,
        accuracy_gap=accuracy_gap,
        learning_rate=arrays.get("learning_rate"),
        pattern=pattern,
        reason=reason,
    )


# Plot -----------------------------------------------------------------------------------


def available_panels(history) -> tuple[str, ...]:
    """Return the panels of :data:`PANELS` that the history has data for, in order."""
    arrays = check_history(history)
    panels = ["loss"]
    if _accuracy_key(arrays) is not None:
        panels.append("accuracy")
    if "learning_rate" in arrays:
        panels.append("learning_rate")
    if "val_loss" in arrays:
        panels.append("gap")
    return tuple(panels)


def plot_history(history, ax=None, panels: Sequence[str] | None = None):
    """Draw loss, accuracy, learning rate and train-validation gap, one panel each, and return the figure.

    Parameters
    ----------
    history : History or dict
    ax : matplotlib Axes, sequence of Axes, or None
        Axes to draw on, one per panel in the order of ``panels``. A single Axes is
        accepted when there is one panel. None creates a figure with ``plt.subplots``.
    panels : sequence of str, optional
        Panels to draw, from :data:`PANELS`. Defaults to :func:`available_panels`.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the axes. Nothing is shown: Jupyter displays a new figure at the end
        of the cell, and a script calls ``plt.show()``.

    Notes
    -----
    The x axis counts epochs from 1, as ``fit`` prints them. The loss panel marks the best
    epoch by ``val_loss`` (or ``loss`` without validation) with a dotted line. The learning
    rate uses a log scale when it changes by more than a factor of 10.
    """
    import matplotlib.pyplot as plt

    arrays = check_history(history)
    panels = available_panels(arrays) if panels is None else tuple(panels)
    for panel in panels:
        if panel not in PANELS:
            raise ValueError(f"panels must contain names from {PANELS}; received {panel!r}.")
    if not panels:
        raise ValueError("panels is empty; pass at least one of " + ", ".join(map(repr, PANELS)) + ".")

    if ax is None:
        figure, axes = plt.subplots(1, len(panels), figsize=(4.0 * len(panels), 3.2), squeeze=False)
        axes = list(axes[0])
    else:
        axes = [ax] if not isinstance(ax, (Sequence, np.ndarray)) else list(np.ravel(ax))
        if len(axes) != len(panels):
            raise ValueError(
                f"ax must contain one Axes per panel, {len(panels)} for {panels}; received {len(axes)}. "
                "Pass panels=... to choose fewer panels, or ax=None for a new figure."
            )
        figure = axes[0].figure

    drawers = {"loss": _draw_loss, "accuracy": _draw_accuracy, "learning_rate": _draw_learning_rate, "gap": _draw_gap}
    for panel, axis in zip(panels, axes):
        drawers[panel](arrays, axis)
        axis.set_xlabel("epoch")
    figure.tight_layout()
    return figure


def _epochs(arrays: dict[str, np.ndarray]) -> np.ndarray:
    return np.arange(1, arrays["loss"].size + 1)


def _draw_loss(arrays, axis) -> None:
    epochs = _epochs(arrays)
    axis.plot(epochs, arrays["loss"], label="loss")
    monitor = "loss"
    if "val_loss" in arrays:
        axis.plot(epochs, arrays["val_loss"], label="val_loss")
        monitor = "val_loss"
    if not np.all(np.isnan(arrays[monitor])):
        best = best_epoch(arrays, monitor=monitor)
        axis.axvline(best + 1, color="gray", linestyle=":", label=f"best epoch ({best + 1})")
    axis.set_title("Loss")
    axis.legend()


def _draw_accuracy(arrays, axis) -> None:
    key = _require_accuracy(arrays)
    epochs = _epochs(arrays)
    axis.plot(epochs, arrays[key], label=key)
    if f"val_{key}" in arrays:
        axis.plot(epochs, arrays[f"val_{key}"], label=f"val_{key}")
    axis.set_title("Accuracy")
    axis.legend()


def _require_accuracy(arrays) -> str:
    key = _accuracy_key(arrays)
    if key is None:
        raise ValueError(f"The accuracy panel needs an accuracy metric in the history; the keys are {sorted(arrays)}.")
    return key


def _draw_learning_rate(arrays, axis) -> None:
    rates = _require(arrays, "learning_rate", "The learning_rate panel")
    axis.plot(_epochs(arrays), rates, label="learning_rate")
    positive = rates[rates > 0]
    if positive.size and np.all(rates > 0) and positive.max() > 10 * positive.min():
        axis.set_yscale("log")
    axis.set_title("Learning rate")


def _draw_gap(arrays, axis) -> None:
    epochs = _epochs(arrays)
    axis.plot(epochs, train_validation_gap(arrays), label="val_loss - loss")
    key = _accuracy_key(arrays)
    if key is not None and f"val_{key}" in arrays:
        axis.plot(epochs, train_validation_gap(arrays, key, mode="max"), label=f"{key} - val_{key}")
    axis.axhline(0.0, color="gray", linewidth=0.8)
    axis.set_title("Train-validation gap")
    axis.legend()
