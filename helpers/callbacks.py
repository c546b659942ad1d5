"""The decisions of ``EarlyStopping`` and ``ReduceLROnPlateau`` as plain rules, one epoch at a time.

Each rule is fed the logs that Keras passes to ``Callback.on_epoch_end`` (a dict such as
``{"loss": 0.41, "val_loss": 0.47, "val_accuracy": 0.83}``) and returns its decision:
``EarlyStoppingRule.on_epoch_end`` returns whether to stop, and
``ReduceLROnPlateauRule.on_epoch_end`` returns the learning rate for the next epoch.
Neither needs a model, so a notebook can replay the logs of a finished ``History``::

    rule = EarlyStoppingRule(monitor="val_loss", patience=3)
    for epoch, val_loss in enumerate(history.history["val_loss"]):
        if rule.on_epoch_end(epoch, {"val_loss": val_loss}):
            break

Both rules reproduce Keras 3.15's ``keras.callbacks`` decisions epoch by epoch,
including these details of Keras's code:

* An improvement is ``current < best - min_delta`` in mode ``"min"`` and
  ``current > best + min_delta`` in mode ``"max"``. Keras compares the two sides as
  float32 tensors, so two values that differ only beyond float32 precision (about 7
  significant digits) are a tie, and a tie is not an improvement. The rules round to
  float32 in the same place.
* The first monitored value always counts as an improvement, even NaN. Nothing
  compares as better than NaN, so after a NaN first value the best value stays NaN.
  A NaN later on is simply not an improvement.
* ``min_delta`` is used as ``abs(min_delta)``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping

import numpy as np

from helpers._validation import check_choice, describe

MAXIMIZED_METRICS = frozenset(
    {
        "accuracy",
        "acc",
        "auc",
        "precision",
        "recall",
        "f1_score",
        "fbeta_score",
        "r2_score",
        "cosine_similarity",
        "iou",
        "mean_iou",
        "pearson_correlation",
        "concordance_correlation",
    }
)
"""Metric names that ``mode="auto"`` maximises, besides every name that contains ``"accuracy"``."""

MINIMIZED_METRICS = frozenset(
    {
        "loss",
        "mse",
        "mae",
        "mape",
        "msle",
        "mean_squared_error",
        "mean_absolute_error",
        "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error",
        "root_mean_squared_error",
        "log_cosh_error",
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "hinge",
        "squared_hinge",
        "categorical_hinge",
        "kl_divergence",
        "poisson",
    }
)
"""Metric names that ``mode="auto"`` minimises, besides every name that ends in ``"loss"``."""


def resolve_mode(monitor: str, mode: str = "auto") -> str:
    """Return ``"min"`` or ``"max"``: the direction in which ``monitor`` improves.

    ``mode="auto"`` strips a ``"val_"`` prefix and looks the name up in
    :data:`MINIMIZED_METRICS` and :data:`MAXIMIZED_METRICS`.

    Raises
    ------
    ValueError
        If ``mode`` is not ``"auto"``, ``"min"`` or ``"max"``, or if ``mode="auto"`` and
        the name is in neither table.

    Notes
    -----
    Keras 3.15 decides ``"auto"`` from the compiled model's metric objects: only
    ``"loss"`` is known by name, and any other metric is looked up in ``model.metrics``.
    The tables give the direction that Keras's metric objects of those names declare,
    and any other name needs an explicit mode. For an unknown mode Keras warns and
    falls back to ``"auto"``, where this function raises.
    """
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(
            f"monitor must be the name of a logged metric such as 'val_loss'; received {describe(monitor)}."
        )
    check_choice(mode, "mode", ("auto", "min", "max"))
    if mode != "auto":
        return mode

    metric = monitor.removeprefix("val_")
    if metric in MINIMIZED_METRICS or metric.endswith("loss"):
        return "min"
    if metric in MAXIMIZED_METRICS or "accuracy" in metric:
        return "max"
    raise ValueError(
        f"mode='auto' cannot tell whether monitor={monitor!r} should decrease or increase. "
        "Pass mode='min' for a loss or error, or mode='max' for a score such as accuracy."
    )


def _check_whole_number(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number; received {describe(value)}.")
    if value < 0:
        raise ValueError(f"{name} must be at least 0; received {value}.")
    return int(value)


def _check_real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; received {describe(value)}.")
    if math.isnan(value):
        raise ValueError(f"{name} must be a number, not NaN.")
    return float(value)


def _as_float32(value: float) -> np.float32:
    # Values beyond the float32 range become +-inf here. Keras 3.15 raises a ValueError for them.
    with np.errstate(over="ignore"):
        return np.float32(value)


class _MonitorRule:
    """Monitored metric, its direction and the improvement test shared by both rules."""

    def __init__(self, monitor: str, mode: str, min_delta) -> None:
        self.monitor = monitor
        self.mode = resolve_mode(monitor, mode)
        self.min_delta = abs(_check_real(min_delta, "min_delta"))

    def _is_improvement(self, current: float, reference: float | None) -> bool:
        if reference is None:
            return True
        if self.mode == "min":
            return bool(_as_float32(current + self.min_delta) < _as_float32(reference))
        return bool(_as_float32(current - self.min_delta) > _as_float32(reference))

    def _monitored_value(self, logs) -> float | None:
        """Return ``logs[monitor]`` as a float, or warn and return None if it is missing."""
        if logs is None:
            logs = {}
        if not isinstance(logs, Mapping):
            raise TypeError(f"logs must be a dict from metric name to value; received {describe(logs)}.")
        value = logs.get(self.monitor)
        if value is None:
            available = ", ".join(map(repr, logs)) or "none"
            warnings.warn(
                f"{type(self).__name__} monitors {self.monitor!r}, which is missing from logs "
                f"(available keys: {available}), so this epoch is skipped. A 'val_' metric needs "
                "validation_data or validation_split in fit.",
                stacklevel=3,
            )
            return None
        try:
            return float(value)
        except (TypeError, ValueError) as error:
            raise TypeError(f"logs[{self.monitor!r}] must be a number; received {describe(value)}.") from error


class EarlyStoppingRule(_MonitorRule):
    """Decide after each epoch whether to stop training, as ``keras.callbacks.EarlyStopping``.

    Each epoch from ``start_from_epoch`` on adds 1 to ``wait``. An improvement on the
    best value so far (by more than ``min_delta``) records a new best and, if it also
    beats ``baseline``, resets ``wait`` to 0. An epoch without improvement stops
    training once ``wait >= patience``.

    Parameters
    ----------
    monitor : str, default "val_loss"
        Key of the logs to watch.
    min_delta : float, default 0
        Minimum change that counts as an improvement.
    patience : int >= 0, default 0
        Number of epochs without improvement to allow before stopping.
    mode : {"auto", "min", "max"}, default "auto"
        Direction of improvement. See :func:`resolve_mode`.
    restore_best_weights : bool, default False
        Keep a copy of the ``weights`` passed with the best epoch in ``best_weights``.
    baseline : float or None, default None
        Value to beat. Until a value beats it, ``wait`` is never reset.
    start_from_epoch : int >= 0, default 0
        Epochs before this one are ignored, as a warm-up.

    Attributes
    ----------
    best : float or None
        Best monitored value so far.
    best_epoch : int or None
        Epoch of ``best``, 0-based as Keras numbers them.
    wait : int
        Epochs counted since the last reset.
    stopped_epoch : int or None
        Epoch at which the rule first decided to stop.
    best_weights : list of ndarray or None
        Copy of the weights of ``best_epoch`` when ``restore_best_weights`` is True.

    Notes
    -----
    Keras 3.15 starts every ``fit`` with ``best = None``, so ``baseline`` is never the
    initial best: the first monitored epoch is always the best so far, and it resets
    ``wait`` only if it beats ``baseline``. Keras decides to stop only on an epoch
    without improvement, so with a ``baseline`` that is never beaten, training that
    keeps improving does not stop. The rule does the same.

    Keras restores ``best_weights`` at the end of training whether or not it stopped
    early. Here the caller restores them, for example ``model.set_weights(rule.best_weights)``.

    Examples
    --------
    >>> rule = EarlyStoppingRule(monitor="val_loss", patience=2)
    >>> [rule.on_epoch_end(epoch, {"val_loss": value}) for epoch, value in enumerate([0.5, 0.4, 0.45, 0.41])]
    [False, False, False, True]
    >>> rule.best_epoch, rule.best
    (1, 0.4)
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        mode="auto",
        restore_best_weights=False,
        baseline=None,
        start_from_epoch=0,
    ) -> None:
        super().__init__(monitor, mode, min_delta)
        self.patience = _check_whole_number(patience, "patience")
        if not isinstance(restore_best_weights, (bool, np.bool_)):
            raise TypeError(f"restore_best_weights must be True or False; received {describe(restore_best_weights)}.")
        self.restore_best_weights = bool(restore_best_weights)
        self.baseline = None if baseline is None else _check_real(baseline, "baseline")
        self.start_from_epoch = _check_whole_number(start_from_epoch, "start_from_epoch")
        self.on_train_begin()

    def on_train_begin(self) -> None:
        """Reset the rule for a new training run, as Keras does at the start of each ``fit``."""
        self.wait = 0
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.best_weights: list[np.ndarray] | None = None

    @property
    def stop_training(self) -> bool:
        """True once the rule has decided to stop."""
        return self.stopped_epoch is not None

    def on_epoch_end(self, epoch: int, logs: Mapping | None, weights=None) -> bool:
        """Update the rule with one epoch's logs and return True if training should stop.

        Parameters
        ----------
        epoch : int >= 0
            0-based epoch number.
        logs : dict of str to float
            The epoch's metrics. A missing ``monitor`` key warns and skips the epoch, as in Keras.
        weights : list of arrays, optional
            The model's weights after this epoch (``model.get_weights()``). Copied into
            ``best_weights`` on a best epoch when ``restore_best_weights`` is True.

        Returns
        -------
        bool
            True if training should stop after this epoch.
        """
        epoch = _check_whole_number(epoch, "epoch")
        current = self._monitored_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return False

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights and weights is not None:
                self.best_weights = [np.array(weight, copy=True) for weight in weights]
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return False

        # Keras never stops at epoch 0, which only matters when a rule is reused
        # across fit calls without on_train_begin.
        if self.wait >= self.patience and epoch > 0:
            if self.stopped_epoch is None:
                self.stopped_epoch = epoch
            return True
        return False


