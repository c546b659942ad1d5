"""Convolution, pooling, output sizes and parameter counts for convolutional networks.

NumPy reference implementations of what ``tf.nn.conv2d`` and the Keras pooling layers
compute, written without Python loops over pixels or batch items. Each function builds
a strided view of every window (``numpy.lib.stride_tricks.sliding_window_view``) and
reduces it in one NumPy call.

Shapes use the course's letters: images ``(N, H, W, C)`` (channels last, as Keras),
kernels ``(KH, KW, C_in, C_out)``, one grey image ``(H, W)`` and its kernel ``(KH, KW)``.
Every function computes in float64, whatever the input dtype.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from helpers._validation import as_float_array, check_ndim, check_positive_int, describe

__all__ = [
    "PADDING_MODES",
    "LAYER_OPTIONS",
    "same_padding",
    "conv_output_size",
    "conv2d",
    "correlate2d_single",
    "convolve2d_single",
    "max_pool2d",
    "avg_pool2d",
    "global_max_pool2d",
    "global_avg_pool2d",
    "conv2d_param_count",
    "dense_param_count",
    "summarize_cnn",
    "cnn_param_count",
]

PADDING_MODES = ("valid", "same")
"""Padding names that Keras layers and ``tf.nn`` accept (TensorFlow spells them in capitals)."""


# ---------------------------------------------------------------------------
# Argument parsing
# ---------------------------------------------------------------------------


def _as_pair(value, name: str) -> tuple[int, int]:
    """Return ``value`` as ``(rows, columns)``, using an int for both axes."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(
                f"{name} must be a positive whole number or a pair (rows, columns) of them; "
                f"received {describe(value)}."
            )
        return check_positive_int(value[0], f"{name}[0]"), check_positive_int(value[1], f"{name}[1]")
    number = check_positive_int(value, name)
    return number, number


def _check_non_negative_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number of zeros to add on each side; received {describe(value)}.")
    if value < 0:
        raise ValueError(f"{name} must be at least 0; received {value}.")
    return int(value)


def _parse_padding(padding, allow_explicit: bool):
    """Return ``"valid"``, ``"same"`` or, if ``allow_explicit``, a pair of zero counts ``(rows, columns)``.

    Names are case-insensitive, so TensorFlow's ``"SAME"`` works too.
    """
    if isinstance(padding, str) and padding.lower() in PADDING_MODES:
        return padding.lower()

    if allow_explicit and not isinstance(padding, str):
        if isinstance(padding, (tuple, list)) and len(padding) == 2:
            return _check_non_negative_int(padding[0], "padding[0]"), _check_non_negative_int(padding[1], "padding[1]")
        if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
            amount = _check_non_negative_int(padding, "padding")
            return amount, amount

    if allow_explicit:
        expected = "'valid', 'same', a whole number of zeros to add on each side, or a pair (rows, columns) of them"
    else:
        expected = "'valid' or 'same'"
    raise ValueError(f"padding must be {expected}; received {padding!r}.")


def _check_images(x, name: str, channel_letter: str) -> np.ndarray:
    """Convert ``x`` to a float64 ``(N, H, W, C)`` array, or raise if it has another rank or no rows or columns."""
    x = as_float_array(x, name)
    if x.ndim == 3:
        hint = f" For a single image, add a batch axis with {name}[np.newaxis]."
    elif x.ndim == 2:
        hint = f" For one grey image, use {name}[np.newaxis, :, :, np.newaxis]."
    else:
        hint = ""
    try:
        check_ndim(x, name, 4, f"(N, H, W, {channel_letter})")
    except ValueError as error:
        raise ValueError(f"{error}{hint}") from None
    if x.shape[1] == 0 or x.shape[2] == 0:
        raise ValueError(f"{name} must have at least one row and one column (H, W >= 1); received shape {x.shape}.")
    return x


# ---------------------------------------------------------------------------
# Output sizes and padding amounts
# ---------------------------------------------------------------------------


