import matplotlib.pyplot as plt
import numpy as np
from ipywidgets import FloatSlider

from helpers.widgets import InteractiveFigure


def draw_line(axes, slope):
    x = np.linspace(0, 1, 5)
    axes.plot(x, slope * x)


def test_controls_redraw_the_same_figure():
    plt.close("all")
    slider = FloatSlider(value=1.0, min=-2.0, max=2.0)
    plot = InteractiveFigure(draw_line, {"slope": slider})
    figure = plot.figure

    slider.value = -2.0

    assert plot.figure is figure
    assert plot.redraw_count == 2
    lines = plot.axes.get_lines()
    assert len(lines) == 1, "the axes must be cleared before each redraw"
    np.testing.assert_allclose(lines[0].get_ydata(), -2.0 * np.linspace(0, 1, 5))


def test_no_pyplot_figure_is_left_open():
    plt.close("all")
    plot = InteractiveFigure(draw_line, {"slope": FloatSlider(value=0.5)})
    plot.controls["slope"].value = 0.25
    assert plt.get_fignums() == []


def test_grid_of_axes_is_cleared_everywhere():
    def draw_two(axes, shift):
        for ax in axes:
            ax.plot([0, 1], [shift, shift])

    plot = InteractiveFigure(draw_two, {"shift": FloatSlider(value=0.0)}, ncols=2)
    plot.controls["shift"].value = 1.0
    assert [len(ax.get_lines()) for ax in plot.all_axes()] == [1, 1]
    assert plot.values() == {"shift": 1.0}


def test_redraw_replaces_png_image():
    plot = InteractiveFigure(draw_line, {"slope": FloatSlider(value=1.0, min=-2.0, max=2.0)})
    before = plot.output.value
    plot.controls["slope"].value = -2.0
    assert bytes(before).startswith(b"\x89PNG")
    assert bytes(plot.output.value).startswith(b"\x89PNG")
    assert bytes(plot.output.value) != bytes(before)
