"""Typical wrong answers for the exercises of 06-callbacks."""

MISTAKES = {
    # Stops only when wait exceeds patience, one epoch later than Keras.
    "early_stopper": '''
class EarlyStopper:
    def __init__(self, patience=0, min_delta=0.0, mode="min"):
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode
        self.best = None
        self.best_epoch = None
        self.wait = 0

    def on_epoch_end(self, epoch, value):
        if self.best is None:
            improved = True
        elif self.mode == "min":
            improved = value < self.best - self.min_delta
        else:
            improved = value > self.best + self.min_delta
        if improved:
            self.best = value
            self.best_epoch = epoch
            self.wait = 0
            return False
        self.wait += 1
        return self.wait > self.patience
''',
    # Checks overfitting and a flat loss, but calls a loss that is still falling a good fit.
    "classify_history": '''
def classify_history(history):
    loss = np.asarray(history["loss"], dtype=float)
    val_loss = np.asarray(history["val_loss"], dtype=float)
    best = int(np.argmin(val_loss))
    if (val_loss[-1] - val_loss[best]) / val_loss[best] > 0.05 and loss[-1] < loss[best]:
        return "overfitting"
    if (loss[0] - loss[-1]) / loss[0] < 0.10:
        return "underfitting"
    return "good fit"
''',
    # Inverse class frequency without dividing by the number of classes.
    "balanced_class_weights": '''
def balanced_class_weights(y):
    classes, counts = np.unique(y, return_counts=True)
    return {int(label): float(len(y) / count) for label, count in zip(classes, counts)}
''',
}
