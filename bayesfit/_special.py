r"""Numerically stable array kernels shared by the activations, the losses and bf.info.

Scalars, not ``ones_like``/``full_like`` arrays, fill the other branch of ``xp.where``
(array API 2024.12): a fresh array per call costs more than the arithmetic it serves.

Every function here is a pure array kernel: it takes arrays already in namespace ``xp`` (and
already floating), does no validation and is called by the public functions after they have
checked their inputs, and by the MLP's training loop, which checks its data once at ``fit``'s
door. Each is written so that no intermediate overflows: the exponentials only ever see
non-positive arguments.

The activation kernels come with a vector-Jacobian product ``<name>_vjp(z, grad_output)`` =
``grad_output * h'(z)``; the loss kernels return per-element (or per-sample) losses and the
gradient with respect to the prediction, unreduced.
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
    "binary_cross_entropy_from_logits",
    "binary_cross_entropy_logit_grad",
    "cross_entropy_and_logit_grad",
    "cross_entropy_from_logits",
    "cross_entropy_logit_grad",
    "gaussian_nll_mean_grad",
    "gaussian_nll_terms",
    "identity",
    "identity_vjp",
    "label_mask",
    "leaky_relu",
    "leaky_relu_vjp",
    "log_softmax",
    "log_where_positive",
    "logsumexp_parts",
    "reduce_in_chunks",
    "relu",
    "relu_vjp",
    "sigmoid",
    "sigmoid_derivative",
    "sigmoid_vjp",
    "softmax",
    "softmax_vjp",
    "softplus",
    "squared_error",
    "squared_error_grad",
    "take_labels",
    "tanh",
    "tanh_vjp",
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


def identity(z: Any, *, xp: ModuleType) -> Any:
    """Return ``z``: the identity activation or output function."""
    return z


def identity_vjp(z: Any, grad_output: Any, *, xp: ModuleType) -> Any:
    """Return ``grad_output``: the identity's Jacobian is the identity."""
    return grad_output


def sigmoid_vjp(z: Any, grad_output: Any, *, xp: ModuleType) -> Any:
    r"""Return ``grad_output`` times :math:`\sigma'(z)`."""
    return grad_output * sigmoid_derivative(z, xp=xp)


