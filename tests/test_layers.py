"""Tests of helpers.layers: Dense, Activation, SoftmaxCrossEntropy and Sequential."""

import math

import numpy as np
import pytest

from helpers.activations import ACTIVATIONS
from helpers.data import load_mnist, preprocess_mnist
from helpers.gradcheck import check_gradient, check_layer_gradients, check_parameter_gradients
from helpers.layers import Activation, Dense, ParameterView, Sequential, SoftmaxCrossEntropy
from helpers.optimizers import SGD
from helpers.runtime import import_keras, import_tensorflow


@pytest.fixture(scope="module")
def keras():
    return import_keras()


@pytest.fixture(scope="module")
def tf():
    return import_tensorflow()


def small_network(seed=0, hidden_activation="tanh"):
    rng = np.random.default_rng(seed)
    return Sequential([Dense(4, 5, seed=rng), Activation(hidden_activation), Dense(5, 3, seed=rng)])


def random_batch(seed=0, num_samples=6, num_features=4, num_classes=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(num_samples, num_features)), rng.integers(0, num_classes, size=num_samples)


# -- hand-checkable steps ------------------------------------------------


def test_dense_forward_backward_by_hand():
    layer = Dense(2, 3)
    layer.W = [[1.0, 0.0, -1.0], [0.0, 1.0, 1.0]]
    layer.b = [0.5, 0.0, -0.5]
    x = np.array([[1.0, 2.0]])

    # y = [1*1 + 2*0 + 0.5, 1*0 + 2*1 + 0, 1*(-1) + 2*1 - 0.5] = [1.5, 2, 0.5]
    np.testing.assert_allclose(layer.forward(x), [[1.5, 2.0, 0.5]])

    # dX = d_out @ W.T = [1*1 + 0*0 + 2*(-1), 1*0 + 0*1 + 2*1] = [-1, 2]
    # dW = x.T @ d_out = [[1, 0, 2], [2, 0, 4]], db = d_out summed over the batch = [1, 0, 2]
    dx = layer.backward([[1.0, 0.0, 2.0]])
    np.testing.assert_allclose(dx, [[-1.0, 2.0]])
    np.testing.assert_allclose(layer.dW, [[1.0, 0.0, 2.0], [2.0, 0.0, 4.0]])
    np.testing.assert_allclose(layer.db, [1.0, 0.0, 2.0])


def test_softmax_cross_entropy_by_hand():
    loss = SoftmaxCrossEntropy()

    # softmax([0, ln 3]) = [1, 3] / 4 = [1/4, 3/4]; for class 1 the loss is -ln(3/4) = 0.2876821
    value = loss.forward([[0.0, math.log(3.0)]], [1])

    assert value == pytest.approx(-math.log(0.75), rel=1e-12)
    np.testing.assert_allclose(loss.probs, [[0.25, 0.75]], rtol=1e-12)
    # (probs - y) / N = ([1/4, 3/4] - [0, 1]) / 1 = [1/4, -1/4]
    np.testing.assert_allclose(loss.backward(), [[0.25, -0.25]], rtol=1e-12)


def test_softmax_cross_entropy_averages_batch():
    # Two rows with logits [0, 0]: each loss is ln 2, the mean is ln 2, and the gradient
    # (probs - y) / N = ([1/2, 1/2] - one-hot) / 2 puts +-1/4 in each row.
    loss = SoftmaxCrossEntropy()

    value = loss.forward(np.zeros((2, 2)), [0, 1])

    assert value == pytest.approx(math.log(2.0), rel=1e-12)
    np.testing.assert_allclose(loss.backward(), [[-0.25, 0.25], [0.25, -0.25]], rtol=1e-12)


def test_train_step_by_hand():
    # One input x = [[1]] and a Dense(1, 2) layer with W = [[0, 0]], b = [0, 0]:
    # logits [0, 0], probs [1/2, 1/2], label 1, loss ln 2,
    # dlogits = [1/2, -1/2], dW = x.T @ dlogits = [[1/2, -1/2]], db = [1/2, -1/2].
    # SGD with learning rate 0.1 gives W = b = [-0.05, 0.05].
    model = Sequential([Dense(1, 2, kernel_initializer="zeros")])

    loss = model.train_step([[1.0]], [1], learning_rate=0.1)

    assert loss == pytest.approx(math.log(2.0), rel=1e-12)
    np.testing.assert_allclose(model.layers[0].W, [[-0.05, 0.05]], rtol=1e-12)
    np.testing.assert_allclose(model.layers[0].b, [-0.05, 0.05], rtol=1e-12)


