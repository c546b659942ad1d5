"""Find code in a submission that could change how it is graded.

Test cells run in the same Python process as the student's answers, so an answer can
replace ``numpy.allclose`` or ``helpers.checks.check_function``, read the gradebook or
another student's files, or call the course's reference implementation. The answers of
this course are short NumPy functions that need none of that, so :func:`scan_cell` rejects
every construct such code needs, before anything runs:

* importing ``helpers`` (the reference implementations) or a module that reaches files,
  processes, the interpreter's internals or the network (``os``, ``pathlib``, ``ctypes``,
  ``importlib``, ``inspect``, ``gc``, ``builtins``, ``socket`` and more);
* the built-ins ``open``, ``exec``, ``eval``, ``compile``, ``__import__``, ``globals``,
  ``vars``, ``locals``, ``setattr``, ``delattr`` and ``breakpoint``;
* ``sys.modules``, ``sys.settrace``, ``sys.setprofile``, ``sys._getframe`` and the like;
* dunder attributes other than a few harmless ones (``__dict__``, ``__globals__``,
  ``__code__``, ``__traceback__``, ``__subclasses__``, ...), and frame attributes
  (``tb_frame``, ``f_back``, ``f_locals``, ...);
* assigning to, or deleting, an attribute or item of a module or of an alias of one
  (``np.allclose = ...``, ``x = np; x.allclose = ...``);
* rebinding a name that a locked cell imported (``np = FakeNumPy()``).

NOTE: this is a deny-list over the source text. Code can still defeat it by means that
need none of these constructs (for example a crafted ``__array__`` method on a returned
object), so the checks in :mod:`helpers.checks` and the kernel sandbox stay in force
behind it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

FORBIDDEN_MODULES = {
    "builtins": "the interpreter's built-ins",
    "ctypes": "raw memory",
    "cffi": "raw memory",
    "importlib": "the import system",
    "imp": "the import system",
    "inspect": "the interpreter's frames",
    "gc": "the interpreter's objects",
    "types": "building functions and modules",
    "os": "files and processes",
    "posix": "files and processes",
    "io": "files",
    "pathlib": "files",
    "shutil": "files",
    "glob": "files",
    "fnmatch": "files",
    "tempfile": "files",
    "fcntl": "files",
    "mmap": "files",
    "zipfile": "files",
    "tarfile": "files",
    "sqlite3": "the gradebook",
    "sqlalchemy": "the gradebook",
    "nbgrader": "the gradebook",
    "nbformat": "notebooks",
    "pickle": "loading objects",
    "marshal": "loading code",
    "dill": "loading objects",
    "subprocess": "processes",
    "multiprocessing": "processes",
    "threading": "threads",
    "_thread": "threads",
    "signal": "signals",
    "resource": "resource limits",
    "pty": "processes",
    "runpy": "running code",
    "code": "running code",
    "codeop": "running code",
    "socket": "the network",
    "urllib": "the network",
    "http": "the network",
    "requests": "the network",
    "site": "the import system",
    "sysconfig": "the interpreter",
    "faulthandler": "the interpreter",
    "helpers": "the course's reference implementations",
}
"""Modules an answer may not import, with what they give access to."""

FORBIDDEN_NAMES = {
    "open", "exec", "eval", "compile", "__import__", "globals", "vars", "locals",
    "setattr", "delattr", "breakpoint", "__builtins__", "__loader__", "__spec__",
}
FORBIDDEN_SYS_ATTRIBUTES = {
    "modules", "settrace", "setprofile", "_getframe", "meta_path", "path_hooks", "path_importer_cache",
    "addaudithook", "excepthook", "displayhook", "stdout", "stderr", "stdin", "__stdout__", "__stderr__",
    "exc_info", "exception", "last_traceback", "last_value",
}
ALLOWED_DUNDERS = {
    "__init__", "__name__", "__doc__", "__len__", "__iter__", "__next__", "__call__", "__repr__", "__str__",
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__getitem__", "__setitem__",
    "__contains__", "__add__", "__sub__", "__mul__", "__truediv__", "__matmul__", "__neg__",
}
FRAME_ATTRIBUTES = {
    "tb_frame", "tb_next", "f_back", "f_locals", "f_globals", "f_builtins", "f_code", "gi_frame",
    "cr_frame", "ag_frame", "co_code", "func_globals",
}


@dataclass(frozen=True)
class Finding:
    """One construct in a cell that grading does not allow."""

    line: int
    """Line number inside the cell, from 1."""
    message: str
    """The construct, as a verb phrase such as ``assigns to np.allclose``."""

    def __str__(self) -> str:
        return f"line {self.line} {self.message}"


def imported_names(source: str) -> dict[str, str]:
    """Return the names that the import statements of ``source`` bind, with their module.

    Code that does not parse binds nothing.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _root_name(node) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _targets(node) -> list:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    if isinstance(node, ast.Delete):
        return list(node.targets)
    if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
        return [node.target]
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [node.optional_vars]
    if isinstance(node, ast.NamedExpr):
        return [node.target]
    return []


