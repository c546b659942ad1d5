"""Tests of helpers.gradcheck: centred differences, relative errors and check reports."""

import numpy as np
import pytest

from helpers.gradcheck import (
    GradientCheckReport,
    check_gradient,
    check_layer_gradients,
    check_parameter_gradients,
    compare_gradients,
    numerical_gradient,
    relative_error,
)
from helpers.runtime import import_tensorflow


class LinearLayer:
    """Layer ``y = x @ W`` with a correct backward, built here so the checks need no other module."""

    def __init__(self, rng, wrong_input_gradient=False, wrong_kernel_gradient=False):
        self.W = rng.standard_normal((3, 2))
        self.dW = np.zeros_like(self.W)
        self.wrong_input_gradient = wrong_input_gradient
        self.wrong_kernel_gradient = wrong_kernel_gradient

    def forward(self, x):
        self.x = x
        return x @ self.W

    def backward(self, d_out):
        self.dW[...] = self.x.T @ d_out
        if self.wrong_kernel_gradient:
            self.dW[2, 1] *= 1.5
        dx = d_out @ self.W.T
        if self.wrong_input_gradient:
            dx = dx.T.reshape(dx.shape)  # a plausible transposition bug
        return dx

    def parameters(self):
        return {"kernel": self.W}

    def gradients(self):
        return {"kernel": self.dW}


# Scalar functions with their gradients. All are smooth, so float64 centred differences
# with h = 1e-5 agree with the exact gradient to a relative error far below 1e-7.
FUNCTIONS = {
    "sum of squares": (lambda x: np.sum(x**2), lambda x: 2 * x),
    "sum of sines": (lambda x: np.sum(np.sin(x)), np.cos),
    "log-sum-exp": (
        lambda x: np.log(np.sum(np.exp(x))),
        lambda x: np.exp(x) / np.sum(np.exp(x)),
    ),
    "product of first two": (
        lambda x: x.flat[0] * x.flat[1],
        lambda x: np.array([x.flat[1], x.flat[0]] + [0.0] * (x.size - 2)).reshape(x.shape),
    ),
}


# -- hand-checkable steps ------------------------------------------------


def test_numerical_gradient_sum_of_squares():
    # f(x) = x0**2 + x1**2 + x2**2, so df/dx = 2x = [2, -4, 6]. For a quadratic the
    # centred difference is exact up to round-off: ((x+h)**2 - (x-h)**2) / 2h = 2x.
    x = np.array([1.0, -2.0, 3.0])

    gradient = numerical_gradient(lambda v: np.sum(v**2), x)

    np.testing.assert_allclose(gradient, [2.0, -4.0, 6.0], rtol=0, atol=1e-9)


def test_relative_error_hand_values():
    # |1 - 1| / 2 = 0; |1 - 3| / 4 = 0.5; |2 - (-2)| / 4 = 1; both 0 gives 0 / tiny = 0;
    # |1e-10 - 0| / max(1e-10, 1e-8) = 1e-2 because the floor tiny = 1e-8 applies.
    analytic = np.array([1.0, 1.0, 2.0, 0.0, 1e-10])
    numerical = np.array([1.0, 3.0, -2.0, 0.0, 0.0])

    errors = relative_error(analytic, numerical)

    np.testing.assert_allclose(errors, [0.0, 0.5, 1.0, 0.0, 1e-2], rtol=1e-12, atol=0)


def test_relative_error_custom_tiny():
    # With tiny = 1e-12 the denominator is |a| + |n| = 1e-10, so the error is 1.
    assert relative_error([1e-10], [0.0], tiny=1e-12)[0] == pytest.approx(1.0)


# -- numerical gradient ------------------------------------------------


@pytest.mark.parametrize("name", FUNCTIONS)
def test_numerical_gradient_known_functions(name):
    function, gradient = FUNCTIONS[name]
    x = np.random.default_rng(0).standard_normal((3, 4))

    # Tolerance: 1e-8 absolute, far above the expected error (h**2 terms and round-off ~1e-10).
    np.testing.assert_allclose(numerical_gradient(function, x), gradient(x), rtol=0, atol=1e-8)


def test_numerical_gradient_restores_input_exactly():
    x = np.random.default_rng(1).standard_normal((4, 3))
    before = x.copy()

    numerical_gradient(lambda v: np.sum(np.sin(v)), x)

    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_perturbs_float64_in_place():
    # A closure that ignores its argument reads the perturbed array, as a layer reads its own weights.
    weights = np.array([1.0, 2.0])

    gradient = numerical_gradient(lambda _: 3.0 * weights[0] + weights[1] ** 2, weights)

    np.testing.assert_allclose(gradient, [3.0, 4.0], atol=1e-8)