# -- Dense ------------------------------------------------


def test_dense_glorot_uniform_bounds_and_spread():
    # U(-a, a) with a = sqrt(6 / (200 + 300)) = 0.10954 has standard deviation a / sqrt(3) = 0.06325.
    layer = Dense(200, 300, seed=0)
    limit = math.sqrt(6.0 / 500.0)

    assert layer.W.shape == (200, 300)
    assert np.abs(layer.W).max() <= limit
    assert np.abs(layer.W).max() > 0.99 * limit
    assert layer.W.std() == pytest.approx(limit / math.sqrt(3.0), rel=0.02)
    assert abs(layer.W.mean()) < 0.002
    np.testing.assert_array_equal(layer.b, np.zeros(300))


def test_dense_he_uniform_bounds():
    layer = Dense(50, 400, kernel_initializer="he_uniform", seed=0)
    limit = math.sqrt(6.0 / 50.0)

    assert np.abs(layer.W).max() <= limit
    assert np.abs(layer.W).max() > 0.99 * limit


def test_dense_zeros_initializer():
    np.testing.assert_array_equal(Dense(3, 2, kernel_initializer="zeros").W, np.zeros((3, 2)))


def test_dense_seed_reproducible():
    np.testing.assert_array_equal(Dense(3, 4, seed=7).W, Dense(3, 4, seed=7).W)
    assert not np.array_equal(Dense(3, 4, seed=7).W, Dense(3, 4, seed=8).W)


def test_dense_shared_generator_differs_per_layer():
    rng = np.random.default_rng(0)

    first, second = Dense(3, 3, seed=rng), Dense(3, 3, seed=rng)

    assert not np.array_equal(first.W, second.W)


def test_dense_matches_keras_float64(keras):
    rng = np.random.default_rng(30)
    layer = Dense(5, 4, seed=rng)
    layer.b = rng.normal(size=4)
    x = rng.normal(size=(7, 5))
    keras_layer = keras.layers.Dense(4, dtype="float64")
    keras_layer.build((None, 5))
    keras_layer.set_weights(layer.get_weights())

    # Tolerance: 1e-12, because both compute x @ W + b in float64.
    np.testing.assert_allclose(layer.forward(x), np.asarray(keras_layer(x)), rtol=1e-12, atol=1e-12)


def test_dense_matches_keras_float32(keras):
    rng = np.random.default_rng(31)
    layer = Dense(20, 6, seed=rng)
    x = rng.normal(size=(8, 20)).astype(np.float32)
    keras_layer = keras.layers.Dense(6)
    keras_layer.build((None, 20))
    keras_layer.set_weights([w.astype(np.float32) for w in layer.get_weights()])
    layer.set_weights(keras_layer.get_weights())

    # Tolerance: 1e-5 absolute. Keras sums 20 float32 products, each rounded at about 6e-8
    # relative, on values of order 1, while this layer computes the same sums in float64.
    np.testing.assert_allclose(layer.forward(x), np.asarray(keras_layer(x)), rtol=1e-5, atol=1e-5)


