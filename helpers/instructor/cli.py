"""The ``dlf-course`` command: regenerate the release and grade the demonstration class."""

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
    result = run_demo(root, Path(arguments.output), arguments.assignment or None)
    print(result.table())
    print(f"\nGrades: {result.grades_csv}")
    print(f"Feedback: {len(result.feedback)} HTML files under {result.folder / 'feedback'}")
    mismatches = result.mismatches()
    for line in mismatches:
        print("Unexpected score:", line, file=sys.stderr)
    return 1 if mismatches else 0


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
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if arguments.verbose else logging.WARNING, format="%(message)s")
    return arguments.handler(arguments)


if __name__ == "__main__":
    sys.exit(main())
