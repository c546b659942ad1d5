"""Classification metrics that return what ``sklearn.metrics`` returns, written with NumPy only.

Every function takes ``(y_true, y_pred)`` as scikit-learn does: two arrays of class labels
of shape ``(N,)`` (integers, whole-number floats, booleans or strings). ``C`` is the number
of classes in ``labels``, by default the sorted union of the labels in ``y_true`` and
``y_pred``.

Precision, recall and F1 are undefined for a class that is never predicted (precision),
never true (recall) or neither (F1). Those values become ``zero_division``, which
defaults to ``0.0``: the number that scikit-learn's default ``zero_division="warn"``
returns, without its ``UndefinedMetricWarning``. ``1.0`` and ``np.nan`` are also accepted.
With ``np.nan``, averages skip the undefined classes, as in scikit-learn.

Not supported: ``sample_weight``, multilabel indicator matrices and ``average="samples"``.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from helpers._validation import check_choice, describe

AVERAGES = ("binary", "micro", "macro", "weighted", None)
"""Values of ``average`` that :func:`precision`, :func:`recall` and :func:`f1_score` accept."""


# Input checks ---------------------------------------------------------------------------


def _label_kind(array: np.ndarray) -> str:
    return "string" if array.dtype.kind in "US" else "number"


def _check_labels(y, name: str) -> np.ndarray:
    """Return ``y`` as a 1-D array of class labels, or raise with the fix for common mistakes."""
    if y is None or isinstance(y, (str, bytes)):
        raise TypeError(f"{name} must be an array of class labels of shape (N,); received {describe(y)}.")
    array = np.asarray(y)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim == 2:
        raise ValueError(
            f"{name} must be a 1-D array of class labels of shape (N,); received shape {array.shape}. "
            f"If its rows are one-hot labels or class probabilities, take np.argmax({name}, axis=1)."
        )
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels of shape (N,); received shape {array.shape}.")
    if array.size == 0:
        needed = "one class label" if name == "labels" else "one example"
        raise ValueError(f"{name} is empty; pass at least {needed}.")

    if array.dtype == object:
        array = _convert_object_labels(array, name)
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must not contain NaN or infinity; received {describe(array)}.")
        fractional = array[array != np.round(array)]
        if fractional.size:
            raise ValueError(
                f"{name} contains non-integer values such as {fractional[0]:g}, so they are not class labels. "
                f"If {name} holds probabilities, convert them to labels first: "
                f"({name} > 0.5).astype(int) for one output, np.argmax({name}, axis=1) for several."
            )
    elif array.dtype.kind not in "biuUS":
        raise TypeError(
            f"{name} must contain integers, booleans or strings as class labels; received dtype {array.dtype}."
        )
    return array


def _convert_object_labels(array: np.ndarray, name: str) -> np.ndarray:
    values = array.tolist()
    if all(isinstance(value, str) for value in values):
        return array.astype(str)
    if all(isinstance(value, numbers.Real) for value in values):
        return np.asarray(values)
    raise TypeError(
        f"{name} mixes strings and numbers, or contains other objects; use one type for all class labels."
    )


def _check_pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true = _check_labels(y_true, "y_true")
    y_pred = _check_labels(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "y_true and y_pred must have the same number of examples; "
            f"received {y_true.shape[0]} and {y_pred.shape[0]}."
        )
    if _label_kind(y_true) != _label_kind(y_pred):
        raise TypeError(
            f"y_true contains {_label_kind(y_true)}s and y_pred contains {_label_kind(y_pred)}s; "
            "use the same type of class label in both."
        )
    return y_true, y_pred


def unique_labels(y_true, y_pred) -> np.ndarray:
    """Return the sorted union of the labels in ``y_true`` and ``y_pred``, shape ``(C,)``."""
    y_true, y_pred = _check_pair(y_true, y_pred)
    return np.union1d(y_true, y_pred)


def _resolve_labels(labels, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    if labels is None:
        return np.union1d(y_true, y_pred)
    labels = _check_labels(labels, "labels")
    if _label_kind(labels) != _label_kind(y_true):
        raise TypeError(
            f"labels contains {_label_kind(labels)}s but y_true contains {_label_kind(y_true)}s; "
            "list the class labels as they appear in y_true."
        )
    if np.unique(labels).size != labels.size:
        raise ValueError(f"labels must not repeat a class; received {describe(labels)}.")
    return labels


def _check_zero_division(zero_division) -> float:
    if (
        isinstance(zero_division, bool)
        or not isinstance(zero_division, numbers.Real)
        or not (zero_division in (0, 1) or math.isnan(zero_division))
    ):
        raise ValueError(
            f"zero_division must be 0.0, 1.0 or np.nan; received {zero_division!r}. "
            "scikit-learn's 'warn' returns the values of 0.0."
        )
    return float(zero_division)


def _label_indices(y: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Return the index of each element of ``y`` in ``labels``, or -1 for labels not listed."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    positions = np.clip(np.searchsorted(sorted_labels, y), 0, labels.size - 1)
    found = sorted_labels[positions] == y
    return np.where(found, order[positions], -1)


# Counts ---------------------------------------------------------------------------------


def confusion_matrix(y_true, y_pred, labels=None) -> np.ndarray:
    """Count the examples of each true class (row) predicted as each class (column).

    ``matrix[i, j]`` is the number of examples with ``y_true == labels[i]`` and
    ``y_pred == labels[j]``. The diagonal contains the correct predictions.

    Parameters
    ----------
    y_true, y_pred : arrays of shape (N,)
        Class labels.
    labels : array of shape (C,), optional
        Classes in the order of the rows and columns. Examples whose true or predicted
        label is not listed are left out. Defaults to the sorted union of both arrays.

    Returns
    -------
    ndarray of shape (C, C), dtype int64
        Equal to ``sklearn.metrics.confusion_matrix(y_true, y_pred, labels=labels)``.
        scikit-learn raises a ``ValueError`` when no label in ``labels`` occurs in
        ``y_true``, where this function returns the counts, which may be all zero.

    Examples
    --------
    >>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    labels = _resolve_labels(labels, y_true, y_pred)
    n_classes = labels.size

    true_index = _label_indices(y_true, labels)
    pred_index = _label_indices(y_pred, labels)
    both_listed = (true_index >= 0) & (pred_index >= 0)
    flat = true_index[both_listed] * n_classes + pred_index[both_listed]
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes).astype(np.int64)


