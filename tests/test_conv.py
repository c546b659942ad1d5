"""Tests for helpers.conv: hand-checked cases, agreement with TensorFlow, Keras and scipy, properties and errors."""

from __future__ import annotations

import doctest
import math
import re
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage, signal

import helpers.conv
from helpers.bench_conv import benchmark_conv2d
from helpers.conv import (
    LAYER_OPTIONS,
    avg_pool2d,
    cnn_param_count,
    conv2d,
    conv2d_param_count,
    conv_output_size,
    convolve2d_single,
    correlate2d_single,
    dense_param_count,
    global_avg_pool2d,
    global_max_pool2d,
    max_pool2d,
    same_padding,
    summarize_cnn,
)
from helpers.runtime import import_keras, import_tensorflow

REPOSITORY = Path(__file__).resolve().parents[1]

# TensorFlow and Keras compute in float32 and these helpers in float64. With inputs of
# order 1 and at most 48 products per output, float32 rounding is of order 1e-6.
TF_TOLERANCE = 1e-5

SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


@pytest.fixture(scope="module")
def tf():
    return import_tensorflow()


@pytest.fixture(scope="module")
def keras():
    return import_keras()


def seed_for(*parts) -> int:
    """A seed that depends on the test case and, unlike hash(), is the same in every run."""
    return zlib.crc32(repr(parts).encode())


def tf_conv2d(tf, x, kernel, stride, padding):
    """Return ``tf.nn.conv2d`` as a NumPy array, one image per call where TensorFlow's CPU result is wrong.

    NOTE: with oneDNN, the default CPU path of TensorFlow 2.21.0 on x86-64 Linux, batches of
    N >= 2 with C_in = 1, row stride 1, column stride > 1 and one output column returned wrong
    values for 117 of 286 such shapes in a grid of small sizes (for example x (3, 4, 3, 1),
    kernel (1, 2, 1, 3), strides (1, 2)). The same images one at a time, or TF_ENABLE_ONEDNN_OPTS=0, give the
    right result, so those cases are compared one image at a time.
    """
    strides = stride if isinstance(stride, tuple) else (stride, stride)
    output = tf.nn.conv2d(x, kernel, list(strides), padding)
    affected = len(x) >= 2 and x.shape[3] == 1 and strides[0] == 1 and strides[1] > 1 and output.shape[2] == 1
    if not affected:
        return output.numpy()
    return np.concatenate([tf.nn.conv2d(x[index : index + 1], kernel, list(strides), padding).numpy() for index in range(len(x))])


def direct_conv2d(x, kernel, strides, output_size):
    """Cross-correlation by nested loops over every output element: slow but plainly the definition."""
    output = np.zeros((len(x), *output_size, kernel.shape[3]))
    for n, i, j, o in np.ndindex(output.shape):
        window = x[n, i * strides[0] : i * strides[0] + kernel.shape[0], j * strides[1] : j * strides[1] + kernel.shape[1], :]
        output[n, i, j, o] = np.sum(window * kernel[:, :, :, o])
    return output


def random_digit(rng, height=9, width=8):
    """A blurred random blob in [0, 1], standing in for a small digit."""
    image = ndimage.gaussian_filter(rng.random((height, width)), 1.0)
    return (image - image.min()) / (image.max() - image.min())


# ---------------------------------------------------------------------------
# 1. Single steps checked by hand
# ---------------------------------------------------------------------------


def test_correlate2d_single_by_hand():
    image = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
    # top-left:     1*1 + 2*2 + 4*3 + 5*4 = 1 + 4 + 12 + 20 = 37
    # top-right:    2*1 + 3*2 + 5*3 + 6*4 = 2 + 6 + 15 + 24 = 47
    # bottom-left:  4*1 + 5*2 + 7*3 + 8*4 = 4 + 10 + 21 + 32 = 67
    # bottom-right: 5*1 + 6*2 + 8*3 + 9*4 = 5 + 12 + 24 + 36 = 77
    expected = np.array([[37.0, 47.0], [67.0, 77.0]])
    np.testing.assert_array_equal(correlate2d_single(image, kernel), expected)


def test_convolve2d_single_by_hand():
    image = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
    # The flipped kernel is [[4, 3], [2, 1]].
    # top-left:     1*4 + 2*3 + 4*2 + 5*1 = 4 + 6 + 8 + 5 = 23
    # top-right:    2*4 + 3*3 + 5*2 + 6*1 = 8 + 9 + 10 + 6 = 33
    # bottom-left:  4*4 + 5*3 + 7*2 + 8*1 = 16 + 15 + 14 + 8 = 53
    # bottom-right: 5*4 + 6*3 + 8*2 + 9*1 = 20 + 18 + 16 + 9 = 63
    expected = np.array([[23.0, 33.0], [53.0, 63.0]])
    np.testing.assert_array_equal(convolve2d_single(image, kernel), expected)


def test_conv2d_stride_two_by_hand():
    x = np.arange(25.0).reshape(1, 5, 5, 1)
    kernel = np.ones((3, 3, 1, 1))
    # Windows start at rows and columns 0 and 2. A 3 x 3 window of an arithmetic grid sums
    # to 9 times its centre: centres 6, 8, 16 and 18 give 54, 72, 144 and 162.
    expected = np.array([[54.0, 72.0], [144.0, 162.0]])
    np.testing.assert_array_equal(conv2d(x, kernel, stride=2)[0, :, :, 0], expected)


