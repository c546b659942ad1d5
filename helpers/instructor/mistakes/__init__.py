"""A typical wrong answer for each exercise, keyed by the answer cell's ``grade_id``.

Each notebook has one module here with a ``MISTAKES`` dict. The demonstration class submits
some of these, and the tests run every one against its visible test, to prove that each
mistake fails with a hint and earns no points. Each one is a mistake students really make.
"""

import importlib
import pkgutil


def _collect() -> dict[str, str]:
    mistakes: dict[str, str] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for name, code in module.MISTAKES.items():
            if name in mistakes:
                raise ValueError(f"Two modules of {__name__} define a mistake for {name!r}; grade ids must be unique.")
            mistakes[name] = code
    return mistakes


TYPICAL_MISTAKES = _collect()
