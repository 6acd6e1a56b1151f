"""The one place where bayesfit chooses an array namespace.

Every other module calls :func:`get_namespace` on its inputs once, at the top of a public
function, and from then on uses only array API standard calls on the returned ``xp``
(``xp.linalg`` included). Arrays decide: a CuPy array in gives CuPy out on the same device,
an ``array_api_strict`` array gives ``array_api_strict`` out. Inputs that are not arrays of
any namespace (lists, tuples, pandas objects, scalars) go to the *default backend*, chosen
with :func:`set_backend`, :func:`use_backend` or the ``BAYESFIT_BACKEND`` environment
variable (``"numpy"`` when unset).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib
import os
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

__all__ = [
    "BACKENDS",
    "cupy_unavailable_reason",
    "default_namespace",
    "device_of",
    "get_backend",
    "get_namespace",
    "is_array",
    "linalg_errors_raise",
    "qr_r",
    "quiet_overflow",
    "set_backend",
    "single_blas_thread",
    "small_dense_threads",
    "solve_triangular",
    "to_numpy",
    "use_backend",
]

#: Names accepted by :func:`set_backend`, mapped to the array-api-compat wrapper module.
BACKENDS: dict[str, str] = {
    "numpy": "array_api_compat.numpy",
    "cupy": "array_api_compat.cupy",
}

_ENV_VAR = "BAYESFIT_BACKEND"
# None means "not chosen yet": the environment variable is read on first use, so that setting
# it after `import bayesfit` but before the first fit still works.
_backend: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "bayesfit_backend", default=None
)


def _check_name(name: object, source: str) -> str:
    if not isinstance(name, str) or name.lower() not in BACKENDS:
        raise ValueError(
            f"{source} must be one of {sorted(BACKENDS)}, got {name!r}"
        )
    return name.lower()


def _import_backend(name: str) -> ModuleType:
    try:
        return importlib.import_module(BACKENDS[name])
    except ImportError as exc:
        raise ImportError(
            f"the {name!r} backend was requested but {name} is not importable ({exc}); "
            f"install it (for CuPy: pip install 'bayesfit[gpu]') or use set_backend('numpy')"
        ) from exc


def cupy_unavailable_reason() -> str | None:
    """Return why the CuPy backend cannot run on this machine, or None if it can.

    CuPy imports without a GPU and fails only at the first array, so importing it is not
    enough: it must also see a CUDA device. The GPU checks (``make test-gpu``,
    ``benchmarks/bench_gpu.py``) print this reason instead of a traceback.

    Returns
    -------
    str or None
        ``"CuPy is not installed (...)"`` or ``"CuPy <version> finds no CUDA device (...)"``;
        None when CuPy imports and sees at least one device.

    Examples
    --------
    >>> reason = cupy_unavailable_reason()
    >>> reason is None or reason.startswith("CuPy")
    True
    """
    try:
        import cupy
    except ImportError as exc:
        return f"CuPy is not installed ({exc})"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except RuntimeError as exc:  # CUDARuntimeError: no driver, no device, driver too old
        return f"CuPy {cupy.__version__} finds no CUDA device ({exc})"
    return None if count > 0 else f"CuPy {cupy.__version__} finds no CUDA device"


def get_backend() -> str:
    """Return the name of the default backend (``"numpy"`` or ``"cupy"``).

    Returns
    -------
    str
        The backend used for inputs that are not arrays of any namespace.
    """
    name = _backend.get()
    if name is None:
        name = _check_name(os.environ.get(_ENV_VAR, "numpy"), f"environment variable {_ENV_VAR}")
    return name


def set_backend(name: str) -> None:
    """Set the default backend for inputs that are not already arrays.

    Parameters
    ----------
    name : {"numpy", "cupy"}
        The backend. Asking for ``"cupy"`` where CuPy is not installed raises
        :class:`ImportError` at once rather than falling back silently.

    Examples
    --------
    >>> import bayesfit as bf
    >>> bf.set_backend("numpy")
    >>> bf.get_backend()
    'numpy'
    """
    name = _check_name(name, "backend name")
    _import_backend(name)
    _backend.set(name)


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[ModuleType]:
    """Use a default backend inside a ``with`` block, restoring the previous one after.

    Parameters
    ----------
    name : {"numpy", "cupy"}
        The backend for the duration of the block.

    Yields
    ------
    module
        The backend's array namespace.

    Examples
    --------
    >>> import bayesfit as bf
    >>> with bf.use_backend("numpy") as xp:
    ...     float(xp.sum(xp.ones(3)))
    3.0
    """
    name = _check_name(name, "backend name")
    xp = _import_backend(name)
    token = _backend.set(name)
    try:
        yield xp
    finally:
        _backend.reset(token)


def default_namespace() -> ModuleType:
    """Return the array namespace of the default backend.

    Returns
    -------
    module
        ``array_api_compat.numpy`` or ``array_api_compat.cupy``.
    """
    return _import_backend(get_backend())


def is_array(x: object) -> bool:
    """Return whether ``x`` is an array of some array namespace (pandas objects are not)."""
    # pandas objects expose __array__ but belong to no array namespace: they go to the default
    # backend like lists do.
    return array_api_compat.is_array_api_obj(x) and not hasattr(x, "iloc")


def get_namespace(*arrays: Any) -> ModuleType:
    """Return the array namespace shared by ``arrays``.

    Parameters
    ----------
    *arrays
        Any mix of arrays, lists, scalars, pandas objects and ``None``. Only arrays that
        belong to an array namespace vote; if there are none, the default backend is used.

    Returns
    -------
    module
        An array API compatible namespace.

    Raises
    ------
    TypeError
        If the arrays come from different namespaces (say NumPy and CuPy).
    """
    voters = [a for a in arrays if is_array(a)]
    if not voters:
        return default_namespace()
    try:
        return array_api_compat.array_namespace(*voters)
    except TypeError as exc:
        raise TypeError(f"inputs mix array libraries: {exc}") from exc


def device_of(x: Any) -> Any:
    """Return the device ``x`` lives on; arrays made to combine with ``x`` are made there.

    Every new array (``xp.ones``, ``xp.eye``, ``xp.asarray`` of host numbers) that meets
    user data gets ``device=device_of(data)``: otherwise it lands on the namespace's
    default device, and CuPy data on a second GPU or array-api-strict's ``device1`` then
    fails to combine with it.
    """
    return array_api_compat.device(x)


def to_numpy(x: Any) -> np.ndarray:
    """Copy an array of any supported namespace to a NumPy array on the host.

    Parameters
    ----------
    x : array_like
        A NumPy, CuPy or array-API array, or anything :func:`numpy.asarray` accepts.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import array_api_strict as xps
    >>> to_numpy(xps.asarray([1.0, 2.0]))
    array([1., 2.])
    """
    if array_api_compat.is_cupy_array(x):
        return x.get()
    if is_array(x) and not array_api_compat.is_numpy_array(x):
        return np.from_dlpack(x)
    return np.asarray(x)


# OpenBLAS threads small dense kernels, and the threads cost more than the work: a 4 x 4
# triangular solve took 1.4 ms (10 us on one thread), one at 100 x 100 32 ms (1 ms), an eigh
# of 101 x 101 7-100 ms (2 ms) on these shared cores. Up to this order they run on one thread.
_SMALL_DENSE = 256


@functools.cache
def _blas_controller() -> Any:
    from threadpoolctl import ThreadpoolController

    # Scanning the loaded BLAS libraries costs ~5 ms: once per process, not once per call.
    return ThreadpoolController()


# Whether this thread is inside single_blas_thread() already: entering threadpoolctl's limit
# costs ~30 us, which a loop of small solves (a lasso path) would pay on every solve.
_one_blas_thread: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "bayesfit_one_blas_thread", default=False
)


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Return a context in which the BLAS libraries (NumPy's, SciPy's) use one thread."""
    if _one_blas_thread.get():  # nested: the limit is in force already
        yield
        return
    token = _one_blas_thread.set(True)
    try:
        with _blas_controller().limit(limits=1):
            yield
    finally:
        _one_blas_thread.reset(token)


