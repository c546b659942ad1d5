"""The Colab badge and set-up cell of released notebooks, outside Colab and in a simulated Colab."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from colab_stub import KERNEL_START, pip_calls, widget_manager_calls, write_colab_stub
from nbclient import NotebookClient

from helpers.instructor.course import RELEASE_DIRECTORY
from helpers.student_setup import (
    BADGE_CELL_ID,
    PLACEHOLDER_REPOSITORY,
    SETUP_CELL_ID,
    add_student_cells,
    colab_address,
    notebook_requirements,
    read_repository,
    setup_source,
)

ROOT = Path(__file__).resolve().parents[1]
RELEASE_NOTEBOOKS = sorted((ROOT / RELEASE_DIRECTORY).glob("*/*.ipynb"))
REPOSITORY = "https://github.com/example-org/dl-fundamentals"


def write_pyproject(folder, settings=""):
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["numpy>=1.26", "nbgrader>=0.9.5,<0.10", "ipywidgets>=8.1,<9", '
        '"jupyterlab>=4.2,<5", "tomli>=2; python_version < \'3.11\'"]\n' + settings
    )
    return folder


def test_repository_is_read_from_pyproject(tmp_path):
    write_pyproject(tmp_path, f'[tool.dl-fundamentals]\nrepository = "{REPOSITORY}.git"\n')

    assert read_repository(tmp_path) == REPOSITORY


def test_missing_repository_uses_placeholder(tmp_path, caplog):
    write_pyproject(tmp_path)

    with caplog.at_level(logging.WARNING, logger="helpers.student_setup"):
        repository = read_repository(tmp_path)

    assert repository == PLACEHOLDER_REPOSITORY
    assert "[tool.dl-fundamentals] repository" in caplog.text


def test_non_github_repository_is_rejected(tmp_path):
    write_pyproject(tmp_path, '[tool.dl-fundamentals]\nrepository = "https://gitlab.com/a/b"\n')

    with pytest.raises(ValueError, match="must be a GitHub address like 'https://github.com/<owner>/<name>'"):
        read_repository(tmp_path)


def test_colab_address_points_at_main_branch():
    address = colab_address(REPOSITORY, "course/01-neurons/01-neurons.ipynb")

    assert address == (
        "https://colab.research.google.com/github/example-org/dl-fundamentals/blob/main/course/01-neurons/01-neurons.ipynb"
    )


def test_colab_requirements_leave_out_tooling(tmp_path):
    write_pyproject(tmp_path)

    assert notebook_requirements(tmp_path) == ["numpy>=1.26", "ipywidgets>=8.1,<9"]


def test_colab_requirements_leave_out_pytest_plugins(tmp_path):
    write_pyproject(tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"tomli', '"pytest-xdist>=3.5", "tomli'))
    assert "pytest-xdist" in pyproject.read_text()

    assert notebook_requirements(tmp_path) == ["numpy>=1.26", "ipywidgets>=8.1,<9"]


def test_student_cells_are_inserted_once(tmp_path):
    write_pyproject(tmp_path, f'[tool.dl-fundamentals]\nrepository = "{REPOSITORY}"\n')
    path = tmp_path / "release" / "01-neurons" / "01-neurons.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01"), nbformat.v4.new_code_cell("x = 1")])

    add_student_cells(notebook, path, tmp_path)
    once = nbformat.writes(notebook)
    add_student_cells(notebook, path, tmp_path)

    assert nbformat.writes(notebook) == once
    assert [cell.id for cell in notebook.cells[:2]] == [BADGE_CELL_ID, SETUP_CELL_ID]
    assert [cell.source for cell in notebook.cells[2:]] == ["# 01", "x = 1"]
    assert colab_address(REPOSITORY, "course/01-neurons/01-neurons.ipynb") in notebook.cells[0].source
    assert notebook.metadata["dl-fundamentals"] == {
        "path": "course/01-neurons/01-neurons.ipynb",
        "repository": REPOSITORY,
        "branch": "main",
    }
    nbformat.validate(notebook)


@pytest.mark.parametrize("path", RELEASE_NOTEBOOKS, ids=lambda p: p.stem)
def test_release_has_badge_and_setup_cells(path):
    notebook = nbformat.read(path, as_version=4)
    relative = path.relative_to(ROOT).as_posix()
    repository = read_repository(ROOT)

    assert notebook.cells[0].id == BADGE_CELL_ID
    assert notebook.cells[0].cell_type == "markdown"
    assert colab_address(repository, relative) in notebook.cells[0].source
    assert notebook.cells[1].id == SETUP_CELL_ID
    assert notebook.cells[1].source == setup_source(repository, notebook_requirements(ROOT))
    assert notebook.metadata["dl-fundamentals"]["path"] == relative


def test_setup_cell_does_nothing_outside_colab():
    source = setup_source(REPOSITORY, ["numpy>=1.26"])
    completed = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=60)

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
    assert completed.stderr == ""


def test_setup_cell_takes_colab_path(tmp_path):
    environment = write_colab_stub(tmp_path)
    source = "import google.colab\n" + setup_source(REPOSITORY, ["numpy>=1.26", "ipywidgets>=8.1,<9"])
    completed = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=60, env={**os.environ, **environment}
    )

    assert completed.returncode == 0, completed.stderr
    assert "Colab set-up done" in completed.stdout
    assert pip_calls(environment) == [
        ["install", "--quiet", "--no-deps", f"dl-fundamentals @ git+{REPOSITORY}@main"],
        ["install", "--quiet", "numpy>=1.26", "ipywidgets>=8.1,<9"],
    ]
    assert widget_manager_calls(environment) == 1


def test_released_orientation_runs_in_simulated_colab(tmp_path, monkeypatch):
    environment = write_colab_stub(tmp_path / "stub")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DLF_OFFLINE", "1")
    notebook = nbformat.read(ROOT / RELEASE_DIRECTORY / "00-orientation" / "00-orientation.ipynb", as_version=4)

    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        extra_arguments=KERNEL_START,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()

    setup_output = "".join(output.get("text", "") for output in notebook.cells[1].outputs)
    assert "Colab set-up done" in setup_output
    assert len(pip_calls(environment)) == 2
    assert widget_manager_calls(environment) == 1
    errors = {
        cell.metadata.get("nbgrader", {}).get("grade_id", cell.id): output.ename
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    }
    # The release still has the stub in the answer cell, so only its visible test may fail.
    assert errors == {"test_count_digits": "AssertionError"}
