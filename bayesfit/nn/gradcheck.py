"""Checking backpropagation against central finite differences."""

from __future__ import annotations

from typing import Any

import numpy as np

from bayesfit._backend import get_namespace, to_numpy
from bayesfit._validation import POSITIVE, check_value

__all__ = ["gradient_check"]


def gradient_check(
    model: Any, X: Any, y: Any, eps: float = 1e-4, random_state: Any = 0
) -> dict[str, float]:
    r"""Return, for every parameter, the largest relative error of backprop vs finite differences.

    Parameters
    ----------
    model : MLP
        Anything with a ``params`` dict and the methods ``objective(X, y)`` and
        ``objective_and_grads(X, y)`` of :class:`bayesfit.nn.MLP`; with dropout, also
        ``dropout_masks(X, random_state)`` and a ``masks`` keyword on both methods.
    X, y : array_like
        A (small) batch to evaluate the objective on. Use float64: in float32 the finite
        differences themselves are only good to about 1e-3.
    eps : float, default 1e-4
        The step :math:`h`.
    random_state : None, int or numpy.random.Generator, default 0
        Where the one set of dropout masks comes from, for a model with dropout: the masks
        are drawn once and held fixed for the backprop and every finite difference, so that
        both differentiate the same network.

    Returns
    -------
    dict
        ``{parameter name: max relative error}`` over the parameter's entries.

    Notes
    -----
    Each entry :math:`\theta_i` is moved by :math:`\pm h` and :math:`\pm 2h` and the
    objective re-evaluated, giving the fourth-order central difference

    .. math::

        \tilde g_i = \frac{8\,[J(\theta + h e_i) - J(\theta - h e_i)]
                     - [J(\theta + 2h e_i) - J(\theta - 2h e_i)]}{12 h}, \qquad
        \text{error}_i = \frac{|g_i - \tilde g_i|}{\max(|g_i|, |\tilde g_i|, 10^{-8})},

    with :math:`g` from backpropagation. Its truncation error is :math:`O(h^4)` and its
    rounding error :math:`O(\epsilon_\text{mach} |J| / h)`, about :math:`10^{-12}` for
    :math:`h = 10^{-4}` in float64 (the two-point formula would need :math:`h \approx 10^{-6}`
    and leave errors near :math:`10^{-10}/|g_i|`, too much for small gradient entries). The
    floor of :math:`10^{-8}` keeps entries whose gradient is zero (a ReLU unit that is off for
    the whole batch) from dividing rounding noise by zero. A ReLU kink within :math:`2h` of a
    pre-activation shows up as a large error; so does a pre-activation exactly at 0, which
    happens when every unit feeding a zero-bias unit is off: use a wider layer, other biases
    or another batch. Costs four evaluations of :math:`J` per parameter entry, so keep the
    network and the batch small. The parameters are restored afterwards.

    Examples
    --------
    >>> import numpy as np
    >>> from bayesfit.nn import MLP
    >>> rng = np.random.default_rng(0)
    >>> model = MLP([3, 4, 2], activation="tanh", random_state=0)
    >>> errors = gradient_check(model, rng.normal(size=(5, 3)), rng.normal(size=(5, 2)))
    >>> sorted(errors)
    ['W1', 'W2', 'b1', 'b2']
    >>> max(errors.values()) < 1e-6
    True
    """
    check_value("eps", eps, POSITIVE)
    masks = {}
    if any(getattr(model, "_dropout_rates", ())):
        masks = {"masks": model.dropout_masks(X, random_state)}
    # also moves the parameters to X's namespace
    _, grads = model.objective_and_grads(X, y, **masks)
    saved = dict(model.params)
    errors = {}
    try:
        for name, p in saved.items():
            xp = get_namespace(p)
            flat = xp.reshape(p, (-1,))
            numeric = np.empty(flat.shape[0])
            for i in range(flat.shape[0]):
                step = xp.zeros_like(flat)
                step[i] = eps
                values = []
                for k in (2.0, 1.0, -1.0, -2.0):
                    model.params[name] = xp.reshape(flat + k * step, p.shape)
                    values.append(model.objective(X, y, **masks))
                numeric[i] = (8.0 * (values[1] - values[2]) - (values[0] - values[3])) / (
                    12.0 * eps
                )
            model.params[name] = p
            analytic = to_numpy(xp.reshape(grads[name], (-1,))).astype(np.float64)
            scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), 1e-8)
            errors[name] = float(np.max(np.abs(analytic - numeric) / scale))
    finally:
        model.params = saved
    return errors


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