def same_padding(n: int, k: int, stride: int = 1) -> tuple[int, int]:
    """Return the zeros ``(before, after)`` that ``padding="same"`` adds along one axis in TensorFlow.

    ``out = ceil(n / s)`` and ``total = max((out - 1) * s + k - n, 0)``, split as
    ``before = total // 2`` and ``after = total - before``. When ``total`` is odd, the extra
    zero goes after (at the bottom or the right), as in ``tf.nn.conv2d`` and the Keras layers.

    Parameters
    ----------
    n : int
        Input size along the axis (height or width), at least 1.
    k : int
        Kernel or pool size along the axis, at least 1.
    stride : int, default 1
        Step between windows, at least 1.

    Returns
    -------
    tuple of int
        ``(before, after)``, the zeros added above and below (or left and right).

    Examples
    --------
    >>> same_padding(28, 3)
    (1, 1)
    >>> same_padding(6, 2)
    (0, 1)
    >>> same_padding(5, 4, stride=2)
    (1, 2)
    """
    n = check_positive_int(n, "n")
    k = check_positive_int(k, "k")
    stride = check_positive_int(stride, "stride")
    return _same_padding(n, k, stride)


def _same_padding(n: int, k: int, stride: int) -> tuple[int, int]:
    out = -(-n // stride)
    total = max((out - 1) * stride + k - n, 0)
    before = total // 2
    return before, total - before


def conv_output_size(n: int, k: int, stride: int = 1, padding="valid") -> int:
    """Compute the output size of a convolution or pooling along one axis.

    - ``valid``: ``out = floor((n - k) / s) + 1``
    - ``same``: ``out = ceil(n / s)``
    - an integer ``p`` (zeros on each side): ``out = floor((n + 2p - k) / s) + 1``

    Parameters
    ----------
    n : int
        Input size along the axis (height or width), at least 1.
    k : int
        Kernel or pool size along the axis, at least 1.
    stride : int, default 1
        Step between windows, at least 1.
    padding : {"valid", "same"} or int, default "valid"
        A padding name, or the number of zeros added on each side.

    Returns
    -------
    int
        The number of windows along the axis.

    Raises
    ------
    ValueError
        If the kernel is larger than the padded input, so no window fits.

    Notes
    -----
    Tutorials often write the ``valid`` size as ``(n - k + 1) / stride``. That agrees only
    for ``stride = 1``: for ``n = 7, k = 3, s = 2`` it gives 2.5, but the windows start at
    0, 2 and 4, so there are 3 of them.

    Examples
    --------
    >>> conv_output_size(28, 3)
    26
    >>> conv_output_size(7, 3, stride=2)
    3
    >>> conv_output_size(7, 3, stride=2, padding="same")
    4
    >>> conv_output_size(28, 5, padding=2)
    28
    """
    n = check_positive_int(n, "n")
    k = check_positive_int(k, "k")
    stride = check_positive_int(stride, "stride")
    mode = _parse_padding(padding, allow_explicit=True)

    if mode == "same":
        return -(-n // stride)

    amount = 0 if mode == "valid" else mode[0]
    padded = n + 2 * amount
    if k > padded:
        raise ValueError(
            f"k must be at most the padded input size n + 2p = {padded}; received k = {k} "
            f"with n = {n} and padding={padding!r}. Use a smaller kernel, more padding or padding='same'."
        )
    return (padded - k) // stride + 1


def _padding_amounts(size, kernel_size, strides, mode):
    """Return ``((top, bottom), (left, right))`` for a parsed padding ``mode``."""
    if mode == "valid":
        return (0, 0), (0, 0)
    if mode == "same":
        return (
            _same_padding(size[0], kernel_size[0], strides[0]),
            _same_padding(size[1], kernel_size[1], strides[1]),
        )
    return (mode[0], mode[0]), (mode[1], mode[1])


def _check_window_fits(window, window_label, padded, padding, received, fix):
    """Raise ``ValueError`` if the window is taller or wider than the padded input ``(height, width)``."""
    if window[0] > padded[0] or window[1] > padded[1]:
        raise ValueError(
            f"{window_label} {tuple(window)} must be at most the height and width of the padded input "
            f"{tuple(padded)} with padding={padding!r}; received {received}. {fix}"
        )


def _padded_size(size, pads):
    return size[0] + pads[0][0] + pads[0][1], size[1] + pads[1][0] + pads[1][1]


# ---------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------


def _correlate(x: np.ndarray, kernel: np.ndarray, strides, pads) -> np.ndarray:
    """Cross-correlate checked arrays: x (N, H, W, C_in), kernel (KH, KW, C_in, C_out)."""
    (top, bottom), (left, right) = pads
    if top or bottom or left or right:
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))

    # windows[n, i, j, c, a, b] = x[n, i*sh + a, j*sw + b, c], shape (N, H_out, W_out, C_in, KH, KW).
    windows = sliding_window_view(x, kernel.shape[:2], axis=(1, 2))[:, :: strides[0], :: strides[1]]
    return np.einsum("nhwcab,abco->nhwo", windows, kernel, optimize=True)