def test_numerical_gradient_copies_other_input():
    integers = [1, 2, 3]
    float32 = np.array([1.0, 2.0], dtype=np.float32)

    gradient_of_list = numerical_gradient(lambda v: np.sum(v**2), integers)
    gradient_of_float32 = numerical_gradient(lambda v: np.sum(v**2), float32)

    assert integers == [1, 2, 3]
    assert gradient_of_list.dtype == np.float64
    np.testing.assert_allclose(gradient_of_list, [2.0, 4.0, 6.0], atol=1e-8)
    np.testing.assert_array_equal(float32, np.array([1.0, 2.0], dtype=np.float32))
    np.testing.assert_allclose(gradient_of_float32, [2.0, 4.0], atol=1e-8)


def test_numerical_gradient_scalar_input():
    # d/dx x**3 = 3 x**2 = 12 at x = 2.
    gradient = numerical_gradient(lambda v: float(v) ** 3, 2.0)

    assert gradient.shape == ()
    assert gradient == pytest.approx(12.0, abs=1e-8)


def test_numerical_gradient_matches_tensorflow():
    tf = import_tensorflow()
    x = np.random.default_rng(2).standard_normal((2, 5))

    with tf.GradientTape() as tape:
        variable = tf.constant(x)
        tape.watch(variable)
        value = tf.reduce_sum(tf.math.log(1.0 + tf.exp(variable)) * tf.cos(variable))
    expected = tape.gradient(value, variable).numpy()

    def f(v):
        return np.sum(np.log1p(np.exp(v)) * np.cos(v))

    # Tolerance: 1e-8 absolute, because both are float64 and the function is smooth.
    np.testing.assert_allclose(numerical_gradient(f, x), expected, rtol=0, atol=1e-8)


# -- reports ------------------------------------------------


@pytest.mark.parametrize("name", FUNCTIONS)
def test_check_gradient_passes_correct_gradient(name):
    function, gradient = FUNCTIONS[name]
    x = np.random.default_rng(3).standard_normal((2, 3))

    report = check_gradient(function, x, gradient(x), tolerance=1e-7)

    assert report.passed, str(report)
    assert report.max_relative_error < 1e-7


@pytest.mark.parametrize("name", FUNCTIONS)
def test_check_gradient_fails_wrong_gradient(name):
    function, gradient = FUNCTIONS[name]
    x = np.random.default_rng(4).standard_normal((2, 3)) + 0.5
    wrong = gradient(x)
    wrong[0, 1] += 0.3

    report = check_gradient(function, x, wrong)

    assert not report.passed
    assert report.worst_index == (0, 1)


def test_report_names_worst_index():
    x = np.arange(12.0).reshape(3, 4) + 1.0
    analytic = 2 * x
    analytic[1, 2] = -analytic[1, 2]  # sign error at one entry: relative error 1
    analytic[2, 3] *= 1.01  # small error elsewhere

    report = check_gradient(lambda v: np.sum(v**2), x, analytic, name="W")

    assert not report.passed
    assert report.worst_index == (1, 2)
    assert report.max_relative_error == pytest.approx(1.0)
    assert report.analytic_value == pytest.approx(-14.0)
    assert report.numerical_value == pytest.approx(14.0)
    assert report.name == "W"
    assert "FAILED" in str(report)
    assert "(1, 2)" in str(report)


def test_report_text_of_passing_check():
    report = compare_gradients([1.0, 2.0], [1.0, 2.0], tolerance=1e-6, name="bias")

    assert isinstance(report, GradientCheckReport)
    assert str(report).startswith("bias: gradient check passed, max relative error 0.000e+00")


def test_report_empty_gradient_passes():
    report = compare_gradients(np.zeros((0, 3)), np.zeros((0, 3)))

    assert report.passed
    assert report.worst_index == ()
    assert report.max_relative_error == 0.0


def test_report_tolerance_boundary():
    # |1 - 1.1| / 2.1 = 0.047619..., so a tolerance just above passes and one just below fails.
    assert compare_gradients([1.0], [1.1], tolerance=0.0477).passed
    assert not compare_gradients([1.0], [1.1], tolerance=0.0476).passed


# -- layers and parameters ------------------------------------------------


def test_check_layer_gradients_correct_layer():
    rng = np.random.default_rng(5)
    layer = LinearLayer(rng)
    x = rng.standard_normal((4, 3))

    reports = check_layer_gradients(layer, x, tolerance=1e-7)

    assert list(reports) == ["input", "kernel"]
    for report in reports.values():
        assert report.passed, str(report)


def test_check_layer_gradients_wrong_kernel():
    rng = np.random.default_rng(6)
    layer = LinearLayer(rng, wrong_kernel_gradient=True)

    reports = check_layer_gradients(layer, rng.standard_normal((4, 3)))

    assert reports["input"].passed, str(reports["input"])
    assert not reports["kernel"].passed
    assert reports["kernel"].worst_index == (2, 1)


