"""Interactive plots for the notebooks: ipywidgets controls wired to one matplotlib figure.

Every plot follows the same design. A pure function computes what is drawn, a ``draw``
function puts it on matplotlib axes, and :class:`InteractiveFigure` only wires controls to
``draw``. The figure is a plain ``matplotlib.figure.Figure`` that pyplot does not track, so
the inline backend never shows it a second time at the end of the cell. Each change of a
control clears the axes, draws again and replaces the PNG of one ``Image`` widget: one
figure, redrawn in place, in JupyterLab, in Colab and in plain Jupyter. Unlike an ``Output``
widget, an ``Image`` widget needs no output capture, which can hang nbclient (and so nbconvert
and nbgrader) at a widget cell (jupyter/nbclient#312).

Tests drive a plot without a display: set ``plot.controls["name"].value`` and inspect
``plot.figure`` and ``plot.axes``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping

import ipywidgets
import numpy as np
from IPython.display import display
from matplotlib.figure import Figure


class InteractiveFigure:
    """One figure redrawn in place whenever one of its controls changes.

    Parameters
    ----------
    draw : callable
        ``draw(axes, **values)`` draws on ``axes`` (one ``Axes`` or an array of them, as
        ``Figure.subplots`` returns) for the current value of every control.
    controls : mapping from name to ipywidgets widget
        Each widget's ``value`` is passed to ``draw`` under its name.
    figsize : (width, height) in inches
    nrows, ncols : int
        The grid of axes.
    """

    def __init__(
        self,
        draw: Callable,
        controls: Mapping[str, ipywidgets.ValueWidget],
        figsize: tuple[float, float] = (6.0, 4.0),
        nrows: int = 1,
        ncols: int = 1,
    ):
        self.draw = draw
        self.controls = dict(controls)
        self.figure = Figure(figsize=figsize, layout="constrained")
        self.axes = self.figure.subplots(nrows, ncols)
        self.output = ipywidgets.Image(format="png")
        self.redraw_count = 0
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.widget = ipywidgets.VBox([ipywidgets.HBox(list(self.controls.values())), self.output])
        self.redraw()

    def values(self) -> dict:
        """Return the current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def all_axes(self) -> list:
        """Return the axes as a flat list, whatever the grid."""
        return list(np.ravel(self.axes))

    def redraw(self) -> None:
        """Clear the axes, draw for the current values and replace the displayed image."""
        for axes in self.all_axes():
            axes.clear()
        self.draw(self.axes, **self.values())
        self.redraw_count += 1
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        self.output.value = buffer.getvalue()

    def _on_change(self, change) -> None:
        self.redraw()

    def _ipython_display_(self) -> None:
        display(self.widget)