def _class_counts(y_true: np.ndarray, y_pred: np.ndarray, labels: np.ndarray):
    """Return true positives, predicted counts and true counts per class, each of shape (C,).

    Every example counts, also those whose labels are not in ``labels``: for class k,
    ``predicted[k]`` is the number of examples with ``y_pred == labels[k]``.
    """
    n_classes = labels.size
    true_index = _label_indices(y_true, labels)
    pred_index = _label_indices(y_pred, labels)
    correct = (true_index == pred_index) & (true_index >= 0)
    true_positives = np.bincount(true_index[correct], minlength=n_classes)
    predicted = np.bincount(pred_index[pred_index >= 0], minlength=n_classes)
    actual = np.bincount(true_index[true_index >= 0], minlength=n_classes)
    return true_positives, predicted, actual


def _divide(numerator: np.ndarray, denominator: np.ndarray, zero_division: float) -> np.ndarray:
    """Divide elementwise, with ``zero_division`` where the denominator is 0 and no warning."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    undefined = denominator == 0
    result = numerator / np.where(undefined, 1.0, denominator)
    return np.where(undefined, zero_division, result)


# Precision, recall and F1 -----------------------------------------------------------------


def _binary_labels(y_true: np.ndarray, y_pred: np.ndarray, pos_label) -> np.ndarray:
    present = np.union1d(y_true, y_pred)
    if present.size > 2:
        raise ValueError(
            f"average='binary' needs at most 2 classes, but y_true and y_pred contain {present.size}: "
            f"{present.tolist()}. Pass average='macro', 'micro', 'weighted' or None for several classes."
        )
    pos_label_kind = "string" if isinstance(pos_label, str) else "number"
    listed = any(pos_label_kind == _label_kind(present) and label == pos_label for label in present.tolist())
    if not listed and (present.size == 2 or pos_label_kind != _label_kind(present)):
        raise ValueError(
            f"pos_label={pos_label!r} is not one of the labels {present.tolist()}; "
            "pass pos_label set to the positive class."
        )
    # No dtype=present.dtype: a string dtype of width 1 would cut "no" down to "n".
    return np.asarray([pos_label])


def _average(scores: np.ndarray, average: str, weights: np.ndarray) -> float:
    """Average per-class scores, skipping NaN, as scikit-learn does.

    An empty or all-NaN array gives NaN. Weighted averaging with weights that sum to 0
    falls back to the unweighted mean.
    """
    defined = ~np.isnan(scores)
    if not np.any(defined):
        return float("nan")
    scores = scores[defined]
    if average == "weighted":
        weights = weights[defined].astype(np.float64)
        if np.sum(weights) > 0:
            return float(np.sum(scores * weights) / np.sum(weights))
    return float(np.mean(scores))


def _scores(y_true, y_pred, labels, pos_label, average, zero_division):
    """Return precision, recall, F1 and support per class, shape (C,) each, and the labels used.

    With ``average="micro"`` the arrays have one element, computed from the summed counts.
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    check_choice(average, "average", AVERAGES)
    zero_division = _check_zero_division(zero_division)

    if average == "binary":
        labels = _binary_labels(y_true, y_pred, pos_label)
    else:
        if pos_label not in (None, 1):
            warnings.warn(
                f"pos_label={pos_label!r} is ignored because average={average!r}. "
                "Use average='binary', or labels=[pos_label] to score one class.",
                UserWarning,
                stacklevel=3,
            )
        labels = _resolve_labels(labels, y_true, y_pred)

    true_positives, predicted, actual = _class_counts(y_true, y_pred, labels)
    support = actual
    if average == "micro":
        true_positives = np.sum(true_positives, keepdims=True)
        predicted = np.sum(predicted, keepdims=True)
        actual = np.sum(actual, keepdims=True)

    precision_values = _divide(true_positives, predicted, zero_division)
    recall_values = _divide(true_positives, actual, zero_division)
    # F1 = 2 TP / (2 TP + FP + FN) = 2 TP / (true count + predicted count). It is 0, not
    # zero_division, when only one of precision and recall is undefined.
    f1_values = _divide(2 * true_positives, actual + predicted, zero_division)
    return precision_values, recall_values, f1_values, support, labels


