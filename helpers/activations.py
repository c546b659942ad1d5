"""Activation functions, their derivatives and a registry of all of them.

Every function accepts a number or an array of any shape and returns float64 values of
the same shape (a NumPy scalar for a scalar input). The elementwise derivatives return
``f'(x)``, so a backward pass computes ``dX = d_out * f'(x)``. Softmax mixes the entries
along an axis, so :func:`softmax_derivative` takes the upstream gradient and returns
``dX`` directly.

The names, defaults and argument names follow ``keras.activations`` in Keras 3:
``leaky_relu(x, negative_slope=0.2)``, ``gelu(x, approximate=False)`` and
``softmax(x, axis=-1)``. Keras calls swish ``silu``, and its ``swish`` is an alias.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from scipy.special import erfc

from helpers._validation import as_float_array, check_same_shape, describe

__all__ = [
    "ACTIVATIONS",
    "ActivationSpec",
    "gelu",
    "gelu_derivative",
    "get_activation",
    "leaky_relu",
    "leaky_relu_derivative",
    "linear",
    "linear_derivative",
    "relu",
    "relu_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "softmax_derivative",
    "softmax_jacobian",
    "swish",
    "swish_derivative",
    "tanh",
    "tanh_derivative",
]

_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715
"""Coefficient of ``x**3`` in the tanh approximation of GELU (Hendrycks and Gimpel, 2016)."""
_GELU_TANH_CLIP = 20.0
"""Input bound for the tanh approximation's inner polynomial.

``tanh(u)`` rounds to exactly +-1 in float64 once ``|u| > 19.1``, which holds for
``|x| > 7.4``. Clipping ``x`` at 20 inside ``u`` therefore changes no output, and it keeps
``x**3`` from overflowing for ``|x| > 5e102``.
"""


def _as_result(values: np.ndarray):
    """Return a NumPy scalar for a 0-d array and the array itself otherwise."""
    return values[()]


def _check_negative_slope(negative_slope) -> float:
    if isinstance(negative_slope, bool) or not isinstance(negative_slope, numbers.Real):
        raise TypeError(f"negative_slope must be a number such as 0.2; received {describe(negative_slope)}.")
    if not math.isfinite(negative_slope) or negative_slope < 0:
        raise ValueError(
            f"negative_slope must be a finite number >= 0; received {negative_slope!r}. "
            "Keras's default is 0.2."
        )
    if negative_slope > 1:
        warnings.warn(
            f"negative_slope={negative_slope!r} is greater than 1, so negative inputs are scaled up "
            "more than positive ones; usual values lie between 0.01 and 0.3.",
            stacklevel=3,
        )
    return float(negative_slope)


def _check_approximate(approximate) -> bool:
    if not isinstance(approximate, (bool, np.bool_)):
        raise TypeError(
            f"approximate must be True or False; received {describe(approximate)}. "
            "PyTorch's approximate='tanh' is approximate=True here and in Keras."
        )
    return bool(approximate)


def _check_axis(axis, ndim: int) -> int:
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an integer such as -1; received {describe(axis)}.")
    if ndim == 0:
        raise ValueError("x must have at least 1 dimension for softmax; received a scalar. Pass an array such as [x].")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis must be between {-ndim} and {ndim - 1} for an input with {ndim} dimensions; received {axis}.")
    return int(axis)


# ---------------------------------------------------------------------------
# Sigmoid and tanh


def sigmoid(x):
    """Apply the logistic sigmoid ``1 / (1 + exp(-x))`` elementwise.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray, float64, shape of ``x``
        Values in ``[0, 1]``. Float64 rounds the output to exactly 1.0 for ``x >= 37``
        and to 0.0 for ``x < -745``.

    Notes
    -----
    The argument of ``exp`` is ``-|x| <= 0``, so ``exp`` cannot overflow. For ``x >= 0``
    the value is ``1 / (1 + exp(-x))`` and for ``x < 0`` the equal ``exp(x) / (1 + exp(x))``.

    Examples
    --------
    >>> sigmoid([-np.log(3.0), 0.0, np.log(3.0)])
    array([0.25, 0.5 , 0.75])
    """
    x = as_float_array(x, "x")
    with np.errstate(under="ignore"):
        exp_minus_abs = np.exp(-np.abs(x))
    return _as_result(np.where(x >= 0, 1.0 / (1.0 + exp_minus_abs), exp_minus_abs / (1.0 + exp_minus_abs)))


def sigmoid_derivative(x):
    """Return ``sigmoid'(x) = sigmoid(x) * (1 - sigmoid(x))`` elementwise.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray, float64, shape of ``x``
        Values in ``[0, 0.25]``, with the maximum 0.25 at ``x = 0``.

    Examples
    --------
    >>> sigmoid_derivative([0.0, np.log(3.0)])
    array([0.25  , 0.1875])
    """
    s = sigmoid(x)
    with np.errstate(under="ignore"):
        return _as_result(np.asarray(s * (1.0 - s)))


def tanh(x):
    """Apply the hyperbolic tangent ``(exp(x) - exp(-x)) / (exp(x) + exp(-x))`` elementwise.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray, float64, shape of ``x``
        Values in ``[-1, 1]``.

    Notes
    -----
    ``np.tanh`` is stable for any finite input, so the formula above is not evaluated.

    Examples
    --------
    >>> tanh([0.0, np.log(2.0)])
    array([0. , 0.6])
    """
    return _as_result(np.tanh(as_float_array(x, "x")))


def tanh_derivative(x):
    """Return ``tanh'(x) = 1 - tanh(x)**2`` elementwise.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray, float64, shape of ``x``
        Values in ``[0, 1]``, with the maximum 1 at ``x = 0``.

    Examples
    --------
    >>> tanh_derivative([0.0, np.log(2.0)])
    array([1.  , 0.64])
    """
    t = np.tanh(as_float_array(x, "x"))
    return _as_result(1.0 - t**2)


# ---------------------------------------------------------------------------
# ReLU family


def relu(x):
    """Apply the rectified linear unit ``max(x, 0)`` elementwise.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray, float64, shape of ``x``
        Values in ``[0, inf)``.

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    return _as_result(np.maximum(as_float_array(x, "x"), 0.0))


