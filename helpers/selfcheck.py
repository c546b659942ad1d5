"""Check a notebook the way the autograder runs it, for frontends without nbgrader's Validate button.

Colab, VS Code and plain Jupyter have no Validate button. :func:`check_notebook` (or the
``dlf-check`` command) fills that gap:

1. it compares the notebook with its released version (``course/<assignment>/<assignment>.ipynb``)
   and warns about graded cells that were deleted, retyped, edited while locked, or that lost
   their nbgrader metadata;
2. it builds the notebook that the grader would run, with the grader's own repair step: locked
   cells and test cells come from the release, deleted ones are put back, and the answer cells
   are the student's, except those that grading withholds (an answer that imports ``os``, for
   example), which it reports;
3. it runs that notebook in a new kernel with nbgrader's ``Execute`` preprocessor (or nbclient
   where nbgrader is not installed, as in Colab) and reports, per exercise, whether each
   visible test passed, with its message and points.

Hidden tests are not in the release, so the self-check cannot run them: the report lists their
points as still to be earned when the notebook is graded.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from helpers.instructor.notebooks import cell_timeout
from helpers.instructor.repair import METADATA_KEY, SubmissionError, repair_submission

logger = logging.getLogger(__name__)

RUNNING_VARIABLE = "DLF_SELFCHECK"
"""Set in the kernel that the self-check starts, so that a self-check cell in the notebook does not start another."""

DEFAULT_TIMEOUT = 180
"""Seconds that one cell may run, the ``Execute.timeout`` of the course's nbgrader_config.py."""

SETTINGS_KEY = "dl-fundamentals"
"""Key of the notebook metadata in which the release records the notebook's place in the repository."""

ASSIGNMENT_NAME = re.compile(r"[0-9]{2}-[a-z0-9-]+")

QUIET_KERNEL = ["--IPKernelApp.log_level=ERROR"]
"""Kernel arguments that leave out ipykernel's start-up warning about unencrypted loopback sockets."""

GRADED_CELL_TIMEOUT = 60
"""Seconds that an answer or test cell may run, the ``GradingExecute.graded_cell_timeout`` of nbgrader_config.py."""

TIMEOUT_MESSAGE = (
    f"the cell did not finish within the time limit and was stopped. Grading stops answer and test cells "
    f"after {GRADED_CELL_TIMEOUT} s and other cells after {DEFAULT_TIMEOUT} s. Look for a loop that never ends "
    "or a slow computation."
)

STDERR_MESSAGE = (
    "The test printed a warning or other text to stderr, and the grader scores such a test cell 0 even when "
    "every check passed. Make your function run without warnings (a division by zero, for example)."
)

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_NOT_CHECKED = 2


class SelfCheckError(RuntimeError):
    """The notebook or its release cannot be read, so nothing was checked."""


@dataclass(frozen=True)
class VisibleTestResult:
    """The outcome of one visible test cell."""

    grade_id: str
    passed: bool
    points: float
    max_points: float
    message: str


@dataclass
class ExerciseResult:
    """The visible tests of one exercise, and the points of its hidden tests."""

    name: str
    visible: list[VisibleTestResult] = field(default_factory=list)
    hidden_points: float = 0.0

    @property
    def passed(self) -> bool:
        return all(test.passed for test in self.visible)


