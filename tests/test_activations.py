"""Tests of helpers.activations: values, derivatives, stability and the registry."""

import math
import warnings
from types import MappingProxyType

import numpy as np
import pytest

from helpers import activations
from helpers.activations import (
    ACTIVATIONS,
    ActivationSpec,
    gelu,
    gelu_derivative,
    get_activation,
    leaky_relu,
    leaky_relu_derivative,
    sigmoid,
    softmax,
    softmax_derivative,
    softmax_jacobian,
)
from helpers.gradcheck import check_gradient, numerical_gradient
from helpers.runtime import import_keras, import_tensorflow

ELEMENTWISE = [name for name, spec in ACTIVATIONS.items() if spec.elementwise]

# Option sets checked beyond the defaults: (registry name, options).
VARIANTS = [
    ("leaky_relu", {"negative_slope": 0.05}),
    ("leaky_relu", {"negative_slope": 0.0}),
    ("gelu", {"approximate": True}),
]
ALL_CASES = [(name, {}) for name in ACTIVATIONS] + VARIANTS
ELEMENTWISE_CASES = [(name, options) for name, options in ALL_CASES if ACTIVATIONS[name].elementwise]


def case_id(case):
    name, options = case
    return name + "".join(f"-{key}={value}" for key, value in options.items())


def inputs_for_difference(seed, shape=(4, 5)):
    """Return random inputs in [-4, 4], at least 0.01 from the kink at 0.

    Beyond |x| = 4, tanh' and sigmoid' fall below 1e-3 while the round-off of a centred
    difference stays near eps * |f(x)| / h = 2e-11, so the relative error would measure
    round-off instead of the derivative.
    """
    x = np.random.default_rng(seed).uniform(-4.0, 4.0, size=shape)
    return np.where(np.abs(x) < 0.01, 0.5, x)


def inputs_away_from_kinks(seed, shape=(4, 5), scale=3.0):
    """Return random inputs at least 0.01 from 0, where ReLU and leaky ReLU have their kink."""
    x = np.random.default_rng(seed).normal(scale=scale, size=shape)
    return np.where(np.abs(x) < 0.01, 0.5, x)


@pytest.fixture(scope="module")
def keras():
    return import_keras()


@pytest.fixture(scope="module")
def tf():
    return import_tensorflow()


# -- hand-checkable values ------------------------------------------------

LN2, LN3 = math.log(2.0), math.log(3.0)

# (function, input, expected, arithmetic)
HAND_VALUES = [
    (activations.sigmoid, 0.0, 0.5, "1 / (1 + e^0) = 1/2"),
    (activations.sigmoid, LN3, 0.75, "1 / (1 + 1/3) = 3/4"),
    (activations.sigmoid, -LN3, 0.25, "1 / (1 + 3) = 1/4"),
    (activations.sigmoid_derivative, 0.0, 0.25, "1/2 * 1/2"),
    (activations.sigmoid_derivative, LN3, 0.1875, "3/4 * 1/4 = 3/16"),
    (activations.tanh, LN2, 0.6, "(2 - 1/2) / (2 + 1/2) = 3/5"),
    (activations.tanh_derivative, 0.0, 1.0, "1 - 0^2"),
    (activations.tanh_derivative, LN2, 0.64, "1 - (3/5)^2 = 16/25"),
    (activations.relu, -2.0, 0.0, "max(-2, 0)"),
    (activations.relu, 3.0, 3.0, "max(3, 0)"),
    (activations.relu_derivative, 3.0, 1.0, "slope of x"),
    (activations.relu_derivative, 0.0, 0.0, "TensorFlow's choice at the kink"),
    (activations.leaky_relu, -2.0, -0.4, "0.2 * -2"),
    (activations.leaky_relu_derivative, -2.0, 0.2, "default negative_slope"),
    (activations.leaky_relu_derivative, 0.0, 0.2, "TensorFlow's choice at the kink"),
    (activations.swish, LN3, 0.75 * LN3, "ln 3 * sigmoid(ln 3) = 3/4 ln 3"),
    (activations.swish_derivative, 0.0, 0.5, "s + 0 = 1/2"),
    (activations.swish_derivative, LN3, 0.75 + LN3 * 0.75 * 0.25, "s + x s (1 - s) with s = 3/4"),
    (activations.gelu, 0.0, 0.0, "0 * Phi(0)"),
    (activations.gelu, 1.0, 0.8413447460685429, "Phi(1) = 0.841344746..."),
    (activations.gelu_derivative, 0.0, 0.5, "Phi(0) + 0 * phi(0)"),
    (activations.gelu_derivative, 1.0, 0.8413447460685429 + 0.24197072451914337, "Phi(1) + phi(1)"),
    (activations.linear, -2.5, -2.5, "identity"),
    (activations.linear_derivative, -2.5, 1.0, "slope of x"),
]


