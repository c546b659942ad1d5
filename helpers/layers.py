"""NumPy layers with forward and backward passes, and a small Sequential network.

Every layer follows one contract. ``forward(x)`` computes the output and caches what
the backward pass needs. ``backward(d_out)`` takes ``d_out = dL/d_output``, returns
``dX = dL/dx`` with the shape of ``x`` and stores the gradient of every parameter.
Layers with parameters expose them through ``parameters()`` and ``gradients()``,
mappings from a name such as ``"kernel"`` to the live arrays, so that an optimizer can
run ``optimizer.update(model.parameters(), model.gradients())``.

All arrays are float64. Shapes use ``N`` for the batch size, ``D`` for input features,
``M`` for the units of a layer and ``C`` for classes.
"""

from __future__ import annotations

import logging
import math
import numbers
import warnings
from collections.abc import Iterator, Mapping, MutableMapping, Sequence

import numpy as np

from helpers._validation import (
    as_float_array,
    check_choice,
    check_ndim,
    check_positive_int,
    check_same_shape,
    describe,
)
from helpers.activations import get_activation

__all__ = [
    "Activation",
    "Dense",
    "KERNEL_INITIALIZERS",
    "Layer",
    "ParameterView",
    "Sequential",
    "SoftmaxCrossEntropy",
]

logger = logging.getLogger(__name__)

KERNEL_INITIALIZERS = ("glorot_uniform", "he_uniform", "zeros")
"""Names accepted by ``Dense(kernel_initializer=...)``, with Keras's meaning."""


class ParameterView(MutableMapping):
    """Mapping from parameter names to the live parameter arrays of a layer or network.

    Reading an item returns the array that the layer uses, so an in-place update such
    as ``params["dense_0/kernel"] -= 0.1 * grads["dense_0/kernel"]`` trains the layer.
    Assigning an item, ``params[name] = new_value``, copies the values into that array,
    so an optimizer written either way updates the layer. Items cannot be added or removed.
    """

    def __init__(self, arrays: Mapping[str, np.ndarray]):
        self._arrays = dict(arrays)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._arrays[name]

    def __setitem__(self, name: str, value) -> None:
        if name not in self._arrays:
            raise KeyError(f"{name!r} is not a parameter; the parameters are {list(self._arrays)}.")
        target = self._arrays[name]
        value = as_float_array(value, name)
        check_same_shape(value, f"the new value of {name!r}", target, "the parameter")
        np.copyto(target, value)

    def __delitem__(self, name: str) -> None:
        raise TypeError("parameters cannot be removed from a layer or network.")

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name!r}: {array.shape}" for name, array in self._arrays.items())
        return f"ParameterView({{{shapes}}})"


