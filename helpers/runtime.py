"""Run-time settings shared by the notebooks: quiet TensorFlow, seeds and grading mode."""

from __future__ import annotations

import contextlib
import os
import sys

GRADING_VARIABLE = "NBGRADER_EXECUTION"
"""Environment variable that nbgrader sets while it autogrades or validates a notebook."""


@contextlib.contextmanager
def _stderr_file_descriptor_silenced():
    """Send file descriptor 2 to the null device while the block runs.

    TensorFlow's C++ code writes its start-up lines (oneDNN, CUDA drivers) straight to
    file descriptor 2, so redirecting ``sys.stderr`` does not hide them.
    """
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        saved = os.dup(2)
    except OSError:
        # No usable descriptor 2 (some embedded interpreters): nothing to silence.
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow():
    """Import and return TensorFlow without its start-up log lines.

    Also sets ``TF_CPP_MIN_LOG_LEVEL=2`` before the import, unless the caller set it,
    so that TensorFlow's informational and warning logs stay out of cell output.
    Errors still surface: an ``ImportError`` propagates after stderr is restored.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _stderr_file_descriptor_silenced():
        import tensorflow

        # Listing the devices initialises them now, so that the CUDA driver probe
        # ("failed call to cuInit" on a machine without a GPU) is silenced too.
        tensorflow.config.list_physical_devices()

    tensorflow.get_logger().setLevel("ERROR")
    return tensorflow


def import_keras():
    """Import and return Keras 3 after a quiet TensorFlow import."""
    import_tensorflow()
    import keras

    return keras


def is_grading() -> bool:
    """Return True while nbgrader executes the notebook (autograde or validate)."""
    return os.environ.get(GRADING_VARIABLE, "") not in ("", "0")


def grading_or_full(grading_value, full_value):
    """Return ``grading_value`` under nbgrader and ``full_value`` otherwise.

    Training cells use it to train on less data or for fewer epochs while a class is
    graded, for example ``epochs = grading_or_full(1, 5)``.
    """
    return grading_value if is_grading() else full_value


def set_seed(seed: int = 0) -> None:
    """Seed Python, NumPy and TensorFlow through ``keras.utils.set_random_seed``."""
    keras = import_keras()
    keras.utils.set_random_seed(seed)
