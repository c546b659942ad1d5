"""Check the environment that the notebooks run in, for the orientation notebook.

:func:`check_environment` returns an :class:`EnvironmentReport` with one line per check.
It checks the Python version and the versions of the course's packages. It checks that the
JupyterLab extension of ipywidgets fits the installed ipywidgets and that a widget value
round-trips through its state. It reports where MNIST came from. Each failed check says in
plain words what to run.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

MINIMUM_VERSIONS = {
    "numpy": "1.26",
    "tensorflow": "2.21",
    "keras": "3.10",
    "scikit-learn": "1.4",
    "matplotlib": "3.8",
    "ipywidgets": "8.1",
    "jupyterlab_widgets": "3.0.10",
}
"""Oldest version of each package that the notebooks are tested with, from pyproject.toml."""

VERSION_LIMITS = {
    "tensorflow": "2.22",
    "keras": "4",
    "ipywidgets": "9",
    "jupyterlab_widgets": "4",
}
"""First version of each package that the course does not support, from pyproject.toml."""

MINIMUM_PYTHON = (3, 10)

WIDGET_EXTENSION = "jupyterlab_widgets"
"""The package that contains the JupyterLab extension which draws ipywidgets in the browser."""

WIDGET_EXTENSION_FOLDER = Path("@jupyter-widgets") / "jupyterlab-manager"
"""Folder of the prebuilt extension of ``jupyterlab_widgets``, relative to a ``labextensions`` folder."""

EXTENSION_MAJOR_FOR_IPYWIDGETS = {8: 3, 7: 1}
"""Major version of jupyterlab_widgets that each major version of ipywidgets is released with.

Another pairing makes JupyterLab show "Error displaying widget" in place of every widget.
"""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one environment check, with a sentence for the student."""

    name: str
    ok: bool
    detail: str


@dataclass
class EnvironmentReport:
    """The results of :func:`check_environment`, shown as one line per check in a notebook."""

    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    @property
    def problems(self) -> list[str]:
        """Return the detail of every failed check."""
        return [result.detail for result in self.results if not result.ok]

    def __str__(self) -> str:
        width = max((len(result.name) for result in self.results), default=0)
        lines = [f"{'ok' if result.ok else 'PROBLEM':>7}  {result.name:<{width}}  {result.detail}" for result in self.results]
        if self.ok:
            lines.append("\nNo problems found.")
        else:
            lines.append(f"\n{len(self.problems)} problem(s) found: fix the lines marked PROBLEM, then restart the kernel.")
        return "\n".join(lines)

    def _ipython_display_(self) -> None:
        print(self)


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def in_colab() -> bool:
    """Return True inside a Google Colab runtime, whose kernel imports ``google.colab`` at start."""
    return "google.colab" in sys.modules


def package_versions() -> dict[str, str | None]:
    """Return the installed version of each package in ``MINIMUM_VERSIONS``, or None if missing."""
    versions = {}
    for name in MINIMUM_VERSIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def check_python(version_info: tuple[int, ...] | None = None) -> CheckResult:
    """Check that Python is at least ``MINIMUM_PYTHON``."""
    version_info = tuple(sys.version_info[:3] if version_info is None else version_info)
    shown = ".".join(str(part) for part in version_info)
    if version_info[:2] < MINIMUM_PYTHON:
        needed = ".".join(str(part) for part in MINIMUM_PYTHON)
        return CheckResult("Python", False, f"Python {shown} is too old: the course needs Python {needed} or newer.")
    return CheckResult("Python", True, f"Python {shown}")


def check_package(name: str, installed: str | None, colab: bool = False) -> CheckResult:
    """Check one package of ``MINIMUM_VERSIONS`` against its oldest and first unsupported version.

    In Colab, a missing ``jupyterlab_widgets`` is fine, because Colab draws widgets itself.
    """
    minimum = MINIMUM_VERSIONS[name]
    limit = VERSION_LIMITS.get(name)
    supported = f">={minimum},<{limit}" if limit else f">={minimum}"
    if installed is None:
        if name == WIDGET_EXTENSION and colab:
            return CheckResult(name, True, "not installed, and not needed: Colab draws widgets itself")
        return CheckResult(name, False, f"{name} is not installed: run pip install \"{name}{supported}\".")
    if _version_tuple(installed) < _version_tuple(minimum):
        return CheckResult(
            name, False, f"{name} {installed} is older than {minimum}: run pip install -U \"{name}{supported}\"."
        )
    if limit and _version_tuple(installed) >= _version_tuple(limit):
        return CheckResult(
            name,
            False,
            f"{name} {installed} is newer than the course supports (below {limit}): "
            f"run pip install \"{name}{supported}\".",
        )
    return CheckResult(name, True, f"{name} {installed}")


