"""The public API is explicit: ``__all__`` lists exactly the public names, as httpx checks.

The package's ``__all__`` is every public name it has (submodules aside); each module's
``__all__`` names things that exist, and every public class and function a module defines
is in it, so nothing public appears by accident and nothing listed is missing.
"""

from __future__ import annotations
import __future__

import ast
import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import provenance

PACKAGE = Path(provenance.__file__).parent

#: Public classes and functions a module may leave out of ``__all__`` (none today).
KNOWN_GAPS: dict[str, set[str]] = {}


def _public_names(module: ModuleType) -> list[str]:
    # Submodules become attributes once imported, and ``from __future__ import
    # annotations`` leaves a name behind: neither is API.
    return sorted(
        name for name in dir(module)
        if not name.startswith("_") and not isinstance(getattr(module, name), ModuleType | __future__._Feature)
    )


def test_public_api_is_explicit_and_importable():
    assert sorted(provenance.__all__) == sorted(set(provenance.__all__))
    for name in provenance.__all__:
        assert getattr(provenance, name) is not None


def test_the_package_all_is_every_public_name():
    assert sorted(name for name in provenance.__all__ if not name.startswith("_")) == _public_names(provenance)
    assert "__version__" in provenance.__all__


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__main__":
            continue
        found.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    return found


@pytest.mark.parametrize(("name", "path"), _modules(), ids=[name for name, _ in _modules()])
def test_each_module_lists_its_public_classes_and_functions(name: str, path: Path):
    module = importlib.import_module(name)
    defined = {
        node.name
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and not node.name.startswith("_")
    }
    listed = getattr(module, "__all__", None)
    if listed is None:
        assert not defined, f"{name} defines {sorted(defined)} but has no __all__"
        return
    assert len(listed) == len(set(listed)), f"{name}.__all__ repeats a name"
    assert [item for item in listed if not hasattr(module, item)] == [], f"{name}.__all__ names what does not exist"
    assert sorted(defined - set(listed) - KNOWN_GAPS.get(name, set())) == [], f"{name}: public but not in __all__"


def test_importing_a_submodule_does_not_import_the_whole_api():
    """The package imports its API on first use: a stage module never pulls in ``check``
    or ``scan`` through the package, so imports point one way."""
    code = ("import sys, provenance.pipeline.normalise, provenance.store.index\n"
            "assert not {'provenance.ci.check', 'provenance.scanning'} & set(sys.modules), sorted(sys.modules)\n"
            "import provenance.scanning, provenance\n"
            "assert callable(provenance.scan) and provenance.scan.__module__ == 'provenance.scanning'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