@pytest.mark.parametrize("function, x, expected, arithmetic", HAND_VALUES, ids=[f"{row[0].__name__}({row[1]:.3g})" for row in HAND_VALUES])
def test_hand_value(function, x, expected, arithmetic):
    assert function(x) == pytest.approx(expected, rel=1e-12, abs=1e-15), arithmetic


def test_gelu_tanh_approximation_hand_value():
    # u = sqrt(2/pi) * (1 + 0.044715) = 0.833540; tanh(u) = 0.682384; (1 + 0.682384) / 2 = 0.841192.
    assert gelu(1.0, approximate=True) == pytest.approx(0.841192, abs=1e-6)


def test_softmax_hand_values():
    # exp([0, ln 2, ln 3]) = [1, 2, 3], whose sum is 6, so softmax = [1/6, 2/6, 3/6].
    np.testing.assert_allclose(softmax([0.0, LN2, LN3]), [1 / 6, 1 / 3, 1 / 2], rtol=1e-12)


def test_softmax_derivative_hand_values():
    # s = [1/2, 1/2], d_out = [1, 0]: sum(d_out * s) = 1/2, so dX = s * (d_out - 1/2) = [1/4, -1/4].
    np.testing.assert_allclose(softmax_derivative([0.0, 0.0], [1.0, 0.0]), [0.25, -0.25], rtol=1e-12)


def test_softmax_jacobian_hand_values():
    # s = [1/2, 1/2]: J = diag(s) - s s^T = [[1/4, -1/4], [-1/4, 1/4]].
    np.testing.assert_allclose(softmax_jacobian([0.0, 0.0]), [[0.25, -0.25], [-0.25, 0.25]], rtol=1e-12)


