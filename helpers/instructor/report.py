"""Export the grades and write an HTML report with plots of the class's results.

The report shows the score distribution of each notebook, the pass rate of each exercise
(hardest first), and every submission that could not be graded or needed repair. It reads
the course gradebook and the ``dlf_grading`` table that :mod:`helpers.instructor.grading`
keeps in it.
"""

from __future__ import annotations

import base64
import html
import io
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from helpers.instructor.course import SOURCE_DIRECTORY
from helpers.instructor.grading import Course, read_ledger
from helpers.instructor.notebooks import exercises


@dataclass
class ClassResults:
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    """assignment -> student -> score."""
    max_scores: dict[str, float] = field(default_factory=dict)
    pass_rates: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    """(assignment, exercise) -> (submissions that passed every test of it, graded submissions)."""
    problems: list[dict] = field(default_factory=list)
    """Ledger rows with an error or a note (repair, withheld cell, timeout), sorted by student and assignment."""


def read_results(course: Course) -> ClassResults:
    """Return the scores, the pass rate of each exercise and the problems of the class."""
    results = ClassResults()
    connection = sqlite3.connect(course.gradebook)
    try:
        for name, in connection.execute("SELECT name FROM assignment ORDER BY name"):
            results.scores[name] = {}
        rows = connection.execute(
            "SELECT a.name, sa.student_id, gc.max_score, COALESCE(g.manual_score, g.auto_score, 0) + COALESCE(g.extra_credit, 0), "
            "bc.name FROM grade g JOIN grade_cells gc ON g.cell_id = gc.id JOIN base_cell bc ON bc.id = gc.id "
            "JOIN submitted_notebook sn ON g.notebook_id = sn.id JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
            "JOIN assignment a ON sa.assignment_id = a.id"
        ).fetchall()
        for name, total in connection.execute(
            "SELECT a.name, SUM(gc.max_score) FROM grade_cells gc JOIN base_cell bc ON bc.id = gc.id "
            "JOIN notebook n ON bc.notebook_id = n.id JOIN assignment a ON n.assignment_id = a.id GROUP BY a.name"
        ):
            results.max_scores[name] = float(total)
    finally:
        connection.close()

    passed_tests: dict[tuple[str, str, str], bool] = {}
    for assignment, student, max_score, score, cell in rows:
        results.scores[assignment][student] = results.scores[assignment].get(student, 0.0) + float(score)
        passed_tests[(assignment, student, cell)] = float(score) >= float(max_score)

    for assignment in results.scores:
        students = sorted(results.scores[assignment])
        for path in sorted((course.root / SOURCE_DIRECTORY / assignment).glob("*.ipynb")):
            for exercise in exercises(nbformat.read(path, as_version=4)):
                passed = sum(
                    all(passed_tests.get((assignment, student, test), False) for test in exercise.test_ids)
                    for student in students
                )
                results.pass_rates[(assignment, exercise.name)] = (passed, len(students))

    for (student, assignment), entry in sorted(read_ledger(course.gradebook).items()):
        notes = entry["notes"]
        if entry["status"] == "error" or notes:
            results.problems.append({"student": student, "assignment": assignment, "status": entry["status"],
                                     "message": entry["message"] or "", "notes": notes})
    return results


