"""The ``dlf-course`` command: release the course, collect, autograde, give feedback and report."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from helpers.instructor.course import find_course_root


def _release(arguments) -> int:
    from helpers.instructor.release import release_differences, update_release

    root = find_course_root(arguments.root)
    if arguments.check:
        differences = release_differences(root)
        for line in differences:
            print(line)
        if differences:
            print("course/ is out of date: run 'dlf-course release' and commit the result.", file=sys.stderr)
            return 1
        print("course/ matches the release generated from solutions/.")
        return 0
    written = update_release(root)
    print(f"Wrote {len(written)} notebooks to {root / 'course'}.")
    return 0


def _demo(arguments) -> int:
    from helpers.instructor.demo import run_demo

    root = find_course_root(arguments.root)
    result = run_demo(root, Path(arguments.output), arguments.assignment or None, workers=arguments.workers)
    print(result.table())
    print(f"\nGrades: {result.grades_csv}")
    print(f"Feedback: {len(result.feedback)} HTML files under {result.folder / 'feedback'}")
    mismatches = result.mismatches()
    for line in mismatches:
        print("Unexpected score:", line, file=sys.stderr)
    return 1 if mismatches else 0


def _course(arguments):
    from helpers.instructor.grading import Course

    return Course.at(find_course_root(arguments.root), arguments.course_dir)


def _collect(arguments) -> int:
    from helpers.instructor.collect import collect_submissions
    from helpers.instructor.course import RELEASE_DIRECTORY

    course = _course(arguments)
    result = collect_submissions(Path(arguments.source), course.folder, course.root / RELEASE_DIRECTORY)
    for item in result.collected:
        action = "replaced" if item.replaced else "collected"
        print(f"{action} {item.source} -> {item.target.relative_to(course.folder)}")
    for name, reason in result.unmatched:
        print(f"NOT COLLECTED {name}: {reason}", file=sys.stderr)
    print(f"{len(result.collected)} submissions collected, {len(result.unmatched)} files not matched.")
    return 1 if result.unmatched else 0


def _autograde(arguments) -> int:
    from helpers.instructor.grading import autograde_class

    course = _course(arguments)
    summary = autograde_class(
        course,
        students=arguments.student,
        assignments=arguments.assignment,
        workers=arguments.workers,
        force=arguments.force,
        retry_errors=arguments.retry_errors,
        progress=not arguments.no_progress,
    )
    for result in summary.errors():
        print(f"ERROR {result.student} / {result.assignment}: {result.message}", file=sys.stderr)
    print(
        f"{summary.count('graded')} graded, {summary.count('error')} errors, {summary.count('skipped')} unchanged "
        f"and skipped, in {summary.seconds:.0f} s with {summary.workers} workers. Gradebook: {course.gradebook}"
    )
    return 1 if summary.errors() else 0


def _feedback(arguments) -> int:
    from helpers.instructor.feedback import generate_feedback, release_feedback

    course = _course(arguments)
    written = generate_feedback(course, arguments.student, arguments.assignment, arguments.workers)
    print(f"Wrote {len(written)} feedback files under {course.folder / 'feedback'}.")
    if arguments.release:
        count = release_feedback(course, arguments.student, arguments.assignment)
        print(f"Released the feedback of {count} submissions to the exchange.")
    return 0


def _report(arguments) -> int:
    from helpers.instructor.report import write_report

    course = _course(arguments)
    output = Path(arguments.output) if arguments.output else course.folder / "reports"
    files = write_report(course, output)
    for name, path in files.items():
        print(f"{name}: {path}")
    return 0


def _add_selection(command, workers: bool = True) -> None:
    command.add_argument("--course-dir", help="folder with submitted/, autograded/ and gradebook.db (default: the course root)")
    command.add_argument("--student", action="append", help="only this student id (repeatable)")
    command.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    if workers:
        command.add_argument("--workers", type=int, help="parallel grading processes (default: the number of CPU cores)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dlf-course", description=__doc__)
    parser.add_argument("--root", help="course folder (default: found from the current directory)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each nbgrader step")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="regenerate course/ from solutions/ with nbgrader")
    release.add_argument("--check", action="store_true", help="only report whether course/ is out of date")
    release.set_defaults(handler=_release)

    demo = commands.add_parser("demo", help="grade the demonstration class and print its scores")
    demo.add_argument("--output", default="build/demo", help="folder for the class, grades and feedback")
    demo.add_argument("--assignment", action="append", help="grade only this assignment (repeatable)")
    demo.add_argument("--workers", type=int, help="parallel grading processes (default: the number of CPU cores)")
    demo.set_defaults(handler=_demo)

    collect = commands.add_parser(
        "collect", help="sort downloaded <student>_<notebook>.ipynb files (a folder or a zip) into submitted/"
    )
    collect.add_argument("source", help="folder or zip file of the downloaded submissions")
    collect.add_argument("--course-dir", help="folder that receives submitted/ (default: the course root)")
    collect.set_defaults(handler=_collect)

    autograde = commands.add_parser("autograde", help="grade submitted/ in parallel into the course gradebook")
    _add_selection(autograde)
    autograde.add_argument("--force", action="store_true", help="grade again submissions that are already graded")
    autograde.add_argument("--retry-errors", action="store_true", help="grade again submissions that failed with an error")
    autograde.add_argument("--no-progress", action="store_true", help="print no progress bar")
    autograde.set_defaults(handler=_autograde)

    feedback = commands.add_parser("feedback", help="write HTML feedback for every graded submission")
    _add_selection(feedback)
    feedback.add_argument("--release", action="store_true", help="also copy the feedback into nbgrader's exchange")
    feedback.set_defaults(handler=_feedback)

    report = commands.add_parser("report", help="export grades.csv and write report.html with plots")
    report.add_argument("--course-dir", help="folder with gradebook.db (default: the course root)")
    report.add_argument("--output", help="folder for the report (default: <course-dir>/reports)")
    report.set_defaults(handler=_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if arguments.verbose else logging.WARNING, format="%(message)s")
    from helpers.instructor.grading import quiet_nbgrader_warnings

    quiet_nbgrader_warnings()
    return arguments.handler(arguments)


if __name__ == "__main__":
    sys.exit(main())
