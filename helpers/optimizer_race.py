"""A race of optimizers on two-dimensional loss surfaces, and its interactive plot.

The optimizers are those of :mod:`helpers.optimizers`, which step like ``keras.optimizers``.
Here they move one point ``(x, y)`` downhill on a surface whose gradient is known exactly.

* :data:`SURFACES` contains three surfaces that show the optimizers' differences: an
  ill-conditioned bowl, a saddle point and the Rosenbrock valley.
* :func:`optimizer_path` runs one optimizer on one surface and records every point.
* :func:`race_paths` runs SGD, SGD with momentum, RMSprop and Adam from the same start.
* :func:`optimizer_race` wires sliders for the learning rate, momentum, ``rho``, ``beta_1``
  and ``beta_2`` to a contour plot with the paths and a plot of the loss against the step.

A path that leaves the square ``|x|, |y| <= DIVERGENCE_LIMIT`` stops there and is marked as
diverged. The gradient is never evaluated outside that square, so a learning rate that
makes SGD diverge ends the path without overflow.

Shapes: ``K`` recorded steps of a path (at most ``steps``), ``G`` grid points per axis.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets
import numpy as np

from helpers._validation import check_choice, check_positive_int, describe
from helpers.optimizers import SGD, Adam, Optimizer, RMSprop
from helpers.widgets import InteractiveFigure

DIVERGENCE_LIMIT = 1e3
"""Largest ``|x|`` or ``|y|`` a path may reach. A step beyond it ends the path as diverged.

Every surface's plotted area lies within ``|x|, |y| <= 5``, so a path that gets 200 times
farther out is treated as diverged. The largest gradient inside the limit, Rosenbrock's at
about ``4e11``, leaves plenty of room before float64 overflows.
"""


@dataclass(frozen=True)
class LossSurface:
    """A loss ``f(x, y)`` of two parameters, with its exact gradient and a plotting area.

    Attributes
    ----------
    name : str
        Key in :data:`SURFACES`.
    formula : str
        The loss as mathtext, for plot titles.
    loss : callable
        ``loss(x, y)`` for arrays ``x`` and ``y`` of the same shape, computed elementwise.
    gradient : callable
        ``gradient(x, y)`` for floats, returning ``array([df/dx, df/dy])`` of shape (2,).
    start : (float, float)
        Where every optimizer starts.
    minimum : (float, float)
        A point of lowest loss.
    minimum_loss : float
        The loss at ``minimum``.
    x_range, y_range : (float, float)
        Plotted area.
    levels : tuple of float
        Increasing contour levels of the loss.
    """

    name: str
    formula: str
    loss: Callable
    gradient: Callable
    start: tuple[float, float]
    minimum: tuple[float, float]
    minimum_loss: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    levels: tuple[float, ...]


BOWL_CURVATURE = 20.0
"""Curvature of the bowl along ``y``. Along ``x`` it is 1, so the condition number is 20.

Plain gradient descent on this bowl is stable only for learning rates below
``2 / BOWL_CURVATURE = 0.1``.
"""


def _bowl_loss(x, y):
    return 0.5 * (x**2 + BOWL_CURVATURE * y**2)


def _bowl_gradient(x, y):
    return np.array([x, BOWL_CURVATURE * y])


def _saddle_loss(x, y):
    # A saddle at the origin, with minima at (0, -1) and (0, 1) where the loss is -0.25.
    return 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2


def _saddle_gradient(x, y):
    return np.array([x, y**3 - y])


def _rosenbrock_loss(x, y):
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def _rosenbrock_gradient(x, y):
    return np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x**2), 200.0 * (y - x**2)])


SURFACES: dict[str, LossSurface] = {
    "bowl": LossSurface(
        name="bowl",
        formula=r"$f = (x^2 + 20 y^2) / 2$",
        loss=_bowl_loss,
        gradient=_bowl_gradient,
        start=(-4.5, 1.5),
        minimum=(0.0, 0.0),
        minimum_loss=0.0,
        x_range=(-5.0, 5.0),
        y_range=(-2.0, 2.0),
        levels=tuple(np.geomspace(0.05, 60.0, 12)),
    ),
    "saddle": LossSurface(
        name="saddle",
        formula=r"$f = x^2 / 2 + y^4 / 4 - y^2 / 2$",
        loss=_saddle_loss,
        gradient=_saddle_gradient,
        # Almost on the ridge y = 0, where the gradient along y is nearly zero.
        start=(4.0, 0.01),
        minimum=(0.0, 1.0),
        minimum_loss=-0.25,
        x_range=(-5.0, 5.0),
        y_range=(-2.0, 2.0),
        levels=tuple(-0.25 + np.geomspace(0.01, 15.0, 12)),
    ),
    "rosenbrock": LossSurface(
        name="rosenbrock",
        formula=r"$f = (1 - x)^2 + 100 (y - x^2)^2$",
        loss=_rosenbrock_loss,
        gradient=_rosenbrock_gradient,
        start=(-1.5, 2.0),
        minimum=(1.0, 1.0),
        minimum_loss=0.0,
        x_range=(-2.0, 2.0),
        y_range=(-1.0, 3.0),
        levels=tuple(np.geomspace(0.1, 1000.0, 12)),
    ),
}
"""Every surface of the race by name: an ill-conditioned bowl, a saddle and Rosenbrock's valley."""


