"""Shared fixtures: the array backends and dtypes every core test runs on.

``xp`` runs a test on NumPy and on array-api-strict (which rejects anything outside the
array API standard: that is how CPU-only CI proves the CuPy path). Set
``BAYESFIT_TEST_BACKENDS=cupy`` (``make test-gpu``) to run the same tests on CuPy.
"""

from __future__ import annotations

import importlib
import os

import numpy as np
import pytest

_DEFAULT_BACKENDS = "numpy,array_api_strict"
_MODULES = {
    "numpy": "array_api_compat.numpy",
    "array_api_strict": "array_api_strict",
    "cupy": "array_api_compat.cupy",
}


def _backend_names() -> list[str]:
    names = os.environ.get("BAYESFIT_TEST_BACKENDS", _DEFAULT_BACKENDS).split(",")
    return [n.strip() for n in names if n.strip()]


@pytest.fixture(params=_backend_names())
def xp(request):
    """The array namespace under test."""
    return importlib.import_module(_MODULES[request.param])


@pytest.fixture(params=["float64", "float32"])
def dtype_name(request):
    """Name of the floating dtype under test (resolve with ``getattr(xp, dtype_name)``)."""
    return request.param


def rtol_for(dtype_name: str) -> float:
    """A relative tolerance that suits the dtype: 1e-8 for float64, 1e-3 for float32."""
    return 1e-8 if dtype_name == "float64" else 1e-3


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)
