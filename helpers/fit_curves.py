"""Synthetic training histories of each fit pattern, for plots and for tests of a history classifier.

Each history is a dict ``{"loss": [...], "val_loss": [...]}`` with one value per epoch,
the form of ``History.history``, built from a smooth curve with random shape parameters
and a little multiplicative noise. The kinds and the pattern that
:func:`helpers.history.classify_history` gives them with its default thresholds:

``"overfitting"``
    ``loss`` keeps falling, ``val_loss`` levels off, then from 40 % to 60 % of the way
    through climbs by 25 % to 80 % of its value there.
``"good fit"``
    both losses level off within the first half of training, close together.
``"still falling"`` (underfitting)
    both losses still fall by more than 5 % over the last 3 epochs: training stopped too early.
``"flat"`` (underfitting)
    ``loss`` falls by at most 5 % over all of training, before noise: the model does not learn.
``"unstable"`` (underfitting)
    both losses level off, then from 50 % to 70 % of the way through climb by 30 % to
    100 % of their minimum, as with a learning rate that is too high.
"""

from __future__ import annotations

import numpy as np

from helpers._validation import check_positive_int, describe
from helpers.history import GOOD_FIT, OVERFITTING, UNDERFITTING

KINDS = {
    "overfitting": OVERFITTING,
    "good fit": GOOD_FIT,
    "still falling": UNDERFITTING,
    "flat": UNDERFITTING,
    "unstable": UNDERFITTING,
}
"""Every kind of synthetic history and the pattern it shows."""

MIN_EPOCHS = 12
MAX_EPOCHS = 30
"""Range of ``epochs`` for which every kind shows its pattern clearly."""


def _decay(epochs: np.ndarray, floor: float, height: float, time_constant: float) -> np.ndarray:
    return floor + height * np.exp(-epochs / time_constant)


def _overfitting(t: np.ndarray, rng: np.random.Generator):
    last = t[-1]
    time_constant = rng.uniform(0.08, 0.15) * last
    height = rng.uniform(0.8, 1.6)
    floor = rng.uniform(0.02, 0.1)
    # The training loss keeps falling slowly to half its floor, so that it is lower at the
    # end than at the validation minimum, as overfitting needs.
    loss = _decay(t, floor, height, time_constant) - 0.5 * floor * t / last
    val_loss = _decay(t, floor + rng.uniform(0.1, 0.3), height, time_constant)
    turn = rng.uniform(0.4, 0.6) * last
    rise = rng.uniform(0.25, 0.8) * np.interp(turn, t, val_loss)
    climb = (np.maximum(t - turn, 0.0) / (last - turn)) ** 2
    return loss, val_loss + rise * climb


def _good_fit(t: np.ndarray, rng: np.random.Generator):
    time_constant = rng.uniform(0.06, 0.1) * t[-1]
    loss = _decay(t, rng.uniform(0.15, 0.4), rng.uniform(0.8, 1.6), time_constant)
    return loss, loss + rng.uniform(0.02, 0.1)


def _still_falling(t: np.ndarray, rng: np.random.Generator):
    time_constant = rng.uniform(0.6, 1.0) * t[-1]
    loss = _decay(t, rng.uniform(0.05, 0.2), rng.uniform(1.0, 2.0), time_constant)
    return loss, loss + rng.uniform(0.02, 0.1)


def _flat(t: np.ndarray, rng: np.random.Generator):
    loss = rng.uniform(0.6, 2.4) * (1.0 - rng.uniform(0.0, 0.05) * t / t[-1])
    return loss, loss * (1.0 + rng.uniform(0.0, 0.05))


def _unstable(t: np.ndarray, rng: np.random.Generator):
    last = t[-1]
    loss = _decay(t, rng.uniform(0.1, 0.3), rng.uniform(0.8, 1.6), rng.uniform(0.06, 0.1) * last)
    turn = rng.uniform(0.5, 0.7) * last
    climb = (np.maximum(t - turn, 0.0) / (last - turn)) ** 2
    loss = loss + rng.uniform(0.3, 1.0) * loss.min() * climb
    return loss, loss + rng.uniform(0.02, 0.1)


_GENERATORS = {
    "overfitting": _overfitting,
    "good fit": _good_fit,
    "still falling": _still_falling,
    "flat": _flat,
    "unstable": _unstable,
}


def synthetic_history(kind: str, epochs: int = 20, seed: int = 0, noise: float = 0.005) -> dict[str, list[float]]:
    """Make a training history of one kind from :data:`KINDS`.

    Parameters
    ----------
    kind : str
        A key of :data:`KINDS`.
    epochs : int, default 20
        Number of epochs ``E``. The patterns are clear for ``MIN_EPOCHS <= E <= MAX_EPOCHS``.
    seed : int, default 0
        Seed of the random shape parameters and the noise.
    noise : float >= 0, default 0.005
        Standard deviation of the multiplicative noise on every value.

    Returns
    -------
    dict
        ``{"loss": list of E floats, "val_loss": list of E floats}``, all positive.

    Examples
    --------
    >>> from helpers.history import classify_history
    >>> classify_history(synthetic_history("overfitting", seed=3))
    'overfitting'
    """
    if kind not in _GENERATORS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}; received {describe(kind)}.")
    epochs = check_positive_int(epochs, "epochs")
    if epochs < 4:
        raise ValueError(f"epochs must be at least 4 to show a pattern; received {epochs}.")
    if not noise >= 0:
        raise ValueError(f"noise must be a number of at least 0; received {describe(noise)}.")

    rng = np.random.default_rng(seed)
    t = np.arange(epochs, dtype=float)
    loss, val_loss = _GENERATORS[kind](t, rng)
    loss = loss * (1.0 + noise * rng.standard_normal(epochs))
    val_loss = val_loss * (1.0 + noise * rng.standard_normal(epochs))
    return {"loss": loss.tolist(), "val_loss": val_loss.tolist()}