def conv2d(x, kernel, stride=1, padding="valid") -> np.ndarray:
    """Cross-correlate a batch of images with a bank of filters, as ``tf.nn.conv2d`` does.

    ``out[n, i, j, o] = sum over a, b, c of x_pad[n, i*sh + a, j*sw + b, c] * kernel[a, b, c, o]``

    The kernel is not flipped. This is what ``keras.layers.Conv2D`` computes (without its
    bias and activation), and deep-learning texts call it convolution too.
    ``convolve2d_single`` computes true convolution, which flips the kernel.

    Parameters
    ----------
    x : array_like of shape (N, H, W, C_in)
        A batch of images, channels last.
    kernel : array_like of shape (KH, KW, C_in, C_out)
        One ``(KH, KW, C_in)`` filter per output channel.
    stride : int or pair of int, default 1
        Step ``s`` between windows, or ``(sh, sw)`` for rows and columns. Keras names this
        argument ``strides``.
    padding : {"valid", "same"}, int or pair of int, default "valid"
        ``"valid"`` adds no zeros. ``"same"`` adds zeros so that ``H_out = ceil(H / sh)``, with the
        extra zero at the bottom or right when the total is odd (see ``same_padding``). An int
        ``p`` or a pair ``(ph, pw)`` adds that many zeros on each side. Names are case-insensitive.

    Returns
    -------
    numpy.ndarray of shape (N, H_out, W_out, C_out), float64
        ``H_out = floor((H + pad_top + pad_bottom - KH) / sh) + 1``, and likewise for ``W_out``.

    Raises
    ------
    TypeError
        If ``x`` or ``kernel`` is not numeric, or ``stride`` is not a whole number.
    ValueError
        If a shape is wrong, the channels differ, ``stride < 1``, ``padding`` is unknown, or the
        kernel is larger than the padded input.

    Notes
    -----
    The result is computed in float64, so float32 input agrees with TensorFlow's float32
    result to about 1e-6 relative.

    NOTE: TensorFlow 2.21.0 on x86-64 Linux, with its default oneDNN CPU path, returned wrong
    values for some batches with N >= 2, C_in = 1, row stride 1, column stride > 1 and
    W_out = 1, for example x of shape (3, 4, 3, 1), a (1, 2, 1, 3) kernel and strides (1, 2).
    Comparisons against ``tf.nn.conv2d`` should avoid that pattern, pass one image per call,
    or set ``TF_ENABLE_ONEDNN_OPTS=0`` before importing TensorFlow.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> kernel = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1)
    >>> conv2d(x, kernel)[0, :, :, 0]
    array([[-4., -4.],
           [-4., -4.]])
    >>> conv2d(np.zeros((2, 28, 28, 1)), np.zeros((3, 3, 1, 32)), stride=2, padding="same").shape
    (2, 14, 14, 32)
    """
    x = _check_images(x, "x", "C_in")
    kernel = as_float_array(kernel, "kernel")
    check_ndim(kernel, "kernel", 4, "(KH, KW, C_in, C_out)")
    if kernel.shape[0] == 0 or kernel.shape[1] == 0:
        raise ValueError(f"kernel must have at least one row and one column (KH, KW >= 1); received shape {kernel.shape}.")
    if kernel.shape[2] != x.shape[3]:
        raise ValueError(
            f"kernel must have shape (KH, KW, C_in, C_out) with C_in = {x.shape[3]}, the channels of x "
            f"of shape {x.shape}; received kernel of shape {kernel.shape}. The kernel's third axis is the input channels."
        )
    strides = _as_pair(stride, "stride")
    mode = _parse_padding(padding, allow_explicit=True)

    pads = _padding_amounts(x.shape[1:3], kernel.shape[:2], strides, mode)
    _check_window_fits(
        kernel.shape[:2],
        "kernel height and width",
        _padded_size(x.shape[1:3], pads),
        padding,
        f"kernel of shape {kernel.shape} and x of shape {x.shape}",
        "Use a smaller kernel, more padding or padding='same'.",
    )
    return _correlate(x, kernel, strides, pads)


