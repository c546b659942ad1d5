"""Imbalanced classes: a subset with rare classes, and the class weights that balance it.

Labels are integer class labels of shape ``(N,)``. ``C`` is the number of distinct labels.
"""

from __future__ import annotations

import numbers

import numpy as np

from helpers._validation import describe


def _check_integer_labels(labels, name: str) -> np.ndarray:
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels of shape (N,); received shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"{name} is empty; pass at least one example.")
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must contain integer class labels, as Keras's class_weight needs; received dtype {array.dtype}."
        )
    return array


def balanced_class_weights(labels) -> dict[int, float]:
    """Compute one weight per class so that every class contributes equally to the loss.

    ``weight[c] = N / (C * n_c)``, where ``n_c`` is the number of examples of class ``c``.
    A class with the average count ``N / C`` gets weight 1, a rarer class more.

    Parameters
    ----------
    labels : array of shape (N,), integers

    Returns
    -------
    dict of int to float
        One entry per class that occurs in ``labels``, in increasing order, ready for
        ``model.fit(..., class_weight=...)``. The values equal
        ``sklearn.utils.class_weight.compute_class_weight("balanced", classes=np.unique(labels), y=labels)``.

    Examples
    --------
    >>> balanced_class_weights([0, 0, 0, 1])  # 4 / (2 * 3) and 4 / (2 * 1)
    {0: 0.6666666666666666, 1: 2.0}
    """
    labels = _check_integer_labels(labels, "labels")
    classes, counts = np.unique(labels, return_counts=True)
    weights = labels.size / (classes.size * counts)
    return {int(label): float(weight) for label, weight in zip(classes, weights)}


def imbalanced_subset(images, labels, rare_classes, keep_fraction: float, seed: int = 0):
    """Keep every example of the common classes and a random fraction of the rare ones.

    Parameters
    ----------
    images : array of shape (N, ...)
    labels : array of shape (N,), integers
    rare_classes : sequence of int
        Classes to thin out.
    keep_fraction : float in (0, 1]
        Fraction of each rare class's examples to keep, at least one example per class.
    seed : int, default 0
        Seed of the random choice of examples.

    Returns
    -------
    (images, labels)
        The subset, in the original order of the examples.

    Examples
    --------
    >>> images, labels = imbalanced_subset(np.zeros((8, 2)), np.array([0, 1] * 4), [1], 0.25)
    >>> labels.tolist()
    [0, 0, 0, 0, 1]
    """
    labels = _check_integer_labels(labels, "labels")
    images = np.asarray(images)
    if images.shape[:1] != labels.shape:
        raise ValueError(
            f"images and labels must have one entry per example; received {images.shape[0]} images "
            f"and {labels.size} labels."
        )
    if isinstance(keep_fraction, bool) or not isinstance(keep_fraction, numbers.Real) or not 0 < keep_fraction <= 1:
        raise ValueError(f"keep_fraction must be a number in (0, 1]; received {describe(keep_fraction)}.")
    present = set(np.unique(labels).tolist())
    rare_classes = [int(label) for label in rare_classes]
    absent = [label for label in rare_classes if label not in present]
    if absent:
        raise ValueError(f"rare_classes contains {absent}, which do not occur in labels; the classes are {sorted(present)}.")

    rng = np.random.default_rng(seed)
    keep = ~np.isin(labels, rare_classes)
    for label in rare_classes:
        members = np.flatnonzero(labels == label)
        count = max(1, round(keep_fraction * members.size))
        keep[rng.choice(members, size=count, replace=False)] = True
    return images[keep], labels[keep]
