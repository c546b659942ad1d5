"""Grade the corpus of faulty submissions (tests/corpus) in one parallel run and check each one.

Every submission is graded beside the others, so a hostile one that changed another
student's grade would show up as a wrong score elsewhere.
"""

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

import corpus
from helpers.instructor.feedback import generate_feedback
from helpers.instructor.grading import Course, autograde_class, read_ledger
from helpers.instructor.report import read_results, write_report

ROOT = Path(__file__).resolve().parents[1]


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("corpus")
    course_root = corpus.build_course(ROOT, base / "course")
    folder = base / "class"
    corpus.write_class(course_root, folder)
    before = tree_digest(folder / "submitted")
    course = Course.at(course_root, folder, corpus.SETTINGS)
    summary = autograde_class(course, workers=2, progress=False)
    return {"course": course, "summary": summary, "submitted_before": before}


@pytest.fixture(scope="module")
def results(graded):
    return {result.student: result for result in graded["summary"].results}


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda case: case.student)
def test_corpus_score(results, case):
    result = results[case.student]
    if case.expected_score is None:
        assert result.status == "error", result
        assert result.score is None
    else:
        assert result.status == "graded", result
        assert result.score == case.expected_score
        assert result.max_score == corpus.MAX_SCORE


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda case: case.student)
def test_corpus_report_entry(graded, case):
    problems = {problem["student"]: problem for problem in read_results(graded["course"]).problems}
    if not case.report:
        assert case.student not in problems, problems.get(case.student)
        return
    problem = problems[case.student]
    text = " ".join([problem["message"]] + [note["message"] for note in problem["notes"]])
    assert case.report in text


def test_gradebook_matches_expected_scores(graded):
    scores = read_results(graded["course"]).scores[corpus.ASSIGNMENT]
    expected = {case.student: case.expected_score for case in corpus.CASES if case.expected_score is not None}
    assert scores == expected


def test_gradebook_has_one_submission_each(graded):
    connection = sqlite3.connect(graded["course"].gradebook)
    try:
        students = [row[0] for row in connection.execute("SELECT student_id FROM submitted_assignment")]
        grades = connection.execute("SELECT COUNT(*) FROM grade").fetchone()[0]
    finally:
        connection.close()
    graded_students = sorted(case.student for case in corpus.CASES if case.expected_score is not None)
    assert sorted(students) == graded_students
    assert grades == 2 * len(graded_students), "one grade per test cell and submission"


def test_submissions_not_modified(graded):
    assert tree_digest(graded["course"].folder / "submitted") == graded["submitted_before"]


def test_ledger_records_every_submission(graded):
    ledger = read_ledger(graded["course"].gradebook)
    assert sorted(student for student, _ in ledger) == sorted(case.student for case in corpus.CASES)


def test_rerun_grades_nothing_new(graded):
    summary = autograde_class(graded["course"], workers=2, progress=False)
    assert summary.count("skipped") == len(corpus.CASES)
    assert summary.count("graded") == 0


def test_changed_submission_regraded(graded, tmp_path):
    course = graded["course"]
    target = course.folder / "submitted" / "mistake" / corpus.ASSIGNMENT / corpus.NOTEBOOK
    original = target.read_bytes()
    shutil.copyfile(course.folder / "submitted" / "correct" / corpus.ASSIGNMENT / corpus.NOTEBOOK, target)
    try:
        summary = autograde_class(course, workers=2, progress=False)
        regraded = [result for result in summary.results if result.status == "graded"]
        assert [(result.student, result.score) for result in regraded] == [("mistake", 2.0)]
    finally:
        target.write_bytes(original)
        autograde_class(course, students=["mistake"], workers=1, progress=False)
    assert read_results(course).scores[corpus.ASSIGNMENT]["mistake"] == 0.0


def test_feedback_hides_hidden_tests(graded):
    course = graded["course"]
    written = generate_feedback(course, students=["mistake", "correct", "metadata-stripped"], workers=2)
    assert len(written) == 3
    page = (course.folder / "feedback" / "mistake" / corpus.ASSIGNMENT / "00-orientation.html").read_text()
    assert "Your results" in page
    assert "Hint:" in page, "the message of a failing visible test is shown"
    assert "a hidden test failed; its inputs and messages are not shown" in page
    assert "default_rng(2024)" not in page, "the code of hidden tests is never shown"
    assert "BEGIN HIDDEN TESTS" not in page
    stripped = (course.folder / "feedback" / "metadata-stripped" / corpus.ASSIGNMENT / "00-orientation.html").read_text()
    assert "had no nbgrader metadata" in stripped


def test_report_files(graded, tmp_path):
    files = write_report(graded["course"], tmp_path / "report")
    html = files["report"].read_text()
    assert files["scores"].read_bytes().startswith(b"\x89PNG")
    assert files["pass-rates"].read_bytes().startswith(b"\x89PNG")
    assert "this is the notebook of 01-neurons" in html
    assert "count_digits" in html
    rows = files["grades"].read_text().splitlines()
    assert rows[0].startswith("assignment,")
    assert len(rows) == 1 + len(corpus.CASES)
