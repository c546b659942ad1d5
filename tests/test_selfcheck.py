"""The self-check on real notebooks built from the release of 00-orientation."""

import copy
import re
import shutil
import sys
import types
from pathlib import Path

import nbformat
import pytest

from helpers.instructor.mistakes import TYPICAL_MISTAKES
from helpers.instructor.notebooks import build_submission, cell_timeout
from helpers.selfcheck import (
    DEFAULT_TIMEOUT,
    GRADED_CELL_TIMEOUT,
    STDERR_MESSAGE,
    TIMEOUT_MESSAGE,
    NotebookRunError,
    _output_text,
    run_graded_notebook,
    RUNNING_VARIABLE,
    SelfCheckError,
    _colab_notebook,
    check_notebook,
    compare_with_release,
    find_release,
    graded_notebook,
    main,
)

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "00-orientation"
RELEASE_PATH = ROOT / "course" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
SOURCE_PATH = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


@pytest.fixture
def release():
    return nbformat.read(RELEASE_PATH, as_version=4)


@pytest.fixture
def solved(release):
    source = nbformat.read(SOURCE_PATH, as_version=4)
    return build_submission(release, source, {"count_digits": None})


def cell_index(notebook, grade_id):
    return next(i for i, cell in enumerate(notebook.cells) if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def write(notebook, folder, name=f"{ASSIGNMENT}.ipynb"):
    path = folder / name
    nbformat.write(notebook, path)
    return path


def test_solved_notebook_passes(solved, tmp_path, capsys):
    exit_code = main([str(write(solved, tmp_path))])
    output = capsys.readouterr().out

    assert exit_code == 0, output
    assert "count_digits: visible test passed (1 of 1 points)" in output
    assert "count_digits: passed for count_digits(labels=[3, 1, 3, 7])" in output
    assert "hidden tests: 1 more points, checked when the notebook is graded" in output
    assert "Result: all visible tests pass." in output
    assert "Warnings:" not in output


def test_stub_release_fails_as_not_implemented(tmp_path):
    path = tmp_path / f"{ASSIGNMENT}.ipynb"
    shutil.copy(RELEASE_PATH, path)

    report = check_notebook(path, use_nbgrader=False)

    assert report.exit_code == 1
    assert not report.ok
    assert "count_digits: visible test FAILED (0 of 1 points)" in report.text()
    assert "count_digits is not implemented yet" in report.text()
    assert report.cell_errors == []


def test_typical_mistake_fails_with_hint(release, tmp_path, capsys):
    source = nbformat.read(SOURCE_PATH, as_version=4)
    mistake = build_submission(release, source, {"count_digits": TYPICAL_MISTAKES["count_digits"]})

    exit_code = main([str(write(mistake, tmp_path))])
    output = capsys.readouterr().out

    assert exit_code == 1, output
    assert "count_digits: visible test FAILED (0 of 1 points)" in output
    assert "Hint: Return one count for every digit 0 to 9" in output
    assert "Result: FAILED" in output


def test_deleted_test_cell_warns_and_is_restored(solved, tmp_path):
    del solved.cells[cell_index(solved, "test_count_digits")]

    report = check_notebook(write(solved, tmp_path))

    assert report.warnings == ["The test cell 'test_count_digits' was deleted: the grader puts it back from the release."]
    assert [test.grade_id for test in report.exercises[0].visible] == ["test_count_digits"]
    assert report.exercises[0].visible[0].passed
    assert "Warnings:" in report.text()


def test_retyped_answer_cell_warns(solved, release):
    answer = solved.cells[cell_index(solved, "count_digits")]
    solved.cells[cell_index(solved, "count_digits")] = nbformat.v4.new_markdown_cell(answer.source, metadata=answer.metadata)

    warnings = compare_with_release(solved, release)

    assert len(warnings) == 1
    assert warnings[0].startswith("The answer cell 'count_digits' was changed from a code cell to a markdown cell")


def test_answer_without_metadata_matched_by_function(solved, tmp_path):
    answer = solved.cells[cell_index(solved, "count_digits")]
    answer.metadata = {}

    report = check_notebook(write(solved, tmp_path))

    assert report.warnings == [
        "The answer cell 'count_digits' lost its nbgrader metadata. The grader finds it by the functions it defines, "
        "so keep their names; to be safe, copy your code into that cell of a fresh copy of the released notebook."
    ]
    assert report.ok, report.text()


def test_answer_withheld_by_grader_fails(release, tmp_path):
    source = nbformat.read(SOURCE_PATH, as_version=4)
    answer = "import os\n\n\ndef count_digits(labels):\n    return np.bincount(labels, minlength=10)\n"
    notebook = build_submission(release, source, {"count_digits": answer})

    report = check_notebook(write(notebook, tmp_path))

    assert report.exit_code == 1
    assert len(report.warnings) == 1
    assert report.warnings[0].startswith("When graded, count_digits was not run: line 1 imports os")
    assert "This answer was not run when grading" in report.text()


def test_unrelated_notebook_not_checked(tmp_path):
    unrelated = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")])

    report = check_notebook(write(unrelated, tmp_path), reference=RELEASE_PATH)

    assert report.exit_code == 2
    assert report.error.startswith("the grader would not grade this notebook: only 0 of the")


def test_edited_locked_cell_warns_and_is_restored(solved, release):
    test_cell = solved.cells[cell_index(solved, "test_count_digits")]
    test_cell.source = "pass"

    warnings = compare_with_release(solved, release)
    graded = graded_notebook(solved, release)

    assert warnings == ["The test cell 'test_count_digits' was edited although it is locked: the grader runs the released version."]
    assert graded.cells[cell_index(graded, "test_count_digits")].source == release.cells[cell_index(release, "test_count_digits")].source


def test_copied_graded_cell_warns(solved, release):
    solved.cells.append(copy.deepcopy(solved.cells[cell_index(solved, "count_digits")]))

    warnings = compare_with_release(solved, release)

    assert warnings == [
        "2 cells have the nbgrader id 'count_digits' (a graded cell was copied): the grader keeps the first as "
        "the graded cell and runs the copies as ordinary cells, so a copy that defines the same function replaces "
        "it wherever the copy runs first. Delete the copies."
    ]


def test_deleted_cell_goes_back_in_place(solved, release):
    position = cell_index(solved, "test_count_digits")
    del solved.cells[position]

    graded = graded_notebook(solved, release)

    assert cell_index(graded, "test_count_digits") == position
    assert len(graded.cells) == len(release.cells)


def test_release_found_for_copy_outside_course(solved, tmp_path):
    found, label = find_release(solved, write(solved, tmp_path, "Copy of 00-orientation.ipynb"))

    assert label == str(RELEASE_PATH)
    assert [cell.id for cell in found.cells] == [cell.id for cell in nbformat.read(RELEASE_PATH, as_version=4).cells]


def test_release_file_itself_uses_committed_version(release):
    found, label = find_release(release, RELEASE_PATH)

    assert label == f"course/{ASSIGNMENT}/{ASSIGNMENT}.ipynb (committed version)"
    assert len(found.cells) > 0


def test_unknown_notebook_needs_reference(tmp_path):
    notebook = nbformat.v4.new_notebook()

    with pytest.raises(SelfCheckError, match="does not say which course notebook it is") as raised:
        find_release(notebook, tmp_path / "homework.ipynb")

    assert "dlf-check NOTEBOOK --reference course/01-neurons/01-neurons.ipynb" in str(raised.value)


def test_missing_notebook_is_not_checked(tmp_path, capsys):
    exit_code = main([str(tmp_path / "missing.ipynb")])

    assert exit_code == 2
    assert "NOT CHECKED: Notebook not found" in capsys.readouterr().out


def test_check_inside_a_check_is_skipped(monkeypatch):
    monkeypatch.setenv(RUNNING_VARIABLE, "1")

    report = check_notebook("anything.ipynb")

    assert report.skipped
    assert report.exit_code == 0


def test_colab_notebook_is_read_from_frontend(monkeypatch, release):
    message = types.ModuleType("google.colab._message")
    message.blocking_request = lambda request_type, timeout_sec=5: {"ipynb": dict(release)}
    colab = types.ModuleType("google.colab")
    colab._message = message
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab._message", message)

    notebook = _colab_notebook()

    assert [cell.id for cell in notebook.cells] == [cell.id for cell in release.cells]


def test_dead_kernel_names_the_cell(tmp_path):
    cells = ["x = 1", "import os\nos._exit(0)", "y = 2"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in cells])

    with pytest.raises(NotebookRunError, match=r"^DeadKernelError: .* while running cell number 2$"):
        run_graded_notebook(notebook, tmp_path, timeout=60, use_nbgrader=False)