LOSS_AXIS_FLOOR = 1e-8
"""Lowest value shown on the loss plot's log axis."""

RACE_OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
"""Names of the optimizers that :func:`race_paths` runs, in plotting order."""

RACE_LABELS = {"sgd": "SGD", "momentum": "SGD + momentum", "rmsprop": "RMSprop", "adam": "Adam"}
RACE_COLORS = {"sgd": "tab:blue", "momentum": "tab:orange", "rmsprop": "tab:green", "adam": "tab:red"}


@dataclass(frozen=True)
class OptimizerPath:
    """The points an optimizer visited on a surface.

    Attributes
    ----------
    points : ndarray, shape (K + 1, 2)
        The start, then the point after each step, as ``(x, y)`` rows.
    losses : ndarray, shape (K + 1,)
        The loss at each point.
    diverged_at : int or None
        The step whose result left ``|x|, |y| <= DIVERGENCE_LIMIT``. That point is not in
        ``points``, so ``K = diverged_at - 1``. None when every step stayed inside.
    """

    points: np.ndarray
    losses: np.ndarray
    diverged_at: int | None

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


def get_surface(surface) -> LossSurface:
    """Return ``surface`` itself if it is a :class:`LossSurface`, else the surface of that name."""
    if isinstance(surface, LossSurface):
        return surface
    check_choice(surface, "surface", SURFACES)
    return SURFACES[surface]


def optimizer_path(surface, optimizer: Optimizer, steps: int) -> OptimizerPath:
    """Run ``optimizer`` for ``steps`` steps from the surface's start and record every point.

    Parameters
    ----------
    surface : LossSurface or str
        A surface or its name in :data:`SURFACES`.
    optimizer : helpers.optimizers.Optimizer
        A new optimizer. Its state changes, so pass a fresh one for every path.
    steps : int >= 1

    Returns
    -------
    OptimizerPath

    Examples
    --------
    On the bowl, plain gradient descent multiplies ``x`` by ``1 - learning_rate`` each step:

    >>> path = optimizer_path("bowl", SGD(learning_rate=0.5), steps=2)
    >>> path.points[:, 0]
    array([-4.5  , -2.25 , -1.125])
    """
    surface = get_surface(surface)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be an optimizer from helpers.optimizers, such as SGD(learning_rate=0.01); "
            f"received {describe(optimizer)}."
        )
    steps = check_positive_int(steps, "steps")

    point = np.array(surface.start, dtype=float)
    points = [point.copy()]
    params = {"xy": point}
    diverged_at = None
    for step in range(1, steps + 1):
        optimizer.update(params, {"xy": surface.gradient(point[0], point[1])})
        # The check comes before the next gradient, which could overflow far outside the limit.
        if not np.all(np.abs(point) <= DIVERGENCE_LIMIT):
            diverged_at = step
            break
        points.append(point.copy())

    points = np.array(points)
    losses = surface.loss(points[:, 0], points[:, 1])
    return OptimizerPath(points=points, losses=losses, diverged_at=diverged_at)


