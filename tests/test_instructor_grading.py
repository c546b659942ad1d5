"""Crash safety of parallel grading, merging, and the kernel sandbox, with real processes."""

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

import corpus
from helpers.instructor.grading import (
    MERGE_DELAY_VARIABLE,
    Course,
    HiddenTestChecksumFilter,
    MissingAltTextFilter,
    autograde_class,
    read_ledger,
)
from helpers.instructor.sandbox import GradingKernelManager, landlock_abi

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = {"s1-correct": 2.0, "s2-mistake": 0.0, "s3-correct": 2.0, "s4-untouched": 0.0, "s5-correct": 2.0}


@pytest.fixture(scope="module")
def course_root(tmp_path_factory):
    return corpus.build_course(ROOT, tmp_path_factory.mktemp("course"))


def write_students(course_root: Path, folder: Path) -> None:
    cases = {case.student: case for case in corpus.CASES}
    plans = {"correct": cases["correct"], "mistake": cases["mistake"], "untouched": cases["untouched"]}
    release = nbformat.read(course_root / "course" / corpus.ASSIGNMENT / corpus.NOTEBOOK, as_version=4)
    source = nbformat.read(course_root / "solutions" / corpus.ASSIGNMENT / corpus.NOTEBOOK, as_version=4)
    for student in STUDENTS:
        files = plans[student.split("-", 1)[1]].build(release, source)
        target = folder / "submitted" / student / corpus.ASSIGNMENT
        target.mkdir(parents=True)
        for name, data in files.items():
            (target / name).write_bytes(data)


