"""Measure the throughput of ``dlf-course autograde`` on a generated class.

A class of :data:`STUDENTS` students submits :data:`ASSIGNMENT` (a third each: the solution,
the typical mistakes, the untouched release). It is graded twice from scratch, with 1 and
with 2 worker processes. A notebook's own execution time is read from the cell timings that
nbclient records in each graded notebook: from the first cell's start to the last cell's
reply. It is thus measured in the same run, under the same load, as the grading. The
overhead per notebook is the rest of the 1-worker wall time divided by the class size:
kernel start-up, sandbox, repair, nbgrader's two passes, gradebook copies and merges, and
the run's fixed costs (worker start, gradebook set-up).

Run it alone with ``python -m helpers.bench_grading``; ``make bench`` includes its section.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

ASSIGNMENT = "00-orientation"
"""The quickest notebook to grade per student, so that a class of 60 fits in about 20 minutes."""
TARGET_STUDENTS = 60
STUDENTS = TARGET_STUDENTS
REPEATS = 1
SPEEDUP_BUDGET = 1.7
"""Minimum ratio of 1-worker to 2-worker wall time on two cores."""
OVERHEAD_BUDGET_SECONDS = 3.0
"""Maximum grading time per notebook beyond its own execution, with 1 worker."""


def write_class(root: Path, folder: Path, students: int, assignment: str = ASSIGNMENT) -> list[Path]:
    """Write ``students`` submissions of ``assignment`` under ``folder/submitted``; return their paths."""
    from helpers.instructor.course import RELEASE_DIRECTORY, SOURCE_DIRECTORY
    from helpers.instructor.mistakes import TYPICAL_MISTAKES
    from helpers.instructor.notebooks import build_submission, exercises

    name = f"{assignment}.ipynb"
    source = nbformat.read(root / SOURCE_DIRECTORY / assignment / name, as_version=4)
    release = nbformat.read(root / RELEASE_DIRECTORY / assignment / name, as_version=4)
    plans = [
        {exercise.name: None for exercise in exercises(source)},
        {exercise.name: TYPICAL_MISTAKES[exercise.name] for exercise in exercises(source)},
        {},
    ]
    paths = []
    for index in range(students):
        target = folder / "submitted" / f"student-{index:03d}" / assignment / name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(build_submission(release, source, plans[index % len(plans)]), target)
        paths.append(target)
    return paths


def execution_seconds(notebook) -> float:
    """Return the seconds from the first cell's start to the last cell's reply in a graded notebook."""
    starts, ends = [], []
    for cell in notebook.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            starts.append(datetime.datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00")))
            ends.append(datetime.datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00")))
    if not starts:
        raise ValueError("the graded notebook has no cell timings; nbclient's record_timing must be on")
    return (max(ends) - min(starts)).total_seconds()


def benchmark_grading(root: Path | None = None, students: int = STUDENTS, repeats: int = REPEATS) -> dict:
    """Grade a generated class with 1 and 2 workers and return the timings.

    Returns a dict with ``students``, ``assignment``, ``one_worker_seconds``,
    ``two_worker_seconds``, ``speedup``, ``execution_seconds`` (mean over the 1-worker
    run's notebooks), ``overhead_seconds`` (per notebook, 1 worker), the budgets and whether
    each is met, and ``estimate_seconds``: the 2-worker time for :data:`TARGET_STUDENTS`
    students, scaled linearly from this run. Each wall time is the best of ``repeats`` rounds.
    """
    from helpers.instructor.course import find_course_root
    from helpers.instructor.grading import Course, autograde_class

    root = Path(root or find_course_root())
    timings: dict[int, list[float]] = {1: [], 2: []}
    executions = []
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as scratch:
        scratch = Path(scratch)
        # 1 and 2 workers alternate, and the best round of each counts, so that a burst of
        # load from other processes does not land on one setting only.
        for round_number in range(repeats):
            for workers in (1, 2):
                folder = scratch / f"class-{round_number}-{workers}"
                write_class(root, folder, students)
                summary = autograde_class(Course.at(root, folder), workers=workers, progress=False)
                failed = summary.errors()
                if failed:
                    raise RuntimeError(f"grading failed for {failed[0].student}: {failed[0].message}")
                timings[workers].append(summary.seconds)
                if workers == 1:
                    graded = sorted((folder / "autograded").glob(f"*/{ASSIGNMENT}/*.ipynb"))
                    executed = [execution_seconds(nbformat.read(path, as_version=4)) for path in graded]
                    executions.append(statistics.mean(executed))
                shutil.rmtree(folder)

    best = {workers: min(values) for workers, values in timings.items()}
    execution = executions[timings[1].index(best[1])]
    overhead = best[1] / students - execution
    speedup = best[1] / best[2]
    return {
        "assignment": ASSIGNMENT,
        "students": students,
        "one_worker_seconds": best[1],
        "two_worker_seconds": best[2],
        "repeats": repeats,
        "speedup": speedup,
        "execution_seconds": execution,
        "overhead_seconds": overhead,
        "speedup_within_budget": speedup >= SPEEDUP_BUDGET,
        "overhead_within_budget": overhead <= OVERHEAD_BUDGET_SECONDS,
        "estimate_seconds": best[2] / students * TARGET_STUDENTS,
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan"),
    }


def render(result: dict) -> str:
    verdict = {True: "yes", False: "NO"}
    return "\n".join(
        [
            "## Grading throughput",
            "",
            f"`dlf-course autograde` on a generated class of {result['students']} students submitting "
            f"`{result['assignment']}` (solution, typical mistakes and untouched release in turn), graded from an "
            f"empty gradebook, {_rounds(result['repeats'])}. *Execution* is the mean time from a graded notebook's first cell to its last reply, "
            "read from nbclient's cell timings in the 1-worker run. *Overhead* is the 1-worker wall time per notebook "
            "minus execution, so it includes kernel start-up and the run's fixed costs. "
            f"Budgets: 2 workers at least {SPEEDUP_BUDGET:g} x faster than 1, overhead at most "
            f"{OVERHEAD_BUDGET_SECONDS:g} s per notebook.",
            "",
            "| students | 1 worker (s) | 2 workers (s) | speed-up | execution per notebook (s) | overhead per notebook (s) "
            "| speed-up within budget | overhead within budget |",
            "|---:|---:|---:|---:|---:|---:|---|---|",
            f"| {result['students']} | {result['one_worker_seconds']:.1f} | {result['two_worker_seconds']:.1f} "
            f"| {result['speedup']:.2f} | {result['execution_seconds']:.1f} | {result['overhead_seconds']:.1f} "
            f"| {verdict[result['speedup_within_budget']]} | {verdict[result['overhead_within_budget']]} |",
            "",
            *_estimate_lines(result),
            f"The 1-minute load average was {result['load_average']:.1f} on {result['cpu_count']} cores when the run "
            "ended; other processes on the machine lengthen every figure.",
            "",
        ]
    )


def _rounds(repeats: int) -> str:
    if repeats == 1:
        return "one round with 1 worker, then one with 2"
    return f"best of {repeats} alternating rounds per setting"


def _estimate_lines(result: dict) -> list[str]:
    if result["students"] >= TARGET_STUDENTS:
        return [
            "For another notebook, scale the 2-worker time by its autograde time in the table of notebooks above.",
            "",
        ]
    return [
        f"Estimate, not measured: {TARGET_STUDENTS} students of this notebook with 2 workers would take about "
        f"{result['estimate_seconds'] / 60:.1f} minutes, scaling this run linearly. For another notebook, scale by "
        "its autograde time in the table above.",
        "",
    ]


def markdown_section() -> str:
    """Run the benchmark with its defaults and return it as a section of ``docs/benchmarks.md``."""
    return render(benchmark_grading())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m helpers.bench_grading", description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=STUDENTS, help=f"class size (default {STUDENTS})")
    parser.add_argument("--repeats", type=int, default=REPEATS, help=f"rounds per setting; the best counts (default {REPEATS})")
    arguments = parser.parse_args(argv)
    print(render(benchmark_grading(students=arguments.students, repeats=arguments.repeats)))


if __name__ == "__main__":
    main()