def test_dense_weights_round_trip_from_keras(keras):
    keras_layer = keras.layers.Dense(3)
    keras_layer.build((None, 2))
    layer = Dense(2, 3)

    layer.set_weights(keras_layer.get_weights())

    for ours, theirs in zip(layer.get_weights(), keras_layer.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("use_bias", [True, False])
def test_dense_gradient_check(use_bias):
    rng = np.random.default_rng(32)
    layer = Dense(4, 3, use_bias=use_bias, seed=rng)
    if use_bias:
        layer.b = rng.normal(size=3)

    reports = check_layer_gradients(layer, rng.normal(size=(5, 4)), tolerance=1e-7)

    # Tolerance: relative error 1e-7, because the layer is linear and the check is in float64.
    assert list(reports) == (["input", "kernel", "bias"] if use_bias else ["input", "kernel"])
    for report in reports.values():
        assert report.passed, str(report)


def test_dense_without_bias_ignores_bias():
    layer = Dense(2, 2, use_bias=False)
    layer.W = np.eye(2)

    np.testing.assert_array_equal(layer.forward([[1.0, 2.0]]), [[1.0, 2.0]])
    assert list(layer.parameters()) == ["kernel"]
    assert len(layer.get_weights()) == 1


def test_dense_backward_overwrites_gradients():
    layer = Dense(2, 2, seed=0)
    gradient_view = layer.dW
    x = np.ones((1, 2))

    layer.forward(x)
    layer.backward([[1.0, 1.0]])
    layer.forward(x)
    layer.backward([[2.0, 0.0]])

    np.testing.assert_array_equal(layer.dW, [[2.0, 0.0], [2.0, 0.0]])
    assert gradient_view is layer.dW


# -- Activation ------------------------------------------------


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_layer_gradient_check(name):
    x = np.random.default_rng(33).uniform(-3.0, 3.0, size=(4, 5))
    x = np.where(np.abs(x) < 0.01, 0.5, x)  # stay away from the kink of ReLU at 0

    reports = check_layer_gradients(Activation(name), x, tolerance=1e-7)

    # Tolerance: relative error 1e-7, with every input at least 0.01 from a kink.
    assert reports["input"].passed, str(reports["input"])


def test_activation_layer_passes_options():
    layer = Activation("leaky_relu", negative_slope=0.5)

    np.testing.assert_allclose(layer.forward([[-2.0, 2.0]]), [[-1.0, 2.0]])
    np.testing.assert_allclose(layer.backward([[1.0, 1.0]]), [[0.5, 1.0]])


def test_activation_layer_accepts_keras_name():
    assert Activation("silu").spec.name == "swish"


def test_activation_layer_has_no_parameters():
    layer = Activation("relu")

    assert len(layer.parameters()) == 0
    assert layer.gradients() == {}


# -- SoftmaxCrossEntropy ------------------------------------------------


def test_softmax_cross_entropy_matches_keras(keras):
    rng = np.random.default_rng(34)
    logits = rng.normal(scale=3.0, size=(8, 5))
    labels = rng.integers(0, 5, size=8)
    one_hot = np.eye(5)[labels]

    categorical = keras.losses.CategoricalCrossentropy(from_logits=True, dtype="float64")(one_hot, logits)
    sparse = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")(labels, logits)

    # Tolerance: 1e-10 relative, because Keras computes in float64 here too.
    assert SoftmaxCrossEntropy().forward(logits, one_hot) == pytest.approx(float(categorical), rel=1e-10)
    assert SoftmaxCrossEntropy().forward(logits, labels) == pytest.approx(float(sparse), rel=1e-10)


def test_softmax_cross_entropy_soft_labels_match_keras(keras):
    rng = np.random.default_rng(35)
    logits = rng.normal(size=(4, 3))
    soft = rng.dirichlet(np.ones(3), size=4)

    expected = keras.losses.CategoricalCrossentropy(from_logits=True, dtype="float64")(soft, logits)

    assert SoftmaxCrossEntropy().forward(logits, soft) == pytest.approx(float(expected), rel=1e-10)


@pytest.mark.parametrize("labels", ["integer", "one-hot", "soft"])
def test_softmax_cross_entropy_gradient_check(labels):
    rng = np.random.default_rng(36)
    logits = rng.normal(scale=2.0, size=(5, 4))
    integer_labels = rng.integers(0, 4, size=5)
    y_true = {
        "integer": integer_labels,
        "one-hot": np.eye(4)[integer_labels],
        "soft": rng.dirichlet(np.ones(4), size=5),
    }[labels]
    loss = SoftmaxCrossEntropy()
    loss.forward(logits, y_true)
    analytic = loss.backward()

    report = check_gradient(lambda z: SoftmaxCrossEntropy().forward(z, y_true), logits, analytic, tolerance=1e-7)

    # Tolerance: relative error 1e-7, because the loss is smooth in the logits.
    assert report.passed, str(report)


def test_softmax_cross_entropy_scales_upstream_gradient():
    loss = SoftmaxCrossEntropy()
    loss.forward([[0.0, 1.0], [2.0, -1.0]], [0, 0])

    np.testing.assert_allclose(loss.backward(3.0), 3.0 * loss.backward(), rtol=1e-15)


def test_softmax_cross_entropy_extreme_logits():
    # Logits [1000, -1000] give probs [1, 0] without overflow. The loss for class 0 is 0,
    # and for class 1 it is 2000, the exact -log_softmax, because nothing is clipped.
    loss = SoftmaxCrossEntropy()

    with np.errstate(all="raise"):
        correct = loss.forward([[1000.0, -1000.0]], [0])
        wrong = loss.forward([[1000.0, -1000.0]], [1])
        gradient = loss.backward()

    assert correct == 0.0
    assert wrong == pytest.approx(2000.0, rel=1e-12)
    np.testing.assert_allclose(gradient, [[1.0, -1.0]])


# -- Sequential ------------------------------------------------


def test_sequential_names_parameters():
    model = small_network()

    assert model.layer_names == ("dense_0", "activation_0", "dense_1")
    assert list(model.parameters()) == ["dense_0/kernel", "dense_0/bias", "dense_1/kernel", "dense_1/bias"]
    assert list(model.gradients()) == list(model.parameters())


def test_sequential_keeps_given_names():
    model = Sequential([Dense(2, 2, name="dense_0"), Dense(2, 2), Dense(2, 2, name="output")])

    assert model.layer_names == ("dense_0", "dense_1", "output")


def test_sequential_parameters_are_live():
    model = small_network()
    params = model.parameters()

    params["dense_0/kernel"] -= 1.0
    params["dense_1/bias"] = np.full(3, 2.0)

    assert params["dense_0/kernel"] is model.layers[0].W
    np.testing.assert_array_equal(model.layers[2].b, np.full(3, 2.0))


def test_sequential_count_params_matches_keras(keras):
    model = Sequential([Dense(784, 128), Activation("relu"), Dense(128, 64), Activation("relu"), Dense(64, 10)])
    keras_model = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10),
        ]
    )

    # (784 * 128 + 128) + (128 * 64 + 64) + (64 * 10 + 10) = 109386
    assert model.count_params() == keras_model.count_params() == 109386


