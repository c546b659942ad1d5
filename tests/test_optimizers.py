"""Tests for helpers.optimizers: hand-checked steps, agreement with keras.optimizers, errors, properties."""

import functools
import inspect

import numpy as np
import pytest

from helpers.optimizers import OPTIMIZERS, SGD, Adam, AdamW, RMSprop
from helpers.runtime import import_keras
from helpers.schedules import cosine_decay, exponential_decay

KERAS_TOLERANCE = 1e-6
"""Maximum absolute difference from Keras after 20 steps, with Keras computing in float64."""


@pytest.fixture(scope="module")
def keras():
    return import_keras()


@pytest.fixture
def keras_float64(keras):
    """Make Keras create its learning-rate variable in float64, so that 0.01 is not rounded to float32."""
    previous = keras.config.floatx()
    keras.config.set_floatx("float64")
    try:
        yield keras
    finally:
        keras.config.set_floatx(previous)


# Hand-checked single steps --------------------------------------------------------------


def test_sgd_plain_step():
    params = {"w": np.array([1.0, -2.0])}
    SGD(learning_rate=0.1).update(params, {"w": np.array([0.5, -1.0])})
    # w - lr * g = [1 - 0.05, -2 + 0.1]
    np.testing.assert_allclose(params["w"], [0.95, -1.9], rtol=0, atol=1e-15)


def test_sgd_momentum_two_steps():
    optimizer = SGD(learning_rate=0.1, momentum=0.9)
    params = {"w": np.array([1.0])}
    optimizer.update(params, {"w": np.array([2.0])})
    # m = 0.9 * 0 - 0.1 * 2 = -0.2, w = 1 - 0.2 = 0.8
    np.testing.assert_allclose(params["w"], [0.8], rtol=0, atol=1e-15)
    optimizer.update(params, {"w": np.array([2.0])})
    # m = 0.9 * -0.2 - 0.2 = -0.38, w = 0.8 - 0.38 = 0.42
    np.testing.assert_allclose(params["w"], [0.42], rtol=0, atol=1e-15)
    np.testing.assert_allclose(optimizer.slots["w"]["momentum"], [-0.38], rtol=0, atol=1e-15)


def test_sgd_nesterov_step():
    params = {"w": np.array([1.0])}
    SGD(learning_rate=0.1, momentum=0.9, nesterov=True).update(params, {"w": np.array([2.0])})
    # m = -0.2, w = 1 + 0.9 * (-0.2) - 0.1 * 2 = 1 - 0.18 - 0.2 = 0.62
    np.testing.assert_allclose(params["w"], [0.62], rtol=0, atol=1e-15)


def test_rmsprop_step():
    params = {"w": np.array([1.0])}
    RMSprop(learning_rate=0.1, rho=0.5, epsilon=0.0).update(params, {"w": np.array([2.0])})
    # v = 0.5 * 0 + 0.5 * 4 = 2, w = 1 - 0.1 * 2 / sqrt(2) = 1 - 0.141421356...
    np.testing.assert_allclose(params["w"], [1.0 - 0.2 / np.sqrt(2.0)], rtol=0, atol=1e-15)


def test_rmsprop_epsilon_inside_sqrt():
    params = {"w": np.array([1.0])}
    RMSprop(learning_rate=0.1, rho=0.5, epsilon=2.0).update(params, {"w": np.array([2.0])})
    # v = 2, w = 1 - 0.1 * 2 / sqrt(2 + 2) = 1 - 0.1 = 0.9 (sqrt(v) + epsilon would give 0.941...)
    np.testing.assert_allclose(params["w"], [0.9], rtol=0, atol=1e-15)


def test_rmsprop_centered_step():
    params = {"w": np.array([1.0])}
    RMSprop(learning_rate=0.1, rho=0.5, epsilon=0.0, centered=True).update(params, {"w": np.array([2.0])})
    # v = 2, a = 0.5 * 2 = 1, w = 1 - 0.1 * 2 / sqrt(2 - 1 ** 2) = 0.8
    np.testing.assert_allclose(params["w"], [0.8], rtol=0, atol=1e-15)