def test_conv2d_same_extra_zero_bottom_right():
    kernel_row = np.array([1.0, 10.0])
    # n = 4, k = 2, s = 1: total padding 1, so 0 zeros before and 1 after.
    # [1, 2, 3, 4, 0] with [1, 10]: 1 + 20, 2 + 30, 3 + 40, 4 + 0 = [21, 32, 43, 4]
    expected = np.array([21.0, 32.0, 43.0, 4.0])

    row = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 1, 4, 1)
    along_width = conv2d(row, kernel_row.reshape(1, 2, 1, 1), padding="same")
    np.testing.assert_array_equal(along_width.ravel(), expected)

    column = row.reshape(1, 4, 1, 1)
    along_height = conv2d(column, kernel_row.reshape(2, 1, 1, 1), padding="same")
    np.testing.assert_array_equal(along_height.ravel(), expected)


def test_conv2d_mixes_channels_by_hand():
    # A 1 x 1 kernel is a matrix from C_in = 2 to C_out = 2 at every pixel.
    # pixel [1, 2]: filter 0 = 1*1 + 2*1 = 3, filter 1 = 1*0 + 2*(-1) = -2
    x = np.array([1.0, 2.0]).reshape(1, 1, 1, 2)
    kernel = np.array([[1.0, 0.0], [1.0, -1.0]]).reshape(1, 1, 2, 2)
    np.testing.assert_array_equal(conv2d(x, kernel).ravel(), [3.0, -2.0])


def test_conv2d_explicit_padding_by_hand():
    # One zero on each side of [1, 2, 3]: [0, 1, 2, 3, 0] with [1, 1, 1] gives [3, 6, 5].
    row = np.array([1.0, 2.0, 3.0]).reshape(1, 1, 3, 1)
    kernel = np.ones((1, 3, 1, 1))
    np.testing.assert_array_equal(conv2d(row, kernel, padding=(0, 1)).ravel(), [3.0, 6.0, 5.0])


def test_max_pool2d_by_hand():
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    # 2 x 2 windows of [[0..3], [4..7], [8..11], [12..15]]: each maximum is the bottom-right value.
    expected = np.array([[5.0, 7.0], [13.0, 15.0]])
    np.testing.assert_array_equal(max_pool2d(x)[0, :, :, 0], expected)


