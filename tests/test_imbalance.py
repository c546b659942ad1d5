"""Tests for helpers.imbalance: class weights against scikit-learn, the rare-class subset, errors."""

import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight

from helpers.imbalance import balanced_class_weights, imbalanced_subset


def test_weights_by_hand():
    # N = 6, C = 3, counts 3, 2, 1: 6 / (3 * 3), 6 / (3 * 2), 6 / (3 * 1)
    weights = balanced_class_weights(np.array([2, 2, 2, 5, 5, 9]))
    assert weights == pytest.approx({2: 2 / 3, 5: 1.0, 9: 2.0})
    assert all(type(key) is int for key in weights)


@pytest.mark.parametrize("seed", range(20))
def test_weights_match_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    classes = int(rng.integers(1, 12))
    labels = rng.choice(np.arange(classes) * 3, size=int(rng.integers(1, 200)), p=rng.dirichlet(np.ones(classes)))
    present = np.unique(labels)
    expected = compute_class_weight("balanced", classes=present, y=labels)
    weights = balanced_class_weights(labels)
    assert list(weights) == present.tolist()
    np.testing.assert_allclose(list(weights.values()), expected, rtol=1e-12)


def test_weights_of_balanced_labels_are_one():
    assert balanced_class_weights(np.repeat(np.arange(4), 5)) == {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0}


def test_weighted_counts_are_equal():
    # Every class's weighted count is N / C, the property that "balanced" names.
    labels = np.array([0] * 90 + [1] * 7 + [2] * 3)
    weights = balanced_class_weights(labels)
    counts = np.bincount(labels)
    np.testing.assert_allclose([weights[label] * counts[label] for label in weights], [100 / 3] * 3)


@pytest.mark.parametrize(
    ("labels", "error", "match"),
    [
        (np.array([0.0, 1.0]), TypeError, "integer class labels"),
        (np.array(["a", "b"]), TypeError, "integer class labels"),
        (np.zeros((2, 2), dtype=int), ValueError, r"1-D array .* shape \(2, 2\)"),
        (np.array([], dtype=int), ValueError, "labels is empty"),
    ],
)
def test_weights_reject_invalid_labels(labels, error, match):
    with pytest.raises(error, match=match):
        balanced_class_weights(labels)


def test_subset_keeps_common_classes_and_fraction_of_rare():
    labels = np.repeat(np.arange(4), 100)
    images = np.arange(400)
    subset_images, subset_labels = imbalanced_subset(images, labels, rare_classes=[1, 3], keep_fraction=0.05)
    assert np.bincount(subset_labels).tolist() == [100, 5, 100, 5]
    np.testing.assert_array_equal(labels[subset_images], subset_labels)
    assert np.all(np.diff(subset_images) > 0), "the subset keeps the original order"


def test_subset_is_reproducible():
    labels = np.repeat(np.arange(3), 10)
    first = imbalanced_subset(np.arange(30), labels, [2], keep_fraction=0.3, seed=4)
    second = imbalanced_subset(np.arange(30), labels, [2], keep_fraction=0.3, seed=4)
    np.testing.assert_array_equal(first[0], second[0])


def test_subset_keeps_one_rare_example_at_least():
    labels = np.repeat(np.arange(3), 10)
    _, subset_labels = imbalanced_subset(np.arange(30), labels, [2], keep_fraction=0.01)
    assert np.sum(subset_labels == 2) == 1


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"rare_classes": [7], "keep_fraction": 0.5}, r"rare_classes contains \[7\]"),
        ({"rare_classes": [1], "keep_fraction": 0.0}, r"keep_fraction must be a number in \(0, 1\]"),
        ({"rare_classes": [1], "keep_fraction": 1.5}, r"keep_fraction must be a number in \(0, 1\]"),
    ],
)
def test_subset_rejects_invalid_arguments(arguments, match):
    with pytest.raises(ValueError, match=match):
        imbalanced_subset(np.zeros((4, 2)), np.array([0, 1, 0, 1]), **arguments)


def test_subset_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="received 3 images and 4 labels"):
        imbalanced_subset(np.zeros((3, 2)), np.array([0, 1, 0, 1]), [1], 0.5)
