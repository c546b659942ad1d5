"""Tests for helpers.metrics: hand-checked values, agreement with scikit-learn, errors, properties."""

import math
import re
import warnings

import numpy as np
import pytest
import sklearn.metrics as skm

from helpers.metrics import (
    METRICS,
    accuracy,
    classification_report,
    confusion_matrix,
    f1_score,
    per_class_accuracy,
    precision,
    recall,
    unique_labels,
)

SKLEARN_TOLERANCE = 1e-12
"""Maximum absolute difference from scikit-learn."""

RANDOM_TRIALS = 60
"""Number of random label arrays compared with scikit-learn in each agreement test."""

ZERO_DIVISIONS = [0.0, 1.0, np.nan]


def _sklearn(function, *args, **kwargs):
    """Call a scikit-learn metric with its UndefinedMetricWarning and similar warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def _ours(function, *args, **kwargs):
    """Call one of our metrics with every warning turned into an error, so none can leak."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return function(*args, **kwargs)


def _random_labels(rng):
    """Return y_true and y_pred where some classes occur in only one of them, or in neither."""
    n_classes = int(rng.integers(2, 6))
    n_examples = int(rng.integers(1, 25))
    true_classes = rng.choice(n_classes, size=int(rng.integers(1, n_classes + 1)), replace=False)
    pred_classes = rng.choice(n_classes, size=int(rng.integers(1, n_classes + 1)), replace=False)
    y_true = rng.choice(true_classes, size=n_examples)
    y_pred = rng.choice(pred_classes, size=n_examples)
    # Keep some predictions right, so that scores are not all 0.
    right = rng.random(n_examples) < 0.4
    y_pred[right] = y_true[right]
    return y_true, y_pred


def _random_label_list(rng, y_true, y_pred):
    """Return None, or a list of classes that may leave out present ones and add absent ones."""
    choice = rng.integers(3)
    if choice == 0:
        return None
    present = np.union1d(y_true, y_pred)
    labels = list(rng.permutation(present)[: int(rng.integers(1, present.size + 1))])
    if choice == 2:
        labels.append(7)
    return [int(label) for label in labels]


# Hand-checked values --------------------------------------------------------------------


def test_confusion_matrix_hand():
    # True 0 predicted 0, true 1 predicted 1 and 2, true 2 predicted 2.
    expected = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    np.testing.assert_array_equal(confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2]), expected)


def test_confusion_matrix_label_order():
    # Rows and columns follow labels: class 2 first, and class 1 left out with its examples.
    matrix = confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], labels=[2, 0])
    np.testing.assert_array_equal(matrix, [[1, 0], [0, 1]])


def test_binary_scores_hand():
    y_true = [1, 1, 1, 0, 0, 0, 0, 0]
    y_pred = [1, 1, 0, 1, 0, 0, 0, 0]
    # TP = 2, FP = 1, FN = 1: precision 2/3, recall 2/3, F1 = 4 / (4 + 1 + 1) = 2/3.
    assert precision(y_true, y_pred) == pytest.approx(2 / 3, abs=1e-15)
    assert recall(y_true, y_pred) == pytest.approx(2 / 3, abs=1e-15)
    assert f1_score(y_true, y_pred) == pytest.approx(2 / 3, abs=1e-15)
    # Accuracy: 6 of 8.
    assert accuracy(y_true, y_pred) == 0.75
    assert accuracy(y_true, y_pred, normalize=False) == 6


def test_macro_weighted_micro_hand():
    y_true = [0, 0, 0, 0, 1, 2]
    y_pred = [0, 0, 0, 1, 1, 1]
    # Precision per class: 0 -> 3/3, 1 -> 1/3, 2 -> never predicted, so zero_division (0).
    np.testing.assert_allclose(precision(y_true, y_pred, average=None), [1.0, 1 / 3, 0.0], rtol=0, atol=1e-15)
    # Macro: (1 + 1/3 + 0) / 3. Weighted by support 4, 1, 1: (4 + 1/3 + 0) / 6.
    assert precision(y_true, y_pred, average="macro") == pytest.approx(4 / 9, abs=1e-15)
    assert precision(y_true, y_pred, average="weighted") == pytest.approx(13 / 18, abs=1e-15)
    # Micro: 4 correct of 6 predictions, the accuracy.
    assert precision(y_true, y_pred, average="micro") == pytest.approx(4 / 6, abs=1e-15)
    # With zero_division=nan the macro average skips class 2: (1 + 1/3) / 2.
    assert precision(y_true, y_pred, average="macro", zero_division=np.nan) == pytest.approx(2 / 3, abs=1e-15)


