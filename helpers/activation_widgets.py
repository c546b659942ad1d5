"""Interactive plots of activation functions and of one sigmoid neuron on real data.

Each plot is three layers, as :mod:`helpers.widgets` describes: pure functions compute the
numbers, a ``draw_*`` function puts them on matplotlib axes, and a constructor wires
ipywidgets controls to the drawing through :class:`~helpers.widgets.InteractiveFigure`.

* :func:`activation_explorer` plots chosen activations and their derivatives, with a
  slider for the leaky ReLU's ``negative_slope``.
* :func:`neuron_playground` lets the student set the two weights and the bias of one
  sigmoid neuron on two features of a data set, and shows the decision boundary, the
  binary cross-entropy and the loss surface over the two weights.

Shapes: ``N`` examples, ``G`` grid points per axis.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import ipywidgets
import numpy as np

from helpers._validation import as_float_array, check_ndim, check_positive_int, describe
from helpers.activations import ACTIVATIONS, get_activation, sigmoid
from helpers.widgets import InteractiveFigure

EXPLORER_ACTIVATIONS = tuple(name for name, spec in ACTIVATIONS.items() if spec.elementwise)
"""Activations the explorer offers: every elementwise one in the registry.

Softmax is left out because each of its outputs depends on the whole input vector, so
it has no curve ``y = f(x)`` to draw.
"""

NEGATIVE_SLOPE_RANGE = (0.0, 1.0)
"""Range of the explorer's ``negative_slope`` slider. Keras accepts larger values, but they
make negative inputs steeper than positive ones."""


# ---------------------------------------------------------------------------
# Activation explorer


def activation_curves(names: Sequence[str], x, negative_slope: float = 0.2) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Compute the values and derivatives of several activations on the same inputs.

    Parameters
    ----------
    names : sequence of str
        Registry or Keras names of elementwise activations, such as ``"relu"`` or ``"silu"``.
    x : array_like, shape (G,)
        Inputs at which to evaluate.
    negative_slope : float, default 0.2
        Slope of ``leaky_relu`` for negative inputs; the other functions ignore it.

    Returns
    -------
    dict from str to (ndarray, ndarray), each of shape (G,)
        ``{name: (f(x), f'(x))}`` in the order of ``names``, keyed by registry name.
    """
    if isinstance(names, str):
        raise TypeError(f"names must be a sequence of names such as ('relu',); received {describe(names)}.")
    x = as_float_array(x, "x")
    check_ndim(x, "x", 1, "(G,)")
    curves = {}
    for name in names:
        spec = get_activation(name)
        if not spec.elementwise:
            raise ValueError(
                f"{spec.name!r} is not elementwise, so it has no curve f(x); choose from {EXPLORER_ACTIVATIONS}."
            )
        options = {"negative_slope": negative_slope} if spec.name == "leaky_relu" else {}
        curves[spec.name] = (spec.function(x, **options), spec.derivative(x, **options))
    return curves


def draw_activation_explorer(axes, functions: Sequence[str], negative_slope: float, inputs: np.ndarray) -> None:
    """Draw the chosen activations on ``axes[0]`` and their derivatives on ``axes[1]``."""
    value_axes, derivative_axes = axes
    curves = activation_curves(functions, inputs, negative_slope)
    for name, (values, derivatives) in curves.items():
        label = f"leaky_relu ({negative_slope:.2f})" if name == "leaky_relu" else name
        value_axes.plot(inputs, values, label=label)
        derivative_axes.plot(inputs, derivatives, label=label)

    value_axes.set_title("activation f(x)")
    derivative_axes.set_title("derivative f'(x)")
    for ax in axes:
        ax.axhline(0.0, color="grey", linewidth=0.5)
        ax.axvline(0.0, color="grey", linewidth=0.5)
        ax.set_xlabel("x")
    value_axes.set_ylim(-1.5, 3.0)
    derivative_axes.set_ylim(-0.3, 1.3)
    if curves:
        value_axes.legend(loc="upper left", fontsize=8)
    else:
        value_axes.text(0.5, 0.5, "choose at least one function", transform=value_axes.transAxes, ha="center")


