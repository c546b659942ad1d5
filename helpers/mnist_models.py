"""The dense MNIST classifier of notebooks 06 and 07, built from one recipe so both train the same model.

The model takes raw images of shape ``(N, 28, 28)`` with pixel values 0-255 and integer
labels 0-9, so a notebook can pass ``load_mnist()``'s arrays to ``fit`` unchanged: the
first layers scale and flatten the pixels. It outputs softmax probabilities of shape
``(N, 10)`` and is compiled with Adam, sparse categorical cross-entropy and accuracy.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from helpers._validation import check_positive_int, describe
from helpers.runtime import import_keras

IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10


def _check_fraction(value, name: str, *, below_one: bool) -> float:
    upper_ok = value < 1 if below_one else value <= 1
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0 <= value and upper_ok):
        bound = "[0, 1)" if below_one else "[0, 1]"
        raise ValueError(f"{name} must be a number in {bound}; received {describe(value)}.")
    return float(value)


def build_dense_classifier(
    hidden_units: Sequence[int] = (256,),
    *,
    dropout: float = 0.0,
    batch_norm: bool = False,
    l2: float = 0.0,
    augmentation: Sequence | None = None,
    learning_rate: float = 1e-3,
):
    """Build and compile a dense classifier for MNIST digits.

    The layers, in order:

    * the ``augmentation`` layers, if given, on images of shape ``(28, 28, 1)``,
    * ``Rescaling(1 / 255)`` and ``Flatten``,
    * for each entry of ``hidden_units``: ``Dense``, then ``BatchNormalization`` if
      ``batch_norm``, ReLU, then ``Dropout`` if ``dropout > 0``,
    * ``Dense(10, activation="softmax")``.

    Parameters
    ----------
    hidden_units : sequence of int, default (256,)
        Units of each hidden layer.
    dropout : float in [0, 1), default 0.0
        Fraction of a hidden layer's outputs that ``Dropout`` sets to 0 in each training step.
    batch_norm : bool, default False
        Normalise each hidden layer's outputs over the batch, before the ReLU. The
        ``Dense`` layer then has no bias, because ``BatchNormalization`` adds its own shift.
    l2 : float >= 0, default 0.0
        Factor of the L2 penalty ``l2 * sum(W ** 2)`` on every kernel, hidden and output.
        The penalty is added to the loss that ``fit`` reports.
    augmentation : sequence of Keras layers, optional
        Random preprocessing layers, such as ``keras.layers.RandomRotation(0.05)``. They
        change the images only in training and pass them through unchanged in
        ``evaluate`` and ``predict``.
    learning_rate : float > 0, default 1e-3
        Adam's learning rate.

    Returns
    -------
    keras.Sequential
        Compiled with ``loss="sparse_categorical_crossentropy"`` and ``metrics=["accuracy"]``.
        With the defaults it has ``784 * 256 + 256 + 256 * 10 + 10 = 203,530`` parameters.
    """
    keras = import_keras()
    hidden_units = [check_positive_int(units, "hidden_units") for units in hidden_units]
    dropout = _check_fraction(dropout, "dropout", below_one=True)
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not l2 >= 0:
        raise ValueError(f"l2 must be a number of at least 0; received {describe(l2)}.")
    if not isinstance(batch_norm, bool):
        raise TypeError(f"batch_norm must be True or False; received {describe(batch_norm)}.")
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real) or not learning_rate > 0:
        raise ValueError(f"learning_rate must be a number greater than 0; received {describe(learning_rate)}.")

    regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
    layers = [keras.Input(shape=IMAGE_SHAPE)]
    if augmentation:
        # Keras's image layers expect a channel axis: (N, 28, 28) becomes (N, 28, 28, 1).
        layers.append(keras.layers.Reshape((*IMAGE_SHAPE, 1)))
        layers.extend(augmentation)
    layers += [keras.layers.Rescaling(1 / 255), keras.layers.Flatten()]
    for units in hidden_units:
        layers.append(keras.layers.Dense(units, use_bias=not batch_norm, kernel_regularizer=regularizer))
        if batch_norm:
            layers.append(keras.layers.BatchNormalization())
        layers.append(keras.layers.Activation("relu"))
        if dropout > 0:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(NUM_CLASSES, activation="softmax", kernel_regularizer=regularizer))

    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