def tanh(z: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`\tanh z`."""
    return xp.tanh(z)


def tanh_vjp(z: Any, grad_output: Any, *, xp: ModuleType) -> Any:
    r"""Return ``grad_output`` times :math:`1 - \tanh^2 z`."""
    t = xp.tanh(z)
    return grad_output * (1.0 - t * t)


def relu(z: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`\max(z, 0)`: +0 for negative ``z`` (``0 * z`` would be -0), NaN for NaN."""
    return xp.maximum(z, 0.0)


def relu_vjp(z: Any, grad_output: Any, *, xp: ModuleType) -> Any:
    r"""Return ``grad_output`` times the step :math:`[z > 0]` (0 at :math:`z = 0`).

    A product with the step cast to the dtype, not ``xp.where``: a third of the time on NumPy
    (``where`` with an unpredictable mask is slow), and ``grad_output * 0`` keeps a NaN or inf
    of ``grad_output`` visible as NaN, as ``leaky_relu_vjp`` with slope 0 does.
    """
    return grad_output * xp.astype(z > 0, grad_output.dtype)


def leaky_relu(z: Any, negative_slope: float, *, xp: ModuleType) -> Any:
    r"""Return :math:`z` for :math:`z > 0` and :math:`a z` otherwise (:math:`a` the slope)."""
    return xp.where(z > 0, z, negative_slope * z)


def leaky_relu_vjp(z: Any, grad_output: Any, negative_slope: float, *, xp: ModuleType) -> Any:
    r"""Return ``grad_output`` times 1 for :math:`z > 0` and :math:`a` otherwise."""
    return xp.where(z > 0, grad_output, negative_slope * grad_output)


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
    m = xp.where(xp.isfinite(m), m, 0.0)
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


def softmax_vjp(z: Any, grad_output: Any, *, axis: int, xp: ModuleType) -> Any:
    r"""Return the softmax's :math:`J^T g = s \odot (g - \langle g, s \rangle)`, s = softmax(z)."""
    s = softmax(z, axis=axis, xp=xp)
    return s * (grad_output - xp.sum(grad_output * s, axis=axis, keepdims=True))


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


# -- losses: unreduced, targets first (the conventions of bayesfit.losses) -----------------------

LOG_2PI = math.log(2.0 * math.pi)


def squared_error(y: Any, pred: Any) -> Any:
    r"""Return :math:`(\hat y - y)^2`, elementwise."""
    r = pred - y
    return r * r


def squared_error_grad(y: Any, pred: Any) -> Any:
    r"""Return :math:`\partial (\hat y - y)^2 / \partial \hat y = 2(\hat y - y)`."""
    return 2.0 * (pred - y)


def gaussian_nll_terms(y: Any, mean: Any, precision: Any, log_precision: Any) -> Any:
    r"""Return :math:`\frac12[\beta (y - \mu)^2 - \ln\beta + \ln 2\pi]`, elementwise.

    ``precision`` and ``log_precision`` are arrays of the shape of ``y`` or scalars; a caller
    that has :math:`\ln\beta` (a network's log-variance output) passes it instead of taking
    the log of an exponential.
    """
    r = y - mean
    return 0.5 * (precision * r * r - log_precision + LOG_2PI)


def gaussian_nll_mean_grad(y: Any, mean: Any, precision: Any) -> Any:
    r"""Return :math:`\partial(-\ln\mathcal N)/\partial\mu = \beta(\mu - y)`."""
    return precision * (mean - y)


def binary_cross_entropy_from_logits(y: Any, logits: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`\operatorname{softplus}(z) - y z`, the binary cross-entropy at logits z."""
    return softplus(logits, xp=xp) - y * logits


def binary_cross_entropy_logit_grad(y: Any, logits: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`\sigma(z) - y`, the gradient of the binary cross-entropy at the logits."""
    return sigmoid(logits, xp=xp) - y


def take_labels(scores: Any, labels: Any, *, xp: ModuleType) -> Any:
    """Return ``scores[..., labels]`` sample by sample (the score of the observed class)."""
    return xp.take_along_axis(scores, labels[..., None], axis=-1)[..., 0]


def label_mask(labels: Any, n_classes: int, *, xp: ModuleType) -> Any:
    """Return the boolean one-hot mask of integer ``labels`` along a new last axis."""
    classes = xp.arange(n_classes, dtype=labels.dtype, device=array_api_compat.device(labels))
    return labels[..., None] == classes


def _cross_entropy_of_parts(
    z: Any, t: Any, m: Any, log_sum: Any, *, label_smoothing: float, xp: ModuleType
) -> Any:
    r"""Return the per-sample cross-entropy from the log-sum-exp parts of ``z`` (kept axes)."""
    m, log_sum = m[..., 0], log_sum[..., 0]
    fit = take_labels(z, t, xp=xp) if t.ndim < z.ndim else xp.sum(t * z, axis=-1)
    # LSE(z) - fit as (m - fit) + ln sum e^(z - m): both terms are small and exact-ish,
    # where m + ln(...) - fit would lose the digits of the log to the size of m.
    loss = (m - fit) + log_sum
    eps = label_smoothing
    if eps == 0.0:
        return loss
    return (1.0 - eps) * loss + eps * ((m - xp.sum(z, axis=-1) / z.shape[-1]) + log_sum)


def _cross_entropy_grad_of_softmax(
    s: Any, t: Any, *, label_smoothing: float, xp: ModuleType
) -> Any:
    r"""Return :math:`s - \tilde t` for the softmax ``s`` and the smoothed targets."""
    n_classes, eps = s.shape[-1], label_smoothing
    if eps:
        s = s - eps / n_classes
    if t.ndim < s.ndim:
        return xp.where(label_mask(t, n_classes, xp=xp), s - (1.0 - eps), s)
    return s - (1.0 - eps) * t


def cross_entropy_from_logits(
    targets: Any, logits: Any, *, label_smoothing: float, xp: ModuleType
) -> Any:
    r"""Return the softmax cross-entropy of each sample, the class axis (the last) removed.

    ``targets`` are integer labels of shape ``logits.shape[:-1]`` or distributions of the
    shape of ``logits``. :math:`\ell = \operatorname{LSE}(z) - \sum_k t_k z_k`, evaluated in
    blocks of samples (:func:`reduce_in_chunks`) so that no temporary grows with the batch;
    with smoothing :math:`\varepsilon` the targets are :math:`(1-\varepsilon)t + \varepsilon/K`.
    """

    def kernel(z: Any, t: Any) -> Any:
        m, log_sum = logsumexp_parts(z, axis=-1, xp=xp)
        return _cross_entropy_of_parts(z, t, m, log_sum, label_smoothing=label_smoothing, xp=xp)

    return reduce_in_chunks(kernel, [logits, targets], axis=-1, xp=xp)


def cross_entropy_logit_grad(
    targets: Any, logits: Any, *, label_smoothing: float, xp: ModuleType
) -> Any:
    r"""Return :math:`\operatorname{softmax}(z) - t` per sample (``t`` smoothed), as ``logits``."""
    s = softmax(logits, axis=-1, xp=xp)
    return _cross_entropy_grad_of_softmax(s, targets, label_smoothing=label_smoothing, xp=xp)


def cross_entropy_and_logit_grad(
    targets: Any, logits: Any, *, label_smoothing: float, xp: ModuleType
) -> tuple[Any, Any]:
    r"""Return both :func:`cross_entropy_from_logits` and :func:`cross_entropy_logit_grad`.

    For a training batch: one log-sum-exp serves both, the softmax being
    :math:`e^{(z - m) - \ln\sum_j e^{z_j - m}}`; not in blocks, since the gradient has the
    size of the logits anyway.
    """
    m, log_sum = logsumexp_parts(logits, axis=-1, xp=xp)
    loss = _cross_entropy_of_parts(
        logits, targets, m, log_sum, label_smoothing=label_smoothing, xp=xp
    )
    s = xp.exp((logits - m) - log_sum)
    grad = _cross_entropy_grad_of_softmax(s, targets, label_smoothing=label_smoothing, xp=xp)
    return loss, grad
