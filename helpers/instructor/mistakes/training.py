"""Typical wrong answers for the exercises of 04-training."""

MISTAKES = {
    # The ReLU is left out, so the hidden layer is linear and negative values pass through.
    "two_layer_forward": '''
def two_layer_forward(X, W1, b1, W2, b2):
    hidden = X @ W1 + b1
    return hidden, hidden @ W2 + b2
''',
    # The gradient is not masked by the ReLU's derivative, so it flows through inactive units.
    "two_layer_backward": '''
def two_layer_backward(X, y, W1, b1, W2, b2):
    hidden = np.maximum(X @ W1 + b1, 0.0)
    logits = hidden @ W2 + b2
    probs = softmax(logits, axis=1)
    d_logits = (probs - np.eye(logits.shape[1])[y]) / len(X)
    d_hidden = d_logits @ W2.T
    return {
        "W1": X.T @ d_hidden,
        "b1": d_hidden.sum(axis=0),
        "W2": hidden.T @ d_logits,
        "b2": d_logits.sum(axis=0),
    }
''',
    # The one-sided difference (f(x + h) - f(x)) / h, accurate only to order h.
    "numerical_gradient": '''
def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    gradient = np.zeros_like(x)
    f_x = f(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        gradient[index] = (f(x) - f_x) / h
        x[index] = original
    return gradient
''',
    # The last, smaller batch is dropped.
    "minibatch_indices": '''
def minibatch_indices(num_samples, batch_size, shuffle=True, seed=0):
    order = np.random.default_rng(seed).permutation(num_samples) if shuffle else np.arange(num_samples)
    return [order[start:start + batch_size] for start in range(0, num_samples - batch_size + 1, batch_size)]
''',
}