def _check_rng(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
        raise TypeError(
            f"seed must be None, a non-negative integer or a np.random.Generator; received {describe(seed)}."
        )
    return np.random.default_rng(seed)


def _check_name(name) -> str | None:
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be None or a string such as 'hidden'; received {describe(name)}.")
    if name is not None and (not name or "/" in name):
        raise ValueError(
            f"name must be a non-empty string without '/', which separates layer and parameter names; received {name!r}."
        )
    return name


class Layer:
    """Base class of the layers: no parameters, and subclasses define the two passes.

    Attributes
    ----------
    name : str or None
        Prefix of the parameter names inside a :class:`Sequential`. ``None`` lets the
        network name the layer from its ``kind`` and position, as in ``"dense_0"``.
    """

    kind = "layer"
    """Prefix of the default name that :class:`Sequential` gives the layer."""

    def __init__(self, name: str | None = None):
        self.name = _check_name(name)

    def forward(self, x):
        """Compute the output for the batch ``x`` and cache what ``backward`` needs."""
        raise NotImplementedError

    def backward(self, d_out):
        """Return ``dX`` for the upstream gradient ``d_out`` and store parameter gradients."""
        raise NotImplementedError

    def parameters(self) -> ParameterView:
        """Return the live parameter arrays by name; empty for a layer without parameters."""
        return ParameterView({})

    def gradients(self) -> dict[str, np.ndarray]:
        """Return the parameter gradients by name, with the keys of ``parameters()``."""
        return {}

    def _require_cache(self, cache, method: str = "backward"):
        if cache is None:
            raise RuntimeError(f"{type(self).__name__}.{method}() was called before forward(); call forward(x) first.")
        return cache


class Dense(Layer):
    """Fully connected layer ``y = x @ W + b``, as ``keras.layers.Dense`` without activation.

    Parameters
    ----------
    in_features : int
        Number of input features ``D``.
    out_features : int
        Number of units ``M``, Keras's ``units``.
    use_bias : bool, default True
        Add the bias ``b``. Without it the layer computes ``y = x @ W``.
    kernel_initializer : {"glorot_uniform", "he_uniform", "zeros"}, default "glorot_uniform"
        Distribution of the initial kernel, as in Keras:
        ``glorot_uniform`` draws from ``U(-a, a)`` with ``a = sqrt(6 / (D + M))``,
        ``he_uniform`` from ``U(-a, a)`` with ``a = sqrt(6 / D)``. ``zeros`` gives
        every unit the same gradient, so the units never become different.
    seed : None, int or np.random.Generator, default None
        Seed of the initial kernel. Equal seeds give equal kernels. Pass one generator to
        several layers to draw all of them from it.
    name : str, optional
        Prefix of the parameter names in a :class:`Sequential`.

    Attributes
    ----------
    W : ndarray, shape (D, M)
        Kernel. Assigning an array with the right shape replaces it.
    b : ndarray, shape (M,)
        Bias, initialised to zeros as in Keras; all zeros and never updated without bias.
    dW : ndarray, shape (D, M)
        Gradient of the loss with respect to ``W`` from the last ``backward``; zeros before it.
    db : ndarray, shape (M,)
        Gradient of the loss with respect to ``b`` from the last ``backward``; zeros before it.

    Notes
    -----
    ``parameters()`` names the arrays ``"kernel"`` and ``"bias"``, as Keras names the
    variables of its Dense layer, and ``get_weights()`` returns ``[W, b]`` in
    ``keras.layers.Dense.get_weights()`` order.

    Examples
    --------
    >>> layer = Dense(2, 3, seed=0)
    >>> layer.forward(np.ones((4, 2))).shape
    (4, 3)
    """

    kind = "dense"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        seed: int | np.random.Generator | None = None,
        name: str | None = None,
    ):
        super().__init__(name)
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        if not isinstance(use_bias, (bool, np.bool_)):
            raise TypeError(f"use_bias must be True or False; received {describe(use_bias)}.")
        self.use_bias = bool(use_bias)
        check_choice(kernel_initializer, "kernel_initializer", KERNEL_INITIALIZERS)
        self.kernel_initializer = kernel_initializer

        shape = (self.in_features, self.out_features)
        self._W = self._initial_kernel(shape, kernel_initializer, _check_rng(seed))
        self._b = np.zeros(self.out_features)
        self.dW = np.zeros(shape)
        self.db = np.zeros(self.out_features)
        self._x = None

    @staticmethod
    def _initial_kernel(shape: tuple[int, int], initializer: str, rng: np.random.Generator) -> np.ndarray:
        fan_in, fan_out = shape
        if initializer == "zeros":
            return np.zeros(shape)
        if initializer == "glorot_uniform":
            limit = math.sqrt(6.0 / (fan_in + fan_out))
        else:
            limit = math.sqrt(6.0 / fan_in)
        return rng.uniform(-limit, limit, size=shape)

    @property
    def W(self) -> np.ndarray:
        return self._W

    @W.setter
    def W(self, value) -> None:
        self._W = self._checked_weight(value, "W", (self.in_features, self.out_features), "(D, M)")

    @property
    def b(self) -> np.ndarray:
        return self._b

    @b.setter
    def b(self, value) -> None:
        if not self.use_bias:
            raise ValueError("b cannot be set on a Dense layer created with use_bias=False.")
        self._b = self._checked_weight(value, "b", (self.out_features,), "(M,)")

    @staticmethod
    def _checked_weight(value, name: str, shape: tuple[int, ...], letters: str) -> np.ndarray:
        array = as_float_array(value, name)
        if array.shape != shape:
            raise ValueError(f"{name} must have shape {letters} = {shape}; received shape {array.shape}.")
        return array.copy()

    def forward(self, x):
        """Compute ``y = x @ W + b`` and cache ``x``.

        Parameters
        ----------
        x : array_like, shape (N, D)

        Returns
        -------
        ndarray, shape (N, M)
        """
        x = as_float_array(x, "x")
        check_ndim(x, "x", 2, "(N, D)")
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"x must have shape (N, {self.in_features}) for a Dense layer with in_features={self.in_features}; "
                f"received shape {x.shape}. Flatten the input or change in_features."
            )

        self._x = x
        return x @ self._W + self._b

    def backward(self, d_out):
        """Return ``dX = d_out @ W.T`` and store ``dW = x.T @ d_out`` and ``db = sum(d_out, axis=0)``.

        Parameters
        ----------
        d_out : array_like, shape (N, M)
            Gradient of the loss with respect to this layer's output.

        Returns
        -------
        ndarray, shape (N, D)
            Gradient of the loss with respect to the input ``x`` of the last ``forward``.

        Notes
        -----
        ``dW`` and ``db`` are overwritten in place, not accumulated, so each ``backward``
        replaces the previous gradients and earlier references to them see the new values.
        """
        x = self._require_cache(self._x)
        d_out = as_float_array(d_out, "d_out")
        expected = (x.shape[0], self.out_features)
        if d_out.shape != expected:
            raise ValueError(
                f"d_out must have the shape of the last output, (N, M) = {expected}; received shape {d_out.shape}."
            )

        self.dW[...] = x.T @ d_out
        if self.use_bias:
            self.db[...] = d_out.sum(axis=0)
        return d_out @ self._W.T

    def parameters(self) -> ParameterView:
        """Return ``{"kernel": W, "bias": b}`` with the live arrays; no bias without ``use_bias``."""
        arrays = {"kernel": self._W}
        if self.use_bias:
            arrays["bias"] = self._b
        return ParameterView(arrays)

    def gradients(self) -> dict[str, np.ndarray]:
        """Return ``{"kernel": dW, "bias": db}``, the live gradient arrays."""
        arrays = {"kernel": self.dW}
        if self.use_bias:
            arrays["bias"] = self.db
        return arrays

    def get_weights(self) -> list[np.ndarray]:
        """Return copies of ``[W, b]``, or ``[W]`` without bias, in Keras's order."""
        return [array.copy() for array in self.parameters().values()]

    def set_weights(self, weights: Sequence) -> None:
        """Set ``[W, b]``, or ``[W]`` without bias, for example from ``keras_layer.get_weights()``."""
        expected = 2 if self.use_bias else 1
        if not isinstance(weights, Sequence) or isinstance(weights, str) or len(weights) != expected:
            raise ValueError(
                f"weights must be a list of {expected} arrays, {'[W, b]' if self.use_bias else '[W]'}; "
                f"received {describe(weights)}."
            )
        self.W = weights[0]
        if self.use_bias:
            self.b = weights[1]

    def __repr__(self) -> str:
        return f"Dense(in_features={self.in_features}, out_features={self.out_features}, name={self.name!r})"


