"""Typical wrong answers for the exercises of 00-orientation."""

MISTAKES = {
    # Digits that never occur are left out, so the result is shorter than 10.
    "count_digits": '''
def count_digits(labels):
    return np.bincount(np.asarray(labels, dtype=np.int64))
''',
}
