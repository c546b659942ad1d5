"""Learning-rate schedules as plain functions of the step or epoch.

``exponential_decay`` and ``cosine_decay`` compute what ``keras.optimizers.schedules``
``ExponentialDecay`` and ``CosineDecay`` compute. ``step_decay`` is the epoch-based
schedule that tutorials pass to ``keras.callbacks.LearningRateScheduler``.

A schedule is used in one of two ways:

* per optimizer step, as an optimizer's ``learning_rate``: bind the arguments with
  ``functools.partial(exponential_decay, initial_learning_rate=0.1, decay_steps=100,
  decay_rate=0.5)``, which :mod:`helpers.optimizers` calls with the iteration count;
* per epoch, through ``keras.callbacks.LearningRateScheduler(as_epoch_schedule(step_decay,
  initial_learning_rate=0.1, drop=0.5, epochs_drop=10))``, which Keras calls at the start
  of each epoch with the 0-based epoch number.

Each function takes a scalar ``step`` (or ``epoch``) and returns a float, or takes an
array of steps of any shape and returns an array of that shape, for plotting.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

from helpers._validation import as_float_array, check_positive_int, describe


def _check_number(value, name: str, *, minimum=None, maximum=None, minimum_inclusive=True) -> float:
    """Return ``value`` as a float if it is a finite real number within the bounds, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; received {describe(value)}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite; received {value}.")
    if minimum is not None:
        if minimum_inclusive and value < minimum:
            raise ValueError(f"{name} must be at least {minimum}; received {value}.")
        if not minimum_inclusive and value <= minimum:
            raise ValueError(f"{name} must be greater than {minimum}; received {value}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}; received {value}.")
    return value


def _check_steps(step, name: str) -> np.ndarray:
    steps = as_float_array(step, name)
    if not np.all(np.isfinite(steps)) or np.any(steps < 0):
        raise ValueError(f"{name} must be a non-negative number or array of them; received {describe(step)}.")
    return steps


def _as_output(values: np.ndarray):
    return float(values) if values.ndim == 0 else values


def exponential_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase=False):
    """Compute ``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    With ``staircase=True`` the exponent is ``floor(step / decay_steps)``, so the rate
    drops by ``decay_rate`` once every ``decay_steps`` steps instead of smoothly.

    Parameters
    ----------
    step : number or array of any shape
        Optimizer step (or epoch), 0 or more.
    initial_learning_rate : float >= 0
        Learning rate at step 0.
    decay_steps : float > 0
        Number of steps over which the rate is multiplied by ``decay_rate``.
    decay_rate : float > 0
    staircase : bool, default False

    Returns
    -------
    float, or array of the shape of ``step``
        Equal to ``keras.optimizers.schedules.ExponentialDecay(initial_learning_rate,
        decay_steps, decay_rate, staircase)(step)``.

    Examples
    --------
    >>> exponential_decay(20, initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5)
    0.025
    >>> exponential_decay(15, 0.1, 10, 0.5, staircase=True)
    0.05
    """
    steps = _check_steps(step, "step")
    initial_learning_rate = _check_number(initial_learning_rate, "initial_learning_rate", minimum=0.0)
    decay_steps = _check_number(decay_steps, "decay_steps", minimum=0.0, minimum_inclusive=False)
    decay_rate = _check_number(decay_rate, "decay_rate", minimum=0.0, minimum_inclusive=False)
    if not isinstance(staircase, (bool, np.bool_)):
        raise TypeError(f"staircase must be True or False; received {describe(staircase)}.")

    exponent = steps / decay_steps
    if staircase:
        exponent = np.floor(exponent)
    return _as_output(initial_learning_rate * decay_rate**exponent)


def step_decay(epoch, initial_learning_rate, drop, epochs_drop):
    """Compute ``initial_learning_rate * drop ** floor(epoch / epochs_drop)``.

    The rate is multiplied by ``drop`` after every ``epochs_drop`` epochs. With 0-based
    epochs, as ``LearningRateScheduler`` passes them, epochs ``0 .. epochs_drop - 1`` use
    ``initial_learning_rate`` and the first drop happens at epoch ``epochs_drop``. This is
    ``exponential_decay(epoch, initial_learning_rate, epochs_drop, drop, staircase=True)``.

    Parameters
    ----------
    epoch : int >= 0, or array of them
        0-based epoch number.
    initial_learning_rate : float >= 0
    drop : float in (0, 1]
        Factor applied at each drop, for example 0.5 to halve the rate.
    epochs_drop : int >= 1
        Number of epochs between drops.

    Returns
    -------
    float, or array of the shape of ``epoch``

    Notes
    -----
    A version copied between tutorials uses ``floor((1 + epoch) / epochs_drop)``, which
    drops one epoch early: with ``epochs_drop=10`` its first drop is at epoch 9, after
    only 9 epochs at the initial rate.

    Examples
    --------
    >>> [step_decay(epoch, initial_learning_rate=0.1, drop=0.5, epochs_drop=2) for epoch in range(5)]
    [0.1, 0.1, 0.05, 0.05, 0.025]
    """
    epochs = _check_steps(epoch, "epoch")
    if np.any(epochs != np.floor(epochs)):
        raise ValueError(f"epoch must be a whole number or array of them; received {describe(epoch)}.")
    initial_learning_rate = _check_number(initial_learning_rate, "initial_learning_rate", minimum=0.0)
    drop = _check_number(drop, "drop", minimum=0.0, minimum_inclusive=False, maximum=1.0)
    epochs_drop = check_positive_int(epochs_drop, "epochs_drop")

    return _as_output(initial_learning_rate * drop ** np.floor(epochs / epochs_drop))