class Activation(Layer):
    """Layer that applies an activation from :data:`helpers.activations.ACTIVATIONS`.

    Parameters
    ----------
    activation : str
        A registry name or a Keras name, such as ``"relu"`` or ``"silu"``.
    name : str, optional
        Prefix of the layer in a :class:`Sequential`.
    **options
        Options of the function, such as ``negative_slope=0.1`` for ``"leaky_relu"``.

    Notes
    -----
    ``forward`` takes any shape, usually (N, M), and returns that shape. Softmax is taken
    over the last axis unless ``axis`` is given in ``options``.

    Examples
    --------
    >>> layer = Activation("relu")
    >>> layer.forward([[-1.0, 2.0]])
    array([[0., 2.]])
    >>> layer.backward([[5.0, 5.0]])
    array([[0., 5.]])
    """

    kind = "activation"

    def __init__(self, activation: str, *, name: str | None = None, **options):
        super().__init__(name)
        self.spec = get_activation(activation)
        self.options = dict(options)
        # Calling the function once rejects unknown or invalid options now, not in the first forward.
        self.spec.function(np.zeros((1, 1)), **self.options)
        self._x = None

    def forward(self, x):
        """Apply the activation and cache ``x``.

        Parameters
        ----------
        x : array_like, shape (N, M)

        Returns
        -------
        ndarray, shape (N, M)
        """
        x = as_float_array(x, "x")
        self._x = x
        return np.asarray(self.spec.function(x, **self.options))

    def backward(self, d_out):
        """Return ``dX = d_out * f'(x)``, or the softmax Jacobian product, for the cached ``x``.

        Parameters
        ----------
        d_out : array_like, shape (N, M)

        Returns
        -------
        ndarray, shape (N, M)
        """
        x = self._require_cache(self._x)
        return np.asarray(self.spec.backward(x, d_out, **self.options))

    def __repr__(self) -> str:
        options = "".join(f", {key}={value!r}" for key, value in self.options.items())
        return f"Activation({self.spec.name!r}{options}, name={self.name!r})"


