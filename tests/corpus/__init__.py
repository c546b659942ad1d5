"""Faulty submissions of 00-orientation, each built from the release by a small function.

:func:`build_course` writes a course with 00-orientation cut down to its set-up, its data
and its exercise (``count_digits``: 1 point visible, 1 point hidden) plus 01-neurons, whose
release serves as "another assignment". :data:`CASES` lists every submission with its
expected score and the text its report entry must contain. Nothing here is stored as a
file: every submission is generated from the release each time.
"""

from __future__ import annotations

import copy
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from helpers.instructor.notebooks import build_submission, exercises, nbgrader_metadata
from helpers.instructor.release import generate_release

ASSIGNMENT = "00-orientation"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
OTHER_ASSIGNMENT = "01-neurons"
MAX_SCORE = 2.0

CORRECT = '''def count_digits(labels):
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=10)
'''
WRONG = '''def count_digits(labels):
    return np.bincount(np.asarray(labels, dtype=np.int64))
'''

SETTINGS = {
    "Execute": {"timeout": 25},
    "GradingExecute": {"graded_cell_timeout": 8, "unresponsive_grace": 3},
}
"""Shorter timeouts than the course's, so that the runaway submissions finish quickly in tests."""


def build_course(root: Path, target: Path) -> Path:
    """Write the cut-down course into ``target`` and generate its release; return ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("nbgrader_config.py", "pyproject.toml"):
        shutil.copyfile(root / name, target / name)
    source = nbformat.read(root / "solutions" / ASSIGNMENT / NOTEBOOK, as_version=4)
    kept = []
    for cell in source.cells:
        # Keep the graded cells, the text, the cell after the exercise, and the cell that loads
        # MNIST because the hidden test uses y_test. The plots and the training go.
        if cell.cell_type == "markdown" or nbgrader_metadata(cell) or "load_mnist()" in cell.source:
            kept.append(cell)
        elif "count_digits(" in cell.source:
            kept.append(cell)
    source.cells = kept
    # The exercise needs no Keras, and importing TensorFlow is most of a kernel's start-up time.
    setup = next(cell for cell in source.cells if nbgrader_metadata(cell).get("grade_id") == "setup")
    setup.source = "\n".join(
        line for line in setup.source.splitlines() if "import_keras()" not in line and "set_seed(" not in line
    )
    (target / "solutions" / ASSIGNMENT).mkdir(parents=True, exist_ok=True)
    nbformat.write(source, target / "solutions" / ASSIGNMENT / NOTEBOOK)
    shutil.copytree(root / "solutions" / OTHER_ASSIGNMENT, target / "solutions" / OTHER_ASSIGNMENT)
    generate_release(target, target / "course")
    return target


def _notebooks(course: Path):
    release = nbformat.read(course / "course" / ASSIGNMENT / NOTEBOOK, as_version=4)
    source = nbformat.read(course / "solutions" / ASSIGNMENT / NOTEBOOK, as_version=4)
    return release, source


def _with_answer(release, source, code: str | None):
    return build_submission(release, source, {"count_digits": code} if code != "stub" else {})


def _cell_index(notebook, grade_id: str) -> int:
    return [nbgrader_metadata(cell).get("grade_id") for cell in notebook.cells].index(grade_id)


def _as_files(notebook) -> dict[str, bytes]:
    return {NOTEBOOK: nbformat.writes(notebook).encode()}


def _answered(code: str | None):
    def build(release, source):
        return _as_files(_with_answer(release, source, code))

    return build


def _test_deleted(release, source):
    notebook = _with_answer(release, source, None)
    del notebook.cells[_cell_index(notebook, "test_count_digits")]
    return _as_files(notebook)


def _test_edited(release, source):
    notebook = _with_answer(release, source, WRONG)
    notebook.cells[_cell_index(notebook, "test_count_digits")].source = "print('all tests passed')"
    return _as_files(notebook)


def _test_markdown(release, source):
    notebook = _with_answer(release, source, None)
    index = _cell_index(notebook, "test_count_digits")
    test = notebook.cells[index]
    notebook.cells[index] = nbformat.v4.new_markdown_cell(test.source, metadata=copy.deepcopy(test.metadata))
    return _as_files(notebook)


def _answer_duplicated(release, source):
    notebook = _with_answer(release, source, WRONG)
    index = _cell_index(notebook, "count_digits")
    duplicate = copy.deepcopy(notebook.cells[index])
    duplicate.id = "duplicate"
    duplicate.source = CORRECT
    notebook.cells.insert(index + 1, duplicate)
    return _as_files(notebook)


def _metadata_stripped(release, source):
    notebook = _with_answer(release, source, None)
    for cell in notebook.cells:
        cell.metadata = {}
    return _as_files(notebook)


def _ids_missing(release, source):
    content = json.loads(nbformat.writes(_with_answer(release, source, None)))
    for cell in content["cells"]:
        cell.pop("id", None)
    return {NOTEBOOK: json.dumps(content).encode()}


def _ids_duplicated(release, source):
    notebook = _with_answer(release, source, None)
    for cell in notebook.cells:
        cell.id = "same-id"
    content = json.loads(json.dumps(notebook))
    return {NOTEBOOK: json.dumps(content).encode()}


def _nbformat_44(release, source):
    content = json.loads(nbformat.writes(_with_answer(release, source, None)))
    content["nbformat_minor"] = 4
    for cell in content["cells"]:
        cell.pop("id", None)
    return {NOTEBOOK: json.dumps(content).encode()}


def _other_assignment(release, source, course: Path):
    other = (course / "course" / OTHER_ASSIGNMENT / f"{OTHER_ASSIGNMENT}.ipynb").read_bytes()
    return {NOTEBOOK: other}


def _wrongly_named(release, source):
    return {"Untitled.ipynb": nbformat.writes(_with_answer(release, source, None)).encode()}


LOOP = '''def count_digits(labels):
    while True:
        pass
'''
STUBBORN_LOOP = '''def count_digits(labels):
    while True:
        try:
            time.sleep(0.1)
        except KeyboardInterrupt:
            pass
'''
MEMORY_BOMB = '''def count_digits(labels):
    ballast = bytearray(7 * 2**30)
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=10)
'''
OS_EXIT = CORRECT + '''
import os
os._exit(0)
'''
SYS_EXIT = CORRECT + '''
import sys
sys.exit("stop grading here")
'''
CRASH = '''def count_digits(labels):
    if len(labels) > 100:
        # Reads memory far outside the array: a segmentation fault kills the kernel.
        np.lib.stride_tricks.as_strided(np.zeros(1), shape=(10**9,), strides=(10**6,)).sum()
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=10)
'''
HUGE_OUTPUT = CORRECT + '''
print("x" * 3_000_000)
'''
PATCH_NUMPY = WRONG + '''
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
'''
PATCH_CHECKS = WRONG + '''
from helpers import checks
checks.check_function = lambda *args, **kwargs: "passed"
checks.check_against_reference = lambda *args, **kwargs: "passed"
'''
CALL_REFERENCE = '''from helpers import data

def count_digits(labels):
    return data.np.bincount(labels, minlength=10)
'''
READ_OTHERS = '''def count_digits(labels):
    for path in ["../../correct/00-orientation/00-orientation.ipynb", "/etc/hostname"]:
        text = open(path).read()
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=10)
'''
WRITE_GRADEBOOK = WRONG + '''
import sqlite3
connection = sqlite3.connect("../../../gradebook.db")
connection.execute("UPDATE grade SET auto_score = 100")
'''


@dataclass(frozen=True)
class Case:
    """One submission of the corpus."""

    student: str
    kind: str
    """``control``, ``edited``, ``broken`` or ``hostile``."""
    expected_score: float | None
    """Points out of :data:`MAX_SCORE`; None when the submission must be reported as an error."""
    report: str
    """Text the student's report entry must contain; empty when there must be no entry."""
    build: Callable


