"""Generate the student release (``course/``) from the instructor notebooks (``solutions/``)."""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

import nbformat

from helpers.instructor.course import (
    RELEASE_DIRECTORY,
    SOURCE_DIRECTORY,
    assignment_names,
    check_result,
    make_api,
    nbgrader_config,
)
from helpers.student_setup import add_student_cells


def generate_release(root: Path, destination: Path) -> list[Path]:
    """Run ``nbgrader generate_assignment`` for every assignment and write the release to ``destination``.

    nbgrader works in a temporary course folder, so neither the course's gradebook nor
    ``course/`` is touched. Returns the notebooks written, relative to ``destination``.
    """
    destination = Path(destination)
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        scratch = Path(scratch)
        shutil.copytree(root / SOURCE_DIRECTORY, scratch / SOURCE_DIRECTORY, ignore=_ignore_scratch_files)
        api = make_api(nbgrader_config(root, scratch))
        for assignment in assignment_names(root):
            check_result(api.generate_assignment(assignment), f"generate_assignment {assignment}")

        released = scratch / RELEASE_DIRECTORY
        for notebook in released.rglob("*.ipynb"):
            _normalise(notebook, root)
        destination.mkdir(parents=True, exist_ok=True)
        for assignment in assignment_names(root):
            target = destination / assignment
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(released / assignment, target)
    return sorted(path.relative_to(destination) for path in destination.rglob("*.ipynb"))


def _ignore_scratch_files(folder, names):
    return [name for name in names if name in {".ipynb_checkpoints", "__pycache__"}]


def _normalise(path: Path, root: Path) -> None:
    """Store a released notebook as nbformat 4.5 with the ``python3`` kernelspec and the Colab cells."""
    notebook = nbformat.read(path, as_version=4)
    notebook.nbformat_minor = max(notebook.nbformat_minor, 5)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    add_student_cells(notebook, path, root)
    nbformat.validate(notebook)
    nbformat.write(notebook, path)


def release_differences(root: Path) -> list[str]:
    """Return the files in which ``course/`` differs from a release generated now.

    An empty list means the committed release is up to date.
    """
    with tempfile.TemporaryDirectory(prefix="release-check-") as scratch:
        fresh = Path(scratch) / RELEASE_DIRECTORY
        generate_release(root, fresh)
        committed = root / RELEASE_DIRECTORY
        return sorted(_compare_trees(fresh, committed))


def _compare_trees(fresh: Path, committed: Path):
    fresh_files = {path.relative_to(fresh) for path in fresh.rglob("*") if path.is_file()}
    committed_files = {
        path.relative_to(committed)
        for path in committed.rglob("*")
        if path.is_file() and ".ipynb_checkpoints" not in path.parts
    }
    for name in fresh_files - committed_files:
        yield f"{name}: missing from {RELEASE_DIRECTORY}/"
    for name in committed_files - fresh_files:
        yield f"{name}: in {RELEASE_DIRECTORY}/ but not generated from {SOURCE_DIRECTORY}/"
    for name in fresh_files & committed_files:
        if not filecmp.cmp(fresh / name, committed / name, shallow=False):
            yield f"{name}: differs from the release generated now"


def update_release(root: Path) -> list[Path]:
    """Regenerate ``course/`` in place, removing assignments that ``solutions/`` no longer has.

    Returns the notebooks written, relative to ``course/``.
    """
    release = root / RELEASE_DIRECTORY
    written = generate_release(root, release)
    current = set(assignment_names(root))
    for folder in release.iterdir():
        if folder.is_dir() and folder.name not in current:
            shutil.rmtree(folder)
    return [path for path in written if path.parts[0] in current]