def relu_derivative(x):
    """Return ``relu'(x)``: 1 where ``x > 0`` and 0 elsewhere.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray, float64, shape of ``x``

    Notes
    -----
    ReLU has no derivative at 0. This returns 0 there, as TensorFlow's gradient of
    ``tf.nn.relu`` does.

    Examples
    --------
    >>> relu_derivative([-2.0, 0.0, 3.0])
    array([0., 0., 1.])
    """
    return _as_result((as_float_array(x, "x") > 0).astype(np.float64))


def leaky_relu(x, negative_slope: float = 0.2):
    """Apply the leaky ReLU: ``x`` where ``x > 0`` and ``negative_slope * x`` elsewhere.

    Parameters
    ----------
    x : array_like of any shape
    negative_slope : float, default 0.2
        Slope for negative inputs, at least 0. The default is that of
        ``keras.activations.leaky_relu``. The layer ``keras.layers.LeakyReLU``
        defaults to 0.3 instead.

    Returns
    -------
    ndarray, float64, shape of ``x``
        Values in ``(-inf, inf)`` for ``negative_slope > 0``.

    Examples
    --------
    >>> leaky_relu([-2.0, 0.0, 3.0])
    array([-0.4,  0. ,  3. ])
    """
    slope = _check_negative_slope(negative_slope)
    x = as_float_array(x, "x")
    return _as_result(np.where(x > 0, x, slope * x))


def leaky_relu_derivative(x, negative_slope: float = 0.2):
    """Return the leaky ReLU's derivative: 1 where ``x > 0`` and ``negative_slope`` elsewhere.

    Parameters
    ----------
    x : array_like of any shape
    negative_slope : float, default 0.2

    Returns
    -------
    ndarray, float64, shape of ``x``

    Notes
    -----
    At ``x = 0`` this returns ``negative_slope``, as TensorFlow's gradient of
    ``tf.nn.leaky_relu`` does.

    Examples
    --------
    >>> leaky_relu_derivative([-2.0, 0.0, 3.0])
    array([0.2, 0.2, 1. ])
    """
    slope = _check_negative_slope(negative_slope)
    x = as_float_array(x, "x")
    return _as_result(np.where(x > 0, 1.0, slope))


