from helpers.bench_cnn import FULL_MNIST_TARGET, SUBSET_TARGET, Run, render_markdown


def make_result(full_sizes, note, runs):
    return {
        "runs": runs,
        "subset_sizes": (4000, 1000),
        "full_sizes": full_sizes,
        "full_mnist_note": note,
        "cpu_count": 2,
        "tensorflow_version": "2.21.0",
        "keras_version": "3.15.1",
    }


def subset_runs():
    return [
        Run("offline subset", "CNN", 0, 104_202, 30, 30, SUBSET_TARGET + 0.008, 41.2),
        Run("offline subset", "CNN", 1, 104_202, 24, 30, SUBSET_TARGET - 0.001, 35.0),
        Run("offline subset", "dense 784-128-64-10", 0, 109_386, 8, 8, 0.934, 5.1),
    ]


def test_markdown_lists_every_run_with_its_verdict():
    text = render_markdown(make_result(None, "Full MNIST was **not measured**: no cache.", subset_runs()))
    assert text.startswith("## CNN recipe of notebook 08 on MNIST")
    assert "| offline subset | CNN | 0 | 104,202 | 30 (30) | 98.30% | yes (>= 97.5%) | 41 |" in text
    assert "| offline subset | CNN | 1 | 104,202 | 24 (30) | 97.40% | NO (>= 97.5%) | 35 |" in text
    assert "| offline subset | dense 784-128-64-10 | 0 | 109,386 | 8 (8) | 93.40% | - | 5 |" in text


def test_markdown_says_full_mnist_was_not_measured():
    text = render_markdown(make_result(None, "Full MNIST was **not measured**: no cache.", subset_runs()))
    assert "**not measured**" in text
    assert f"target of {FULL_MNIST_TARGET:.0%} test accuracy on full MNIST is therefore unverified" in text


def test_markdown_reports_full_mnist_when_measured():
    runs = subset_runs() + [Run("full MNIST", "CNN", 0, 104_202, 12, 12, 0.9931, 310.0)]
    text = render_markdown(make_result((60000, 10000), "Full MNIST was read from Keras's cache file.", runs))
    assert "| full MNIST | CNN | 0 | 104,202 | 12 (12) | 99.31% | yes (>= 99.0%) | 310 |" in text
    assert "unverified" not in text
    assert "60,000 training and 10,000 test images" in text
