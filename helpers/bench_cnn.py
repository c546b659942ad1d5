"""Measure the test accuracy and training time of notebook 08's CNN recipe on MNIST.

Run ``python -m helpers.bench_cnn`` to print the Markdown section; ``make bench`` adds it to
``docs/benchmarks.md`` through ``markdown_section()``. The benchmark never downloads. It
always trains on the offline subset (4,000 training and 1,000 test images), and on full MNIST
only when Keras's cached ``mnist.npz`` already exists. Otherwise the section states that
the full-MNIST figure was not measured.

Each run calls ``helpers.cnn_models.train_mnist_cnn``, the function that notebook 08 calls,
and also trains notebook 01's dense network on the same images for comparison.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from dataclasses import dataclass

from helpers import cnn_models
# NOTE: helpers.data offers no public loader for "the subset, whatever is cached" or "the cache
# only", so the benchmark uses its two private readers.
from helpers.data import _load_offline_subset, _read_mnist_npz, keras_cache_path
from helpers.runtime import import_keras, import_tensorflow

logger = logging.getLogger(__name__)

SUBSET_TARGET = 0.975
"""Test accuracy that notebook 08 asserts on the offline subset."""

FULL_MNIST_TARGET = 0.99
"""Test accuracy that the recipe is meant to reach on full MNIST."""

DEFAULT_SEEDS = (0, 1, 2)
"""Seeds of the CNN runs on the offline subset. Full MNIST is trained with the first seed only."""


@dataclass
class Run:
    """One training run: which data and model, and what it measured."""

    data: str
    model: str
    seed: int
    param_count: int
    epochs_run: int
    max_epochs: int
    test_accuracy: float
    train_seconds: float


def _train_and_evaluate(train, test, data: str, model_name: str, seed: int) -> Run:
    """Train one model with the course's recipe on ``train`` and evaluate it on ``test``."""
    x_train, y_train = cnn_models.to_image_batch(train[0]), train[1]
    x_test, y_test = cnn_models.to_image_batch(test[0]), test[1]
    if model_name == "CNN":
        max_epochs = cnn_models.max_epochs(len(x_train))
        trainer = cnn_models.train_mnist_cnn
    else:
        max_epochs = cnn_models.DENSE_EPOCHS
        trainer = cnn_models.train_dense_mnist

    logger.info("Training the %s on %s with seed %d (at most %d epochs)", model_name, data, seed, max_epochs)
    start = time.perf_counter()
    model, history = trainer(x_train, y_train, epochs=max_epochs, seed=seed)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    logger.info("Finished the %s on %s: test accuracy %.4f after %.0f s", model_name, data, accuracy, seconds)
    return Run(
        data=data,
        model=model_name,
        seed=seed,
        param_count=model.count_params(),
        epochs_run=len(history.history["loss"]),
        max_epochs=max_epochs,
        test_accuracy=float(accuracy),
        train_seconds=seconds,
    )


def benchmark_cnn(seeds=DEFAULT_SEEDS, full_mnist: bool = True) -> dict:
    """Train the CNN recipe and the dense baseline and return every run.

    Parameters
    ----------
    seeds : sequence of int, default (0, 1, 2)
        One CNN run on the offline subset per seed; the dense baseline and full MNIST use
        the first seed.
    full_mnist : bool, default True
        Also train on full MNIST if Keras's cache file exists.

    Returns
    -------
    dict
        ``runs`` (a list of :class:`Run`), ``subset_sizes`` and ``full_sizes`` (training and
        test images, ``None`` when full MNIST was not trained), ``full_mnist_note`` (why it was
        or was not trained), ``cpu_count`` and the TensorFlow and Keras versions.
    """
    seeds = [int(seed) for seed in seeds]
    if not seeds:
        raise ValueError("seeds must contain at least one seed, for example (0,).")
    keras = import_keras()
    tensorflow = import_tensorflow()

    train, test = _load_offline_subset()
    subset = "offline subset"
    runs = [_train_and_evaluate(train, test, subset, "CNN", seed) for seed in seeds]
    runs.append(_train_and_evaluate(train, test, subset, "dense 784-128-64-10", seeds[0]))

    cache = keras_cache_path()
    full_sizes = None
    if not full_mnist:
        note = "Full MNIST was skipped on request (--skip-full)."
    elif not cache.exists():
        note = (
            f"Full MNIST was **not measured**: Keras's cache file {cache} does not exist, and this benchmark "
            "never downloads."
        )
    else:
        full_train, full_test = _read_mnist_npz(cache)
        full_sizes = (len(full_train[1]), len(full_test[1]))
        runs.append(_train_and_evaluate(full_train, full_test, "full MNIST", "CNN", seeds[0]))
        runs.append(_train_and_evaluate(full_train, full_test, "full MNIST", "dense 784-128-64-10", seeds[0]))
        note = f"Full MNIST was read from Keras's cache file {cache}."

    return {
        "runs": runs,
        "subset_sizes": (len(train[1]), len(test[1])),
        "full_sizes": full_sizes,
        "full_mnist_note": note,
        "cpu_count": os.cpu_count(),
        "tensorflow_version": tensorflow.__version__,
        "keras_version": keras.__version__,
    }