def _reduce(values: np.ndarray, support: np.ndarray, average):
    if average is None:
        return values
    if average in ("binary", "micro"):
        return float(values[0])
    return _average(values, average, support)


def precision(y_true, y_pred, *, labels=None, pos_label=1, average="binary", zero_division=0.0):
    """Compute precision, the fraction of predictions of a class that are correct: ``TP / (TP + FP)``.

    Parameters
    ----------
    y_true, y_pred : arrays of shape (N,)
        Class labels.
    labels : array of shape (C,), optional
        Classes to score, in order, for ``average`` other than ``"binary"``. Defaults to
        the sorted union of both arrays.
    pos_label : label, default 1
        The positive class when ``average="binary"``. Ignored otherwise, with a warning
        unless it is 1 or None.
    average : {"binary", "micro", "macro", "weighted", None}, default "binary"
        ``"binary"``: the score of ``pos_label``, for data with at most 2 classes.
        ``"micro"``: from the counts summed over classes (equal to accuracy when every
        class is in ``labels``). ``"macro"``: the unweighted mean over classes.
        ``"weighted"``: the mean weighted by each class's count in ``y_true``.
        ``None``: one score per class.
    zero_division : {0.0, 1.0, np.nan}, default 0.0
        Value for a class that is never predicted.

    Returns
    -------
    float, or ndarray of shape (C,) when ``average`` is None
        Equal to ``sklearn.metrics.precision_score`` with the same arguments.

    Examples
    --------
    >>> precision([0, 1, 1, 0], [1, 1, 1, 0])  # 2 of the 3 predicted 1s are correct
    0.6666666666666666
    >>> precision([0, 1, 2, 2], [0, 2, 2, 2], average=None)
    array([1.        , 0.        , 0.66666667])
    """
    precision_values, _, _, support, _ = _scores(y_true, y_pred, labels, pos_label, average, zero_division)
    return _reduce(precision_values, support, average)


