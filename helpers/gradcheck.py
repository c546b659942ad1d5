"""Gradient checking with centred differences.

A backward pass is checked by comparing its analytic gradient with a numerical one,
entry by entry, through the relative error

    rel_err = |a - n| / max(|a| + |n|, tiny)

where ``a`` is the analytic and ``n`` the numerical value. The functions here work on any
object with the layer contract of :mod:`helpers.layers` (``forward(x)``,
``backward(d_out)`` and, for layers with weights, ``parameters()`` and ``gradients()``),
so they do not import that module.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from helpers._validation import as_float_array, check_same_shape, describe

__all__ = [
    "GradientCheckReport",
    "check_gradient",
    "check_layer_gradients",
    "check_parameter_gradients",
    "compare_gradients",
    "numerical_gradient",
    "relative_error",
]

DEFAULT_STEP = 1e-5
"""Default step ``h`` of the centred difference for float64 inputs."""

DEFAULT_TOLERANCE = 1e-6
"""Default maximum relative error for a gradient check to pass."""

DEFAULT_TINY = 1e-8
"""Default floor of the relative error's denominator."""


def _check_positive_number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number; received {describe(value)}.")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number greater than 0; received {value!r}.")
    return float(value)


def _evaluate_scalar(f: Callable, x: np.ndarray, index: tuple[int, ...]) -> float:
    value = f(x)
    if np.ndim(value) != 0:
        raise ValueError(
            f"f must return a scalar; it returned {describe(value)}. "
            "Reduce the output to one number, for example with np.sum or np.mean."
        )
    try:
        value = float(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"f must return a real number; it returned {describe(value)}.") from error
    if not math.isfinite(value):
        raise ValueError(
            f"f returned {value} with x[{', '.join(map(str, index))}] perturbed to {float(x[index]):.10g}; "
            "the numerical gradient needs finite values. Reduce h or check f for overflow."
        )
    return value


def numerical_gradient(f: Callable[[np.ndarray], float], x, h: float = DEFAULT_STEP) -> np.ndarray:
    """Estimate the gradient of a scalar function ``f`` at ``x`` by centred differences.

    ``df/dx[i] ≈ (f(x + h e_i) - f(x - h e_i)) / (2 h)``, where ``e_i`` is the unit array
    that is 1 at index ``i``.

    Parameters
    ----------
    f : callable
        Function of one array of the shape of ``x`` that returns a real scalar.
    x : array_like of any shape
        Point at which the gradient is estimated.
    h : float, default 1e-5
        Step of the centred difference.

    Returns
    -------
    ndarray, float64, shape of ``x``
        The numerical gradient ``dx``.

    Notes
    -----
    The truncation error of the centred difference is of order ``h**2`` and its round-off
    error of order ``eps * |f| / h`` with ``eps = 2.2e-16``, so ``h = 1e-5`` keeps both
    near 1e-10 for float64 values of moderate size. The round-off scales with ``|f|``,
    not with the gradient, so an entry of size ``g`` is measured only to a relative error
    of about ``2e-11 * |f| / g``. That matters when ``f`` sums many outputs, and near
    saturation, where ``tanh'(10)`` is 8e-9 while ``tanh(10)`` is 1.

    A float64 NumPy array ``x`` is perturbed in place, one entry at a time, and each entry
    is restored to its exact value afterwards. That lets ``f`` read the array through a
    closure, as a layer reads its weights. Any other input is first copied to a float64
    array, and ``f`` receives the copy. ``f`` is called ``2 * x.size`` times.

    Examples
    --------
    >>> x = np.array([1.0, -2.0, 3.0])
    >>> numerical_gradient(lambda v: np.sum(v**2), x).round(6)
    array([ 2., -4.,  6.])
    """
    if not callable(f):
        raise TypeError(f"f must be a callable that returns a scalar; received {describe(f)}.")
    step = _check_positive_number(h, "h")
    if step > 1e-2 or step < 1e-8:
        warnings.warn(
            f"h={step!r} is far from the usual 1e-5 for float64: a large step adds truncation "
            "error and a small one adds round-off error to the numerical gradient.",
            stacklevel=2,
        )

    if isinstance(x, np.ndarray) and x.dtype == np.float64 and x.flags.writeable:
        point = x
    else:
        point = as_float_array(x, "x").copy()

    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        original = point[index]
        point[index] = original + step
        f_plus = _evaluate_scalar(f, point, index)
        point[index] = original - step
        f_minus = _evaluate_scalar(f, point, index)
        point[index] = original
        gradient[index] = (f_plus - f_minus) / (2.0 * step)
    return gradient