def _target(run: Run) -> str:
    if run.model != "CNN":
        return "-"
    target = SUBSET_TARGET if run.data == "offline subset" else FULL_MNIST_TARGET
    verdict = "yes" if run.test_accuracy >= target else "NO"
    return f"{verdict} (>= {target:.1%})"


def render_markdown(result: dict) -> str:
    """Return the result of ``benchmark_cnn`` as a section of ``docs/benchmarks.md``."""
    train_count, test_count = result["subset_sizes"]
    lines = [
        "## CNN recipe of notebook 08 on MNIST",
        "",
        "`helpers.cnn_models.train_mnist_cnn`, the network and training that notebook 08 runs: augmentation, "
        "three Conv2D/MaxPooling2D blocks, EarlyStopping with `restore_best_weights` and ReduceLROnPlateau on "
        "`val_loss`, Adam, batches of 64, the last 10 % of the training images for validation. Next to it, "
        "notebook 01's dense network, trained as there (8 epochs, no augmentation). Test accuracy is measured on "
        f"held-out images that training never sees: {train_count:,} training and {test_count:,} test images "
        "for the offline subset. *Train time* is the wall time of building and fitting the model on "
        f"{result['cpu_count']} CPU cores (TensorFlow {result['tensorflow_version']}, Keras "
        f"{result['keras_version']}); other processes on the machine slow it down.",
        "",
        "| data | model | seed | parameters | epochs run (limit) | test accuracy | meets target | train time (s) |",
        "|---|---|---:|---:|---|---:|---|---:|",
    ]
    for run in result["runs"]:
        lines.append(
            f"| {run.data} | {run.model} | {run.seed} | {run.param_count:,} | {run.epochs_run} ({run.max_epochs}) "
            f"| {run.test_accuracy:.2%} | {_target(run)} | {run.train_seconds:.0f} |"
        )
    lines += ["", result["full_mnist_note"]]
    if result["full_sizes"] is None:
        lines += [
            f"The target of {FULL_MNIST_TARGET:.0%} test accuracy on full MNIST is therefore unverified. To measure it, "
            "load MNIST once with a network (`python -c \"import keras; keras.datasets.mnist.load_data()\"`), "
            "then run `python -m helpers.bench_cnn` again.",
        ]
    else:
        full_train, full_test = result["full_sizes"]
        lines += [f"Full MNIST has {full_train:,} training and {full_test:,} test images."]
    lines.append("")
    return "\n".join(lines)


def markdown_section() -> str:
    """Run the benchmark with its defaults and return it as a section of ``docs/benchmarks.md``."""
    return render_markdown(benchmark_cnn())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=list(DEFAULT_SEEDS), help="seeds of the CNN runs on the offline subset"
    )
    parser.add_argument("--skip-full", action="store_true", help="do not train on full MNIST even if it is cached")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    print(render_markdown(benchmark_cnn(seeds=arguments.seeds, full_mnist=not arguments.skip_full)))


if __name__ == "__main__":
    main()
