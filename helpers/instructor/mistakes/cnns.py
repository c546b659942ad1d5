"""Typical wrong answers for the exercises of 08-cnns."""

MISTAKES = {
    # The kernel is flipped, which computes true convolution instead of what Conv2D computes.
    "correlate2d": '''
def correlate2d(image, kernel):
    kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out
''',
    # The tutorial formula (n - k + 1) / stride, and floor instead of ceil for "same".
    "conv_output_size": '''
def conv_output_size(n, k, stride=1, padding="valid"):
    if padding == "same":
        return n // stride
    p = 0 if padding == "valid" else padding
    return (n + 2 * p - k + 1) // stride
''',
    # "same" padding as (k - 1) // 2 zeros on every side, which is wrong for even kernels
    # and ignores where TensorFlow puts the extra zero.
    "conv2d_forward": '''
def conv2d_forward(x, kernel, stride=1, padding="valid"):
    kh, kw, _, c_out = kernel.shape
    if padding == "same":
        p = (kh - 1) // 2
        x = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    out_h = (x.shape[1] - kh) // stride + 1
    out_w = (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], out_h, out_w, c_out))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(window, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return out
''',
    # The windows move one pixel at a time (strides = 1) instead of pool_size pixels.
    "pool2d": '''
def _pool(x, pool_size, strides, reduce):
    strides = 1 if strides is None else strides
    out_h = (x.shape[1] - pool_size) // strides + 1
    out_w = (x.shape[2] - pool_size) // strides + 1
    out = np.zeros((x.shape[0], out_h, out_w, x.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * strides:i * strides + pool_size, j * strides:j * strides + pool_size, :]
            out[:, i, j, :] = reduce(window, axis=(1, 2))
    return out


def max_pool2d(x, pool_size=2, strides=None):
    return _pool(x, pool_size, strides, np.max)


def avg_pool2d(x, pool_size=2, strides=None):
    return _pool(x, pool_size, strides, np.mean)
''',
    # A Conv2D layer counted as k * k * filters + filters, forgetting the input channels.
    "count_cnn_params": '''
def count_cnn_params(input_shape, layers):
    height, width, channels = input_shape
    size = None
    total = 0
    for spec in layers:
        if spec["layer"] == "conv2d":
            k = spec["kernel_size"]
            total += k * k * spec["filters"] + spec["filters"]
            if spec.get("padding", "valid") == "valid":
                height, width = height - k + 1, width - k + 1
            channels = spec["filters"]
        elif spec["layer"] == "max_pool2d":
            pool = spec.get("pool_size", 2)
            height, width = height // pool, width // pool
        elif spec["layer"] == "flatten":
            size = height * width * channels
        elif spec["layer"] == "dense":
            total += size * spec["units"] + spec["units"]
            size = spec["units"]
    return total
''',
}
