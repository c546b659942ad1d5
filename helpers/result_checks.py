"""Test-cell checks for results that are not numbers or arrays: class labels and dicts.

:func:`helpers.checks.check_function` compares numbers, arrays and tuples of them. The
exercises here also return a label such as ``"good fit"`` or a dict from class to weight
such as ``{0: 0.5, 1: 2.0}``. :func:`check_result` compares those and hands every other
result to :func:`~helpers.checks.check_function`, with the same failure message: the call
with its inputs, the expected value, the received value and a hint.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from helpers import checks


def _plain_key(key):
    """Return a NumPy scalar key as the Python scalar it holds, so that 3 and np.uint8(3) match."""
    return key.item() if isinstance(key, np.generic) else key


def format_result(value) -> str:
    """Return a short form of ``value``: dicts key by key, everything else as the notebooks' checks do."""
    if isinstance(value, Mapping):
        items = ", ".join(f"{_plain_key(key)!r}: {format_result(item)}" for key, item in value.items())
        return "{" + items + "}"
    return checks.format_value(value)


def format_call(name: str, arguments: Mapping) -> str:
    """Return ``name(a=..., b=...)`` with dict arguments shown key by key."""
    shown = ", ".join(f"{key}={format_result(value)}" for key, value in arguments.items())
    return f"{name}({shown})"


def _label_mismatch(received, expected: str) -> str | None:
    if received is None:
        return "your function returned None. Did you forget the 'return' statement?"
    # type() rather than isinstance(): a str subclass could redefine comparison.
    if type(received) is not str:
        return f"the result must be a string such as {expected!r}, not {type(received).__name__}"
    if received != expected:
        return "the labels differ"
    return None


def _mapping_mismatch(received, expected: Mapping, rtol: float, atol: float) -> str | None:
    if received is None:
        return "your function returned None. Did you forget the 'return' statement?"
    if not isinstance(received, Mapping):
        return f"the result must be a dict, not {type(received).__name__}"
    received_items = {_plain_key(key): value for key, value in received.items()}
    expected_items = {_plain_key(key): value for key, value in expected.items()}
    missing = [key for key in expected_items if key not in received_items]
    unexpected = [key for key in received_items if key not in expected_items]
    if missing or unexpected:
        return f"the keys differ: missing {missing}, unexpected {unexpected}"
    for key, expected_value in expected_items.items():
        try:
            received_value = float(received_items[key])
        except (TypeError, ValueError):
            return f"the value for key {key!r} must be a number, not {type(received_items[key]).__name__}"
        # Plain float arithmetic, which an answer cannot replace as it could np.isclose.
        if not abs(received_value - float(expected_value)) <= atol + rtol * abs(float(expected_value)):
            return f"the value for key {key!r} differs (expected {float(expected_value):.7g}, received {received_value:.7g})"
    return None


def check_result(
    function: Callable,
    name: str,
    arguments: Mapping,
    expected,
    hint: str,
    rtol: float = 1e-6,
    atol: float = 1e-8,
) -> checks.Passed:
    """Check ``function(**arguments)`` against ``expected``, which may be a label or a dict.

    A ``str`` must match exactly. A dict must have the same keys, where a NumPy integer
    key matches the Python integer it holds, and values within ``rtol`` and ``atol``.
    Any other ``expected`` goes to :func:`helpers.checks.check_function`.

    Raises
    ------
    AssertionError
        With the call, the expected and received values and ``hint``, when they differ.
    """
    if not isinstance(expected, (str, Mapping)):
        return checks.check_function(function, name, arguments, expected, hint, rtol=rtol, atol=atol)

    result = checks.call_student_function(function, name, arguments)
    if isinstance(expected, str):
        reason = _label_mismatch(result, expected)
    else:
        reason = _mapping_mismatch(result, expected, rtol, atol)
    if reason is not None:
        raise AssertionError(
            f"{format_call(name, arguments)}\n"
            f"  expected: {format_result(expected)}\n"
            f"  received: {format_result(result)}\n"
            f"  ({reason})\n"
            f"Hint: {hint}"
        )
    return checks.Passed(f"{name}: passed for {format_call(name, arguments)}")


def check_result_against_reference(
    function: Callable,
    reference: Callable,
    name: str,
    cases: Iterable[Mapping],
    hint: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-8,
) -> checks.Passed:
    """Check ``function`` against ``reference`` with :func:`check_result` on every case of keyword arguments."""
    count = 0
    for arguments in cases:
        expected = reference(**copy.deepcopy(dict(arguments)))
        check_result(function, name, arguments, expected, hint, rtol=rtol, atol=atol)
        count += 1
    if count == 0:
        raise ValueError("cases is empty; a check needs at least one case.")
    return checks.Passed(f"{name}: passed on {count} cases")
