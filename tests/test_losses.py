import numpy as np
import pytest
import scipy.stats

from helpers import losses
from helpers.runtime import import_keras

# TensorFlow computes in float32, so agreement is checked to 1e-6 on losses of order 1.
TOLERANCE = {"rtol": 1e-6, "atol": 1e-6}


@pytest.fixture(scope="module")
def keras():
    return import_keras()


def keras_losses(keras):
    """Each reference loss paired with the Keras loss class that it must agree with."""
    return {
        "mse": lambda **kw: keras.losses.MeanSquaredError(),
        "mae": lambda **kw: keras.losses.MeanAbsoluteError(),
        "binary_crossentropy": lambda **kw: keras.losses.BinaryCrossentropy(**kw),
        "categorical_crossentropy": lambda **kw: keras.losses.CategoricalCrossentropy(**kw),
        "sparse_categorical_crossentropy": lambda **kw: keras.losses.SparseCategoricalCrossentropy(**kw),
    }


def random_inputs(name, rng, from_logits, n=16, classes=5):
    if name in ("mse", "mae"):
        shape = (n, 3)
        return rng.normal(size=shape), rng.normal(size=shape)
    if name == "binary_crossentropy":
        y_true = rng.integers(0, 2, size=(n, 2)).astype(float)
        y_pred = rng.normal(0, 4, size=(n, 2)) if from_logits else rng.uniform(size=(n, 2))
        return y_true, y_pred
    labels = rng.integers(0, classes, size=n)
    y_pred = rng.normal(0, 3, size=(n, classes)) if from_logits else rng.dirichlet(np.ones(classes), size=n)
    y_true = labels if name.startswith("sparse") else np.eye(classes)[labels]
    return y_true, y_pred


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
@pytest.mark.parametrize("from_logits", [False, True])
def test_losses_agree_with_keras(keras, name, from_logits):
    if from_logits and name in ("mse", "mae"):
        pytest.skip("regression losses have no from_logits")
    rng = np.random.default_rng(0)
    reference = losses.LOSSES[name]
    options = {"from_logits": True} if from_logits else {}
    keras_loss = keras_losses(keras)[name](**options)
    for _ in range(20):
        y_true, y_pred = random_inputs(name, rng, from_logits)
        y_pred = y_pred.astype(np.float32)
        expected = float(keras_loss(y_true.astype(np.float32), y_pred))
        np.testing.assert_allclose(reference(y_true, y_pred, **options), expected, **TOLERANCE)


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"])
def test_clipping_matches_keras_at_zero_and_one(keras, name):
    y_true, y_pred = {
        "binary_crossentropy": (np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.0, 1.0, 0.0, 1.0])),
        "categorical_crossentropy": (np.array([[0.0, 1.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])),
        "sparse_categorical_crossentropy": (np.array([1, 1]), np.array([[1.0, 0.0], [0.0, 1.0]])),
    }[name]
    expected = float(keras_losses(keras)[name]()(y_true.astype(np.float32), y_pred.astype(np.float32)))
    received = losses.LOSSES[name](y_true, y_pred)
    assert np.isfinite(received)
    # In float32, Keras's clip bound 1 - 1e-7 rounds to 1 - 1.19e-7, so a confidently wrong
    # binary prediction costs -log(1.19e-7) = 15.94 in Keras and -log(1e-7) = 16.12 here.
    np.testing.assert_allclose(received, expected, rtol=2e-2)


