"""Read the nbgrader cells of a notebook and build submissions from the release."""

from __future__ import annotations

import re
from dataclasses import dataclass

import nbformat

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


@dataclass(frozen=True)
class Exercise:
    """One autograded answer cell and the test cells that grade it.

    A test cell belongs to the answer ``name`` when its ``grade_id`` is ``test_<name>`` or
    starts with ``test_<name>_``, the naming rule of every notebook in ``solutions/``.
    """

    name: str
    test_ids: tuple[str, ...]
    points: float


def nbgrader_metadata(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def cell_timeout(cell, timeout: int | None, graded_timeout: int) -> int | None:
    """Return the seconds that ``cell`` may run when graded.

    Answer and test cells get at most ``graded_timeout``, every other cell ``timeout``
    (``None`` or 0: no limit).
    """
    meta = nbgrader_metadata(cell)
    if meta.get("solution") or meta.get("grade"):
        return min(timeout, graded_timeout) if timeout else graded_timeout
    return timeout


def is_autograded_answer(cell) -> bool:
    meta = nbgrader_metadata(cell)
    return cell.cell_type == "code" and meta.get("solution", False) and not meta.get("grade", False)


def is_test(cell) -> bool:
    meta = nbgrader_metadata(cell)
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def exercises(notebook) -> list[Exercise]:
    """Return the exercises of a source or release notebook, in notebook order."""
    tests = [nbgrader_metadata(cell) for cell in notebook.cells if is_test(cell)]
    found = []
    for cell in notebook.cells:
        if not is_autograded_answer(cell):
            continue
        name = nbgrader_metadata(cell)["grade_id"]
        own = [
            test for test in tests if test["grade_id"] == f"test_{name}" or test["grade_id"].startswith(f"test_{name}_")
        ]
        found.append(
            Exercise(name=name, test_ids=tuple(t["grade_id"] for t in own), points=sum(t["points"] for t in own))
        )
    return found


def solution_source(cell_source: str) -> str:
    """Return an answer cell's source without the ``### BEGIN/END SOLUTION`` lines."""
    return SOLUTION_MARKERS.sub("", cell_source)


def build_submission(release, source, answers: dict[str, str | None]):
    """Return a copy of the release notebook with some answer cells filled in.

    ``answers`` maps an exercise name to the code to submit, or to None for the instructor's
    solution taken from ``source``. Exercises not in ``answers`` keep the release's stub.
    """
    solutions = {
        nbgrader_metadata(cell)["grade_id"]: solution_source(cell.source)
        for cell in source.cells
        if is_autograded_answer(cell)
    }
    submission = nbformat.from_dict(release)
    for cell in submission.cells:
        if not is_autograded_answer(cell):
            continue
        name = nbgrader_metadata(cell)["grade_id"]
        if name in answers:
            code = answers[name]
            cell.source = solutions[name] if code is None else code
    return submission
