"""Add an "Open in Colab" badge and a Colab set-up cell to each released notebook.

The release step calls :func:`add_student_cells` on every notebook of ``course/``. It puts two
cells at the top, with fixed cell ids so that running it again replaces them:

``colab-badge``
    a markdown cell with a badge that opens the notebook from the course repository in
    Google Colab, and a line on how to check one's work;
``colab-setup``
    a code cell that, only inside Colab, installs the course package from the repository
    and turns on Colab's widget manager for ipywidgets 8. Everywhere else it does nothing.

The repository address comes from the ``repository`` key of the ``[tool.dl-fundamentals]``
table in ``pyproject.toml``.

What Colab supports (checked against the colabtools source of ``google.colab.output``, not in a
live Colab session): Colab draws the core widgets of the ipywidgets package (sliders,
``interact``, ``Output``, boxes) itself. Widgets from other packages, such as ipympl's
``%matplotlib widget``, need ``google.colab.output.enable_custom_widget_manager()``, which
loads a widget manager from Google's servers. The course's plots use only the inline
matplotlib backend and core widgets (``interact`` and :class:`helpers.widgets.InteractiveFigure`),
so they work with either widget manager.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import nbformat

logger = logging.getLogger(__name__)

SETTINGS_TABLE = "dl-fundamentals"
"""Table under ``[tool]`` in ``pyproject.toml`` that contains the course's own settings."""

PLACEHOLDER_REPOSITORY = "https://github.com/PLACEHOLDER-OWNER/dl-fundamentals"
"""Address used until ``pyproject.toml`` names the real repository: the badge links nowhere useful."""

BRANCH = "main"
"""Branch that the badge opens and that Colab installs the package from."""

BADGE_CELL_ID = "colab-badge"
SETUP_CELL_ID = "colab-setup"

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
COLAB_GITHUB_PREFIX = "https://colab.research.google.com/github"

GITHUB_REPOSITORY = re.compile(r"https://github\.com/(?P<owner>[A-Za-z0-9-]+)/(?P<name>[A-Za-z0-9._-]+?)(?:\.git)?/?")

TOOLING_ONLY = {"jupyterlab", "jupyterlab-widgets", "nbgrader", "nbval", "playwright", "pytest", "pyyaml", "tomli"}
"""Dependencies that authoring, grading and testing need but the notebooks do not.

pytest's plugins, whose names start with ``pytest-``, count as tooling too.

Colab does not get them: nbgrader requires JupyterLab 4 and Notebook 7, and installing those
over the packages of Colab's own running Jupyter server could break it.
"""


def _load_toml(path: Path) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads(path.read_text(encoding="utf-8"))


def read_repository(root: Path) -> str:
    """Return the repository address from ``[tool.dl-fundamentals] repository`` in ``root/pyproject.toml``.

    Returns :data:`PLACEHOLDER_REPOSITORY` and logs a warning when the setting is missing.
    Raises ``ValueError`` when the address is not ``https://github.com/<owner>/<name>``,
    because Colab opens notebooks only from GitHub addresses of that form.
    """
    settings = _load_toml(Path(root) / "pyproject.toml").get("tool", {}).get(SETTINGS_TABLE, {})
    repository = settings.get("repository")
    if repository is None:
        logger.warning(
            "pyproject.toml has no [tool.%s] repository setting; the Colab badges use the placeholder %s.",
            SETTINGS_TABLE,
            PLACEHOLDER_REPOSITORY,
        )
        return PLACEHOLDER_REPOSITORY
    match = GITHUB_REPOSITORY.fullmatch(str(repository))
    if match is None:
        raise ValueError(
            f"[tool.{SETTINGS_TABLE}] repository in pyproject.toml must be a GitHub address like "
            f"'https://github.com/<owner>/<name>'; received {repository!r}."
        )
    return f"https://github.com/{match['owner']}/{match['name']}"


def colab_address(repository: str, notebook_path: str) -> str:
    """Return the address that opens ``notebook_path`` (relative to the repository) in Colab."""
    match = GITHUB_REPOSITORY.fullmatch(repository)
    if match is None:
        raise ValueError(f"repository must be 'https://github.com/<owner>/<name>'; received {repository!r}.")
    return f"{COLAB_GITHUB_PREFIX}/{match['owner']}/{match['name']}/blob/{BRANCH}/{notebook_path}"


