"""Kernels that detect features in an image, and an interactive explorer for 3 x 3 kernels.

``feature_map`` computes what is drawn, ``draw_kernel_explorer`` draws it, and
``KernelExplorer`` wires nine number fields and a preset menu to one
``helpers.widgets.InteractiveFigure``. Tests set ``explorer.controls[name].value`` and
read the feature map back from ``explorer.axes[2]``.
"""

from __future__ import annotations

import ipywidgets
import numpy as np

from helpers._validation import as_float_array, check_ndim
from helpers.conv import correlate2d_single
from helpers.widgets import InteractiveFigure

KERNEL_PRESETS = {
    "vertical edge": np.array([[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]]),
    "horizontal edge": np.array([[-1.0, -1.0, -1.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]),
    "diagonal edge": np.array([[0.0, 1.0, 1.0], [-1.0, 0.0, 1.0], [-1.0, -1.0, 0.0]]),
    "Sobel x": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "Sobel y": np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "box blur": np.full((3, 3), 1.0 / 9.0),
    "sharpen": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
    "identity": np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
}
"""3 x 3 kernels for cross-correlation (not flipped), as ``Conv2D`` would apply them.

The edge kernels respond where the pixel values change from left to right ("vertical
edge", "Sobel x"), from top to bottom ("horizontal edge", "Sobel y"), or from the lower
left to the upper right ("diagonal edge", which finds edges parallel to the top-left to
bottom-right diagonal). The response is positive where the values grow in that direction
and negative where they fall. The Sobel kernels also smooth along the edge with weights
1, 2, 1, and their feature maps equal ``scipy.ndimage.sobel(image, axis=1)`` and
``axis=0`` with ``mode="constant"``.
"""

CUSTOM = "custom"
"""The preset menu's entry once a weight no longer matches the chosen preset."""

WEIGHT_NAMES = tuple(f"w{row}{column}" for row in range(3) for column in range(3))
"""Control names of the nine kernel weights, row by row: ``w00`` is the top-left weight."""


def feature_map(image, kernel) -> np.ndarray:
    """Cross-correlate one grey image with a kernel, keeping the image's size (``padding="same"``).

    Parameters
    ----------
    image : array_like of shape (H, W)
    kernel : array_like of shape (KH, KW)

    Returns
    -------
    numpy.ndarray of shape (H, W), float64
    """
    return correlate2d_single(image, kernel, padding="same")


def kernel_from_weights(weights) -> np.ndarray:
    """Arrange the values of ``w00`` to ``w22`` (a mapping from those names) as a 3 x 3 kernel."""
    missing = [name for name in WEIGHT_NAMES if name not in weights]
    if missing:
        raise ValueError(f"weights must contain the keys {list(WEIGHT_NAMES)}; missing {missing}.")
    return np.array([float(weights[name]) for name in WEIGHT_NAMES]).reshape(3, 3)


def symmetric_limit(values) -> float:
    """Return the largest absolute value, or 1.0 for all zeros, to centre a diverging colour map on 0."""
    limit = float(np.max(np.abs(values)))
    return limit if limit > 0 else 1.0


def draw_kernel_explorer(axes, image, kernel, title: str = "kernel") -> None:
    """Draw the image, the kernel with its weights written in, and the feature map on three axes.

    Red marks positive values and blue negative ones, with white at 0.
    """
    result = feature_map(image, kernel)
    image_axes, kernel_axes, map_axes = axes

    image_axes.imshow(image, cmap="gray_r")
    image_axes.set_title("input")

    limit = symmetric_limit(kernel)
    kernel_axes.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (row, column), weight in np.ndenumerate(kernel):
        kernel_axes.text(column, row, f"{weight:.3g}", ha="center", va="center", fontsize=11)
    kernel_axes.set_title(title)

    limit = symmetric_limit(result)
    map_axes.imshow(result, cmap="RdBu_r", vmin=-limit, vmax=limit)
    map_axes.set_title(f"feature map ({result.min():.3g} to {result.max():.3g})")

    for panel in axes:
        panel.set_xticks([])
        panel.set_yticks([])


class KernelExplorer(InteractiveFigure):
    """Edit a 3 x 3 kernel and see the feature map it gives on one image.

    The controls are ``preset``, a menu of ``KERNEL_PRESETS`` that fills in all nine weights,
    and ``w00`` to ``w22``, one number field per weight. Editing a weight by hand sets the
    menu to ``"custom"``. Each change redraws the figure once.

    Parameters
    ----------
    image : array_like of shape (H, W)
        One grey image, for example an MNIST digit scaled to [0, 1].
    preset : str, default "Sobel x"
        The preset shown first, a key of ``KERNEL_PRESETS``.
    figsize : (width, height) in inches
    """

    def __init__(self, image, preset: str = "Sobel x", figsize=(9.0, 3.2)):
        image = as_float_array(image, "image")
        check_ndim(image, "image", 2, "(H, W)")
        if preset not in KERNEL_PRESETS:
            raise ValueError(f"preset must be one of {list(KERNEL_PRESETS)}; received {preset!r}.")
        self.image = image
        # Filling in a preset, or switching the menu to "custom", changes several controls.
        # redraw() skips the changes made while this flag is set, so the figure is drawn once.
        self._updating = False

        menu = ipywidgets.Dropdown(options=[*KERNEL_PRESETS, CUSTOM], value=preset, description="preset")
        weights = {
            name: ipywidgets.FloatText(value=float(value), step=0.5, layout=ipywidgets.Layout(width="5em"))
            for name, value in zip(WEIGHT_NAMES, KERNEL_PRESETS[preset].ravel())
        }
        # These observers are registered before InteractiveFigure registers its own, and
        # traitlets calls observers in that order, so the weights are already filled in
        # when InteractiveFigure's observer redraws for the menu change.
        menu.observe(self._apply_preset, names="value")
        for control in weights.values():
            control.observe(self._mark_custom, names="value")

        super().__init__(self._draw, {"preset": menu, **weights}, figsize=figsize, ncols=3)
        grid = ipywidgets.GridBox(
            list(weights.values()), layout=ipywidgets.Layout(grid_template_columns="repeat(3, 5.5em)")
        )
        self.widget = ipywidgets.VBox([ipywidgets.HBox([menu, grid]), self.output])

    def kernel(self) -> np.ndarray:
        """Return the current 3 x 3 kernel."""
        return kernel_from_weights(self.values())

    def redraw(self) -> None:
        """Redraw the figure, except while a preset is being filled in."""
        if not self._updating:
            super().redraw()

    def _draw(self, axes, preset, **weights) -> None:
        draw_kernel_explorer(axes, self.image, kernel_from_weights(weights), title=f"kernel: {preset}")

    def _apply_preset(self, change) -> None:
        if change["new"] == CUSTOM:
            return
        self._updating = True
        try:
            for name, value in zip(WEIGHT_NAMES, KERNEL_PRESETS[change["new"]].ravel()):
                self.controls[name].value = float(value)
        finally:
            self._updating = False

    def _mark_custom(self, change) -> None:
        if self._updating:
            return
        preset = self.controls["preset"].value
        if preset != CUSTOM and not np.array_equal(self.kernel(), KERNEL_PRESETS[preset]):
            self._updating = True
            try:
                self.controls["preset"].value = CUSTOM
            finally:
                self._updating = False
