"""Typical wrong answers for the exercises of 05-optimizers."""

MISTAKES = {
    # The gradient is added, so the step climbs the loss.
    "sgd_step": '''
def sgd_step(param, grad, learning_rate):
    return param + learning_rate * grad
''',
    # The parameter moves with the old velocity, one step behind the update.
    "sgd_momentum_step": '''
def sgd_momentum_step(param, grad, velocity, learning_rate, momentum):
    new_param = param + velocity
    new_velocity = momentum * velocity - learning_rate * grad
    return new_param, new_velocity
''',
    # epsilon is added outside the square root, as in Adam, where Keras's RMSprop adds it inside.
    "rmsprop_step": '''
def rmsprop_step(param, grad, v, learning_rate, rho=0.9, epsilon=1e-7):
    new_v = rho * v + (1 - rho) * grad**2
    return param - learning_rate * grad / (np.sqrt(new_v) + epsilon), new_v
''',
    # No bias correction, so the first steps have the wrong size.
    "adam_step": '''
def adam_step(param, grad, m, v, t, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    new_m = beta_1 * m + (1 - beta_1) * grad
    new_v = beta_2 * v + (1 - beta_2) * grad**2
    return param - learning_rate * new_m / (np.sqrt(new_v) + epsilon), new_m, new_v
''',
    # L2 regularisation (weight_decay * param added to the gradient) instead of decoupled decay.
    "adamw_step": '''
def adamw_step(param, grad, m, v, t, learning_rate, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    grad = grad + weight_decay * param
    new_m = beta_1 * m + (1 - beta_1) * grad
    new_v = beta_2 * v + (1 - beta_2) * grad**2
    alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    return param - alpha * new_m / (np.sqrt(new_v) + epsilon), new_m, new_v
''',
    # The formula copied between tutorials, floor((1 + epoch) / epochs_drop), which drops one epoch early.
    "step_decay": '''
def step_decay(epoch, initial_learning_rate, drop, epochs_drop):
    return float(initial_learning_rate * drop ** np.floor((1 + epoch) / epochs_drop))
''',
    # The exponent is the epoch itself instead of epoch / decay_steps.
    "exponential_decay": '''
def exponential_decay(epoch, initial_learning_rate, decay_steps, decay_rate):
    return float(initial_learning_rate * decay_rate**epoch)
''',
}