def test_f1_zero_when_only_recall_defined():
    # Class 1 is true once and never predicted: recall 0, precision undefined, F1 = 0 / (1 + 0) = 0
    # even with zero_division=1, which only applies when class 1 is neither true nor predicted.
    assert f1_score([1, 0], [0, 0], zero_division=1.0) == 0.0
    assert f1_score([0, 0], [0, 0], zero_division=1.0) == 1.0


def test_per_class_accuracy_hand():
    # Class 0: 2 of 3 right. Class 1: 1 of 1. Class 2 is never true, so zero_division.
    result = per_class_accuracy([0, 0, 0, 1], [0, 0, 2, 1])
    np.testing.assert_allclose(result, [2 / 3, 1.0, 0.0], rtol=0, atol=1e-15)


def test_accuracy_misleads_on_imbalance():
    y_true = np.array([0] * 95 + [1] * 5)
    y_pred = np.zeros(100, dtype=int)
    assert accuracy(y_true, y_pred) == 0.95
    np.testing.assert_allclose(per_class_accuracy(y_true, y_pred), [1.0, 0.0], rtol=0, atol=0)
    assert f1_score(y_true, y_pred) == 0.0


# Agreement with scikit-learn --------------------------------------------------------------


@pytest.mark.parametrize("name", ["precision", "recall", "f1_score"])
@pytest.mark.parametrize("average", ["micro", "macro", "weighted", None])
def test_averages_match_sklearn(name, average):
    ours = METRICS[name]
    theirs = {"precision": skm.precision_score, "recall": skm.recall_score, "f1_score": skm.f1_score}[name]
    rng = np.random.default_rng(len(name) * 10 + len(str(average)))
    for trial in range(RANDOM_TRIALS):
        y_true, y_pred = _random_labels(rng)
        labels = _random_label_list(rng, y_true, y_pred)
        zero_division = ZERO_DIVISIONS[trial % 3]
        arguments = {"labels": labels, "average": average, "zero_division": zero_division}
        expected = _sklearn(theirs, y_true, y_pred, **arguments)
        received = _ours(ours, y_true, y_pred, **arguments)
        where = f"trial {trial}: y_true={y_true.tolist()}, y_pred={y_pred.tolist()}, {arguments}"
        np.testing.assert_allclose(received, expected, rtol=0, atol=SKLEARN_TOLERANCE, err_msg=where)
        if average is None:
            assert received.shape == (len(labels) if labels else np.union1d(y_true, y_pred).size,), where
        else:
            assert isinstance(received, float), where


@pytest.mark.parametrize("name", ["precision", "recall", "f1_score"])
@pytest.mark.parametrize("zero_division", ZERO_DIVISIONS)
def test_binary_matches_sklearn(name, zero_division):
    ours = METRICS[name]
    theirs = {"precision": skm.precision_score, "recall": skm.recall_score, "f1_score": skm.f1_score}[name]
    rng = np.random.default_rng(len(name))
    for trial in range(RANDOM_TRIALS):
        n_examples = int(rng.integers(1, 12))
        # Low rates of 1s make classes that never occur in y_true or y_pred common.
        y_true = (rng.random(n_examples) < rng.uniform(0.0, 0.6)).astype(int)
        y_pred = (rng.random(n_examples) < rng.uniform(0.0, 0.6)).astype(int)
        pos_label = 1 if trial % 4 else 0
        if pos_label not in np.union1d(y_true, y_pred) and np.union1d(y_true, y_pred).size == 2:
            continue
        arguments = {"pos_label": pos_label, "zero_division": zero_division}
        expected = _sklearn(theirs, y_true, y_pred, **arguments)
        received = _ours(ours, y_true, y_pred, **arguments)
        where = f"trial {trial}: y_true={y_true.tolist()}, y_pred={y_pred.tolist()}, {arguments}"
        np.testing.assert_allclose(received, expected, rtol=0, atol=SKLEARN_TOLERANCE, err_msg=where)


