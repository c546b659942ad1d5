"""Autograde a class in parallel and merge the results into the course gradebook.

nbgrader keeps grades in one SQLite gradebook, which is not safe for concurrent writers.
Each submission is therefore graded by a worker process in a task folder of its own, with
a private copy of the gradebook that contains only the assignments' definitions. The
coordinating process is the only writer of the course gradebook. It merges each finished
task in one SQLite transaction, which replaces the student's rows for that assignment and
records the task in the ``dlf_grading`` table. A run killed at any moment therefore leaves
either the old grade or the new one, never a part of either.

``dlf_grading`` holds, per student and assignment, a fingerprint of the submitted files,
``graded`` or ``error``, the error message and the notes of the repairs. A rerun skips
every submission whose files still have the recorded fingerprint, so it grades only what
an interrupted run left, and what changed since.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import datetime
import fcntl
import hashlib
import json
import logging
import multiprocessing
import os
import re
import shutil
import signal
import sqlite3
import sys
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from traitlets.config import Config

from helpers.instructor.course import (
    RELEASE_DIRECTORY,
    SOURCE_DIRECTORY,
    assignment_names,
    check_result,
    load_course_config,
    make_api,
)
from helpers.instructor.repair import METADATA_KEY, SubmissionError, raw_format_notes, read_submission

logger = logging.getLogger(__name__)

STATE_DIRECTORY = ".grading"
"""Folder of the course folder that holds task folders, the template gradebook and the run lock."""

LEDGER_TABLE = "dlf_grading"
MERGE_DELAY_VARIABLE = "DLF_GRADING_MERGE_DELAY"
"""Seconds to wait inside each merge transaction before it commits; only for the crash test."""

_MAX_ATTEMPTS = 3
"""Times a submission is tried when its grading process dies, before it is recorded as an error."""


@dataclass(frozen=True)
class Course:
    """Where the course's notebooks are and where its class's files go.

    ``root`` is the checkout with ``nbgrader_config.py``, ``solutions/`` and ``course/``.
    ``folder`` contains nbgrader's ``submitted/``, ``autograded/``, ``feedback/`` and
    ``gradebook.db``; it defaults to ``root``, as for plain nbgrader commands.
    """

    root: Path
    folder: Path
    settings: dict = field(default_factory=dict, compare=False)
    """nbgrader settings that override ``nbgrader_config.py``, as ``{"Class": {"trait": value}}``."""

    @classmethod
    def at(cls, root, folder=None, settings: dict | None = None) -> "Course":
        root = Path(root).resolve()
        return cls(root, Path(folder).resolve() if folder else root, dict(settings or {}))

    @property
    def gradebook(self) -> Path:
        return self.folder / "gradebook.db"

    @property
    def state(self) -> Path:
        return self.folder / STATE_DIRECTORY

    def config(self, folder: Path | None = None, gradebook: Path | None = None, private_exchange: bool = False):
        """Return nbgrader settings for this course, pointed at ``folder`` and ``gradebook``."""
        config = load_course_config(self.root)
        config.merge(Config(self.settings))
        folder = Path(folder or self.folder)
        config.CourseDirectory.root = str(folder)
        config.CourseDirectory.source_directory = str(self.root / SOURCE_DIRECTORY)
        config.CourseDirectory.release_directory = str(self.root / RELEASE_DIRECTORY)
        config.CourseDirectory.db_url = f"sqlite:///{gradebook or self.gradebook}"
        if private_exchange:
            # NbGraderAPI checks the exchange when it starts; grading does not use it.
            exchange = self.state / "exchange"
            exchange.mkdir(parents=True, exist_ok=True)
            config.Exchange.root = str(exchange)
        return config

    def api(self, **kwargs):
        return make_api(self.config(**kwargs))


@dataclass
class TaskResult:
    """The outcome of grading one student's submission of one assignment."""

    student: str
    assignment: str
    status: str
    """``graded``, ``error`` or ``skipped`` (unchanged since the last run)."""
    message: str = ""
    notes: list[dict] = field(default_factory=list)
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0


@dataclass
class GradingSummary:
    results: list[TaskResult] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 1

    def count(self, status: str) -> int:
        return sum(result.status == status for result in self.results)

    def errors(self) -> list[TaskResult]:
        return [result for result in self.results if result.status == "error"]


