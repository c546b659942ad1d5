"""Reference loss functions that return what the ``keras.losses`` classes return.

Each function reduces to one number the way Keras 3's loss classes do by default
(``reduction="sum_over_batch_size"``): the mean over the batch of each example's loss.

Shapes: ``N`` examples, ``D`` outputs per example, ``C`` classes.
"""

from __future__ import annotations

import numpy as np

from helpers._validation import as_float_array, check_ndim, check_same_shape, describe

EPSILON = 1e-7
"""Clipping bound for probabilities before a log; the value of ``keras.config.epsilon()``."""


def _check_pair(y_true, y_pred):
    y_true = as_float_array(y_true, "y_true")
    y_pred = as_float_array(y_pred, "y_pred")
    check_same_shape(y_true, "y_true", y_pred, "y_pred")
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty; a loss needs at least one example.")
    return y_true, y_pred


def _check_probabilities(y_pred, from_logits: bool):
    if not from_logits and (y_pred.min() < 0.0 or y_pred.max() > 1.0):
        raise ValueError(
            f"y_pred must contain probabilities in [0, 1]; received values from {y_pred.min():.4g} "
            f"to {y_pred.max():.4g}. If these are raw scores (logits), pass from_logits=True."
        )


def mse(y_true, y_pred) -> float:
    """Return the mean squared error ``mean((y_true - y_pred) ** 2)``.

    Parameters
    ----------
    y_true, y_pred : arrays of shape (N,) or (N, D)

    Returns
    -------
    float
        Equal to ``keras.losses.MeanSquaredError()(y_true, y_pred)``.
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(np.mean((y_true - y_pred) ** 2))


def mae(y_true, y_pred) -> float:
    """Return the mean absolute error ``mean(|y_true - y_pred|)``.

    Parameters
    ----------
    y_true, y_pred : arrays of shape (N,) or (N, D)

    Returns
    -------
    float
        Equal to ``keras.losses.MeanAbsoluteError()(y_true, y_pred)``.
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def binary_crossentropy(y_true, y_pred, from_logits: bool = False) -> float:
    """Return the binary cross-entropy averaged over every element.

    ``-mean(y * log(p) + (1 - y) * log(1 - p))``

    Parameters
    ----------
    y_true : array of shape (N,) or (N, D)
        Labels 0 or 1 (values in between are accepted, as in Keras).
    y_pred : array of the same shape
        Probabilities of class 1, or logits when ``from_logits=True``.
    from_logits : bool, default False

    Returns
    -------
    float
        Equal to ``keras.losses.BinaryCrossentropy(from_logits=...)(y_true, y_pred)``.

    Notes
    -----
    Probabilities are clipped to ``[EPSILON, 1 - EPSILON]`` before the log, as Keras does,
    so a confident wrong prediction costs about ``-log(1e-7) = 16.1`` instead of infinity.
    Logits use the stable form ``max(z, 0) - z * y + log(1 + exp(-|z|))``.
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    _check_probabilities(y_pred, from_logits)
    if from_logits:
        z = y_pred
        losses = np.maximum(z, 0.0) - z * y_true + np.log1p(np.exp(-np.abs(z)))
    else:
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        losses = -(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p))
    return float(np.mean(losses))


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _log_probabilities(y_pred: np.ndarray, from_logits: bool) -> np.ndarray:
    """Return log class probabilities of shape (N, C), as Keras computes them."""
    if from_logits:
        return _log_softmax(y_pred)
    # Keras rescales each row to sum to 1 before clipping, so rows that do not quite sum to 1 still work.
    totals = y_pred.sum(axis=-1, keepdims=True)
    if np.any(totals <= 0.0):
        raise ValueError("every row of y_pred must have a positive sum; received a row of zeros.")
    return np.log(np.clip(y_pred / totals, EPSILON, 1.0 - EPSILON))


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False) -> float:
    """Return the categorical cross-entropy for one-hot labels, averaged over the batch.

    ``-mean_n(sum_c y[n, c] * log(p[n, c]))``

    Parameters
    ----------
    y_true : array of shape (N, C)
        One-hot labels (or any distribution over the classes).
    y_pred : array of shape (N, C)
        Class probabilities, or logits when ``from_logits=True``.
    from_logits : bool, default False

    Returns
    -------
    float
        Equal to ``keras.losses.CategoricalCrossentropy(from_logits=...)(y_true, y_pred)``.

    Notes
    -----
    Probabilities are rescaled to sum to 1 and clipped to ``[EPSILON, 1 - EPSILON]``; logits go
    through a max-shifted log-softmax, so large logits do not overflow.
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    check_ndim(y_pred, "y_pred", 2, "(N, C)")
    _check_probabilities(y_pred, from_logits)
    log_p = _log_probabilities(y_pred, from_logits)
    return float(np.mean(-np.sum(y_true * log_p, axis=-1)))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False) -> float:
    """Return the categorical cross-entropy for integer labels, averaged over the batch.

    ``-mean_n(log(p[n, y[n]]))``: the same loss as :func:`categorical_crossentropy` with the
    labels given as class indices instead of one-hot rows.

    Parameters
    ----------
    y_true : array of shape (N,)
        Integer class labels from 0 to C - 1.
    y_pred : array of shape (N, C)
        Class probabilities, or logits when ``from_logits=True``.
    from_logits : bool, default False

    Returns
    -------
    float
        Equal to ``keras.losses.SparseCategoricalCrossentropy(from_logits=...)(y_true, y_pred)``.
    """
    labels = np.asarray(y_true)
    y_pred = as_float_array(y_pred, "y_pred")
    check_ndim(y_pred, "y_pred", 2, "(N, C)")
    if labels.shape != (y_pred.shape[0],):
        raise ValueError(
            f"y_true must hold one integer label per row of y_pred, shape ({y_pred.shape[0]},); "
            f"received shape {labels.shape}. One-hot labels belong to categorical_crossentropy."
        )
    if not np.issubdtype(labels.dtype, np.integer):
        if not np.issubdtype(labels.dtype, np.floating) or not np.all(labels == np.round(labels)):
            raise TypeError(f"y_true must contain integer class labels; received {describe(labels)}.")
        labels = labels.astype(np.int64)
    n_classes = y_pred.shape[1]
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"y_true labels must be between 0 and {n_classes - 1} for y_pred with {n_classes} columns; "
            f"received labels from {labels.min()} to {labels.max()}."
        )
    if labels.size == 0:
        raise ValueError("y_true and y_pred are empty; a loss needs at least one example.")
    _check_probabilities(y_pred, from_logits)
    log_p = _log_probabilities(y_pred, from_logits)
    return float(np.mean(-log_p[np.arange(labels.size), labels]))