def check_widget_extension(
    ipywidgets_version: str | None,
    extension_version: str | None,
    colab: bool = False,
    labextension_folders: list[str] | None = None,
) -> CheckResult:
    """Check that the JupyterLab extension of ipywidgets can draw this ipywidgets' widgets.

    Looks for the extension's files in Jupyter's ``labextensions`` folders (the data folders of
    ``jupyter --paths``). The check reads the kernel's environment. On a
    JupyterHub whose server runs in another environment, the server's copy is the one that counts.
    """
    name = "widget extension"
    if colab:
        return CheckResult(name, True, "Colab draws ipywidgets itself: no JupyterLab extension is needed")
    if ipywidgets_version is None or extension_version is None:
        return CheckResult(name, False, "ipywidgets and jupyterlab_widgets must both be installed to show widgets.")

    widgets_major = _version_tuple(ipywidgets_version)[0]
    expected_major = EXTENSION_MAJOR_FOR_IPYWIDGETS.get(widgets_major)
    extension_major = _version_tuple(extension_version)[0]
    if expected_major is not None and extension_major != expected_major:
        return CheckResult(
            name,
            False,
            f"ipywidgets {ipywidgets_version} needs jupyterlab_widgets {expected_major}.x, but "
            f"{extension_version} is installed, so JupyterLab shows 'Error displaying widget': "
            f"run pip install \"jupyterlab_widgets=={expected_major}.*\" and restart JupyterLab.",
        )

    if labextension_folders is None:
        from jupyter_core.paths import jupyter_path

        labextension_folders = jupyter_path("labextensions")
    for folder in labextension_folders:
        if (Path(folder) / WIDGET_EXTENSION_FOLDER / "package.json").is_file():
            return CheckResult(
                name, True, f"jupyterlab_widgets {extension_version} fits ipywidgets {ipywidgets_version} ({folder})"
            )
    return CheckResult(
        name,
        False,
        f"jupyterlab_widgets {extension_version} is installed, but JupyterLab cannot find its files "
        f"({WIDGET_EXTENSION_FOLDER}) in any of {labextension_folders}: run "
        f"pip install --force-reinstall \"jupyterlab_widgets=={extension_version}\" and restart JupyterLab.",
    )


def check_widget_round_trip() -> CheckResult:
    """Check that a slider's value travels between its Python trait and its widget state.

    The browser changes a widget through its state and reads it back the same way, so both
    directions are checked, together with the change notification that redraws a plot.
    """
    name = "widget round trip"
    try:
        import ipywidgets
    except ImportError as error:
        return CheckResult(name, False, f"ipywidgets cannot be imported ({error}): run pip install \"ipywidgets>=8.1,<9\".")

    slider = ipywidgets.IntSlider(value=1, min=0, max=10)
    changes = []
    slider.observe(lambda change: changes.append(change["new"]), names="value")
    try:
        slider.set_state({"value": 7})
        from_browser = slider.value
        slider.value = 3
        to_browser = slider.get_state()["value"]
    finally:
        slider.close()
    if (from_browser, to_browser, changes) != (7, 3, [7, 3]):
        return CheckResult(
            name,
            False,
            f"a slider set to 7 and then 3 read back {from_browser} and {to_browser} and reported the changes "
            f"{changes}: reinstall ipywidgets with pip install --force-reinstall \"ipywidgets>=8.1,<9\".",
        )
    return CheckResult(name, True, "a slider value set from the browser side and from Python read back correctly")


def check_mnist(mnist=None) -> CheckResult:
    """Load MNIST unless ``mnist`` is given, and report which source it came from."""
    from helpers.data import SOURCE_OFFLINE, MnistCacheError, load_mnist

    try:
        data = load_mnist() if mnist is None else mnist
    except MnistCacheError as error:
        return CheckResult("MNIST", False, str(error))
    detail = data.description
    if data.source == SOURCE_OFFLINE:
        detail += " Accuracies in the notebooks are a little lower than with full MNIST."
    return CheckResult("MNIST", True, detail)


def check_environment(mnist=None, versions: dict[str, str | None] | None = None) -> EnvironmentReport:
    """Run every environment check and return the report.

    Parameters
    ----------
    mnist : MnistData, optional
        The result of ``load_mnist()``; loaded here when omitted.
    versions : mapping from package name to version or None, optional
        Installed versions, as :func:`package_versions` returns them (the default).
    """
    versions = package_versions() if versions is None else versions
    colab = in_colab()
    results = [check_python()]
    results.extend(check_package(name, versions.get(name), colab=colab) for name in MINIMUM_VERSIONS)
    results.append(check_widget_extension(versions.get("ipywidgets"), versions.get(WIDGET_EXTENSION), colab=colab))
    results.append(check_widget_round_trip())
    results.append(check_mnist(mnist))
    return EnvironmentReport(results)


def environment_problems(versions: dict[str, str | None] | None = None) -> list[str]:
    """Return one plain sentence per problem with the Python version or a package; empty when all is well."""
    versions = package_versions() if versions is None else versions
    colab = in_colab()
    results = [check_python()]
    results.extend(check_package(name, versions.get(name), colab=colab) for name in MINIMUM_VERSIONS)
    return [result.detail for result in results if not result.ok]