@pytest.mark.parametrize("hidden_activation", ["tanh", "relu", "gelu"])
def test_sequential_gradient_check(hidden_activation):
    model = small_network(seed=37, hidden_activation=hidden_activation)
    x, labels = random_batch(seed=38)
    model.compute_gradients(x, labels)
    analytic = {name: gradient.copy() for name, gradient in model.gradients().items()}

    reports = check_parameter_gradients(lambda: model.compute_loss(x, labels), model.parameters(), analytic, tolerance=1e-6)

    # Tolerance: relative error 1e-6. With ReLU, a pre-activation within h = 1e-5 of 0 would
    # break the check, but with seeds 37 and 38 every one is at least 0.18 from 0.
    assert list(reports) == list(model.parameters())
    for report in reports.values():
        assert report.passed, str(report)


def test_sequential_input_gradient_check():
    model = small_network(seed=39)

    reports = check_layer_gradients(model, random_batch(seed=40)[0], tolerance=1e-7)

    # Tolerance: relative error 1e-7, with the smooth tanh hidden layer.
    for report in reports.values():
        assert report.passed, str(report)


def test_sequential_matches_keras_model(keras, tf):
    model = small_network(seed=41, hidden_activation="relu")
    x, labels = random_batch(seed=42)
    keras_model = keras.Sequential(
        [
            keras.Input((4,), dtype="float64"),
            keras.layers.Dense(5, activation="relu", dtype="float64"),
            keras.layers.Dense(3, dtype="float64"),
        ]
    )
    keras_model.layers[0].set_weights(model.layers[0].get_weights())
    keras_model.layers[1].set_weights(model.layers[2].get_weights())
    keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")

    with tf.GradientTape() as tape:
        keras_logits = keras_model(x)
        keras_value = keras_loss(labels, keras_logits)
    keras_gradients = tape.gradient(keras_value, keras_model.trainable_weights)
    loss = model.compute_gradients(x, labels)

    # Tolerance: 1e-10, because both compute in float64.
    np.testing.assert_allclose(model.forward(x), np.asarray(keras_logits), rtol=1e-10, atol=1e-12)
    assert loss == pytest.approx(float(keras_value), rel=1e-10)
    for ours, theirs in zip(model.gradients().values(), keras_gradients):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-10, atol=1e-12)