# ---------------------------------------------------------------------------
# Smooth ReLU-like functions


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Return ``Phi(x) = (1 + erf(x / sqrt(2))) / 2``, computed as ``erfc(-x / sqrt(2)) / 2``.

    The erfc form keeps full relative precision for negative ``x``, where ``1 + erf``
    rounds to exactly 0 below ``x = -8.37`` although ``Phi(-10)`` is still 7.6e-24.
    """
    return 0.5 * erfc(-x / _SQRT_2)


def swish(x):
    """Apply swish, also called SiLU: ``x * sigmoid(x)``, elementwise.

    Keras 3 names it ``keras.activations.silu``, with ``swish`` as an alias.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray, float64, shape of ``x``
        Values in ``[-0.2784645, inf)``; the minimum is at ``x ≈ -1.2784645``.

    Examples
    --------
    >>> swish([0.0, np.log(3.0)]).round(6)
    array([0.      , 0.823959])
    """
    x = as_float_array(x, "x")
    with np.errstate(under="ignore"):
        return _as_result(np.asarray(x * sigmoid(x)))


def swish_derivative(x):
    """Return ``swish'(x) = s + x * s * (1 - s)`` with ``s = sigmoid(x)``, elementwise.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray, float64, shape of ``x``
        Values in about ``[-0.09984, 1.09984]``.

    Examples
    --------
    >>> swish_derivative([0.0, np.log(3.0)]).round(6)
    array([0.5    , 0.95599])
    """
    x = as_float_array(x, "x")
    s = sigmoid(x)
    with np.errstate(under="ignore"):
        return _as_result(np.asarray(s * (1.0 + x * (1.0 - s))))


def gelu(x, approximate: bool = False):
    """Apply the Gaussian error linear unit ``x * Phi(x)`` elementwise.

    ``Phi(x) = (1 + erf(x / sqrt(2))) / 2`` is the standard normal distribution
    function. With ``approximate=True`` the tanh approximation
    ``Phi(x) ≈ (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))) / 2`` is used instead.

    Parameters
    ----------
    x : array_like of any shape
    approximate : bool, default False
        Use the tanh approximation, as ``keras.activations.gelu(x, approximate=True)``
        does. The default, the exact erf form, matches Keras's default.

    Returns
    -------
    ndarray, float64, shape of ``x``
        Values in ``[-0.1699712, inf)`` for the exact form, whose minimum is at
        ``x ≈ -0.7517915``. The tanh approximation reaches -0.1700408 at ``x ≈ -0.7524614``.

    Notes
    -----
    The two forms differ by less than 5e-4 for every ``x``; the largest difference,
    4.7e-4, is near ``x = -2.7``.

    Examples
    --------
    >>> gelu([0.0, 1.0]).round(6)
    array([0.      , 0.841345])
    >>> gelu([0.0, 1.0], approximate=True).round(6)
    array([0.      , 0.841192])
    """
    approximate = _check_approximate(approximate)
    x = as_float_array(x, "x")
    if approximate:
        x_inner = np.clip(x, -_GELU_TANH_CLIP, _GELU_TANH_CLIP)
        inner = _SQRT_2_OVER_PI * (x_inner + _GELU_CUBIC * x_inner**3)
        return _as_result(0.5 * x * (1.0 + np.tanh(inner)))
    return _as_result(x * _normal_cdf(x))


def gelu_derivative(x, approximate: bool = False):
    """Return the derivative of :func:`gelu` elementwise.

    Exact form: ``gelu'(x) = Phi(x) + x * phi(x)`` with the standard normal density
    ``phi(x) = exp(-x**2 / 2) / sqrt(2 * pi)``.
    Tanh form: with ``u = sqrt(2 / pi) * (x + 0.044715 * x**3)`` and ``t = tanh(u)``,
    ``gelu'(x) = (1 + t) / 2 + x * (1 - t**2) * sqrt(2 / pi) * (1 + 3 * 0.044715 * x**2) / 2``.

    Parameters
    ----------
    x : array_like of any shape
    approximate : bool, default False
        Differentiate the tanh approximation instead of the exact form.

    Returns
    -------
    ndarray, float64, shape of ``x``

    Examples
    --------
    >>> gelu_derivative([0.0, 1.0]).round(6)
    array([0.5     , 1.083315])
    """
    approximate = _check_approximate(approximate)
    x = as_float_array(x, "x")
    if approximate:
        x_inner = np.clip(x, -_GELU_TANH_CLIP, _GELU_TANH_CLIP)
        t = np.tanh(_SQRT_2_OVER_PI * (x_inner + _GELU_CUBIC * x_inner**3))
        d_inner = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * x_inner**2)
        return _as_result(0.5 * (1.0 + t) + 0.5 * x * (1.0 - t**2) * d_inner)

    cdf = _normal_cdf(x)
    # x**2 overflows to inf for |x| > 1.3e154, and exp(-inf) = 0 is then the exact density.
    with np.errstate(over="ignore", under="ignore"):
        pdf = np.exp(-0.5 * x**2) / math.sqrt(2.0 * math.pi)
    return _as_result(np.asarray(cdf + x * pdf))


# ---------------------------------------------------------------------------
# Softmax and linear


def softmax(x, axis: int = -1):
    """Apply softmax along ``axis``: ``exp(x_i) / sum_j exp(x_j)``.

    Parameters
    ----------
    x : array_like with at least 1 dimension, for example (C,) or (N, C)
    axis : int, default -1
        Axis that sums to 1 in the output.

    Returns
    -------
    ndarray, float64, shape of ``x``
        Values in ``[0, 1]`` that sum to 1 along ``axis``.

    Notes
    -----
    The maximum along ``axis`` is subtracted before ``exp``. Softmax is unchanged by
    adding a constant to every entry, and after the shift every exponent is at most 0,
    so ``exp`` cannot overflow and the largest term is exactly 1, so the sum cannot be 0.
    An input containing ``inf`` or NaN gives NaN, as in Keras.

    Examples
    --------
    >>> softmax([0.0, np.log(2.0), np.log(3.0)]).round(6)
    array([0.166667, 0.333333, 0.5     ])
    """
    x = as_float_array(x, "x")
    axis = _check_axis(axis, x.ndim)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    with np.errstate(under="ignore"):
        exponentials = np.exp(shifted)
    return exponentials / np.sum(exponentials, axis=axis, keepdims=True)


def softmax_derivative(x, d_out, axis: int = -1):
    """Return the gradient ``dX`` of a loss through softmax, given ``d_out = dL/dsoftmax(x)``.

    With ``s = softmax(x)`` along ``axis``, the Jacobian is ``J = diag(s) - s s^T``.
    It is symmetric, so ``dX = J d_out = s * (d_out - sum(d_out * s))``, where the sum
    runs along ``axis``.

    This is the product that a backward pass needs. It costs O(C) per vector instead of
    the O(C**2) of building the Jacobian, which :func:`softmax_jacobian` returns.

    Parameters
    ----------
    x : array_like with at least 1 dimension, for example (N, C)
        Input of the softmax, not its output.
    d_out : array_like, shape of ``x``
        Upstream gradient ``dL/ds``.
    axis : int, default -1
        Axis along which the softmax was taken.

    Returns
    -------
    ndarray, float64, shape of ``x``
        ``dX = dL/dx``.

    Examples
    --------
    >>> softmax_derivative([0.0, 0.0], [1.0, 0.0])
    array([ 0.25, -0.25])
    """
    x = as_float_array(x, "x")
    d_out = as_float_array(d_out, "d_out")
    check_same_shape(d_out, "d_out", x, "x")
    s = softmax(x, axis=axis)
    weighted_sum = np.sum(d_out * s, axis=axis, keepdims=True)
    return s * (d_out - weighted_sum)


def softmax_jacobian(x):
    """Return the Jacobian ``J[i, j] = ds_i / dx_j = s_i * (delta_ij - s_j)`` of softmax.

    Parameters
    ----------
    x : array_like of shape (C,) or (N, C)
        One vector, or a batch of vectors with softmax over the last axis.

    Returns
    -------
    ndarray, float64, shape (C, C) or (N, C, C)
        ``diag(s) - outer(s, s)`` for each vector. Each matrix is symmetric and each of
        its rows sums to 0, because the outputs always sum to 1.

    Examples
    --------
    >>> softmax_jacobian([0.0, 0.0])
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    x = as_float_array(x, "x")
    if x.ndim not in (1, 2):
        raise ValueError(
            f"x must have shape (C,) or (N, C) for softmax_jacobian; received shape {x.shape}. "
            "Use softmax_derivative for other shapes."
        )
    s = softmax(x, axis=-1)
    diagonal = s[..., :, np.newaxis] * np.eye(s.shape[-1])
    return diagonal - s[..., :, np.newaxis] * s[..., np.newaxis, :]


