"""Collecting downloaded submissions into nbgrader's submitted/ layout."""

import os
import zipfile
from pathlib import Path

import pytest

from helpers.instructor.collect import collect_submissions, normalise_student_id, parse_file_name

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ROOT / "course"
NOTEBOOKS = {"00-orientation": "00-orientation", "01-neurons": "01-neurons"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice", "alice"),
        ("  Alice ", "alice"),
        ("Zoë Müller", "zoe-muller"),
        ("j.smith", "j-smith"),
        ("student_42", "student_42"),
        ("ＡＢＣ", "abc"),
    ],
)
def test_student_id_normalised(raw, expected):
    assert normalise_student_id(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "-alice", "a/b", "../alice", "bob@example.org", "x" * 65])
def test_student_id_invalid_rejected(raw):
    with pytest.raises(ValueError, match="invalid student id"):
        normalise_student_id(raw)


def test_file_name_with_underscores_in_student():
    assert parse_file_name("ana_maria_01-neurons.ipynb", NOTEBOOKS) == ("ana_maria", "01-neurons")


def test_file_name_with_copy_suffix():
    assert parse_file_name("bob_00-orientation (1).ipynb", NOTEBOOKS) == ("bob", "00-orientation")


@pytest.mark.parametrize("name", ["bob.ipynb", "bob_02-unknown.ipynb", "_01-neurons.ipynb", "bob_01-neurons.txt"])
def test_file_name_unmatched(name):
    with pytest.raises(ValueError):
        parse_file_name(name, NOTEBOOKS)


def _write(folder: Path, name: str, text: str = "{}", mtime: float | None = None) -> Path:
    path = folder / name
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_collect_folder_layout_and_report(tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    _write(downloads, "Alice_01-neurons.ipynb", '{"a": 1}')
    _write(downloads, "bob_00-orientation.ipynb")
    _write(downloads, "notes.txt")
    _write(downloads, "carol_99-missing.ipynb")
    _write(downloads, "-bad_01-neurons.ipynb")
    before = {path: path.read_bytes() for path in downloads.iterdir()}

    result = collect_submissions(downloads, tmp_path / "class", RELEASE)

    collected = {(item.student, item.assignment) for item in result.collected}
    assert collected == {("alice", "01-neurons"), ("bob", "00-orientation")}
    target = tmp_path / "class" / "submitted" / "alice" / "01-neurons"
    assert (target / "01-neurons.ipynb").read_text() == '{"a": 1}'
    assert (target / "timestamp.txt").read_text().strip()
    unmatched = dict(result.unmatched)
    assert set(unmatched) == {"notes.txt", "carol_99-missing.ipynb", "-bad_01-neurons.ipynb"}
    assert "invalid student id" in unmatched["-bad_01-neurons.ipynb"]
    assert {path: path.read_bytes() for path in downloads.iterdir()} == before, "inputs must not change"


def test_collect_keeps_newest_duplicate(tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    _write(downloads, "bob_01-neurons.ipynb", "old", mtime=1_000_000)
    _write(downloads, "Bob_01-neurons (1).ipynb", "new", mtime=2_000_000)

    result = collect_submissions(downloads, tmp_path / "class", RELEASE)

    assert (tmp_path / "class" / "submitted" / "bob" / "01-neurons" / "01-neurons.ipynb").read_text() == "new"
    assert [name for name, _ in result.unmatched] == ["bob_01-neurons.ipynb"]
    assert "older file" in result.unmatched[0][1]


def test_collect_zip_flattens_and_blocks_traversal(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("export/dave_01-neurons.ipynb", "{}")
        bundle.writestr("../../erin_00-orientation.ipynb", "{}")
        bundle.writestr("__MACOSX/export/._dave_01-neurons.ipynb", "junk")

    result = collect_submissions(archive, tmp_path / "class", RELEASE)

    assert {(item.student, item.assignment) for item in result.collected} == {
        ("dave", "01-neurons"),
        ("erin", "00-orientation"),
    }
    assert result.unmatched == []
    assert not (tmp_path.parent / "erin_00-orientation.ipynb").exists()


def test_collect_replaced_is_reported(tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    _write(downloads, "bob_01-neurons.ipynb")
    collect_submissions(downloads, tmp_path / "class", RELEASE)
    second = collect_submissions(downloads, tmp_path / "class", RELEASE)
    assert [item.replaced for item in second.collected] == [True]