def test_train_step_with_optimizer_matches_plain_sgd():
    x, labels = random_batch(seed=43)
    plain, with_optimizer = small_network(seed=44), small_network(seed=44)

    plain.train_step(x, labels, learning_rate=0.05)
    with_optimizer.train_step(x, labels, optimizer=SGD(learning_rate=0.05))

    for name, array in plain.parameters().items():
        np.testing.assert_allclose(with_optimizer.parameters()[name], array, rtol=1e-12)


def test_train_step_with_assigning_optimizer():
    class AssigningSGD:
        """Optimizer that assigns new arrays instead of updating in place."""

        def update(self, params, grads):
            for name in params:
                params[name] = params[name] - 0.05 * grads[name]

    x, labels = random_batch(seed=45)
    plain, assigned = small_network(seed=46), small_network(seed=46)

    plain.train_step(x, labels, learning_rate=0.05)
    assigned.train_step(x, labels, optimizer=AssigningSGD())

    for name, array in plain.parameters().items():
        np.testing.assert_allclose(assigned.parameters()[name], array, rtol=1e-12)


def test_train_step_lowers_loss():
    model = small_network(seed=47)
    x, labels = random_batch(seed=48, num_samples=16)

    before = model.compute_loss(x, labels)
    for _ in range(20):
        model.train_step(x, labels, learning_rate=0.1)

    assert model.compute_loss(x, labels) < before


def test_predict_returns_probabilities():
    model = small_network(seed=49)
    x = random_batch(seed=50)[0]

    probs = model.predict(x)

    assert probs.shape == (6, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(model.predict(x, batch_size=4), probs, rtol=1e-12)
    np.testing.assert_array_equal(probs.argmax(axis=1), model.forward(x).argmax(axis=1))


def test_fit_history_keys_and_lengths():
    model = small_network(seed=51)
    x, labels = random_batch(seed=52, num_samples=20)

    history = model.fit(x, labels, epochs=3, batch_size=8, learning_rate=0.1, seed=0, validation_data=(x, labels))

    assert list(history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    for values in history.values():
        assert len(values) == 3
    assert history["loss"][-1] < history["loss"][0]


def test_fit_reproducible_with_seed():
    x, labels = random_batch(seed=53, num_samples=20)
    first, second = small_network(seed=54), small_network(seed=54)

    history_first = first.fit(x, labels, epochs=2, batch_size=6, learning_rate=0.1, seed=3)
    history_second = second.fit(x, labels, epochs=2, batch_size=6, learning_rate=0.1, seed=3)

    assert history_first == history_second


def test_fit_stops_when_loss_not_finite():
    model = small_network(seed=55, hidden_activation="relu")
    x, labels = random_batch(seed=56, num_samples=32)

    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="training stopped: the loss is"):
        history = model.fit(x * 1e3, labels, epochs=50, batch_size=4, learning_rate=1e12, seed=0)

    assert len(history["loss"]) < 50


def test_fit_trains_mnist_above_90_percent():
    # 784-128-10 with ReLU and plain SGD on 4,000 training images, the size of the offline
    # subset, reached 91.0-91.6 % on its 1,000 test images after 5 epochs for seeds 0-2.
    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_train, y_train = preprocess_mnist(x_train[:4000], y_train[:4000])
    x_test, y_test = preprocess_mnist(x_test[:1000], y_test[:1000])
    rng = np.random.default_rng(0)
    model = Sequential([Dense(784, 128, seed=rng), Activation("relu"), Dense(128, 10, seed=rng)])

    history = model.fit(x_train, y_train, epochs=5, batch_size=32, learning_rate=0.1, seed=0)

    assert history["loss"][-1] < history["loss"][0]
    assert model.evaluate(x_test, y_test)["accuracy"] > 0.9


# -- input errors ------------------------------------------------


def test_dense_rejects_wrong_feature_count():
    with pytest.raises(ValueError, match=r"x must have shape \(N, 4\) for a Dense layer with in_features=4; received shape \(2, 3\)"):
        Dense(4, 2).forward(np.ones((2, 3)))


def test_dense_rejects_one_dimensional_input():
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\) \(2 dimensions\); received shape \(4,\)"):
        Dense(4, 2).forward(np.ones(4))