def linear(x):
    """Return ``x`` unchanged, as float64: the identity activation.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray, float64, shape of ``x``
        A copy, so changing it leaves ``x`` unchanged.

    Examples
    --------
    >>> linear([-2.0, 3.0])
    array([-2.,  3.])
    """
    return _as_result(as_float_array(x, "x").copy())


def linear_derivative(x):
    """Return ones of the shape of ``x``: the derivative of the identity.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray, float64, shape of ``x``

    Examples
    --------
    >>> linear_derivative([-2.0, 3.0])
    array([1., 1.])
    """
    return _as_result(np.ones_like(as_float_array(x, "x")))


# ---------------------------------------------------------------------------
# Registry


@dataclass(frozen=True)
class ActivationSpec:
    """One activation function with its derivative and facts about it.

    Attributes
    ----------
    name : str
        Name of the function in this module and key in :data:`ACTIVATIONS`.
    function : callable
        ``function(x, **options)`` returns the activation of ``x``.
    derivative : callable
        For an elementwise activation, ``derivative(x, **options)`` returns ``f'(x)``.
        For softmax it is :func:`softmax_derivative`, ``derivative(x, d_out, axis=-1)``.
    keras_name : str
        Name that ``keras.activations.get`` accepts and ``keras.activations.serialize`` returns.
    output_range : tuple of float
        Lower and upper bounds of the output with the default options. A finite bound
        may be reached in float64, for example ``sigmoid(40.0) == 1.0``.
    description : str
        One line on what the function is used for and its main weakness.
    elementwise : bool
        False only for softmax, whose outputs depend on the whole vector.
    """

    name: str
    function: Callable[..., np.ndarray]
    derivative: Callable[..., np.ndarray]
    keras_name: str
    output_range: tuple[float, float]
    description: str
    elementwise: bool = True

    def backward(self, x, d_out, **options):
        """Return ``dX = dL/dx`` given the upstream gradient ``d_out = dL/df(x)``.

        Parameters
        ----------
        x : array_like
            Input of the activation, shape (N, D) in a network.
        d_out : array_like, shape of ``x``
        **options
            Options of the function, such as ``negative_slope`` or ``axis``.

        Returns
        -------
        ndarray, float64, shape of ``x``
            ``d_out * f'(x)`` for an elementwise function and the Jacobian product for softmax.
        """
        if not self.elementwise:
            return self.derivative(x, d_out, **options)
        x = as_float_array(x, "x")
        d_out = as_float_array(d_out, "d_out")
        check_same_shape(d_out, "d_out", x, "x")
        return d_out * self.derivative(x, **options)


