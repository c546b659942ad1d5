"""Tests for helpers.result_checks: labels, dicts, and the hand-over of arrays to helpers.checks."""

import numpy as np
import pytest

from helpers.result_checks import check_result, check_result_against_reference, format_result


def label_of(values):
    return "rising" if values[-1] > values[0] else "falling"


def weights_of(labels):
    classes, counts = np.unique(labels, return_counts=True)
    return {label: len(labels) / (len(classes) * count) for label, count in zip(classes, counts)}


# Labels ---------------------------------------------------------------------------------


def test_label_passes_and_names_call():
    result = check_result(label_of, "label_of", {"values": [1.0, 2.0]}, expected="rising", hint="")
    assert "label_of: passed" in result
    assert "values=[1., 2.]" in result


def test_wrong_label_shows_both_and_hint():
    with pytest.raises(AssertionError) as raised:
        check_result(label_of, "label_of", {"values": [2.0, 1.0]}, expected="rising", hint="compare the ends")
    message = str(raised.value)
    assert "label_of(values=[2., 1.])" in message
    assert "expected: 'rising'" in message
    assert "received: 'falling'" in message
    assert "(the labels differ)" in message
    assert "Hint: compare the ends" in message


def test_label_of_wrong_type_is_explained():
    with pytest.raises(AssertionError, match="must be a string such as 'rising', not int"):
        check_result(lambda values: 1, "label_of", {"values": [1.0]}, expected="rising", hint="")


def test_missing_return_is_explained_for_label():
    with pytest.raises(AssertionError, match="forget the 'return' statement"):
        check_result(lambda values: None, "label_of", {"values": [1.0]}, expected="rising", hint="")


def test_stub_is_explained():
    def stub(values):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="label_of is not implemented yet"):
        check_result(stub, "label_of", {"values": [1.0]}, expected="rising", hint="")


# Dicts ----------------------------------------------------------------------------------


def test_dict_with_numpy_keys_matches_python_keys():
    labels = np.array([0, 0, 0, 1], dtype=np.uint8)
    # 4 / (2 * 3) for class 0 and 4 / (2 * 1) for class 1
    result = check_result(weights_of, "weights_of", {"labels": labels}, expected={0: 2 / 3, 1: 2.0}, hint="")
    assert "weights_of: passed" in result


def test_dict_value_difference_names_key():
    with pytest.raises(AssertionError) as raised:
        check_result(weights_of, "weights_of", {"labels": np.array([0, 1])}, expected={0: 1.0, 1: 2.0}, hint="h")
    message = str(raised.value)
    assert "expected: {0: 1, 1: 2}" in message
    assert "received: {0: 1, 1: 1}" in message
    assert "the value for key 1 differs (expected 2, received 1)" in message


def test_dict_key_difference_lists_missing_and_unexpected():
    with pytest.raises(AssertionError, match=r"missing \[2\], unexpected \[1\]"):
        check_result(weights_of, "weights_of", {"labels": np.array([0, 1])}, expected={0: 1.0, 2: 1.0}, hint="")


def test_dict_value_must_be_number():
    with pytest.raises(AssertionError, match="value for key 0 must be a number, not str"):
        check_result(lambda labels: {0: "one"}, "weights_of", {"labels": [0]}, expected={0: 1.0}, hint="")


def test_list_instead_of_dict_is_explained():
    with pytest.raises(AssertionError, match="the result must be a dict, not list"):
        check_result(lambda labels: [1.0], "weights_of", {"labels": [0]}, expected={0: 1.0}, hint="")


def test_dict_argument_is_shown_key_by_key():
    history = {"loss": [1.0, 0.5], "val_loss": [1.5, 0.75]}
    with pytest.raises(AssertionError) as raised:
        check_result(lambda history: "flat", "classify", {"history": history}, expected="steep", hint="")
    assert "classify(history={'loss': [1. , 0.5], 'val_loss': [1.5 , 0.75]})" in str(raised.value)


# Arrays and references --------------------------------------------------------------------


def test_arrays_go_to_check_function():
    with pytest.raises(AssertionError, match="largest difference is 1 at index"):
        check_result(lambda x: x, "identity", {"x": np.array([1.0, 2.0])}, expected=np.array([1.0, 3.0]), hint="")
    assert "passed" in check_result(lambda x: x, "identity", {"x": np.array([1.0])}, expected=np.array([1.0]), hint="")


def test_against_reference_counts_cases():
    cases = [{"labels": np.array([0, 1, 1])}, {"labels": np.array([3, 3, 5, 7])}]
    result = check_result_against_reference(weights_of, weights_of, "weights_of", cases)
    assert result == "weights_of: passed on 2 cases"


def test_against_reference_rejects_empty_cases():
    with pytest.raises(ValueError, match="cases is empty"):
        check_result_against_reference(label_of, label_of, "label_of", [])


def test_format_result_of_nested_values():
    assert format_result({np.int64(1): np.float64(0.25)}) == "{1: 0.25}"
    assert format_result("good fit") == "'good fit'"


def test_label_subclass_that_redefines_equality_is_rejected():
    class AlwaysEqual(str):
        def __eq__(self, other):
            return True

        def __ne__(self, other):
            return False

        __hash__ = str.__hash__

    with pytest.raises(AssertionError, match="must be a string such as 'rising', not AlwaysEqual"):
        check_result(lambda values: AlwaysEqual("x"), "label_of", {"values": [1.0]}, expected="rising", hint="")


def test_nan_value_in_dict_fails():
    with pytest.raises(AssertionError, match="the value for key 0 differs"):
        check_result(lambda labels: {0: float("nan")}, "weights_of", {"labels": [0]}, expected={0: 1.0}, hint="")