def test_dense_rejects_image_batch():
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\) \(2 dimensions\); received shape \(2, 28, 28\)"):
        Dense(784, 2).forward(np.ones((2, 28, 28)))


def test_dense_rejects_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"Dense.backward\(\) was called before forward\(\); call forward\(x\) first"):
        Dense(2, 2).backward(np.ones((1, 2)))


def test_dense_rejects_wrong_upstream_shape():
    layer = Dense(3, 2)
    layer.forward(np.ones((4, 3)))

    with pytest.raises(ValueError, match=r"d_out must have the shape of the last output, \(N, M\) = \(4, 2\); received shape \(4, 3\)"):
        layer.backward(np.ones((4, 3)))


def test_dense_rejects_zero_units():
    with pytest.raises(ValueError, match="out_features must be at least 1; received 0"):
        Dense(3, 0)


def test_dense_rejects_fractional_features():
    with pytest.raises(TypeError, match="in_features must be a positive whole number; received float 2.5"):
        Dense(2.5, 3)


def test_dense_rejects_unknown_initializer():
    with pytest.raises(ValueError, match="kernel_initializer must be one of 'glorot_uniform', 'he_uniform', 'zeros'; received 'GlorotUniform'"):
        Dense(2, 2, kernel_initializer="GlorotUniform")


def test_dense_rejects_invalid_seed():
    with pytest.raises(TypeError, match="seed must be None, a non-negative integer or a np.random.Generator; received float 1.5"):
        Dense(2, 2, seed=1.5)


def test_dense_rejects_kernel_of_wrong_shape():
    with pytest.raises(ValueError, match=r"W must have shape \(D, M\) = \(2, 3\); received shape \(3, 2\)"):
        Dense(2, 3).W = np.ones((3, 2))


def test_dense_rejects_bias_without_use_bias():
    with pytest.raises(ValueError, match="b cannot be set on a Dense layer created with use_bias=False"):
        Dense(2, 3, use_bias=False).b = np.ones(3)


def test_dense_rejects_wrong_weight_list():
    with pytest.raises(ValueError, match=r"weights must be a list of 2 arrays, \[W, b\]"):
        Dense(2, 3).set_weights([np.ones((2, 3))])


def test_activation_rejects_unknown_name():
    with pytest.raises(ValueError, match="name must be one of 'sigmoid', .*; received 'ReLU'"):
        Activation("ReLU")


def test_activation_rejects_invalid_option():
    with pytest.raises(ValueError, match="negative_slope must be a finite number >= 0; received -1"):
        Activation("leaky_relu", negative_slope=-1)


def test_activation_rejects_unknown_option():
    with pytest.raises(TypeError, match="unexpected keyword argument 'alpha'"):
        Activation("leaky_relu", alpha=0.1)


def test_activation_rejects_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"Activation.backward\(\) was called before forward\(\)"):
        Activation("relu").backward(np.ones((1, 2)))


def test_loss_rejects_label_out_of_range():
    with pytest.raises(ValueError, match="integer labels in y_true must be whole numbers from 0 to 2; received values from 0.0 to 3.0"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), [0, 3])


def test_loss_rejects_fractional_label():
    with pytest.raises(ValueError, match="integer labels in y_true must be whole numbers from 0 to 2"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), [0.5, 1])


def test_loss_rejects_wrong_label_count():
    with pytest.raises(ValueError, match=r"y_true must have 2 labels, one per row of logits; received shape \(3,\)"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), [0, 1, 2])


def test_loss_rejects_one_hot_of_wrong_shape():
    with pytest.raises(ValueError, match=r"y_true must have shape \(N,\) or \(N, C\) = \(2, 3\) like the logits; received shape \(2, 4\)"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.eye(4)[:2])


