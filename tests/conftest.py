"""Shared fixtures: the array backends and dtypes every core test runs on.

``xp`` runs a test on NumPy and on array-api-strict (which rejects anything outside the
array API standard: that is how CPU-only CI proves the CuPy path). Set
``BAYESFIT_TEST_BACKENDS=cupy`` (``make test-gpu``) to run the same tests on CuPy; where
CuPy cannot run (not installed, no CUDA device) that run stops at once with exit code 0 and
says why, instead of failing every test with the same traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import os

import array_api_compat
import numpy as np
import pytest

from bayesfit import to_numpy
from bayesfit._backend import cupy_unavailable_reason

_DEFAULT_BACKENDS = "numpy,array_api_strict"
_MODULES = {
    "numpy": "array_api_compat.numpy",
    "array_api_strict": "array_api_strict",
    "cupy": "array_api_compat.cupy",
}


# The PyMC layer's tests import PyMC's stack at the top. PyMC is a dependency of bayesfit, but
# a GPU machine running `make gpu-check` may lack it: there they are left out, not failed.
collect_ignore = [] if importlib.util.find_spec("pymc") else ["test_pymc_models.py"]


def _backend_names() -> list[str]:
    names = os.environ.get("BAYESFIT_TEST_BACKENDS", _DEFAULT_BACKENDS).split(",")
    return [n.strip() for n in names if n.strip()]


def pytest_configure(config):
    if "cupy" in _backend_names() and (reason := cupy_unavailable_reason()):
        pytest.exit(f"{reason}: nothing to test on CuPy", returncode=0)


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


def xp_assert_close(actual, desired, *, xp, rtol=None, atol=0.0, dtype=None, err_msg=""):
    """Assert ``actual`` is an array of ``xp`` with ``desired``'s values, shape and 0-d-ness.

    As SciPy's ``xp_assert_close``: besides the values (``desired`` is a host array, the
    independent reference), the namespace, the dtype (``dtype`` name, e.g. "float32";
    by default that of ``desired``), the shape and whether it is 0-d must all match. ``rtol``
    defaults to :func:`rtol_for` the dtype.
    """
    assert array_api_compat.is_array_api_obj(actual), f"not an array: {type(actual)}"
    namespace = array_api_compat.array_namespace(actual)
    assert namespace is xp, f"namespace {namespace.__name__}, expected {xp.__name__}"
    desired = np.asarray(desired)
    dtype = desired.dtype.name if dtype is None else dtype
    assert actual.dtype == getattr(xp, dtype), f"dtype {actual.dtype}, expected {dtype}"
    assert tuple(actual.shape) == desired.shape, f"shape {actual.shape}, expected {desired.shape}"
    rtol = rtol_for(dtype) if rtol is None else rtol
    np.testing.assert_allclose(to_numpy(actual), desired, rtol=rtol, atol=atol, err_msg=err_msg)


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)


def _central_difference(f, x, h=1e-6):
    """Gradient of the scalar function ``f`` at the float64 NumPy array ``x``, by central
    differences with a step relative to each entry's size (error O(h^2))."""
    x = np.asarray(x, dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        step = h * max(1.0, abs(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += step
        down[i] -= step
        grad[i] = (float(f(up)) - float(f(down))) / (2 * step)
    return grad


@pytest.fixture
def numgrad():
    """``numgrad(f, x)``: the central-difference gradient of a scalar function of an array."""
    return _central_difference