def test_avg_pool2d_by_hand():
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    # (0 + 1 + 4 + 5) / 4 = 2.5, (2 + 3 + 6 + 7) / 4 = 4.5, (8 + 9 + 12 + 13) / 4 = 10.5, (10 + 11 + 14 + 15) / 4 = 12.5
    expected = np.array([[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_array_equal(avg_pool2d(x)[0, :, :, 0], expected)


def test_avg_pool2d_same_counts_real_pixels():
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    # n = 3, k = 2, s = 2: out = 2 and total padding 1, all after. The windows are
    # {0, 1, 3, 4} -> 2, {2, 5} -> 3.5, {6, 7} -> 6.5 and {8} -> 8, each divided by its
    # real pixels. Dividing by 4 would give 8 / 4 = 2 in the corner.
    expected = np.array([[2.0, 3.5], [6.5, 8.0]])
    np.testing.assert_array_equal(avg_pool2d(x, padding="same")[0, :, :, 0], expected)


def test_max_pool2d_same_ignores_padding():
    x = -np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    # All values are negative, so a padded zero would win if it counted.
    # Windows {-1, -2, -4, -5}, {-3, -6}, {-7, -8}, {-9}.
    expected = np.array([[-1.0, -3.0], [-7.0, -9.0]])
    np.testing.assert_array_equal(max_pool2d(x, padding="same")[0, :, :, 0], expected)


def test_global_pooling_by_hand():
    x = np.arange(8.0).reshape(1, 2, 2, 2)
    # channel 0 contains 0, 2, 4, 6 and channel 1 contains 1, 3, 5, 7.
    np.testing.assert_array_equal(global_max_pool2d(x), [[6.0, 7.0]])
    np.testing.assert_array_equal(global_avg_pool2d(x), [[3.0, 4.0]])
    assert global_max_pool2d(x, keepdims=True).shape == (1, 1, 1, 2)
    assert global_avg_pool2d(x, keepdims=True).shape == (1, 1, 1, 2)


def test_conv_output_size_by_hand():
    assert conv_output_size(28, 3) == 26  # floor((28 - 3) / 1) + 1
    assert conv_output_size(28, 3, stride=2) == 13  # floor(25 / 2) + 1 = 12 + 1
    assert conv_output_size(28, 3, stride=2, padding="same") == 14  # ceil(28 / 2)
    assert conv_output_size(7, 3, stride=3, padding="same") == 3  # ceil(7 / 3)
    assert conv_output_size(28, 5, padding=2) == 28  # floor((28 + 4 - 5) / 1) + 1
    assert conv_output_size(5, 3, stride=2, padding=1) == 3  # floor((5 + 2 - 3) / 2) + 1


def test_same_padding_by_hand():
    assert same_padding(28, 3) == (1, 1)  # out 28, total (28 - 1) * 1 + 3 - 28 = 2
    assert same_padding(28, 3, stride=2) == (0, 1)  # out 14, total 13 * 2 + 3 - 28 = 1
    assert same_padding(5, 4, stride=2) == (1, 2)  # out 3, total 2 * 2 + 4 - 5 = 3
    assert same_padding(6, 1, stride=4) == (0, 0)  # out 2, total max(4 + 1 - 6, 0) = 0


def test_tutorial_size_formula_wrong_for_stride_two(tf):
    # n = 6, k = 2, s = 2: windows start at 0, 2 and 4, so there are 3.
    # floor((6 - 2) / 2) + 1 = 3, but the tutorial's (6 - 2 + 1) / 2 = 2.5 truncates to 2.
    n, k, s = 6, 2, 2
    tutorial = (n - k + 1) / s
    assert tutorial == 2.5
    assert conv_output_size(n, k, stride=s) == 3
    assert conv2d(np.zeros((1, n, n, 1)), np.zeros((k, k, 1, 1)), stride=s).shape[1:3] == (3, 3)
    tf_output = tf.nn.conv2d(np.zeros((1, n, n, 1), np.float32), np.zeros((k, k, 1, 1), np.float32), s, "VALID")
    assert tuple(tf_output.shape[1:3]) == (3, 3)


def test_tutorial_size_formula_agrees_only_for_stride_one():
    differing = []
    for n in range(1, 13):
        for k in range(1, n + 1):
            for s in range(1, 5):
                tutorial = int((n - k + 1) / s)
                if s == 1:
                    assert tutorial == conv_output_size(n, k, s), (n, k, s)
                elif tutorial != conv_output_size(n, k, s):
                    differing.append((n, k, s))
    assert (7, 3, 2) in differing


def test_param_counts_by_hand():
    assert conv2d_param_count(3, 1, 32) == 320  # 3 * 3 * 1 * 32 + 32
    assert conv2d_param_count((3, 3), 32, 64) == 18496  # 3 * 3 * 32 * 64 + 64
    assert conv2d_param_count((5, 3), 3, 8, use_bias=False) == 360  # 5 * 3 * 3 * 8
    assert dense_param_count(784, 128) == 100480  # 784 * 128 + 128
    assert dense_param_count(128, 10, use_bias=False) == 1280


# ---------------------------------------------------------------------------
# 2. Agreement with TensorFlow, Keras and scipy
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", [1, 2, 3, (1, 2), (2, 1), (3, 2), (1, 3)])
def test_conv2d_matches_tf_random_shapes(tf, stride, padding):
    rng = np.random.default_rng(seed_for(stride, padding))
    for _ in range(6):
        kernel_height, kernel_width = rng.integers(1, 5, size=2)
        height = int(rng.integers(kernel_height, kernel_height + 9))
        width = int(rng.integers(kernel_width, kernel_width + 9))
        x = rng.standard_normal((rng.integers(1, 4), height, width, rng.integers(1, 4))).astype(np.float32)
        kernel = rng.standard_normal((kernel_height, kernel_width, x.shape[3], rng.integers(1, 5))).astype(np.float32)

        expected = tf_conv2d(tf, x, kernel, stride, padding.upper())
        actual = conv2d(x, kernel, stride=stride, padding=padding)

        case = f"x {x.shape}, kernel {kernel.shape}, stride {stride}, padding {padding!r}"
        assert actual.shape == expected.shape, case
        np.testing.assert_allclose(actual, expected, rtol=TF_TOLERANCE, atol=TF_TOLERANCE, err_msg=case)


@pytest.mark.parametrize(
    "height, width, kernel_size, stride",
    [
        (6, 6, (2, 2), 1),
        (5, 5, (4, 4), 2),
        (7, 8, (2, 3), 3),
        (28, 28, (3, 3), 2),
        (4, 7, (3, 2), (2, 3)),
    ],
)
def test_conv2d_same_odd_padding_matches_tf(tf, height, width, kernel_size, stride):
    strides = stride if isinstance(stride, tuple) else (stride, stride)
    top, bottom = same_padding(height, kernel_size[0], strides[0])
    left, right = same_padding(width, kernel_size[1], strides[1])
    # Each case has an odd total padding on at least one axis, so the extra zero's side matters.
    assert (top + bottom) % 2 == 1 or (left + right) % 2 == 1

    rng = np.random.default_rng(height * 100 + width)
    x = rng.standard_normal((2, height, width, 2)).astype(np.float32)
    kernel = rng.standard_normal((*kernel_size, 2, 3)).astype(np.float32)
    expected = tf_conv2d(tf, x, kernel, stride, "SAME")
    np.testing.assert_allclose(conv2d(x, kernel, stride, "same"), expected, rtol=TF_TOLERANCE, atol=TF_TOLERANCE)

    # Putting the extra zero at the top and left instead gives a different result.
    extra_zero_first = np.pad(x, ((0, 0), (bottom, top), (right, left), (0, 0)))
    wrong = conv2d(extra_zero_first, kernel, stride, "valid")
    assert wrong.shape == expected.shape
    assert not np.allclose(wrong, expected, atol=1e-3)


@pytest.mark.parametrize("padding", [0, 1, 2, (1, 0), (0, 2), (3, 1)])
def test_conv2d_explicit_padding_matches_tf(tf, padding):
    rows, columns = padding if isinstance(padding, tuple) else (padding, padding)
    rng = np.random.default_rng(rows * 10 + columns)
    x = rng.standard_normal((2, 5, 6, 3)).astype(np.float32)
    kernel = rng.standard_normal((3, 4, 3, 2)).astype(np.float32)
    tf_padding = [[0, 0], [rows, rows], [columns, columns], [0, 0]]
    for stride in (1, 2, (2, 1)):
        expected = tf_conv2d(tf, x, kernel, stride, tf_padding)
        actual = conv2d(x, kernel, stride=stride, padding=padding)
        np.testing.assert_allclose(actual, expected, rtol=TF_TOLERANCE, atol=TF_TOLERANCE, err_msg=f"stride {stride}")


def test_conv2d_matches_loops_where_tf_batch_fails(tf):
    # The shape of the NOTE in tf_conv2d: N = 3, C_in = 1, strides (1, 2), one output column.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 3, 1))
    kernel = rng.standard_normal((1, 2, 1, 3))
    actual = conv2d(x, kernel, stride=(1, 2))
    np.testing.assert_allclose(actual, direct_conv2d(x, kernel, (1, 2), (4, 1)), rtol=1e-12, atol=1e-12)
    expected = tf_conv2d(tf, x.astype(np.float32), kernel.astype(np.float32), (1, 2), "VALID")
    np.testing.assert_allclose(actual, expected, rtol=TF_TOLERANCE, atol=TF_TOLERANCE)


def test_conv2d_matches_direct_loops():
    rng = np.random.default_rng(15)
    x = rng.standard_normal((2, 7, 6, 3))
    kernel = rng.standard_normal((3, 2, 3, 4))
    for strides in [(1, 1), (2, 3), (3, 1)]:
        actual = conv2d(x, kernel, stride=strides)
        np.testing.assert_allclose(actual, direct_conv2d(x, kernel, strides, actual.shape[1:3]), rtol=1e-12, atol=1e-12)


def test_conv2d_accepts_tensorflow_padding_names(tf):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 5, 5, 1)).astype(np.float32)
    kernel = rng.standard_normal((2, 2, 1, 1)).astype(np.float32)
    for name in ("SAME", "VALID"):
        expected = tf_conv2d(tf, x, kernel, 1, name)
        np.testing.assert_allclose(conv2d(x, kernel, padding=name), expected, rtol=TF_TOLERANCE, atol=TF_TOLERANCE)


def test_conv2d_matches_keras_conv2d_layer(keras):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 9, 7, 3)).astype(np.float32)
    layer = keras.layers.Conv2D(4, (3, 2), strides=(2, 1), padding="same", use_bias=False)
    expected = layer(x).numpy()
    kernel = layer.get_weights()[0]
    np.testing.assert_allclose(conv2d(x, kernel, (2, 1), "same"), expected, rtol=TF_TOLERANCE, atol=TF_TOLERANCE)


