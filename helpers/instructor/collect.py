"""Sort submissions downloaded from a learning-management system into nbgrader's layout.

Systems such as Moodle or Canvas export one file per student and notebook. This module
expects names ``<student>_<notebook>.ipynb``, optionally with a copy suffix such as
`` (1)`` added by the browser, and writes ``submitted/<student>/<assignment>/<notebook>.ipynb``
with nbgrader's ``timestamp.txt``. Files it cannot match are returned with the reason,
never skipped silently. Input files are only read.

Student ids are normalised by :func:`normalise_student_id`: Unicode NFKC, accents removed,
lower case, spaces and dots turned into ``-``. The result must match
:data:`STUDENT_ID_PATTERN`: 1 to 64 characters of ``a-z``, ``0-9``, ``_`` and ``-``,
starting with a letter or digit. That keeps ids valid as folder names on every system and
as nbgrader ids, and equal to JupyterHub's lower-case user names.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

STUDENT_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
COPY_SUFFIX = re.compile(r"(?: \(\d+\)|_late)$")
MAX_ZIP_BYTES = 2 * 2**30
"""Largest total uncompressed size of a zip of submissions that is extracted."""
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


def normalise_student_id(raw: str) -> str:
    """Return the normalised form of ``raw``; raise ``ValueError`` when it is not a valid id."""
    text = unicodedata.normalize("NFKC", raw).strip()
    text = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    text = re.sub(r"[\s.]+", "-", text.lower())
    if not STUDENT_ID_PATTERN.fullmatch(text):
        raise ValueError(
            f"invalid student id {raw!r} (normalised to {text!r}): use 1 to 64 letters a-z, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    return text


@dataclass
class Collected:
    student: str
    assignment: str
    source: str
    target: Path
    replaced: bool


@dataclass
class CollectResult:
    collected: list[Collected] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    """(file name, reason) for every file that was not collected."""


def release_notebooks(release: Path) -> dict[str, str]:
    """Return notebook name (without ``.ipynb``) -> assignment for every notebook of the release."""
    return {path.stem: path.parent.name for path in sorted(Path(release).glob("*/*.ipynb"))}


def parse_file_name(name: str, notebooks: dict[str, str]) -> tuple[str, str]:
    """Return (raw student id, notebook) for ``<student>_<notebook>.ipynb``; raise ``ValueError``.

    The notebook is the longest known notebook name the file name ends with, so student ids
    may contain underscores.
    """
    if not name.lower().endswith(".ipynb"):
        raise ValueError("not a notebook (the name does not end in .ipynb)")
    stem = COPY_SUFFIX.sub("", name[: -len(".ipynb")])
    for notebook in sorted(notebooks, key=len, reverse=True):
        if stem.endswith("_" + notebook) and len(stem) > len(notebook) + 1:
            return stem[: -len(notebook) - 1], notebook
    known = ", ".join(sorted(notebooks))
    raise ValueError(f"the name is not <student>_<notebook>.ipynb with a notebook of the release ({known})")


def _extract_zip(archive: Path, folder: Path) -> list[tuple[str, str]]:
    """Extract the files of ``archive`` flat into ``folder``; return the entries that were not."""
    skipped = []
    with zipfile.ZipFile(archive) as bundle:
        total = sum(info.file_size for info in bundle.infolist())
        if total > MAX_ZIP_BYTES:
            raise ValueError(f"{archive} would extract to {total} bytes, more than {MAX_ZIP_BYTES}; unzip it by hand.")
        for info in bundle.infolist():
            name = Path(info.filename).name
            if info.is_dir() or not name or name in IGNORED_NAMES or "__MACOSX" in info.filename:
                continue
            target = folder / name
            if target.exists():
                skipped.append((info.filename, "another file in the zip has the same name"))
                continue
            # Only the base name is used, so an entry such as '../x' cannot escape the folder.
            with bundle.open(info) as source, target.open("wb") as destination:
                shutil.copyfileobj(source, destination)
            stamp = datetime.datetime(*info.date_time).timestamp()
            os.utime(target, (stamp, stamp))
    return skipped


def collect_submissions(source: Path, folder: Path, release: Path) -> CollectResult:
    """Copy the submissions in ``source`` (a folder or a zip) into ``folder/submitted``.

    ``release`` is the student release (``course/``); its notebooks define the names that
    match. A later file for the same student and notebook replaces an earlier one.
    """
    source = Path(source)
    notebooks = release_notebooks(release)
    if not notebooks:
        raise FileNotFoundError(f"No notebooks under {release}; run 'dlf-course release' first.")
    result = CollectResult()
    with tempfile.TemporaryDirectory(prefix="collect-") as scratch:
        if source.is_file() and zipfile.is_zipfile(source):
            files_folder = Path(scratch)
            result.unmatched += _extract_zip(source, files_folder)
        elif source.is_dir():
            files_folder = source
        else:
            raise FileNotFoundError(f"{source} is neither a folder nor a zip file.")
        _collect_folder(files_folder, folder, notebooks, result)
    return result


def _collect_folder(files_folder: Path, folder: Path, notebooks: dict[str, str], result: CollectResult) -> None:
    chosen: dict[tuple[str, str], Path] = {}
    names: dict[tuple[str, str], str] = {}
    for path in sorted(files_folder.rglob("*")):
        if not path.is_file() or path.name in IGNORED_NAMES:
            continue
        label = str(path.relative_to(files_folder))
        try:
            raw, notebook = parse_file_name(path.name, notebooks)
            student = normalise_student_id(raw)
        except ValueError as error:
            result.unmatched.append((label, str(error)))
            continue
        key = (student, notebook)
        if key in chosen:
            older, newer = sorted([chosen[key], path], key=lambda item: item.stat().st_mtime)
            result.unmatched.append(
                (str(older.relative_to(files_folder)), f"an older file for {student} / {notebook} than {newer.name}; not used")
            )
            chosen[key], names[key] = newer, str(newer.relative_to(files_folder))
        else:
            chosen[key], names[key] = path, label

    for (student, notebook), path in sorted(chosen.items()):
        assignment = notebooks[notebook]
        target_folder = folder / "submitted" / student / assignment
        target = target_folder / f"{notebook}.ipynb"
        replaced = target.exists()
        target_folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        modified = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.timezone.utc)
        (target_folder / "timestamp.txt").write_text(modified.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
        result.collected.append(Collected(student, assignment, names[(student, notebook)], target, replaced))
