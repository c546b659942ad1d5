"""Checks that the notebooks' test cells call on a student's function.

A failing check raises ``AssertionError`` with a message that names the call with its
inputs, the expected value, the received value and a hint for the typical mistake, so the
student sees what is wrong in the cell output and nbgrader records the cell as failed.
A passing check returns a :class:`Passed` value that the notebook shows as one line.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from helpers._validation import describe


class Passed(str):
    """The one-line message of a passed check, printed when it ends a cell or is displayed.

    It prints as a stream instead of becoming the cell's result, because nbgrader reads the
    result of a test cell as a partial-credit score.
    """

    def __repr__(self) -> str:
        return str(self)

    def _ipython_display_(self) -> None:
        print(self)


def format_value(value) -> str:
    """Return a short, readable form of ``value`` for a test message."""
    if isinstance(value, tuple):
        return "(" + ", ".join(format_value(item) for item in value) + ")"
    if isinstance(value, np.ndarray) or isinstance(value, list) and value and not isinstance(value[0], str):
        try:
            array = np.asarray(value)
        except ValueError:
            return repr(value)
        if array.dtype == object or not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
            return repr(value)
        if array.size <= 12:
            body = np.array2string(array, precision=6, separator=", ", suppress_small=True)
            return body if array.ndim <= 1 else f"{body} (shape {array.shape})"
        return f"array of shape {array.shape}, dtype {array.dtype}, values from {array.min():.4g} to {array.max():.4g}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.7g}"
    return repr(value)


def format_call(name: str, arguments: Mapping) -> str:
    """Return ``name(a=..., b=...)`` with each argument in short form."""
    shown = ", ".join(f"{key}={format_value(value)}" for key, value in arguments.items())
    return f"{name}({shown})"


def call_student_function(function: Callable, name: str, arguments: Mapping):
    """Call ``function(**arguments)`` on copies of the arguments and return the result.

    Raises ``AssertionError`` with a plain explanation when the function is still the stub,
    raises an error of its own, or modifies its inputs in place.
    """
    if not callable(function):
        raise AssertionError(f"{name} must be a function; received {describe(function)}. Did you overwrite it?")
    copies = {key: copy.deepcopy(value) for key, value in arguments.items()}
    call = format_call(name, arguments)
    try:
        result = function(**copies)
    except NotImplementedError:
        raise AssertionError(
            f"{name} is not implemented yet: replace the line 'raise NotImplementedError()' with your code."
        ) from None
    except Exception as error:
        raise AssertionError(f"{call} raised {type(error).__name__}: {error}") from error

    for key, value in arguments.items():
        if not _equal(copies[key], value):
            raise AssertionError(
                f"{call} changed its argument {key!r} in place. Compute a new array instead "
                f"(for example 'x = x / 255.0' rather than 'x /= 255.0')."
            )
    return result


def _equal(first, second) -> bool:
    try:
        return bool(np.array_equal(np.asarray(first), np.asarray(second), equal_nan=True))
    except (TypeError, ValueError):
        return first is second or first == second


def _mismatch(received, expected, rtol: float, atol: float) -> str | None:
    """Return why ``received`` differs from ``expected``, or None when they agree."""
    if isinstance(expected, tuple):
        return _tuple_mismatch(received, expected, rtol, atol)
    if expected is None:
        return None if received is None else "expected None"
    expected_array = np.asarray(expected)
    if received is None:
        return "your function returned None. Did you forget the 'return' statement?"
    try:
        received_array = np.asarray(received, dtype=np.float64)
    except (TypeError, ValueError):
        return f"the result must be a number or an array of numbers, not {type(received).__name__}"
    if received_array.shape != expected_array.shape:
        return f"the result has shape {received_array.shape} but should have shape {expected_array.shape}"
    if not np.all(np.isfinite(received_array)) and np.all(np.isfinite(expected_array)):
        return "the result contains nan or inf"
    if not np.allclose(received_array, expected_array, rtol=rtol, atol=atol):
        if received_array.ndim == 0:
            return "the values differ"
        difference = np.abs(received_array - expected_array)
        worst = np.unravel_index(np.argmax(difference), difference.shape)
        return (
            f"the largest difference is {difference[worst]:.4g} at index {tuple(int(i) for i in worst)} "
            f"(expected {expected_array[worst]:.7g}, received {received_array[worst]:.7g})"
        )
    return None


def _tuple_mismatch(received, expected: tuple, rtol: float, atol: float) -> str | None:
    if not isinstance(received, (tuple, list)) or len(received) != len(expected):
        return f"the result must be a tuple of {len(expected)} values, like 'return a, b'"
    for position, (received_item, expected_item) in enumerate(zip(received, expected)):
        reason = _mismatch(received_item, expected_item, rtol, atol)
        if reason is not None:
            return f"value {position} of the returned tuple is wrong: {reason}"
    return None


def check_function(
    function: Callable,
    name: str,
    arguments: Mapping,
    expected,
    hint: str,
    rtol: float = 1e-6,
    atol: float = 1e-8,
) -> Passed:
    """Check ``function(**arguments)`` against a known ``expected`` value.

    ``hint`` describes the typical mistake and is shown only when the check fails.
    """
    result = call_student_function(function, name, arguments)
    reason = _mismatch(result, expected, rtol, atol)
    if reason is not None:
        raise AssertionError(
            f"{format_call(name, arguments)}\n"
            f"  expected: {format_value(expected)}\n"
            f"  received: {format_value(result)}\n"
            f"  ({reason})\n"
            f"Hint: {hint}"
        )
    return Passed(f"{name}: passed for {format_call(name, arguments)}")


def check_against_reference(
    function: Callable,
    reference: Callable,
    name: str,
    cases: Iterable[Mapping],
    hint: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-8,
) -> Passed:
    """Check ``function`` against ``reference`` on every case of keyword arguments."""
    count = 0
    for arguments in cases:
        expected = reference(**copy.deepcopy(dict(arguments)))
        check_function(function, name, arguments, expected, hint, rtol=rtol, atol=atol)
        count += 1
    if count == 0:
        raise ValueError("cases is empty; a check needs at least one case.")
    return Passed(f"{name}: passed on {count} cases")


def check_raises(function: Callable, name: str, arguments: Mapping, error: type[BaseException], hint: str) -> Passed:
    """Check that ``function(**arguments)`` raises ``error`` (a bad input must be rejected)."""
    call = format_call(name, arguments)
    try:
        function(**copy.deepcopy(dict(arguments)))
    except NotImplementedError:
        raise AssertionError(
            f"{name} is not implemented yet: replace the line 'raise NotImplementedError()' with your code."
        ) from None
    except error:
        return Passed(f"{name}: raises {error.__name__} for {call}")
    except Exception as other:
        raise AssertionError(f"{call} raised {type(other).__name__} but should raise {error.__name__}. Hint: {hint}") from other
    raise AssertionError(f"{call} returned normally but should raise {error.__name__}. Hint: {hint}")
