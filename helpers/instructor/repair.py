"""Read a submitted notebook, match its cells to the release and restore what grading needs.

nbgrader finds the cells it grades by their ``nbgrader`` metadata. A notebook edited in
another tool can lose that metadata, and plain nbgrader then scores a fully correct
notebook 0 without a word. :func:`repair_submission` matches every cell of the release that
carries nbgrader metadata (an *anchor*) to a cell of the submission:

1. by ``grade_id`` in the cell's metadata, when the submission still has it;
2. locked cells (the set-up cell and test cells) by the similarity of their source to the
   release's, at least :data:`SIMILARITY_THRESHOLD`, also when they were turned into
   Markdown;
3. answer cells by the functions and classes they define, which the release's stub names.

Matched cells get the release's metadata, and locked cells its source and cell type back.
A locked cell that is missing is inserted after the anchor that precedes it in the
release, and an answer cell that is missing gets the release's stub, so it scores 0. Cells
the student added keep their place. Every change is listed in the result, so the report
can flag the submission. Then every cell the student could edit is scanned with
:mod:`helpers.instructor.integrity`, and a cell with a finding is replaced by a stub that
fails its tests with the reason.
"""

from __future__ import annotations

import ast
import copy
import difflib
import json
import uuid
from dataclasses import dataclass, field

import nbformat

from helpers.instructor import integrity
from helpers.instructor.notebooks import nbgrader_metadata

SIMILARITY_THRESHOLD = 0.6
"""Smallest ``difflib`` ratio at which a cell without metadata counts as a copy of a locked cell."""

MIN_MATCHED_FRACTION = 0.25
"""Smallest fraction of the release's anchors a notebook must match to be graded as that notebook."""

METADATA_KEY = "dlf_grading"
"""Notebook metadata key under which the repairs are recorded for the report and the feedback."""


class SubmissionError(ValueError):
    """A submitted file that cannot be graded, with a reason a student can act on."""


@dataclass
class Repair:
    """One change made to a submission before grading."""

    kind: str
    """``normalised`` (format only), ``repaired`` (cells restored or matched) or ``withheld``."""
    message: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message}


@dataclass
class RepairResult:
    notebook: nbformat.NotebookNode
    repairs: list[Repair] = field(default_factory=list)


def read_submission(data: bytes, name: str = "the file") -> nbformat.NotebookNode:
    """Parse the bytes of a submitted file as a notebook of nbformat 4.5.

    Raises :class:`SubmissionError` for an empty file, invalid JSON or JSON that is not a
    notebook. Cell ids that are missing or repeated are replaced; an older nbformat 4 minor
    version is upgraded (``nbformat_minor_original`` in the result's metadata keeps it).
    """
    if not data.strip():
        raise SubmissionError(f"{name} is empty (0 bytes of content); ask the student to upload the notebook again.")
    try:
        content = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SubmissionError(f"{name} is not valid JSON ({error}); the file is damaged or not a notebook.") from None
    if not isinstance(content, dict) or not isinstance(content.get("cells", content.get("worksheets")), list):
        raise SubmissionError(f"{name} is JSON but not a Jupyter notebook: it has no 'cells' list.")
    major = content.get("nbformat")
    if major not in (3, 4):
        raise SubmissionError(f"{name} has nbformat {major!r}; only notebooks of format 3 or 4 can be graded.")
    original_minor = content.get("nbformat_minor")
    try:
        notebook = nbformat.reads(json.dumps(content), as_version=4, capture_validation_error={})
    except Exception as error:  # nbformat raises several unrelated types for broken structure
        raise SubmissionError(f"{name} is not a readable notebook: {error}") from None
    notebook.metadata[METADATA_KEY] = {"nbformat_original": f"{major}.{original_minor}"}
    return notebook


