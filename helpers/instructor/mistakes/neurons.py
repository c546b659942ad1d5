"""Typical wrong answers for the exercises of 01-neurons."""

MISTAKES = {
    # The bias is added inside the sum, once per input instead of once.
    "weighted_sum": '''
def weighted_sum(x, w, b):
    return float(np.sum(x * w + b))
''',
    # The bias is forgotten.
    "dense_forward": '''
def dense_forward(X, W, b):
    return X @ W
''',
    # Only the weights are counted, not the biases.
    "count_params": '''
def count_params(layer_sizes):
    return sum(n_in * n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]))
''',
    # The pixels are flattened but not scaled to [0, 1].
    "preprocess_mnist": '''
def preprocess_mnist(images, labels):
    x = images.reshape(len(images), -1).astype("float32")
    y = np.eye(10, dtype="float32")[labels]
    return x, y
''',
}
