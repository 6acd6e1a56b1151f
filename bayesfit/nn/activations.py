r"""Activation functions and their derivatives, on any array-API backend.

Naming scheme: each activation ``f(z)`` has a derivative ``f_grad(z, grad_output=None)``.

- Without ``grad_output`` it returns the derivative at ``z``: elementwise :math:`f'(z)` for the
  elementwise activations, the Jacobian :math:`J_{ij} = \partial f_i / \partial z_j` with shape
  ``z.shape + (K,)`` (the ``axis`` moved last) for :func:`softmax` and :func:`log_softmax`.
- With ``grad_output`` :math:`g = \partial L / \partial f` it returns the vector-Jacobian
  product :math:`\partial L / \partial z = J^T g`, of the shape of ``z``: the product
  backpropagation needs, computed without forming the Jacobian.

The functions are elementwise maps, like NumPy's ufuncs (NaN in, NaN out): they convert lists
and integer arrays to floating arrays but do not scan for NaN (that is done once, where data
enters: the losses and the estimators). The math itself is in the unchecked kernels of
``bayesfit._special`` (``relu``, ``relu_vjp``, ...), which :class:`bayesfit.nn.MLP` calls
directly inside its training loop, having checked its data once at ``fit``'s door.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import Any

from bayesfit import _special
from bayesfit._backend import device_of, get_namespace
from bayesfit._validation import NONNEGATIVE, as_floating, as_numeric, check_value

__all__ = [
    "KERNELS",
    "NEGATIVE_SLOPE",
    "leaky_relu",
    "leaky_relu_grad",
    "log_softmax",
    "log_softmax_grad",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_grad",
    "tanh",
    "tanh_grad",
]


#: The default slope of :func:`leaky_relu` for negative inputs (also the MLP's).
NEGATIVE_SLOPE = 0.01


def _inputs(z: Any, grad_output: Any = None) -> tuple[Any, Any, ModuleType]:
    xp = get_namespace(z, grad_output)
    z = as_floating(as_numeric(z, "z", xp=xp), xp=xp)
    if grad_output is not None:
        grad_output = as_floating(as_numeric(grad_output, "grad_output", xp=xp), xp=xp)
        if grad_output.shape != z.shape:
            raise ValueError(
                f"grad_output must have the shape of z {z.shape}, got {grad_output.shape}"
            )
    return z, grad_output, xp


def _upstream(z: Any, grad_output: Any, *, xp: ModuleType) -> Any:
    """Return ``grad_output``, or ones for the derivative itself (a product with 1 is exact)."""
    return xp.ones_like(z) if grad_output is None else grad_output


def _check_axis(z: Any, axis: int) -> None:
    if z.ndim == 0 or not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis {axis} is out of bounds for z with {z.ndim} dimension(s)")


def sigmoid(z: Any) -> Any:
    r"""Return the logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, elementwise.

    Parameters
    ----------
    z : array_like
        Pre-activations.

    Returns
    -------
    array
        Values in [0, 1], of the shape and floating dtype of ``z``.

    Notes
    -----
    Evaluated as :math:`1/(1+e^{-|z|})` for :math:`z \ge 0` and :math:`e^{-|z|}/(1+e^{-|z|})`
    for :math:`z < 0`, so nothing overflows and small values keep full relative accuracy
    (:math:`\sigma(-800) \approx e^{-800}` underflows to 0 without a warning).

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid(np.array([-1e4, 0.0, 1e4]))
    array([0. , 0.5, 1. ])
    """
    z, _, xp = _inputs(z)
    return _special.sigmoid(z, xp=xp)


def sigmoid_grad(z: Any, grad_output: Any = None) -> Any:
    r"""Return :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`, or ``grad_output`` times it.

    Parameters
    ----------
    z : array_like
        Pre-activations.
    grad_output : array_like, optional
        Upstream gradient :math:`\partial L / \partial \sigma`, of the shape of ``z``.

    Returns
    -------
    array
        The shape of ``z``.

    Notes
    -----
    .. math:: \sigma'(z) = \frac{e^{-|z|}}{(1 + e^{-|z|})^2},

    even in :math:`z` and at most 1/4; it decays like :math:`e^{-|z|}` for saturated units,
    which is why sigmoid + MSE learns slowly from confident mistakes.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid_grad(np.array([0.0]))
    array([0.25])
    """
    z, grad_output, xp = _inputs(z, grad_output)
    return _special.sigmoid_vjp(z, _upstream(z, grad_output, xp=xp), xp=xp)


def tanh(z: Any) -> Any:
    r"""Return :math:`\tanh z`, elementwise.

    Parameters
    ----------
    z : array_like
        Pre-activations.

    Returns
    -------
    array
        Values in [-1, 1].

    Examples
    --------
    >>> import numpy as np
    >>> tanh(np.array([0.0]))
    array([0.])
    """
    z, _, xp = _inputs(z)
    return _special.tanh(z, xp=xp)


def tanh_grad(z: Any, grad_output: Any = None) -> Any:
    r"""Return :math:`1 - \tanh^2 z`, or ``grad_output`` times it.

    Parameters
    ----------
    z : array_like
        Pre-activations.
    grad_output : array_like, optional
        Upstream gradient of the shape of ``z``.

    Returns
    -------
    array
        The shape of ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> tanh_grad(np.array([0.0]))
    array([1.])
    """
    z, grad_output, xp = _inputs(z, grad_output)
    return _special.tanh_vjp(z, _upstream(z, grad_output, xp=xp), xp=xp)


def relu(z: Any) -> Any:
    r"""Return :math:`\max(z, 0)`, elementwise.

    Parameters
    ----------
    z : array_like
        Pre-activations.

    Returns
    -------
    array
        The shape of ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> relu(np.array([-2.0, 3.0]))
    array([0., 3.])
    """
    z, _, xp = _inputs(z)
    return _special.relu(z, xp=xp)


def relu_grad(z: Any, grad_output: Any = None) -> Any:
    r"""Return the step :math:`[z > 0]` (0 at :math:`z = 0`), or ``grad_output`` times it.

    Parameters
    ----------
    z : array_like
        Pre-activations.
    grad_output : array_like, optional
        Upstream gradient of the shape of ``z``.

    Returns
    -------
    array
        The shape of ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> relu_grad(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    z, grad_output, xp = _inputs(z, grad_output)
    return _special.relu_vjp(z, _upstream(z, grad_output, xp=xp), xp=xp)


def leaky_relu(z: Any, negative_slope: float = NEGATIVE_SLOPE) -> Any:
    r"""Return :math:`z` for :math:`z > 0` and :math:`a z` otherwise, elementwise.

    Parameters
    ----------
    z : array_like
        Pre-activations.
    negative_slope : float, default 0.01
        The slope :math:`a \ge 0` for negative inputs.

    Returns
    -------
    array
        The shape of ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> leaky_relu(np.array([-2.0, 3.0]), negative_slope=0.1)
    array([-0.2,  3. ])
    """
    check_value("negative_slope", negative_slope, NONNEGATIVE)
    z, _, xp = _inputs(z)
    return _special.leaky_relu(z, negative_slope, xp=xp)


def leaky_relu_grad(z: Any, grad_output: Any = None, negative_slope: float = NEGATIVE_SLOPE) -> Any:
    r"""Return 1 for :math:`z > 0` and :math:`a` otherwise, or ``grad_output`` times it.

    Parameters
    ----------
    z : array_like
        Pre-activations.
    grad_output : array_like, optional
        Upstream gradient of the shape of ``z``.
    negative_slope : float, default 0.01
        The slope :math:`a` for negative inputs (also used at :math:`z = 0`).

    Returns
    -------
    array
        The shape of ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> leaky_relu_grad(np.array([-2.0, 3.0]), negative_slope=0.1)
    array([0.1, 1. ])
    """
    check_value("negative_slope", negative_slope, NONNEGATIVE)
    z, grad_output, xp = _inputs(z, grad_output)
    return _special.leaky_relu_vjp(z, _upstream(z, grad_output, xp=xp), negative_slope, xp=xp)


def softmax(z: Any, axis: int = -1) -> Any:
    r"""Return :math:`\operatorname{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}` along ``axis``.

    Parameters
    ----------
    z : array_like
        Logits, at least 1-D.
    axis : int, default -1
        The class axis.

    Returns
    -------
    array
        Probabilities along ``axis``, the shape of ``z``.

    Notes
    -----
    Shift-invariant, so it is evaluated on :math:`z - \max_j z_j`: every exponential is at
    most 1 and the largest is exactly 1, finite for logits of any finite size.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([1e4, 1e4, -1e4]))
    array([0.5, 0.5, 0. ])
    """
    z, _, xp = _inputs(z)
    _check_axis(z, axis)
    return _special.softmax(z, axis=axis, xp=xp)


def softmax_grad(z: Any, grad_output: Any = None, axis: int = -1) -> Any:
    r"""Return the softmax Jacobian, or its product with ``grad_output``.

    Parameters
    ----------
    z : array_like
        Logits, at least 1-D.
    grad_output : array_like, optional
        Upstream gradient :math:`g = \partial L / \partial s` of the shape of ``z``.
    axis : int, default -1
        The class axis.

    Returns
    -------
    array
        Without ``grad_output``: :math:`J_{ij} = s_i(\delta_{ij} - s_j)`, shape
        ``(..., K, K)`` with the class axis moved last. With it: :math:`J^T g =
        s \odot (g - \langle g, s \rangle)`, the shape of ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> softmax_grad(np.array([0.0, 0.0]))
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    z, grad_output, xp = _inputs(z, grad_output)
    _check_axis(z, axis)
    if grad_output is not None:
        return _special.softmax_vjp(z, grad_output, axis=axis, xp=xp)
    s = xp.moveaxis(_special.softmax(z, axis=axis, xp=xp), axis, -1)
    eye = xp.eye(s.shape[-1], dtype=s.dtype, device=device_of(s))
    return s[..., :, None] * (eye - s[..., None, :])


def log_softmax(z: Any, axis: int = -1) -> Any:
    r"""Return :math:`z_k - \ln \sum_j e^{z_j}` along ``axis`` (log-probabilities).

    Parameters
    ----------
    z : array_like
        Logits, at least 1-D.
    axis : int, default -1
        The class axis.

    Returns
    -------
    array
        The shape of ``z``.

    Notes
    -----
    Computed with the log-sum-exp shift, :math:`\ln\sum_j e^{z_j} = m + \ln\sum_j
    e^{z_j - m}` with :math:`m = \max_j z_j`, never as ``log(softmax(z))`` (which is
    :math:`-\infty` once a probability underflows).

    Examples
    --------
    >>> import numpy as np
    >>> log_softmax(np.array([0.0, -1e4]))
    array([     0., -10000.])
    """
    z, _, xp = _inputs(z)
    _check_axis(z, axis)
    return _special.log_softmax(z, axis=axis, xp=xp)


def log_softmax_grad(z: Any, grad_output: Any = None, axis: int = -1) -> Any:
    r"""Return the log-softmax Jacobian, or its product with ``grad_output``.

    Parameters
    ----------
    z : array_like
        Logits, at least 1-D.
    grad_output : array_like, optional
        Upstream gradient of the shape of ``z``.
    axis : int, default -1
        The class axis.

    Returns
    -------
    array
        Without ``grad_output``: :math:`J_{ij} = \delta_{ij} - s_j`, shape ``(..., K, K)``
        with the class axis moved last. With it: :math:`J^T g = g - s \sum_i g_i`.

    Examples
    --------
    >>> import numpy as np
    >>> log_softmax_grad(np.array([0.0, 0.0]))
    array([[ 0.5, -0.5],
           [-0.5,  0.5]])
    """
    z, grad_output, xp = _inputs(z, grad_output)
    _check_axis(z, axis)
    s = _special.softmax(z, axis=axis, xp=xp)
    if grad_output is not None:
        return grad_output - s * xp.sum(grad_output, axis=axis, keepdims=True)
    s = xp.moveaxis(s, axis, -1)
    eye = xp.eye(s.shape[-1], dtype=s.dtype, device=device_of(s))
    return eye - s[..., None, :]


#: The hidden activations :class:`bayesfit.nn.MLP` accepts, by name, as the unchecked kernels its
#: training loop calls on data it has checked once: ``name -> (h(z, *, xp),
#: h_vjp(z, grad_output, *, xp))``, with ``h_vjp`` returning ``grad_output * h'(z)``. The
#: public functions above evaluate the same kernels after checking their inputs.
KERNELS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "relu": (_special.relu, _special.relu_vjp),
    "leaky_relu": (
        functools.partial(_special.leaky_relu, negative_slope=NEGATIVE_SLOPE),
        functools.partial(_special.leaky_relu_vjp, negative_slope=NEGATIVE_SLOPE),
    ),
    "tanh": (_special.tanh, _special.tanh_vjp),
    "sigmoid": (_special.sigmoid, _special.sigmoid_vjp),
    "identity": (_special.identity, _special.identity_vjp),
}


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