CASES = [
    Case("correct", "control", 2.0, "", _answered(None)),
    Case("untouched", "control", 0.0, "", _answered("stub")),
    Case("mistake", "control", 0.0, "", _answered(WRONG)),
    Case("test-deleted", "edited", 2.0, "'test_count_digits' was missing; restored", _test_deleted),
    Case("test-edited", "edited", 0.0, "'test_count_digits' was edited; restored", _test_edited),
    Case("test-markdown", "edited", 2.0, "turned into markdown; restored as code", _test_markdown),
    Case("answer-duplicated", "edited", 2.0, "'count_digits' appears 2 times", _answer_duplicated),
    Case("metadata-stripped", "edited", 2.0, "had no nbgrader metadata; matched by function names", _metadata_stripped),
    Case("ids-missing", "edited", 2.0, "missing or repeated id", _ids_missing),
    Case("ids-duplicated", "edited", 2.0, "missing or repeated id", _ids_duplicated),
    Case("nbformat-4-4", "edited", 2.0, "nbformat 4.4; upgraded to 4.5", _nbformat_44),
    Case("empty-file", "broken", None, "is empty", lambda release, source: {NOTEBOOK: b""}),
    Case("invalid-json", "broken", None, "is not valid JSON", lambda release, source: {NOTEBOOK: b'{"cells": [,'}),
    Case("not-a-notebook", "broken", None, "not a Jupyter notebook", lambda release, source: {NOTEBOOK: b'{"name": "x"}'}),
    Case("other-assignment", "broken", None, "this is the notebook of 01-neurons", _other_assignment),
    Case("wrongly-named", "broken", None, "found Untitled.ipynb instead", _wrongly_named),
    Case("infinite-loop", "hostile", 0.0, "cells timed out", _answered(LOOP)),
    Case("stubborn-loop", "hostile", 0.0, "the kernel stopped", _answered(STUBBORN_LOOP)),
    Case("memory-bomb", "hostile", 0.0, "", _answered(MEMORY_BOMB)),
    Case("os-exit", "hostile", 0.0, "imports os (files and processes)", _answered(OS_EXIT)),
    Case("sys-exit", "hostile", 2.0, "", _answered(SYS_EXIT)),
    Case("crash-in-hidden-test", "hostile", 1.0, "the kernel stopped", _answered(CRASH)),
    Case("huge-output", "hostile", 2.0, "output of 1 cells was cut", _answered(HUGE_OUTPUT)),
    Case("patch-numpy", "hostile", 0.0, "assigns to np.allclose", _answered(PATCH_NUMPY)),
    Case("patch-checks", "hostile", 0.0, "imports helpers", _answered(PATCH_CHECKS)),
    Case("call-reference", "hostile", 0.0, "imports helpers", _answered(CALL_REFERENCE)),
    Case("read-others", "hostile", 0.0, "uses open", _answered(READ_OTHERS)),
    Case("write-gradebook", "hostile", 0.0, "imports sqlite3 (the gradebook)", _answered(WRITE_GRADEBOOK)),
]


def write_class(course: Path, folder: Path, cases=CASES) -> None:
    """Write every case's files into ``folder/submitted/<student>/00-orientation/``."""
    release, source = _notebooks(course)
    for case in cases:
        target = folder / "submitted" / case.student / ASSIGNMENT
        target.mkdir(parents=True, exist_ok=True)
        if case.build is _other_assignment:
            files = _other_assignment(release, source, course)
        else:
            files = case.build(release, source)
        for name, data in files.items():
            (target / name).write_bytes(data)


def expected_points(notebook) -> float:
    """Return the points of every exercise of ``notebook``."""
    return sum(exercise.points for exercise in exercises(notebook))