def cosine_decay(step, initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    """Compute a cosine decay from a start rate to ``alpha`` times it, after an optional linear warmup.

    Without warmup (``warmup_target=None``), with ``s = min(step, decay_steps)``::

        lr = initial_learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)

    With warmup, the rate first rises linearly from ``initial_learning_rate`` at step 0 to
    ``warmup_target`` at step ``warmup_steps``, then decays from ``warmup_target`` by the
    formula above with ``s = min(step - warmup_steps, decay_steps)``.

    Parameters
    ----------
    step : number or array of any shape
        Optimizer step, 0 or more.
    initial_learning_rate : float >= 0
    decay_steps : float > 0
        Number of steps of the decay, after which the rate stays at its minimum.
    alpha : float in [0, 1], default 0.0
        Minimum rate as a fraction of the rate the decay starts from.
    warmup_target : float >= 0 or None, default None
        Rate reached at the end of the warmup. ``None`` skips the warmup.
    warmup_steps : float >= 0, default 0
        Length of the warmup. Used only when ``warmup_target`` is set.

    Returns
    -------
    float, or array of the shape of ``step``
        Equal to ``keras.optimizers.schedules.CosineDecay(initial_learning_rate,
        decay_steps, alpha, warmup_target=warmup_target, warmup_steps=warmup_steps)(step)``.
        Older code calls it ``tf.keras.experimental.CosineDecay``, which TensorFlow 2.21
        no longer has.

    Examples
    --------
    Halfway through the decay the cosine term is 0.5:

    >>> cosine_decay(50, initial_learning_rate=0.1, decay_steps=100)
    0.05

    After ``decay_steps`` the rate stays at ``alpha * initial_learning_rate``:

    >>> cosine_decay(500, initial_learning_rate=1.0, decay_steps=100, alpha=0.1)
    0.1
    """
    steps = _check_steps(step, "step")
    initial_learning_rate = _check_number(initial_learning_rate, "initial_learning_rate", minimum=0.0)
    decay_steps = _check_number(decay_steps, "decay_steps", minimum=0.0, minimum_inclusive=False)
    alpha = _check_number(alpha, "alpha", minimum=0.0, maximum=1.0)
    warmup_steps = _check_number(warmup_steps, "warmup_steps", minimum=0.0)

    if warmup_target is None:
        return _as_output(_cosine(np.minimum(steps, decay_steps), decay_steps, initial_learning_rate, alpha))

    warmup_target = _check_number(warmup_target, "warmup_target", minimum=0.0)
    steps = np.minimum(steps, decay_steps + warmup_steps)
    in_warmup = steps < warmup_steps
    # Dividing by max(warmup_steps, 1) avoids 0 / 0 when warmup_steps is 0; the warmup
    # branch is then never selected because no step is below 0.
    warmup = initial_learning_rate + (warmup_target - initial_learning_rate) * steps / max(warmup_steps, 1.0)
    decayed = _cosine(steps - warmup_steps, decay_steps, warmup_target, alpha)
    return _as_output(np.where(in_warmup, warmup, decayed))


def _cosine(steps: np.ndarray, decay_steps: float, start: float, alpha: float) -> np.ndarray:
    cosine = 0.5 * (1.0 + np.cos(np.pi * steps / decay_steps))
    return start * ((1.0 - alpha) * cosine + alpha)


def as_epoch_schedule(schedule: Callable, **arguments) -> Callable[..., float]:
    """Wrap a schedule as the ``schedule(epoch, learning_rate)`` function ``LearningRateScheduler`` calls.

    ``keras.callbacks.LearningRateScheduler`` calls its function at the start of every
    epoch with the 0-based epoch number and the optimizer's current learning rate, and
    sets the optimizer's learning rate to the float it returns. The wrapper ignores the
    current rate and returns ``schedule(epoch, **arguments)``, so the epoch takes the
    place of the step.

    Parameters
    ----------
    schedule : callable
        One of this module's functions, or any function whose first argument is the
        step or epoch.
    **arguments
        Keyword arguments bound to ``schedule``, for example ``initial_learning_rate=0.1``.

    Returns
    -------
    callable
        ``epoch_schedule(epoch, learning_rate=None) -> float``.

    Examples
    --------
    >>> epoch_schedule = as_epoch_schedule(step_decay, initial_learning_rate=0.1, drop=0.5, epochs_drop=2)
    >>> epoch_schedule(3, 0.1)
    0.05

    In a notebook: ``keras.callbacks.LearningRateScheduler(epoch_schedule)``.
    """
    if not callable(schedule):
        raise TypeError(f"schedule must be a function of the step or epoch; received {describe(schedule)}.")

    def epoch_schedule(epoch, learning_rate=None) -> float:
        # Keras rejects anything but a float, so NumPy scalars and arrays are converted here.
        return float(schedule(epoch, **arguments))

    epoch_schedule.__name__ = f"epoch_{getattr(schedule, '__name__', 'schedule')}"
    epoch_schedule.__doc__ = f"Return {epoch_schedule.__name__[6:]}(epoch, **{arguments!r}) as a float."
    return epoch_schedule


SCHEDULES = {
    "exponential_decay": exponential_decay,
    "step_decay": step_decay,
    "cosine_decay": cosine_decay,
}
"""Every schedule function by name, for tests and notebooks that iterate over all of them."""
