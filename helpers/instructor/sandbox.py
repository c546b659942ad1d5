"""Start grading kernels inside resource limits and a filesystem sandbox.

nbgrader runs every submission in an IPython kernel as the grader's own user, so without
limits an answer can exhaust the machine's memory, fill the disk, read other students'
submissions or rewrite the gradebook. :class:`GradingKernelManager` starts each kernel
through this module's ``main``, which applies, in the kernel process only:

* ``RLIMIT_AS`` (address space), so a memory bomb fails with ``MemoryError`` or kills its
  own kernel instead of the machine; ``RLIMIT_FSIZE`` caps every file the kernel writes,
  and ``RLIMIT_CORE`` is 0;
* a Landlock ruleset (Linux 5.13 and newer): the kernel may read the Python installation,
  the ``helpers`` package and the data caches, write only in its working folder (the
  copy of the notebook's folder that nbgrader grades in) and a private temporary folder,
  connect to no TCP port (Linux 6.7 and newer), and send signals only to processes
  inside its own sandbox (Linux 6.12 and newer).

Then it ``exec``-s the kernel command of the kernelspec unchanged.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import resource
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, List, Unicode

logger = logging.getLogger(__name__)

DEFAULT_MEMORY_LIMIT = 6 * 2**30
"""Address-space limit of a grading kernel in bytes.

