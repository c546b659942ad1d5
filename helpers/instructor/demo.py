"""Grade a small demonstration class with nbgrader on real data.

The class is built from the instructor notebooks every time, so it always matches them:

``full-marks``
    submits the instructor's solution to every exercise and must get every point;
``untouched``
    submits the release unchanged (every answer still the stub) and must get zero;
``partial``
    answers every other exercise correctly and submits a typical mistake
    (:mod:`helpers.instructor.mistakes`) for the rest, and must get exactly the points
    of the exercises it answered correctly.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from helpers.instructor.course import RELEASE_DIRECTORY, SOURCE_DIRECTORY, assignment_names
from helpers.instructor.feedback import generate_feedback
from helpers.instructor.grading import Course, autograde_class
from helpers.instructor.mistakes import TYPICAL_MISTAKES
from helpers.instructor.notebooks import build_submission, exercises

logger = logging.getLogger(__name__)

STUDENTS = ("full-marks", "partial", "untouched")


@dataclass
class DemoResult:
    """Scores of the demonstration class and where its files are."""

    folder: Path
    scores: dict[tuple[str, str], float] = field(default_factory=dict)
    """Score per (student, assignment), read from the gradebook."""
    expected: dict[tuple[str, str], float] = field(default_factory=dict)
    """Score that each (student, assignment) must get."""
    max_scores: dict[str, float] = field(default_factory=dict)
    grades_csv: Path | None = None
    feedback: list[Path] = field(default_factory=list)

    def mismatches(self) -> list[str]:
        """Return one line per score that differs from the expected one."""
        lines = []
        for key, expected in sorted(self.expected.items()):
            received = self.scores.get(key)
            if received is None or abs(received - expected) > 1e-9:
                lines.append(f"{key[0]} / {key[1]}: expected {expected:g} points, received {received}")
        return lines

    def table(self) -> str:
        """Return the student x assignment score table as text."""
        assignments = sorted(self.max_scores)
        width = max(len(name) for name in assignments)
        header = f"{'student':<12}" + "".join(f"{name:>{width + 2}}" for name in assignments)
        rows = [header, "-" * len(header)]
        for student in STUDENTS:
            cells = "".join(
                f"{self.scores.get((student, name), float('nan')):>{width - 4}g} / {self.max_scores[name]:g}"
                for name in assignments
            )
            rows.append(f"{student:<12}{cells}")
        return "\n".join(rows)


def partial_answers(source, assignment: str) -> tuple[dict[str, str | None], float]:
    """Return the ``partial`` student's answers and the points they must earn.

    Exercises at even positions get the solution, odd positions get the typical mistake.
    """
    answers: dict[str, str | None] = {}
    points = 0.0
    for position, exercise in enumerate(exercises(source)):
        if position % 2 == 0:
            answers[exercise.name] = None
            points += exercise.points
        else:
            if exercise.name not in TYPICAL_MISTAKES:
                raise KeyError(
                    f"No typical mistake for exercise {exercise.name!r} of {assignment}: "
                    "add one to the notebook's module in helpers/instructor/mistakes/."
                )
            answers[exercise.name] = TYPICAL_MISTAKES[exercise.name]
    return answers, points


def run_demo(root: Path, folder: Path, assignments: list[str] | None = None, workers: int | None = None) -> DemoResult:
    """Build the demonstration class in ``folder``, autograde it, write feedback and grades.

    ``folder`` is replaced. The class is graded by :func:`helpers.instructor.grading.autograde_class`
    on ``workers`` processes (default: CPU count), the path a real class takes. Returns the
    scores read back from nbgrader's gradebook.
    """
    folder = Path(folder).resolve()
    if folder.exists():
        shutil.rmtree(folder)
    course = Course.at(root, folder)
    result = DemoResult(folder=folder)
    chosen = assignments or assignment_names(root)
    for assignment in chosen:
        _submit_class(root, folder, assignment, result)

    summary = autograde_class(course, assignments=chosen, workers=workers, progress=False)
    for failure in summary.errors():
        raise RuntimeError(f"Grading {failure.student} / {failure.assignment} failed: {failure.message}")
    result.feedback = generate_feedback(course, workers=workers)

    api = course.api(private_exchange=True)
    _read_scores(api, result)
    result.grades_csv = _export_grades(api, folder)
    return result


def _submit_class(root: Path, folder: Path, assignment: str, result: DemoResult) -> None:
    for source_path in sorted((root / SOURCE_DIRECTORY / assignment).glob("*.ipynb")):
        source = nbformat.read(source_path, as_version=4)
        release = nbformat.read(root / RELEASE_DIRECTORY / assignment / source_path.name, as_version=4)
        everything = {exercise.name: None for exercise in exercises(source)}
        total = sum(exercise.points for exercise in exercises(source))
        partial, partial_points = partial_answers(source, assignment)
        plans = {
            "full-marks": (everything, total),
            "partial": (partial, partial_points),
            "untouched": ({}, 0.0),
        }
        for student, (answers, points) in plans.items():
            target = folder / "submitted" / student / assignment / source_path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(build_submission(release, source, answers), target)
            key = (student, assignment)
            result.expected[key] = result.expected.get(key, 0.0) + points


def _read_scores(api, result: DemoResult) -> None:
    gradebook = api.gradebook
    try:
        for assignment in gradebook.assignments:
            result.max_scores[assignment.name] = assignment.max_score
            for submission in assignment.submissions:
                result.scores[(submission.student.id, assignment.name)] = submission.score
    finally:
        gradebook.close()


def _export_grades(api, folder: Path) -> Path:
    """Write ``grades.csv`` with nbgrader's own CSV export plugin."""
    from nbgrader.plugins import CsvExportPlugin

    path = folder / "grades.csv"
    gradebook = api.gradebook
    try:
        CsvExportPlugin(to=str(path)).export(gradebook)
    finally:
        gradebook.close()
    return path
