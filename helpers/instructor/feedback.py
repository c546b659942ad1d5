"""Write per-student HTML feedback with nbgrader, in parallel, and return it through the exchange.

The preprocessors that ``nbgrader_config.py`` gives ``GenerateFeedback`` remove the code and
messages of hidden tests and put a table of every test and its points at the top
(:mod:`helpers.instructor.preprocessors`).
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
from pathlib import Path

from helpers.instructor.course import check_result
from helpers.instructor.grading import Course, _init_worker

logger = logging.getLogger(__name__)


def graded_pairs(course: Course, students=None, assignments=None) -> list[tuple[str, str]]:
    """Return the (student, assignment) pairs that have an autograded folder, filtered."""
    autograded = course.folder / "autograded"
    pairs = []
    for folder in sorted(autograded.glob("*/*")) if autograded.is_dir() else []:
        student, assignment = folder.parent.name, folder.name
        if folder.is_dir() and (not students or student in students) and (not assignments or assignment in assignments):
            pairs.append((student, assignment))
    return pairs


def _feedback_task(task: dict) -> list[str]:
    course = Course.at(task["root"], task["folder"], task["settings"])
    api = course.api(private_exchange=True)
    written = []
    for assignment in task["assignments"]:
        check_result(api.generate_feedback(assignment, task["student"]), f"generate_feedback {assignment} {task['student']}")
        feedback = course.folder / "feedback" / task["student"] / assignment
        remove_written_files(feedback, course.folder / "submitted" / task["student"] / assignment)
        written += [str(path) for path in feedback.glob("*.html")]
    return written


def remove_written_files(feedback: Path, submitted: Path) -> list[Path]:
    """Delete the files in ``feedback`` that are neither HTML nor part of the submission; return them.

    nbgrader copies every file of the graded folder into the feedback, so a file that the
    student's code wrote while it was graded, such as a ``gradebook.db``, would reach the
    student as if it came from the course.
    """
    removed = []
    for path in sorted(feedback.rglob("*"), reverse=True):
        relative = path.relative_to(feedback)
        if path.is_file() and path.suffix != ".html" and not (submitted / relative).is_file():
            path.unlink()
            removed.append(path)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return removed


def generate_feedback(course: Course, students=None, assignments=None, workers: int | None = None) -> list[Path]:
    """Write ``feedback/<student>/<assignment>/<notebook>.html`` for every graded submission.

    Runs one task per student on ``workers`` processes (default: CPU count). Returns the files.
    """
    by_student: dict[str, list[str]] = {}
    for student, assignment in graded_pairs(course, students, assignments):
        by_student.setdefault(student, []).append(assignment)
    tasks = [
        {
            "root": str(course.root),
            "folder": str(course.folder),
            "settings": course.settings,
            "student": student,
            "assignments": names,
        }
        for student, names in sorted(by_student.items())
    ]
    if not tasks:
        return []
    workers = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    level = logging.getLogger("helpers.instructor").getEffectiveLevel()
    written: list[Path] = []
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker, initargs=(level,)
    ) as pool:
        for paths in pool.map(_feedback_task, tasks):
            written += [Path(path) for path in paths]
    return sorted(written)


def release_feedback(course: Course, students=None, assignments=None) -> int:
    """Copy the feedback into the exchange with ``nbgrader release_feedback``; return the count."""
    api = course.api()
    count = 0
    for student, assignment in graded_pairs(course, students, assignments):
        if (course.folder / "feedback" / student / assignment).is_dir():
            check_result(api.release_feedback(assignment, student), f"release_feedback {assignment} {student}")
            count += 1
    return count
