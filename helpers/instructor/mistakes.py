"""A typical wrong answer for each exercise, keyed by the answer cell's ``grade_id``.

The demonstration class submits some of these, and the tests run every one against its
visible test, to prove that each mistake fails with a hint and earns no points.
"""

TYPICAL_MISTAKES = {
    # Digits that never occur are left out, so the result is shorter than 10.
    "count_digits": '''
def count_digits(labels):
    return np.bincount(np.asarray(labels, dtype=np.int64))
''',
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
    # The sum of squared errors instead of the mean, and no absolute value in MAE.
    "mse": '''
def mse(y_true, y_pred):
    return float(np.sum((y_true - y_pred) ** 2))


def mae(y_true, y_pred):
    return float(np.mean(y_true - y_pred))
''',
    # No clipping before the log, and logits treated as probabilities.
    "binary_crossentropy": '''
def binary_crossentropy(y_true, y_pred, from_logits=False):
    return float(-np.mean(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred)))
''',
    # The mean over every value (which also divides by the number of classes), and
    # column indexing that builds an (N, N) array.
    "categorical_crossentropy": '''
def categorical_crossentropy(y_true, y_pred):
    return float(np.mean(-y_true * np.log(np.clip(y_pred, 1e-7, 1 - 1e-7))))


def sparse_categorical_crossentropy(y_true, y_pred):
    return float(np.mean(-np.log(np.clip(y_pred[:, y_true], 1e-7, 1 - 1e-7))))
''',
    # 0 * log(0) gives nan for a distribution with zeros.
    "entropy": '''
def entropy(probs):
    return float(-np.sum(probs * np.log(probs)))
''',
}