def test_string_labels_match_sklearn():
    rng = np.random.default_rng(5)
    names = np.array(["bird", "cat", "dog"])
    for trial in range(RANDOM_TRIALS):
        y_true = names[rng.integers(0, 3, size=10)]
        y_pred = names[rng.integers(0, 3, size=10)]
        for average in ("macro", "weighted", None):
            expected = _sklearn(skm.f1_score, y_true, y_pred, average=average)
            received = _ours(f1_score, y_true, y_pred, average=average)
            np.testing.assert_allclose(received, expected, rtol=0, atol=SKLEARN_TOLERANCE, err_msg=str(trial))
    y_true = ["cat", "dog", "dog", "cat"]
    y_pred = ["dog", "dog", "cat", "cat"]
    assert _ours(precision, y_true, y_pred, pos_label="dog") == _sklearn(skm.precision_score, y_true, y_pred, pos_label="dog")


def test_confusion_matrix_matches_sklearn():
    rng = np.random.default_rng(6)
    for trial in range(RANDOM_TRIALS):
        y_true, y_pred = _random_labels(rng)
        labels = _random_label_list(rng, y_true, y_pred)
        if labels is not None and not set(labels) & set(y_true.tolist()):
            # scikit-learn raises when no listed label occurs in y_true.
            labels.append(int(y_true[0]))
        expected = _sklearn(skm.confusion_matrix, y_true, y_pred, labels=labels)
        received = _ours(confusion_matrix, y_true, y_pred, labels=labels)
        np.testing.assert_array_equal(received, expected, err_msg=f"trial {trial}")
        assert received.dtype == np.int64


def test_accuracy_matches_sklearn():
    rng = np.random.default_rng(7)
    for trial in range(RANDOM_TRIALS):
        y_true, y_pred = _random_labels(rng)
        assert _ours(accuracy, y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred), abs=SKLEARN_TOLERANCE)
        assert _ours(accuracy, y_true, y_pred, normalize=False) == skm.accuracy_score(y_true, y_pred, normalize=False)


def test_per_class_accuracy_matches_sklearn():
    rng = np.random.default_rng(8)
    for trial in range(RANDOM_TRIALS):
        y_true, y_pred = _random_labels(rng)
        labels = _random_label_list(rng, y_true, y_pred)
        expected = _sklearn(skm.recall_score, y_true, y_pred, labels=labels, average=None)
        received = _ours(per_class_accuracy, y_true, y_pred, labels=labels)
        np.testing.assert_allclose(received, expected, rtol=0, atol=SKLEARN_TOLERANCE, err_msg=f"trial {trial}")
        # Without labels, it is also the diagonal of the confusion matrix over its row sums.
        if labels is None:
            matrix = confusion_matrix(y_true, y_pred)
            rows = matrix.sum(axis=1)
            diagonal_share = np.divide(np.diag(matrix), rows, out=np.zeros(rows.shape), where=rows > 0)
            np.testing.assert_allclose(received, diagonal_share, rtol=0, atol=SKLEARN_TOLERANCE)


def _assert_report_dicts_equal(received, expected, where):
    assert list(received) == list(expected), where
    for key, value in expected.items():
        if isinstance(value, dict):
            assert list(received[key]) == list(value), where
            for column, number in value.items():
                assert _close(received[key][column], number), f"{where}: {key} {column}"
        else:
            assert _close(received[key], value), f"{where}: {key}"


def _close(first, second) -> bool:
    if math.isnan(second):
        return math.isnan(first)
    return abs(first - second) <= SKLEARN_TOLERANCE


