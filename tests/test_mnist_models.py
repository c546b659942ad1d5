"""Tests for helpers.mnist_models: layers, parameter counts, training mode of the random layers, errors."""

import numpy as np
import pytest

from helpers.data import load_mnist
from helpers.mnist_models import build_dense_classifier
from helpers.runtime import import_keras, set_seed

# Keras 3.15 calls np.array on TensorFlow variables in fit, which NumPy 2.4 reports as a
# DeprecationWarning. The warning comes from Keras, not from these helpers.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.fixture(scope="module")
def keras():
    return import_keras()


def layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


def test_default_model_layers_and_parameters():
    model = build_dense_classifier()
    assert layer_types(model) == ["Rescaling", "Flatten", "Dense", "Activation", "Dense"]
    assert model.count_params() == 784 * 256 + 256 + 256 * 10 + 10
    assert model.output_shape == (None, 10)
    assert model.loss == "sparse_categorical_crossentropy"


def test_regularised_model_layers_and_parameters():
    model = build_dense_classifier((32, 16), dropout=0.5, batch_norm=True, l2=1e-3)
    assert layer_types(model) == [
        "Rescaling", "Flatten",
        "Dense", "BatchNormalization", "Activation", "Dropout",
        "Dense", "BatchNormalization", "Activation", "Dropout",
        "Dense",
    ]
    # Dense layers without bias, then 4 values per unit in BatchNormalization (2 trainable).
    assert model.count_params() == 784 * 32 + 4 * 32 + 32 * 16 + 4 * 16 + 16 * 10 + 10
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    assert all(layer.kernel_regularizer is not None for layer in dense)


def test_model_takes_raw_pixels_and_outputs_probabilities():
    set_seed(0)
    model = build_dense_classifier((8,))
    images = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28)).astype(np.uint8)
    probabilities = model.predict(images, verbose=0)
    assert probabilities.shape == (5, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_rescaling_matches_scaled_input(keras):
    set_seed(0)
    model = build_dense_classifier((8,))
    images = np.random.default_rng(1).integers(0, 256, size=(3, 28, 28)).astype("float32")
    first_dense = model.layers[2]
    hidden = first_dense(images.reshape(3, -1) / 255.0)
    inner = keras.Model(model.inputs[0], model.layers[2].output)
    np.testing.assert_allclose(inner(images), hidden, rtol=1e-5, atol=1e-6)


def test_augmentation_acts_only_in_training(keras):
    set_seed(0)
    model = build_dense_classifier((8,), augmentation=[keras.layers.RandomTranslation(0.2, 0.2)])
    assert layer_types(model)[:2] == ["Reshape", "RandomTranslation"]
    images = np.random.default_rng(2).integers(0, 256, size=(4, 28, 28)).astype("float32")
    plain = build_dense_classifier((8,))
    plain.set_weights(model.get_weights())
    np.testing.assert_allclose(model(images, training=False), plain(images, training=False), rtol=1e-6)
    assert not np.allclose(model(images, training=True), plain(images, training=True))


def test_fit_learns_real_digits():
    (images, labels), _ = load_mnist()
    set_seed(0)
    model = build_dense_classifier((32,))
    history = model.fit(images[:300], labels[:300], epochs=10, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"hidden_units": (0,)}, ValueError, "hidden_units must be at least 1"),
        ({"dropout": 1.0}, ValueError, r"dropout must be a number in \[0, 1\)"),
        ({"l2": -1e-3}, ValueError, "l2 must be a number of at least 0"),
        ({"batch_norm": 1}, TypeError, "batch_norm must be True or False"),
        ({"learning_rate": 0}, ValueError, "learning_rate must be a number greater than 0"),
    ],
)
def test_invalid_arguments_are_rejected(arguments, error, match):
    with pytest.raises(error, match=match):
        build_dense_classifier(**arguments)
