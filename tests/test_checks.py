import numpy as np
import pytest

from helpers import checks


def mean_square(y_true, y_pred):
    return float(np.mean((y_true - y_pred) ** 2))


def sum_square(y_true, y_pred):
    return float(np.sum((y_true - y_pred) ** 2))


EXAMPLE = {"y_true": np.array([1.0, 2.0]), "y_pred": np.array([1.0, 4.0])}


def test_check_function_passes_and_reports():
    result = checks.check_function(mean_square, "mse", EXAMPLE, expected=2.0, hint="use the mean")
    assert "mse: passed" in result
    assert repr(result) == str(result)


def test_failure_names_input_expected_received_and_hint():
    with pytest.raises(AssertionError) as raised:
        checks.check_function(sum_square, "mse", EXAMPLE, expected=2.0, hint="use the mean, not the sum")
    message = str(raised.value)
    assert "mse(y_true=[1., 2.], y_pred=[1., 4.])" in message
    assert "expected: 2" in message
    assert "received: 4" in message
    assert "Hint: use the mean, not the sum" in message


def test_stub_gets_plain_message():
    def stub(y_true, y_pred):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="mse is not implemented yet"):
        checks.check_function(stub, "mse", EXAMPLE, expected=2.0, hint="")


def test_student_exception_is_reported_with_call():
    def broken(y_true, y_pred):
        return y_true @ np.zeros((3, 3))

    with pytest.raises(AssertionError, match=r"mse\(y_true=.*\) raised ValueError"):
        checks.check_function(broken, "mse", EXAMPLE, expected=2.0, hint="")


def test_in_place_change_is_rejected():
    def scales_in_place(x):
        x /= 2.0
        return x

    with pytest.raises(AssertionError, match="changed its argument 'x' in place"):
        checks.check_function(scales_in_place, "half", {"x": np.array([2.0, 4.0])}, expected=[1.0, 2.0], hint="")


def test_missing_return_is_explained():
    with pytest.raises(AssertionError, match="forget the 'return' statement"):
        checks.check_function(lambda x: None, "f", {"x": 1.0}, expected=1.0, hint="")


def test_wrong_shape_is_explained():
    with pytest.raises(AssertionError, match=r"has shape \(2, 2\) but should have shape \(2,\)"):
        checks.check_function(lambda x: np.ones((2, 2)), "f", {"x": 1.0}, expected=np.ones(2), hint="")


def test_largest_difference_is_located():
    with pytest.raises(AssertionError, match=r"largest difference is 5 at index \(1,\)"):
        checks.check_function(lambda x: np.array([1.0, 7.0]), "f", {"x": 1.0}, expected=np.array([1.0, 2.0]), hint="")


def test_nan_result_is_named():
    with pytest.raises(AssertionError, match="contains nan or inf"):
        checks.check_function(lambda x: np.nan, "f", {"x": 1.0}, expected=0.0, hint="")


def test_tuple_results_are_compared_by_position():
    expected = (np.zeros(2), np.ones(3))
    assert checks.check_function(lambda: (np.zeros(2), np.ones(3)), "pair", {}, expected=expected, hint="")
    with pytest.raises(AssertionError, match="value 1 of the returned tuple is wrong"):
        checks.check_function(lambda: (np.zeros(2), np.zeros(3)), "pair", {}, expected=expected, hint="")
    with pytest.raises(AssertionError, match="must be a tuple of 2 values"):
        checks.check_function(lambda: np.zeros(2), "pair", {}, expected=expected, hint="")


def test_non_function_is_rejected():
    with pytest.raises(AssertionError, match="mse must be a function; received float"):
        checks.check_function(3.0, "mse", EXAMPLE, expected=2.0, hint="")


def test_check_against_reference_counts_cases():
    rng = np.random.default_rng(0)
    cases = [{"y_true": rng.normal(size=4), "y_pred": rng.normal(size=4)} for _ in range(3)]
    assert "passed on 3 cases" in checks.check_against_reference(mean_square, mean_square, "mse", cases)
    with pytest.raises(AssertionError, match="expected"):
        checks.check_against_reference(sum_square, mean_square, "mse", cases)


def test_check_against_reference_rejects_no_cases():
    with pytest.raises(ValueError, match="cases is empty"):
        checks.check_against_reference(mean_square, mean_square, "mse", [])


def test_check_raises():
    def strict(x):
        if x < 0:
            raise ValueError("negative")
        return x

    assert "raises ValueError" in checks.check_raises(strict, "strict", {"x": -1}, ValueError, hint="")
    with pytest.raises(AssertionError, match="returned normally but should raise ValueError"):
        checks.check_raises(strict, "strict", {"x": 1}, ValueError, hint="check the sign")


def test_passed_prints_instead_of_becoming_cell_result(capsys):
    from IPython.core.formatters import DisplayFormatter

    result = checks.check_function(mean_square, "mse", EXAMPLE, expected=2.0, hint="")
    data, metadata = DisplayFormatter().format(result)

    # An empty format dict means IPython publishes no execute_result for the cell.
    assert data == {}
    assert "mse: passed" in capsys.readouterr().out
