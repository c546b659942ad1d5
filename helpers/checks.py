"""Checks that the notebooks' test cells call on a student's function.

A failing check raises ``AssertionError`` with a message that names the call with its
inputs, the expected value, the received value and a hint for the typical mistake, so the
student sees what is wrong in the cell output and nbgrader records the cell as failed.
A passing check returns a :class:`Passed` value that the notebook shows as one line.
"""

from __future__ import annotations

import copy
import sys
import types
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from helpers._validation import describe

_NUMPY_FUNCTIONS = ("allclose", "array_equal", "asarray", "isfinite", "all", "abs", "argmax", "unravel_index")
_NUMPY_ORIGINALS = {name: getattr(np, name) for name in _NUMPY_FUNCTIONS}
# The comparisons below use these references, taken when this module is imported, so an
# answer that replaces numpy.allclose cannot make a wrong result compare equal. The
# grading kernel imports this module before any cell runs.
_allclose = _NUMPY_ORIGINALS["allclose"]
_array_equal = _NUMPY_ORIGINALS["array_equal"]
_asarray = _NUMPY_ORIGINALS["asarray"]
_isfinite = _NUMPY_ORIGINALS["isfinite"]
_all = _NUMPY_ORIGINALS["all"]
_abs = _NUMPY_ORIGINALS["abs"]
_argmax = _NUMPY_ORIGINALS["argmax"]
_unravel_index = _NUMPY_ORIGINALS["unravel_index"]

_REFERENCE_CALLS: list[str] = []
_TRAPPED_NAME: list[str] = ["?"]
"""Qualified names of reference functions that a student's function called; see :func:`_trap_references`."""


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
    calls_before = len(_REFERENCE_CALLS)
    trapped = _trap_references(name)
    try:
        result = function(**copies)
    except NotImplementedError:
        raise AssertionError(
            f"{name} is not implemented yet: replace the line 'raise NotImplementedError()' with your code."
        ) from None
    except Exception as error:
        _raise_if_reference_called(name, calls_before)
        raise AssertionError(f"{call} raised {type(error).__name__}: {error}") from error
    finally:
        _release_references(trapped)
    _raise_if_reference_called(name, calls_before)
    _raise_if_numpy_replaced()

    for key, value in arguments.items():
        if not _equal(copies[key], value):
            raise AssertionError(
                f"{call} changed its argument {key!r} in place. Compute a new array instead "
                f"(for example 'x = x / 255.0' rather than 'x /= 255.0')."
            )
    return result


def _reference_trap(*args, **kwargs):
    # Runs with the globals of the reference module whose code it replaced, so it reaches
    # this module through the import system rather than through a global name.
    import helpers.checks as checks_module

    checks_module._REFERENCE_CALLS.append(f"{__name__}.{checks_module._TRAPPED_NAME[-1]}")
    raise AssertionError("calling the course's reference implementation from an answer is not allowed")


def _trap_references(name: str) -> list[tuple[types.FunctionType, types.CodeType]]:
    """Make every ``helpers`` function called ``name`` record a call and fail, until released.

    Replacing the code object catches every path to the function: an import in the answer,
    a name imported by an earlier cell, or a saved reference. Functions with closures are
    left alone, because a code object can only be swapped for one with the same free variables.
    """
    trapped = []
    for module_name, module in list(sys.modules.items()):
        if module_name != "helpers" and not module_name.startswith("helpers.") or module_name == __name__:
            continue
        candidate = getattr(module, "__dict__", {}).get(name)
        if not isinstance(candidate, types.FunctionType) or candidate.__module__ != module_name:
            continue
        if candidate.__code__.co_freevars or any(candidate is function for function, _ in trapped):
            continue
        trapped.append((candidate, candidate.__code__))
        candidate.__code__ = _reference_trap.__code__
    _TRAPPED_NAME.append(name)
    return trapped


def _release_references(trapped) -> None:
    for function, code in trapped:
        function.__code__ = code
    if len(_TRAPPED_NAME) > 1:
        _TRAPPED_NAME.pop()


def _raise_if_reference_called(name: str, calls_before: int) -> None:
    if len(_REFERENCE_CALLS) > calls_before:
        called = ", ".join(sorted(set(_REFERENCE_CALLS[calls_before:])))
        raise AssertionError(
            f"{name} calls the course's reference implementation ({called}) instead of computing the result. "
            f"Write the computation of {name} yourself."
        )


def _raise_if_numpy_replaced() -> None:
    replaced = [f"numpy.{name}" for name, original in _NUMPY_ORIGINALS.items() if getattr(np, name, None) is not original]
    if replaced:
        raise AssertionError(
            f"{', '.join(replaced)} was replaced while the notebook ran, so no check can trust its comparisons. "
            "Remove the code that assigns to NumPy's functions."
        )


def _equal(first, second) -> bool:
    try:
        return bool(_array_equal(_asarray(first), _asarray(second), equal_nan=True))
    except (TypeError, ValueError):
        return first is second or first == second


def _mismatch(received, expected, rtol: float, atol: float) -> str | None:
    """Return why ``received`` differs from ``expected``, or None when they agree."""
    if isinstance(expected, tuple):
        return _tuple_mismatch(received, expected, rtol, atol)
    if expected is None:
        return None if received is None else "expected None"
    expected_array = _asarray(expected)
    if received is None:
        return "your function returned None. Did you forget the 'return' statement?"
    try:
        received_array = _asarray(received, dtype=np.float64)
    except (TypeError, ValueError):
        return f"the result must be a number or an array of numbers, not {type(received).__name__}"
    if received_array.shape != expected_array.shape:
        return f"the result has shape {received_array.shape} but should have shape {expected_array.shape}"
    if not _all(_isfinite(received_array)) and _all(_isfinite(expected_array)):
        return "the result contains nan or inf"
    if not _allclose(received_array, expected_array, rtol=rtol, atol=atol):
        if received_array.ndim == 0:
            return "the values differ"
        difference = _abs(received_array - expected_array)
        worst = _unravel_index(_argmax(difference), difference.shape)
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
    calls_before = len(_REFERENCE_CALLS)
    trapped = _trap_references(name)
    try:
        function(**copy.deepcopy(dict(arguments)))
    except NotImplementedError:
        raise AssertionError(
            f"{name} is not implemented yet: replace the line 'raise NotImplementedError()' with your code."
        ) from None
    except error:
        _raise_if_reference_called(name, calls_before)
        return Passed(f"{name}: raises {error.__name__} for {call}")
    except Exception as other:
        _raise_if_reference_called(name, calls_before)
        raise AssertionError(f"{call} raised {type(other).__name__} but should raise {error.__name__}. Hint: {hint}") from other
    finally:
        _release_references(trapped)
    _raise_if_reference_called(name, calls_before)
    raise AssertionError(f"{call} returned normally but should raise {error.__name__}. Hint: {hint}")