def test_report_matches_sklearn():
    rng = np.random.default_rng(9)
    for trial in range(RANDOM_TRIALS):
        y_true, y_pred = _random_labels(rng)
        labels = _random_label_list(rng, y_true, y_pred)
        arguments = {"labels": labels, "zero_division": ZERO_DIVISIONS[trial % 3], "digits": int(rng.integers(1, 5))}
        if trial % 5 == 0:
            count = len(labels) if labels else np.union1d(y_true, y_pred).size
            arguments["target_names"] = [f"class {index}" for index in range(count)]
        where = f"trial {trial}: y_true={y_true.tolist()}, y_pred={y_pred.tolist()}, {arguments}"

        expected_text = _sklearn(skm.classification_report, y_true, y_pred, **arguments)
        received_text = _ours(classification_report, y_true, y_pred, **arguments)
        # With some labels lists scikit-learn 1.9 counts the support in float and prints
        # "3.0" in the last column. The report here prints counts as integers.
        expected_text = re.sub(r"(\d+)\.0\n", r"  \1\n", expected_text)
        assert received_text == expected_text, where

        expected_dict = _sklearn(skm.classification_report, y_true, y_pred, output_dict=True, **arguments)
        received_dict = _ours(classification_report, y_true, y_pred, output_dict=True, **arguments)
        _assert_report_dicts_equal(received_dict, expected_dict, where)


def test_report_string_labels_matches_sklearn():
    y_true = ["cat", "dog", "dog", "bird", "cat"]
    y_pred = ["cat", "cat", "dog", "dog", "cat"]
    assert classification_report(y_true, y_pred) == _sklearn(skm.classification_report, y_true, y_pred)
    # Leaving out "bird" replaces the accuracy row with a micro average.
    text = classification_report(y_true, y_pred, labels=["cat", "dog"])
    assert "micro avg" in text
    assert text == _sklearn(skm.classification_report, y_true, y_pred, labels=["cat", "dog"])


# Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: accuracy([0, 1], np.array([[0.2, 0.8], [0.9, 0.1]])), ValueError, r"take np.argmax\(y_pred, axis=1\)"),
        (
            lambda: accuracy([0, 1], [0.2, 0.7]),
            ValueError,
            r"y_pred contains non-integer values such as 0.2.*\(y_pred > 0.5\)",
        ),
        (lambda: accuracy([0, 1, 1], [0, 1]), ValueError, r"same number of examples; received 3 and 2"),
        (lambda: accuracy([], []), ValueError, r"y_true is empty; pass at least one example"),
        (lambda: accuracy(["a", "b"], [0, 1]), TypeError, r"y_true contains strings and y_pred contains numbers"),
        (lambda: accuracy([0, 1], [0, float("nan")]), ValueError, r"y_pred must not contain NaN or infinity"),
        (lambda: accuracy(np.array([0, "a"], dtype=object), [0, 1]), TypeError, r"y_true mixes strings and numbers"),
        (lambda: accuracy("01", "01"), TypeError, r"y_true must be an array of class labels"),
        (lambda: accuracy([0, 1], [0, 1], normalize="yes"), TypeError, r"normalize must be True or False"),
        (
            lambda: precision([0, 1, 2], [0, 1, 1]),
            ValueError,
            r"average='binary' needs at most 2 classes, but y_true and y_pred contain 3",
        ),
        (lambda: precision([0, 2], [0, 2]), ValueError, r"pos_label=1 is not one of the labels \[0, 2\]"),
        (lambda: precision(["a", "b"], ["a", "b"]), ValueError, r"pos_label=1 is not one of the labels \['a', 'b'\]"),
        (
            lambda: recall([0, 1], [0, 1], average="samples"),
            ValueError,
            r"average must be one of 'binary', 'micro', 'macro', 'weighted', None; received 'samples'",
        ),
        (
            lambda: f1_score([0, 1], [0, 1], zero_division="warn"),
            ValueError,
            r"zero_division must be 0.0, 1.0 or np.nan; received 'warn'",
        ),
        (lambda: f1_score([0, 1], [0, 1], zero_division=0.5), ValueError, r"zero_division must be 0.0, 1.0 or np.nan"),
        (
            lambda: f1_score([0, 1], [0, 1], average="macro", labels=[1, 1]),
            ValueError,
            r"labels must not repeat a class",
        ),
        (
            lambda: f1_score([0, 1], [0, 1], average="macro", labels=["1"]),
            TypeError,
            r"labels contains strings but y_true contains numbers",
        ),
        (
            lambda: f1_score([0, 1], [0, 1], average="macro", labels=[]),
            ValueError,
            r"labels is empty; pass at least one class label",
        ),
        (
            lambda: classification_report([0, 1], [0, 1], target_names=["a"]),
            ValueError,
            r"target_names must have one name per class, 2 for the labels \[0, 1\]; received 1",
        ),
        (
            lambda: classification_report([0, 1], [0, 1], digits=-1),
            ValueError,
            r"digits must be a whole number of at least 0",
        ),
        (
            lambda: confusion_matrix(np.zeros((2, 2, 2)), np.zeros((2, 2, 2))),
            ValueError,
            r"y_true must be a 1-D array of class labels of shape \(N,\); received shape \(2, 2, 2\)",
        ),
    ],
)
def test_invalid_input_rejected(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_ignored_pos_label_warns():
    with pytest.warns(UserWarning, match=r"pos_label=2 is ignored because average='macro'"):
        precision([0, 1, 2], [0, 1, 2], average="macro", pos_label=2)


# Properties of every metric ----------------------------------------------------------------


def _all_variants():
    """Yield (name, call) for every metric and every averaging that applies to multiclass labels."""
    yield "accuracy", accuracy
    for name in ("precision", "recall", "f1_score"):
        for average in ("micro", "macro", "weighted"):
            yield f"{name} {average}", lambda y_true, y_pred, function=METRICS[name], average=average: function(
                y_true, y_pred, average=average
            )


VARIANTS = dict(_all_variants())


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_perfect_predictions_score_one(variant):
    rng = np.random.default_rng(10)
    y = rng.integers(0, 4, size=20)
    assert VARIANTS[variant](y, y.copy()) == 1.0


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_permutation_invariant(variant):
    rng = np.random.default_rng(11)
    for _ in range(10):
        y_true, y_pred = _random_labels(rng)
        order = rng.permutation(y_true.size)
        assert VARIANTS[variant](y_true[order], y_pred[order]) == pytest.approx(
            VARIANTS[variant](y_true, y_pred), abs=1e-15
        )


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_renaming_classes_invariant(variant):
    # Mapping classes 0..4 to strings keeps every score.
    rng = np.random.default_rng(12)
    names = np.array(["a", "b", "c", "d", "e"])
    for _ in range(10):
        y_true, y_pred = _random_labels(rng)
        assert VARIANTS[variant](names[y_true], names[y_pred]) == pytest.approx(
            VARIANTS[variant](y_true, y_pred), abs=1e-15
        )


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_scores_between_zero_and_one(variant):
    rng = np.random.default_rng(13)
    for _ in range(20):
        y_true, y_pred = _random_labels(rng)
        assert 0.0 <= VARIANTS[variant](y_true, y_pred) <= 1.0


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_column_vector_accepted(variant):
    # Keras's predict returns (N, 1) for one output, so thresholded labels often arrive as a column.
    y_true = np.array([0, 1, 1, 2])
    y_pred = np.array([0, 1, 2, 2])
    assert VARIANTS[variant](y_true[:, None], y_pred[:, None]) == VARIANTS[variant](y_true, y_pred)


def test_micro_equals_accuracy():
    rng = np.random.default_rng(14)
    for _ in range(20):
        y_true, y_pred = _random_labels(rng)
        for name in ("precision", "recall", "f1_score"):
            assert METRICS[name](y_true, y_pred, average="micro") == pytest.approx(accuracy(y_true, y_pred), abs=1e-15)


def test_unique_labels_sorted_union():
    np.testing.assert_array_equal(unique_labels([3, 1], [2, 1]), [1, 2, 3])