def export_grades(course: Course, path: Path) -> Path:
    """Write the grades CSV with nbgrader's own CSV export plugin (one row per student and assignment)."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    path.parent.mkdir(parents=True, exist_ok=True)
    gradebook = Gradebook(f"sqlite:///{course.gradebook}")
    try:
        CsvExportPlugin(to=str(path)).export(gradebook)
    finally:
        gradebook.close()
    return path


def _figure_png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def plot_scores(results: ClassResults):
    """Return a figure with one histogram of the scores per notebook."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    names = [name for name in results.scores if results.scores[name]]
    columns = max(1, min(3, len(names)))
    rows = max(1, -(-len(names) // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.0 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        top = results.max_scores.get(name, 1.0)
        ax.hist(list(results.scores[name].values()), bins=[step - 0.5 for step in range(int(top) + 2)], color="#4c72b0")
        ax.set_title(f"{name} ({len(results.scores[name])} graded)")
        ax.set_xlabel(f"score (of {top:g})")
        ax.set_ylabel("students")
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    figure.tight_layout()
    return figure


def plot_pass_rates(results: ClassResults):
    """Return a horizontal bar chart of the pass rate of every exercise, hardest at the top."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    items = sorted(
        ((passed / total if total else 0.0, f"{assignment}: {name}") for (assignment, name), (passed, total) in results.pass_rates.items()),
        reverse=True,
    )
    figure, ax = plt.subplots(figsize=(7, 0.35 * max(len(items), 3) + 1))
    ax.barh([label for _, label in items], [rate * 100 for rate, _ in items], color="#dd8452")
    ax.set_xlim(0, 100)
    ax.set_xlabel("submissions that pass every test of the exercise (%)")
    ax.set_title("Pass rate per exercise (hardest at the top)")
    figure.tight_layout()
    return figure


def write_report(course: Course, output: Path) -> dict[str, Path]:
    """Write ``grades.csv``, ``scores.png``, ``pass-rates.png`` and ``report.html`` into ``output``."""
    import matplotlib.pyplot as plt

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    results = read_results(course)
    files = {"grades": export_grades(course, output / "grades.csv")}
    images = {}
    for key, plot in (("scores", plot_scores), ("pass-rates", plot_pass_rates)):
        figure = plot(results)
        images[key] = _figure_png(figure)
        plt.close(figure)
        files[key] = output / f"{key}.png"
        files[key].write_bytes(images[key])
    files["report"] = output / "report.html"
    files["report"].write_text(render_html(results, images))
    return files


def render_html(results: ClassResults, images: dict[str, bytes]) -> str:
    """Return the report as one HTML page with the plots embedded."""
    def image(key: str) -> str:
        return f'<img alt="{key}" src="data:image/png;base64,{base64.b64encode(images[key]).decode()}">'

    rows = []
    for (assignment, name), (passed, total) in sorted(results.pass_rates.items(), key=lambda item: item[1][0] / max(item[1][1], 1)):
        rate = passed / total * 100 if total else 0.0
        rows.append(f"<tr><td>{html.escape(assignment)}</td><td>{html.escape(name)}</td><td>{passed} / {total}</td><td>{rate:.0f} %</td></tr>")
    problems = []
    for problem in results.problems:
        details = [problem["message"]] if problem["message"] else []
        details += [f"{note['kind']}: {note['message']}" for note in problem["notes"]]
        items = "".join(f"<li>{html.escape(detail)}</li>" for detail in details)
        problems.append(
            f"<tr><td>{html.escape(problem['student'])}</td><td>{html.escape(problem['assignment'])}</td>"
            f"<td>{html.escape(problem['status'])}</td><td><ul>{items}</ul></td></tr>"
        )
    summary = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{len(scores)}</td><td>{results.max_scores.get(name, 0):g}</td>"
        f"<td>{(sum(scores.values()) / len(scores)) if scores else 0:.2f}</td></tr>"
        for name, scores in results.scores.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Class report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:0.3em 0.6em;text-align:left;vertical-align:top}}</style></head><body>
<h1>Class report</h1>
<h2>Notebooks</h2>
<table><tr><th>notebook</th><th>graded</th><th>points</th><th>mean score</th></tr>{summary}</table>
<h2>Score distribution per notebook</h2>{image("scores")}
<h2>Pass rate per exercise</h2>{image("pass-rates")}
<table><tr><th>notebook</th><th>exercise</th><th>passed</th><th>rate</th></tr>{"".join(rows)}</table>
<h2>Submissions that failed or needed repair ({len(results.problems)})</h2>
<table><tr><th>student</th><th>notebook</th><th>status</th><th>details</th></tr>{"".join(problems)}</table>
</body></html>
"""
