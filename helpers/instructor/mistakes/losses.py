"""Typical wrong answers for the exercises of 02-losses."""

MISTAKES = {
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
