import numpy as np
import pytest

from helpers import neurons
from helpers.runtime import import_keras


def test_weighted_sum_by_hand():
    # 1 * 0.5 + 2 * (-1) + 0.25 = -1.25
    assert neurons.weighted_sum([1.0, 2.0], [0.5, -1.0], 0.25) == pytest.approx(-1.25)


def test_neuron_output_applies_sigmoid():
    # z = 0, and sigmoid(0) = 0.5
    assert neurons.neuron_output([1.0, -1.0], [1.0, 1.0], 0.0) == pytest.approx(0.5)


def test_sigmoid_is_stable_for_large_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        values = neurons.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(values, [0.0, 0.5, 1.0])


def test_dense_forward_by_hand():
    X = np.array([[1.0, 2.0]])
    W = np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 2.0]])
    b = np.array([0.0, 1.0, -1.0])
    # [1 + 1, 0 + 2, -1 + 4] + b
    np.testing.assert_allclose(neurons.dense_forward(X, W, b), [[2.0, 3.0, 2.0]])


def test_dense_forward_agrees_with_keras_dense():
    keras = import_keras()
    rng = np.random.default_rng(0)
    for n, d, m in [(1, 1, 1), (5, 3, 4), (32, 784, 10)]:
        X = rng.normal(size=(n, d)).astype(np.float32)
        W = rng.normal(size=(d, m)).astype(np.float32)
        b = rng.normal(size=m).astype(np.float32)
        layer = keras.layers.Dense(m)
        layer.build((None, d))
        layer.set_weights([W, b])
        # float32 matrix products in TensorFlow: 1e-4 relative covers sums over 784 terms.
        np.testing.assert_allclose(neurons.dense_forward(X, W, b), np.asarray(layer(X)), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("X", "W", "b", "message"),
    [
        (np.zeros(3), np.zeros((3, 2)), np.zeros(2), r"X must have shape \(N, D\)"),
        (np.zeros((4, 3)), np.zeros((2, 2)), np.zeros(2), "X has 3 features per example but W expects 2"),
        (np.zeros((4, 3)), np.zeros((3, 2)), np.zeros(3), r"b must have one bias per unit, shape \(2,\)"),
        (np.zeros((4, 3)), np.zeros((3, 2)), np.zeros((1, 2)), r"b must have shape \(M,\)"),
    ],
)
def test_dense_forward_rejects_bad_shapes(X, W, b, message):
    with pytest.raises(ValueError, match=message):
        neurons.dense_forward(X, W, b)


def test_weighted_sum_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r"one weight per input; received x of shape \(3,\) and w of shape \(2,\)"):
        neurons.weighted_sum([1, 2, 3], [1, 2], 0.0)


def test_weighted_sum_rejects_text():
    with pytest.raises(TypeError, match="x must be a number or an array of numbers; received str"):
        neurons.weighted_sum("123", [1, 2, 3], 0.0)


def test_dense_param_count_by_hand():
    # 784 * 128 weights + 128 biases
    assert neurons.dense_param_count(784, 128) == 100_480
    assert neurons.dense_param_count(784, 128, use_bias=False) == 100_352


@pytest.mark.parametrize("sizes", [[784, 10], [784, 128, 64, 10], [3, 1, 7, 2, 9]])
def test_network_param_count_agrees_with_keras(sizes):
    keras = import_keras()
    model = keras.Sequential([keras.Input(shape=(sizes[0],))] + [keras.layers.Dense(units) for units in sizes[1:]])
    assert neurons.network_param_count(sizes) == model.count_params()


@pytest.mark.parametrize(
    ("sizes", "error", "message"),
    [
        ([784], ValueError, "at least one layer"),
        ([784, 0], ValueError, r"layer_sizes\[1\] must be at least 1; received 0"),
        ([784, 2.5], TypeError, r"layer_sizes\[1\] must be a positive whole number"),
    ],
)
def test_network_param_count_rejects_bad_sizes(sizes, error, message):
    with pytest.raises(error, match=message):
        neurons.network_param_count(sizes)
