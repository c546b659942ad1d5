"""JupyterLab in headless Chromium: the server, the browser and the notebooks they open.

These tests run only when ``DLF_BROWSER_TESTS=1`` (``make test-browser``), because they need
Debian's ``chromium`` package and Playwright, and take about a minute. The server runs on a
copy of ``course/`` in a temporary folder, on 127.0.0.1 with a free port and a random token.
The browser may reach that server only: every other request is aborted.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "browser"
ENABLE_VARIABLE = "DLF_BROWSER_TESTS"
CHROMIUM = os.environ.get("DLF_CHROMIUM", "/usr/bin/chromium")
SERVER_START_TIMEOUT = 90.0

# Flags for Chromium as root on a machine without a display or outside network access.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in headless Chromium (make test-browser)")


def pytest_collection_modifyitems(config, items):
    if os.environ.get(ENABLE_VARIABLE, "") not in ("", "0"):
        return
    skip = pytest.mark.skip(reason=f"browser test: set {ENABLE_VARIABLE}=1 or run 'make test-browser'")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LabServer:
    """A JupyterLab server process on 127.0.0.1 serving ``folder``."""

    def __init__(self, folder: Path, state: Path):
        self.folder = folder
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = state / "jupyterlab.log"

        environment = dict(os.environ)
        # The kernel must use matplotlib's inline backend, which MPLBACKEND=Agg from the
        # tests' conftest would override.
        environment.pop("MPLBACKEND", None)
        environment.update(
            DLF_OFFLINE="1",
            # Training cells train on less data, as under nbgrader, to keep the test short.
            NBGRADER_EXECUTION="1",
            JUPYTER_CONFIG_DIR=str(state / "config"),
            JUPYTER_RUNTIME_DIR=str(state / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
        )

        command = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={folder}",
            f"--IdentityProvider.token={self.token}",
            # No requests to PyPI or to the news feed.
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.news_url=",
            "--LabApp.extension_manager=readonly",
        ]  # fmt: skip
        if os.geteuid() == 0:
            # CI runs as root, and Jupyter Server refuses to start as root without this option.
            command.append("--ServerApp.allow_root=True")

        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            command, cwd=folder, env=environment, stdout=self.log, stderr=subprocess.STDOUT
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        status = f"{self.base_url}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(status, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"JupyterLab did not respond on {self.base_url} within {SERVER_START_TIMEOUT:.0f} s; see {self.log_path}")

    def notebook_url(self, relative_path: str) -> str:
        """Return the address that opens ``relative_path`` in a workspace of its own.

        In the default workspace, JupyterLab would reopen the notebooks of earlier tests beside it.
        """
        workspace = Path(relative_path).stem
        return f"{self.base_url}/lab/workspaces/{workspace}/tree/{relative_path}?token={self.token}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="session")
def lab_folder(tmp_path_factory):
    """A copy of ``course/``, so that the browser's saves never touch the repository."""
    folder = tmp_path_factory.mktemp("lab") / "course"
    shutil.copytree(ROOT / "course", folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return folder


@pytest.fixture(scope="session")
def lab_server(lab_folder, tmp_path_factory):
    server = LabServer(lab_folder, tmp_path_factory.mktemp("lab-state"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def page(lab_server, tmp_path):
    """A Chromium page, with a new empty profile, that may send requests only to ``lab_server``."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it with 'apt-get install chromium', or set DLF_CHROMIUM.")
    from playwright.sync_api import sync_playwright

    blocked = []

    def keep_on_server(route):
        if route.request.url.startswith(lab_server.base_url + "/") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        context.route("**/*", keep_on_server)
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(60_000)
        yield page
        context.close()
    if blocked:
        print("Requests aborted because they left the local server:", *sorted(set(blocked)), sep="\n  ")