def _check_single(image, kernel, stride, padding):
    """Check one grey image and kernel and return them as (1, H, W, 1) and (KH, KW, 1, 1) with the parsed options."""
    image = as_float_array(image, "image")
    kernel = as_float_array(kernel, "kernel")
    check_ndim(image, "image", 2, "(H, W)")
    check_ndim(kernel, "kernel", 2, "(KH, KW)")
    if 0 in image.shape:
        raise ValueError(f"image must have at least one row and one column (H, W >= 1); received shape {image.shape}.")
    if 0 in kernel.shape:
        raise ValueError(f"kernel must have at least one row and one column (KH, KW >= 1); received shape {kernel.shape}.")
    strides = _as_pair(stride, "stride")
    mode = _parse_padding(padding, allow_explicit=True)

    pads = _padding_amounts(image.shape, kernel.shape, strides, mode)
    _check_window_fits(
        kernel.shape,
        "kernel height and width",
        _padded_size(image.shape, pads),
        padding,
        f"kernel of shape {kernel.shape} and image of shape {image.shape}",
        "Use a smaller kernel, more padding or padding='same'.",
    )
    return image[np.newaxis, :, :, np.newaxis], kernel[:, :, np.newaxis, np.newaxis], strides, pads


def correlate2d_single(image, kernel, stride=1, padding="valid") -> np.ndarray:
    """Cross-correlate one grey image with one kernel, as a one-channel ``conv2d``.

    ``out[i, j] = sum over a, b of image_pad[i*sh + a, j*sw + b] * kernel[a, b]``

    Parameters
    ----------
    image : array_like of shape (H, W)
        One grey image.
    kernel : array_like of shape (KH, KW)
        The filter, not flipped.
    stride : int or pair of int, default 1
        As in ``conv2d``.
    padding : {"valid", "same"}, int or pair of int, default "valid"
        As in ``conv2d``.

    Returns
    -------
    numpy.ndarray of shape (H_out, W_out), float64
        ``H_out = floor((H + pad_top + pad_bottom - KH) / sh) + 1``, and likewise for ``W_out``.

    Notes
    -----
    With ``padding="same"`` and an odd kernel this equals
    ``scipy.ndimage.correlate(image, kernel, mode="constant", cval=0.0)``. For an even kernel
    size scipy puts the extra zero on the other side, and ``origin=-1`` on that axis matches.

    Examples
    --------
    >>> image = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    >>> correlate2d_single(image, [[1.0, 2.0], [3.0, 4.0]])
    array([[37., 47.],
           [67., 77.]])
    """
    image, kernel, strides, pads = _check_single(image, kernel, stride, padding)
    return _correlate(image, kernel, strides, pads)[0, :, :, 0]


def convolve2d_single(image, kernel, stride=1, padding="valid") -> np.ndarray:
    """Convolve one grey image with one kernel: cross-correlation with the kernel flipped.

    ``out[i, j] = sum over a, b of image_pad[i*sh + a, j*sw + b] * kernel[KH-1-a, KW-1-b]``

    Flipping both axes turns the sum into the convolution of signal processing, so the
    operation is commutative and associative. Deep-learning layers skip the flip because
    they learn the kernel, and a learned kernel can be flipped as easily as not.

    Parameters
    ----------
    image : array_like of shape (H, W)
        One grey image.
    kernel : array_like of shape (KH, KW)
        The filter, flipped before use.
    stride : int or pair of int, default 1
        As in ``conv2d``.
    padding : {"valid", "same"}, int or pair of int, default "valid"
        As in ``conv2d``: the zeros are placed as for cross-correlation, then the flipped
        kernel slides over them.

    Returns
    -------
    numpy.ndarray of shape (H_out, W_out), float64
        Same size as ``correlate2d_single`` with the same arguments.

    Notes
    -----
    With ``padding="same"`` and ``stride=1`` the result equals
    ``scipy.ndimage.convolve(image, kernel, mode="constant", cval=0.0)`` (with the default
    ``origin=0``) for odd and even kernel sizes alike. scipy's default ``mode="reflect"``
    mirrors the image instead of adding zeros, so it differs along the border. With
    ``padding="valid"`` the result equals ``scipy.signal.convolve2d(image, kernel, mode="valid")``,
    which is also the interior of the ``ndimage.convolve`` output in any ``mode``:
    rows ``(KH-1)//2`` to ``(KH-1)//2 + H - KH`` and the same for columns.

    Examples
    --------
    >>> image = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    >>> convolve2d_single(image, [[1.0, 2.0], [3.0, 4.0]])
    array([[23., 33.],
           [53., 63.]])
    """
    image, kernel, strides, pads = _check_single(image, kernel, stride, padding)
    return _correlate(image, kernel[::-1, ::-1], strides, pads)[0, :, :, 0]


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------