def raw_format_notes(data: bytes) -> list[Repair]:
    """Return the format problems of a submitted file that nbformat repairs silently when it reads it.

    Call it on bytes that :func:`read_submission` accepted.
    """
    content = json.loads(data.decode("utf-8-sig"))
    notes = []
    version = f"{content.get('nbformat')}.{content.get('nbformat_minor')}"
    if version != "4.5":
        notes.append(Repair("normalised", f"the notebook was saved as nbformat {version}; upgraded to 4.5"))
    ids = [cell.get("id") for cell in content.get("cells", []) if isinstance(cell, dict)]
    bad = sum(1 for position, cell_id in enumerate(ids) if not cell_id or cell_id in ids[:position])
    if bad:
        notes.append(Repair("normalised", f"{bad} cells had a missing or repeated id; new ids assigned"))
    return notes


def _normalise_format(notebook, repairs: list[Repair]) -> None:
    original = notebook.metadata.get(METADATA_KEY, {}).get("nbformat_original", "")
    if notebook.nbformat_minor < 5:
        notebook.nbformat_minor = 5
    if original and original != "4.5":
        repairs.append(Repair("normalised", f"the notebook was saved as nbformat {original}; upgraded to 4.5"))
    seen = set()
    replaced = 0
    for cell in notebook.cells:
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = uuid.uuid4().hex[:8]
            replaced += 1
        seen.add(cell["id"])
    if replaced:
        repairs.append(Repair("normalised", f"{replaced} cells had a missing or repeated id; new ids assigned"))


@dataclass
class _Anchor:
    position: int
    cell: nbformat.NotebookNode
    grade_id: str
    role: str  # "answer", "test" or "locked"
    names: frozenset = frozenset()


def _anchors(release) -> list[_Anchor]:
    anchors = []
    for position, cell in enumerate(release.cells):
        meta = nbgrader_metadata(cell)
        if not meta.get("grade_id"):
            continue
        if meta.get("solution"):
            role = "answer"
        elif meta.get("grade"):
            role = "test"
        else:
            role = "locked"
        anchors.append(_Anchor(position, cell, meta["grade_id"], role, frozenset(defined_names(cell.source))))
    return anchors


