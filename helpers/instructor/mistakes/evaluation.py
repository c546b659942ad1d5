"""Typical wrong answers for the exercises of 07-evaluation."""

MISTAKES = {
    # The number of correct predictions instead of their fraction.
    "accuracy_score": '''
def accuracy_score(y_true, y_pred):
    return float(np.sum(np.asarray(y_true) == np.asarray(y_pred)))
''',
    # Rows and columns swapped: predicted labels as rows.
    "confusion_matrix": '''
def confusion_matrix(y_true, y_pred, num_classes):
    matrix = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(matrix, (np.asarray(y_pred), np.asarray(y_true)), 1)
    return matrix
''',
    # Divides by the number of predictions of each class (column sums), which is precision.
    "per_class_accuracy": '''
def per_class_accuracy(y_true, y_pred, num_classes):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    predicted = np.bincount(y_pred, minlength=num_classes)
    correct = np.bincount(y_true[y_true == y_pred], minlength=num_classes)
    return np.where(predicted > 0, correct / np.maximum(predicted, 1), 0.0)
''',
    # Precision and recall swapped.
    "precision_recall": '''
def precision_recall(y_true, y_pred, num_classes, average=None):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    true_positives = np.bincount(y_true[y_true == y_pred], minlength=num_classes)
    predicted = np.bincount(y_pred, minlength=num_classes)
    support = np.bincount(y_true, minlength=num_classes)
    precision = np.where(support > 0, true_positives / np.maximum(support, 1), 0.0)
    recall = np.where(predicted > 0, true_positives / np.maximum(predicted, 1), 0.0)
    if average is None:
        return precision, recall
    return float(precision.mean()), float(recall.mean())
''',
    # Macro F1 as the harmonic mean of macro precision and macro recall.
    "f1_score": '''
def f1_score(y_true, y_pred, num_classes, average=None):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    true_positives = np.bincount(y_true[y_true == y_pred], minlength=num_classes)
    predicted = np.bincount(y_pred, minlength=num_classes)
    support = np.bincount(y_true, minlength=num_classes)
    precision = np.where(predicted > 0, true_positives / np.maximum(predicted, 1), 0.0)
    recall = np.where(support > 0, true_positives / np.maximum(support, 1), 0.0)
    if average is None:
        total = precision + recall
        return np.where(total > 0, 2 * precision * recall / np.where(total > 0, total, 1), 0.0)
    macro_precision, macro_recall = precision.mean(), recall.mean()
    return float(2 * macro_precision * macro_recall / (macro_precision + macro_recall))
''',
}
