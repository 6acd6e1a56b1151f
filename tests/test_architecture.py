"""The package's structure: no import cycles, one way to warn, public namespaces, parameters.

The import graph is read from the source (every ``import`` statement, at module level,
under ``TYPE_CHECKING`` and inside functions), so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import bayesfit

PACKAGE = Path(bayesfit.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every bayesfit module that ``path`` imports, anywhere in the file."""
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from bayesfit import basis` imports the submodule bayesfit.basis
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                     for a in node.names]
        else:
            continue
        found |= {n for n in names if n in modules and n != here}
    return found


def test_no_import_cycles():
    modules = _modules()
    graph = {name: _imports(path, modules) for name, path in modules.items()}
    assert graph["bayesfit.plots"] >= {"bayesfit.compare"}  # the walker sees real imports
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_every_warning_goes_through_the_one_helper():
    # bayesfit._warnings.warn skips bayesfit's frames; a bare warnings.warn would point into us
    offenders = []
    for name, path in _modules().items():
        if name == "bayesfit._warnings":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "warn" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "warnings"):
                offenders.append(f"{name}:{node.lineno}")
    assert offenders == []


PUBLIC_MODULES = ["basis", "classify", "compare", "datasets", "exceptions", "fullbayes", "info",
                  "linear", "losses", "plots", "posterior", "priors", "pymc_models", "streaming",
                  "summary", "nn.activations", "nn.gradcheck", "nn.heads", "nn.mlp", "nn.optim",
                  "nn.schedules", "nn.train"]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_namespaces_show_the_api_only(name):
    module = importlib.import_module(f"bayesfit.{name}")
    assert dir(module) == sorted(module.__all__)
    for public in module.__all__:
        assert hasattr(module, public), public


def _estimator_classes():
    for name in bayesfit.__all__:
        obj = getattr(bayesfit, name)
        if inspect.isclass(obj) and hasattr(obj, "_parameter_constraints"):
            yield obj
    from bayesfit import basis

    yield from (getattr(basis, n) for n in basis.__all__ if inspect.isclass(getattr(basis, n))
                and getattr(basis, n) is not basis.Basis)


@pytest.mark.parametrize("cls", list(_estimator_classes()), ids=lambda c: c.__name__)
def test_constraint_tables_cover_every_constructor_parameter(cls):
    params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    assert sorted(cls._parameter_constraints) == sorted(params)


def test_an_uncovered_parameter_is_refused_before_fitting():
    import numpy as np

    class Sloppy(bayesfit.MAPRegression):
        def __init__(self, basis=None, alpha=1.0, beta=1.0, shrink=2.0):
            super().__init__(basis, alpha, beta)
            self.shrink = shrink

    message = r"does not cover the constructor parameter\(s\) \['shrink'\]"
    with pytest.raises(TypeError, match=message):
        Sloppy().fit(np.arange(3.0), np.arange(3.0))