@dataclass
class SelfCheckReport:
    """The findings of :func:`check_notebook`, shown as text when the report ends a notebook cell."""

    notebook: str
    reference: str = ""
    exercises: list[ExerciseResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    error: str | None = None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        """True when the notebook ran, every visible test passed and no other cell raised an error."""
        if self.skipped:
            return True
        return self.error is None and not self.cell_errors and all(exercise.passed for exercise in self.exercises)

    @property
    def exit_code(self) -> int:
        if self.skipped or self.ok:
            return EXIT_PASSED
        return EXIT_NOT_CHECKED if self.error is not None else EXIT_FAILED

    def text(self) -> str:
        """Return the report as plain text, one block per exercise."""
        if self.skipped:
            return "Self-check skipped: this notebook is already being run by a self-check."
        lines = [f"Self-check of {self.notebook}"]
        if self.reference:
            lines.append(f"compared with the release {self.reference}")
        if self.error is not None:
            lines += ["", f"NOT CHECKED: {self.error}"]
            return "\n".join(lines)

        lines.append("")
        for exercise in self.exercises:
            for test in exercise.visible:
                status = "passed" if test.passed else "FAILED"
                lines.append(f"{exercise.name}: visible test {status} ({test.points:g} of {test.max_points:g} points)")
                lines.extend("    " + line for line in test.message.splitlines() if line.strip())
            if exercise.hidden_points:
                lines.append(f"    hidden tests: {exercise.hidden_points:g} more points, checked when the notebook is graded")

        visible = [test for exercise in self.exercises for test in exercise.visible]
        earned = sum(test.points for test in visible)
        possible = sum(test.max_points for test in visible)
        hidden = sum(exercise.hidden_points for exercise in self.exercises)
        passed = sum(test.passed for test in visible)
        lines += [
            "",
            f"Visible tests: {passed} of {len(visible)} passed, {earned:g} of {possible:g} points. "
            f"Hidden tests: {hidden:g} points when graded.",
        ]
        if self.cell_errors:
            lines += ["", "Cells outside the tests that raised an error:"]
            lines.extend(f"  - {error}" for error in self.cell_errors)
        if self.warnings:
            lines += ["", "Warnings:"]
            lines.extend(f"  - {warning}" for warning in self.warnings)
        lines += ["", "Result: all visible tests pass." if self.ok else "Result: FAILED. Fix the lines above and check again."]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _ipython_display_(self) -> None:
        print(self.text())


def _nbgrader_metadata(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _grade_id(cell) -> str | None:
    return _nbgrader_metadata(cell).get("grade_id")


def _is_answer(cell) -> bool:
    meta = _nbgrader_metadata(cell)
    return bool(meta.get("solution")) and not meta.get("grade")


def _is_test(cell) -> bool:
    meta = _nbgrader_metadata(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def _is_locked(cell) -> bool:
    return bool(_nbgrader_metadata(cell).get("locked"))


def _describe(cell) -> str:
    grade_id = _grade_id(cell)
    if _is_answer(cell):
        return f"answer cell '{grade_id}'"
    if _is_test(cell):
        return f"test cell '{grade_id}'"
    return f"locked cell '{grade_id}'"


def compare_with_release(notebook, release) -> list[str]:
    """Return a warning for each graded or locked cell of ``release`` that ``notebook`` lost or changed.

    Cells are matched by nbgrader ``grade_id``, then by cell id, then by identical source, so a
    cell whose metadata was removed is distinguished from a deleted one.
    """
    warnings = []
    by_grade_id: dict[str, list] = {}
    for cell in notebook.cells:
        grade_id = _grade_id(cell)
        if grade_id is not None:
            by_grade_id.setdefault(grade_id, []).append(cell)
    by_id = {cell.get("id"): cell for cell in notebook.cells}
    by_source = {cell.source.strip(): cell for cell in notebook.cells if cell.source.strip()}

    for grade_id, cells in by_grade_id.items():
        if len(cells) > 1:
            warnings.append(
                f"{len(cells)} cells have the nbgrader id '{grade_id}' (a graded cell was copied): the grader "
                "keeps the first as the graded cell and runs the copies as ordinary cells, so a copy that "
                "defines the same function replaces it wherever the copy runs first. Delete the copies."
            )

    for reference in release.cells:
        grade_id = _grade_id(reference)
        if grade_id is None:
            continue
        what = _describe(reference)
        cells = by_grade_id.get(grade_id)
        if not cells:
            survivor = by_id.get(reference.get("id")) or by_source.get(reference.source.strip())
            if survivor is not None and _is_answer(reference):
                warnings.append(
                    f"The {what} lost its nbgrader metadata. The grader finds it by the functions it defines, "
                    "so keep their names; to be safe, copy your code into that cell of a fresh copy of the "
                    "released notebook."
                )
            elif survivor is not None:
                warnings.append(f"The {what} lost its nbgrader metadata: the grader finds it by its code and runs the released version.")
            elif _is_answer(reference):
                warnings.append(
                    f"The {what} was deleted: the grader puts back the empty answer, which earns no points."
                )
            else:
                warnings.append(f"The {what} was deleted: the grader puts it back from the release.")
            continue
        cell = cells[0]
        if cell.cell_type != reference.cell_type:
            warnings.append(
                f"The {what} was changed from a {reference.cell_type} cell to a {cell.cell_type} cell: "
                f"change it back (in JupyterLab, press Y on the cell for code)."
            )
        elif _is_locked(reference) and cell.source.strip() != reference.source.strip():
            warnings.append(f"The {what} was edited although it is locked: the grader runs the released version.")
    return warnings


def graded_notebook(notebook, release, assignment: str = "this assignment"):
    """Return the notebook that the grader runs, built by the grader's own repair step.

    Locked and test cells take the release's source and cell type, deleted graded cells are put
    back after the cell that precedes them in the release, cells without metadata are matched by
    their code, and answer cells keep the student's code, unless grading would withhold it
    (see :func:`helpers.instructor.repair.repair_submission`).

    Raises
    ------
    helpers.instructor.repair.SubmissionError
        If the grader would reject the notebook, for example because it is another assignment's.
    """
    return repair_submission(notebook, release, assignment).notebook


def withheld_answers(graded) -> list[str]:
    """Return the grader's reason for each answer cell of ``graded`` that grading does not run."""
    repairs = graded.metadata.get(METADATA_KEY, {}).get("repairs", [])
    return [repair["message"] for repair in repairs if repair["kind"] == "withheld"]


def _assignment_of(release) -> str:
    """Return the assignment name that the release records, such as ``01-neurons``, for messages."""
    recorded = release.metadata.get(SETTINGS_KEY, {}).get("path", "")
    match = ASSIGNMENT_NAME.search(recorded)
    return match.group(0) if match else "this assignment"


@contextmanager
def _environment(**variables):
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _nbgrader_available() -> bool:
    try:
        import nbgrader.preprocessors  # noqa: F401
    except ImportError:
        return False
    return True


def run_graded_notebook(notebook, folder: Path, timeout: int = DEFAULT_TIMEOUT, use_nbgrader: bool | None = None):
    """Execute ``notebook`` in a new ``python3`` kernel in ``folder`` and return the executed copy.

    Uses nbgrader's ``ClearOutput`` and ``Execute`` preprocessors when nbgrader is installed
    (``use_nbgrader=None``), and nbclient otherwise. Cells that raise do not stop the run. The
    kernel gets ``NBGRADER_EXECUTION`` as under ``nbgrader validate``, so training cells train on
    less data, and ``DLF_SELFCHECK``, so that a self-check cell in the notebook does nothing.
    """
    notebook = copy.deepcopy(notebook)
    if use_nbgrader is None:
        use_nbgrader = _nbgrader_available()
    resources = {"metadata": {"path": str(folder)}}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    running: list[int] = []

    def remember(cell, cell_index, **_):
        running[:] = [cell_index]

    settings = {
        "timeout": timeout,
        "timeout_func": lambda cell: cell_timeout(cell, timeout, GRADED_CELL_TIMEOUT),
        "kernel_name": "python3",
        "extra_arguments": QUIET_KERNEL, "on_cell_execute": remember,
    }
    with _environment(NBGRADER_EXECUTION="validate", NBGRADER_VALIDATING="1", **{RUNNING_VARIABLE: "1"}):
        try:
            if use_nbgrader:
                from nbgrader.preprocessors import Execute

                Execute(**settings).preprocess(notebook, resources)
            else:
                from nbclient import NotebookClient

                NotebookClient(notebook, allow_errors=True, resources=resources, **settings).execute()
        except Exception as error:
            where = f" while running {_cell_label(notebook.cells[running[0]], running[0] + 1)}" if running else ""
            raise NotebookRunError(f"{type(error).__name__}: {error}{where}") from error
    return notebook


class NotebookRunError(RuntimeError):
    """The kernel died or stopped responding before the last cell ran."""


def _cell_label(cell, number: int) -> str:
    grade_id = _grade_id(cell)
    return f"cell '{grade_id}'" if grade_id else f"cell number {number}"


def _error_lines(cell) -> list[str]:
    """Return ``name: message`` for each error output of ``cell``, with timeouts explained."""
    errors = [output for output in cell.get("outputs", []) if output.output_type == "error"]
    timed_out = any(output.ename == "CellTimeoutError" for output in errors)
    lines = []
    for output in errors:
        if output.ename == "CellTimeoutError":
            lines.append(f"CellTimeoutError: {TIMEOUT_MESSAGE}")
        elif not (timed_out and output.ename == "KeyboardInterrupt"):
            # The grader interrupts a cell that times out, which adds a KeyboardInterrupt.
            lines.append(f"{output.ename}: {output.evalue}")
    return lines


def _output_text(cell) -> tuple[bool, str]:
    """Return whether a test cell failed as nbgrader scores it, and the text of its outputs."""
    failed = False
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            failed = True
        elif output.output_type == "stream":
            if output.name == "stderr":
                failed = True
            parts.append(output.text.rstrip("\n"))
        elif "text/plain" in output.get("data", {}):
            parts.append(output.data["text/plain"])
    # An error ends a cell's run, so its lines come last.
    errors = _error_lines(cell)
    parts.extend(errors)
    if failed and not errors:
        parts.append(STDERR_MESSAGE)
    return failed, "\n".join(parts)


def _score(cell, failed: bool) -> float:
    """Return the points of a test cell, with nbgrader's own rule where nbgrader is installed."""
    max_points = float(_nbgrader_metadata(cell).get("points", 0))
    try:
        from nbgrader.utils import determine_grade
    except ImportError:
        return 0.0 if failed else max_points
    score, _ = determine_grade(cell)
    return float(score if score is not None else 0.0)


def _is_hidden_placeholder(cell) -> bool:
    """Return True for a released hidden-test cell, which keeps only its comment lines."""
    code = [line for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#")]
    return not code


def collect_results(executed, release) -> tuple[list[ExerciseResult], list[str]]:
    """Return the per-exercise test results of an executed graded notebook, and errors of other cells."""
    from helpers.instructor.notebooks import exercises

    cells = {_grade_id(cell): cell for cell in executed.cells if _grade_id(cell) is not None}
    results = []
    for exercise in exercises(release):
        result = ExerciseResult(exercise.name)
        for test_id in exercise.test_ids:
            cell = cells[test_id]
            max_points = float(_nbgrader_metadata(cell).get("points", 0))
            if _is_hidden_placeholder(cell):
                result.hidden_points += max_points
                continue
            failed, message = _output_text(cell)
            points = _score(cell, failed)
            result.visible.append(VisibleTestResult(test_id, not failed and points >= max_points, points, max_points, message))
        results.append(result)

    cell_errors = []
    for number, cell in enumerate(executed.cells, start=1):
        if cell.cell_type != "code" or _is_test(cell):
            continue
        for line in _error_lines(cell):
            cell_errors.append(f"{_cell_label(cell, number)} raised {line}")
    return results, cell_errors


def _colab_notebook():
    """Return the notebook open in this Colab session, read through Colab's frontend."""
    # NOTE: google.colab._message is Colab's private API for talking to its frontend. The tests
    # run this code only against a stand-in module, never in a live Colab session.
    from google.colab import _message

    reply = _message.blocking_request("get_ipynb", timeout_sec=30)
    return nbformat.from_dict(reply["ipynb"])


def _release_path(notebook, notebook_path: Path | None) -> str:
    recorded = notebook.metadata.get(SETTINGS_KEY, {}).get("path")
    if recorded:
        return recorded
    match = ASSIGNMENT_NAME.match(notebook_path.stem) if notebook_path is not None else None
    if match is None:
        raise SelfCheckError(
            "This notebook does not say which course notebook it is (its metadata has no "
            f"'{SETTINGS_KEY}' entry, and its file name does not start like '01-neurons'). "
            "Pass the released notebook: dlf-check NOTEBOOK --reference course/01-neurons/01-neurons.ipynb, "
            "or check_notebook(path, reference='course/01-neurons/01-neurons.ipynb') in a cell."
        )
    return f"course/{match.group(0)}/{match.group(0)}.ipynb"


def _course_roots(notebook_path: Path | None) -> list[Path]:
    from helpers.instructor.course import find_course_root

    roots = []
    for start in ([notebook_path.parent] if notebook_path is not None else []) + [None]:
        try:
            root = find_course_root(start)
        except FileNotFoundError:
            continue
        if root not in roots:
            roots.append(root)
    return roots


def _committed_version(root: Path, relative: str):
    try:
        completed = subprocess.run(
            ["git", "-C", str(root), "show", f"HEAD:{relative}"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if completed.returncode != 0:
        return None
    return nbformat.reads(completed.stdout, as_version=4)


def _download_release(notebook, relative: str):
    from helpers.student_setup import GITHUB_REPOSITORY, PLACEHOLDER_REPOSITORY

    settings = notebook.metadata.get(SETTINGS_KEY, {})
    repository = settings.get("repository")
    if not repository or repository == PLACEHOLDER_REPOSITORY:
        return None, ""
    match = GITHUB_REPOSITORY.fullmatch(repository)
    if match is None:
        return None, ""
    address = (
        f"https://raw.githubusercontent.com/{match['owner']}/{match['name']}/{settings.get('branch', 'main')}/{relative}"
    )
    # NOTE: only reached without a course checkout (Colab); no test downloads from this host.
    with urllib.request.urlopen(address, timeout=30) as response:
        return nbformat.reads(response.read().decode("utf-8"), as_version=4), address


def find_release(notebook, notebook_path: Path | None, reference: str | os.PathLike | None = None):
    """Return the released notebook to compare with, and where it came from.

    Looks in this order:

    1. ``reference``, when given;
    2. ``course/<assignment>/<assignment>.ipynb`` in the course checkout around the notebook, or
       in the checkout this package is installed from. When that file is the notebook being
       checked, its committed version is used instead;
    3. the same path in the repository recorded in the notebook's metadata, downloaded.
    """
    if reference is not None:
        return nbformat.read(reference, as_version=4), str(reference)

    relative = _release_path(notebook, notebook_path)
    for root in _course_roots(notebook_path):
        candidate = root / relative
        if not candidate.is_file():
            continue
        if notebook_path is not None and candidate.resolve() == notebook_path.resolve():
            committed = _committed_version(root, relative)
            if committed is not None:
                return committed, f"{relative} (committed version)"
            continue
        return nbformat.read(candidate, as_version=4), str(candidate)

    try:
        downloaded, address = _download_release(notebook, relative)
    except OSError as error:
        raise SelfCheckError(f"Downloading the release {relative} failed ({error}). Pass reference=... instead.") from error
    if downloaded is not None:
        return downloaded, address
    raise SelfCheckError(
        f"The release {relative} was not found: run the check inside the course folder, or pass "
        "reference='path/to/the/released/notebook.ipynb'."
    )


def _read_notebook(path: Path):
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise SelfCheckError(f"Notebook not found: {path}. Save it and pass its path.") from None
    except (json.JSONDecodeError, nbformat.reader.NotJSONError, UnicodeDecodeError) as error:
        raise SelfCheckError(f"{path} is not a readable notebook ({error}).") from error


def check_notebook(
    path: str | os.PathLike | None = None,
    reference: str | os.PathLike | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    use_nbgrader: bool | None = None,
) -> SelfCheckReport:
    """Run a notebook as the grader would and report its visible tests, per exercise.

    Parameters
    ----------
    path : path, optional
        The notebook file. It checks the saved file, so save first. Omitted, it is the notebook
        of this kernel's session: JupyterLab's ``JPY_SESSION_NAME``, or in Colab the open notebook.
    reference : path, optional
        The released notebook; found in the course checkout when omitted (see :func:`find_release`).
    timeout : int
        Seconds that one cell may run; answer and test cells get at most :data:`GRADED_CELL_TIMEOUT`,
        as when the notebook is graded.
    use_nbgrader : bool, optional
        Force or forbid nbgrader's preprocessors; by default they are used when installed.

    Returns
    -------
    SelfCheckReport
        ``report.ok`` is True when every visible test passed. A notebook cell that ends with
        ``check_notebook(...)`` shows the report.
    """
    if os.environ.get(RUNNING_VARIABLE, "") not in ("", "0"):
        return SelfCheckReport(notebook=str(path or ""), skipped=True)

    notebook_path = None
    try:
        if path is None and "google.colab" in sys.modules:
            notebook = _colab_notebook()
            label = "the notebook open in Colab"
        else:
            if path is None:
                path = os.environ.get("JPY_SESSION_NAME")
            if not path:
                raise SelfCheckError("Pass the notebook's file name, for example check_notebook(\"01-neurons.ipynb\").")
            notebook_path = Path(path).resolve()
            notebook = _read_notebook(notebook_path)
            label = str(path)
        release, reference_label = find_release(notebook, notebook_path, reference)
    except SelfCheckError as error:
        return SelfCheckReport(notebook=str(path or ""), error=str(error))

    report = SelfCheckReport(notebook=label, reference=reference_label)
    report.warnings = compare_with_release(notebook, release)
    expected_name = Path(reference_label).name
    if notebook_path is not None and expected_name.endswith(".ipynb") and notebook_path.name != expected_name:
        report.warnings.append(
            f"The file is named '{notebook_path.name}', but the grader looks for '{expected_name}'. "
            f"Submit it under that name."
        )
    try:
        graded = graded_notebook(notebook, release, _assignment_of(release))
    except SubmissionError as error:
        report.error = f"the grader would not grade this notebook: {error}"
        return report
    report.warnings += [
        f"When graded, {message}. Remove that code." for message in withheld_answers(graded)
    ]
    folder = notebook_path.parent if notebook_path is not None else Path.cwd()
    try:
        executed = run_graded_notebook(graded, folder, timeout=timeout, use_nbgrader=use_nbgrader)
    except Exception as error:  # noqa: BLE001 - a dead kernel or a timeout must become a report, not a traceback
        logger.warning("Running %s failed: %s", label, error)
        reason = str(error) if isinstance(error, NotebookRunError) else f"{type(error).__name__}: {error}"
        report.error = f"the notebook could not run to the end ({reason})"
        return report
    report.exercises, report.cell_errors = collect_results(executed, release)
    return report


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlf-check",
        description="Run a course notebook as the autograder would and report its visible tests. "
        "Exits 0 when all pass, 1 when a test or cell fails, 2 when the notebook could not be checked.",
    )
    parser.add_argument("notebook", help="the notebook file to check (save it first)")
    parser.add_argument("--reference", help="the released notebook to compare with (default: found in course/)")
    parser.add_argument(
        "--timeout", type=int, default=DEFAULT_TIMEOUT,
        help=f"seconds one cell may run (default: %(default)s; answer and test cells at most {GRADED_CELL_TIMEOUT}, as when graded)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    report = check_notebook(arguments.notebook, reference=arguments.reference, timeout=arguments.timeout)
    print(report.text())
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