def recall(y_true, y_pred, *, labels=None, pos_label=1, average="binary", zero_division=0.0):
    """Compute recall, the fraction of each class's examples predicted as that class: ``TP / (TP + FN)``.

    Parameters and return value are those of :func:`precision`. ``zero_division`` is the
    value for a class that does not occur in ``y_true``. The result equals
    ``sklearn.metrics.recall_score`` with the same arguments.

    Examples
    --------
    >>> recall([0, 1, 1, 0], [1, 1, 0, 0])  # 1 of the 2 true 1s is found
    0.5
    """
    _, recall_values, _, support, _ = _scores(y_true, y_pred, labels, pos_label, average, zero_division)
    return _reduce(recall_values, support, average)


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", zero_division=0.0):
    """Compute F1, the harmonic mean of precision and recall: ``2 TP / (2 TP + FP + FN)``.

    Parameters and return value are those of :func:`precision`. ``zero_division`` is the
    value for a class that occurs in neither ``y_true`` nor ``y_pred``. The result equals
    ``sklearn.metrics.f1_score`` with the same arguments.

    Notes
    -----
    The macro average is the mean of the per-class F1 scores, not the harmonic mean of
    the macro precision and macro recall, so it can differ from ``2 P R / (P + R)``
    computed from :func:`precision` and :func:`recall`.

    Examples
    --------
    >>> f1_score([0, 1, 1, 0], [1, 1, 0, 0])  # precision 0.5, recall 0.5
    0.5
    """
    _, _, f1_values, support, _ = _scores(y_true, y_pred, labels, pos_label, average, zero_division)
    return _reduce(f1_values, support, average)


# Accuracy -------------------------------------------------------------------------------


