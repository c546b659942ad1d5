"""nbgrader preprocessors that make grading safe against damaged and hostile submissions.

``nbgrader_config.py`` puts them into nbgrader's pipelines, so ``dlf-course autograde``,
plain ``nbgrader autograde`` and the formgrader all use them:

``RepairSubmission`` (autograde, sanitising pass)
    matches the cells of a submission to the release and restores the graded and locked
    cells (:mod:`helpers.instructor.repair`), and withholds answer cells that could change
    how they are graded (:mod:`helpers.instructor.integrity`).
``GradingExecute`` (autograde, in place of nbgrader's ``Execute``)
    runs the kernel inside the sandbox of :mod:`helpers.instructor.sandbox`, gives answer and
    test cells a shorter timeout, caps each cell's output, and scores 0 every cell after a
    kernel death or a kernel that stays busy after a timeout.
``HideHiddenTests`` and ``FeedbackSummary`` (generate_feedback)
    remove the source and the messages of hidden tests, which nbgrader's autograde restores
    into the graded notebook, and put a table of tests and points at the top.
"""

from __future__ import annotations

import asyncio
import html
import json
import queue
import re
import time
from pathlib import Path

import nbformat
from jupyter_client.utils import ensure_async
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_markdown_cell, new_output
from traitlets import Integer, List, Unicode

from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from helpers.instructor.notebooks import cell_timeout, nbgrader_metadata
from helpers.instructor.repair import METADATA_KEY, SubmissionError, repair_submission
from helpers.instructor.sandbox import GradingKernelManager

KERNEL_STOPPED = "KernelStopped"
"""``ename`` of the error put into cells that did not run because the kernel had stopped."""

OUTPUT_CUT_MARK = "[Output cut when grading"
HIDDEN_MARKERS = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.DOTALL)


