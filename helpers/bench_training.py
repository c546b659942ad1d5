"""Time one training epoch of the NumPy network of 04-training against the same network in Keras.

Run ``python -m helpers.bench_training`` to print the figures. Importing this module does not
import TensorFlow, because ``benchmark_training`` imports it only when called.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from helpers._validation import check_positive_int
from helpers.data import load_mnist, preprocess_mnist
from helpers.layers import Activation, Dense, Sequential
from helpers.runtime import import_keras, import_tensorflow

HIDDEN_UNITS = 128
BATCH_SIZE = 32
LEARNING_RATE = 0.2
"""The network and settings of the NumPy training loop in 04-training: 784-128-10, ReLU, plain SGD."""


def _numpy_network(seed: int) -> Sequential:
    rng = np.random.default_rng(seed)
    return Sequential(
        [
            Dense(784, HIDDEN_UNITS, kernel_initializer="he_uniform", seed=rng),
            Activation("relu"),
            Dense(HIDDEN_UNITS, 10, seed=rng),
        ]
    )


def _keras_network(keras, numpy_network: Sequential):
    """Return the Keras twin of ``numpy_network``, holding the same initial weights."""
    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(HIDDEN_UNITS, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    weights = [array for layer in (numpy_network.layers[0], numpy_network.layers[2]) for array in layer.get_weights()]
    model.set_weights([array.astype(np.float32) for array in weights])
    return model


def _best_numpy_epoch(x: np.ndarray, y: np.ndarray, repeats: int, seed: int) -> float:
    """Return the fastest of ``repeats`` epochs of ``Sequential.fit``, in seconds."""
    network = _numpy_network(seed)
    times = []
    for repeat in range(repeats):
        start = time.perf_counter()
        network.fit(x, y, epochs=1, batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE, seed=seed + repeat)
        times.append(time.perf_counter() - start)
    return min(times)


def _best_keras_epoch(keras, x: np.ndarray, y: np.ndarray, repeats: int, seed: int) -> float:
    """Return the fastest of ``repeats`` epochs of ``model.fit``, in seconds, after one warm-up epoch."""
    epoch_times: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_times.append(time.perf_counter() - self.start)

    model = _keras_network(keras, _numpy_network(seed))
    model.fit(x, y, epochs=repeats + 1, batch_size=BATCH_SIZE, shuffle=True, verbose=0, callbacks=[EpochTimer()])
    # The first epoch also traces and compiles the training step, so it does not count.
    return min(epoch_times[1:])


def benchmark_training(repeats: int = 3, seed: int = 0) -> dict:
    """Time one epoch of mini-batch SGD on MNIST in NumPy and in Keras.

    Both train the 784-128-10 ReLU network of 04-training with batches of 32 and plain SGD
    (learning rate 0.2), from the same initial weights, on the training images that
    :func:`helpers.data.load_mnist` returns (the 4,000-image subset with ``DLF_OFFLINE=1``).
    NumPy runs :meth:`helpers.layers.Sequential.fit` for one epoch at a time, ``repeats``
    times, once with the BLAS library's default number of threads and once with one thread.
    Keras runs ``model.fit`` for ``repeats + 1`` epochs, timed by a callback at each epoch's
    start and end, and the first epoch is left out because it compiles the training step.
    The fastest epoch of each counts, which filters out epochs slowed by other processes.

    Parameters
    ----------
    repeats : int, default 3
        Timed epochs of each variant.
    seed : int, default 0
        Seed of the initial weights and of the shuffling.

    Returns
    -------
    dict
        ``numpy_seconds`` (default BLAS threads), ``numpy_one_thread_seconds`` and
        ``keras_seconds`` are the best times per epoch. ``ratio`` and ``one_thread_ratio``
        divide NumPy's time by Keras's. The other keys record the method: ``examples`` and
        ``batches`` per epoch, ``blas_threads``, ``data``, ``repeats``, and the versions and
        machine behind the figures.
    """
    repeats = check_positive_int(repeats, "repeats")
    keras = import_keras()
    tf = import_tensorflow()

    mnist = load_mnist()
    (images, labels), _ = mnist
    x, _ = preprocess_mnist(images, labels)
    x = x.astype(np.float64)

    numpy_seconds = _best_numpy_epoch(x, labels, repeats, seed)
    with threadpool_limits(limits=1, user_api="blas"):
        numpy_one_thread_seconds = _best_numpy_epoch(x, labels, repeats, seed)
    keras_seconds = _best_keras_epoch(keras, x.astype(np.float32), labels, repeats, seed)

    # NumPy and SciPy may each load their own copy of the same BLAS library.
    blas = sorted({(info["internal_api"], info["num_threads"]) for info in threadpool_info() if info.get("user_api") == "blas"})
    return {
        "numpy_seconds": numpy_seconds,
        "numpy_one_thread_seconds": numpy_one_thread_seconds,
        "keras_seconds": keras_seconds,
        "ratio": numpy_seconds / keras_seconds,
        "one_thread_ratio": numpy_one_thread_seconds / keras_seconds,
        "examples": len(x),
        "batches": -(-len(x) // BATCH_SIZE),
        "blas_threads": ", ".join(f"{name} with {threads}" for name, threads in blas) or "unknown",
        "data": mnist.description,
        "repeats": repeats,
        "numpy_version": np.__version__,
        "tensorflow_version": tf.__version__,
        "keras_version": keras.__version__,
        "python_version": platform.python_version(),
        "machine": f"{platform.machine()} {platform.processor() or platform.system()}",
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs of each variant; the fastest counts (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights and the shuffling (default 0)")
    arguments = parser.parse_args(argv)

    result = benchmark_training(repeats=arguments.repeats, seed=arguments.seed)
    for key, value in result.items():
        if key.endswith("_seconds"):
            value = f"{value * 1e3:.1f} ms"
        elif isinstance(value, float):
            value = f"{value:.3g}"
        print(f"{key}: {value}")


def markdown_section() -> str:
    """Run the benchmark with its defaults and return it as a section of ``docs/benchmarks.md``."""
    result = benchmark_training()
    return "\n".join(
        [
            "## NumPy training loop against Keras",
            "",
            f"One epoch of mini-batch SGD for the 784-{HIDDEN_UNITS}-10 ReLU network of `04-training` "
            f"(batches of {BATCH_SIZE}, learning rate {LEARNING_RATE:g}) on {result['examples']:,} MNIST training "
            f"images, {result['batches']} steps. NumPy is `helpers.layers.Sequential.fit` in float64, Keras is "
            f"`model.fit` in float32 from the same initial weights. Best of {result['repeats']} epochs for each; "
            "Keras's first epoch, which compiles the training step, is not counted. "
            f"BLAS: {result['blas_threads']} threads by default. Other processes on the machine change these "
            "figures: on two shared cores, OpenBLAS's default threads made NumPy up to 40 times slower than one thread.",
            "",
            "| NumPy, default threads (ms) | NumPy, 1 BLAS thread (ms) | Keras (ms) | NumPy / Keras | NumPy 1 thread / Keras |",
            "|---:|---:|---:|---:|---:|",
            f"| {result['numpy_seconds'] * 1e3:.0f} | {result['numpy_one_thread_seconds'] * 1e3:.0f} "
            f"| {result['keras_seconds'] * 1e3:.0f} | {result['ratio']:.2f} | {result['one_thread_ratio']:.2f} |",
            "",
        ]
    )


if __name__ == "__main__":
    main()