def small_dense_threads(order: int) -> Any:
    """Return the BLAS threading context for dense kernels on matrices of this order.

    One thread up to order 256 (where thread start-up outweighs the work), the library's
    own threads above.
    """
    return single_blas_thread() if order <= _SMALL_DENSE else contextlib.nullcontext()


def solve_triangular(a: Any, b: Any, *, lower: bool, xp: ModuleType) -> Any:
    """Solve ``a x = b`` for triangular ``a``: LAPACK's ``trtrs`` where the namespace has it.

    The array API standard has no triangular solve, so this is the one place that reaches
    for the libraries' own: SciPy's on NumPy, CuPy's (cuBLAS ``trsm``) on CuPy. Other
    namespaces, and batches of matrices on NumPy (which SciPy solves one by one in a Python
    loop), fall back to the general ``xp.linalg.solve`` (right, at LU's cost).

    Parameters
    ----------
    a : array of shape (..., M, M)
        Triangular matrices (only the ``lower`` or upper triangle is read by ``trtrs``).
    b : array of shape (..., M, K)
        Right-hand sides, a batch like ``a``'s.
    lower : bool
        Whether ``a`` is lower triangular.
    xp : module
        The namespace of ``a`` and ``b``.

    Returns
    -------
    array of shape (..., M, K)
    """
    if array_api_compat.is_numpy_namespace(xp):
        if a.ndim > 2:  # SciPy loops over a batch in Python (~25 us a matrix); LU loops in C
            return np.linalg.solve(a, b)
        import scipy.linalg

        with small_dense_threads(a.shape[-1]):
            return scipy.linalg.solve_triangular(a, b, lower=lower, check_finite=False)
    if array_api_compat.is_cupy_namespace(xp) and a.ndim == 2:  # CuPy's trsm is not batched
        import cupyx.scipy.linalg

        return cupyx.scipy.linalg.solve_triangular(a, b, lower=lower)
    return xp.linalg.solve(a, b)


