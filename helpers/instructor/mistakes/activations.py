"""Typical wrong answers for the exercises of 03-activations."""

MISTAKES = {
    # The first bias is added as it is, as if it did not pass through the second layer's kernel.
    "collapse_linear_layers": '''
def collapse_linear_layers(W1, b1, W2, b2):
    return W1 @ W2, b1 + b2
''',
    # The derivatives are written for the function's output but applied to the input x.
    "sigmoid_tanh": '''
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_derivative(x):
    return x * (1.0 - x)


def tanh(x):
    return np.tanh(x)


def tanh_derivative(x):
    return 1.0 - x**2
''',
    # The slope 0.01 from older tutorials is hard-coded, so the negative_slope argument is ignored.
    "relu_leaky_relu": '''
def relu(x):
    return np.maximum(x, 0.0)


def relu_derivative(x):
    return np.where(x > 0, 1.0, 0.0)


def leaky_relu(x, negative_slope=0.2):
    return np.maximum(x, 0.01 * x)


def leaky_relu_derivative(x, negative_slope=0.2):
    return np.where(x > 0, 1.0, 0.01)
''',
    # erf(x) in place of erf(x / sqrt(2)), and the approximate flag ignored.
    "swish_gelu": '''
def swish(x):
    return x / (1.0 + np.exp(-x))


def gelu(x, approximate=False):
    return 0.5 * x * (1.0 + erf(x))
''',
    # No max-shift: np.exp overflows for large logits and the result is nan.
    "softmax": '''
def softmax(x, axis=-1):
    exponentials = np.exp(x)
    return exponentials / np.sum(exponentials, axis=axis, keepdims=True)
''',
}
