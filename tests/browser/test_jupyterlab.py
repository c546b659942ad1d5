"""Students' view in JupyterLab: run a notebook, move a widget slider, read a failed test.

Each test writes a submission into the served copy of ``course/`` (the release with some answer
cells filled in), opens it in headless Chromium and runs every cell from the Run menu.
Screenshots go to ``build/browser/``.
"""

import io
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from helpers.instructor.course import SOURCE_DIRECTORY
from helpers.instructor.mistakes import TYPICAL_MISTAKES
from helpers.instructor.notebooks import build_submission, exercises


pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]

RUN_TIMEOUT = 600.0
"""Seconds that running a whole notebook may take; 01-neurons took 19 to 33 s on two shared cores."""

WIDGET_ERROR = "Error displaying widget"


def write_submission(lab_folder, assignment, name, answers):
    """Write the release of ``assignment`` with ``answers`` filled in as ``<assignment>/<name>.ipynb``."""
    release = nbformat.read(lab_folder / assignment / f"{assignment}.ipynb", as_version=4)
    source = nbformat.read(ROOT / SOURCE_DIRECTORY / assignment / f"{assignment}.ipynb", as_version=4)
    nbformat.write(build_submission(release, source, answers), lab_folder / assignment / f"{name}.ipynb")
    return f"{assignment}/{name}.ipynb"


def open_notebook(page, lab_server, relative_path):
    """Open a notebook and wait until its kernel is connected and idle."""
    page.goto(lab_server.notebook_url(relative_path))
    page.locator(".jp-NotebookPanel").first.wait_for(state="visible")
    # The status bar names the kernel only once it is connected. The toolbar's indicator
    # reads "idle" before that, and a Run All clicked then runs nothing.
    page.locator(".jp-StatusBar-Widget", has_text="Python 3 (ipykernel) | Idle").first.wait_for(timeout=120_000)


def run_all_cells(page):
    """Click Run > Run All Cells, and click again if no cell was queued within 30 s."""
    for _ in range(2):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator('li.lm-Menu-item[data-command="runmenu:run-all"]').click()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if any(prompt != "[ ]:" for prompt in prompts(page)):
                return
            time.sleep(0.5)
    pytest.fail(f"Run > Run All Cells started no cell; prompts: {prompts(page)}")


def dismiss_news_question(page):
    """Answer No to JupyterLab's question about Jupyter news, so it does not cover screenshots."""
    answer = page.locator(".Toastify__toast").get_by_role("button", name="No", exact=True)
    if answer.count():
        answer.first.click()


def prompts(page) -> list[str]:
    return page.eval_on_selector_all(".jp-CodeCell .jp-InputPrompt", "nodes => nodes.map(node => node.textContent.trim())")


def wait_until_every_cell_ran(page, timeout=RUN_TIMEOUT):
    """Wait until every code cell shows an execution count and none is queued or running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = prompts(page)
        if shown and all(prompt.startswith("[") and prompt[1:-2].isdigit() for prompt in shown):
            return
        time.sleep(1.0)
    page.screenshot(path=str(ROOT / "build" / "browser" / "timed-out.png"))
    pytest.fail(f"the notebook did not finish within {timeout:.0f} s; prompts: {prompts(page)}")


def code_cell(page, *texts):
    cell = page.locator(".jp-CodeCell")
    for text in texts:
        cell = cell.filter(has_text=text)
    return cell.first


def png_pixels(data: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)


def assert_no_widget_errors(page):
    assert page.get_by_text(WIDGET_ERROR).count() == 0, f"the page shows '{WIDGET_ERROR}'"


def test_neuron_plot_follows_slider(page, lab_server, lab_folder, screenshots):
    from playwright.sync_api import expect  # installed with the browser extra only

    source = nbformat.read(ROOT / SOURCE_DIRECTORY / "01-neurons" / "01-neurons.ipynb", as_version=4)
    every_answer = {exercise.name: None for exercise in exercises(source)}
    path = write_submission(lab_folder, "01-neurons", "01-neurons-solved", every_answer)
    started = time.monotonic()

    open_notebook(page, lab_server, path)
    run_all_cells(page)
    wait_until_every_cell_ran(page)
    print(f"01-neurons ran in the browser in {time.monotonic() - started:.1f} s")

    cell = code_cell(page, "InteractiveFigure(")
    cell.scroll_into_view_if_needed()
    image = cell.locator("img.widget-image").first
    image.wait_for(state="visible")
    weight = cell.locator(".widget-slider").first
    weight.scroll_into_view_if_needed()
    readout = weight.locator(".widget-readout")
    # The readout is filled in when the widget view renders, which can follow the image by a moment.
    expect(readout).to_have_text("1.00", timeout=30_000)
    assert_no_widget_errors(page)
    dismiss_news_question(page)
    before_source = image.get_attribute("src")
    before = image.screenshot(path=str(screenshots / "01-neurons-plot-before.png"))

    handle = weight.locator(".noUi-handle")
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()

    deadline = time.monotonic() + 60
    while image.get_attribute("src") == before_source and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(1.0)  # a drag sends several values; let the last redraw arrive
    after = image.screenshot(path=str(screenshots / "01-neurons-plot-after.png"))
    page.screenshot(path=str(screenshots / "01-neurons-page.png"))

    expect(readout).not_to_have_text("1.00", timeout=10_000)
    assert image.get_attribute("src") != before_source, "the plot image was not replaced after the slider moved"
    before_pixels, after_pixels = png_pixels(before), png_pixels(after)
    assert before_pixels.shape == after_pixels.shape
    changed = np.mean(np.any(before_pixels != after_pixels, axis=-1))
    assert changed > 0.002, f"only {changed:.2%} of the plot's pixels changed"
    assert_no_widget_errors(page)


def test_wrong_answer_shows_visible_test_message(page, lab_server, lab_folder, screenshots):
    path = write_submission(
        lab_folder, "01-neurons", "01-neurons-mistake", {"weighted_sum": TYPICAL_MISTAKES["weighted_sum"]}
    )

    open_notebook(page, lab_server, path)
    run_all_cells(page)

    cell = code_cell(page, "checks.check_function(", '"weighted_sum"')
    output = cell.locator(".jp-OutputArea")
    # Cells outside the viewport are not laid out, so read textContent instead of the visible text.
    deadline = time.monotonic() + RUN_TIMEOUT
    while "Hint:" not in (output.text_content() or "") and time.monotonic() < deadline:
        time.sleep(1.0)
    dismiss_news_question(page)
    cell.scroll_into_view_if_needed()
    cell.screenshot(path=str(screenshots / "01-neurons-wrong-answer.png"))

    message = output.text_content()
    assert "AssertionError" in message
    assert "expected: 5" in message
    assert "received: 6" in message
    assert "counts it D times" in message
    assert_no_widget_errors(page)