def make_race_optimizer(name: str, learning_rate, momentum=0.9, rho=0.9, beta_1=0.9, beta_2=0.999) -> Optimizer:
    """Return a new optimizer of the race, one of :data:`RACE_OPTIMIZERS`.

    ``"sgd"`` and ``"momentum"`` are both :class:`~helpers.optimizers.SGD`, without and
    with ``momentum``. Each optimizer takes only its own hyperparameters from the arguments.
    ``epsilon`` keeps Keras's default, 1e-7.
    """
    check_choice(name, "name", RACE_OPTIMIZERS)
    if name == "sgd":
        return SGD(learning_rate=learning_rate)
    if name == "momentum":
        return SGD(learning_rate=learning_rate, momentum=momentum)
    if name == "rmsprop":
        return RMSprop(learning_rate=learning_rate, rho=rho)
    return Adam(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2)


def race_paths(
    surface, learning_rate, momentum=0.9, rho=0.9, beta_1=0.9, beta_2=0.999, steps: int = 150
) -> dict[str, OptimizerPath]:
    """Run every optimizer of the race from the surface's start with one learning rate.

    Parameters
    ----------
    surface : LossSurface or str
    learning_rate : float >= 0
        Shared by all four optimizers.
    momentum : float in [0, 1], default 0.9
        Of SGD with momentum.
    rho : float in [0, 1), default 0.9
        Of RMSprop.
    beta_1, beta_2 : float in [0, 1), default 0.9 and 0.999
        Of Adam.
    steps : int >= 1, default 150

    Returns
    -------
    dict from str to OptimizerPath
        One path per name of :data:`RACE_OPTIMIZERS`, in that order.
    """
    hyperparameters = {"momentum": momentum, "rho": rho, "beta_1": beta_1, "beta_2": beta_2}
    return {
        name: optimizer_path(surface, make_race_optimizer(name, learning_rate, **hyperparameters), steps)
        for name in RACE_OPTIMIZERS
    }


