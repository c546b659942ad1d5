"""Tests of helpers.activation_widgets: the computed curves and losses, and the plots driven from code."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import activations, losses
from helpers.activation_widgets import (
    EXPLORER_ACTIVATIONS,
    NeuronData,
    activation_curves,
    activation_explorer,
    breast_cancer_neuron_data,
    decision_boundary,
    loss_surface,
    neuron_playground,
    neuron_scores,
)


def labelled_lines(axes):
    """Return {label: Line2D} of the lines that have a legend label."""
    return {line.get_label(): line for line in axes.get_lines() if not line.get_label().startswith("_")}


@pytest.fixture(scope="module")
def cancer():
    return breast_cancer_neuron_data()


# -- pure functions -----------------------------------------------------------


def test_explorer_offers_every_elementwise_activation():
    assert "softmax" not in EXPLORER_ACTIVATIONS
    assert {"sigmoid", "tanh", "relu", "leaky_relu", "swish", "gelu"} <= set(EXPLORER_ACTIVATIONS)


def test_activation_curves_match_registry():
    x = np.linspace(-3.0, 3.0, 13)
    curves = activation_curves(["sigmoid", "silu", "leaky_relu"], x, negative_slope=0.1)

    assert list(curves) == ["sigmoid", "swish", "leaky_relu"], "Keras names map to registry names"
    np.testing.assert_allclose(curves["sigmoid"][0], activations.sigmoid(x))
    np.testing.assert_allclose(curves["sigmoid"][1], activations.sigmoid_derivative(x))
    np.testing.assert_allclose(curves["swish"][1], activations.swish_derivative(x))
    np.testing.assert_allclose(curves["leaky_relu"][0], activations.leaky_relu(x, negative_slope=0.1))
    np.testing.assert_allclose(curves["leaky_relu"][1], activations.leaky_relu_derivative(x, negative_slope=0.1))


def test_activation_curves_reject_softmax_and_a_bare_string():
    with pytest.raises(ValueError, match="'softmax' is not elementwise"):
        activation_curves(["softmax"], np.zeros(3))
    with pytest.raises(TypeError, match="names must be a sequence of names"):
        activation_curves("relu", np.zeros(3))


def test_neuron_scores_match_reference_cross_entropy(cancer):
    weights, bias = np.array([-3.0, -1.0]), 0.5
    scores = neuron_scores(cancer.x, cancer.y, weights, bias)

    z = cancer.x @ weights + bias
    assert scores["loss"] == pytest.approx(losses.binary_crossentropy(cancer.y, z, from_logits=True), rel=1e-12)
    assert scores["accuracy"] == pytest.approx(np.mean((z > 0) == (cancer.y == 1)))


def test_neuron_scores_hand_checked():
    # z = [0, 2]: losses log 2 (label 1 at p = 0.5) and log(1 + e^-2) (label 1 at p = sigmoid(2)).
    x = np.array([[0.0, 0.0], [1.0, 1.0]])
    scores = neuron_scores(x, np.array([1.0, 1.0]), np.array([1.0, 1.0]), 0.0)
    assert scores["loss"] == pytest.approx((np.log(2.0) + np.log1p(np.exp(-2.0))) / 2)
    assert scores["accuracy"] == 0.5, "z = 0 counts as class 0"


def test_loss_surface_layout_matches_contour(cancer):
    values = np.linspace(-2.0, 2.0, 5)
    surface = loss_surface(cancer.x, cancer.y, 0.3, values)

    assert surface.shape == (5, 5)
    for row, w2 in enumerate(values):
        for column, w1 in enumerate(values):
            expected = neuron_scores(cancer.x, cancer.y, np.array([w1, w2]), 0.3)["loss"]
            assert surface[row, column] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("weights", [(1.0, 2.0), (3.0, -0.5), (0.0, 1.5), (2.0, 0.0)])
def test_decision_boundary_points_lie_on_the_line(weights):
    x1, x2 = decision_boundary(np.array(weights), 0.7, (-3.0, 3.0), (-2.0, 2.0))
    np.testing.assert_allclose(weights[0] * x1 + weights[1] * x2 + 0.7, 0.0, atol=1e-12)


def test_decision_boundary_is_none_without_weights():
    assert decision_boundary(np.zeros(2), 1.0, (-1.0, 1.0), (-1.0, 1.0)) is None


def test_neuron_data_rejects_bad_labels_and_columns():
    with pytest.raises(ValueError, match="each 0 or 1"):
        NeuronData(np.zeros((3, 2)), np.array([0, 1, 2]), ("a", "b"), ("no", "yes"))
    with pytest.raises(ValueError, match="exactly 2 columns"):
        NeuronData(np.zeros((3, 3)), np.array([0, 1, 1]), ("a", "b"), ("no", "yes"))


def test_breast_cancer_data_rejects_unknown_feature():
    with pytest.raises(ValueError, match="two names from load_breast_cancer"):
        breast_cancer_neuron_data(("mean radius", "colour"))


# -- the plots, driven from code ----------------------------------------------


def test_explorer_redraws_selected_functions():
    plt.close("all")
    plot = activation_explorer(functions=("sigmoid", "relu"))
    figure = plot.figure
    value_axes, derivative_axes = plot.axes
    assert set(labelled_lines(value_axes)) == {"sigmoid", "relu"}

    plot.controls["functions"].value = ("tanh", "gelu")

    assert plot.figure is figure
    assert plot.redraw_count == 2
    values = labelled_lines(value_axes)
    derivatives = labelled_lines(derivative_axes)
    assert set(values) == {"tanh", "gelu"}
    x = values["tanh"].get_xdata()
    np.testing.assert_allclose(values["tanh"].get_ydata(), np.tanh(x))
    np.testing.assert_allclose(derivatives["gelu"].get_ydata(), activations.gelu_derivative(x))
    assert plt.get_fignums() == []


def test_explorer_slope_slider_changes_leaky_relu():
    plt.close("all")
    plot = activation_explorer(functions=("leaky_relu",), negative_slope=0.2)

    plot.controls["negative_slope"].value = 0.05

    line = labelled_lines(plot.axes[0])["leaky_relu (0.05)"]
    x, y = line.get_xdata(), line.get_ydata()
    np.testing.assert_allclose(y[x < 0], 0.05 * x[x < 0])
    derivative = labelled_lines(plot.axes[1])["leaky_relu (0.05)"].get_ydata()
    np.testing.assert_allclose(derivative[x < 0], 0.05)
    assert plt.get_fignums() == []


def test_explorer_with_nothing_selected_says_so():
    plot = activation_explorer()
    plot.controls["functions"].value = ()
    texts = [text.get_text() for text in plot.axes[0].texts]
    assert texts == ["choose at least one function"]


def test_explorer_rejects_slope_outside_slider():
    with pytest.raises(ValueError, match="negative_slope must be between 0.0 and 1.0"):
        activation_explorer(negative_slope=2.0)


def test_playground_shows_boundary_loss_and_weights(cancer):
    plt.close("all")
    plot = neuron_playground(cancer, w1=1.0, w2=1.0, bias=0.0)
    figure = plot.figure

    plot.controls["w1"].value = -4.0
    plot.controls["bias"].value = 0.6

    assert plot.figure is figure
    data_axes, loss_axes = plot.axes
    weights = np.array([-4.0, 1.0])
    scores = neuron_scores(cancer.x, cancer.y, weights, 0.6)
    assert data_axes.get_title() == f"loss {scores['loss']:.3f}, accuracy {scores['accuracy']:.1%}"
    boundary = labelled_lines(data_axes)["boundary z = 0"]
    np.testing.assert_allclose(weights @ np.vstack(boundary.get_data()) + 0.6, 0.0, atol=1e-9)
    marker = labelled_lines(loss_axes)["current weights"]
    assert (marker.get_xdata()[0], marker.get_ydata()[0]) == (-4.0, 1.0)
    assert loss_axes.get_title() == "loss over (w1, w2) at bias 0.60"
    assert plt.get_fignums() == []


def test_playground_best_grid_point_beats_start(cancer):
    plot = neuron_playground(cancer)
    best = labelled_lines(plot.axes[1])["lowest loss on the grid"]
    best_weights = np.array([best.get_xdata()[0], best.get_ydata()[0]])
    # Logistic regression on these two features has weights near (-4, -0.9), inside the grid.
    assert best_weights[0] < -2.0
    assert neuron_scores(cancer.x, cancer.y, best_weights, 0.0)["loss"] < neuron_scores(
        cancer.x, cancer.y, np.array([1.0, 1.0]), 0.0
    )["loss"]
