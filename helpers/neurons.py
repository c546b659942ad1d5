"""Reference implementations for the neurons-and-layers notebook.

Shapes: ``N`` examples in a batch, ``D`` inputs, ``M`` units of a layer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from helpers._validation import as_float_array, check_ndim, check_positive_int, describe


def weighted_sum(x, w, b) -> float:
    """Compute one neuron's pre-activation ``z = sum_i w_i x_i + b``.

    Parameters
    ----------
    x : array of shape (D,)
        The inputs.
    w : array of shape (D,)
        One weight per input.
    b : float
        The bias.

    Returns
    -------
    float

    Examples
    --------
    >>> weighted_sum([1.0, 2.0], [0.5, -1.0], 0.25)
    -1.25
    """
    x = as_float_array(x, "x")
    w = as_float_array(w, "w")
    b = as_float_array(b, "b")
    check_ndim(x, "x", 1, "(D,)")
    check_ndim(w, "w", 1, "(D,)")
    if b.ndim != 0:
        raise ValueError(f"b must be a single number; received {describe(b)}.")
    if x.shape != w.shape:
        raise ValueError(f"x and w need one weight per input; received x of shape {x.shape} and w of shape {w.shape}.")
    return float(x @ w + b)


def sigmoid(z):
    """Return ``1 / (1 + exp(-z))`` elementwise, without overflow for large ``|z|``."""
    z = as_float_array(z, "z")
    # exp of a negative number never overflows, so each branch uses the sign that keeps it negative.
    positive = z >= 0
    exp_neg_abs = np.exp(-np.abs(z))
    result = np.where(positive, 1.0 / (1.0 + exp_neg_abs), exp_neg_abs / (1.0 + exp_neg_abs))
    return result if result.ndim else float(result)


def neuron_output(x, w, b, activation=sigmoid) -> float:
    """Return one neuron's output ``f(sum_i w_i x_i + b)`` for an activation ``f``."""
    return float(activation(weighted_sum(x, w, b)))


def dense_forward(X, W, b) -> np.ndarray:
    """Compute a dense layer's pre-activations for a batch: ``Z = X @ W + b``.

    Parameters
    ----------
    X : array of shape (N, D)
        One example per row.
    W : array of shape (D, M)
        The kernel, one column per unit (the layout of ``keras.layers.Dense``).
    b : array of shape (M,)
        One bias per unit, broadcast over the batch.

    Returns
    -------
    array of shape (N, M)
    """
    X = as_float_array(X, "X")
    W = as_float_array(W, "W")
    b = as_float_array(b, "b")
    check_ndim(X, "X", 2, "(N, D)")
    check_ndim(W, "W", 2, "(D, M)")
    check_ndim(b, "b", 1, "(M,)")
    if X.shape[1] != W.shape[0]:
        raise ValueError(
            f"X has {X.shape[1]} features per example but W expects {W.shape[0]} (W must have shape (D, M) "
            f"with D = X.shape[1]); received X of shape {X.shape} and W of shape {W.shape}."
        )
    if b.shape[0] != W.shape[1]:
        raise ValueError(
            f"b must have one bias per unit, shape ({W.shape[1]},); received b of shape {b.shape}."
        )
    return X @ W + b


def dense_param_count(n_inputs: int, units: int, use_bias: bool = True) -> int:
    """Count the trainable parameters of a dense layer: ``n_inputs * units + units``.

    Each of the ``units`` neurons has one weight per input and, with ``use_bias``, one bias.
    """
    n_inputs = check_positive_int(n_inputs, "n_inputs")
    units = check_positive_int(units, "units")
    return n_inputs * units + (units if use_bias else 0)


def network_param_count(layer_sizes: Sequence[int]) -> int:
    """Count the parameters of a stack of dense layers with biases.

    Parameters
    ----------
    layer_sizes : sequence of int
        The input size followed by each layer's units, for example ``[784, 128, 64, 10]``.

    Returns
    -------
    int
        The value that Keras's ``model.count_params()`` reports for the same network.
    """
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(
            "layer_sizes must list the input size and at least one layer's units, for example [784, 10]; "
            f"received {sizes!r}."
        )
    for index, size in enumerate(sizes):
        check_positive_int(size, f"layer_sizes[{index}]")
    return sum(dense_param_count(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