def submission_fingerprint(folder: Path) -> str:
    """Return the SHA-256 of every file's relative path and content in ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    connection.execute("PRAGMA busy_timeout = 60000")
    return connection


def ensure_ledger(gradebook: Path) -> None:
    connection = _connect(gradebook)
    try:
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {LEDGER_TABLE} ("
            "student_id VARCHAR(128) NOT NULL, assignment VARCHAR(128) NOT NULL, "
            "fingerprint VARCHAR(64) NOT NULL, status VARCHAR(16) NOT NULL, message TEXT, notes TEXT, "
            "graded_at VARCHAR(32), seconds FLOAT, PRIMARY KEY (student_id, assignment))"
        )
        connection.execute(
            "CREATE TABLE IF NOT EXISTS dlf_assignment_source (assignment VARCHAR(128) PRIMARY KEY, sha256 VARCHAR(64))"
        )
    finally:
        connection.close()


def read_ledger(gradebook: Path) -> dict[tuple[str, str], dict]:
    """Return the ``dlf_grading`` rows keyed by (student, assignment)."""
    if not gradebook.exists():
        return {}
    connection = _connect(gradebook)
    connection.row_factory = sqlite3.Row
    try:
        exists = connection.execute("SELECT name FROM sqlite_master WHERE name = ?", (LEDGER_TABLE,)).fetchone()
        if not exists:
            return {}
        rows = connection.execute(f"SELECT * FROM {LEDGER_TABLE}").fetchall()
    finally:
        connection.close()
    ledger = {}
    for row in rows:
        entry = dict(row)
        entry["notes"] = json.loads(entry["notes"] or "[]")
        ledger[(entry["student_id"], entry["assignment"])] = entry
    return ledger


def _graded_pairs(gradebook: Path) -> set[tuple[str, str]]:
    connection = _connect(gradebook)
    try:
        rows = connection.execute(
            "SELECT sa.student_id, a.name FROM submitted_assignment sa JOIN assignment a ON sa.assignment_id = a.id"
        ).fetchall()
    finally:
        connection.close()
    return {(student, assignment) for student, assignment in rows}


def prepare_gradebook(course: Course, assignments: list[str]) -> None:
    """Store the definitions (cells and points) of ``assignments`` in the course gradebook.

    Runs ``nbgrader generate_assignment`` in a scratch folder against the course gradebook,
    only for assignments whose instructor notebooks changed since the last time.
    """
    course.folder.mkdir(parents=True, exist_ok=True)
    if not course.gradebook.exists():
        course.state.mkdir(parents=True, exist_ok=True)
        course.api(folder=course.state, private_exchange=True).gradebook.close()
    ensure_ledger(course.gradebook)
    connection = _connect(course.gradebook)
    try:
        recorded = dict(connection.execute("SELECT assignment, sha256 FROM dlf_assignment_source").fetchall())
    finally:
        connection.close()
    for assignment in assignments:
        digest = submission_fingerprint(course.root / SOURCE_DIRECTORY / assignment)
        if recorded.get(assignment) == digest:
            continue
        scratch = course.state / "generate" / uuid.uuid4().hex
        scratch.mkdir(parents=True)
        try:
            config = course.config(folder=scratch, private_exchange=True)
            config.CourseDirectory.release_directory = str(scratch / "release")
            api = make_api(config)
            check_result(api.generate_assignment(assignment), f"generate_assignment {assignment}")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        connection = _connect(course.gradebook)
        try:
            connection.execute("INSERT OR REPLACE INTO dlf_assignment_source VALUES (?, ?)", (assignment, digest))
        finally:
            connection.close()


def _make_template(course: Course, path: Path) -> None:
    """Copy the course gradebook to ``path`` without students or submissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    source = _connect(course.gradebook)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
        for table in ("grade", "comment", "submitted_notebook", "submitted_assignment", "student", LEDGER_TABLE):
            target.execute(f"DELETE FROM {table}")
        target.commit()
    finally:
        target.close()
        source.close()


def find_submissions(course: Course, students=None, assignments=None) -> list[tuple[str, str]]:
    """Return the (student, assignment) pairs under ``submitted/``, filtered and sorted."""
    submitted = course.folder / "submitted"
    known = set(assignment_names(course.root))
    pairs = []
    if not submitted.is_dir():
        return pairs
    for student_folder in sorted(submitted.iterdir()):
        if not student_folder.is_dir() or (students and student_folder.name not in students):
            continue
        for assignment_folder in sorted(student_folder.iterdir()):
            name = assignment_folder.name
            if assignment_folder.is_dir() and name in known and (not assignments or name in assignments):
                pairs.append((student_folder.name, name))
    return pairs