def relative_error(analytic, numerical, tiny: float = DEFAULT_TINY) -> np.ndarray:
    """Return the elementwise relative error ``|a - n| / max(|a| + |n|, tiny)``.

    Parameters
    ----------
    analytic, numerical : array_like, same shape
        Gradients to compare.
    tiny : float, default 1e-8
        Floor of the denominator. Where both values are smaller than ``tiny`` in size,
        the error is in effect absolute, ``|a - n| / tiny``, so two zero gradients agree
        exactly and round-off near zero does not count as a large relative error.

    Returns
    -------
    ndarray, float64, same shape as the inputs
        Values in ``[0, 1]``: 0 means equal, 1 means opposite signs or one value zero.

    Examples
    --------
    >>> relative_error([1.0, 0.0, 2.0], [1.0, 0.0, -2.0])
    array([0., 0., 1.])
    """
    analytic = as_float_array(analytic, "analytic")
    numerical = as_float_array(numerical, "numerical")
    check_same_shape(analytic, "analytic", numerical, "numerical")
    tiny = _check_positive_number(tiny, "tiny")

    denominator = np.maximum(np.abs(analytic) + np.abs(numerical), tiny)
    return np.abs(analytic - numerical) / denominator


@dataclass(frozen=True)
class GradientCheckReport:
    """Result of comparing an analytic gradient with a numerical one.

    Attributes
    ----------
    name : str
        What was checked, for example ``"x"`` or ``"dense_0/kernel"``.
    max_relative_error : float
        Largest elementwise relative error, 0.0 for an empty gradient.
    worst_index : tuple of int
        Index where the largest relative error occurs, ``()`` for a scalar or an empty array.
    analytic_value, numerical_value : float
        Both gradients at ``worst_index`` (NaN for an empty array).
    tolerance : float
        Maximum relative error that passes.
    passed : bool
        ``max_relative_error <= tolerance``.
    """

    name: str
    max_relative_error: float
    worst_index: tuple[int, ...]
    analytic_value: float
    numerical_value: float
    tolerance: float
    passed: bool

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"{self.name}: gradient check {verdict}, max relative error {self.max_relative_error:.3e} "
            f"at index {self.worst_index} (analytic {self.analytic_value:.10g}, "
            f"numerical {self.numerical_value:.10g}), tolerance {self.tolerance:.1e}"
        )


def compare_gradients(
    analytic,
    numerical,
    tolerance: float = DEFAULT_TOLERANCE,
    tiny: float = DEFAULT_TINY,
    name: str = "gradient",
) -> GradientCheckReport:
    """Compare two gradients and report the largest relative error and where it occurs.

    Parameters
    ----------
    analytic, numerical : array_like, same shape
        Gradient from a backward pass and gradient from :func:`numerical_gradient`.
    tolerance : float, default 1e-6
        Maximum relative error that passes. With float64 and ``h = 1e-5``, a correct
        gradient of a smooth function usually stays below 1e-8. Kinks, such as ReLU at 0,
        give larger errors when an input lies within ``h`` of them.
    tiny : float, default 1e-8
        Floor of the relative error's denominator; see :func:`relative_error`.
    name : str, default "gradient"
        Label of the checked gradient in the report.

    Returns
    -------
    GradientCheckReport

    Examples
    --------
    >>> report = compare_gradients([1.0, 2.0, 3.0], [1.0, 2.5, 3.0], name="w")
    >>> report.passed, report.worst_index
    (False, (1,))
    """
    errors = relative_error(analytic, numerical, tiny)
    tolerance = _check_positive_number(tolerance, "tolerance")
    analytic = np.asarray(analytic, dtype=np.float64)
    numerical = np.asarray(numerical, dtype=np.float64)

    if errors.size == 0:
        return GradientCheckReport(name, 0.0, (), math.nan, math.nan, tolerance, True)

    worst_index = tuple(int(i) for i in np.unravel_index(np.argmax(errors), errors.shape))
    max_error = float(errors[worst_index])
    return GradientCheckReport(
        name=name,
        max_relative_error=max_error,
        worst_index=worst_index,
        analytic_value=float(analytic[worst_index]),
        numerical_value=float(numerical[worst_index]),
        tolerance=tolerance,
        passed=bool(max_error <= tolerance),
    )


def check_gradient(
    f: Callable[[np.ndarray], float],
    x,
    analytic,
    h: float = DEFAULT_STEP,
    tolerance: float = DEFAULT_TOLERANCE,
    tiny: float = DEFAULT_TINY,
    name: str = "x",
) -> GradientCheckReport:
    """Check an analytic gradient of ``f`` at ``x`` against the centred difference.

    Parameters
    ----------
    f : callable
        Scalar function of one array of the shape of ``x``.
    x : array_like of any shape
        Point of the check; see :func:`numerical_gradient` for when it is perturbed in place.
    analytic : array_like, shape of ``x``
        Gradient ``df/dx`` to check.
    h, tolerance, tiny, name
        As in :func:`numerical_gradient` and :func:`compare_gradients`.

    Returns
    -------
    GradientCheckReport

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> check_gradient(lambda v: np.sum(v**2), x, 2 * x).passed
    True
    """
    numerical = numerical_gradient(f, x, h)
    analytic = as_float_array(analytic, "analytic")
    check_same_shape(analytic, "analytic", numerical, "x")
    return compare_gradients(analytic, numerical, tolerance, tiny, name)


