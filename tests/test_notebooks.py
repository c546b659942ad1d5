"""Structure of the instructor notebooks, their visible tests, and the committed release."""

import json
import re
from pathlib import Path

import nbformat
import pytest

from helpers.instructor.course import RELEASE_DIRECTORY, SOURCE_DIRECTORY, assignment_names
from helpers.instructor.mistakes import TYPICAL_MISTAKES
from helpers.instructor.notebooks import exercises, is_autograded_answer, nbgrader_metadata, solution_source
from helpers.instructor.release import release_differences

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = assignment_names(ROOT)
SOURCE_NOTEBOOKS = sorted((ROOT / SOURCE_DIRECTORY).glob("*/*.ipynb"))
RELEASE_NOTEBOOKS = sorted((ROOT / RELEASE_DIRECTORY).glob("*/*.ipynb"))


def notebook_id(path):
    return path.stem


def test_every_assignment_has_one_notebook_of_the_same_name():
    assert ASSIGNMENTS[:3] == ["00-orientation", "01-neurons", "02-losses"]
    for assignment in ASSIGNMENTS:
        assert re.fullmatch(r"[0-9]{2}-[a-z0-9-]+", assignment), assignment
        notebooks = sorted((ROOT / SOURCE_DIRECTORY / assignment).glob("*.ipynb"))
        assert [path.name for path in notebooks] == [f"{assignment}.ipynb"]


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS + RELEASE_NOTEBOOKS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_notebook_is_stored_clean(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)

    assert (notebook.nbformat, notebook.nbformat_minor) == (4, 5)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    ids = [cell.id for cell in notebook.cells]
    assert len(ids) == len(set(ids)), "cell ids must be unique"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {cell.id} has stored outputs"
            assert cell.execution_count is None, f"cell {cell.id} has an execution count"


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=notebook_id)
def test_every_exercise_has_visible_and_hidden_tests(path):
    notebook = nbformat.read(path, as_version=4)
    found = exercises(notebook)
    assert found, "a notebook needs at least one graded exercise"
    sources = {nbgrader_metadata(cell).get("grade_id"): cell.source for cell in notebook.cells}
    for exercise in found:
        visible, hidden = f"test_{exercise.name}", f"test_{exercise.name}_hidden"
        assert exercise.test_ids == (visible, hidden), exercise
        assert "### BEGIN HIDDEN TESTS" not in sources[visible]
        assert "### BEGIN HIDDEN TESTS" in sources[hidden]
        assert "### END HIDDEN TESTS" in sources[hidden]
        assert "Hidden tests:" in sources[hidden].split("### BEGIN HIDDEN TESTS")[0], "say what the hidden tests check"
        assert "hint=" in sources[visible], "a visible test must give a hint"


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=notebook_id)
def test_every_exercise_has_a_typical_mistake(path):
    notebook = nbformat.read(path, as_version=4)
    for exercise in exercises(notebook):
        assert exercise.name in TYPICAL_MISTAKES, f"add a typical mistake for {exercise.name}"


def exercise_parts(path):
    """Yield (exercise name, setup code, solution, release stub, visible test) for a notebook."""
    source = nbformat.read(path, as_version=4)
    release = nbformat.read(ROOT / RELEASE_DIRECTORY / path.parent.name / path.name, as_version=4)
    setup = "\n".join(
        cell.source for cell in source.cells if nbgrader_metadata(cell).get("grade_id") == "setup"
    )
    stubs = {nbgrader_metadata(c)["grade_id"]: c.source for c in release.cells if is_autograded_answer(c)}
    by_id = {nbgrader_metadata(cell).get("grade_id"): cell for cell in source.cells}
    for exercise in exercises(source):
        yield (
            exercise.name,
            setup,
            solution_source(by_id[exercise.name].source),
            stubs[exercise.name],
            by_id[f"test_{exercise.name}"].source,
        )


VISIBLE_TEST_CASES = [
    pytest.param(path, *parts, id=parts[0]) for path in SOURCE_NOTEBOOKS for parts in exercise_parts(path)
]


def run_cells(*sources):
    from IPython.display import display

    namespace = {"display": display}
    for source in sources:
        exec(compile(source, "<cell>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize(("path", "name", "setup", "solution", "stub", "visible"), VISIBLE_TEST_CASES)
def test_visible_test_passes_solution(path, name, setup, solution, stub, visible):
    run_cells(setup, solution, visible)


@pytest.mark.parametrize(("path", "name", "setup", "solution", "stub", "visible"), VISIBLE_TEST_CASES)
def test_visible_test_explains_typical_mistake(path, name, setup, solution, stub, visible):
    with pytest.raises(AssertionError) as raised:
        run_cells(setup, TYPICAL_MISTAKES[name], visible)
    message = str(raised.value)
    assert "expected:" in message
    assert "received:" in message
    assert "Hint:" in message


@pytest.mark.parametrize(("path", "name", "setup", "solution", "stub", "visible"), VISIBLE_TEST_CASES)
def test_visible_test_explains_stub(path, name, setup, solution, stub, visible):
    assert "raise NotImplementedError()" in stub
    assert "### BEGIN SOLUTION" not in stub
    with pytest.raises(AssertionError, match="is not implemented yet"):
        run_cells(setup, stub, visible)


def test_release_hides_solutions_and_hidden_tests():
    for path in RELEASE_NOTEBOOKS:
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text, path
        assert "BEGIN HIDDEN TESTS" not in text, path
        assert "check_against_reference" not in text, path


def test_release_matches_solutions():
    differences = release_differences(ROOT)
    assert differences == [], "course/ is out of date; run 'dlf-course release':\n" + "\n".join(differences)


def test_environment_file_lists_project_dependencies():
    import yaml

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert sorted(pip_section) == sorted(project["dependencies"] + ["-e ."])
    python = next(item for item in environment["dependencies"] if isinstance(item, str) and item.startswith("python"))
    assert python.replace("python", "") == project["requires-python"]