def test_large_logits_stay_finite_and_agree(keras):
    y_true = np.array([0.0, 1.0, 1.0])
    logits = np.array([50.0, -50.0, 50.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        received = losses.binary_crossentropy(y_true, logits, from_logits=True)
    expected = float(keras.losses.BinaryCrossentropy(from_logits=True)(y_true, logits))
    # (50 + 50 + 0) / 3 without the clipping at 16.1 that probabilities would hit
    np.testing.assert_allclose(received, 100.0 / 3.0, rtol=1e-6)
    np.testing.assert_allclose(received, expected, rtol=1e-6)


def test_huge_logits_in_softmax_do_not_overflow():
    logits = np.array([[1000.0, 0.0, -1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = losses.sparse_categorical_crossentropy(np.array([0]), logits, from_logits=True)
    assert loss == pytest.approx(0.0, abs=1e-12)


def test_mse_and_mae_by_hand():
    y_true, y_pred = [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 8.0]
    assert losses.mse(y_true, y_pred) == pytest.approx(4.0)  # 16 / 4
    assert losses.mae(y_true, y_pred) == pytest.approx(1.0)  # 4 / 4


def test_binary_crossentropy_by_hand():
    # -(log 0.9 + log 0.8) / 2
    expected = -(np.log(0.9) + np.log(0.8)) / 2
    assert losses.binary_crossentropy([1.0, 0.0], [0.9, 0.2]) == pytest.approx(expected)


def test_binary_crossentropy_is_mean_not_sum():
    one = losses.binary_crossentropy([1.0], [0.7])
    repeated = losses.binary_crossentropy([1.0] * 10, [0.7] * 10)
    assert repeated == pytest.approx(one)


def test_sparse_and_one_hot_give_same_loss():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 4, size=10)
    probs = rng.dirichlet(np.ones(4), size=10)
    assert losses.sparse_categorical_crossentropy(labels, probs) == pytest.approx(
        losses.categorical_crossentropy(np.eye(4)[labels], probs)
    )


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_loss_is_non_negative_and_smallest_when_right(name):
    rng = np.random.default_rng(2)
    y_true, y_pred = random_inputs(name, rng, from_logits=False)
    if name in ("mse", "mae"):
        perfect = y_true
    elif name == "binary_crossentropy":
        perfect = y_true
    elif name == "sparse_categorical_crossentropy":
        perfect = np.eye(5)[y_true]
    else:
        perfect = y_true
    reference = losses.LOSSES[name]
    assert reference(y_true, y_pred) >= 0.0
    assert reference(y_true, perfect) <= 1e-6
    assert reference(y_true, perfect) < reference(y_true, y_pred)


def test_entropy_by_hand():
    assert losses.entropy([0.5, 0.5]) == pytest.approx(np.log(2))
    assert losses.entropy([1.0, 0.0, 0.0]) == 0.0
    assert losses.entropy(np.full(10, 0.1)) == pytest.approx(np.log(10))


def test_entropy_agrees_with_scipy():
    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.ones(6), size=50)
    probs[::7, 2] = 0.0
    probs /= probs.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(losses.entropy(probs, axis=1), scipy.stats.entropy(probs, axis=1), rtol=1e-12)
    np.testing.assert_allclose(losses.entropy(probs.T, axis=0), scipy.stats.entropy(probs.T, axis=0), rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: losses.mse([1.0, 2.0], [1.0]), ValueError, r"same shape; received \(2,\) and \(1,\)"),
        (lambda: losses.mae([], []), ValueError, "at least one example"),
        (lambda: losses.binary_crossentropy([1.0], [1.5]), ValueError, "pass from_logits=True"),
        (lambda: losses.categorical_crossentropy([1.0, 0.0], [0.5, 0.5]), ValueError, r"shape \(N, C\)"),
        (lambda: losses.categorical_crossentropy([[1.0, 0.0]], [[0.0, 0.0]]), ValueError, "positive sum"),
        (
            lambda: losses.sparse_categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]),
            ValueError,
            "One-hot labels belong to categorical_crossentropy",
        ),
        (
            lambda: losses.sparse_categorical_crossentropy([2], [[0.5, 0.5]]),
            ValueError,
            "between 0 and 1 for y_pred with 2 columns; received labels from 2 to 2",
        ),
        (lambda: losses.sparse_categorical_crossentropy([0.5], [[0.5, 0.5]]), TypeError, "integer class labels"),
        (lambda: losses.entropy([0.5, 0.6]), ValueError, "must sum to 1"),
        (lambda: losses.entropy([-0.5, 1.5]), ValueError, "non-negative"),
        (lambda: losses.mse(["a"], ["b"]), TypeError, "y_true must contain real numbers"),
    ],
)
def test_losses_reject_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