@functools.lru_cache(maxsize=None)
def surface_grid(surface: LossSurface, resolution: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(X, Y, Z)``, each of shape (G, G) with ``G = resolution``, over the plotted area.

    The result is cached per surface, so the arrays are shared and must not be changed.
    """
    x = np.linspace(*surface.x_range, resolution)
    y = np.linspace(*surface.y_range, resolution)
    grid_x, grid_y = np.meshgrid(x, y)
    return grid_x, grid_y, surface.loss(grid_x, grid_y)


def path_label(name: str, path: OptimizerPath) -> str:
    """Return the legend label of a path, with the step at which it diverged if it did."""
    label = RACE_LABELS[name]
    if path.diverged:
        return f"{label}: diverged at step {path.diverged_at}"
    return label


def draw_race(axes, surface, learning_rate, momentum, rho, beta_1, beta_2, steps) -> dict[str, OptimizerPath]:
    """Draw the contours, every optimizer's path, and the loss above the minimum against the step.

    Each path's lines have the optimizer's name as their ``gid``. Returns the paths drawn.
    """
    contour_axes, loss_axes = axes
    surface = get_surface(surface)
    paths = race_paths(surface, learning_rate, momentum, rho, beta_1, beta_2, steps)

    grid_x, grid_y, grid_loss = surface_grid(surface)
    contour_axes.contour(grid_x, grid_y, grid_loss, levels=surface.levels, colors="grey", linewidths=0.6,
                         negative_linestyles="solid")
    contour_axes.plot(*surface.start, marker="o", color="black", linestyle="none")
    contour_axes.plot(*surface.minimum, marker="*", markersize=12, color="gold", markeredgecolor="black",
                      linestyle="none")

    diverged = []
    for name, path in paths.items():
        label = path_label(name, path)
        color = RACE_COLORS[name]
        contour_axes.plot(path.points[:, 0], path.points[:, 1], color=color, linewidth=1.2, marker=".",
                          markersize=3, label=label, gid=name)
        if path.diverged:
            diverged.append(label)
            contour_axes.plot(*path.points[-1], marker="x", markersize=10, color=color, linestyle="none")
        # Distance above the lowest loss, so that a log scale works on the saddle as well,
        # whose minimum is below 0.
        steps_taken = np.arange(len(path.losses))
        loss_axes.plot(steps_taken, path.losses - surface.minimum_loss, color=color, label=label, gid=name)

    contour_axes.set_xlim(*surface.x_range)
    contour_axes.set_ylim(*surface.y_range)
    contour_axes.set_xlabel("x")
    contour_axes.set_ylabel("y")
    contour_axes.set_title(f"{surface.formula}, learning rate {learning_rate:.3g}", fontsize=10)
    if diverged:
        message = "\n".join(diverged) + f"\n(left |x|, |y| <= {DIVERGENCE_LIMIT:g}, so the path stops there)"
        contour_axes.text(0.02, 0.98, message, transform=contour_axes.transAxes, va="top", fontsize=8,
                          color="darkred", bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})

    loss_axes.set_yscale("log")
    # Paths that converge would otherwise stretch the axis over tens of decades.
    loss_axes.set_ylim(bottom=LOSS_AXIS_FLOOR)
    loss_axes.set_xlim(0, steps)
    loss_axes.set_xlabel("step")
    loss_axes.set_ylabel("loss above the minimum (log scale)")
    loss_axes.set_title("loss against step", fontsize=10)
    loss_axes.legend(loc="upper right", fontsize=8)
    return paths


def optimizer_race(
    surface: str = "bowl",
    learning_rate: float = 0.08,
    momentum: float = 0.9,
    rho: float = 0.9,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    steps: int = 150,
) -> InteractiveFigure:
    """Build the race: a surface menu and sliders wired to :func:`draw_race`.

    The arguments are the controls' starting values. ``learning_rate`` must lie in the
    slider's range, 1e-4 to 1, and ``steps`` in 10 to 500.

    Returns
    -------
    InteractiveFigure
        Controls ``"surface"``, ``"learning_rate"``, ``"momentum"``, ``"rho"``, ``"beta_1"``,
        ``"beta_2"`` and ``"steps"``; ``plot.axes`` is ``(contour_axes, loss_axes)``.
    """
    check_choice(surface, "surface", SURFACES)
    if not 1e-4 <= learning_rate <= 1.0:
        raise ValueError(f"learning_rate must be between 1e-4 and 1, the slider's range; received {learning_rate!r}.")
    steps = check_positive_int(steps, "steps")
    if not 10 <= steps <= 500:
        raise ValueError(f"steps must be between 10 and 500, the slider's range; received {steps}.")

    slider_style = {"description_width": "initial"}
    controls = {
        "surface": ipywidgets.Dropdown(options=list(SURFACES), value=surface, description="surface"),
        "learning_rate": ipywidgets.FloatLogSlider(
            value=learning_rate, base=10, min=-4, max=0, step=0.1, description="learning rate",
            readout_format=".2g", style=slider_style,
        ),
        "momentum": ipywidgets.FloatSlider(
            value=momentum, min=0.0, max=0.99, step=0.01, description="momentum", style=slider_style
        ),
        "rho": ipywidgets.FloatSlider(value=rho, min=0.0, max=0.99, step=0.01, description="rho", style=slider_style),
        "beta_1": ipywidgets.FloatSlider(
            value=beta_1, min=0.0, max=0.99, step=0.01, description="beta_1", style=slider_style
        ),
        "beta_2": ipywidgets.FloatSlider(
            value=beta_2, min=0.9, max=0.9999, step=0.0001, description="beta_2", readout_format=".4f",
            style=slider_style,
        ),
        "steps": ipywidgets.IntSlider(value=steps, min=10, max=500, step=10, description="steps"),
    }
    plot = InteractiveFigure(draw_race, controls, figsize=(11.0, 4.2), ncols=2)
    # Seven controls do not fit on one line, so the row wraps.
    plot.widget.children[0].layout.flex_flow = "row wrap"
    return plot


def steps_to_leave_ridge(path: OptimizerPath, distance: float = 0.5) -> float:
    """Return the first step at which ``|y|`` exceeds ``distance``, or ``math.inf`` if it never does.

    On the saddle this measures how long an optimizer needs to leave the ridge ``y = 0``.
    """
    away = np.flatnonzero(np.abs(path.points[:, 1]) > distance)
    return int(away[0]) if away.size else math.inf
