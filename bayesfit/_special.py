r"""Numerically stable array kernels shared by the activations, the losses and bf.info.

Scalars, not ``ones_like``/``full_like`` arrays, fill the other branch of ``xp.where``
(array API 2024.12): a fresh array per call costs more than the arithmetic it serves.

Every function here is a pure array kernel: it takes arrays already in namespace ``xp`` (and
already floating), does no validation and is called by the public functions after they have
checked their inputs. Each is written so that no intermediate overflows: the exponentials
only ever see non-positive arguments.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import array_api_compat

__all__ = [
    "CHUNK_ELEMENTS",
    "DEVICE_CHUNK_ELEMENTS",
    "log_softmax",
    "log_where_positive",
    "logsumexp_parts",
    "reduce_in_chunks",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "softplus",
    "x_over_y",
    "xlogy",
]


def sigmoid(z: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`\sigma(z) = 1/(1 + e^{-z})` to full relative accuracy for any ``z``.

    With :math:`e = e^{-|z|} \le 1`: :math:`\sigma(z) = 1/(1+e)` for :math:`z \ge 0` and
    :math:`e/(1+e)` for :math:`z < 0`; :math:`e^{-z}` itself would overflow for ``z << 0``.
    """
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`\sigma'(z) = e^{-|z|} / (1 + e^{-|z|})^2` (even in ``z``).

    ``s * (1 - s)`` would round ``1 - s`` to zero for ``z`` above ~37 (float64) and lose
    the tiny but non-zero slope of a saturated unit.
    """
    e = xp.exp(-xp.abs(z))
    return e / ((1.0 + e) * (1.0 + e))


def softplus(z: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`\ln(1 + e^z) = \max(z, 0) + \ln(1 + e^{-|z|})`, finite for any finite z."""
    return xp.where(z > 0, z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))


def logsumexp_parts(z: Any, *, axis: int, xp: ModuleType) -> tuple[Any, Any]:
    r"""Return :math:`m = \max_k z_k` and :math:`\ln \sum_k e^{z_k - m}` along ``axis`` (kept).

    :math:`\operatorname{LSE}(z) = m + \ln\sum_k e^{z_k - m}`. Callers that subtract a logit
    from it should form ``(m - z_k)`` first: at :math:`|z| = 10^4` in float32 the spacing of
    the floats is 1e-3, which is the error of ``LSE(z) - z_k`` evaluated as written. A slice
    whose maximum is not finite (all :math:`-\infty`) is shifted by 0, giving :math:`-\infty`
    rather than NaN.
    """
    m = xp.max(z, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    return m, xp.log(xp.sum(xp.exp(z - m), axis=axis, keepdims=True))


def log_softmax(z: Any, *, axis: int, xp: ModuleType) -> Any:
    r"""Return :math:`(z_k - m) - \ln\sum_j e^{z_j - m} = z_k - \ln \sum_j e^{z_j}` along ``axis``.

    The subtraction of the shift comes first (see :func:`logsumexp_parts`).
    """
    m, log_sum = logsumexp_parts(z, axis=axis, xp=xp)
    return (z - m) - log_sum


def softmax(z: Any, *, axis: int, xp: ModuleType) -> Any:
    r"""Return :math:`e^{z_k - \max z} / \sum_j e^{z_j - \max z}` along ``axis``."""
    e = xp.exp(z - xp.max(z, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def log_where_positive(p: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`\ln p` where :math:`p > 0` and 0 elsewhere, without evaluating ``ln 0``.

    Multiplied by ``p`` this is the convention :math:`0 \ln 0 = 0` (``scipy.special.xlogy``);
    taking the log of 1 in place of 0 keeps NumPy from warning about a division by zero.
    """
    return xp.log(xp.where(p > 0, p, 1.0))


#: Elements per block in :func:`reduce_in_chunks` on the CPU: 256 KiB of float64. Measured
#: (benchmarks/bench_info.py): below the allocator's mmap threshold (glibc: 128 KiB at first,
#: raised dynamically) the temporaries are recycled from the heap, where blocks of a few MiB
#: are mapped and page-faulted afresh on every call, which made the kernels 2-3x slower.
CHUNK_ELEMENTS = 1 << 15
#: On an accelerator the block is large: each block costs kernel launches, not page faults.
DEVICE_CHUNK_ELEMENTS = 1 << 24


def reduce_in_chunks(
    kernel: Callable[..., Any],
    arrays: Sequence[Any],
    *,
    axis: int,
    xp: ModuleType,
    chunk_elements: int | None = None,
) -> Any:
    """Apply a kernel that reduces ``axis`` to blocks of ``arrays`` and concatenate the results.

    The arrays are sliced along one batch axis (0, or 1 when ``axis`` is 0) and must agree in
    their leading dimensions up to it; the first array fixes the shape. Temporaries inside
    ``kernel`` are then the size of a block instead of the size of the input, which is what
    keeps the peak memory of a reduction over a large batch at the size of its output.
    ``chunk_elements`` defaults to :data:`CHUNK_ELEMENTS` for NumPy and
    :data:`DEVICE_CHUNK_ELEMENTS` for CuPy.
    """
    if chunk_elements is None:
        on_gpu = array_api_compat.is_cupy_namespace(xp)
        chunk_elements = DEVICE_CHUNK_ELEMENTS if on_gpu else CHUNK_ELEMENTS
    x = arrays[0]
    axis = axis % x.ndim
    size = math.prod(x.shape)
    if x.ndim < 2 or size <= chunk_elements:
        return kernel(*arrays)
    batch = 0 if axis != 0 else 1
    step = max(1, chunk_elements // (size // x.shape[batch]))
    if step >= x.shape[batch]:
        return kernel(*arrays)
    parts = []
    for start in range(0, x.shape[batch], step):
        index = tuple(
            slice(start, start + step) if i == batch else slice(None) for i in range(x.ndim)
        )
        parts.append(kernel(*(a[index[: a.ndim]] for a in arrays)))
    # The batch axis is the first axis of every result (it precedes the reduced axis, or
    # the reduced axis 0 is gone), so the blocks join along axis 0.
    return xp.concat(parts, axis=0)


def xlogy(x: Any, y: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`x \ln y`, with :math:`0 \ln y = 0` and :math:`x \ln 0 = -\infty` for x > 0.

    The convention of ``scipy.special.xlogy`` for non-negative arguments.
    """
    out = x * log_where_positive(y, xp=xp)
    return xp.where((x > 0) & (y == 0), -math.inf, out)


def x_over_y(x: Any, y: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`x / y` for x, y >= 0, with :math:`0/0 = 0` and :math:`x/0 = \infty`.

    The limit a gradient takes where a probability is exactly 0: a term whose weight is 0
    contributes nothing, a term that asks for a value of probability 0 is infinitely steep.
    """
    out = x / xp.where(y > 0, y, 1.0)
    return xp.where((x > 0) & (y == 0), math.inf, out)
