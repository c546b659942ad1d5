"""The convolutional network that notebook 08 trains on MNIST, and the dense network it is compared with.

Notebook 08 and ``helpers.bench_cnn`` both build and train these models through this module,
so the accuracy that the benchmark reports belongs to the network that the notebook trains.

Both models take images of shape ``(N, 28, 28, 1)`` with pixel values scaled to [0, 1]
(``to_image_batch`` prepares them) and integer labels 0-9, and output softmax
probabilities of shape ``(N, 10)``.
"""

from __future__ import annotations

import numbers

import numpy as np

from helpers._validation import check_positive_int, describe
from helpers.runtime import import_keras, set_seed

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10

MAX_EPOCHS = 25
"""Upper limit on the epochs of ``train_mnist_cnn`` on the 4,000-image offline subset. EarlyStopping may end training sooner."""

FULL_MNIST_MAX_EPOCHS = 12
"""Upper limit on the epochs on full MNIST, whose epochs have 15 times as many batches as the subset's.

NOTE: the limit keeps notebook 08 within minutes on a laptop CPU. The accuracy it gives on
full MNIST has not been measured here, because the tests and CI run offline, but
``python -m helpers.bench_cnn`` measures it when Keras's cached ``mnist.npz`` exists.
"""

LARGE_TRAINING_SET = 10_000
"""Training sets with more images than this (full MNIST) get ``FULL_MNIST_MAX_EPOCHS``."""

DENSE_EPOCHS = 8
DENSE_BATCH_SIZE = 32
"""Notebook 01 trains its dense network for 8 epochs with batches of 32 images."""

BATCH_SIZE = 64
VALIDATION_SPLIT = 0.1
LEARNING_RATE = 1e-3

CNN_LAYER_SPECS = [
    {"layer": "conv2d", "filters": 32, "kernel_size": 3, "padding": "same"},
    {"layer": "max_pool2d"},
    {"layer": "conv2d", "filters": 64, "kernel_size": 3, "padding": "same"},
    {"layer": "max_pool2d"},
    {"layer": "conv2d", "filters": 128, "kernel_size": 3, "padding": "same"},
    {"layer": "max_pool2d"},
    {"layer": "flatten"},
    {"layer": "dropout", "rate": 0.4},
    {"layer": "dense", "units": NUM_CLASSES},
]
"""The layers of ``build_mnist_cnn`` after augmentation, in the format of ``helpers.conv.summarize_cnn``."""