# -- agreement with Keras and TensorFlow ------------------------------------------------


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_agrees_with_keras_float32(keras, case):
    name, options = case
    spec = ACTIVATIONS[name]
    x = np.random.default_rng(11).normal(scale=4.0, size=(8, 6)).astype(np.float32)

    expected = np.asarray(keras.activations.get(spec.keras_name)(x, **options))

    # Tolerance: 1e-6 relative and absolute. Both compute on the same float32 inputs, and
    # Keras rounds its result to float32 (relative error 6e-8) while ours stays float64.
    np.testing.assert_allclose(spec.function(x, **options), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_agrees_with_keras_on_axis(keras, axis):
    x = np.random.default_rng(12).normal(scale=4.0, size=(3, 4, 5)).astype(np.float32)

    expected = np.asarray(keras.activations.softmax(x, axis=axis))

    # Tolerance: 1e-6, as for the float32 comparison above.
    np.testing.assert_allclose(softmax(x, axis=axis), expected, rtol=1e-6, atol=1e-6)


TF_NN = {
    "sigmoid": lambda tf, x, **options: tf.nn.sigmoid(x),
    "tanh": lambda tf, x, **options: tf.nn.tanh(x),
    "relu": lambda tf, x, **options: tf.nn.relu(x),
    "leaky_relu": lambda tf, x, negative_slope=0.2: tf.nn.leaky_relu(x, alpha=negative_slope),
    "swish": lambda tf, x, **options: tf.nn.silu(x),
    "gelu": lambda tf, x, approximate=False: tf.nn.gelu(x, approximate=approximate),
    "softmax": lambda tf, x, **options: tf.nn.softmax(x),
}


@pytest.mark.parametrize("case", [case for case in ALL_CASES if case[0] in TF_NN], ids=case_id)
def test_agrees_with_tf_nn_float32(tf, case):
    name, options = case
    x = np.random.default_rng(13).normal(scale=4.0, size=(8, 6)).astype(np.float32)

    expected = TF_NN[name](tf, tf.constant(x), **options).numpy()

    # Tolerance: 1e-6 relative and absolute, for float32 results as above.
    np.testing.assert_allclose(ACTIVATIONS[name].function(x, **options), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_backward_agrees_with_tensorflow_gradient(keras, tf, case):
    name, options = case
    spec = ACTIVATIONS[name]
    x = inputs_away_from_kinks(14, shape=(5, 4))
    d_out = np.random.default_rng(15).standard_normal(x.shape)

    with tf.GradientTape() as tape:
        variable = tf.constant(x)
        tape.watch(variable)
        output = keras.activations.get(spec.keras_name)(variable, **options)
        objective = tf.reduce_sum(output * d_out)
    expected = tape.gradient(objective, variable).numpy()

    # Tolerance: 1e-6 absolute in float64. Keras's float64 GELU differs from the exact
    # formula by about 4e-9, so a tighter bound would test Keras, not this module.
    np.testing.assert_allclose(spec.backward(x, d_out, **options), expected, rtol=1e-6, atol=1e-6)


def test_relu_derivative_at_zero_matches_tensorflow(tf):
    with tf.GradientTape(persistent=True) as tape:
        zero = tf.constant([0.0], dtype=tf.float64)
        tape.watch(zero)
        relu_output = tf.nn.relu(zero)
        leaky_output = tf.nn.leaky_relu(zero, alpha=0.2)

    assert activations.relu_derivative([0.0])[0] == tape.gradient(relu_output, zero).numpy()[0]
    # TensorFlow stores alpha as float32, so its slope is 0.2 to 7 significant digits.
    assert leaky_relu_derivative([0.0])[0] == pytest.approx(tape.gradient(leaky_output, zero).numpy()[0], rel=1e-7)


# -- centred-difference gradient checks ------------------------------------------------


@pytest.mark.parametrize("case", ELEMENTWISE_CASES, ids=case_id)
def test_derivative_matches_centred_difference(case):
    name, options = case
    spec = ACTIVATIONS[name]
    x = inputs_for_difference(16)
    baseline = spec.function(x, **options)

    # sum(f(v) - f(x)) has gradient f'(x) for an elementwise f. Subtracting f(x) makes the
    # unperturbed entries contribute exactly 0, so the sum adds no round-off of its own.
    report = check_gradient(
        lambda v: np.sum(spec.function(v, **options) - baseline), x, spec.derivative(x, **options), tolerance=1e-7
    )

    # Tolerance: relative error 1e-7 with h = 1e-5 in float64. The inputs stay 0.01 from the
    # kinks of ReLU and leaky ReLU, so every function is smooth within h of every input.
    assert report.passed, str(report)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_derivative_matches_centred_difference(axis):
    rng = np.random.default_rng(17)
    x = rng.normal(scale=2.0, size=(3, 4))
    d_out = rng.standard_normal(x.shape)

    report = check_gradient(lambda v: np.sum(softmax(v, axis=axis) * d_out), x, softmax_derivative(x, d_out, axis=axis), tolerance=1e-7)

    # Tolerance: relative error 1e-7, because softmax is smooth.
    assert report.passed, str(report)


def test_softmax_jacobian_matches_centred_difference():
    x = np.random.default_rng(18).normal(size=4)

    # Row i of the Jacobian is the gradient of the output s_i.
    numerical = np.stack([numerical_gradient(lambda v, i=i: softmax(v)[i], x) for i in range(4)])

    # Tolerance: 1e-9 absolute, for entries of at most 0.25 in size.
    np.testing.assert_allclose(softmax_jacobian(x), numerical, rtol=0, atol=1e-9)


def test_softmax_jacobian_batch_matches_derivative():
    rng = np.random.default_rng(19)
    x = rng.normal(size=(3, 5))
    d_out = rng.standard_normal((3, 5))

    jacobians = softmax_jacobian(x)
    products = np.einsum("nij,nj->ni", jacobians, d_out)

    assert jacobians.shape == (3, 5, 5)
    np.testing.assert_allclose(jacobians, np.swapaxes(jacobians, 1, 2), rtol=0, atol=1e-15)
    np.testing.assert_allclose(jacobians.sum(axis=2), 0.0, atol=1e-15)
    np.testing.assert_allclose(products, softmax_derivative(x, d_out), rtol=1e-12, atol=1e-15)


# -- numerical stability ------------------------------------------------

EXTREME_INPUTS = np.array([-1e300, -1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0, 1e300])


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_extreme_inputs_raise_no_floating_point_error(case):
    name, options = case
    spec = ACTIVATIONS[name]
    d_out = np.ones_like(EXTREME_INPUTS)

    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        values = spec.function(EXTREME_INPUTS, **options)
        gradient = spec.backward(EXTREME_INPUTS, d_out, **options)

    assert np.all(np.isfinite(values)), values
    assert np.all(np.isfinite(gradient)), gradient


def test_extreme_values_are_exact():
    x = np.array([-1000.0, 1000.0])

    with np.errstate(all="raise"):
        np.testing.assert_array_equal(sigmoid(x), [0.0, 1.0])
        np.testing.assert_array_equal(activations.sigmoid_derivative(x), [0.0, 0.0])
        np.testing.assert_array_equal(activations.swish(x), [0.0, 1000.0])
        np.testing.assert_array_equal(activations.swish_derivative(x), [0.0, 1.0])
        np.testing.assert_array_equal(gelu(x), [0.0, 1000.0])
        np.testing.assert_array_equal(gelu(x, approximate=True), [0.0, 1000.0])
        np.testing.assert_array_equal(gelu_derivative(x), [0.0, 1.0])
        np.testing.assert_array_equal(gelu_derivative(x, approximate=True), [0.0, 1.0])
        np.testing.assert_array_equal(softmax(x), [0.0, 1.0])
        np.testing.assert_array_equal(activations.tanh_derivative(x), [0.0, 0.0])


def test_softmax_is_shift_invariant():
    x = np.random.default_rng(20).normal(size=(4, 6))

    np.testing.assert_allclose(softmax(x + 1000.0), softmax(x), rtol=1e-12, atol=0)
    np.testing.assert_allclose(softmax(x - 1000.0), softmax(x), rtol=1e-12, atol=0)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_softmax_sums_to_one_along_axis(axis):
    x = np.random.default_rng(21).normal(scale=10.0, size=(2, 3, 4))

    np.testing.assert_allclose(softmax(x, axis=axis).sum(axis=axis), 1.0, rtol=1e-12)


def test_gelu_left_tail_keeps_precision():
    # gelu(-10) = -10 * Phi(-10) = -7.6198530241605e-23; 1 + erf(-10 / sqrt(2)) would round to 0.
    assert gelu(-10.0) == pytest.approx(-7.6198530241605e-23, rel=1e-10)


def test_gelu_forms_differ_little():
    x = np.linspace(-10.0, 10.0, 2001)

    assert np.max(np.abs(gelu(x) - gelu(x, approximate=True))) < 5e-4


# -- registry properties ------------------------------------------------


def test_registry_is_read_only():
    assert isinstance(ACTIVATIONS, MappingProxyType)
    with pytest.raises(TypeError):
        ACTIVATIONS["relu"] = None


def test_registry_lists_every_activation():
    assert list(ACTIVATIONS) == ["sigmoid", "tanh", "relu", "leaky_relu", "swish", "gelu", "softmax", "linear"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_registry_entry_fields(name):
    spec = ACTIVATIONS[name]

    assert isinstance(spec, ActivationSpec)
    assert spec.name == name
    assert spec.function is getattr(activations, name)
    assert spec.derivative is getattr(activations, f"{name}_derivative")
    assert spec.description
    assert "\n" not in spec.description
    assert len(spec.description) <= 120
    low, high = spec.output_range
    assert low < high


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_registry_keras_name_round_trips(keras, name):
    spec = ACTIVATIONS[name]

    keras_function = keras.activations.get(spec.keras_name)

    assert keras.activations.serialize(keras_function) == spec.keras_name


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_output_within_range(name):
    spec = ACTIVATIONS[name]
    x = np.concatenate([np.random.default_rng(22).normal(scale=5.0, size=500), np.linspace(-50.0, 50.0, 10001)])

    values = spec.function(x)

    low, high = spec.output_range
    assert values.min() >= low
    assert values.max() <= high


@pytest.mark.parametrize("name", ["swish", "gelu"])
def test_output_range_lower_bound_is_tight(name):
    spec = ACTIVATIONS[name]
    x = np.linspace(-3.0, 0.0, 300001)

    # The stored bound is the minimum rounded down in its 8th significant digit.
    assert spec.function(x).min() - spec.output_range[0] < 1e-7


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_shape_and_dtype_preserved(case):
    name, options = case
    spec = ACTIVATIONS[name]
    x = np.random.default_rng(23).normal(size=(2, 3, 4)).astype(np.float32)

    values = spec.function(x, **options)
    gradient = spec.backward(x, np.ones_like(x), **options)

    assert values.shape == x.shape
    assert values.dtype == np.float64
    assert gradient.shape == x.shape
    assert gradient.dtype == np.float64


@pytest.mark.parametrize("case", ELEMENTWISE_CASES, ids=case_id)
def test_elementwise_backward_is_product(case):
    name, options = case
    spec = ACTIVATIONS[name]
    rng = np.random.default_rng(24)
    x = rng.normal(size=(3, 4))
    d_out = rng.normal(size=(3, 4))

    np.testing.assert_array_equal(spec.backward(x, d_out, **options), d_out * spec.derivative(x, **options))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_scalar_input_gives_scalar(name):
    spec = ACTIVATIONS[name]

    assert np.ndim(spec.function(0.5)) == 0
    assert np.ndim(spec.derivative(0.5)) == 0


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_input_array_unchanged(name):
    x = np.array([-1.0, 0.5, 2.0])
    before = x.copy()

    ACTIVATIONS[name].function(x)
    ACTIVATIONS[name].derivative(x)

    np.testing.assert_array_equal(x, before)


def test_get_activation_by_name():
    for name, spec in ACTIVATIONS.items():
        assert get_activation(name) is spec
        assert get_activation(spec.keras_name) is spec


def test_get_activation_keras_alias():
    assert get_activation("silu").name == "swish"


# -- input errors ------------------------------------------------


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_rejects_string_input(name):
    with pytest.raises(TypeError, match="x must be a number or an array of numbers; received str"):
        ACTIVATIONS[name].function("1.0")


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_rejects_boolean_input(name):
    with pytest.raises(TypeError, match="x must contain real numbers; received .* with dtype bool"):
        ACTIVATIONS[name].function(np.array([[True, False]]))


def test_leaky_relu_rejects_negative_slope():
    with pytest.raises(ValueError, match=r"negative_slope must be a finite number >= 0; received -0.1. Keras's default is 0.2"):
        leaky_relu([1.0], negative_slope=-0.1)


def test_leaky_relu_rejects_infinite_slope():
    with pytest.raises(ValueError, match="negative_slope must be a finite number >= 0; received inf"):
        leaky_relu_derivative([1.0], negative_slope=float("inf"))


def test_leaky_relu_rejects_string_slope():
    with pytest.raises(TypeError, match="negative_slope must be a number such as 0.2; received str '0.2'"):
        leaky_relu([1.0], negative_slope="0.2")


def test_leaky_relu_warns_slope_above_one():
    with pytest.warns(UserWarning, match="negative_slope=2.0 is greater than 1"):
        leaky_relu([1.0], negative_slope=2.0)


def test_gelu_rejects_pytorch_style_flag():
    with pytest.raises(TypeError, match="approximate must be True or False; received str 'tanh'. PyTorch's"):
        gelu([1.0], approximate="tanh")


def test_gelu_derivative_rejects_integer_flag():
    with pytest.raises(TypeError, match="approximate must be True or False; received int 1"):
        gelu_derivative([1.0], approximate=1)


def test_softmax_rejects_axis_out_of_range():
    with pytest.raises(ValueError, match="axis must be between -2 and 1 for an input with 2 dimensions; received 2"):
        softmax(np.ones((2, 3)), axis=2)


def test_softmax_rejects_non_integer_axis():
    with pytest.raises(TypeError, match="axis must be an integer such as -1; received float 1.0"):
        softmax(np.ones((2, 3)), axis=1.0)


def test_softmax_rejects_scalar():
    with pytest.raises(ValueError, match="x must have at least 1 dimension for softmax; received a scalar"):
        softmax(1.0)


def test_softmax_derivative_rejects_shape_mismatch():
    with pytest.raises(ValueError, match=r"d_out and x must have the same shape; received \(2, 2\) and \(2, 3\)"):
        softmax_derivative(np.ones((2, 3)), np.ones((2, 2)))


def test_softmax_jacobian_rejects_three_dimensions():
    with pytest.raises(ValueError, match=r"x must have shape \(C,\) or \(N, C\) for softmax_jacobian; received shape \(2, 2, 2\)"):
        softmax_jacobian(np.ones((2, 2, 2)))


def test_backward_rejects_shape_mismatch():
    with pytest.raises(ValueError, match=r"d_out and x must have the same shape; received \(3,\) and \(2,\)"):
        ACTIVATIONS["relu"].backward(np.ones(2), np.ones(3))


def test_get_activation_rejects_unknown_name():
    with pytest.raises(ValueError, match="name must be one of 'sigmoid', .* or a Keras name such as 'silu'; received 'ReLU'"):
        get_activation("ReLU")


def test_get_activation_rejects_non_string():
    with pytest.raises(TypeError, match="name must be a string such as 'relu'; received function"):
        get_activation(sigmoid)