def _window_counts(n: int, k: int, stride: int, before: int, out: int) -> np.ndarray:
    """Return how many of each window's ``k`` positions fall inside the unpadded axis of size ``n``."""
    starts = np.arange(out) * stride - before
    return np.minimum(starts + k, n) - np.maximum(starts, 0)


def _pool(x, pool_size, strides, padding, reduction: str) -> np.ndarray:
    x = _check_images(x, "x", "C")
    pool = _as_pair(pool_size, "pool_size")
    steps = pool if strides is None else _as_pair(strides, "strides")
    mode = _parse_padding(padding, allow_explicit=False)

    pads = _padding_amounts(x.shape[1:3], pool, steps, mode)
    _check_window_fits(
        pool,
        "pool_size",
        _padded_size(x.shape[1:3], pads),
        padding,
        f"x of shape {x.shape}",
        "Use a smaller pool_size or padding='same'.",
    )

    # Max pooling pads with -inf so that padded positions never win. Average pooling pads
    # with zeros and then divides by the number of real pixels in each window.
    fill = -np.inf if reduction == "max" else 0.0
    (top, bottom), (left, right) = pads
    if top or bottom or left or right:
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)

    # windows has shape (N, H_out, W_out, C, kh, kw).
    windows = sliding_window_view(x, pool, axis=(1, 2))[:, :: steps[0], :: steps[1]]
    if reduction == "max":
        return windows.max(axis=(4, 5))

    height, width = x.shape[1] - top - bottom, x.shape[2] - left - right
    rows = _window_counts(height, pool[0], steps[0], top, windows.shape[1])
    columns = _window_counts(width, pool[1], steps[1], left, windows.shape[2])
    counts = np.multiply.outer(rows, columns)[np.newaxis, :, :, np.newaxis]
    return windows.sum(axis=(4, 5)) / counts