def test_timeout_explained_without_interrupt_noise():
    cell = nbformat.v4.new_code_cell("while True: pass")
    cell.outputs = [
        nbformat.v4.new_output("error", ename="KeyboardInterrupt", evalue="", traceback=[]),
        nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="", traceback=[]),
    ]

    failed, text = _output_text(cell)

    assert failed
    assert text == f"CellTimeoutError: {TIMEOUT_MESSAGE}"


def test_timeouts_match_nbgrader_config():
    config = (ROOT / "nbgrader_config.py").read_text()

    assert re.search(rf"^c\.Execute\.timeout = {DEFAULT_TIMEOUT}$", config, re.MULTILINE)
    assert re.search(rf"^c\.GradingExecute\.graded_cell_timeout = {GRADED_CELL_TIMEOUT}$", config, re.MULTILINE)


def test_graded_cells_get_the_grading_timeout(release):
    answer = release.cells[cell_index(release, "count_digits")]
    test_cell = release.cells[cell_index(release, "test_count_digits")]
    plain = nbformat.v4.new_code_cell("x = 1")

    assert cell_timeout(answer, 180, GRADED_CELL_TIMEOUT) == GRADED_CELL_TIMEOUT
    assert cell_timeout(test_cell, 180, GRADED_CELL_TIMEOUT) == GRADED_CELL_TIMEOUT
    assert cell_timeout(test_cell, 10, GRADED_CELL_TIMEOUT) == 10
    assert cell_timeout(test_cell, None, GRADED_CELL_TIMEOUT) == GRADED_CELL_TIMEOUT
    assert cell_timeout(plain, 180, GRADED_CELL_TIMEOUT) == 180


def test_stderr_failure_explained():
    cell = nbformat.v4.new_code_cell("check()")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="relu_derivative: passed\n"),
        nbformat.v4.new_output("stream", name="stderr", text="RuntimeWarning: invalid value encountered in divide\n"),
    ]

    failed, text = _output_text(cell)

    assert failed
    assert text.endswith(STDERR_MESSAGE)


def test_renamed_copy_warns_about_file_name(solved, tmp_path):
    report = check_notebook(write(solved, tmp_path, "Copy of 00-orientation.ipynb"), reference=RELEASE_PATH)

    assert report.warnings == [
        "The file is named 'Copy of 00-orientation.ipynb', but the grader looks for '00-orientation.ipynb'. "
        "Submit it under that name."
    ]
    assert report.ok, report.text()
