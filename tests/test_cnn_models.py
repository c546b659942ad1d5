import numpy as np
import pytest

from helpers import cnn_models, conv
from helpers.runtime import import_keras


@pytest.fixture(scope="module")
def keras():
    return import_keras()


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(80)
    return rng.integers(0, 256, size=(6, 28, 28)).astype(np.uint8)


def test_cnn_count_matches_layer_specs():
    model = cnn_models.build_mnist_cnn()
    # 320 + 18,496 + 73,856 convolution weights, 1,152 * 10 + 10 dense weights.
    assert model.count_params() == 104_202
    assert conv.cnn_param_count(cnn_models.INPUT_SHAPE, cnn_models.CNN_LAYER_SPECS) == 104_202


def test_cnn_layer_shapes_match_layer_specs():
    model = cnn_models.build_mnist_cnn(augment=False)
    rows = conv.summarize_cnn(cnn_models.INPUT_SHAPE, cnn_models.CNN_LAYER_SPECS)
    assert len(model.layers) == len(rows)
    for layer, row in zip(model.layers, rows):
        assert tuple(layer.output.shape[1:]) == row["output_shape"], layer.name
        assert layer.count_params() == row["param_count"], layer.name


def test_augmentation_adds_no_parameters():
    assert cnn_models.build_mnist_cnn(augment=True).count_params() == cnn_models.build_mnist_cnn(augment=False).count_params()
    assert cnn_models.build_mnist_cnn().layers[0].name == "augmentation"


def test_build_rejects_non_bool_augment():
    with pytest.raises(TypeError, match="augment must be True or False"):
        cnn_models.build_mnist_cnn(augment=1)


def test_dense_count_matches_notebook_01():
    model = cnn_models.build_dense_mnist()
    expected = conv.dense_param_count(784, 128) + conv.dense_param_count(128, 64) + conv.dense_param_count(64, 10)
    assert model.count_params() == expected == 109_386


def test_augmentation_is_identity_at_inference(images):
    x = cnn_models.to_image_batch(images)
    augmentation = cnn_models.build_augmentation()
    np.testing.assert_array_equal(np.asarray(augmentation(x, training=False)), x)


def test_augmentation_changes_training_images(images):
    import keras

    keras.utils.set_random_seed(3)
    x = cnn_models.to_image_batch(images)
    augmented = np.asarray(cnn_models.build_augmentation()(x, training=True))
    assert augmented.shape == x.shape
    assert not np.allclose(augmented, x)


def test_augmentation_fills_border_with_background():
    # MNIST's background is 0, and Keras's default fill_mode="reflect" would mirror strokes instead.
    for layer in cnn_models.build_augmentation().layers:
        assert (layer.fill_mode, layer.fill_value) == ("constant", 0.0), layer.name


def test_to_image_batch_scales_and_adds_channel(images):
    x = cnn_models.to_image_batch(images)
    assert x.shape == (6, 28, 28, 1)
    assert x.dtype == np.float32
    np.testing.assert_allclose(x[..., 0], images / 255.0, rtol=1e-6)


def test_to_image_batch_rejects_flat_images(images):
    with pytest.raises(ValueError, match=r"images must have shape \(N, 28, 28\); received shape \(6, 784\)"):
        cnn_models.to_image_batch(images.reshape(6, 784))


def test_compile_rejects_non_positive_learning_rate():
    with pytest.raises(ValueError, match="learning_rate must be a number greater than 0"):
        cnn_models.compile_for_training(cnn_models.build_dense_mnist(), learning_rate=0.0)


def test_compile_uses_integer_label_loss(keras):
    model = cnn_models.compile_for_training(cnn_models.build_dense_mnist(), learning_rate=0.01)
    assert model.loss == "sparse_categorical_crossentropy"
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)


def test_callbacks_settings(keras):
    early_stopping, plateau = cnn_models.make_callbacks()
    assert isinstance(early_stopping, keras.callbacks.EarlyStopping)
    assert (early_stopping.monitor, early_stopping.patience, early_stopping.start_from_epoch) == ("val_loss", 6, 10)
    assert early_stopping.restore_best_weights
    assert isinstance(plateau, keras.callbacks.ReduceLROnPlateau)
    assert (plateau.monitor, plateau.factor, plateau.patience, plateau.min_lr) == ("val_loss", 0.5, 2, 1e-5)


def test_feature_maps_shapes_and_first_layer_values(images):
    model = cnn_models.build_mnist_cnn()
    image = cnn_models.to_image_batch(images)[0]
    maps = cnn_models.conv_feature_maps(model, image)

    assert list(maps) == ["conv_1", "conv_2", "conv_3"]
    assert [feature.shape for feature in maps.values()] == [(28, 28, 32), (14, 14, 64), (7, 7, 128)]

    # conv_1 is ReLU(cross-correlation + bias), computed here with the NumPy reference.
    kernel, bias = model.get_layer("conv_1").get_weights()
    expected = np.maximum(conv.conv2d(image[np.newaxis], kernel, padding="same")[0] + bias, 0.0)
    np.testing.assert_allclose(maps["conv_1"], expected, atol=1e-5)


def test_feature_maps_accept_a_grey_image(images):
    model = cnn_models.build_mnist_cnn()
    image = cnn_models.to_image_batch(images)[1]
    with_channel = cnn_models.conv_feature_maps(model, image)
    without_channel = cnn_models.conv_feature_maps(model, image[..., 0])
    np.testing.assert_array_equal(with_channel["conv_3"], without_channel["conv_3"])


def test_feature_maps_reject_a_batch(images):
    with pytest.raises(ValueError, match="image must have shape"):
        cnn_models.conv_feature_maps(cnn_models.build_mnist_cnn(), cnn_models.to_image_batch(images))


def test_train_runs_the_recipe_and_records_learning_rate(images):
    x = cnn_models.to_image_batch(images)
    labels = np.arange(6) % 10
    model, history = cnn_models.train_mnist_cnn(x, labels, epochs=2)
    assert len(history.history["loss"]) == 2
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"):
        assert key in history.history, key
    assert model.predict(x, verbose=0).shape == (6, 10)


def test_train_rejects_zero_epochs(images):
    with pytest.raises(ValueError, match="epochs must be at least 1"):
        cnn_models.train_mnist_cnn(cnn_models.to_image_batch(images), np.zeros(6, dtype=int), epochs=0)


def test_max_epochs_depends_on_training_set_size():
    assert cnn_models.max_epochs(4_000) == cnn_models.MAX_EPOCHS == 25
    assert cnn_models.max_epochs(cnn_models.LARGE_TRAINING_SET) == 25
    assert cnn_models.max_epochs(54_000) == cnn_models.FULL_MNIST_MAX_EPOCHS == 12


def test_dense_training_follows_notebook_01(images):
    x = cnn_models.to_image_batch(images)
    model, history = cnn_models.train_dense_mnist(x, np.arange(6) % 10, epochs=1)
    assert model.name == "dense_mnist"
    assert len(history.history["loss"]) == 1
    assert model.predict(x, verbose=0).shape == (6, 10)
