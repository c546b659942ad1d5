"""Matching damaged submissions to the release, and finding answers that tamper with grading."""

import copy
import json
from pathlib import Path

import nbformat
import numpy as np
import pytest

from helpers import checks, neurons
from helpers.instructor.integrity import imported_names, scan_cell
from helpers.instructor.mistakes import TYPICAL_MISTAKES
from helpers.instructor.notebooks import build_submission, exercises, nbgrader_metadata
from helpers.instructor.repair import SubmissionError, raw_format_notes, read_submission, repair_submission

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01-neurons"
RELEASE = nbformat.read(ROOT / "course" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
SOURCE = nbformat.read(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
OTHER = {"02-losses": nbformat.read(ROOT / "course" / "02-losses" / "02-losses.ipynb", as_version=4)}
PROTECTED = {"np": "numpy", "checks": "helpers.checks", "plt": "matplotlib.pyplot"}


def solved():
    return build_submission(RELEASE, SOURCE, {exercise.name: None for exercise in exercises(SOURCE)})


def repair(notebook):
    return repair_submission(read_submission(nbformat.writes(notebook).encode()), RELEASE, ASSIGNMENT, OTHER)


def graded_ids(notebook):
    return [nbgrader_metadata(cell).get("grade_id") for cell in notebook.cells if nbgrader_metadata(cell)]


def index_of(notebook, grade_id):
    return [nbgrader_metadata(cell).get("grade_id") for cell in notebook.cells].index(grade_id)


def messages(result):
    return [repair.message for repair in result.repairs]


def test_clean_submissions_need_no_repair():
    for answers in ({}, {exercise.name: None for exercise in exercises(SOURCE)}):
        result = repair(build_submission(RELEASE, SOURCE, answers))
        assert result.repairs == []


def test_typical_mistakes_are_not_withheld():
    answers = {exercise.name: TYPICAL_MISTAKES[exercise.name] for exercise in exercises(SOURCE)}
    assert repair(build_submission(RELEASE, SOURCE, answers)).repairs == []


def test_stripped_metadata_is_matched_back():
    notebook = solved()
    for cell in notebook.cells:
        cell.metadata = {}
    result = repair(notebook)
    assert graded_ids(result.notebook) == graded_ids(RELEASE)
    answer = next(cell for cell in result.notebook.cells if nbgrader_metadata(cell).get("grade_id") == "weighted_sum")
    assert "np.dot(x, w)" in answer.source
    assert any("matched by function names weighted_sum" in message for message in messages(result))


def test_missing_test_cell_inserted_in_place():
    notebook = solved()
    del notebook.cells[index_of(notebook, "test_dense_forward")]
    result = repair(notebook)
    ids = graded_ids(result.notebook)
    assert ids == graded_ids(RELEASE)
    assert ids.index("test_dense_forward") == ids.index("dense_forward") + 1
    assert "the test cell 'test_dense_forward' was missing; restored from the release" in messages(result)


def test_edited_test_restored():
    notebook = solved()
    index = index_of(notebook, "test_weighted_sum")
    notebook.cells[index].source = "pass"
    result = repair(notebook)
    restored = next(cell for cell in result.notebook.cells if nbgrader_metadata(cell).get("grade_id") == "test_weighted_sum")
    assert restored.source == next(c for c in RELEASE.cells if nbgrader_metadata(c).get("grade_id") == "test_weighted_sum").source
    assert "the test cell 'test_weighted_sum' was edited; restored from the release" in messages(result)


def test_missing_answer_gets_stub():
    notebook = solved()
    del notebook.cells[index_of(notebook, "count_params")]
    result = repair(notebook)
    stub = next(cell for cell in result.notebook.cells if nbgrader_metadata(cell).get("grade_id") == "count_params")
    assert "raise NotImplementedError()" in stub.source
    assert any("no answer cell 'count_params' was found" in message for message in messages(result))


def test_foreign_metadata_cleared():
    notebook = solved()
    extra = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"grade": True, "grade_id": "bonus", "points": 100}})
    notebook.cells.append(extra)
    result = repair(notebook)
    assert "bonus" not in graded_ids(result.notebook)
    assert any("'bonus', which the release does not have" in message for message in messages(result))


def test_notebook_of_other_assignment_rejected():
    with pytest.raises(SubmissionError, match="this is the notebook of 02-losses"):
        repair(OTHER["02-losses"])


def test_unrelated_notebook_rejected():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")])
    with pytest.raises(SubmissionError, match="only 0 of the"):
        repair(notebook)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"   \n", "is empty"),
        (b"\x00\xff", "not valid JSON"),
        (b"[1, 2]", "not a Jupyter notebook"),
        (b'{"cells": [], "nbformat": 9}', "nbformat 9"),
    ],
)
def test_broken_files_rejected(data, message):
    with pytest.raises(SubmissionError, match=message):
        read_submission(data, "a.ipynb")