def activation_explorer(
    functions: Sequence[str] = ("sigmoid", "tanh", "relu"),
    negative_slope: float = 0.2,
    x_range: tuple[float, float] = (-5.0, 5.0),
) -> InteractiveFigure:
    """Build an explorer of activation functions and their derivatives.

    Parameters
    ----------
    functions : sequence of str, default ("sigmoid", "tanh", "relu")
        Functions selected at the start; the control offers all of :data:`EXPLORER_ACTIVATIONS`.
    negative_slope : float, default 0.2
        Start value of the leaky ReLU slider, Keras's default for ``keras.activations.leaky_relu``.
    x_range : (float, float), default (-5, 5)
        Inputs shown on the horizontal axis.

    Returns
    -------
    InteractiveFigure
        Controls ``"functions"`` (a ``SelectMultiple``) and ``"negative_slope"`` (a ``FloatSlider``).
    """
    selected = tuple(get_activation(name).name for name in functions)
    low, high = NEGATIVE_SLOPE_RANGE
    if not low <= negative_slope <= high:
        raise ValueError(f"negative_slope must be between {low} and {high}; received {negative_slope!r}.")
    inputs = np.linspace(*x_range, 401)
    controls = {
        "functions": ipywidgets.SelectMultiple(
            options=EXPLORER_ACTIVATIONS, value=selected, rows=len(EXPLORER_ACTIVATIONS), description="functions"
        ),
        "negative_slope": ipywidgets.FloatSlider(
            value=negative_slope, min=low, max=high, step=0.01, description="leaky slope"
        ),
    }
    draw = functools.partial(draw_activation_explorer, inputs=inputs)
    return InteractiveFigure(draw, controls, figsize=(9.0, 3.6), ncols=2)


# ---------------------------------------------------------------------------
# Neuron playground


def neuron_logits(x, weights, bias: float) -> np.ndarray:
    """Return the pre-activation ``z = x @ weights + bias`` of one neuron, shape (N,).

    Parameters
    ----------
    x : array_like, shape (N, 2)
    weights : array_like, shape (2,)
    bias : float
    """
    x = as_float_array(x, "x")
    check_ndim(x, "x", 2, "(N, 2)")
    weights = as_float_array(weights, "weights")
    if weights.shape != (x.shape[1],):
        raise ValueError(f"weights must have shape ({x.shape[1]},), one per column of x; received {weights.shape}.")
    return x @ weights + float(bias)