class SoftmaxCrossEntropy:
    """Softmax followed by the mean categorical cross-entropy, with their combined gradient.

    ``L = -(1 / N) * sum_n sum_c y[n, c] * log(softmax(z)[n, c])`` for logits ``z`` of
    shape (N, C). This is ``keras.losses.CategoricalCrossentropy(from_logits=True)`` for
    one-hot labels and ``SparseCategoricalCrossentropy(from_logits=True)`` for integer labels.

    Notes
    -----
    The log-probabilities are computed as ``z - max(z) - log(sum(exp(z - max(z))))``
    (log-sum-exp), so no probability is clipped and no ``log(0)`` occurs. The gradient
    of the combined softmax and cross-entropy with respect to the logits is
    ``(probs - y) / N``, which is simpler and more stable than chaining the softmax
    Jacobian with ``-y / probs``.

    Examples
    --------
    >>> loss = SoftmaxCrossEntropy()
    >>> round(loss.forward([[0.0, np.log(3.0)]], [1]), 6)  # probs [0.25, 0.75]
    0.287682
    >>> loss.backward()
    array([[ 0.25, -0.25]])
    """

    def __init__(self):
        self.probs = None
        self._y = None

    @staticmethod
    def _target_rows(y_true, num_classes: int, num_samples: int) -> np.ndarray:
        """Return ``y_true``, integer labels (N,) or probability rows (N, C), as float64 rows (N, C)."""
        y = as_float_array(y_true, "y_true")
        if y.ndim == 1:
            if y.shape[0] != num_samples:
                raise ValueError(f"y_true must have {num_samples} labels, one per row of logits; received shape {y.shape}.")
            if np.any(y != np.round(y)) or np.any(y < 0) or np.any(y >= num_classes):
                raise ValueError(
                    f"integer labels in y_true must be whole numbers from 0 to {num_classes - 1}; "
                    f"received values from {y.min()} to {y.max()}."
                )
            one_hot = np.zeros((num_samples, num_classes))
            one_hot[np.arange(num_samples), y.astype(np.intp)] = 1.0
            return one_hot

        check_ndim(y, "y_true", (1, 2), "(N,) or (N, C)")
        if y.shape != (num_samples, num_classes):
            raise ValueError(
                f"y_true must have shape (N,) or (N, C) = {(num_samples, num_classes)} like the logits; "
                f"received shape {y.shape}."
            )
        if np.any(y < 0) or not np.allclose(y.sum(axis=1), 1.0, atol=1e-6):
            raise ValueError(
                "each row of y_true must be a probability distribution: non-negative entries that sum to 1. "
                "Pass one-hot rows, or integer labels of shape (N,)."
            )
        return y

    def forward(self, logits, y_true) -> float:
        """Return the mean cross-entropy and cache the probabilities and targets.

        Parameters
        ----------
        logits : array_like, shape (N, C)
            Unnormalised scores, the output of the last Dense layer.
        y_true : array_like, shape (N,) or (N, C)
            Integer labels in ``[0, C)``, or one-hot (or other probability) rows.

        Returns
        -------
        float
            The loss ``L``, averaged over the batch.
        """
        logits = as_float_array(logits, "logits")
        check_ndim(logits, "logits", 2, "(N, C)")
        num_samples, num_classes = logits.shape
        if num_samples == 0:
            raise ValueError(f"logits must contain at least one row; received shape {logits.shape}.")
        y = self._target_rows(y_true, num_classes, num_samples)

        shifted = logits - logits.max(axis=1, keepdims=True)
        with np.errstate(under="ignore"):
            exponentials = np.exp(shifted)
        sums = exponentials.sum(axis=1, keepdims=True)
        log_probs = shifted - np.log(sums)

        self.probs = exponentials / sums
        self._y = y
        # Where y is 0, 0 * log_prob must stay 0 even if log_prob is -inf after underflow.
        return float(-np.sum(np.where(y > 0, y * log_probs, 0.0)) / num_samples)

    def backward(self, d_out: float = 1.0) -> np.ndarray:
        """Return ``dL/dlogits = d_out * (probs - y) / N`` for the last ``forward``.

        Parameters
        ----------
        d_out : float, default 1.0
            Gradient of the final objective with respect to ``L``; 1 when ``L`` is the objective.

        Returns
        -------
        ndarray, shape (N, C)
        """
        probs = self._require_probs()
        if isinstance(d_out, bool) or not isinstance(d_out, numbers.Real):
            raise TypeError(f"d_out must be a number, the gradient of the scalar loss; received {describe(d_out)}.")
        return float(d_out) * (probs - self._y) / probs.shape[0]

    def _require_probs(self) -> np.ndarray:
        if self.probs is None:
            raise RuntimeError("SoftmaxCrossEntropy.backward() was called before forward(); call forward(logits, y_true) first.")
        return self.probs

    def __repr__(self) -> str:
        return "SoftmaxCrossEntropy()"