def _error_output(ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class RepairSubmission(NbGraderPreprocessor):
    """Line up a submission's cells with the release before nbgrader overwrites locked cells."""

    release_directory = Unicode(
        "",
        help="folder that contains <assignment>/<notebook>.ipynb of the student release; "
        "default: CourseDirectory.release_directory under CourseDirectory.root",
    ).tag(config=True)

    def _release_folder(self) -> Path:
        if self.release_directory:
            return Path(self.release_directory)
        course = self.config.CourseDirectory
        root = Path(course.get("root") or ".")
        return root / course.get("release_directory", "release")

    def preprocess(self, nb, resources):
        assignment = resources["nbgrader"]["assignment"]
        notebook_name = resources["nbgrader"]["notebook"]
        folder = self._release_folder()
        path = folder / assignment / f"{notebook_name}.ipynb"
        if not path.is_file():
            # NOTE: without the release, cells are matched only by nbgrader's own metadata.
            self.log.warning("No release notebook at %s; submission %s is graded without repair", path, notebook_name)
            return nb, resources
        release = nbformat.read(path, as_version=4)
        others = {}
        for other in sorted(folder.glob("*/*.ipynb")):
            if other.parent.name != assignment:
                others[other.parent.name] = nbformat.read(other, as_version=4)
        nb.metadata.setdefault(METADATA_KEY, {})["nbformat_original"] = f"{nb.nbformat}.{nb.nbformat_minor}"
        try:
            result = repair_submission(nb, release, assignment, others)
        except SubmissionError as error:
            raise SubmissionError(f"{resources['nbgrader']['student']} / {notebook_name}: {error}") from None
        for repair in result.repairs:
            self.log.info("%s / %s: %s: %s", resources["nbgrader"]["student"], notebook_name, repair.kind, repair.message)
        return result.notebook, resources


class GradingExecute(Execute):
    """nbgrader's ``Execute`` with a sandboxed kernel and limits for runaway answers."""

    graded_cell_timeout = Integer(
        60,
        help="timeout in seconds of answer and test cells (at most Execute.timeout). Answer cells "
        "define functions and test cells call them on small inputs, in well under a second on "
        "the course's notebooks, so a minute is room for a loaded machine while a runaway "
        "answer costs a minute instead of the full cell timeout.",
    ).tag(config=True)
    max_output_bytes = Integer(
        1_000_000, help="output a cell may produce, in bytes; the rest is dropped, except errors"
    ).tag(config=True)
    unresponsive_grace = Integer(
        10, help="seconds a kernel has to reply after a timed-out cell was interrupted; then it is killed"
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", GradingKernelManager)
        super().__init__(*args, **kwargs)
        self.timeout_func = self._cell_timeout
        self._stopped_reason = ""
        self._output_bytes: dict[int, int] = {}

    def _cell_timeout(self, cell) -> int | None:
        return cell_timeout(cell, self.timeout, self.graded_cell_timeout)

    def preprocess(self, nb, resources=None, km=None):
        self._stopped_reason = ""
        self._output_bytes = {}
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._stopped_reason:
            cell.outputs = [_error_output(KERNEL_STOPPED, f"not run: {self._stopped_reason}")]
            return cell, resources
        self._output_bytes[index] = 0
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stopped_reason = (
                "the kernel died while an earlier cell ran (a crash, os._exit, or the memory limit), "
                "so later cells count as failed"
            )
            cell.outputs.append(_error_output(KERNEL_STOPPED, "the kernel died while this cell ran"))
            self.log.warning("Kernel died in cell %d", index)
            return cell, resources
        except CellTimeoutError as error:
            # nbclient raises this when the kernel sends no output for a while after a timed-out
            # cell was interrupted, which means the interrupt did not stop it.
            cell.outputs.append(_error_output("CellTimeoutError", str(error).splitlines()[0]))
        if any(output.get("ename") == "CellTimeoutError" for output in cell.outputs):
            if not run_sync(self._kernel_responds)():
                self.log.warning(
                    "Kernel still busy %d s after a timeout in cell %d; killing it", self.unresponsive_grace, index
                )
                run_sync(self._kill_kernel)()
                self._stopped_reason = "the kernel kept running after an earlier cell timed out"
        return cell, resources

    async def _kernel_responds(self) -> bool:
        message_id = self.kc.execute("", silent=True, store_history=False)
        deadline = time.monotonic() + self.unresponsive_grace
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = await ensure_async(self.kc.get_shell_msg(timeout=remaining))
            except queue.Empty:
                return False
            if message.get("parent_header", {}).get("msg_id") == message_id:
                return True
        return False

    async def _kill_kernel(self) -> None:
        try:
            await ensure_async(self.km.shutdown_kernel(now=True))
        except (RuntimeError, OSError, asyncio.TimeoutError) as error:
            self.log.warning("Could not shut down the kernel cleanly: %s", error)

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "error":
            # Errors decide the grade, so they are never dropped.
            return super().output(outs, msg, display_id, cell_index)
        # NOTE: a message arrives whole before it is measured, so one huge print still passes
        # through this process's memory once, up to the kernel's memory limit.
        size = len(json.dumps(msg.get("content", {}), default=str))
        used = self._output_bytes.get(cell_index, 0)
        if used > self.max_output_bytes:
            return None
        self._output_bytes[cell_index] = used + size
        if used + size > self.max_output_bytes:
            note = new_output(
                "stream",
                name="stderr",
                text=f"\n{OUTPUT_CUT_MARK}: this cell printed more than {self.max_output_bytes} bytes.]\n",
            )
            outs.append(note)
            return note
        return super().output(outs, msg, display_id, cell_index)


def is_hidden_test(cell) -> bool:
    return cell.cell_type == "code" and "### BEGIN HIDDEN TESTS" in cell.source


class HideHiddenTests(NbGraderPreprocessor):
    """Remove the code and the messages of hidden tests from a graded notebook."""

    # nbgrader configures this trait on every feedback preprocessor.
    display_data_priority = List(Unicode()).tag(config=True)

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if not is_hidden_test(cell):
                continue
            cell.source = HIDDEN_MARKERS.sub("# (hidden tests: their code is not shown)", cell.source)
            failed = any(output.output_type == "error" for output in cell.outputs)
            cell.outputs = []
            if failed:
                cell.outputs.append(
                    _error_output("HiddenTestFailed", "a hidden test failed; its inputs and messages are not shown")
                )
        return nb, resources


class FeedbackSummary(NbGraderPreprocessor):
    """Insert a table of every test, its result and its points before the first cell.

    Reads the scores that nbgrader's ``GetGrades`` stores in the cell metadata, so it
    must run after it, and after :class:`HideHiddenTests`.
    """

    display_data_priority = List(Unicode()).tag(config=True)

    def preprocess(self, nb, resources):
        rows = []
        for cell in nb.cells:
            meta = nbgrader_metadata(cell)
            if not meta.get("grade") or "points" not in meta:
                continue
            score, points = meta.get("score") or 0, meta["points"]
            status = "passed" if score >= points else "failed"
            message = ""
            if status == "failed":
                message = _failure_message(cell)
            kind = "hidden" if meta["grade_id"].endswith("_hidden") or is_hidden_test(cell) else "visible"
            rows.append(
                f"| `{meta['grade_id']}` | {kind} | {status} | {score:g} / {points:g} | {html.escape(message)} |"
            )
        lines = [
            "## Your results",
            "",
            "| test | kind | result | points | message |",
            "|---|---|---|---:|---|",
            *rows,
        ]
        repairs = nb.metadata.get(METADATA_KEY, {}).get("repairs", [])
        notes = [repair["message"] for repair in repairs if repair["kind"] != "normalised"]
        if notes:
            lines += ["", "**Changes made to your notebook before grading:**", ""]
            lines += [f"- {html.escape(note)}" for note in notes]
        nb.cells.insert(0, new_markdown_cell("\n".join(lines)))
        return nb, resources


def _failure_message(cell) -> str:
    for output in cell.outputs:
        if output.output_type == "error":
            lines = [line.strip() for line in (output.get("evalue") or "").strip().splitlines() if line.strip()]
            text = " ".join(lines) if lines else output.get("ename", "error")
            return text if len(text) <= 400 else text[:397] + "..."
    return ""