_SPECS = (
    ActivationSpec(
        "sigmoid", sigmoid, sigmoid_derivative, "sigmoid", (0.0, 1.0),
        "Squashes to (0, 1) for binary outputs; saturates, so deep stacks suffer vanishing gradients.",
    ),
    ActivationSpec(
        "tanh", tanh, tanh_derivative, "tanh", (-1.0, 1.0),
        "Zero-centred squashing to (-1, 1); saturates like sigmoid, with a gradient of at most 1.",
    ),
    ActivationSpec(
        "relu", relu, relu_derivative, "relu", (0.0, math.inf),
        "Default for hidden layers: cheap and non-saturating for x > 0, but units stuck at x < 0 stop learning.",
    ),
    ActivationSpec(
        "leaky_relu", leaky_relu, leaky_relu_derivative, "leaky_relu", (-math.inf, math.inf),
        "ReLU with a small slope for x < 0, so no unit has a zero gradient everywhere.",
    ),
    ActivationSpec(
        "swish", swish, swish_derivative, "silu", (-0.27846455, math.inf),
        "Smooth, non-monotonic x * sigmoid(x), often better than ReLU in deep networks.",
    ),
    ActivationSpec(
        "gelu", gelu, gelu_derivative, "gelu", (-0.16997121, math.inf),
        "Smooth x * Phi(x) weighting inputs by a Gaussian probability, the standard choice in transformers.",
    ),
    ActivationSpec(
        "softmax", softmax, softmax_derivative, "softmax", (0.0, 1.0),
        "Turns a vector of logits into class probabilities that sum to 1, for multi-class outputs.",
        elementwise=False,
    ),
    ActivationSpec(
        "linear", linear, linear_derivative, "linear", (-math.inf, math.inf),
        "Identity, for regression outputs and for logits passed to a loss with from_logits=True.",
    ),
)

ACTIVATIONS: Mapping[str, ActivationSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})
"""Read-only mapping from each activation's name in this module to its :class:`ActivationSpec`."""


def get_activation(name: str) -> ActivationSpec:
    """Look up an activation by its name here or its Keras name.

    Parameters
    ----------
    name : str
        A key of :data:`ACTIVATIONS` or a ``keras_name``, such as ``"silu"`` for swish.

    Returns
    -------
    ActivationSpec

    Examples
    --------
    >>> get_activation("silu").name
    'swish'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'relu'; received {describe(name)}.")
    if name in ACTIVATIONS:
        return ACTIVATIONS[name]
    for spec in ACTIVATIONS.values():
        if spec.keras_name == name:
            return spec
    listed = ", ".join(repr(key) for key in ACTIVATIONS)
    raise ValueError(f"name must be one of {listed} or a Keras name such as 'silu'; received {name!r}.")