@pytest.mark.parametrize("kernel_shape", [(3, 3), (2, 2), (4, 3), (2, 5), (1, 4), (5, 1)])
def test_convolve2d_same_matches_ndimage_convolve(kernel_shape):
    rng = np.random.default_rng(sum(kernel_shape))
    image = rng.standard_normal((7, 8))
    kernel = rng.standard_normal(kernel_shape)
    expected = ndimage.convolve(image, kernel, mode="constant", cval=0.0)
    np.testing.assert_allclose(convolve2d_single(image, kernel, padding="same"), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel_shape", [(3, 3), (2, 2), (4, 3), (2, 5)])
def test_convolve2d_valid_matches_scipy(kernel_shape):
    rng = np.random.default_rng(10 + sum(kernel_shape))
    image = rng.standard_normal((7, 8))
    kernel = rng.standard_normal(kernel_shape)
    actual = convolve2d_single(image, kernel)

    np.testing.assert_allclose(actual, signal.convolve2d(image, kernel, mode="valid"), rtol=1e-12, atol=1e-12)

    # The valid result is the interior of ndimage.convolve in any boundary mode, here its default "reflect".
    top, left = (kernel_shape[0] - 1) // 2, (kernel_shape[1] - 1) // 2
    interior = ndimage.convolve(image, kernel)[top : top + actual.shape[0], left : left + actual.shape[1]]
    np.testing.assert_allclose(actual, interior, rtol=1e-12, atol=1e-12)


def test_ndimage_default_mode_differs_on_border():
    image = random_digit(np.random.default_rng(11))
    ours = convolve2d_single(image, SOBEL_X, padding="same")
    reflected = ndimage.convolve(image, SOBEL_X)
    np.testing.assert_allclose(ours[1:-1, 1:-1], reflected[1:-1, 1:-1], rtol=1e-12, atol=1e-12)
    assert not np.allclose(ours[0], reflected[0])


@pytest.mark.parametrize("kernel_shape", [(3, 3), (2, 2), (4, 3), (1, 4)])
def test_correlate2d_same_matches_ndimage_correlate(kernel_shape):
    rng = np.random.default_rng(20 + sum(kernel_shape))
    image = rng.standard_normal((6, 7))
    kernel = rng.standard_normal(kernel_shape)
    # scipy centres an even kernel one place later, and origin=-1 moves it back.
    origin = tuple(-1 if size % 2 == 0 else 0 for size in kernel_shape)
    expected = ndimage.correlate(image, kernel, mode="constant", cval=0.0, origin=origin)
    np.testing.assert_allclose(correlate2d_single(image, kernel, padding="same"), expected, rtol=1e-12, atol=1e-12)


def test_convolution_negates_sobel_correlation():
    # Flipping Sobel x on both axes negates it, so on one image convolution = -correlation.
    image = random_digit(np.random.default_rng(12))
    correlation = correlate2d_single(image, SOBEL_X)
    convolution = convolve2d_single(image, SOBEL_X)
    assert not np.allclose(convolution, correlation)
    np.testing.assert_allclose(convolution, -correlation, rtol=1e-12, atol=1e-12)


def test_convolution_equals_correlation_for_symmetric_kernel():
    image = random_digit(np.random.default_rng(13))
    blur = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16
    np.testing.assert_allclose(convolve2d_single(image, blur), correlate2d_single(image, blur), rtol=1e-12, atol=1e-12)


def test_convolve2d_is_correlation_with_flipped_kernel():
    rng = np.random.default_rng(14)
    image = rng.standard_normal((8, 9))
    kernel = rng.standard_normal((3, 2))
    for stride, padding in [(1, "valid"), (2, "same"), ((1, 3), 1)]:
        np.testing.assert_allclose(
            convolve2d_single(image, kernel, stride, padding),
            correlate2d_single(image, kernel[::-1, ::-1], stride, padding),
            rtol=1e-12,
            atol=1e-12,
        )


@pytest.mark.parametrize(
    "pool_size, strides, padding",
    [
        (2, None, "valid"),
        (2, None, "same"),
        (3, None, "same"),
        (3, 2, "valid"),
        (3, 2, "same"),
        ((2, 3), (1, 2), "same"),
        ((3, 2), None, "valid"),
        (2, 1, "valid"),
        (3, 1, "same"),
        (1, 2, "same"),
    ],
)
def test_pooling_matches_keras(keras, pool_size, strides, padding):
    rng = np.random.default_rng(seed_for(pool_size, strides, padding))
    max_layer = keras.layers.MaxPooling2D(pool_size, strides, padding)
    average_layer = keras.layers.AveragePooling2D(pool_size, strides, padding)
    for height, width in [(6, 6), (7, 5), (5, 9)]:
        x = rng.standard_normal((2, height, width, 3)).astype(np.float32)
        case = f"x {x.shape}, pool_size {pool_size}, strides {strides}, padding {padding!r}"

        expected_max = max_layer(x).numpy()
        actual_max = max_pool2d(x, pool_size, strides, padding)
        assert actual_max.shape == expected_max.shape, case
        np.testing.assert_allclose(actual_max, expected_max, rtol=TF_TOLERANCE, atol=TF_TOLERANCE, err_msg=case)

        expected_average = average_layer(x).numpy()
        actual_average = avg_pool2d(x, pool_size, strides, padding)
        assert actual_average.shape == expected_average.shape, case
        np.testing.assert_allclose(actual_average, expected_average, rtol=TF_TOLERANCE, atol=TF_TOLERANCE, err_msg=case)


@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling_matches_keras(keras, keepdims):
    x = np.random.default_rng(6).standard_normal((3, 5, 4, 2)).astype(np.float32)
    expected_max = keras.layers.GlobalMaxPooling2D(keepdims=keepdims)(x).numpy()
    expected_average = keras.layers.GlobalAveragePooling2D(keepdims=keepdims)(x).numpy()
    np.testing.assert_allclose(global_max_pool2d(x, keepdims), expected_max, rtol=TF_TOLERANCE, atol=TF_TOLERANCE)
    np.testing.assert_allclose(global_avg_pool2d(x, keepdims), expected_average, rtol=TF_TOLERANCE, atol=TF_TOLERANCE)


KERAS_LAYER_CLASSES = {
    "conv2d": "Conv2D",
    "max_pool2d": "MaxPooling2D",
    "avg_pool2d": "AveragePooling2D",
    "global_max_pool2d": "GlobalMaxPooling2D",
    "global_avg_pool2d": "GlobalAveragePooling2D",
    "flatten": "Flatten",
    "dense": "Dense",
    "dropout": "Dropout",
    "batch_normalization": "BatchNormalization",
}

CNN_SPECS = {
    "mnist": (
        (28, 28, 1),
        [
            {"layer": "conv2d", "filters": 32, "kernel_size": 3},
            {"layer": "max_pool2d"},
            {"layer": "conv2d", "filters": 64, "kernel_size": 3},
            {"layer": "max_pool2d"},
            {"layer": "flatten"},
            {"layer": "dense", "units": 128},
            {"layer": "dropout", "rate": 0.5},
            {"layer": "dense", "units": 10},
        ],
    ),
    "same_strides_batch_norm": (
        (28, 28, 1),
        [
            {"layer": "conv2d", "filters": 16, "kernel_size": 5, "padding": "same", "use_bias": False},
            {"layer": "batch_normalization"},
            {"layer": "conv2d", "filters": 24, "kernel_size": (3, 2), "strides": (2, 3), "padding": "same"},
            {"layer": "avg_pool2d", "pool_size": 3, "strides": 2, "padding": "same"},
            {"layer": "conv2d", "filters": 8, "kernel_size": 1},
            {"layer": "global_avg_pool2d"},
            {"layer": "dense", "units": 10, "use_bias": False},
        ],
    ),
    "rgb_dense_on_feature_maps": (
        (15, 11, 3),
        [
            {"layer": "conv2d", "filters": 6, "kernel_size": (4, 3), "strides": 2},
            {"layer": "max_pool2d", "pool_size": (2, 1), "padding": "same"},
            {"layer": "dense", "units": 5},
            {"layer": "global_max_pool2d"},
            {"layer": "dense", "units": 3},
        ],
    ),
}


def build_keras_model(keras, input_shape, layers):
    keras_layers = []
    for spec in layers:
        options = {key: value for key, value in spec.items() if key != "layer"}
        keras_layers.append(getattr(keras.layers, KERAS_LAYER_CLASSES[spec["layer"]])(**options))
    return keras.Sequential([keras.Input(shape=input_shape), *keras_layers]), keras_layers


@pytest.mark.parametrize("model_name", sorted(CNN_SPECS))
def test_cnn_counts_match_keras_model(keras, model_name):
    input_shape, layers = CNN_SPECS[model_name]
    model, keras_layers = build_keras_model(keras, input_shape, layers)

    rows = summarize_cnn(input_shape, layers)
    assert cnn_param_count(input_shape, layers) == model.count_params()
    for index, (row, layer) in enumerate(zip(rows, keras_layers)):
        assert row["param_count"] == layer.count_params(), f"layers[{index}] {row['layer']}"
        assert row["output_shape"] == tuple(layer.output.shape[1:]), f"layers[{index}] {row['layer']}"


def test_layer_options_cover_keras_layers():
    assert set(LAYER_OPTIONS) == set(KERAS_LAYER_CLASSES)


@pytest.mark.parametrize(
    "kernel_size, in_channels, filters, use_bias",
    [(3, 1, 32, True), ((5, 3), 3, 8, False), ((1, 1), 64, 16, True)],
)
def test_conv2d_param_count_matches_keras(keras, kernel_size, in_channels, filters, use_bias):
    layer = keras.layers.Conv2D(filters, kernel_size, use_bias=use_bias)
    layer.build((None, 9, 9, in_channels))
    assert conv2d_param_count(kernel_size, in_channels, filters, use_bias) == layer.count_params()


@pytest.mark.parametrize("in_features, units, use_bias", [(784, 128, True), (5408, 10, False), (1, 1, True)])
def test_dense_param_count_matches_keras(keras, in_features, units, use_bias):
    layer = keras.layers.Dense(units, use_bias=use_bias)
    layer.build((None, in_features))
    assert dense_param_count(in_features, units, use_bias) == layer.count_params()


# ---------------------------------------------------------------------------
# 3. Properties
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("padding", ["valid", "same", 0, 1, 2])
def test_output_size_matches_conv2d_grid(padding):
    for n in range(1, 11):
        for k in range(1, 6):
            for s in range(1, 5):
                x = np.zeros((1, n, n, 1))
                kernel = np.zeros((k, k, 1, 1))
                amount = 0 if padding in ("valid", "same") else padding
                if padding != "same" and k > n + 2 * amount:
                    with pytest.raises(ValueError, match="must be at most"):
                        conv_output_size(n, k, s, padding)
                    with pytest.raises(ValueError, match="must be at most"):
                        conv2d(x, kernel, s, padding)
                    continue

                size = conv_output_size(n, k, s, padding)
                assert conv2d(x, kernel, s, padding).shape == (1, size, size, 1), (n, k, s, padding)
                if padding == "same":
                    assert size == math.ceil(n / s)
                else:
                    assert size == math.floor((n + 2 * amount - k) / s) + 1
                if padding in ("valid", "same"):
                    assert max_pool2d(x, k, s, padding).shape == (1, size, size, 1), (n, k, s, padding)


def test_same_padding_keeps_size_at_stride_one():
    for n in range(1, 12):
        for k in range(1, 7):
            before, after = same_padding(n, k)
            assert before + after == k - 1
            assert after - before in (0, 1)


def test_conv2d_treats_batch_items_independently():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 6, 5, 2))
    kernel = rng.standard_normal((3, 3, 2, 3))
    batch = conv2d(x, kernel, stride=(2, 1), padding="same")
    for index in range(len(x)):
        single = conv2d(x[index : index + 1], kernel, stride=(2, 1), padding="same")
        np.testing.assert_allclose(batch[index], single[0], rtol=1e-12, atol=1e-12)