def _cross_entropy_from_logits(y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Return the mean binary cross-entropy along axis 0 for labels (N,) and logits (N, ...).

    Uses the stable form ``max(z, 0) - z * y + log(1 + exp(-|z|))``, which equals
    ``keras.losses.BinaryCrossentropy(from_logits=True)``.
    """
    y = y.reshape((-1,) + (1,) * (z.ndim - 1))
    return np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))), axis=0)


def neuron_scores(x, y_true, weights, bias: float) -> dict[str, float]:
    """Return the binary cross-entropy and the accuracy of a sigmoid neuron.

    Parameters
    ----------
    x : array_like, shape (N, 2)
    y_true : array_like, shape (N,)
        Labels 0 or 1.
    weights : array_like, shape (2,)
    bias : float

    Returns
    -------
    dict
        ``{"loss": mean binary cross-entropy, "accuracy": fraction with (z > 0) == y_true}``.
    """
    z = neuron_logits(x, weights, bias)
    y = as_float_array(y_true, "y_true")
    if y.shape != z.shape:
        raise ValueError(f"y_true must have shape {z.shape}, one label per row of x; received {y.shape}.")
    return {
        "loss": float(_cross_entropy_from_logits(y, z)),
        "accuracy": float(np.mean((z > 0) == (y > 0.5))),
    }


def loss_surface(x, y_true, bias: float, weight_values) -> np.ndarray:
    """Return the binary cross-entropy for every pair of weights on a grid, at a fixed bias.

    Parameters
    ----------
    x : array_like, shape (N, 2)
    y_true : array_like, shape (N,)
    bias : float
    weight_values : array_like, shape (G,)
        Values tried for each of the two weights.

    Returns
    -------
    ndarray, shape (G, G)
        ``surface[i, j]`` is the loss with ``weights = (weight_values[j], weight_values[i])``,
        the layout that ``Axes.contour(weight_values, weight_values, surface)`` expects.
    """
    x = as_float_array(x, "x")
    check_ndim(x, "x", 2, "(N, 2)")
    y = as_float_array(y_true, "y_true")
    values = as_float_array(weight_values, "weight_values")
    check_ndim(values, "weight_values", 1, "(G,)")

    w1, w2 = np.meshgrid(values, values)
    # z has shape (N, G, G): one logit per example and per pair of weights.
    z = x[:, 0, None, None] * w1 + x[:, 1, None, None] * w2 + float(bias)
    return _cross_entropy_from_logits(y, z)


def decision_boundary(weights, bias: float, x1_limits: tuple[float, float], x2_limits: tuple[float, float]):
    """Return two points on the line ``w1 * x1 + w2 * x2 + b = 0`` that span the plot.

    Parameters
    ----------
    weights : array_like, shape (2,)
    bias : float
    x1_limits, x2_limits : (float, float)
        Visible range of each feature.

    Returns
    -------
    (ndarray, ndarray) of shape (2,), or None
        The x1 and x2 coordinates of the line's ends. A vertical line when ``w2 = 0``.
        None when both weights are 0, because the neuron then predicts the same class everywhere.
    """
    w1, w2 = as_float_array(weights, "weights")
    if w1 == 0.0 and w2 == 0.0:
        return None
    if abs(w2) >= abs(w1):
        x1 = np.array(x1_limits, dtype=float)
        return x1, -(w1 * x1 + bias) / w2
    x2 = np.array(x2_limits, dtype=float)
    return -(w2 * x2 + bias) / w1, x2


class NeuronData:
    """Two features and binary labels, with the grids that the playground draws on.

    Parameters
    ----------
    x : array_like, shape (N, 2)
        Standardised features, so that weights between -6 and 6 cover the useful range.
    y_true : array_like, shape (N,)
        Labels 0 or 1.
    feature_names : (str, str)
    class_names : (str, str)
        Names of label 0 and label 1.
    resolution : int, default 60
        Grid points per axis of the probability map and of the loss surface.
    weight_limit : float, default 6
        The loss surface covers weights in ``[-weight_limit, weight_limit]``.
    """

    def __init__(self, x, y_true, feature_names, class_names, resolution: int = 60, weight_limit: float = 6.0):
        self.x = as_float_array(x, "x")
        check_ndim(self.x, "x", 2, "(N, 2)")
        if self.x.shape[1] != 2:
            raise ValueError(f"x must have exactly 2 columns, one per plotted feature; received shape {self.x.shape}.")
        self.y = as_float_array(y_true, "y_true")
        if self.y.shape != (len(self.x),) or not np.all(np.isin(self.y, (0.0, 1.0))):
            raise ValueError(f"y_true must be {len(self.x)} labels, each 0 or 1; received {describe(y_true)}.")
        self.feature_names = tuple(feature_names)
        self.class_names = tuple(class_names)
        resolution = check_positive_int(resolution, "resolution")

        margin = 0.5
        self.x1_limits = (self.x[:, 0].min() - margin, self.x[:, 0].max() + margin)
        self.x2_limits = (self.x[:, 1].min() - margin, self.x[:, 1].max() + margin)
        self.x1_grid = np.linspace(*self.x1_limits, resolution)
        self.x2_grid = np.linspace(*self.x2_limits, resolution)
        self.weight_values = np.linspace(-weight_limit, weight_limit, resolution)


def draw_neuron_playground(axes, w1: float, w2: float, bias: float, data: NeuronData) -> None:
    """Draw the data with the neuron's probability map and boundary, and the loss surface."""
    data_axes, loss_axes = axes
    weights = np.array([w1, w2])
    scores = neuron_scores(data.x, data.y, weights, bias)

    grid_x1, grid_x2 = np.meshgrid(data.x1_grid, data.x2_grid)
    probabilities = sigmoid(grid_x1 * w1 + grid_x2 * w2 + bias)
    data_axes.contourf(grid_x1, grid_x2, probabilities, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.35)
    for label, color in ((0, "tab:red"), (1, "tab:blue")):
        chosen = data.y == label
        data_axes.scatter(data.x[chosen, 0], data.x[chosen, 1], s=8, color=color, label=data.class_names[label])
    boundary = decision_boundary(weights, bias, data.x1_limits, data.x2_limits)
    if boundary is not None:
        data_axes.plot(*boundary, color="black", linewidth=1.5, label="boundary z = 0")
    data_axes.set_xlim(data.x1_limits)
    data_axes.set_ylim(data.x2_limits)
    data_axes.set_xlabel(data.feature_names[0])
    data_axes.set_ylabel(data.feature_names[1])
    data_axes.set_title(f"loss {scores['loss']:.3f}, accuracy {scores['accuracy']:.1%}")
    data_axes.legend(loc="upper right", fontsize=8)

    surface = loss_surface(data.x, data.y, bias, data.weight_values)
    contours = loss_axes.contour(data.weight_values, data.weight_values, surface, levels=15, cmap="viridis")
    loss_axes.clabel(contours, fontsize=7)
    best_row, best_column = np.unravel_index(np.argmin(surface), surface.shape)
    loss_axes.plot(
        [data.weight_values[best_column]], [data.weight_values[best_row]],
        marker="*", markersize=12, color="tab:orange", linestyle="none", label="lowest loss on the grid",
    )
    loss_axes.plot([w1], [w2], marker="o", color="black", linestyle="none", label="current weights")
    loss_axes.legend(loc="upper right", fontsize=8)
    loss_axes.set_xlabel("w1")
    loss_axes.set_ylabel("w2")
    loss_axes.set_title(f"loss over (w1, w2) at bias {bias:.2f}")


def neuron_playground(data: NeuronData, w1: float = 1.0, w2: float = 1.0, bias: float = 0.0) -> InteractiveFigure:
    """Build sliders for the two weights and the bias of one sigmoid neuron on ``data``.

    Parameters
    ----------
    data : NeuronData
    w1, w2, bias : float
        Start values of the sliders.

    Returns
    -------
    InteractiveFigure
        Controls ``"w1"``, ``"w2"`` and ``"bias"``. The left axes show the data, the
        probability ``sigmoid(z)`` as background colour and the boundary ``z = 0``. The
        right axes show the loss surface over the weights, with the current weights and
        the lowest loss on the grid marked.
    """
    if not isinstance(data, NeuronData):
        raise TypeError(f"data must be a NeuronData; received {describe(data)}.")
    limit = float(data.weight_values.max())
    controls = {
        "w1": ipywidgets.FloatSlider(value=w1, min=-limit, max=limit, step=0.1, description="w1"),
        "w2": ipywidgets.FloatSlider(value=w2, min=-limit, max=limit, step=0.1, description="w2"),
        "bias": ipywidgets.FloatSlider(value=bias, min=-5.0, max=5.0, step=0.1, description="bias"),
    }
    draw = functools.partial(draw_neuron_playground, data=data)
    return InteractiveFigure(draw, controls, figsize=(10.0, 4.2), ncols=2)


def breast_cancer_neuron_data(features: Sequence[str] = ("mean radius", "mean texture")) -> NeuronData:
    """Return two standardised features of scikit-learn's breast-cancer training set.

    Parameters
    ----------
    features : (str, str), default ("mean radius", "mean texture")
        Names from ``sklearn.datasets.load_breast_cancer().feature_names``.

    Returns
    -------
    NeuronData
        455 training tumours of :func:`helpers.data.load_breast_cancer_split`, label 1 = benign.
    """
    from helpers.data import load_breast_cancer_split

    split = load_breast_cancer_split()
    names = list(split.feature_names)
    features = tuple(features)
    unknown = [name for name in features if name not in names]
    if len(features) != 2 or unknown:
        raise ValueError(f"features must be two names from load_breast_cancer().feature_names; received {features!r}.")
    columns = [names.index(name) for name in features]
    return NeuronData(split.x_train[:, columns], split.y_train, features, ("malignant", "benign"))