def test_rmsprop_momentum_two_steps():
    optimizer = RMSprop(learning_rate=0.1, rho=0.5, momentum=0.5, epsilon=0.0)
    params = {"w": np.array([1.0])}
    optimizer.update(params, {"w": np.array([2.0])})
    optimizer.update(params, {"w": np.array([2.0])})
    # Step 1: v = 2, step = 0.2 / sqrt(2) = 0.141421, p = 0.141421, w = 0.858579.
    # Step 2: v = 0.5 * 2 + 0.5 * 4 = 3, step = 0.2 / sqrt(3) = 0.115470, p = 0.070711 + 0.115470.
    expected = 1.0 - 0.2 / np.sqrt(2.0) - (0.5 * 0.2 / np.sqrt(2.0) + 0.2 / np.sqrt(3.0))
    np.testing.assert_allclose(params["w"], [expected], rtol=0, atol=1e-15)


# The Adam cases use beta_1 = 0.5 and beta_2 = 0.75, which float32 represents exactly, because
# Keras (and so Adam here) rounds the betas to float32 in the bias correction.


def test_adam_first_step_moves_by_learning_rate():
    params = {"w": np.array([1.0, 1.0])}
    Adam(learning_rate=0.1, beta_1=0.5, beta_2=0.75, epsilon=0.0).update(params, {"w": np.array([3.0, -0.01])})
    # m = 0.5 g, v = 0.25 g^2, alpha = 0.1 * sqrt(1 - 0.75) / (1 - 0.5) = 0.1,
    # so the step is 0.1 * 0.5 g / (0.5 |g|) = 0.1 * sign(g) for any size of g.
    np.testing.assert_allclose(params["w"], [0.9, 1.1], rtol=0, atol=1e-15)


def test_adam_default_betas_first_step():
    params = {"w": np.array([1.0])}
    Adam(learning_rate=0.1, epsilon=0.0).update(params, {"w": np.array([3.0])})
    # With beta_1 = 0.9 and beta_2 = 0.999 the first step is 0.1 * sign(g) up to the
    # float32 rounding of the betas: 1 - float32(0.999) = 0.00099998713.
    np.testing.assert_allclose(params["w"], [0.9], rtol=0, atol=1e-6)
    assert params["w"][0] != 0.9


def test_adam_epsilon_added_to_uncorrected_sqrt_v():
    params = {"w": np.array([1.0])}
    Adam(learning_rate=0.1, beta_1=0.5, beta_2=0.75, epsilon=0.1).update(params, {"w": np.array([0.2])})
    # m = 0.1, v = 0.25 * 0.04 = 0.01, sqrt(v) = 0.1, alpha = 0.1.
    # Step = 0.1 * 0.1 / (0.1 + 0.1) = 0.05. The textbook form with m_hat = 0.2 and
    # sqrt(v_hat) = 0.2 would give 0.1 * 0.2 / (0.2 + 0.1) = 0.0667.
    np.testing.assert_allclose(params["w"], [0.95], rtol=0, atol=1e-15)