def test_loss_rejects_rows_not_summing_to_one():
    with pytest.raises(ValueError, match="each row of y_true must be a probability distribution"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), [[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def test_loss_rejects_one_dimensional_logits():
    with pytest.raises(ValueError, match=r"logits must have shape \(N, C\) \(2 dimensions\); received shape \(3,\)"):
        SoftmaxCrossEntropy().forward(np.zeros(3), [0])


def test_loss_rejects_empty_batch():
    with pytest.raises(ValueError, match=r"logits must contain at least one row"):
        SoftmaxCrossEntropy().forward(np.zeros((0, 3)), np.zeros(0))


def test_loss_rejects_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"SoftmaxCrossEntropy.backward\(\) was called before forward\(\)"):
        SoftmaxCrossEntropy().backward()


def test_sequential_rejects_empty_list():
    with pytest.raises(ValueError, match=r"layers must be a non-empty list of layers; received list \[\]"):
        Sequential([])


def test_sequential_rejects_non_layer():
    with pytest.raises(TypeError, match="layers\\[1\\] must have a forward\\(\\) method; received str 'relu'"):
        Sequential([Dense(2, 2), "relu"])


def test_sequential_rejects_mismatched_sizes():
    with pytest.raises(ValueError, match="layer 'dense_1' has in_features=64, but the previous Dense layer 'dense_0' outputs 128 features"):
        Sequential([Dense(784, 128), Activation("relu"), Dense(64, 10)])


def test_sequential_rejects_repeated_layer():
    layer = Dense(2, 2)

    with pytest.raises(ValueError, match="each layer object may appear only once in layers"):
        Sequential([layer, Activation("relu"), layer])


def test_sequential_rejects_duplicate_names():
    with pytest.raises(ValueError, match=r"layer names must be unique; received duplicates \['hidden'\]"):
        Sequential([Dense(2, 2, name="hidden"), Dense(2, 2, name="hidden")])


def test_layer_rejects_invalid_name():
    with pytest.raises(ValueError, match="name must be a non-empty string without '/'"):
        Dense(2, 2, name="dense/0")
    with pytest.raises(TypeError, match="name must be None or a string such as 'hidden'; received int 3"):
        Activation("relu", name=3)


def test_sequential_warns_softmax_before_loss():
    with pytest.warns(UserWarning, match="the last layer is a softmax Activation"):
        Sequential([Dense(2, 3), Activation("softmax")])


def test_parameter_view_rejects_wrong_shape():
    params = small_network().parameters()

    with pytest.raises(ValueError, match=r"the new value of 'dense_1/bias' and the parameter must have the same shape; received \(2,\) and \(3,\)"):
        params["dense_1/bias"] = np.zeros(2)


def test_parameter_view_rejects_new_key():
    params = small_network().parameters()

    with pytest.raises(KeyError, match="'dense_9/kernel' is not a parameter"):
        params["dense_9/kernel"] = np.zeros(2)


def test_parameter_view_rejects_deletion():
    params = small_network().parameters()

    assert isinstance(params, ParameterView)
    with pytest.raises(TypeError, match="parameters cannot be removed"):
        del params["dense_0/kernel"]


def test_train_step_rejects_rate_with_optimizer():
    x, labels = random_batch()

    with pytest.raises(ValueError, match="learning_rate must be None when an optimizer is given"):
        small_network().train_step(x, labels, learning_rate=0.1, optimizer=SGD())


def test_train_step_rejects_optimizer_without_update():
    x, labels = random_batch()

    with pytest.raises(TypeError, match=r"optimizer must have an update\(params, grads\) method; received str 'sgd'"):
        small_network().train_step(x, labels, optimizer="sgd")


@pytest.mark.parametrize("learning_rate", [0.0, -0.1, float("nan")])
def test_train_step_rejects_invalid_rate(learning_rate):
    x, labels = random_batch()

    with pytest.raises(ValueError, match="learning_rate must be a finite number greater than 0"):
        small_network().train_step(x, labels, learning_rate=learning_rate)


def test_fit_rejects_label_count_mismatch():
    x, labels = random_batch()

    with pytest.raises(ValueError, match=r"y_true must have one row per row of x, 6; received shape \(5,\)"):
        small_network().fit(x, labels[:5])


def test_fit_rejects_invalid_validation_data():
    x, labels = random_batch()

    with pytest.raises(ValueError, match=r"validation_data must be a tuple \(x_val, y_val\)"):
        small_network().fit(x, labels, validation_data=x)


def test_fit_rejects_zero_epochs():
    x, labels = random_batch()

    with pytest.raises(ValueError, match="epochs must be at least 1; received 0"):
        small_network().fit(x, labels, epochs=0)