class Sequential:
    """Stack of layers trained with a softmax cross-entropy loss, like ``keras.Sequential``.

    Parameters
    ----------
    layers : sequence of layers
        Objects with ``forward(x)`` and ``backward(d_out)``, applied in order; for
        example ``[Dense(784, 128), Activation("relu"), Dense(128, 10)]``. The last
        layer outputs logits of shape (N, C). A layer object may appear only once.
    loss : object, optional
        Output layer with ``forward(logits, y_true) -> float`` and ``backward() -> dlogits``.
        Defaults to :class:`SoftmaxCrossEntropy`.

    Notes
    -----
    Layers without a ``name`` are named from their ``kind`` and a counter, ``dense_0``,
    ``activation_0``, ``dense_1`` and so on, and each parameter is named
    ``"<layer name>/<parameter name>"``, for example ``"dense_0/kernel"``.

    Examples
    --------
    >>> model = Sequential([Dense(4, 8, seed=0), Activation("relu"), Dense(8, 3, seed=1)])
    >>> sorted(model.parameters())
    ['dense_0/bias', 'dense_0/kernel', 'dense_1/bias', 'dense_1/kernel']
    >>> model.count_params()  # (4 * 8 + 8) + (8 * 3 + 3)
    67
    """

    def __init__(self, layers: Sequence, loss=None):
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or len(layers) == 0:
            raise ValueError(f"layers must be a non-empty list of layers; received {describe(layers)}.")
        for position, layer in enumerate(layers):
            for method in ("forward", "backward"):
                if not callable(getattr(layer, method, None)):
                    raise TypeError(
                        f"layers[{position}] must have a {method}() method; received {describe(layer)}."
                    )
        if len({id(layer) for layer in layers}) != len(layers):
            raise ValueError(
                "each layer object may appear only once in layers, because it caches its own input; "
                "create a new layer for each position."
            )
        self.layers = tuple(layers)
        self.layer_names = self._name_layers(self.layers)
        self._check_feature_sizes()

        self.loss = SoftmaxCrossEntropy() if loss is None else loss
        for method in ("forward", "backward"):
            if not callable(getattr(self.loss, method, None)):
                raise TypeError(f"loss must have a {method}() method; received {describe(self.loss)}.")
        last = self.layers[-1]
        if isinstance(self.loss, SoftmaxCrossEntropy) and isinstance(last, Activation) and last.spec.name == "softmax":
            warnings.warn(
                "the last layer is a softmax Activation, but SoftmaxCrossEntropy applies softmax to its "
                "input itself, so softmax would run twice. Remove the softmax layer so the model outputs logits.",
                stacklevel=2,
            )

    @staticmethod
    def _name_layers(layers: Sequence) -> tuple[str, ...]:
        names = [getattr(layer, "name", None) for layer in layers]
        explicit_names = [name for name in names if name is not None]
        duplicates = sorted({name for name in explicit_names if explicit_names.count(name) > 1})
        if duplicates:
            raise ValueError(f"layer names must be unique; received duplicates {duplicates}.")

        used = set(explicit_names)
        counters: dict[str, int] = {}
        for position, layer in enumerate(layers):
            if names[position] is not None:
                continue
            kind = getattr(layer, "kind", type(layer).__name__.lower())
            number = counters.get(kind, 0)
            while f"{kind}_{number}" in used:
                number += 1
            names[position] = f"{kind}_{number}"
            used.add(names[position])
            counters[kind] = number + 1
        return tuple(names)

    def _check_feature_sizes(self) -> None:
        """Raise ``ValueError`` where a Dense layer's input size differs from the previous Dense layer's output."""
        features, source = None, None
        for name, layer in zip(self.layer_names, self.layers):
            if isinstance(layer, Dense):
                if features is not None and layer.in_features != features:
                    raise ValueError(
                        f"layer {name!r} has in_features={layer.in_features}, but the previous Dense layer "
                        f"{source!r} outputs {features} features; make them equal."
                    )
                features, source = layer.out_features, name
            elif not isinstance(layer, Activation):
                # A layer of another kind may change the number of features.
                features, source = None, None

    # -- forward and backward ------------------------------------------------

    def forward(self, x):
        """Run every layer in order and return the logits.

        Parameters
        ----------
        x : array_like, shape (N, D)

        Returns
        -------
        ndarray, shape (N, C)
        """
        output = as_float_array(x, "x")
        for layer in self.layers:
            output = layer.forward(output)
        return output

    def backward(self, d_out):
        """Run every layer's backward in reverse order and return ``dX``.

        Parameters
        ----------
        d_out : array_like, shape (N, C)
            Gradient of the loss with respect to the logits of the last ``forward``.

        Returns
        -------
        ndarray, shape (N, D)
        """
        gradient = as_float_array(d_out, "d_out")
        for layer in reversed(self.layers):
            gradient = layer.backward(gradient)
        return gradient

    def parameters(self) -> ParameterView:
        """Return every layer's live parameter arrays, named ``"<layer>/<parameter>"``."""
        arrays = {}
        for layer_name, layer in zip(self.layer_names, self.layers):
            if callable(getattr(layer, "parameters", None)):
                for name, array in layer.parameters().items():
                    arrays[f"{layer_name}/{name}"] = array
        return ParameterView(arrays)

    def gradients(self) -> dict[str, np.ndarray]:
        """Return every layer's gradient arrays from the last ``backward``, with the keys of ``parameters()``."""
        arrays = {}
        for layer_name, layer in zip(self.layer_names, self.layers):
            if callable(getattr(layer, "gradients", None)):
                for name, array in layer.gradients().items():
                    arrays[f"{layer_name}/{name}"] = array
        return arrays

    def count_params(self) -> int:
        """Return the number of trainable parameters, as ``keras.Model.count_params()`` does."""
        return sum(array.size for array in self.parameters().values())

    # -- loss and training ------------------------------------------------

    def compute_loss(self, x, y_true) -> float:
        """Return the loss of the batch without changing any gradient.

        Parameters
        ----------
        x : array_like, shape (N, D)
        y_true : array_like, shape (N,) of integer labels or (N, C) of one-hot rows
        """
        return self.loss.forward(self.forward(x), y_true)

    def compute_gradients(self, x, y_true) -> float:
        """Run forward, loss and backward on one batch, store the gradients and return the loss.

        Parameters
        ----------
        x : array_like, shape (N, D)
        y_true : array_like, shape (N,) of integer labels or (N, C) of one-hot rows

        Returns
        -------
        float
            The mean loss of the batch before any update.
        """
        loss, _ = self._forward_backward(x, y_true)
        return loss

    def _forward_backward(self, x, y_true) -> tuple[float, np.ndarray]:
        logits = self.forward(x)
        loss = self.loss.forward(logits, y_true)
        self.backward(self.loss.backward())
        return loss, logits

    def _update(self, learning_rate: float | None, optimizer) -> None:
        if optimizer is not None:
            optimizer.update(self.parameters(), self.gradients())
            return
        gradients = self.gradients()
        for name, array in self.parameters().items():
            array -= learning_rate * gradients[name]

    @staticmethod
    def _check_training_options(learning_rate, optimizer) -> float | None:
        if optimizer is not None:
            if not callable(getattr(optimizer, "update", None)):
                raise TypeError(
                    f"optimizer must have an update(params, grads) method; received {describe(optimizer)}."
                )
            if learning_rate is not None:
                raise ValueError(
                    "learning_rate must be None when an optimizer is given; set the learning rate on the optimizer."
                )
            return None
        if learning_rate is None:
            return 0.01
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
            raise TypeError(f"learning_rate must be a number such as 0.01; received {describe(learning_rate)}.")
        if not math.isfinite(learning_rate) or learning_rate <= 0:
            raise ValueError(f"learning_rate must be a finite number greater than 0; received {learning_rate!r}.")
        return float(learning_rate)

    def train_step(self, x, y_true, learning_rate: float | None = None, optimizer=None) -> float:
        """Compute the gradients of one batch and update every parameter once.

        Without an optimizer the update is plain stochastic gradient descent,
        ``param -= learning_rate * grad``. With one, ``optimizer.update(params, grads)``
        receives ``self.parameters()`` and ``self.gradients()`` and must change the
        parameter arrays in place or by item assignment.

        Parameters
        ----------
        x : array_like, shape (N, D)
        y_true : array_like, shape (N,) of integer labels or (N, C) of one-hot rows
        learning_rate : float, optional
            Step size of plain SGD; 0.01 if omitted, the default of ``keras.optimizers.SGD``.
            Must be omitted when ``optimizer`` is given.
        optimizer : object, optional
            Has ``update(params, grads)``.

        Returns
        -------
        float
            The mean loss of the batch before the update.
        """
        learning_rate = self._check_training_options(learning_rate, optimizer)
        loss = self.compute_gradients(x, y_true)
        self._update(learning_rate, optimizer)
        return loss

    def predict(self, x, batch_size: int | None = None) -> np.ndarray:
        """Return the class probabilities ``softmax(logits)`` for the inputs.

        Parameters
        ----------
        x : array_like, shape (N, D)
        batch_size : int, optional
            Number of rows per forward pass; all rows at once if omitted.

        Returns
        -------
        ndarray, shape (N, C)
            Rows that sum to 1. Unlike ``keras.Model.predict`` on a model that outputs
            logits, this applies the softmax that the loss layer would apply.
        """
        logits = self._logits_in_batches(x, batch_size)
        shifted = logits - logits.max(axis=1, keepdims=True)
        with np.errstate(under="ignore"):
            exponentials = np.exp(shifted)
        return exponentials / exponentials.sum(axis=1, keepdims=True)

    def _logits_in_batches(self, x, batch_size: int | None) -> np.ndarray:
        x = as_float_array(x, "x")
        check_ndim(x, "x", 2, "(N, D)")
        if batch_size is None:
            return self.forward(x)
        batch_size = check_positive_int(batch_size, "batch_size")
        return np.concatenate([self.forward(x[start : start + batch_size]) for start in range(0, len(x), batch_size)])

    def evaluate(self, x, y_true, batch_size: int | None = None) -> dict[str, float]:
        """Return the mean loss and the accuracy on a data set.

        Parameters
        ----------
        x : array_like, shape (N, D)
        y_true : array_like, shape (N,) of integer labels or (N, C) of one-hot rows
        batch_size : int, optional
            Number of rows per forward pass; all rows at once if omitted.

        Returns
        -------
        dict
            ``{"loss": L, "accuracy": fraction of rows whose largest logit is the true class}``.
        """
        logits = self._logits_in_batches(x, batch_size)
        labels = _labels_of(y_true, len(logits))
        return {
            "loss": self.loss.forward(logits, y_true),
            "accuracy": float(np.mean(logits.argmax(axis=1) == labels)),
        }

    def fit(
        self,
        x,
        y_true,
        *,
        epochs: int = 1,
        batch_size: int = 32,
        learning_rate: float | None = None,
        optimizer=None,
        shuffle: bool = True,
        seed: int | np.random.Generator | None = None,
        validation_data: tuple | None = None,
    ) -> dict[str, list[float]]:
        """Train on mini-batches for a number of epochs and return the history per epoch.

        Each epoch visits every row once, in a new random order if ``shuffle``, in
        batches of ``batch_size`` rows; the last batch may be smaller. Every batch is
        one :meth:`train_step`.

        Parameters
        ----------
        x : array_like, shape (N, D)
        y_true : array_like, shape (N,) of integer labels or (N, C) of one-hot rows
        epochs : int, default 1
        batch_size : int, default 32
            The default of ``keras.Model.fit``.
        learning_rate : float, optional
            Step size of plain SGD, 0.01 if omitted; must be omitted with ``optimizer``.
        optimizer : object, optional
            Has ``update(params, grads)``; see :meth:`train_step`.
        shuffle : bool, default True
        seed : None, int or np.random.Generator
            Seed of the shuffling.
        validation_data : tuple (x_val, y_val), optional
            Data evaluated after each epoch.

        Returns
        -------
        dict of str to list of float
            Keys ``"loss"`` and ``"accuracy"`` (means over the epoch's batches, weighted by
            batch size, with the parameters of the moment each batch was seen, as Keras
            reports them), plus ``"val_loss"`` and ``"val_accuracy"`` with
            ``validation_data``. Like ``History.history`` in Keras.

        Notes
        -----
        Training stops with a ``RuntimeWarning`` if a batch loss is not finite, because
        the parameters cannot recover from NaN. The usual cause is a learning rate that
        is too high.
        """
        learning_rate = self._check_training_options(learning_rate, optimizer)
        epochs = check_positive_int(epochs, "epochs")
        batch_size = check_positive_int(batch_size, "batch_size")
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"shuffle must be True or False; received {describe(shuffle)}.")
        rng = _check_rng(seed)

        x = as_float_array(x, "x")
        check_ndim(x, "x", 2, "(N, D)")
        y = np.asarray(y_true)
        labels = _labels_of(y, len(x))
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError(
                    f"validation_data must be a tuple (x_val, y_val); received {describe(validation_data)}."
                )

        history: dict[str, list[float]] = {"loss": [], "accuracy": []}
        if validation_data is not None:
            history.update(val_loss=[], val_accuracy=[])

        for epoch in range(1, epochs + 1):
            order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
            loss_sum, correct = 0.0, 0
            for batch_number, start in enumerate(range(0, len(x), batch_size), start=1):
                batch = order[start : start + batch_size]
                loss, logits = self._forward_backward(x[batch], y[batch])
                if not math.isfinite(loss):
                    warnings.warn(
                        f"training stopped: the loss is {loss} at epoch {epoch}, batch {batch_number}. "
                        "Lower learning_rate and train again from newly initialised layers.",
                        RuntimeWarning,
                        stacklevel=2,
                    )
                    return history
                self._update(learning_rate, optimizer)
                loss_sum += loss * len(batch)
                correct += int(np.sum(logits.argmax(axis=1) == labels[batch]))

            history["loss"].append(loss_sum / len(x))
            history["accuracy"].append(correct / len(x))
            message = f"epoch {epoch}/{epochs}: loss {history['loss'][-1]:.4f}, accuracy {history['accuracy'][-1]:.4f}"
            if validation_data is not None:
                scores = self.evaluate(*validation_data)
                history["val_loss"].append(scores["loss"])
                history["val_accuracy"].append(scores["accuracy"])
                message += f", val_loss {scores['loss']:.4f}, val_accuracy {scores['accuracy']:.4f}"
            logger.info(message)
        return history

    def __repr__(self) -> str:
        lines = [f"  {name}: {layer!r}" for name, layer in zip(self.layer_names, self.layers)]
        return "Sequential([\n" + ",\n".join(lines) + f"\n], loss={self.loss!r})"


def _labels_of(y_true, num_samples: int) -> np.ndarray:
    """Return the class index of each row of ``y_true``, shape (N,)."""
    y = as_float_array(y_true, "y_true")
    check_ndim(y, "y_true", (1, 2), "(N,) or (N, C)")
    if y.shape[0] != num_samples:
        raise ValueError(
            f"y_true must have one row per row of x, {num_samples}; received shape {y.shape}."
        )
    return y.argmax(axis=1) if y.ndim == 2 else y