def max_pool2d(x, pool_size=2, strides=None, padding="valid") -> np.ndarray:
    """Take the maximum of each window, per channel, as ``keras.layers.MaxPooling2D`` does.

    ``out[n, i, j, c] = max over a, b of x_pad[n, i*sh + a, j*sw + b, c]``

    Parameters
    ----------
    x : array_like of shape (N, H, W, C)
        A batch of images or feature maps, channels last.
    pool_size : int or pair of int, default 2
        Window size ``k`` or ``(kh, kw)``.
    strides : int, pair of int or None, default None
        Step between windows. None uses ``pool_size``, as Keras does, so the windows do not overlap.
    padding : {"valid", "same"}, default "valid"
        ``"same"`` makes ``H_out = ceil(H / sh)``, with the extra padding at the bottom or right
        when the total is odd. Names are case-insensitive.

    Returns
    -------
    numpy.ndarray of shape (N, H_out, W_out, C), float64
        ``H_out = floor((H - kh) / sh) + 1`` for ``"valid"`` and ``ceil(H / sh)`` for ``"same"``.

    Notes
    -----
    Padded positions never count as the maximum, so a window with negative values and
    padding still returns its largest real value.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> max_pool2d(x)[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    return _pool(x, pool_size, strides, padding, "max")


def avg_pool2d(x, pool_size=2, strides=None, padding="valid") -> np.ndarray:
    """Average each window, per channel, as ``keras.layers.AveragePooling2D`` does.

    ``out[n, i, j, c] = mean over the real pixels of the window at (i*sh, j*sw) in channel c``

    Parameters
    ----------
    x : array_like of shape (N, H, W, C)
        A batch of images or feature maps, channels last.
    pool_size : int or pair of int, default 2
        Window size ``k`` or ``(kh, kw)``.
    strides : int, pair of int or None, default None
        Step between windows. None uses ``pool_size``, as Keras does, so the windows do not overlap.
    padding : {"valid", "same"}, default "valid"
        ``"same"`` makes ``H_out = ceil(H / sh)``, with the extra padding at the bottom or right
        when the total is odd. Names are case-insensitive.

    Returns
    -------
    numpy.ndarray of shape (N, H_out, W_out, C), float64
        ``H_out = floor((H - kh) / sh) + 1`` for ``"valid"`` and ``ceil(H / sh)`` for ``"same"``.

    Notes
    -----
    With ``padding="same"``, TensorFlow and Keras divide by the number of real pixels in
    each window, not by ``kh * kw``, so the padded zeros do not pull border averages down.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> avg_pool2d(x)[0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    >>> avg_pool2d(np.arange(9.0).reshape(1, 3, 3, 1), padding="same")[0, :, :, 0]
    array([[2. , 3.5],
           [6.5, 8. ]])
    """
    return _pool(x, pool_size, strides, padding, "avg")


def _check_keepdims(keepdims) -> None:
    if not isinstance(keepdims, (bool, np.bool_)):
        raise TypeError(f"keepdims must be True or False; received {describe(keepdims)}.")


def global_max_pool2d(x, keepdims=False) -> np.ndarray:
    """Take the maximum of each feature map, as ``keras.layers.GlobalMaxPooling2D`` does.

    ``out[n, c] = max over i, j of x[n, i, j, c]``

    Parameters
    ----------
    x : array_like of shape (N, H, W, C)
        A batch of feature maps.
    keepdims : bool, default False
        Keep the spatial axes with size 1, as the Keras argument of the same name does.

    Returns
    -------
    numpy.ndarray of shape (N, C), or (N, 1, 1, C) with ``keepdims=True``, float64

    Examples
    --------
    >>> global_max_pool2d(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[6., 7.]])
    """
    x = _check_images(x, "x", "C")
    _check_keepdims(keepdims)
    return x.max(axis=(1, 2), keepdims=bool(keepdims))


def global_avg_pool2d(x, keepdims=False) -> np.ndarray:
    """Average each feature map, as ``keras.layers.GlobalAveragePooling2D`` does.

    ``out[n, c] = mean over i, j of x[n, i, j, c]``

    Parameters
    ----------
    x : array_like of shape (N, H, W, C)
        A batch of feature maps.
    keepdims : bool, default False
        Keep the spatial axes with size 1, as the Keras argument of the same name does.

    Returns
    -------
    numpy.ndarray of shape (N, C), or (N, 1, 1, C) with ``keepdims=True``, float64

    Examples
    --------
    >>> global_avg_pool2d(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[3., 4.]])
    """
    x = _check_images(x, "x", "C")
    _check_keepdims(keepdims)
    return x.mean(axis=(1, 2), keepdims=bool(keepdims))


# ---------------------------------------------------------------------------
# Parameter counts
# ---------------------------------------------------------------------------


def _check_use_bias(use_bias) -> bool:
    if not isinstance(use_bias, (bool, np.bool_)):
        raise TypeError(f"use_bias must be True or False; received {describe(use_bias)}.")
    return bool(use_bias)


def conv2d_param_count(kernel_size, in_channels: int, filters: int, use_bias=True) -> int:
    """Count the weights of a ``Conv2D`` layer: ``KH * KW * C_in * filters`` plus one bias per filter.

    Parameters
    ----------
    kernel_size : int or pair of int
        ``k`` for a square kernel, or ``(KH, KW)``.
    in_channels : int
        ``C_in``, the channels of the layer's input.
    filters : int
        ``C_out``, the number of filters and of output feature maps.
    use_bias : bool, default True
        Whether the layer adds a bias per filter.

    Returns
    -------
    int

    Examples
    --------
    >>> conv2d_param_count(3, 1, 32)
    320
    >>> conv2d_param_count((3, 3), 32, 64, use_bias=False)
    18432
    """
    kernel_height, kernel_width = _as_pair(kernel_size, "kernel_size")
    in_channels = check_positive_int(in_channels, "in_channels")
    filters = check_positive_int(filters, "filters")
    use_bias = _check_use_bias(use_bias)
    return kernel_height * kernel_width * in_channels * filters + (filters if use_bias else 0)


def dense_param_count(in_features: int, units: int, use_bias=True) -> int:
    """Count the weights of a ``Dense`` layer: ``D * M`` plus ``M`` biases.

    Parameters
    ----------
    in_features : int
        ``D``, the size of the input's last axis.
    units : int
        ``M``, the number of units.
    use_bias : bool, default True
        Whether the layer adds a bias per unit.

    Returns
    -------
    int

    Examples
    --------
    >>> dense_param_count(784, 128)
    100480
    """
    in_features = check_positive_int(in_features, "in_features")
    units = check_positive_int(units, "units")
    use_bias = _check_use_bias(use_bias)
    return in_features * units + (units if use_bias else 0)


LAYER_OPTIONS = {
    "conv2d": {
        "required": ("filters", "kernel_size"),
        "defaults": {"strides": 1, "padding": "valid", "use_bias": True},
    },
    "max_pool2d": {"required": (), "defaults": {"pool_size": 2, "strides": None, "padding": "valid"}},
    "avg_pool2d": {"required": (), "defaults": {"pool_size": 2, "strides": None, "padding": "valid"}},
    "global_max_pool2d": {"required": (), "defaults": {}},
    "global_avg_pool2d": {"required": (), "defaults": {}},
    "flatten": {"required": (), "defaults": {}},
    "dense": {"required": ("units",), "defaults": {"use_bias": True}},
    "dropout": {"required": (), "defaults": {"rate": 0.5}},
    "batch_normalization": {"required": (), "defaults": {}},
}
"""Layer names that ``summarize_cnn`` accepts, with their required options and the defaults of the others.