def notebook_requirements(root: Path) -> list[str]:
    """Return the dependencies in ``root/pyproject.toml`` that the notebooks need, in file order."""
    dependencies = _load_toml(Path(root) / "pyproject.toml")["project"]["dependencies"]
    return [requirement for requirement in dependencies if not _is_tooling(_requirement_name(requirement))]


def _is_tooling(name: str) -> bool:
    return name in TOOLING_ONLY or name.startswith("pytest-")


def _requirement_name(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
    return re.sub(r"[-_.]+", "-", name).lower()


def badge_source(repository: str, notebook_path: str) -> str:
    """Return the markdown of the badge cell for ``notebook_path``."""
    name = Path(notebook_path).name
    return (
        f"[![Open In Colab]({BADGE_IMAGE})]({colab_address(repository, notebook_path)})\n"
        "\n"
        "In Colab, run the set-up cell below first. To check your work outside nbgrader, run "
        f"`dlf-check {name}` in a terminal, or `from helpers.selfcheck import check_notebook; "
        f'check_notebook("{name}")` in a cell after saving the notebook.'
    )


def setup_source(repository: str, requirements: list[str]) -> str:
    """Return the code of the set-up cell, which installs the package only inside Colab."""
    requirement_lines = "".join(f"        {json.dumps(requirement)},\n" for requirement in requirements)
    return f'''# Set-up for Google Colab. Outside Colab (JupyterLab, JupyterHub, VS Code) this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import importlib
    import subprocess
    from importlib import metadata

    from google.colab import output

    pip_install = [sys.executable, "-m", "pip", "install", "--quiet"]
    # The course package without its dependencies, because those include JupyterLab and
    # nbgrader, which would replace packages of Colab's own Jupyter server.
    package = "dl-fundamentals @ git+{repository}@{BRANCH}"
    subprocess.run(pip_install + ["--no-deps", package], check=True)
    requirements = [
{requirement_lines}    ]
    subprocess.run(pip_install + requirements, check=True)
    importlib.invalidate_caches()

    # A module imported before pip replaced it keeps running the old version.
    distributions = {{"sklearn": "scikit-learn"}}
    outdated = []
    for module in ("numpy", "scipy", "sklearn", "matplotlib", "ipywidgets", "tensorflow", "keras"):
        loaded = getattr(sys.modules.get(module), "__version__", None)
        if loaded is not None and loaded != metadata.version(distributions.get(module, module)):
            outdated.append(module)
    if outdated:
        print(f"pip updated {{', '.join(outdated)}} after it was imported: choose Runtime > Restart session,")
        print("then run this notebook again from the top.")

    # Colab's custom widget manager is built for the widget protocol of ipywidgets 8.
    if int(metadata.version("ipywidgets").split(".")[0]) >= 8:
        output.enable_custom_widget_manager()
    print("Colab set-up done: the course package is installed and widgets are enabled.")'''


def add_student_cells(notebook, path: Path, root: Path) -> None:
    """Insert the badge cell and the Colab set-up cell at the top of a released notebook, in place.

    ``path`` is the notebook's file in a release folder, ``<release>/<assignment>/<name>.ipynb``;
    the badge links to ``course/<assignment>/<name>.ipynb`` in the repository named in
    ``root/pyproject.toml``. Cells left by an earlier call (same ids) are replaced, so the
    result is the same however often it runs. Also records the notebook's place in the
    repository under ``metadata["dl-fundamentals"]``, where :mod:`helpers.selfcheck` finds it.
    """
    from helpers.instructor.course import RELEASE_DIRECTORY

    path = Path(path)
    notebook_path = f"{RELEASE_DIRECTORY}/{path.parent.name}/{path.name}"
    repository = read_repository(root)

    badge = nbformat.v4.new_markdown_cell(badge_source(repository, notebook_path))
    badge.id = BADGE_CELL_ID
    setup = nbformat.v4.new_code_cell(setup_source(repository, notebook_requirements(root)))
    setup.id = SETUP_CELL_ID

    notebook.cells = [badge, setup] + [cell for cell in notebook.cells if cell.get("id") not in (BADGE_CELL_ID, SETUP_CELL_ID)]
    notebook.metadata[SETTINGS_TABLE] = {"path": notebook_path, "repository": repository, "branch": BRANCH}