def defined_names(source: str) -> set[str]:
    """Return the functions and classes that ``source`` defines at its top level."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _similarity(first: str, second: str) -> float:
    matcher = difflib.SequenceMatcher(None, first, second, autojunk=False)
    if matcher.real_quick_ratio() < SIMILARITY_THRESHOLD or matcher.quick_ratio() < SIMILARITY_THRESHOLD:
        return 0.0
    return matcher.ratio()


def _match(submission, anchors: list[_Anchor]) -> tuple[dict[int, int], dict[int, str]]:
    """Return anchor index -> submission cell index, and how each anchor was matched."""
    matches: dict[int, int] = {}
    how: dict[int, str] = {}
    claimed: set[int] = set()
    by_id = {anchor.grade_id: index for index, anchor in enumerate(anchors)}

    for cell_index, cell in enumerate(submission.cells):
        index = by_id.get(nbgrader_metadata(cell).get("grade_id"))
        if index is not None and index not in matches:
            matches[index] = cell_index
            how[index] = "metadata"
            claimed.add(cell_index)

    for index, anchor in enumerate(anchors):
        if index in matches or anchor.role == "answer":
            continue
        best, best_ratio = None, 0.0
        for cell_index, cell in enumerate(submission.cells):
            if cell_index in claimed:
                continue
            ratio = _similarity(anchor.cell.source, cell.source)
            if ratio > best_ratio:
                best, best_ratio = cell_index, ratio
        if best is not None and best_ratio >= SIMILARITY_THRESHOLD:
            matches[index] = best
            how[index] = f"similarity {best_ratio:.2f}"
            claimed.add(best)

    for index, anchor in enumerate(anchors):
        if index in matches or anchor.role != "answer" or not anchor.names:
            continue
        candidates = [
            cell_index
            for cell_index, cell in enumerate(submission.cells)
            if cell_index not in claimed and cell.cell_type == "code" and anchor.names & defined_names(cell.source)
        ]
        if not candidates:
            continue
        # The last definition before the exercise's first test is the one the test sees.
        test_positions = [
            matches[other]
            for other, test in enumerate(anchors)
            if other in matches and test.role == "test" and test.position > anchor.position
        ]
        limit = min(test_positions) if test_positions else len(submission.cells)
        before = [cell_index for cell_index in candidates if cell_index < limit]
        chosen = before[-1] if before else candidates[0]
        matches[index] = chosen
        how[index] = "function names " + ", ".join(sorted(anchor.names))
        claimed.add(chosen)
    return matches, how


def _matched_fraction(submission, release) -> float:
    anchors = _anchors(release)
    if not anchors:
        return 0.0
    matches, _ = _match(submission, anchors)
    return len(matches) / len(anchors)


def repair_submission(submission, release, assignment: str, other_releases: dict | None = None) -> RepairResult:
    """Return a copy of ``submission`` whose graded cells line up with ``release``.

    ``other_releases`` maps other assignments to their release notebooks. A submission
    that matches one of them better raises :class:`SubmissionError`, and so does one that
    matches less than :data:`MIN_MATCHED_FRACTION` of the release.
    """
    notebook = copy.deepcopy(submission)
    repairs: list[Repair] = []
    _normalise_format(notebook, repairs)
    if not notebook.cells:
        raise SubmissionError(f"the notebook has no cells; it is not a submission of {assignment}.")

    anchors = _anchors(release)
    matches, how = _match(notebook, anchors)
    fraction = len(matches) / len(anchors) if anchors else 1.0
    # A notebook that matches nearly all of this release cannot match another one better.
    candidates = (other_releases or {}) if fraction < 0.9 else {}
    for other, other_release in candidates.items():
        if other != assignment and _matched_fraction(notebook, other_release) > max(fraction, MIN_MATCHED_FRACTION):
            raise SubmissionError(f"this is the notebook of {other}, not of {assignment}; it was submitted in the wrong place.")
    if fraction < MIN_MATCHED_FRACTION:
        raise SubmissionError(
            f"only {len(matches)} of the {len(anchors)} graded and locked cells of {assignment} were found; "
            "this is not a submission of that notebook."
        )

    cells = _rebuild(notebook, anchors, matches, how, repairs)
    notebook.cells = cells
    _withhold_unsafe_cells(notebook, release, repairs)
    record = notebook.metadata.setdefault(METADATA_KEY, {})
    record["repairs"] = [repair.as_dict() for repair in repairs]
    return RepairResult(notebook, repairs)


def _describe(anchor: _Anchor) -> str:
    kind = {"answer": "answer cell", "test": "test cell", "locked": "locked cell"}[anchor.role]
    return f"{kind} {anchor.grade_id!r}"


def _rebuild(notebook, anchors, matches, how, repairs: list[Repair]) -> list:
    owner = {cell_index: index for index, cell_index in matches.items()}
    known = {anchor.grade_id for anchor in anchors}
    output = []
    placed: dict[int, int] = {}
    duplicates: dict[str, int] = {}

    for cell_index, cell in enumerate(notebook.cells):
        index = owner.get(cell_index)
        if index is None:
            grade_id = nbgrader_metadata(cell).get("grade_id")
            if grade_id in known:
                duplicates[grade_id] = duplicates.get(grade_id, 1) + 1
            elif "nbgrader" in cell.metadata:
                repairs.append(
                    Repair("repaired", f"a cell carried nbgrader metadata for {grade_id!r}, which the release does not have; cleared")
                )
            cell.metadata.pop("nbgrader", None)
            output.append(cell)
            continue
        anchor = anchors[index]
        restored = _restore(cell, anchor, how[index], repairs)
        placed[index] = len(output)
        output.append(restored)

    for grade_id, count in duplicates.items():
        repairs.append(
            Repair("repaired", f"cell {grade_id!r} appears {count} times; the extra copies run as ordinary cells")
        )

    for index, anchor in enumerate(anchors):
        if index in placed:
            continue
        earlier = [placed[other] for other in placed if other < index]
        position = max(earlier) + 1 if earlier else 0
        inserted = copy.deepcopy(anchor.cell)
        inserted["id"] = uuid.uuid4().hex[:8]
        if anchor.role == "answer":
            message = f"no {_describe(anchor)} was found; the release's stub was inserted, so it scores 0"
        else:
            message = f"the {_describe(anchor)} was missing; restored from the release"
        repairs.append(Repair("repaired", message))
        output.insert(position, inserted)
        for other in placed:
            if placed[other] >= position:
                placed[other] += 1
        placed[index] = position
    return output


def _restore(cell, anchor: _Anchor, how: str, repairs: list[Repair]):
    cell = copy.deepcopy(cell)
    if how != "metadata":
        repairs.append(Repair("repaired", f"the {_describe(anchor)} had no nbgrader metadata; matched by {how}"))
    elif nbgrader_metadata(cell) != nbgrader_metadata(anchor.cell):
        repairs.append(Repair("repaired", f"the nbgrader metadata of the {_describe(anchor)} was changed; restored"))
    cell.metadata["nbgrader"] = copy.deepcopy(nbgrader_metadata(anchor.cell))
    if anchor.role == "answer" and cell.cell_type == "code":
        return cell
    if cell.cell_type != anchor.cell.cell_type:
        repairs.append(
            Repair("repaired", f"the {_describe(anchor)} was turned into {cell.cell_type}; restored as {anchor.cell.cell_type}")
        )
    elif anchor.role != "answer" and cell.source.strip() != anchor.cell.source.strip():
        repairs.append(Repair("repaired", f"the {_describe(anchor)} was edited; restored from the release"))
    restored = copy.deepcopy(anchor.cell)
    restored["id"] = cell["id"]
    if anchor.role == "answer":
        # An answer cell turned into Markdown: its text is the student's code.
        restored.source = cell.source
    return restored


def _withhold_unsafe_cells(notebook, release, repairs: list[Repair]) -> None:
    protected: dict[str, str] = {}
    for cell in notebook.cells:
        meta = nbgrader_metadata(cell)
        if cell.cell_type == "code" and meta.get("locked") and not meta.get("solution"):
            protected.update(integrity.imported_names(cell.source))
    release_code = [cell.source for cell in release.cells if cell.cell_type == "code"]
    for cell in notebook.cells:
        meta = nbgrader_metadata(cell)
        if cell.cell_type != "code" or (meta.get("locked") and not meta.get("solution")):
            continue
        findings = integrity.scan_cell(cell.source, protected)
        if findings and not meta.get("solution"):
            # An unlocked cell of the release (a plot, a demonstration) may use what answers
            # may not; only constructs that its release version lacks count.
            findings = _new_findings(cell.source, findings, release_code, protected)
        if not findings:
            continue
        label = meta.get("grade_id") or f"added cell {cell.get('id')}"
        reasons = "; ".join(str(finding) for finding in findings)
        repairs.append(Repair("withheld", f"{label} was not run: {reasons}"))
        cell.source = withheld_stub(cell.source, reasons)


def _new_findings(source: str, findings, release_code: list[str], protected) -> list:
    ratios = [(_similarity(source, original), original) for original in release_code]
    ratio, original = max(ratios, default=(0.0, ""), key=lambda pair: pair[0])
    if ratio < SIMILARITY_THRESHOLD:
        return findings
    allowed = {finding.message for finding in integrity.scan_cell(original, protected)}
    return [finding for finding in findings if finding.message not in allowed]


def withheld_stub(source: str, reasons: str) -> str:
    """Return code that keeps the cell's function names but fails every call with ``reasons``."""
    message = (
        f"This answer was not run when grading: {reasons}. Such code can change how answers are graded, "
        "so it is not allowed in answer cells. Your instructor will review it."
    )
    lines = ["# Withheld from grading. The submitted code, not run:"]
    lines += ["# " + line for line in source.splitlines()]
    for name in sorted(defined_names(source)):
        lines += [f"def {name}(*args, **kwargs):", f"    raise AssertionError({message!r})", ""]
    return "\n".join(lines)