def entropy(probs, axis: int = -1):
    """Return the Shannon entropy ``-sum_i p_i log(p_i)`` in nats along ``axis``.

    Parameters
    ----------
    probs : array of shape (C,) or (N, C)
        Probability distributions along ``axis``: non-negative and summing to 1.
    axis : int, default -1

    Returns
    -------
    float for a single distribution, or an array of shape (N,) for a batch.
        0 for a certain prediction, ``log(C)`` for a uniform one over C classes. Equal to
        ``scipy.stats.entropy(probs, axis=axis)``.

    Notes
    -----
    Terms with ``p_i = 0`` count as 0, the limit of ``p log p``, so no ``log(0)`` is evaluated.
    """
    probs = as_float_array(probs, "probs")
    if probs.ndim == 0:
        raise ValueError(f"probs must be a distribution with at least one entry; received {describe(probs)}.")
    if probs.min() < 0.0:
        raise ValueError(f"probs must be non-negative; received a minimum of {probs.min():.4g}.")
    totals = probs.sum(axis=axis)
    if not np.allclose(totals, 1.0, atol=1e-6):
        raise ValueError(
            f"probs must sum to 1 along axis {axis}; received sums from {np.min(totals):.6g} to {np.max(totals):.6g}. "
            "Divide by the sum, or apply softmax to raw scores."
        )
    safe = np.where(probs > 0.0, probs, 1.0)
    result = -np.sum(np.where(probs > 0.0, probs * np.log(safe), 0.0), axis=axis)
    return float(result) if np.ndim(result) == 0 else result


LOSSES = {
    "mse": mse,
    "mae": mae,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
}
"""Every loss by its Keras function name, for tests and notebooks that iterate over all of them."""