The options use the argument names of the matching Keras layer. ``dropout``'s ``rate`` changes
no shape or count, and is accepted so that a description of a Keras model can be copied unchanged.
"""


def _layer_options(spec, index: int) -> tuple[str, dict]:
    """Return a layer spec's name and its options merged with the defaults, or raise naming ``layers[index]``."""
    where = f"layers[{index}]"
    if not isinstance(spec, dict) or "layer" not in spec:
        raise TypeError(
            f"{where} must be a dict with a 'layer' key, for example {{'layer': 'dense', 'units': 10}}; "
            f"received {describe(spec)}."
        )
    name = spec["layer"]
    if name not in LAYER_OPTIONS:
        listed = ", ".join(repr(choice) for choice in LAYER_OPTIONS)
        raise ValueError(f"{where}['layer'] must be one of {listed}; received {name!r}.")

    required = LAYER_OPTIONS[name]["required"]
    defaults = LAYER_OPTIONS[name]["defaults"]
    options = {key: value for key, value in spec.items() if key != "layer"}
    unknown = sorted(set(options) - set(required) - set(defaults))
    if unknown:
        allowed = ", ".join(repr(key) for key in (*required, *defaults)) or "none"
        raise ValueError(f"{where} ({name!r}): unknown options {unknown}; the allowed options are {allowed}.")
    missing = [key for key in required if key not in options]
    if missing:
        raise ValueError(f"{where} ({name!r}): missing the required options {missing}.")
    return name, {**defaults, **options}


def _spatial_output(shape, window, window_name, strides, padding):
    """Return ``(H_out, W_out)`` of a convolution or pooling layer on an ``(H, W, C)`` input."""
    window = _as_pair(window, window_name)
    steps = _as_pair(strides, "strides")
    mode = _parse_padding(padding, allow_explicit=False)
    for axis in (0, 1):
        if mode == "valid" and window[axis] > shape[axis]:
            raise ValueError(
                f"{window_name} {window} must be at most the input's height and width {shape[:2]} "
                f"with padding='valid'; received an input of shape {shape}. "
                f"Use a smaller {window_name}, padding='same' or fewer pooling layers before this one."
            )
    return tuple(conv_output_size(shape[axis], window[axis], steps[axis], mode) for axis in (0, 1))


_IMAGE_LAYERS = ("conv2d", "max_pool2d", "avg_pool2d", "global_max_pool2d", "global_avg_pool2d")