def test_raw_format_notes_find_ids_and_version():
    content = json.loads(nbformat.writes(solved()))
    content["nbformat_minor"] = 4
    content["cells"][0].pop("id")
    content["cells"][2]["id"] = content["cells"][1]["id"]
    notes = [note.message for note in raw_format_notes(json.dumps(content).encode())]
    assert notes == [
        "the notebook was saved as nbformat 4.4; upgraded to 4.5",
        "2 cells had a missing or repeated id; new ids assigned",
    ]


def test_tampering_answer_withheld():
    notebook = solved()
    index = index_of(notebook, "weighted_sum")
    notebook.cells[index].source += "\nnp.allclose = lambda *a, **k: True\n"
    result = repair(notebook)
    answer = next(cell for cell in result.notebook.cells if nbgrader_metadata(cell).get("grade_id") == "weighted_sum")
    assert answer.source.startswith("# Withheld from grading.")
    namespace = {}
    exec(answer.source, namespace)
    with pytest.raises(AssertionError, match="not run when grading: line 5 assigns to np.allclose"):
        namespace["weighted_sum"](1, 2, 3)
    assert [repair.kind for repair in result.repairs] == ["withheld"]


@pytest.mark.parametrize(
    ("code", "finding"),
    [
        ("np.allclose = lambda *a, **k: True", "assigns to np.allclose"),
        ("x = np\nx.testing.assert_allclose = print", "assigns to x.testing.assert_allclose"),
        ("from numpy import testing as t\nt.assert_allclose = print", "assigns to t.assert_allclose"),
        ("del checks.check_function", "assigns to checks.check_function"),
        ("checks.check_function = print", "assigns to checks.check_function"),
        ("np = None", "rebinds np"),
        ("import random as np", "rebinds np, which a locked cell imports, to random"),
        ("import builtins", "imports builtins"),
        ("import os\nos._exit(0)", "imports os"),
        ("from helpers.neurons import weighted_sum", "imports helpers.neurons"),
        ("import importlib", "imports importlib"),
        ("text = open('/etc/passwd').read()", "uses open"),
        ("exec('1')", "uses exec"),
        ("f = eval", "uses eval"),
        ("setattr(np, 'allclose', print)", "uses setattr"),
        ("g = globals()", "uses globals"),
        ("d = np.__dict__", "uses the attribute __dict__"),
        ("c = (lambda: 0).__code__", "uses the attribute __code__"),
        ("import sys\nsys.modules['numpy'] = None", "uses sys.modules"),
        ("import sys\nf = sys._getframe()", "uses sys._getframe"),
        ("try:\n    1 / 0\nexcept Exception as e:\n    f = e.__traceback__.tb_frame", "uses the frame attribute tb_frame"),
    ],
)
def test_scan_finds_tampering(code, finding):
    found = [str(item) for item in scan_cell(code, PROTECTED)]
    assert any(finding in item for item in found), found


@pytest.mark.parametrize(
    "code",
    [
        "def f(x):\n    return np.dot(x, x)",
        "class Dense:\n    def __init__(self, n):\n        self.W = np.zeros(n)\n        super().__init__()",
        "import numpy as np\nimport math\nx = np.zeros(3)\nx[0] = 1",
        "import sys\nprint(sys.version)\nsys.exit('done')",
        "model_layers = [1, 2]\nmodel_layers[0] = 3",
        "def broken(:",
    ],
)
def test_scan_accepts_honest_code(code):
    assert scan_cell(code, PROTECTED) == []


def test_imported_names_of_locked_cell():
    assert imported_names("import numpy as np\nfrom helpers import checks\nimport os.path") == {
        "np": "numpy",
        "checks": "helpers.checks",
        "os": "os",
    }


def test_check_fails_answer_that_calls_reference():
    def weighted_sum(x, w, b):
        return neurons.weighted_sum(x, w, b)

    with pytest.raises(AssertionError, match=r"calls the course's reference implementation \(helpers.neurons.weighted_sum\)"):
        checks.check_function(weighted_sum, "weighted_sum", {"x": np.ones(2), "w": np.ones(2), "b": 0.0}, 2.0, hint="")
    with pytest.raises(AssertionError, match="reference implementation"):
        checks.check_against_reference(
            weighted_sum, neurons.weighted_sum, "weighted_sum", [{"x": np.ones(2), "w": np.ones(2), "b": 0.0}]
        )
    assert neurons.weighted_sum(np.ones(2), np.ones(2), 1.0) == 3.0, "the reference must work again afterwards"


def test_check_fails_when_numpy_replaced():
    original = np.allclose

    def weighted_sum(x, w, b):
        np.allclose = lambda *args, **kwargs: True
        return 0.0

    try:
        with pytest.raises(AssertionError, match="numpy.allclose was replaced"):
            checks.check_function(weighted_sum, "weighted_sum", {"x": np.ones(2), "w": np.ones(2), "b": 0.0}, 2.0, hint="")
    finally:
        np.allclose = original


def test_check_compares_with_original_numpy():
    original = np.allclose
    np.allclose = lambda *args, **kwargs: True
    try:
        assert checks._mismatch(np.ones(2), np.zeros(2), 1e-6, 1e-8) is not None
    finally:
        np.allclose = original