def test_adam_amsgrad_keeps_max_velocity():
    optimizer = Adam(learning_rate=0.1, beta_1=0.0, beta_2=0.5, epsilon=0.0, amsgrad=True)
    params = {"w": np.array([0.0])}
    optimizer.update(params, {"w": np.array([2.0])})
    optimizer.update(params, {"w": np.array([0.0])})
    # Step 2: v = 0.5 * 2 + 0 = 1 (v was 0.5 * 4 = 2), so v_hat stays 2.
    np.testing.assert_allclose(optimizer.slots["w"]["velocity"], [1.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(optimizer.slots["w"]["velocity_hat"], [2.0], rtol=0, atol=1e-15)


def test_adamw_decay_only_with_zero_gradient():
    params = {"w": np.array([2.0])}
    AdamW(learning_rate=0.1, weight_decay=0.5).update(params, {"w": np.array([0.0])})
    # w - w * weight_decay * learning_rate = 2 - 2 * 0.5 * 0.1 = 1.9, and the Adam step is 0.
    np.testing.assert_allclose(params["w"], [1.9], rtol=0, atol=1e-15)


def test_adamw_decay_then_adam_step():
    params = {"w": np.array([2.0])}
    AdamW(learning_rate=0.1, weight_decay=0.5, beta_1=0.5, beta_2=0.75, epsilon=0.0).update(params, {"w": np.array([4.0])})
    # Decay: 2 - 0.1 = 1.9. Adam's first step: -0.1 * sign(4) = -0.1. So w = 1.8.
    np.testing.assert_allclose(params["w"], [1.8], rtol=0, atol=1e-15)


def test_clipnorm_scales_each_gradient():
    params = {"a": np.array([0.0, 0.0]), "b": np.array([0.0])}
    SGD(learning_rate=1.0, clipnorm=1.0).update(params, {"a": np.array([3.0, 4.0]), "b": np.array([0.5])})
    # ||a|| = 5 > 1, so a's gradient becomes [0.6, 0.8]. ||b|| = 0.5 <= 1 stays unchanged.
    np.testing.assert_allclose(params["a"], [-0.6, -0.8], rtol=0, atol=1e-15)
    np.testing.assert_allclose(params["b"], [-0.5], rtol=0, atol=1e-15)


def test_global_clipnorm_scales_all_together():
    params = {"a": np.array([0.0]), "b": np.array([0.0])}
    SGD(learning_rate=1.0, global_clipnorm=1.0).update(params, {"a": np.array([3.0]), "b": np.array([4.0])})
    # The norm of [3, 4] is 5, so both gradients are divided by 5.
    np.testing.assert_allclose(params["a"], [-0.6], rtol=0, atol=1e-15)
    np.testing.assert_allclose(params["b"], [-0.8], rtol=0, atol=1e-15)


def test_clipvalue_clips_elements():
    params = {"w": np.array([0.0, 0.0, 0.0])}
    SGD(learning_rate=1.0, clipvalue=0.5).update(params, {"w": np.array([2.0, -0.2, -3.0])})
    np.testing.assert_allclose(params["w"], [-0.5, 0.2, 0.5], rtol=0, atol=1e-15)


def test_schedule_gets_iteration_count():
    steps_seen = []

    def schedule(step):
        steps_seen.append(step)
        return 0.1 / (1 + step)

    optimizer = SGD(learning_rate=schedule)
    params = {"w": np.array([0.0])}
    for _ in range(3):
        optimizer.update(params, {"w": np.array([1.0])})
    # Learning rates 0.1, 0.05, 0.0333...
    assert steps_seen == [0, 1, 2]
    np.testing.assert_allclose(params["w"], [-(0.1 + 0.05 + 0.1 / 3)], rtol=0, atol=1e-15)


# Agreement with keras.optimizers ----------------------------------------------------------

KERAS_CASES = [
    ("sgd", {"learning_rate": 0.05}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.5, "weight_decay": 0.1}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "clipnorm": 0.5}),
    ("rmsprop", {"learning_rate": 0.01}),
    ("rmsprop", {"learning_rate": 0.01, "rho": 0.5, "epsilon": 0.1}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.9}),
    ("rmsprop", {"learning_rate": 0.01, "centered": True}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.2}),
    ("adam", {}),
    ("adam", {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 0.01}),
    ("adam", {"learning_rate": 0.05, "beta_2": 0.5, "amsgrad": True}),
    ("adam", {"learning_rate": 0.05, "weight_decay": 0.1, "clipvalue": 0.3}),
    ("adam", {"learning_rate": 0.05, "global_clipnorm": 1.0}),
    ("adamw", {}),
    ("adamw", {"learning_rate": 0.05, "weight_decay": 0.2, "beta_2": 0.6, "amsgrad": True}),
]


def _quadratic_problem(seed):
    """Return start values and a gradient function: the gradient of 0.5 * sum(h * (w - c)**2) plus a per-step offset."""
    rng = np.random.default_rng(seed)
    start = {"kernel": rng.normal(size=(3, 2)), "bias": rng.normal(size=(2,))}
    curvature = {name: rng.uniform(0.5, 3.0, size=value.shape) for name, value in start.items()}
    centre = {name: rng.normal(size=value.shape) for name, value in start.items()}
    # Large offsets for 5 steps, then small ones, so that v shrinks and AMSGrad's maximum matters.
    scales = [3.0] * 5 + [0.1] * 15
    offsets = [{name: rng.normal(scale=scale, size=value.shape) for name, value in start.items()} for scale in scales]

    def gradients(values, step):
        return {name: curvature[name] * (values[name] - centre[name]) + offsets[step][name] for name in values}

    return start, gradients