def _column_list(connection, table: str) -> str:
    return ", ".join(row[1] for row in connection.execute(f"PRAGMA main.table_info({table})"))


def merge_result(course: Course, result: TaskResult, fingerprint: str, task_gradebook: Path | None) -> None:
    """Replace the student's grades for the assignment with the task's, in one transaction.

    For a result with status ``error`` the student's old grades for the assignment are
    removed, so the gradebook never shows a grade for files that are no longer submitted.
    """
    connection = _connect(course.gradebook)
    attached = False
    try:
        if task_gradebook is not None:
            connection.execute("ATTACH DATABASE ? AS worker", (str(task_gradebook),))
            attached = True
        connection.execute("BEGIN IMMEDIATE")
        try:
            _replace_rows(connection, result, attached)
            connection.execute(
                f"INSERT OR REPLACE INTO {LEDGER_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    result.student,
                    result.assignment,
                    fingerprint,
                    result.status,
                    result.message,
                    json.dumps(result.notes),
                    datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                    result.seconds,
                ),
            )
            delay = float(os.environ.get(MERGE_DELAY_VARIABLE, "0") or 0)
            if delay > 0:
                time.sleep(delay)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    finally:
        if attached:
            connection.execute("DETACH DATABASE worker")
        connection.close()


def _replace_rows(connection, result: TaskResult, attached: bool) -> None:
    old = connection.execute(
        "SELECT sa.id FROM main.submitted_assignment sa JOIN main.assignment a ON sa.assignment_id = a.id "
        "WHERE a.name = ? AND sa.student_id = ?",
        (result.assignment, result.student),
    ).fetchall()
    for (old_id,) in old:
        notebooks = "SELECT id FROM main.submitted_notebook WHERE assignment_id = ?"
        connection.execute(f"DELETE FROM main.grade WHERE notebook_id IN ({notebooks})", (old_id,))
        connection.execute(f"DELETE FROM main.comment WHERE notebook_id IN ({notebooks})", (old_id,))
        connection.execute("DELETE FROM main.submitted_notebook WHERE assignment_id = ?", (old_id,))
        connection.execute("DELETE FROM main.submitted_assignment WHERE id = ?", (old_id,))
    # Every student gets a row, so nbgrader's export lists a failed submission with 0 points.
    connection.execute("INSERT OR IGNORE INTO main.student (id) VALUES (?)", (result.student,))
    if result.status != "graded" or not attached:
        return
    new = connection.execute(
        "SELECT sa.id FROM worker.submitted_assignment sa JOIN worker.assignment a ON sa.assignment_id = a.id "
        "WHERE a.name = ? AND sa.student_id = ?",
        (result.assignment, result.student),
    ).fetchone()
    if new is None:
        raise RuntimeError(f"the task gradebook has no submission of {result.assignment} by {result.student}")
    columns = {table: _column_list(connection, table) for table in ("student", "submitted_assignment", "submitted_notebook", "grade", "comment")}
    connection.execute(
        f"INSERT INTO main.submitted_assignment ({columns['submitted_assignment']}) "
        f"SELECT {columns['submitted_assignment']} FROM worker.submitted_assignment WHERE id = ?",
        new,
    )
    connection.execute(
        f"INSERT INTO main.submitted_notebook ({columns['submitted_notebook']}) "
        f"SELECT {columns['submitted_notebook']} FROM worker.submitted_notebook WHERE assignment_id = ?",
        new,
    )
    for table in ("grade", "comment"):
        connection.execute(
            f"INSERT INTO main.{table} ({columns[table]}) SELECT {columns[table]} FROM worker.{table} "
            "WHERE notebook_id IN (SELECT id FROM worker.submitted_notebook WHERE assignment_id = ?)",
            new,
        )