def _apply_layer(shape: tuple, name: str, options: dict) -> tuple[tuple, int]:
    """Return the output shape and parameter count of one layer on an input of ``shape``."""
    if name in _IMAGE_LAYERS and len(shape) != 3:
        raise ValueError(
            f"the input must have shape (H, W, C); received shape {shape}. "
            "Put image layers before 'flatten' and 'global_*' layers."
        )

    if name == "conv2d":
        filters = check_positive_int(options["filters"], "filters")
        height, width = _spatial_output(shape, options["kernel_size"], "kernel_size", options["strides"], options["padding"])
        param_count = conv2d_param_count(options["kernel_size"], shape[2], filters, options["use_bias"])
        return (height, width, filters), param_count

    if name in ("max_pool2d", "avg_pool2d"):
        strides = options["pool_size"] if options["strides"] is None else options["strides"]
        height, width = _spatial_output(shape, options["pool_size"], "pool_size", strides, options["padding"])
        return (height, width, shape[2]), 0

    if name in ("global_max_pool2d", "global_avg_pool2d"):
        return (shape[2],), 0
    if name == "flatten":
        return (math.prod(shape),), 0
    if name == "dense":
        units = check_positive_int(options["units"], "units")
        return shape[:-1] + (units,), dense_param_count(shape[-1], units, options["use_bias"])
    if name == "batch_normalization":
        return shape, 4 * shape[-1]
    # dropout
    return shape, 0


def summarize_cnn(input_shape, layers) -> list[dict]:
    """Compute each layer's output shape and parameter count, as ``model.summary()`` lists them.

    Parameters
    ----------
    input_shape : tuple of int
        One example's shape without the batch axis, ``(H, W, C)`` for images, as in ``keras.Input(shape=...)``.
    layers : list of dict
        One dict per layer: ``{"layer": name, **options}``, with the names and options of
        ``LAYER_OPTIONS``, for example ``{"layer": "conv2d", "filters": 32, "kernel_size": 3}``.

    Returns
    -------
    list of dict
        One ``{"layer": name, "output_shape": tuple, "param_count": int}`` per layer, without the batch axis.

    Raises
    ------
    TypeError, ValueError
        If a spec is malformed or a layer does not fit its input. The message starts with
        ``layers[i] ('name'):``.

    Notes
    -----
    The counts follow ``keras.Model.count_params()``, which includes non-trainable weights:
    a ``batch_normalization`` layer has ``4 * C`` (gamma, beta, moving mean and moving variance).
    A ``dense`` layer acts on the last axis, so ``dense`` after ``conv2d`` without ``flatten`` keeps
    the spatial axes, as in Keras.

    Examples
    --------
    >>> rows = summarize_cnn((28, 28, 1), [
    ...     {"layer": "conv2d", "filters": 32, "kernel_size": 3},
    ...     {"layer": "max_pool2d"},
    ...     {"layer": "flatten"},
    ...     {"layer": "dense", "units": 10},
    ... ])
    >>> [(row["output_shape"], row["param_count"]) for row in rows]
    [((26, 26, 32), 320), ((13, 13, 32), 0), ((5408,), 0), ((10,), 54090)]
    """
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) == 0:
        raise TypeError(
            f"input_shape must be a tuple of positive whole numbers such as (28, 28, 1); received {describe(input_shape)}."
        )
    shape = tuple(check_positive_int(size, f"input_shape[{axis}]") for axis, size in enumerate(input_shape))
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"layers must be a list of dicts; received {describe(layers)}.")

    rows = []
    for index, spec in enumerate(layers):
        name, options = _layer_options(spec, index)
        try:
            shape, param_count = _apply_layer(shape, name, options)
        except (TypeError, ValueError) as error:
            raise type(error)(f"layers[{index}] ({name!r}): {error}") from None
        rows.append({"layer": name, "output_shape": shape, "param_count": param_count})
    return rows


def cnn_param_count(input_shape, layers) -> int:
    """Count all weights of a stack of layers, as ``keras.Model.count_params()`` does.

    Parameters and the layer format are those of ``summarize_cnn``.

    Returns
    -------
    int

    Examples
    --------
    >>> cnn_param_count((28, 28, 1), [
    ...     {"layer": "conv2d", "filters": 32, "kernel_size": 3},
    ...     {"layer": "max_pool2d"},
    ...     {"layer": "flatten"},
    ...     {"layer": "dense", "units": 10},
    ... ])
    54410
    """
    return sum(row["param_count"] for row in summarize_cnn(input_shape, layers))
