"""Grade the demonstration class with real nbgrader runs and check every score exactly."""

import csv
from pathlib import Path

import pytest

from helpers.instructor.course import assignment_names
from helpers.instructor.demo import STUDENTS, run_demo

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(ROOT, tmp_path_factory.mktemp("demo"))


def test_demo_grades_every_assignment(demo):
    assert sorted(demo.max_scores) == assignment_names(ROOT)
    for student in STUDENTS:
        for assignment in demo.max_scores:
            assert (student, assignment) in demo.scores, f"{student} has no grade for {assignment}"


def test_full_marks_student_gets_every_point(demo):
    for assignment, max_score in demo.max_scores.items():
        assert max_score > 0
        assert demo.scores[("full-marks", assignment)] == max_score, assignment


def test_untouched_release_scores_zero(demo):
    for assignment in demo.max_scores:
        assert demo.scores[("untouched", assignment)] == 0, assignment


def test_partial_student_gets_exactly_the_right_exercises(demo):
    for assignment in demo.max_scores:
        expected = demo.expected[("partial", assignment)]
        assert demo.scores[("partial", assignment)] == expected, assignment
    assert any(
        0 < demo.scores[("partial", a)] < demo.max_scores[a] for a in demo.max_scores
    ), "the partial student must lose points somewhere, or the typical mistakes are not graded"


def test_no_unexpected_scores(demo):
    assert demo.mismatches() == []


def test_grades_csv_has_a_row_per_student_and_assignment(demo):
    with demo.grades_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(STUDENTS) * len(demo.max_scores)
    scores = {(row["student_id"], row["assignment"]): float(row["score"]) for row in rows}
    assert scores == pytest.approx(demo.scores)


def test_feedback_shows_failing_visible_test_message(demo):
    assert len(demo.feedback) == len(STUDENTS) * len(demo.max_scores)
    untouched = demo.folder / "feedback" / "untouched" / "01-neurons" / "01-neurons.html"
    assert "weighted_sum is not implemented yet" in untouched.read_text()
    partial = demo.folder / "feedback" / "partial" / "01-neurons" / "01-neurons.html"
    assert "Hint:" in partial.read_text()


def test_table_lists_every_student(demo):
    table = demo.table()
    for student in STUDENTS:
        assert student in table


def test_test_cells_produce_no_result_value(demo):
    # nbgrader reads a test cell's execute_result as a partial-credit score.
    import nbformat

    from helpers.instructor.notebooks import is_test

    for path in sorted((demo.folder / "autograded" / "full-marks").rglob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in filter(is_test, notebook.cells):
            kinds = [output.output_type for output in cell.outputs]
            assert "execute_result" not in kinds, f"{path.name}: {cell.metadata.nbgrader.grade_id}"