def _flatten(targets):
    for target in targets:
        if isinstance(target, (ast.Tuple, ast.List)):
            yield from _flatten(target.elts)
        elif isinstance(target, ast.Starred):
            yield from _flatten([target.value])
        else:
            yield target


def scan_cell(source: str, protected: dict[str, str]) -> list[Finding]:
    """Return what in ``source`` grading does not allow, in line order.

    ``protected`` maps the names that locked cells import to their module
    (:func:`imported_names`). Code that does not parse has no findings: it fails when it runs.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    modules = dict(protected)
    modules.update(imported_names(source))
    _add_aliases(tree, modules)
    findings = []

    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            findings += _import_findings(node, protected)
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            findings.append(Finding(line, f"uses {node.id}"))
        elif isinstance(node, ast.Attribute):
            findings += _attribute_findings(node, modules)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in protected:
            if node in tree.body:
                findings.append(Finding(line, f"rebinds {node.name}, which a locked cell imports"))
        for target in _flatten(_targets(node)):
            findings += _target_findings(target, modules, protected, top_level=node in tree.body)
    return sorted(set(findings), key=lambda finding: (finding.line, finding.message))


def _add_aliases(tree, modules: dict[str, str]) -> None:
    """Add ``x`` to ``modules`` for every ``x = <module or attribute of one>``, until none is new."""
    changed = True
    while changed:
        changed = False
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assign):
                continue
            root = _root_name(node.value) if isinstance(node.value, (ast.Name, ast.Attribute)) else None
            if root is None or root not in modules:
                continue
            for target in _flatten(node.targets):
                if isinstance(target, ast.Name) and target.id not in modules:
                    modules[target.id] = modules[root]
                    changed = True


def _import_findings(node, protected: dict[str, str]) -> list[Finding]:
    findings = []
    if isinstance(node, ast.ImportFrom):
        modules = [node.module or ""]
        if node.level:
            findings.append(Finding(node.lineno, "uses a relative import"))
    else:
        modules = [alias.name for alias in node.names]
    for module in modules:
        top = module.split(".")[0]
        if top in FORBIDDEN_MODULES:
            findings.append(Finding(node.lineno, f"imports {module} ({FORBIDDEN_MODULES[top]})"))
    for name, module in imported_names(ast.unparse(node)).items():
        if name in protected and protected[name] != module:
            findings.append(Finding(node.lineno, f"rebinds {name}, which a locked cell imports, to {module}"))
    return findings


def _attribute_findings(node: ast.Attribute, modules: dict[str, str]) -> list[Finding]:
    name = node.attr
    if name.startswith("__") and name.endswith("__") and name not in ALLOWED_DUNDERS:
        return [Finding(node.lineno, f"uses the attribute {name}")]
    if name in FRAME_ATTRIBUTES:
        return [Finding(node.lineno, f"uses the frame attribute {name}")]
    if isinstance(node.value, ast.Name) and modules.get(node.value.id, "").split(".")[0] == "sys":
        if name in FORBIDDEN_SYS_ATTRIBUTES:
            return [Finding(node.lineno, f"uses sys.{name}")]
    return []


def _target_findings(target, modules: dict[str, str], protected: dict[str, str], top_level: bool) -> list[Finding]:
    line = getattr(target, "lineno", 0)
    if isinstance(target, (ast.Attribute, ast.Subscript)):
        root = _root_name(target)
        if root in modules:
            return [Finding(line, f"assigns to {ast.unparse(target)}, part of the module {modules[root]}")]
    elif isinstance(target, ast.Name) and top_level and target.id in protected:
        return [Finding(line, f"rebinds {target.id}, which a locked cell imports")]
    return []