def test_check_layer_gradients_wrong_input():
    rng = np.random.default_rng(7)
    layer = LinearLayer(rng, wrong_input_gradient=True)

    reports = check_layer_gradients(layer, rng.standard_normal((3, 3)))

    assert not reports["input"].passed
    assert reports["kernel"].passed, str(reports["kernel"])


def test_check_layer_gradients_keeps_weights():
    rng = np.random.default_rng(8)
    layer = LinearLayer(rng)
    before = layer.W.copy()

    check_layer_gradients(layer, rng.standard_normal((2, 3)))

    np.testing.assert_array_equal(layer.W, before)


def test_check_layer_gradients_without_parameters():
    class Square:
        def forward(self, x):
            self.x = x
            return x**2

        def backward(self, d_out):
            return 2 * self.x * d_out

    reports = check_layer_gradients(Square(), np.random.default_rng(9).standard_normal((2, 2)), tolerance=1e-7)

    assert list(reports) == ["input"]
    assert reports["input"].passed, str(reports["input"])


def test_check_parameter_gradients_every_parameter():
    # L = sum(a * b) + sum(c**2), so dL/da = b, dL/db = a, dL/dc = 2c.
    rng = np.random.default_rng(10)
    params = {"a": rng.standard_normal(3), "b": rng.standard_normal(3), "c": rng.standard_normal((2, 2))}
    grads = {"a": params["b"].copy(), "b": params["a"].copy(), "c": 2 * params["c"]}

    reports = check_parameter_gradients(lambda: np.sum(params["a"] * params["b"]) + np.sum(params["c"] ** 2), params, grads)

    assert list(reports) == ["a", "b", "c"]
    for report in reports.values():
        assert report.passed, str(report)


# -- input errors ------------------------------------------------


def test_numerical_gradient_rejects_non_callable():
    with pytest.raises(TypeError, match="f must be a callable that returns a scalar; received list"):
        numerical_gradient([1.0], np.ones(2))


def test_numerical_gradient_rejects_array_output():
    with pytest.raises(ValueError, match=r"f must return a scalar; it returned array .* of shape \(2,\)"):
        numerical_gradient(lambda v: v**2, np.ones(2))


def test_numerical_gradient_rejects_non_finite_output():
    # sqrt is finite at x = [1, 0] but NaN once x[1] is perturbed to -h.
    with np.errstate(invalid="ignore"), pytest.raises(ValueError, match=r"f returned nan with x\[1\] perturbed to -1e-05"):
        numerical_gradient(lambda v: np.sum(np.sqrt(v)), np.array([1.0, 0.0]))


@pytest.mark.parametrize("h", [0.0, -1e-5, float("nan"), float("inf")])
def test_numerical_gradient_rejects_invalid_step(h):
    with pytest.raises(ValueError, match="h must be a finite number greater than 0"):
        numerical_gradient(lambda v: np.sum(v), np.ones(2), h=h)


def test_numerical_gradient_rejects_non_number_step():
    with pytest.raises(TypeError, match="h must be a positive number; received bool True"):
        numerical_gradient(lambda v: np.sum(v), np.ones(2), h=True)


@pytest.mark.parametrize("h", [0.1, 1e-10])
def test_numerical_gradient_warns_unusual_step(h):
    with pytest.warns(UserWarning, match="far from the usual 1e-5"):
        numerical_gradient(lambda v: np.sum(v), np.ones(2), h=h)


def test_numerical_gradient_rejects_string_input():
    with pytest.raises(TypeError, match="x must be a number or an array of numbers"):
        numerical_gradient(lambda v: np.sum(v), "1.0")


def test_check_gradient_rejects_shape_mismatch():
    with pytest.raises(ValueError, match=r"analytic and x must have the same shape; received \(3,\) and \(2,\)"):
        check_gradient(lambda v: np.sum(v), np.ones(2), np.ones(3))


def test_compare_gradients_rejects_invalid_tolerance():
    with pytest.raises(ValueError, match="tolerance must be a finite number greater than 0; received -1"):
        compare_gradients([1.0], [1.0], tolerance=-1.0)


def test_check_layer_gradients_rejects_non_layer():
    with pytest.raises(TypeError, match="layer must have a forward"):
        check_layer_gradients(object(), np.ones((1, 1)))


def test_check_parameter_gradients_rejects_key_mismatch():
    with pytest.raises(ValueError, match=r"missing gradients: \['b'\], gradients without a parameter: \['c'\]"):
        check_parameter_gradients(lambda: 0.0, {"a": np.ones(1), "b": np.ones(1)}, {"a": np.ones(1), "c": np.ones(1)})


def test_check_parameter_gradients_rejects_copied_parameter():
    with pytest.raises(TypeError, match="parameter 'a' must be a writeable float64 NumPy array"):
        check_parameter_gradients(lambda: 0.0, {"a": np.ones(2, dtype=np.float32)}, {"a": np.ones(2)})