def check_parameter_gradients(
    loss: Callable[[], float],
    parameters: Mapping[str, np.ndarray],
    gradients: Mapping[str, np.ndarray],
    h: float = DEFAULT_STEP,
    tolerance: float = DEFAULT_TOLERANCE,
    tiny: float = DEFAULT_TINY,
) -> dict[str, GradientCheckReport]:
    """Check the analytic gradient of a scalar loss for every parameter array.

    Parameters
    ----------
    loss : callable with no arguments
        Returns the scalar loss computed with the current values of the arrays in
        ``parameters``.
    parameters : mapping of str to float64 ndarray
        The arrays that ``loss`` reads, for example ``model.parameters()``. Each is
        perturbed in place and restored, so each must be the array itself, not a copy.
    gradients : mapping of str to array_like
        Analytic gradient of ``loss`` for each parameter, with the same keys and shapes.
        Pass copies if a forward pass would overwrite them (``backward`` does not run here).

    Returns
    -------
    dict of str to GradientCheckReport
        One report per parameter, in the order of ``parameters``.
    """
    if not callable(loss):
        raise TypeError(f"loss must be a callable with no arguments; received {describe(loss)}.")
    missing = [key for key in parameters if key not in gradients]
    extra = [key for key in gradients if key not in parameters]
    if missing or extra:
        raise ValueError(
            "parameters and gradients must have the same keys; "
            f"missing gradients: {missing}, gradients without a parameter: {extra}."
        )

    reports = {}
    for key, array in parameters.items():
        if not isinstance(array, np.ndarray) or array.dtype != np.float64 or not array.flags.writeable:
            raise TypeError(
                f"parameter {key!r} must be a writeable float64 NumPy array that the loss reads, "
                f"because it is perturbed in place; received {describe(array)}."
            )
        reports[key] = check_gradient(lambda _: loss(), array, gradients[key], h, tolerance, tiny, name=key)
    return reports


def check_layer_gradients(
    layer,
    x,
    h: float = DEFAULT_STEP,
    tolerance: float = DEFAULT_TOLERANCE,
    tiny: float = DEFAULT_TINY,
    seed: int = 0,
) -> dict[str, GradientCheckReport]:
    """Check the input gradient and every parameter gradient of a layer's backward pass.

    The check uses the scalar ``L = sum(layer.forward(x) * g)`` for a fixed random array
    ``g`` of the output's shape, so ``dL/d_out = g`` and ``layer.backward(g)`` must
    return ``dL/dx`` and store ``dL/dW`` for every parameter ``W``.

    Parameters
    ----------
    layer : object
        Has ``forward(x)`` and ``backward(d_out)``. If it also has ``parameters()`` and
        ``gradients()``, which return mappings from names to the live arrays, every
        parameter is checked too. A network with this contract works the same way.
    x : array_like, shape the layer accepts, for example (N, D)
        Input batch. The layer receives a float64 copy.
    h, tolerance, tiny
        As in :func:`numerical_gradient` and :func:`compare_gradients`.
    seed : int, default 0
        Seed of the random upstream gradient ``g``, drawn from a standard normal.

    Returns
    -------
    dict of str to GradientCheckReport
        ``"input"`` for ``dx`` first, then one report per parameter name.

    Notes
    -----
    A random ``g`` catches errors that an all-ones upstream gradient would hide, for
    example a sum over the wrong axis of a symmetric array.
    """
    for method in ("forward", "backward"):
        if not callable(getattr(layer, method, None)):
            raise TypeError(f"layer must have a {method}() method; received {describe(layer)}.")
    x = as_float_array(x, "x").copy()

    output = np.asarray(layer.forward(x), dtype=np.float64)
    upstream = np.random.default_rng(seed).standard_normal(output.shape)
    dx = layer.backward(upstream)
    has_parameters = callable(getattr(layer, "parameters", None)) and callable(getattr(layer, "gradients", None))
    analytic = {key: np.array(value, dtype=np.float64) for key, value in layer.gradients().items()} if has_parameters else {}

    def loss() -> float:
        return float(np.sum(layer.forward(x) * upstream))

    reports = {"input": check_gradient(lambda _: loss(), x, dx, h, tolerance, tiny, name="input")}
    if has_parameters:
        reports.update(check_parameter_gradients(loss, layer.parameters(), analytic, h, tolerance, tiny))
    return reports