A kernel that has imported TensorFlow 2.21 and trained a small Keras model maps about
3 GiB of address space, most of it reserved and not resident. 6 GiB leaves room for the
course's data (full MNIST as float32 is 0.2 GiB), and a runaway allocation still stops early.
"""

DEFAULT_FILE_SIZE_LIMIT = 256 * 2**20
"""Largest file a grading kernel may write, in bytes."""

# Linux system call numbers, the same on x86-64 and arm64.
_SYS_LANDLOCK_CREATE_RULESET = 444
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_PDEATHSIG = 1

_ACCESS_EXECUTE = 1 << 0
_ACCESS_WRITE_FILE = 1 << 1
_ACCESS_READ_FILE = 1 << 2
_ACCESS_READ_DIR = 1 << 3
_ACCESS_REFER = 1 << 13
_ACCESS_TRUNCATE = 1 << 14
_ACCESS_IOCTL_DEV = 1 << 15
_NET_CONNECT_TCP = 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
_SCOPE_SIGNAL = 1 << 1

_READ = _ACCESS_EXECUTE | _ACCESS_READ_FILE | _ACCESS_READ_DIR
_FILE_ACCESS = _ACCESS_EXECUTE | _ACCESS_WRITE_FILE | _ACCESS_READ_FILE | _ACCESS_TRUNCATE | _ACCESS_IOCTL_DEV
_DEVICES_WRITABLE = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/tty")


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """Return the Landlock ABI version of the running Linux kernel, or 0 where it has none."""
    if not sys.platform.startswith("linux"):
        return 0
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    version = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION))
    return max(int(version), 0)


def _fs_access_for(abi: int) -> int:
    """Return every filesystem right that Landlock ABI ``abi`` can restrict."""
    handled = (1 << 13) - 1
    if abi >= 2:
        handled |= _ACCESS_REFER
    if abi >= 3:
        handled |= _ACCESS_TRUNCATE
    if abi >= 5:
        handled |= _ACCESS_IOCTL_DEV
    return handled


def apply_landlock(read_paths, write_paths) -> int:
    """Restrict this process and its future children to the given paths, with no TCP connections.

    Returns the ABI version used. Raises ``OSError`` when the kernel has no Landlock or a
    system call fails. Paths that do not exist are skipped.
    """
    abi = landlock_abi()
    if abi < 1:
        raise OSError("Landlock is not available in this Linux kernel (it needs 5.13 or newer with Landlock enabled)")
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    handled_fs = _fs_access_for(abi)
    attr = _RulesetAttr(handled_access_fs=handled_fs)
    size = 8
    if abi >= 4:
        # Binding stays allowed because the kernel listens on its ports; a listening socket
        # is useless to other kernels, which cannot connect.
        attr.handled_access_net = _NET_CONNECT_TCP
        size = 16
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
        size = 24
    ruleset = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for path in read_paths:
            _add_path_rule(libc, ruleset, path, _READ & handled_fs)
        for path in write_paths:
            _add_path_rule(libc, ruleset, path, handled_fs)
        for device in _DEVICES_WRITABLE:
            _add_path_rule(libc, ruleset, device, _FILE_ACCESS & handled_fs)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return abi


def _add_path_rule(libc, ruleset: int, path, access: int) -> None:
    try:
        descriptor = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not Path(path).is_dir():
            # Rules on a file may only grant rights that apply to files.
            access &= _FILE_ACCESS
        rule = _PathBeneathAttr(allowed_access=access, parent_fd=descriptor)
        if libc.syscall(_SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_LANDLOCK_RULE_PATH_BENEATH), ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(descriptor)


def default_read_paths() -> list[str]:
    """Return the folders a grading kernel needs to read: Python, its packages, data caches."""
    import helpers

    home = Path.home()
    paths = {
        "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/opt", "/proc", "/sys", "/dev",
        sys.prefix, sys.base_prefix, sys.exec_prefix,
        str(Path(helpers.__file__).resolve().parent),
        os.environ.get("KERAS_HOME") or str(home / ".keras"),
        str(home / ".cache" / "matplotlib"),
        str(home / ".config" / "matplotlib"),
    }
    for entry in sys.path:
        # Installed packages only: a script's own folder or the current folder may be the course.
        if entry and "-packages" in entry:
            paths.add(entry)
    return sorted(paths)


def _set_limit(kind: int, value: int) -> None:
    soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, hard if hard != resource.RLIM_INFINITY else value))


def main(argv: list[str] | None = None) -> None:
    """Apply the limits to this process, then ``exec`` the kernel command after ``--``."""
    parser = argparse.ArgumentParser(prog="python -m helpers.instructor.sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY_LIMIT, help="address-space limit in bytes")
    parser.add_argument("--file-size", type=int, default=DEFAULT_FILE_SIZE_LIMIT, help="largest file written, in bytes")
    parser.add_argument("--no-landlock", action="store_true", help="apply the resource limits only")
    parser.add_argument("--read", action="append", default=[], help="extra folder the kernel may read (repeatable)")
    parser.add_argument("--private", help="empty folder for the kernel's temporary files (default: a new one)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- followed by the kernel command")
    arguments = parser.parse_args(argv)
    command = arguments.command[1:] if arguments.command[:1] == ["--"] else arguments.command
    if not command:
        parser.error("the kernel command is missing; pass it after --")

    # The caller removes this folder after the kernel stops; this process is replaced by exec.
    private = Path(arguments.private) if arguments.private else Path(tempfile.mkdtemp(prefix="grading-kernel-"))
    command = _private_connection_file(command, private)
    os.environ["TMPDIR"] = str(private)
    os.environ["IPYTHONDIR"] = str(private / "ipython")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(private)
    # joblib (through scikit-learn) probes POSIX semaphores in /dev/shm, which the sandbox
    # does not allow, and prints a warning into the cell output unless set to run serially.
    os.environ["JOBLIB_MULTIPROCESSING"] = "0"

    if sys.platform.startswith("linux"):
        # The kernel dies with the grading process that started it, even on SIGKILL.
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _set_limit(resource.RLIMIT_AS, arguments.memory)
    _set_limit(resource.RLIMIT_FSIZE, arguments.file_size)
    _set_limit(resource.RLIMIT_CORE, 0)

    if not arguments.no_landlock:
        try:
            apply_landlock(default_read_paths() + arguments.read, [os.getcwd(), str(private)])
        except OSError as error:
            # NOTE: without Landlock the kernel can read and write every file its user can.
            print(f"Grading kernel sandbox not applied: {error}. Only resource limits are in force.", file=sys.stderr)
    os.execvp(command[0], command)


def _private_connection_file(command: list[str], folder: Path) -> list[str]:
    """Copy the connection file into ``folder``, so the kernel needs no access to the runtime folder.

    Jupyter's runtime folder contains the connection files, with their signing keys, of
    every kernel of the user, including those grading other students.
    """
    command = list(command)
    for position, item in enumerate(command[:-1]):
        if item == "-f":
            original = Path(command[position + 1])
            copy = folder / original.name
            shutil.copyfile(original, copy)
            command[position + 1] = str(copy)
    return command


class GradingKernelManager(AsyncKernelManager):
    """A kernel manager that starts kernels through :func:`main`, with limits for grading.

    Select it with ``c.Execute.kernel_manager_class`` or, as ``nbgrader_config.py`` does,
    through :class:`helpers.instructor.preprocessors.GradingExecute`.
    """

    memory_limit = Integer(DEFAULT_MEMORY_LIMIT, help="address-space limit of a grading kernel, in bytes").tag(config=True)
    file_size_limit = Integer(DEFAULT_FILE_SIZE_LIMIT, help="largest file a grading kernel may write, in bytes").tag(
        config=True
    )
    filesystem_sandbox = Bool(True, help="restrict the kernel's files, ports and signals with Landlock").tag(config=True)
    extra_read_paths = List(Unicode(), help="more folders a grading kernel may read").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._private_folders: list[str] = []

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        if any("ipykernel" in part for part in command):
            # Import the checks before any cell runs, so that they keep references to the
            # original NumPy functions even when an answer replaces them later.
            command.append("--IPKernelApp.exec_lines=['import helpers.checks as _grading_checks; del _grading_checks']")
            # ipykernel 7 warns at every start that its loopback TCP sockets are unencrypted: one
            # line per graded notebook on the grader's terminal. Messages are signed with the
            # connection file's key, which the sandbox keeps from other grading kernels.
            command.append("--IPKernelApp.log_level=ERROR")
        wrapper = [
            sys.executable, "-m", "helpers.instructor.sandbox",
            "--memory", str(self.memory_limit),
            "--file-size", str(self.file_size_limit),
        ]
        if not self.filesystem_sandbox:
            wrapper.append("--no-landlock")
        for path in self.extra_read_paths:
            wrapper += ["--read", path]
        # Each start gets its own temporary folder; a class of hundreds would otherwise leave
        # one folder per graded notebook behind.
        private = tempfile.mkdtemp(prefix="grading-kernel-")
        self._private_folders.append(private)
        wrapper += ["--private", private]
        return [*wrapper, "--", *command]

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        while self._private_folders:
            shutil.rmtree(self._private_folders.pop(), ignore_errors=True)

    cleanup_resources = _async_cleanup_resources


if __name__ == "__main__":
    main()
