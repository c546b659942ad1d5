"""The multi-user path through nbgrader's exchange, with simulated JupyterHub students.

The instructor releases, collects, autogrades and returns feedback with the course's tools;
three students, each with their own home folder and ``JUPYTERHUB_USER``, fetch, answer,
submit and fetch their feedback with nbgrader's own command line, as they would on a hub.
"""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import corpus
from helpers.instructor.feedback import generate_feedback, release_feedback
from helpers.instructor.grading import Course, autograde_class
from helpers.instructor.notebooks import build_submission
from helpers.instructor.course import check_result

ROOT = Path(__file__).resolve().parents[1]
COURSE_ID = "dlf-test"
ANSWERS = {"alice": corpus.CORRECT, "bob": corpus.WRONG, "carol": None}
EXPECTED = {"alice": 2.0, "bob": 0.0, "carol": 0.0}


def student_command(home: Path, student: str, exchange: Path, *arguments: str) -> str:
    environment = dict(os.environ, HOME=str(home), JUPYTERHUB_USER=student, DLF_OFFLINE="1")
    command = [
        sys.executable, "-m", "nbgrader", *arguments,
        f"--Exchange.root={exchange}", f"--CourseDirectory.course_id={COURSE_ID}",
        f"--CourseDirectory.student_id={student}",
    ]
    completed = subprocess.run(command, cwd=home, env=environment, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout + completed.stderr


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    base = tmp_path_factory.mktemp("hub")
    course_root = corpus.build_course(ROOT, base / "course")
    exchange = base / "exchange"
    exchange.mkdir()
    settings = {"Exchange": {"root": str(exchange)}, "CourseDirectory": {"course_id": COURSE_ID}}
    course = Course.at(course_root, base / "instructor", settings)
    course.folder.mkdir()
    check_result(course.api().release_assignment(corpus.ASSIGNMENT), "release_assignment")

    homes = {}
    for student, code in ANSWERS.items():
        home = base / "home" / student
        home.mkdir(parents=True)
        homes[student] = home
        student_command(home, student, exchange, "fetch_assignment", corpus.ASSIGNMENT)
        path = home / corpus.ASSIGNMENT / corpus.NOTEBOOK
        fetched = nbformat.read(path, as_version=4)
        source = nbformat.read(course_root / "solutions" / corpus.ASSIGNMENT / corpus.NOTEBOOK, as_version=4)
        answers = {} if code is None else {"count_digits": code}
        nbformat.write(build_submission(fetched, source, answers), path)
        student_command(home, student, exchange, "submit", corpus.ASSIGNMENT)

    check_result(course.api().collect(corpus.ASSIGNMENT), "collect")
    summary = autograde_class(course, workers=2, progress=False)
    generate_feedback(course, workers=2)
    released = release_feedback(course)
    for student, home in homes.items():
        student_command(home, student, exchange, "fetch_feedback", corpus.ASSIGNMENT)
    return {"course": course, "summary": summary, "homes": homes, "released": released, "exchange": exchange}


def test_collect_puts_every_student_in_submitted(hub):
    submitted = hub["course"].folder / "submitted"
    assert sorted(path.name for path in submitted.iterdir()) == sorted(ANSWERS)
    for student in ANSWERS:
        assert (submitted / student / corpus.ASSIGNMENT / corpus.NOTEBOOK).is_file()
        assert (submitted / student / corpus.ASSIGNMENT / "timestamp.txt").is_file()


def test_exchange_submissions_graded(hub):
    scores = {result.student: result.score for result in hub["summary"].results}
    assert scores == EXPECTED


def test_students_fetch_their_own_feedback(hub):
    assert hub["released"] == len(ANSWERS)
    for student, home in hub["homes"].items():
        pages = list((home / corpus.ASSIGNMENT / "feedback").rglob("*.html"))
        assert len(pages) == 1, f"{student} should receive exactly one feedback page"
        text = pages[0].read_text()
        assert "Your results" in text
        assert "BEGIN HIDDEN TESTS" not in text
        others = [other for other in ANSWERS if other != student]
        assert not any(f"/{other}/" in text for other in others)


def test_exchange_holds_each_students_submission(hub):
    inbound = hub["exchange"] / COURSE_ID / "inbound"
    submitters = sorted({entry.name.split("+")[0] for entry in inbound.iterdir()})
    assert submitters == sorted(ANSWERS)