def to_image_batch(images) -> np.ndarray:
    """Scale MNIST images to [0, 1] and add the channel axis that ``Conv2D`` expects.

    Parameters
    ----------
    images : array_like of shape (N, 28, 28), integers 0-255

    Returns
    -------
    numpy.ndarray of shape (N, 28, 28, 1), float32, values in [0, 1]
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != INPUT_SHAPE[:2]:
        raise ValueError(
            f"images must have shape (N, 28, 28); received shape {images.shape}. "
            "Pass the arrays that load_mnist() returns."
        )
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]


def build_augmentation():
    """Build the random preprocessing layers that vary each training image.

    ``RandomRotation(0.05)`` turns by up to 0.05 of a full turn (18 degrees) either way,
    ``RandomTranslation(0.1, 0.1)`` shifts by up to 10 % of the height and width (2.8 pixels),
    and ``RandomZoom(0.1)`` scales by up to 10 %. They act only while training: ``evaluate``
    and ``predict`` pass the images through unchanged.
    The uncovered border is filled with 0, the MNIST background, because the default
    ``fill_mode="reflect"`` would mirror strokes into it.
    """
    keras = import_keras()
    return keras.Sequential(
        [
            keras.layers.RandomRotation(0.05, fill_mode="constant"),
            keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant"),
            keras.layers.RandomZoom(0.1, fill_mode="constant"),
        ],
        name="augmentation",
    )


def build_mnist_cnn(augment: bool = True):
    """Build the course's convolutional network for MNIST, not yet compiled.

    Three blocks of ``Conv2D`` (3 x 3, ``same`` padding, ReLU) and 2 x 2 max pooling take
    the image from 28 x 28 x 1 to 3 x 3 x 128. ``Flatten`` turns that into 1,152 numbers,
    and one ``Dense`` softmax layer maps them to the 10 digits, after ``Dropout(0.4)``.
    The model has 104,202 parameters.

    Parameters
    ----------
    augment : bool, default True
        Start with the layers of ``build_augmentation``, which add no parameters.

    Returns
    -------
    keras.Sequential
    """
    if not isinstance(augment, bool):
        raise TypeError(f"augment must be True or False; received {describe(augment)}.")
    keras = import_keras()
    layers = [keras.Input(shape=INPUT_SHAPE)]
    if augment:
        layers.append(build_augmentation())
    layers += [
        keras.layers.Conv2D(32, 3, padding="same", activation="relu", name="conv_1"),
        keras.layers.MaxPooling2D(2, name="pool_1"),
        keras.layers.Conv2D(64, 3, padding="same", activation="relu", name="conv_2"),
        keras.layers.MaxPooling2D(2, name="pool_2"),
        keras.layers.Conv2D(128, 3, padding="same", activation="relu", name="conv_3"),
        keras.layers.MaxPooling2D(2, name="pool_3"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dropout(0.4, name="dropout"),
        keras.layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities"),
    ]
    return keras.Sequential(layers, name="mnist_cnn")


def build_dense_mnist():
    """Build notebook 01's dense network (784-128-64-10, ReLU, softmax) for images of shape (28, 28, 1).

    A ``Flatten`` layer comes first, so the network reads the same arrays as the CNN. It
    has ``(784 * 128 + 128) + (128 * 64 + 64) + (64 * 10 + 10) = 109,386`` parameters.
    """
    keras = import_keras()
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(128, activation="relu", name="dense_1"),
            keras.layers.Dense(64, activation="relu", name="dense_2"),
            keras.layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities"),
        ],
        name="dense_mnist",
    )


def compile_for_training(model, learning_rate: float = LEARNING_RATE):
    """Compile ``model`` with Adam, sparse categorical cross-entropy (integer labels) and accuracy.

    Returns the same model, so calls can be chained.
    """
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real) or not learning_rate > 0:
        raise ValueError(f"learning_rate must be a number greater than 0; received {describe(learning_rate)}.")
    keras = import_keras()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def make_callbacks() -> list:
    """Create the callbacks of the recipe: EarlyStopping and ReduceLROnPlateau, both on ``val_loss``.

    EarlyStopping ignores the first 10 epochs (``start_from_epoch``), because with augmentation
    the validation loss still jumps around there. After that it stops once the validation
    loss has not improved for 6 epochs, and puts back the weights of the best epoch.
    ReduceLROnPlateau halves the learning rate whenever the validation loss has not improved
    for 2 epochs, down to 1e-5.
    """
    keras = import_keras()
    return [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=6, start_from_epoch=10, restore_best_weights=True),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=1e-5),
    ]


def max_epochs(train_count: int) -> int:
    """Return the epoch limit for a training set of ``train_count`` images.

    ``MAX_EPOCHS`` (25) up to ``LARGE_TRAINING_SET`` images and ``FULL_MNIST_MAX_EPOCHS`` (12) above.
    """
    train_count = check_positive_int(train_count, "train_count")
    return MAX_EPOCHS if train_count <= LARGE_TRAINING_SET else FULL_MNIST_MAX_EPOCHS


def train_mnist_cnn(x_train, y_train, epochs: int | None = None, seed: int = 0, verbose=0):
    """Build, compile and fit the CNN with the course's recipe.

    The last ``VALIDATION_SPLIT`` of the training data (10 %) is held back for the callbacks
    of ``make_callbacks``, and batches have ``BATCH_SIZE`` (64) images.

    Parameters
    ----------
    x_train : array of shape (N, 28, 28, 1), float32 in [0, 1]
        Shuffled training images (``to_image_batch`` of ``load_mnist``'s arrays).
    y_train : array of shape (N,), integers 0-9
    epochs : int, optional
        Upper limit, which EarlyStopping may cut short. None uses ``max_epochs(len(x_train))``.
    seed : int, default 0
        Seed of the weights, the augmentation and the dropout, set with ``set_seed``.
    verbose : int, default 0
        Passed to ``fit``: 0 prints nothing, 2 prints one line per epoch.

    Returns
    -------
    (keras.Sequential, keras.callbacks.History)
        The trained model, with the weights of its best epoch, and its history. The history
        records ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy`` and ``learning_rate``.
    """
    epochs = max_epochs(len(x_train)) if epochs is None else check_positive_int(epochs, "epochs")
    set_seed(seed)
    model = compile_for_training(build_mnist_cnn())
    history = model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        validation_split=VALIDATION_SPLIT,
        callbacks=make_callbacks(),
        verbose=verbose,
    )
    return model, history


def train_dense_mnist(x_train, y_train, epochs: int = DENSE_EPOCHS, seed: int = 0, verbose=0):
    """Build, compile and fit notebook 01's dense network as notebook 01 trains it.

    Adam, ``DENSE_EPOCHS`` epochs, batches of ``DENSE_BATCH_SIZE``, ``VALIDATION_SPLIT``
    held back, and neither augmentation nor callbacks. The arguments and the result are
    those of ``train_mnist_cnn``.
    """
    epochs = check_positive_int(epochs, "epochs")
    set_seed(seed)
    model = compile_for_training(build_dense_mnist())
    history = model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=DENSE_BATCH_SIZE,
        validation_split=VALIDATION_SPLIT,
        verbose=verbose,
    )
    return model, history


def conv_feature_maps(model, image) -> dict[str, np.ndarray]:
    """Return the output of every ``Conv2D`` layer of a Sequential ``model`` for one image.

    The image passes through the layers in inference mode, so augmentation and dropout
    leave it unchanged.

    Parameters
    ----------
    model : keras.Sequential
    image : array_like of shape (28, 28, 1) or (28, 28)

    Returns
    -------
    dict from layer name to numpy.ndarray of shape (H, W, filters)
        In layer order, with the values after the layer's activation.
    """
    keras = import_keras()
    image = np.asarray(image, dtype=np.float32)
    if image.shape == INPUT_SHAPE[:2]:
        image = image[..., np.newaxis]
    if image.shape != INPUT_SHAPE:
        raise ValueError(f"image must have shape (28, 28, 1) or (28, 28); received shape {image.shape}.")

    maps = {}
    outputs = image[np.newaxis]
    for layer in model.layers:
        outputs = layer(outputs, training=False)
        if isinstance(layer, keras.layers.Conv2D):
            maps[layer.name] = np.asarray(outputs)[0]
    return maps