def start_run(course_root: Path, folder: Path, delay: float) -> subprocess.Popen:
    # A run killed with SIGKILL cannot remove its kernels' temporary folders, so they go
    # next to the class folder, which pytest removes, instead of into the system's /tmp.
    temporary = folder.parent / "tmp"
    temporary.mkdir(exist_ok=True)
    environment = dict(os.environ, DLF_OFFLINE="1", TMPDIR=str(temporary), **{MERGE_DELAY_VARIABLE: str(delay)})
    command = [
        sys.executable, "-m", "helpers.instructor.cli", "--root", str(course_root),
        "autograde", "--course-dir", str(folder), "--workers", "2", "--no-progress",
    ]
    return subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def processes_under(folder: Path) -> list[int]:
    """Return the ids of processes whose working folder is inside ``folder``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd.startswith(str(folder)):
            found.append(int(entry.name))
    return found


def consistency(gradebook: Path) -> dict:
    """Check the invariants of a gradebook after any crash; return its submissions and grade counts."""
    connection = sqlite3.connect(gradebook)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        submissions = dict(
            connection.execute(
                "SELECT sa.student_id, COUNT(g.id) FROM submitted_assignment sa "
                "JOIN submitted_notebook sn ON sn.assignment_id = sa.id LEFT JOIN grade g ON g.notebook_id = sn.id "
                "GROUP BY sa.id"
            ).fetchall()
        )
        orphans = connection.execute(
            "SELECT COUNT(*) FROM grade WHERE notebook_id NOT IN (SELECT id FROM submitted_notebook)"
        ).fetchone()[0]
    finally:
        connection.close()
    ledger = {student for (student, _), entry in read_ledger(gradebook).items() if entry["status"] == "graded"}
    assert orphans == 0
    assert set(submissions) == ledger, "every merged submission has a ledger row, and nothing else does"
    assert all(count == 2 for count in submissions.values()), submissions
    return submissions


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and SIGKILL")
def test_sigkill_during_merge_then_rerun(course_root, tmp_path):
    folder = tmp_path / "class"
    write_students(course_root, folder)
    gradebook = folder / "gradebook.db"
    journal = folder / "gradebook.db-journal"

    def merge_in_progress() -> bool:
        # The rollback journal exists while a write transaction is open. Setting up the
        # gradebook writes briefly too, so only a journal that lasts counts as the delayed merge.
        if not journal.exists():
            return False
        time.sleep(1.5)
        return journal.exists()

    # Run 1: every merge waits 60 s inside its transaction; kill the run inside the first one.
    run = start_run(course_root, folder, delay=60)
    try:
        wait_for(merge_in_progress, 600, "a merge in progress")
    finally:
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
    wait_for(lambda: processes_under(folder) == [], 30, "the workers and kernels to exit")
    assert consistency(gradebook) == {}, "the killed merge must leave no trace"

    # Run 2: no delay; kill it as soon as one submission is merged.
    run = start_run(course_root, folder, delay=0)
    try:
        wait_for(lambda: len(read_ledger(gradebook)) >= 1, 600, "the first merged submission")
    finally:
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
    wait_for(lambda: processes_under(folder) == [], 30, "the workers and kernels to exit")
    merged_before = consistency(gradebook)
    assert 1 <= len(merged_before) < len(STUDENTS)

    # Run 3 completes and grades only what is missing.
    run = start_run(course_root, folder, delay=0)
    output, _ = run.communicate(timeout=900)
    assert run.returncode == 0, output
    assert f"{len(STUDENTS) - len(merged_before)} graded, 0 errors, {len(merged_before)} unchanged" in output
    assert consistency(gradebook) == {student: 2 for student in STUDENTS}
    connection = sqlite3.connect(gradebook)
    try:
        scores = dict(
            connection.execute(
                "SELECT sa.student_id, SUM(g.auto_score) FROM grade g JOIN submitted_notebook sn ON g.notebook_id = sn.id "
                "JOIN submitted_assignment sa ON sn.assignment_id = sa.id GROUP BY sa.student_id"
            ).fetchall()
        )
    finally:
        connection.close()
    assert scores == STUDENTS


def test_second_run_rejected_while_first_holds_lock(course_root, tmp_path):
    import fcntl

    course = Course.at(course_root, tmp_path / "class")
    course.state.mkdir(parents=True)
    with open(course.state / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(RuntimeError, match="Another autograde run is using"):
            autograde_class(course, workers=1, progress=False)


def test_unknown_assignment_rejected(course_root, tmp_path):
    with pytest.raises(ValueError, match="Unknown assignment 99-nothing"):
        autograde_class(Course.at(course_root, tmp_path / "class"), assignments=["99-nothing"], progress=False)


@pytest.mark.skipif(landlock_abi() < 1, reason="the Linux kernel has no Landlock")
def test_sandboxed_kernel_cannot_reach_course_files(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.setenv("TMPDIR", str(temporary))

    secret = tmp_path / "gradebook.db"
    secret.write_text("grades")
    work = tmp_path / "autograded" / "student" / "assignment"
    work.mkdir(parents=True)
    cells = [
        f"open({str(secret)!r}).read()",
        f"open({str(secret)!r}, 'w').write('hacked')",
        "open('scratch.txt', 'w').write('ok')",
        "import numpy; bytearray(8 * 2**30)",
        "import os; os.kill(os.getppid(), 15)",
        "import socket; socket.create_connection(('127.0.0.1', 9), timeout=1)",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in cells])
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", allow_errors=True, kernel_manager_class=GradingKernelManager,
        resources={"metadata": {"path": str(work)}},
    )
    client.execute()

    errors = [[output.get("ename") for output in cell.outputs if output.output_type == "error"] for cell in notebook.cells]
    assert errors[0] == ["PermissionError"], "reading outside the working folder"
    assert errors[1] == ["PermissionError"], "writing outside the working folder"
    assert errors[2] == [], "writing inside the working folder"
    assert errors[3] == ["MemoryError"], "allocating more than the memory limit"
    assert errors[4] == ["PermissionError"], "signalling the grading process"
    if landlock_abi() >= 4:
        assert errors[5] == ["PermissionError"], "opening a TCP connection"
    assert secret.read_text() == "grades"
    assert list(temporary.iterdir()) == [], "the kernel's private temporary folder was left behind"


def checksum_record(cell_id: str) -> logging.LogRecord:
    message = "Attribute 'checksum' for cell %s has changed! (should be: %s, got: %s)"
    return logging.LogRecord("AutogradeApp", logging.WARNING, __file__, 1, message, (cell_id, "a" * 32, "b" * 32), None)


def test_hidden_cell_checksum_warning_dropped():
    drop = HiddenTestChecksumFilter()

    assert not drop.filter(checksum_record("test_count_digits_hidden"))
    assert drop.filter(checksum_record("test_count_digits")), "a changed visible test must still be reported"
    assert drop.filter(checksum_record("count_digits"))
    other = logging.LogRecord("AutogradeApp", logging.WARNING, __file__, 1, "cell test_x_hidden timed out", (), None)
    assert drop.filter(other)


def test_missing_alt_text_warning_dropped():
    drop = MissingAltTextFilter()
    count = logging.LogRecord("HTMLExporter", logging.WARNING, __file__, 1, "Alternative text is missing on %s image(s).", (3,), None)
    other = logging.LogRecord("HTMLExporter", logging.WARNING, __file__, 1, "Template not found", (), None)

    assert not drop.filter(count)
    assert drop.filter(other)