def _run_keras(keras, name, kwargs, start, gradients, steps):
    keras_class = {"sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop}.get(name)
    keras_class = keras_class or {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW}[name]
    optimizer = keras_class(**kwargs)
    variables = {key: keras.Variable(value, dtype="float64", name=key) for key, value in start.items()}
    for step in range(steps):
        values = {key: np.asarray(variable.numpy()) for key, variable in variables.items()}
        grads = gradients(values, step)
        optimizer.apply([grads[key] for key in variables], list(variables.values()))
    return {key: np.asarray(variable.numpy()) for key, variable in variables.items()}


def _run_ours(name, kwargs, start, gradients, steps):
    optimizer = OPTIMIZERS[name](**kwargs)
    params = {key: value.copy() for key, value in start.items()}
    for step in range(steps):
        optimizer.update(params, gradients(params, step))
    return params


@pytest.mark.parametrize(("name", "kwargs"), KERAS_CASES)
def test_twenty_steps_match_keras(keras_float64, name, kwargs):
    start, gradients = _quadratic_problem(seed=len(str(kwargs)))
    expected = _run_keras(keras_float64, name, kwargs, start, gradients, steps=20)
    received = _run_ours(name, kwargs, start, gradients, steps=20)
    for key in start:
        np.testing.assert_allclose(received[key], expected[key], rtol=0, atol=KERAS_TOLERANCE, err_msg=key)
    # The parameters moved, so the comparison is not trivially between two copies of the start.
    assert np.max(np.abs(received["kernel"] - start["kernel"])) > 1e-3


def test_amsgrad_case_differs_from_adam():
    # The AMSGrad case of KERAS_CASES uses beta_2=0.5 so that v can shrink within 20 steps.
    start, gradients = _quadratic_problem(seed=3)
    plain = _run_ours("adam", {"learning_rate": 0.05, "beta_2": 0.5}, start, gradients, steps=20)
    amsgrad = _run_ours("adam", {"learning_rate": 0.05, "beta_2": 0.5, "amsgrad": True}, start, gradients, steps=20)
    assert np.max(np.abs(plain["kernel"] - amsgrad["kernel"])) > 1e-3


def test_schedule_matches_keras_schedule(keras_float64):
    keras = keras_float64
    start, gradients = _quadratic_problem(seed=7)
    keras_schedule = keras.optimizers.schedules.ExponentialDecay(np.float64(0.1), decay_steps=5, decay_rate=0.5)
    expected = _run_keras(keras, "adam", {"learning_rate": keras_schedule}, start, gradients, steps=20)
    schedule = functools.partial(exponential_decay, initial_learning_rate=0.1, decay_steps=5, decay_rate=0.5)
    received = _run_ours("adam", {"learning_rate": schedule}, start, gradients, steps=20)
    for key in start:
        np.testing.assert_allclose(received[key], expected[key], rtol=0, atol=KERAS_TOLERANCE, err_msg=key)


def test_schedule_scales_adamw_decay_as_keras(keras_float64):
    keras = keras_float64
    start, gradients = _quadratic_problem(seed=8)
    keras_schedule = keras.optimizers.schedules.CosineDecay(np.float64(0.1), decay_steps=15, alpha=0.1)
    kwargs = {"weight_decay": 0.3}
    expected = _run_keras(keras, "adamw", {"learning_rate": keras_schedule, **kwargs}, start, gradients, steps=20)
    schedule = functools.partial(cosine_decay, initial_learning_rate=0.1, decay_steps=15, alpha=0.1)
    received = _run_ours("adamw", {"learning_rate": schedule, **kwargs}, start, gradients, steps=20)
    for key in start:
        np.testing.assert_allclose(received[key], expected[key], rtol=0, atol=KERAS_TOLERANCE, err_msg=key)


def test_keras_schedule_object_accepted(keras_float64):
    keras = keras_float64
    start, gradients = _quadratic_problem(seed=9)
    keras_schedule = keras.optimizers.schedules.ExponentialDecay(np.float64(0.05), decay_steps=4, decay_rate=0.8)
    expected = _run_keras(keras, "sgd", {"learning_rate": keras_schedule, "momentum": 0.9}, start, gradients, steps=20)
    received = _run_ours("sgd", {"learning_rate": keras_schedule, "momentum": 0.9}, start, gradients, steps=20)
    for key in start:
        np.testing.assert_allclose(received[key], expected[key], rtol=0, atol=KERAS_TOLERANCE, err_msg=key)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_defaults_match_keras(keras, name):
    keras_class = {
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
        "adam": keras.optimizers.Adam,
        "adamw": keras.optimizers.AdamW,
    }[name]
    ours = inspect.signature(OPTIMIZERS[name]).parameters
    theirs = inspect.signature(keras_class).parameters
    for argument, parameter in ours.items():
        assert argument in theirs, argument
        assert parameter.default == theirs[argument].default, argument
    # Our arguments appear in Keras's order, so positional calls mean the same.
    keras_order = [argument for argument in theirs if argument in ours]
    assert list(ours) == keras_order


# Errors ---------------------------------------------------------------------------------


def test_missing_gradient_names_key():
    params = {"W": np.zeros((2, 2)), "b": np.zeros(2)}
    with pytest.raises(ValueError, match=r"grads has no entry for parameter 'b'"):
        SGD().update(params, {"W": np.zeros((2, 2))})


def test_extra_gradient_names_key():
    params = {"W": np.zeros((2, 2))}
    with pytest.raises(ValueError, match=r"grads has the key 'c', which is not in params \(\['W'\]\)"):
        SGD().update(params, {"W": np.zeros((2, 2)), "c": np.zeros(2)})


def test_gradient_shape_mismatch_names_key():
    params = {"W": np.zeros((2, 3))}
    with pytest.raises(ValueError, match=r"grads\['W'\] must have the shape of params\['W'\], \(2, 3\); received shape \(3, 2\)"):
        Adam().update(params, {"W": np.zeros((3, 2))})


def test_parameter_shape_change_names_key():
    optimizer = Adam()
    optimizer.update({"W": np.zeros((2, 2))}, {"W": np.ones((2, 2))})
    message = r"params\['W'\] has shape \(3, 2\), but the optimizer's state for it has shape \(2, 2\)"
    with pytest.raises(ValueError, match=message):
        optimizer.update({"W": np.zeros((3, 2))}, {"W": np.ones((3, 2))})


def test_list_parameter_rejected():
    with pytest.raises(TypeError, match=r"params\['w'\] must be a floating-point np.ndarray"):
        SGD().update({"w": [1.0, 2.0]}, {"w": [1.0, 1.0]})


def test_integer_parameter_rejected():
    with pytest.raises(TypeError, match=r"params\['w'\] must be a floating-point np.ndarray"):
        SGD().update({"w": np.array([1, 2])}, {"w": np.array([1.0, 1.0])})


def test_non_dict_arguments_rejected():
    with pytest.raises(TypeError, match=r"params must be a dict"):
        SGD().update([np.zeros(2)], {"w": np.zeros(2)})
    with pytest.raises(TypeError, match=r"grads must be a dict"):
        SGD().update({"w": np.zeros(2)}, [np.zeros(2)])


def test_string_gradient_rejected():
    with pytest.raises(TypeError, match=r"grads\['w'\] must be a number or an array of numbers"):
        SGD().update({"w": np.zeros(2)}, {"w": "0.1"})


def test_failed_update_changes_nothing():
    optimizer = Adam(learning_rate=0.1)
    params = {"a": np.ones(2), "b": np.ones(3)}
    with pytest.raises(ValueError, match=r"grads\['b'\]"):
        optimizer.update(params, {"a": np.ones(2), "b": np.ones(4)})
    np.testing.assert_array_equal(params["a"], np.ones(2))
    assert optimizer.iterations == 0
    assert optimizer.slots == {}


@pytest.mark.parametrize(
    ("factory", "error", "pattern"),
    [
        (lambda: SGD(learning_rate="0.1"), TypeError, r"learning_rate must be a real number; received str '0.1'"),
        (lambda: SGD(learning_rate=-0.1), ValueError, r"learning_rate must be at least 0.0; received -0.1"),
        (lambda: SGD(learning_rate=float("nan")), ValueError, r"learning_rate must be finite"),
        (lambda: SGD(momentum=1.5), ValueError, r"momentum must be at most 1.0; received 1.5"),
        (lambda: SGD(nesterov="yes"), TypeError, r"nesterov must be True or False"),
        (lambda: RMSprop(rho=1.0), ValueError, r"rho must be less than 1.0; received 1.0"),
        (lambda: RMSprop(epsilon=-1e-7), ValueError, r"epsilon must be at least 0.0"),
        (lambda: RMSprop(centered=1), TypeError, r"centered must be True or False"),
        (lambda: Adam(beta_1=1.0), ValueError, r"beta_1 must be less than 1.0; received 1.0"),
        (lambda: Adam(beta_2=-0.1), ValueError, r"beta_2 must be at least 0.0"),
        (lambda: Adam(amsgrad=None), TypeError, r"amsgrad must be True or False"),
        (lambda: AdamW(weight_decay=None), ValueError, r"weight_decay must be a float for AdamW; received None"),
        (lambda: Adam(weight_decay=-0.1), ValueError, r"weight_decay must be at least 0.0"),
        (lambda: SGD(clipnorm=0.0), ValueError, r"clipnorm must be positive or None; received 0"),
        (lambda: SGD(clipnorm=1.0, clipvalue=1.0), ValueError, r"Only one of clipnorm, clipvalue and global_clipnorm"),
    ],
)
def test_invalid_arguments_rejected(factory, error, pattern):
    with pytest.raises(error, match=pattern):
        factory()


def test_schedule_returning_text_rejected():
    optimizer = SGD(learning_rate=lambda step: "fast")
    with pytest.raises(TypeError, match=r"schedule must return a number; at iteration 0 it returned str 'fast'"):
        optimizer.update({"w": np.zeros(1)}, {"w": np.ones(1)})


def test_schedule_returning_negative_rejected():
    optimizer = SGD(learning_rate=lambda step: -0.1)
    with pytest.raises(ValueError, match=r"the learning rate at iteration 0 must be at least 0.0; received -0.1"):
        optimizer.update({"w": np.zeros(1)}, {"w": np.ones(1)})


# Properties of every optimizer ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_zero_gradient_changes_only_by_decay(name):
    optimizer = OPTIMIZERS[name](learning_rate=0.1)
    params = {"w": np.array([1.0, -2.0])}
    for _ in range(3):
        optimizer.update(params, {"w": np.zeros(2)})
    # Only AdamW decays by default: w * (1 - 0.004 * 0.1) ** 3.
    factor = (1.0 - 0.004 * 0.1) ** 3 if name == "adamw" else 1.0
    np.testing.assert_allclose(params["w"], np.array([1.0, -2.0]) * factor, rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_quadratic_loss_decreases(name):
    # Loss 0.5 * sum(h * w**2) with its minimum at 0.
    curvature = np.array([1.0, 4.0, 0.5])
    optimizer = OPTIMIZERS[name](learning_rate=0.05)
    params = {"w": np.array([1.0, -1.0, 2.0])}
    start_loss = 0.5 * np.sum(curvature * params["w"] ** 2)
    for _ in range(50):
        optimizer.update(params, {"w": curvature * params["w"]})
    end_loss = 0.5 * np.sum(curvature * params["w"] ** 2)
    assert end_loss < 0.5 * start_loss


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_update_is_in_place_and_keeps_dtype(name):
    weights = np.ones((2, 2), dtype=np.float32)
    params = {"W": weights}
    OPTIMIZERS[name](learning_rate=0.1).update(params, {"W": np.ones((2, 2))})
    assert params["W"] is weights
    assert weights.dtype == np.float32
    assert np.all(weights < 1.0)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_created_per_parameter(name):
    optimizer = OPTIMIZERS[name](learning_rate=0.1, momentum=0.9) if name == "sgd" else OPTIMIZERS[name]()
    optimizer.update({"W": np.zeros((2, 3))}, {"W": np.ones((2, 3))})
    assert list(optimizer.slots) == ["W"]
    # A parameter seen for the first time later gets fresh state of its own shape.
    optimizer.update({"W": np.zeros((2, 3)), "b": np.zeros(3)}, {"W": np.ones((2, 3)), "b": np.ones(3)})
    assert sorted(optimizer.slots) == ["W", "b"]
    for slot in optimizer.slots["b"].values():
        assert slot.shape == (3,)
    assert optimizer.iterations == 2


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_errors_name_key_for_all(name):
    optimizer = OPTIMIZERS[name]()
    with pytest.raises(ValueError, match=r"grads has no entry for parameter 'bias'"):
        optimizer.update({"kernel": np.zeros(2), "bias": np.zeros(1)}, {"kernel": np.zeros(2)})
    with pytest.raises(ValueError, match=r"grads\['kernel'\] must have the shape"):
        optimizer.update({"kernel": np.zeros(2)}, {"kernel": np.zeros(3)})


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_config_makes_equal_copy(name):
    optimizer = OPTIMIZERS[name](learning_rate=0.02)
    copy = type(optimizer)(**optimizer.get_config())
    assert copy.get_config() == optimizer.get_config()
    assert repr(copy).startswith(type(optimizer).__name__ + "(")


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_learning_rate_settable(name):
    # ReduceLROnPlateau-style code assigns a new float between steps.
    optimizer = OPTIMIZERS[name](learning_rate=0.1)
    optimizer.learning_rate = 0.01
    assert optimizer.learning_rate == 0.01
    with pytest.raises(ValueError, match=r"learning_rate must be at least 0.0"):
        optimizer.learning_rate = -1.0
