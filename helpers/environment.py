"""Report the versions that the course depends on, for the orientation notebook."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

MINIMUM_VERSIONS = {
    "numpy": "1.26",
    "tensorflow": "2.21",
    "keras": "3.10",
    "scikit-learn": "1.4",
    "matplotlib": "3.8",
    "ipywidgets": "8.1",
}
"""Oldest version of each package that the notebooks are tested with, from pyproject.toml."""


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def package_versions() -> dict[str, str | None]:
    """Return the installed version of each package in ``MINIMUM_VERSIONS``, or None if missing."""
    versions = {}
    for name in MINIMUM_VERSIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def environment_problems(versions: dict[str, str | None] | None = None) -> list[str]:
    """Return one plain sentence per problem with the Python version or a package; empty when all is well."""
    problems = []
    if sys.version_info < (3, 10):
        problems.append(f"Python {platform.python_version()} is too old: the course needs Python 3.10 or newer.")
    versions = package_versions() if versions is None else versions
    for name, minimum in MINIMUM_VERSIONS.items():
        installed = versions.get(name)
        if installed is None:
            problems.append(f"{name} is not installed: run 'pip install -e .' in the course folder.")
        elif _version_tuple(installed) < _version_tuple(minimum):
            problems.append(f"{name} {installed} is older than {minimum}: run 'pip install -U {name}'.")
    return problems
