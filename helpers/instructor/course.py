"""Locate the course and build nbgrader settings for it."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"
SOURCE_DIRECTORY = "solutions"
RELEASE_DIRECTORY = "course"


def find_course_root(start: str | os.PathLike | None = None) -> Path:
    """Return the folder that contains ``nbgrader_config.py`` and ``solutions/``.

    Searches ``start`` (default: the current directory) and its parents, then the checkout
    that this package was installed from in editable mode.
    """
    candidates = []
    here = Path(start or Path.cwd()).resolve()
    candidates.extend([here, *here.parents])
    candidates.append(Path(__file__).resolve().parents[2])
    for folder in candidates:
        if (folder / CONFIG_FILE).is_file() and (folder / SOURCE_DIRECTORY).is_dir():
            return folder
    raise FileNotFoundError(
        f"No course found: none of {here} and its parents contains {CONFIG_FILE} and {SOURCE_DIRECTORY}/. "
        "Run the command inside the course checkout, or pass --root."
    )


def load_course_config(root: Path) -> Config:
    """Return the settings of ``root/nbgrader_config.py``."""
    loader = PyFileConfigLoader(CONFIG_FILE, path=str(root))
    return loader.load_config()


def nbgrader_config(root: Path, course_directory: Path | None = None, **course_settings) -> Config:
    """Return the course's nbgrader settings, pointed at ``course_directory``.

    ``course_directory`` defaults to ``root``. Keyword arguments override settings of
    ``CourseDirectory``, for example ``source_directory="source"``.
    """
    config = load_course_config(root)
    folder = Path(course_directory or root).resolve()
    config.CourseDirectory.root = str(folder)
    config.CourseDirectory.db_url = f"sqlite:///{folder / 'gradebook.db'}"
    if course_directory is not None:
        # A private exchange folder, because NbGraderAPI lists the exchange when it starts and
        # logs "Unwritable directory" when the system-wide one does not exist.
        exchange = folder / "exchange"
        exchange.mkdir(parents=True, exist_ok=True)
        config.Exchange.root = str(exchange)
    for key, value in course_settings.items():
        setattr(config.CourseDirectory, key, value)
    return config


def assignment_names(root: Path) -> list[str]:
    """Return the assignment folders under ``solutions/``, in course order."""
    source = root / SOURCE_DIRECTORY
    return sorted(entry.name for entry in source.iterdir() if entry.is_dir() and not entry.name.startswith("."))


def _put_interpreter_scripts_on_path() -> None:
    """Make the ``alembic`` command of this environment findable.

    nbgrader 0.9 runs ``alembic`` as a subprocess whenever it opens a gradebook, which fails
    with ``FileNotFoundError: 'alembic'`` when the virtual environment is not activated
    (for example ``.venv/bin/python -m ...`` from a Makefile).
    """
    scripts = str(Path(sys.executable).parent)
    entries = os.environ.get("PATH", "").split(os.pathsep)
    if scripts not in entries:
        os.environ["PATH"] = os.pathsep.join([scripts, *entries])


def make_api(config: Config, log_level: int | None = None):
    """Return an ``NbGraderAPI`` that uses ``config`` and logs at ``log_level``.

    ``log_level`` defaults to the level of this module's logger, so ``dlf-course -v`` shows
    nbgrader's progress and a plain run shows only warnings and errors.
    """
    _put_interpreter_scripts_on_path()
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    if log_level is None:
        log_level = logging.getLogger(__name__).getEffectiveLevel()
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config, log_level=logging.ERROR)
    api.log_level = log_level
    return api


def check_result(result: dict, step: str) -> None:
    """Raise ``RuntimeError`` with nbgrader's log when an API call failed."""
    if not result.get("success", False):
        details = result.get("error") or result.get("log") or "no log"
        raise RuntimeError(f"nbgrader {step} failed:\n{details}")
