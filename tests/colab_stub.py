"""A stand-in for a Colab runtime: a ``google.colab`` package and a ``pip`` that records its calls.

:func:`write_colab_stub` writes both into a folder. Put that folder first on ``PYTHONPATH`` and
import ``google.colab`` when the kernel starts, as Colab's kernel does, and a notebook takes
its Colab path without installing anything or contacting any server.
"""

import json
import os
from pathlib import Path

PIP_LOG_VARIABLE = "COLAB_STUB_PIP_LOG"
WIDGET_LOG_VARIABLE = "COLAB_STUB_WIDGET_LOG"
NOTEBOOK_VARIABLE = "COLAB_STUB_NOTEBOOK"

OUTPUT_MODULE = f'''
"""Stand-in for google.colab.output: records each call of enable_custom_widget_manager."""
import os


def enable_custom_widget_manager():
    with open(os.environ["{WIDGET_LOG_VARIABLE}"], "a") as log:
        log.write("enable_custom_widget_manager\\n")
'''

MESSAGE_MODULE = f'''
"""Stand-in for google.colab._message: returns the notebook file named in the environment for get_ipynb."""
import json
import os


def blocking_request(request_type, request="", timeout_sec=5, parent=None):
    if request_type != "get_ipynb":
        raise NotImplementedError(request_type)
    with open(os.environ["{NOTEBOOK_VARIABLE}"]) as file:
        return {{"ipynb": json.load(file)}}
'''

PIP_MAIN = f'''
"""Stand-in for "python -m pip": appends its arguments to a JSON-lines log and succeeds."""
import json
import os
import sys

with open(os.environ["{PIP_LOG_VARIABLE}"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
'''

KERNEL_START = ["--IPKernelApp.exec_lines=import google.colab"]
"""Kernel arguments that import ``google.colab`` at start, as Colab's kernel does."""


def write_colab_stub(folder: Path) -> dict[str, str]:
    """Write the stub packages into ``folder`` and return the environment that activates them.

    ``google`` gets no ``__init__.py``, so it stays a namespace package and the real
    ``google.protobuf`` that TensorFlow imports is still found.
    """
    folder = Path(folder)
    colab = folder / "google" / "colab"
    colab.mkdir(parents=True)
    (colab / "__init__.py").write_text('"""Stand-in for the google.colab package of a Colab runtime."""\n')
    (colab / "output.py").write_text(OUTPUT_MODULE)
    (colab / "_message.py").write_text(MESSAGE_MODULE)
    pip = folder / "pip"
    pip.mkdir()
    (pip / "__init__.py").write_text("")
    (pip / "__main__.py").write_text(PIP_MAIN)

    python_path = os.pathsep.join(part for part in [str(folder), os.environ.get("PYTHONPATH", "")] if part)
    return {
        "PYTHONPATH": python_path,
        PIP_LOG_VARIABLE: str(folder / "pip-calls.jsonl"),
        WIDGET_LOG_VARIABLE: str(folder / "widget-calls.txt"),
    }


def pip_calls(environment: dict[str, str]) -> list[list[str]]:
    """Return the argument lists that the stub pip received, in order."""
    log = Path(environment[PIP_LOG_VARIABLE])
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def widget_manager_calls(environment: dict[str, str]) -> int:
    """Return how often ``enable_custom_widget_manager`` was called."""
    log = Path(environment[WIDGET_LOG_VARIABLE])
    return len(log.read_text().splitlines()) if log.exists() else 0
