"""Tests of helpers.optimizer_race: surfaces, optimizer paths, divergence and the race driven from code."""

import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.optimizer_race import (
    DIVERGENCE_LIMIT,
    RACE_OPTIMIZERS,
    SURFACES,
    make_race_optimizer,
    optimizer_path,
    optimizer_race,
    race_paths,
    steps_to_leave_ridge,
)
from helpers.optimizers import SGD, Adam, AdamW, RMSprop


@pytest.fixture(autouse=True)
def close_figures():
    plt.close("all")
    yield
    plt.close("all")


def lines_by_gid(axes):
    return {line.get_gid(): line for line in axes.get_lines() if line.get_gid() is not None}


# Surfaces -------------------------------------------------------------------------------


def test_surface_losses_by_hand():
    # Bowl: (1 + 20 * 4) / 2 = 40.5. Saddle: 4 / 2 + 16 / 4 - 4 / 2 = 4.
    # Rosenbrock: (1 - 2)^2 + 100 * (3 - 4)^2 = 101.
    assert SURFACES["bowl"].loss(1.0, 2.0) == 40.5
    assert SURFACES["saddle"].loss(2.0, 2.0) == 4.0
    assert SURFACES["rosenbrock"].loss(2.0, 3.0) == 101.0


@pytest.mark.parametrize("name", list(SURFACES))
def test_gradient_matches_centred_differences(name):
    surface = SURFACES[name]
    rng = np.random.default_rng(5)
    step = 1e-6
    for x, y in rng.uniform(-2.0, 2.0, size=(10, 2)):
        numerical = [
            (surface.loss(x + step, y) - surface.loss(x - step, y)) / (2 * step),
            (surface.loss(x, y + step) - surface.loss(x, y - step)) / (2 * step),
        ]
        # Centred differences are accurate to about step^2 * f''' plus a round-off of about
        # |f| * 1e-16 / step, which is at most 4e-7 for these polynomials on [-2, 2].
        np.testing.assert_allclose(surface.gradient(x, y), numerical, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", list(SURFACES))
def test_minimum_has_zero_gradient_and_lowest_loss(name):
    surface = SURFACES[name]
    assert surface.loss(*surface.minimum) == surface.minimum_loss
    np.testing.assert_array_equal(surface.gradient(*surface.minimum), [0.0, 0.0])
    rng = np.random.default_rng(6)
    x = rng.uniform(*surface.x_range, size=1000)
    y = rng.uniform(*surface.y_range, size=1000)
    assert np.all(surface.loss(x, y) >= surface.minimum_loss)


@pytest.mark.parametrize("name", list(SURFACES))
def test_start_and_minimum_inside_plotted_area(name):
    surface = SURFACES[name]
    for x, y in (surface.start, surface.minimum):
        assert surface.x_range[0] <= x <= surface.x_range[1]
        assert surface.y_range[0] <= y <= surface.y_range[1]
    assert list(surface.levels) == sorted(surface.levels)


# Paths ----------------------------------------------------------------------------------


def test_sgd_path_on_bowl_by_hand():
    path = optimizer_path("bowl", SGD(learning_rate=0.01), steps=50)
    # On (x^2 + 20 y^2) / 2 each SGD step multiplies x by 1 - 0.01 and y by 1 - 0.2.
    steps = np.arange(51)
    np.testing.assert_allclose(path.points[:, 0], -4.5 * 0.99**steps, rtol=1e-12)
    np.testing.assert_allclose(path.points[:, 1], 1.5 * 0.8**steps, rtol=1e-12)
    assert path.diverged_at is None
    assert not path.diverged


def test_path_equals_manual_optimizer_loop():
    surface = SURFACES["rosenbrock"]
    path = optimizer_path(surface, Adam(learning_rate=0.05, beta_1=0.5, beta_2=0.75), steps=30)

    optimizer = Adam(learning_rate=0.05, beta_1=0.5, beta_2=0.75)
    params = {"w": np.array(surface.start)}
    expected = [params["w"].copy()]
    for _ in range(30):
        optimizer.update(params, {"w": surface.gradient(*params["w"])})
        expected.append(params["w"].copy())
    expected = np.array(expected)

    np.testing.assert_array_equal(path.points, expected)
    np.testing.assert_array_equal(path.losses, surface.loss(expected[:, 0], expected[:, 1]))


def test_race_runs_every_optimizer_from_start():
    paths = race_paths("saddle", learning_rate=0.05, steps=40)
    assert list(paths) == list(RACE_OPTIMIZERS)
    for path in paths.values():
        assert path.points.shape == (41, 2)
        assert path.losses.shape == (41,)
        np.testing.assert_array_equal(path.points[0], SURFACES["saddle"].start)


def test_race_optimizers_take_their_own_hyperparameters():
    hyperparameters = {"momentum": 0.5, "rho": 0.8, "beta_1": 0.7, "beta_2": 0.99}
    sgd = make_race_optimizer("sgd", 0.1, **hyperparameters)
    momentum = make_race_optimizer("momentum", 0.1, **hyperparameters)
    rmsprop = make_race_optimizer("rmsprop", 0.1, **hyperparameters)
    adam = make_race_optimizer("adam", 0.1, **hyperparameters)
    assert isinstance(sgd, SGD) and sgd.momentum == 0.0
    assert isinstance(momentum, SGD) and momentum.momentum == 0.5
    assert isinstance(rmsprop, RMSprop) and rmsprop.rho == 0.8
    assert isinstance(adam, Adam) and (adam.beta_1, adam.beta_2) == (0.7, 0.99)


def test_adam_leaves_saddle_ridge_before_sgd():
    # Near y = 0 the gradient along y is about -y, so SGD grows y by only 5 % per step,
    # while Adam divides by the gradient's size and moves y by about the learning rate.
    paths = race_paths("saddle", learning_rate=0.05, steps=150)
    sgd_steps = steps_to_leave_ridge(paths["sgd"])
    adam_steps = steps_to_leave_ridge(paths["adam"])
    assert adam_steps < 20
    assert 60 < sgd_steps < 150


def test_ridge_never_left_gives_inf():
    path = optimizer_path("saddle", SGD(learning_rate=1e-4), steps=10)
    assert steps_to_leave_ridge(path) == math.inf


def test_divergent_sgd_stops_without_overflow_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = optimizer_path("rosenbrock", SGD(learning_rate=1.0), steps=100)

    # The gradient at the start (-1.5, 2) is (-155, -50), so step 1 lands at (153.5, 52), inside
    # the limit. The gradient there is about 1.4e9 along x, so step 2 lands far outside.
    assert path.diverged_at == 2
    assert path.points.shape == (2, 2)
    assert np.all(np.isfinite(path.points))
    assert np.all(np.isfinite(path.losses))
    assert np.all(np.abs(path.points) <= DIVERGENCE_LIMIT)


def test_bowl_diverges_above_stability_limit():
    # SGD on the bowl multiplies y by 1 - 20 * learning_rate, which grows for rates above 0.1.
    assert optimizer_path("bowl", SGD(learning_rate=0.09), steps=300).diverged_at is None
    assert optimizer_path("bowl", SGD(learning_rate=0.11), steps=300).diverged_at is not None


def test_weight_decay_optimizer_runs_on_surface():
    path = optimizer_path("bowl", AdamW(learning_rate=0.05, weight_decay=0.1), steps=5)
    assert path.points.shape == (6, 2)


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="surface must be one of 'bowl', 'saddle', 'rosenbrock'; received 'valley'"):
        race_paths("valley", learning_rate=0.1)
    with pytest.raises(TypeError, match="optimizer must be an optimizer from helpers.optimizers"):
        optimizer_path("bowl", "adam", steps=10)
    with pytest.raises(ValueError, match="steps must be at least 1; received 0"):
        optimizer_path("bowl", SGD(), steps=0)
    with pytest.raises(ValueError, match="learning_rate must be at least 0.0; received -0.1"):
        race_paths("bowl", learning_rate=-0.1)
    with pytest.raises(ValueError, match="name must be one of"):
        make_race_optimizer("adagrad", 0.1)