def _set_parent_death_signal() -> None:
    """Have Linux kill this process when its parent dies, so no worker outlives a killed run."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


class HiddenTestChecksumFilter(logging.Filter):
    """Drop nbgrader's checksum warning for hidden-test cells, which every submission triggers.

    ``generate_assignment`` records a cell's checksum in the gradebook before it removes the
    hidden tests, and in the release after, so ``autograde`` reports the two as different for
    every student and every hidden-test cell (jupyter/nbgrader#1961), thousands of lines for a
    class. The cell is restored from the gradebook either way. Hidden tests live only in cells
    whose ``grade_id`` ends in ``_hidden``, which a test of the notebooks enforces; warnings for
    every other cell still show.
    """

    MESSAGE = re.compile(r"Attribute 'checksum' for cell (\S+) has changed")

    def filter(self, record: logging.LogRecord) -> bool:
        match = self.MESSAGE.match(record.getMessage())
        return not (match and match.group(1).endswith("_hidden"))


class MissingAltTextFilter(logging.Filter):
    """Drop nbconvert's count of images without alternative text, given for every feedback file.

    The images are the notebooks' plots. nbconvert gives each of them a generic alternative text
    in the HTML and warns once per file, which the instructor cannot act on.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Alternative text is missing on ")


def _init_worker(log_level: int) -> None:
    _set_parent_death_signal()
    # Ctrl-C reaches the whole process group; the coordinator decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=log_level, format="%(message)s")
    quiet_nbgrader_warnings()


def quiet_nbgrader_warnings() -> None:
    """Hide the warnings that nbgrader gives for every submission, whatever the submission is.

    Call it after ``logging.basicConfig``: the filter goes on the root logger's handlers.
    """
    for handler in logging.getLogger().handlers:
        handler.addFilter(HiddenTestChecksumFilter())
        handler.addFilter(MissingAltTextFilter())
    # nbgrader 0.9's gradebook code triggers SQLAlchemy autoflush warnings on every autograde;
    # they are unrelated to the submissions.
    warnings.filterwarnings("ignore", message=r".*not in session, add operation along", module="nbgrader")


def grade_task(task: dict) -> dict:
    """Grade one submission in its own task folder; run in a worker process.

    Returns the fields of a :class:`TaskResult` and the task folder's gradebook path. A
    problem of the submitted files, or an nbgrader failure, becomes ``status == "error"``.
    An error of the grading machine itself (a full disk, a missing template) raises.
    """
    course = Course.at(task["root"], task["folder"], task["settings"])
    student, assignment = task["student"], task["assignment"]
    start = time.perf_counter()
    work = Path(task["task_folder"])
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    gradebook = work / "gradebook.db"
    shutil.copyfile(task["template"], gradebook)
    submitted = work / "submitted" / student / assignment
    shutil.copytree(course.folder / "submitted" / student / assignment, submitted)
    result = {"student": student, "assignment": assignment, "status": "graded", "message": "", "notes": []}

    problem = _check_files(course, assignment, submitted)
    if problem:
        result.update(status="error", message=problem, seconds=time.perf_counter() - start)
        return {"result": result, "gradebook": None}

    os.environ["JUPYTER_RUNTIME_DIR"] = str(work / "runtime")
    api = course.api(folder=work, gradebook=gradebook, private_exchange=True)
    outcome = api.autograde(assignment, student, force=True, create=True)
    autograded = work / "autograded" / student / assignment
    if not outcome.get("success") or not any(autograded.glob("*.ipynb")):
        result.update(status="error", message=_autograde_error(outcome), seconds=time.perf_counter() - start)
        return {"result": result, "gradebook": None}

    notes = [repair.as_dict() for name in _expected_notebooks(course, assignment) for repair in raw_format_notes((submitted / name).read_bytes())]
    for note in autograded_notes(autograded):
        if note not in notes:
            notes.append(note)
    result["notes"] = notes
    result["score"], result["max_score"] = _score(gradebook, student, assignment)
    result["seconds"] = time.perf_counter() - start
    return {"result": result, "gradebook": str(gradebook), "autograded": str(autograded)}


def _expected_notebooks(course: Course, assignment: str) -> list[str]:
    return sorted(path.name for path in (course.root / RELEASE_DIRECTORY / assignment).glob("*.ipynb"))


def _check_files(course: Course, assignment: str, submitted: Path) -> str:
    """Return why the submitted files cannot be graded, or an empty string."""
    expected = _expected_notebooks(course, assignment)
    found = sorted(path.name for path in submitted.glob("*.ipynb"))
    missing = [name for name in expected if name not in found]
    if missing:
        extra = [name for name in found if name not in expected]
        detail = f"; found {', '.join(extra)} instead" if extra else ""
        return f"{', '.join(missing)} is missing{detail}. Rename the file to the notebook's name, or collect it again."
    for name in expected:
        try:
            read_submission((submitted / name).read_bytes(), name)
        except SubmissionError as error:
            return str(error)
    return ""


def _autograde_error(outcome: dict) -> str:
    log = (outcome.get("log") or "") + "\n" + (outcome.get("error") or "")
    for line in log.splitlines():
        if "SubmissionError:" in line:
            return line.split("SubmissionError:", 1)[1].strip()
    lines = [line for line in log.strip().splitlines() if line.strip()]
    tail = lines[-1] if lines else "no log"
    return f"nbgrader autograde failed: {tail}"


def autograded_notes(folder: Path) -> list[dict]:
    """Return the repairs, timeouts, kernel deaths and cut outputs of the graded notebooks."""
    from helpers.instructor.preprocessors import KERNEL_STOPPED, OUTPUT_CUT_MARK

    notes = []
    for path in sorted(folder.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        notes += notebook.metadata.get(METADATA_KEY, {}).get("repairs", [])
        timeouts = stopped = cut = 0
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                if output.get("ename") == "CellTimeoutError":
                    timeouts += 1
                elif output.get("ename") == KERNEL_STOPPED:
                    stopped += 1
                elif output.get("output_type") == "stream" and OUTPUT_CUT_MARK in output.get("text", ""):
                    cut += 1
        if timeouts:
            notes.append({"kind": "runtime", "message": f"{timeouts} cells timed out"})
        if stopped:
            notes.append({"kind": "runtime", "message": f"the kernel stopped; {stopped} cells failed because of it and score 0"})
        if cut:
            notes.append({"kind": "runtime", "message": f"the output of {cut} cells was cut"})
    return notes


def _score(gradebook: Path, student: str, assignment: str) -> tuple[float, float]:
    connection = _connect(gradebook)
    try:
        row = connection.execute(
            "SELECT COALESCE(SUM(COALESCE(g.manual_score, g.auto_score, 0) + COALESCE(g.extra_credit, 0)), 0), "
            "COALESCE(SUM(gc.max_score), 0) "
            "FROM grade g JOIN grade_cells gc ON g.cell_id = gc.id JOIN submitted_notebook sn ON g.notebook_id = sn.id "
            "JOIN submitted_assignment sa ON sn.assignment_id = sa.id JOIN assignment a ON sa.assignment_id = a.id "
            "WHERE sa.student_id = ? AND a.name = ?",
            (student, assignment),
        ).fetchone()
    finally:
        connection.close()
    return float(row[0]), float(row[1])


class Progress:
    """A one-line progress bar on a terminal, or one line per finished task elsewhere."""

    def __init__(self, total: int, enabled: bool = True, stream=None):
        self.total, self.done, self.errors = total, 0, 0
        self.enabled = enabled and total > 0
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        self.interactive = self.stream.isatty()

    def update(self, result: TaskResult) -> None:
        self.done += 1
        self.errors += result.status == "error"
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.start
        remaining = elapsed / self.done * (self.total - self.done)
        if self.interactive:
            width = 30
            filled = int(width * self.done / self.total)
            bar = "#" * filled + "." * (width - filled)
            self.stream.write(
                f"\r[{bar}] {self.done}/{self.total} graded, {self.errors} errors, about {remaining:.0f} s left "
            )
            if self.done == self.total:
                self.stream.write("\n")
        else:
            outcome = f"{result.score:g} / {result.max_score:g}" if result.status == "graded" else result.status
            self.stream.write(f"{self.done}/{self.total} {result.student} {result.assignment}: {outcome}\n")
        self.stream.flush()


def autograde_class(
    course: Course,
    students: list[str] | None = None,
    assignments: list[str] | None = None,
    workers: int | None = None,
    force: bool = False,
    retry_errors: bool = False,
    progress: bool = True,
) -> GradingSummary:
    """Autograde the selected submissions with ``workers`` processes (default: CPU count).

    Submissions whose files are unchanged since they were last graded are skipped, unless
    ``force`` is set. Those that failed with an error are retried only with ``retry_errors``.
    """
    start = time.perf_counter()
    workers = max(1, workers or os.cpu_count() or 1)
    all_assignments = assignment_names(course.root)
    unknown = sorted(set(assignments or []) - set(all_assignments))
    if unknown:
        raise ValueError(f"Unknown assignment {', '.join(unknown)}; the course has {', '.join(all_assignments)}.")
    course.state.mkdir(parents=True, exist_ok=True)
    with open(course.state / "lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(
                f"Another autograde run is using {course.folder}; wait for it to finish (the lock is {course.state / 'lock'})."
            ) from None
        shutil.rmtree(course.state / "tasks", ignore_errors=True)
        pairs = find_submissions(course, students, assignments)
        prepare_gradebook(course, sorted({assignment for _, assignment in pairs}))
        summary = GradingSummary(workers=workers)
        pending = _pending(course, pairs, force, retry_errors, summary)
        if pending:
            template = course.state / "template.db"
            _make_template(course, template)
            _run_pool(course, pending, template, workers, summary, progress)
        shutil.rmtree(course.state / "tasks", ignore_errors=True)
    summary.seconds = time.perf_counter() - start
    return summary


def _pending(course: Course, pairs, force: bool, retry_errors: bool, summary: GradingSummary) -> list[tuple[str, str, str]]:
    ledger = read_ledger(course.gradebook)
    graded = _graded_pairs(course.gradebook)
    pending = []
    for student, assignment in pairs:
        fingerprint = submission_fingerprint(course.folder / "submitted" / student / assignment)
        entry = ledger.get((student, assignment))
        unchanged = entry is not None and entry["fingerprint"] == fingerprint
        done = unchanged and (
            (entry["status"] == "graded" and (student, assignment) in graded)
            or (entry["status"] == "error" and not retry_errors)
        )
        if done and not force:
            summary.results.append(TaskResult(student, assignment, "skipped", entry["message"] or "", entry["notes"]))
        else:
            pending.append((student, assignment, fingerprint))
    return pending


def _run_pool(course: Course, pending, template: Path, workers: int, summary: GradingSummary, show_progress: bool) -> None:
    progress = Progress(len(pending), enabled=show_progress)
    attempts = {(student, assignment): 0 for student, assignment, _ in pending}
    queue_ = list(pending)
    while queue_:
        context = multiprocessing.get_context("spawn")
        level = logging.getLogger("helpers.instructor").getEffectiveLevel()
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=min(workers, len(queue_)), mp_context=context, initializer=_init_worker, initargs=(level,)
        )
        futures = {}
        try:
            for student, assignment, fingerprint in queue_:
                task = {
                    "root": str(course.root),
                    "folder": str(course.folder),
                    "settings": course.settings,
                    "student": student,
                    "assignment": assignment,
                    "template": str(template),
                    "task_folder": str(course.state / "tasks" / f"{assignment}--{student}"),
                }
                futures[pool.submit(grade_task, task)] = (student, assignment, fingerprint)
            queue_ = []
            for future in concurrent.futures.as_completed(futures):
                student, assignment, fingerprint = futures[future]
                try:
                    payload = future.result()
                except concurrent.futures.process.BrokenProcessPool:
                    attempts[(student, assignment)] += 1
                    if attempts[(student, assignment)] < _MAX_ATTEMPTS:
                        queue_.append((student, assignment, fingerprint))
                        continue
                    payload = {
                        "result": {
                            "student": student,
                            "assignment": assignment,
                            "status": "error",
                            "message": "the grading process died while grading this submission",
                            "notes": [],
                        },
                        "gradebook": None,
                    }
                result = TaskResult(**payload["result"])
                _install_autograded(course, student, assignment, payload.get("autograded"))
                merge_result(course, result, fingerprint, Path(payload["gradebook"]) if payload.get("gradebook") else None)
                summary.results.append(result)
                progress.update(result)
                if result.status == "error":
                    logger.warning("%s / %s: %s", student, assignment, result.message)
        except BaseException:
            _stop_workers(pool)
            raise
        pool.shutdown(wait=True)


def _stop_workers(pool) -> None:
    """Kill the worker processes, whose kernels then die with them."""
    pool.shutdown(wait=False, cancel_futures=True)
    # NOTE: ProcessPoolExecutor has no public way to stop running tasks; _processes is private.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.kill()


def _install_autograded(course: Course, student: str, assignment: str, autograded: str | None) -> None:
    """Replace ``autograded/<student>/<assignment>`` with the task's copy, and drop stale feedback."""
    target = course.folder / "autograded" / student / assignment
    shutil.rmtree(course.folder / "feedback" / student / assignment, ignore_errors=True)
    old = None
    if target.exists():
        old = target.with_name(f".{assignment}.old-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
    if autograded:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(autograded, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