def accuracy(y_true, y_pred, *, normalize=True):
    """Compute the fraction of examples whose predicted label equals the true one.

    Parameters
    ----------
    y_true, y_pred : arrays of shape (N,)
        Class labels.
    normalize : bool, default True
        Return the fraction. ``False`` returns the number of correct predictions.

    Returns
    -------
    float, or int when ``normalize`` is False
        Equal to ``sklearn.metrics.accuracy_score(y_true, y_pred, normalize=normalize)``.

    Notes
    -----
    With imbalanced classes, accuracy rewards predicting the majority class: 95 of 100
    examples in class 0 give 0.95 to a model that always predicts 0. Per-class accuracy
    and macro-averaged recall or F1 show that it never finds class 1.

    Examples
    --------
    >>> accuracy([0, 1, 1, 0], [1, 1, 1, 0])
    0.75
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be True or False; received {describe(normalize)}.")
    correct = y_true == y_pred
    if normalize:
        return float(np.mean(correct))
    return int(np.sum(correct))


def per_class_accuracy(y_true, y_pred, *, labels=None, zero_division=0.0) -> np.ndarray:
    """Compute, for each class, the fraction of its examples that are predicted correctly.

    This is the diagonal of the confusion matrix divided by its row sums, which is each
    class's recall.

    Parameters
    ----------
    y_true, y_pred : arrays of shape (N,)
        Class labels.
    labels : array of shape (C,), optional
        Classes in order. Defaults to the sorted union of both arrays.
    zero_division : {0.0, 1.0, np.nan}, default 0.0
        Value for a class that does not occur in ``y_true``.

    Returns
    -------
    ndarray of shape (C,)
        Equal to ``sklearn.metrics.recall_score(y_true, y_pred, labels=labels, average=None)``.

    Examples
    --------
    >>> per_class_accuracy([0, 0, 0, 1], [0, 0, 1, 1])
    array([0.66666667, 1.        ])
    """
    return recall(y_true, y_pred, labels=labels, average=None, zero_division=zero_division)


# Report ---------------------------------------------------------------------------------

REPORT_COLUMNS = ("precision", "recall", "f1-score", "support")
"""Column names of :func:`classification_report`, as in scikit-learn."""


def classification_report(
    y_true, y_pred, *, labels=None, target_names=None, digits=2, output_dict=False, zero_division=0.0
):
    """Build a table of precision, recall, F1 and support per class and averaged, as scikit-learn does.

    The rows are the classes, then ``"accuracy"`` (or ``"micro avg"`` when ``labels``
    leaves out a class that occurs in the data), ``"macro avg"`` and ``"weighted avg"``.
    The accuracy row shows only the F1 column, which then equals the accuracy.

    Parameters
    ----------
    y_true, y_pred : arrays of shape (N,)
        Class labels.
    labels : array of shape (C,), optional
        Classes to report, in order. Defaults to the sorted union of both arrays.
    target_names : list of C str, optional
        Row names for the classes. Defaults to ``str(label)``.
    digits : int, default 2
        Decimal places in the text table.
    output_dict : bool, default False
        Return a dict instead of the text table.
    zero_division : {0.0, 1.0, np.nan}, default 0.0
        See :func:`precision`.

    Returns
    -------
    str or dict
        The text, or a dict ``{row name: {"precision": ..., "recall": ..., "f1-score": ...,
        "support": ...}}`` with ``"accuracy"`` mapped to a float. Both equal
        ``sklearn.metrics.classification_report`` with the same arguments.

    Raises
    ------
    ValueError
        If ``target_names`` does not have one name per class. scikit-learn only warns
        when ``labels`` is given, and then pairs names and classes up to the shorter list.

    Examples
    --------
    >>> print(classification_report([0, 1, 1, 0], [1, 1, 1, 0]))
                  precision    recall  f1-score   support
    <BLANKLINE>
               0       1.00      0.50      0.67         2
               1       0.67      1.00      0.80         2
    <BLANKLINE>
        accuracy                           0.75         4
       macro avg       0.83      0.75      0.73         4
    weighted avg       0.83      0.75      0.73         4
    <BLANKLINE>
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    labels_given = labels is not None
    labels = _resolve_labels(labels, y_true, y_pred)
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or digits < 0:
        raise ValueError(f"digits must be a whole number of at least 0; received {digits!r}.")
    if not isinstance(output_dict, (bool, np.bool_)):
        raise TypeError(f"output_dict must be True or False; received {describe(output_dict)}.")

    if target_names is None:
        target_names = [str(label) for label in labels.tolist()]
    else:
        target_names = [str(name) for name in target_names]
        if len(target_names) != labels.size:
            raise ValueError(
                f"target_names must have one name per class, {labels.size} for the labels {labels.tolist()}; "
                f"received {len(target_names)}. Pass labels as well if some classes are missing from the data."
            )

    per_class = _scores(y_true, y_pred, labels, None, None, zero_division)[:4]
    rows = {name: [float(values[index]) for values in per_class] for index, name in enumerate(target_names)}
    total = int(np.sum(per_class[3]))

    covers_all = not labels_given or set(np.union1d(y_true, y_pred).tolist()) <= set(labels.tolist())
    averages = {}
    for average in ("micro", "macro", "weighted"):
        *values, support, _ = _scores(y_true, y_pred, labels, None, average, zero_division)
        row = [_reduce(scores, support, average) for scores in values]
        name = "accuracy" if average == "micro" and covers_all else f"{average} avg"
        averages[name] = row + [float(total)]

    if output_dict:
        report = {name: dict(zip(REPORT_COLUMNS, values)) for name, values in {**rows, **averages}.items()}
        if "accuracy" in report:
            report["accuracy"] = report["accuracy"]["precision"]
        return report
    return _format_report(rows, averages, digits)


def _format_report(rows: dict, averages: dict, digits: int) -> str:
    """Lay out the report as scikit-learn's text: right-aligned columns 9 characters wide."""
    width = max([len(name) for name in rows] + [len("weighted avg"), digits])
    lines = [" " * width + " " + "".join(f" {column:>9}" for column in REPORT_COLUMNS), ""]

    def format_row(name, values):
        scores = "".join(f" {value:>9.{digits}f}" for value in values[:3])
        return f"{name:>{width}} {scores} {int(values[3]):>9}"

    for name, values in rows.items():
        lines.append(format_row(name, values))
    lines.append("")
    for name, values in averages.items():
        if name == "accuracy":
            lines.append(f"{name:>{width}}  {'':>9} {'':>9} {values[2]:>9.{digits}f} {int(values[3]):>9}")
        else:
            lines.append(format_row(name, values))
    return "\n".join(lines) + "\n"


METRICS = {
    "accuracy": accuracy,
    "precision": precision,
    "recall": recall,
    "f1_score": f1_score,
}
"""Every metric that reduces ``(y_true, y_pred)`` to a score, by name, for tests and notebooks."""