# The race widget ------------------------------------------------------------------------


def test_race_draws_pure_function_paths():
    plot = optimizer_race()
    figure = plot.figure

    plot.controls["surface"].value = "saddle"
    plot.controls["learning_rate"].value = 0.01
    plot.controls["momentum"].value = 0.5
    plot.controls["rho"].value = 0.8
    plot.controls["beta_1"].value = 0.8
    plot.controls["beta_2"].value = 0.99
    plot.controls["steps"].value = 60

    assert plot.figure is figure
    expected = race_paths("saddle", 0.01, momentum=0.5, rho=0.8, beta_1=0.8, beta_2=0.99, steps=60)
    contour_axes, loss_axes = plot.axes
    path_lines = lines_by_gid(contour_axes)
    loss_lines = lines_by_gid(loss_axes)
    assert sorted(path_lines) == sorted(RACE_OPTIMIZERS)
    for name, path in expected.items():
        np.testing.assert_array_equal(path_lines[name].get_xdata(), path.points[:, 0])
        np.testing.assert_array_equal(path_lines[name].get_ydata(), path.points[:, 1])
        np.testing.assert_array_equal(loss_lines[name].get_ydata(), path.losses + 0.25)
    assert loss_axes.get_yscale() == "log"
    assert plt.get_fignums() == []


def test_race_marks_divergence_in_plot():
    plot = optimizer_race(surface="bowl")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot.controls["learning_rate"].value = 0.3

    contour_axes, loss_axes = plot.axes
    labels = {line.get_gid(): line.get_label() for line in contour_axes.get_lines() if line.get_gid()}
    # SGD multiplies y by 1 - 20 * 0.3 = -5 each step, so |y| = 1.5 * 5^4 = 937.5 after step 4 is
    # inside the limit and 1.5 * 5^5 = 4687.5 after step 5 is not.
    assert labels["sgd"] == "SGD: diverged at step 5"
    assert labels["adam"] == "Adam"
    texts = " ".join(text.get_text() for text in contour_axes.texts)
    assert "SGD: diverged at step 5" in texts
    assert "the path stops there" in texts
    assert contour_axes.get_xlim() == SURFACES["bowl"].x_range
    assert plt.get_fignums() == []


def test_race_has_no_divergence_text_when_all_converge():
    plot = optimizer_race(surface="bowl", learning_rate=0.01)
    contour_axes, _ = plot.axes
    assert len(contour_axes.texts) == 0


def test_race_rejects_start_outside_sliders():
    with pytest.raises(ValueError, match="learning_rate must be between 1e-4 and 1, the slider's range; received 5"):
        optimizer_race(learning_rate=5)
    with pytest.raises(ValueError, match="steps must be between 10 and 500, the slider's range; received 5"):
        optimizer_race(steps=5)
    with pytest.raises(ValueError, match="surface must be one of"):
        optimizer_race(surface="valley")