class ReduceLROnPlateauRule(_MonitorRule):
    """Decide after each epoch whether to reduce the learning rate, as ``keras.callbacks.ReduceLROnPlateau``.

    An epoch that improves on the best value (by more than ``min_delta``) resets
    ``wait``. Any other epoch outside the cooldown adds 1 to ``wait``, and when
    ``wait >= patience`` the learning rate becomes ``max(learning_rate * factor, min_lr)``,
    ``wait`` resets and ``cooldown_counter`` is set to ``cooldown``. Each epoch first
    counts the cooldown down by 1 and resets ``wait``, then is not counted while the
    cooldown is still above 0.

    Parameters
    ----------
    monitor : str, default "val_loss"
    factor : float in (0, 1), default 0.1
        Multiplier applied to the learning rate at each reduction.
    patience : int >= 0, default 10
        Number of epochs without improvement before a reduction.
    mode : {"auto", "min", "max"}, default "auto"
        See :func:`resolve_mode`.
    min_delta : float, default 1e-4
        Minimum change that counts as an improvement.
    cooldown : int >= 0, default 0
        Length of the cooldown after a reduction. Because the count-down comes first,
        ``cooldown`` skips ``cooldown - 1`` epochs, and 0 and 1 behave alike, as in Keras 3.15.
    min_lr : float >= 0, default 0.0
        Lower bound on the learning rate.

    Attributes
    ----------
    best, best_epoch, wait
        As in :class:`EarlyStoppingRule`.
    cooldown_counter : int
        Epochs of cooldown left.
    learning_rate : float or None
        Learning rate returned by the last call.

    Notes
    -----
    Keras stores the learning rate as float32 and reduces it only while
    ``learning_rate > float32(min_lr)``. The rule compares both in float32 too, so a
    rate that has reached ``min_lr`` is not reduced again. Once it is there, ``wait`` is
    no longer reset by reductions and keeps growing, as in Keras.

    Examples
    --------
    >>> rule = ReduceLROnPlateauRule(monitor="val_loss", factor=0.5, patience=2)
    >>> [rule.on_epoch_end(epoch, {"val_loss": 1.0}, learning_rate=0.1) for epoch in range(3)]
    [0.1, 0.1, 0.05]
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
    ) -> None:
        super().__init__(monitor, mode, min_delta)
        self.factor = _check_real(factor, "factor")
        if not 0.0 < self.factor < 1.0:
            raise ValueError(
                f"factor must be between 0 and 1 (exclusive) to reduce the learning rate; received {factor}."
            )
        self.patience = _check_whole_number(patience, "patience")
        self.cooldown = _check_whole_number(cooldown, "cooldown")
        self.min_lr = _check_real(min_lr, "min_lr")
        if self.min_lr < 0.0:
            raise ValueError(f"min_lr must be at least 0; received {min_lr}.")
        self.on_train_begin()

    def on_train_begin(self) -> None:
        """Reset the rule for a new training run, as Keras does at the start of each ``fit``."""
        self.wait = 0
        self.cooldown_counter = 0
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.learning_rate: float | None = None

    @property
    def in_cooldown(self) -> bool:
        """True while epochs are not counted after a reduction."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch: int, logs: Mapping | None, learning_rate=None) -> float:
        """Update the rule with one epoch's logs and return the learning rate for the next epoch.

        Parameters
        ----------
        epoch : int >= 0
            0-based epoch number.
        logs : dict of str to float
            The epoch's metrics. A missing ``monitor`` key warns and skips the epoch, as in Keras.
        learning_rate : float, optional
            The optimizer's current learning rate, for example
            ``float(model.optimizer.learning_rate)``. Defaults to ``logs["learning_rate"]``.

        Returns
        -------
        float
            ``learning_rate`` reduced, or unchanged when this epoch does not reduce it.

        Raises
        ------
        ValueError
            If ``learning_rate`` is not given and ``logs`` has no ``"learning_rate"``.
        """
        epoch = _check_whole_number(epoch, "epoch")
        if learning_rate is None:
            if not isinstance(logs, Mapping) or "learning_rate" not in logs:
                raise ValueError(
                    "learning_rate is missing: pass the optimizer's current rate as "
                    "on_epoch_end(epoch, logs, learning_rate=...) or put it in logs['learning_rate']."
                )
            learning_rate = logs["learning_rate"]
        learning_rate = _check_real(learning_rate, "learning_rate")
        self.learning_rate = learning_rate

        current = self._monitored_value(logs)
        if current is None:
            return learning_rate

        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.wait = 0

        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            self.wait = 0
        elif not self.in_cooldown:
            self.wait += 1
            if self.wait >= self.patience and _as_float32(learning_rate) > _as_float32(self.min_lr):
                learning_rate = max(learning_rate * self.factor, self.min_lr)
                self.cooldown_counter = self.cooldown
                self.wait = 0

        self.learning_rate = learning_rate
        return learning_rate


RULES = {
    "early_stopping": EarlyStoppingRule,
    "reduce_lr_on_plateau": ReduceLROnPlateauRule,
}
"""Every rule class by name, for tests that iterate over all of them."""
