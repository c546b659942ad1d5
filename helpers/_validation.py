"""Input checks shared by the reference implementations.

Every check raises ``TypeError`` or ``ValueError`` with a message that names the
argument, what was expected, what was received and how to fix it, in the form
``"<name> must be ...; received ..."``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np


def describe(value) -> str:
    """Return a short description of ``value`` for an error message."""
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return f"array {np.array2string(value, precision=4, separator=', ')} of shape {value.shape}"
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{type(value).__name__} {text}"


def as_float_array(value, name: str) -> np.ndarray:
    """Convert ``value`` to a float64 array, or raise ``TypeError`` naming ``name``.

    Booleans, strings, ``None`` and objects are rejected, because NumPy would
    otherwise turn them into numbers or object arrays that fail later with an
    unrelated message.
    """
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a number or an array of numbers; received {describe(value)}.")
    try:
        array = np.asarray(value)
    except ValueError as error:
        raise TypeError(
            f"{name} must be a number or a rectangular array of numbers; received {describe(value)} ({error})."
        ) from error
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise TypeError(
            f"{name} must contain real numbers; received {describe(value)} with dtype {array.dtype}. "
            "Convert it with np.asarray(..., dtype=float)."
        )
    return array.astype(np.float64, copy=False)


def check_ndim(array: np.ndarray, name: str, ndim: int | Iterable[int], shape_letters: str) -> None:
    """Raise ``ValueError`` unless ``array`` has one of the allowed numbers of dimensions.

    ``shape_letters`` is the expected shape in the course's notation, for example ``"(N, D)"``.
    """
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if array.ndim not in allowed:
        raise ValueError(
            f"{name} must have shape {shape_letters} ({' or '.join(map(str, allowed))} dimensions); "
            f"received shape {array.shape}."
        )


def check_same_shape(first: np.ndarray, first_name: str, second: np.ndarray, second_name: str) -> None:
    """Raise ``ValueError`` unless both arrays have the same shape."""
    if first.shape != second.shape:
        raise ValueError(
            f"{first_name} and {second_name} must have the same shape; received {first.shape} and {second.shape}."
        )


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an ``int`` if it is a whole number of at least 1, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive whole number; received {describe(value)}.")
    if value < 1:
        raise ValueError(f"{name} must be at least 1; received {value}.")
    return int(value)


def check_choice(value, name: str, choices: Iterable) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        listed = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"{name} must be one of {listed}; received {value!r}.")