def test_correlate2d_single_matches_one_channel_conv2d():
    rng = np.random.default_rng(9)
    image = rng.standard_normal((7, 6))
    kernel = rng.standard_normal((2, 3))
    for stride, padding in [(1, "valid"), (2, "same"), ((3, 1), (1, 2))]:
        expected = conv2d(image[None, :, :, None], kernel[:, :, None, None], stride, padding)[0, :, :, 0]
        np.testing.assert_array_equal(correlate2d_single(image, kernel, stride, padding), expected)


def test_avg_pool2d_same_keeps_constant_image():
    x = np.full((1, 5, 7, 2), 3.0)
    np.testing.assert_array_equal(avg_pool2d(x, 3, 2, "same"), np.full((1, 3, 4, 2), 3.0))


def test_functions_accept_integers_and_leave_input_unchanged():
    x = np.arange(16, dtype=np.int64).reshape(1, 4, 4, 1)
    original = x.copy()
    kernel = np.ones((2, 2, 1, 1), dtype=np.int32)
    for result in (conv2d(x, kernel, padding="same"), max_pool2d(x, padding="same"), avg_pool2d(x), global_avg_pool2d(x)):
        assert result.dtype == np.float64
    np.testing.assert_array_equal(x, original)


def test_docstring_examples_run():
    result = doctest.testmod(helpers.conv, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10
    assert result.failed == 0


def test_import_does_not_load_tensorflow():
    code = "import sys, helpers.conv, helpers.bench_conv; print('tensorflow' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], cwd=REPOSITORY, capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"


def test_benchmark_returns_figures_without_timing_checks():
    result = benchmark_conv2d(repeats=1, number=1, use_mnist=False)
    assert result["input_shape"] == (64, 28, 28, 1)
    assert result["kernel_shape"] == (3, 3, 1, 32)
    assert result["data"].startswith("seeded random")
    assert result["conv2d_seconds"] > 0
    assert result["tensorflow_seconds"] > 0
    assert result["ratio"] == pytest.approx(result["conv2d_seconds"] / result["tensorflow_seconds"])
    # Pixels up to 255 and 9 weights of about 0.3: outputs reach a few hundred, and
    # float32 keeps about 7 significant digits.
    assert result["max_abs_difference"] < 1e-3


# ---------------------------------------------------------------------------
# 4. Errors: each message names the argument, the expected value and the received one
# ---------------------------------------------------------------------------

IMAGES = np.zeros((1, 5, 5, 1))
KERNEL = np.zeros((3, 3, 1, 1))
IMAGE = np.zeros((3, 3))

ERROR_CASES = [
    # conv2d
    (
        "x_rank_three",
        lambda: conv2d(np.zeros((28, 28, 1)), KERNEL),
        ValueError,
        "x must have shape (N, H, W, C_in) (4 dimensions); received shape (28, 28, 1). "
        "For a single image, add a batch axis with x[np.newaxis].",
    ),
    (
        "x_rank_two",
        lambda: conv2d(np.zeros((28, 28)), KERNEL),
        ValueError,
        "received shape (28, 28). For one grey image, use x[np.newaxis, :, :, np.newaxis].",
    ),
    (
        "kernel_rank",
        lambda: conv2d(IMAGES, np.zeros((3, 3))),
        ValueError,
        "kernel must have shape (KH, KW, C_in, C_out) (4 dimensions); received shape (3, 3).",
    ),
    (
        "channel_mismatch",
        lambda: conv2d(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 1, 8))),
        ValueError,
        "kernel must have shape (KH, KW, C_in, C_out) with C_in = 3, the channels of x of shape (1, 5, 5, 3); "
        "received kernel of shape (3, 3, 1, 8).",
    ),
    (
        "kernel_larger_than_input",
        lambda: conv2d(np.zeros((1, 4, 4, 1)), np.zeros((5, 5, 1, 1))),
        ValueError,
        "kernel height and width (5, 5) must be at most the height and width of the padded input (4, 4) "
        "with padding='valid'; received kernel of shape (5, 5, 1, 1) and x of shape (1, 4, 4, 1). "
        "Use a smaller kernel, more padding or padding='same'.",
    ),
    (
        "kernel_larger_than_padded_input",
        lambda: conv2d(np.zeros((1, 4, 4, 1)), np.zeros((7, 3, 1, 1)), padding=1),
        ValueError,
        "kernel height and width (7, 3) must be at most the height and width of the padded input (6, 6) with padding=1",
    ),
    ("stride_zero", lambda: conv2d(IMAGES, KERNEL, stride=0), ValueError, "stride must be at least 1; received 0."),
    ("stride_negative", lambda: conv2d(IMAGES, KERNEL, stride=-2), ValueError, "stride must be at least 1; received -2."),
    (
        "stride_float",
        lambda: conv2d(IMAGES, KERNEL, stride=1.5),
        TypeError,
        "stride must be a positive whole number; received float 1.5.",
    ),
    (
        "stride_three_values",
        lambda: conv2d(IMAGES, KERNEL, stride=(1, 2, 3)),
        ValueError,
        "stride must be a positive whole number or a pair (rows, columns) of them; received tuple (1, 2, 3).",
    ),
    ("stride_pair_zero", lambda: conv2d(IMAGES, KERNEL, stride=(1, 0)), ValueError, "stride[1] must be at least 1; received 0."),
    (
        "padding_unknown",
        lambda: conv2d(IMAGES, KERNEL, padding="full"),
        ValueError,
        "padding must be 'valid', 'same', a whole number of zeros to add on each side, "
        "or a pair (rows, columns) of them; received 'full'.",
    ),
    ("padding_negative", lambda: conv2d(IMAGES, KERNEL, padding=-1), ValueError, "padding must be at least 0; received -1."),
    (
        "padding_pair_float",
        lambda: conv2d(IMAGES, KERNEL, padding=(1, 0.5)),
        TypeError,
        "padding[1] must be a whole number of zeros to add on each side; received float 0.5.",
    ),
    ("x_strings", lambda: conv2d([[["a"]]], KERNEL), TypeError, "x must contain real numbers; received"),
    ("x_none", lambda: conv2d(None, KERNEL), TypeError, "x must be a number or an array of numbers; received NoneType None."),
    ("kernel_bool", lambda: conv2d(IMAGES, np.ones((3, 3, 1, 1), bool)), TypeError, "kernel must contain real numbers"),
    (
        "kernel_empty",
        lambda: conv2d(IMAGES, np.zeros((0, 3, 1, 1))),
        ValueError,
        "kernel must have at least one row and one column (KH, KW >= 1); received shape (0, 3, 1, 1).",
    ),
    (
        "x_empty",
        lambda: conv2d(np.zeros((1, 0, 5, 1)), KERNEL),
        ValueError,
        "x must have at least one row and one column (H, W >= 1); received shape (1, 0, 5, 1).",
    ),
    # correlate2d_single and convolve2d_single
    (
        "image_rank",
        lambda: correlate2d_single(np.zeros((1, 5, 5)), np.zeros((3, 3))),
        ValueError,
        "image must have shape (H, W) (2 dimensions); received shape (1, 5, 5).",
    ),
    (
        "single_kernel_rank",
        lambda: convolve2d_single(IMAGE, KERNEL),
        ValueError,
        "kernel must have shape (KH, KW) (2 dimensions); received shape (3, 3, 1, 1).",
    ),
    (
        "single_kernel_larger",
        lambda: convolve2d_single(IMAGE, np.zeros((4, 4))),
        ValueError,
        "kernel height and width (4, 4) must be at most the height and width of the padded input (3, 3) "
        "with padding='valid'; received kernel of shape (4, 4) and image of shape (3, 3).",
    ),
    ("image_strings", lambda: correlate2d_single("image", np.zeros((3, 3))), TypeError, "image must be a number or an array"),
    # pooling
    ("pool_size_zero", lambda: max_pool2d(IMAGES, pool_size=0), ValueError, "pool_size must be at least 1; received 0."),
    ("strides_negative", lambda: avg_pool2d(IMAGES, strides=(2, -1)), ValueError, "strides[1] must be at least 1; received -1."),
    (
        "pool_padding_int",
        lambda: max_pool2d(IMAGES, padding=1),
        ValueError,
        "padding must be 'valid' or 'same'; received 1.",
    ),
    (
        "pool_larger_than_input",
        lambda: avg_pool2d(np.zeros((1, 3, 3, 1)), pool_size=4),
        ValueError,
        "pool_size (4, 4) must be at most the height and width of the padded input (3, 3) with padding='valid'; "
        "received x of shape (1, 3, 3, 1). Use a smaller pool_size or padding='same'.",
    ),
    (
        "pool_rank",
        lambda: max_pool2d(np.zeros((3, 3))),
        ValueError,
        "x must have shape (N, H, W, C) (4 dimensions); received shape (3, 3).",
    ),
    (
        "global_rank",
        lambda: global_avg_pool2d(np.zeros((2, 3))),
        ValueError,
        "x must have shape (N, H, W, C) (4 dimensions); received shape (2, 3).",
    ),
    (
        "global_keepdims",
        lambda: global_max_pool2d(IMAGES, keepdims=1),
        TypeError,
        "keepdims must be True or False; received int 1.",
    ),
    # conv_output_size and same_padding
    ("size_n_zero", lambda: conv_output_size(0, 3), ValueError, "n must be at least 1; received 0."),
    (
        "size_kernel_larger",
        lambda: conv_output_size(5, 7),
        ValueError,
        "k must be at most the padded input size n + 2p = 5; received k = 7 with n = 5 and padding='valid'.",
    ),
    ("size_stride_zero", lambda: conv_output_size(5, 3, stride=0), ValueError, "stride must be at least 1; received 0."),
    ("size_padding_unknown", lambda: conv_output_size(5, 3, padding="full"), ValueError, "received 'full'."),
    ("same_padding_k_zero", lambda: same_padding(5, 0), ValueError, "k must be at least 1; received 0."),
    # parameter counts
    (
        "use_bias_string",
        lambda: conv2d_param_count(3, 1, 32, use_bias="yes"),
        TypeError,
        "use_bias must be True or False; received str 'yes'.",
    ),
    ("filters_zero", lambda: conv2d_param_count(3, 1, 0), ValueError, "filters must be at least 1; received 0."),
    (
        "kernel_size_three_values",
        lambda: conv2d_param_count((3, 3, 3), 1, 8),
        ValueError,
        "kernel_size must be a positive whole number or a pair (rows, columns) of them; received tuple (3, 3, 3).",
    ),
    ("in_features_zero", lambda: dense_param_count(0, 10), ValueError, "in_features must be at least 1; received 0."),
    # summarize_cnn
    (
        "spec_unknown_layer",
        lambda: summarize_cnn((28, 28, 1), [{"layer": "conv3d"}]),
        ValueError,
        "layers[0]['layer'] must be one of 'conv2d', 'max_pool2d',",
    ),
    (
        "spec_unknown_option",
        lambda: summarize_cnn((10,), [{"layer": "dense", "units": 3, "filters": 4}]),
        ValueError,
        "layers[0] ('dense'): unknown options ['filters']; the allowed options are 'units', 'use_bias'.",
    ),
    (
        "spec_missing_option",
        lambda: summarize_cnn((28, 28, 1), [{"layer": "conv2d", "filters": 8}]),
        ValueError,
        "layers[0] ('conv2d'): missing the required options ['kernel_size'].",
    ),
    (
        "spec_conv_after_flatten",
        lambda: summarize_cnn((28, 28, 1), [{"layer": "flatten"}, {"layer": "conv2d", "filters": 8, "kernel_size": 3}]),
        ValueError,
        "layers[1] ('conv2d'): the input must have shape (H, W, C); received shape (784,).",
    ),
    (
        "spec_input_too_small",
        lambda: summarize_cnn((4, 4, 1), [{"layer": "conv2d", "filters": 8, "kernel_size": 5}]),
        ValueError,
        "layers[0] ('conv2d'): kernel_size (5, 5) must be at most the input's height and width (4, 4) "
        "with padding='valid'; received an input of shape (4, 4, 1).",
    ),
    (
        "spec_pool_padding",
        lambda: summarize_cnn((8, 8, 1), [{"layer": "max_pool2d", "padding": "full"}]),
        ValueError,
        "layers[0] ('max_pool2d'): padding must be 'valid' or 'same'; received 'full'.",
    ),
    (
        "spec_use_bias",
        lambda: summarize_cnn((10,), [{"layer": "dense", "units": 3, "use_bias": "no"}]),
        TypeError,
        "layers[0] ('dense'): use_bias must be True or False; received str 'no'.",
    ),
    (
        "spec_not_dict",
        lambda: summarize_cnn((10,), ["dense"]),
        TypeError,
        "layers[0] must be a dict with a 'layer' key",
    ),
    (
        "spec_input_shape_int",
        lambda: cnn_param_count(28, []),
        TypeError,
        "input_shape must be a tuple of positive whole numbers such as (28, 28, 1); received int 28.",
    ),
    # benchmark
    ("benchmark_repeats_zero", lambda: benchmark_conv2d(repeats=0), ValueError, "repeats must be at least 1; received 0."),
    (
        "benchmark_padding",
        lambda: benchmark_conv2d(padding="full"),
        ValueError,
        "padding must be 'valid' or 'same'; received str 'full'.",
    ),
]


@pytest.mark.parametrize(
    "call, error, message",
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_invalid_input_raises_with_message(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()