def qr_r(a: Any, *, xp: ModuleType) -> Any:
    """Return the R factor of the QR decomposition of ``a`` (K, N), K = min(rows, N), only.

    The array API standard's ``qr`` also forms Q, which costs as much again; NumPy and CuPy
    can skip it (``mode="r"``), other namespaces take the standard call and drop Q.
    """
    if array_api_compat.is_numpy_namespace(xp):
        return np.linalg.qr(a, mode="r")
    if array_api_compat.is_cupy_namespace(xp):
        import cupy

        return cupy.linalg.qr(a, mode="r")
    return xp.linalg.qr(a)[1]


def quiet_overflow() -> Any:
    """Return a context in which NumPy does not warn of overflow or invalid values.

    For the kernels whose results are checked for NaN and inf afterwards (the sufficient
    statistics): non-finite data become one ValueError naming the bad value, not a
    RuntimeWarning first. NumPy's error state is per thread: enter it in each worker.
    array-api-strict computes with NumPy underneath; CuPy does not warn.
    """
    return np.errstate(over="ignore", invalid="ignore")


@contextlib.contextmanager
def linalg_errors_raise(xp: ModuleType) -> Iterator[None]:
    """Make a failed factorisation raise inside the block, on every namespace.

    NumPy raises ``LinAlgError`` (a ``ValueError``) by itself. CuPy ignores cuSOLVER's
    failure flag unless asked, and may return a finite but wrong partial factor of a matrix
    that is not positive definite: ``cupyx.errstate(linalg="raise")`` turns the flag into
    ``numpy.linalg.LinAlgError``.
    """
    if array_api_compat.is_cupy_namespace(xp):
        import cupyx

        with cupyx.errstate(linalg="raise"):
            yield
    else:
        yield
