r"""Losses as negative log-likelihoods, each with its gradient.

Every training loss of the neural-net side is the negative log-likelihood of a noise model
(see ``docs/losses-are-likelihoods.md``):

=============================  ==========================================================
:func:`mse`                    Gaussian noise of fixed precision, up to scale and a constant
:func:`gaussian_nll`           Gaussian noise, per-point variance or precision ``beta``
:func:`binary_cross_entropy`   Bernoulli likelihood (soft targets allowed), probs or logits
:func:`bernoulli_nll`          the Bernoulli likelihood of 0/1 labels, written as a product
:func:`cross_entropy`          softmax + multinoulli likelihood from logits
:func:`categorical_nll`        multinoulli likelihood of integer labels from probabilities
=============================  ==========================================================

Conventions, shared by all of them:

- Argument order is ``(targets, prediction)``; the result has the prediction's floating
  dtype and namespace (integer targets are cast to it).
- ``reduction="mean"`` averages the per-sample losses, ``"sum"`` adds them, ``"none"``
  returns them (one per element for the elementwise losses, one per sample, the class axis
  removed, for the categorical ones). A sample is one entry of the batch: for the
  categorical losses the class axis is always the last.
- ``<loss>_grad`` has the arguments of ``<loss>`` and returns the gradient with respect to
  the prediction argument, of its shape, for the same reduction (for ``"none"`` and
  ``"sum"``: the gradient of each sample's loss with respect to its own prediction; for
  ``"mean"`` that divided by the number of samples).
- Bad input (NaN, shapes that differ, probabilities outside [0, 1], labels out of range or
  of a floating dtype, an unknown reduction) is a :class:`ValueError` before any work.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

from bayesfit import _special
from bayesfit._backend import get_namespace
from bayesfit._validation import (
    POSITIVE,
    as_numeric,
    check_distribution,
    check_labels,
    check_probabilities,
    check_tensor,
)

__all__ = [
    "bernoulli_nll",
    "bernoulli_nll_grad",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "categorical_nll",
    "categorical_nll_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "gaussian_nll",
    "gaussian_nll_grad",
    "mse",
    "mse_grad",
]

REDUCTIONS = ("mean", "sum", "none")


# -- shared plumbing -------------------------------------------------------------------------


def _check_reduction(reduction: object) -> None:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(losses: Any, reduction: str, *, xp: ModuleType) -> Any:
    if reduction == "none":
        return losses
    total = xp.sum(losses)
    return total / math.prod(losses.shape) if reduction == "mean" else total


def _scale_grad(grad: Any, n_samples: int, reduction: str) -> Any:
    return grad / n_samples if reduction == "mean" else grad


def _same_shape(targets: Any, prediction: Any, tname: str, pname: str) -> None:
    if targets.shape != prediction.shape:
        raise ValueError(
            f"{tname} and {pname} must have the same shape, got {targets.shape} and "
            f"{prediction.shape} (broadcasting is not applied)"
        )


def _like(x: Any, prediction: Any, *, xp: ModuleType) -> Any:
    """Cast validated targets to the prediction's dtype (the result's dtype)."""
    return xp.astype(x, prediction.dtype, copy=False)


def _real_pair(
    targets: Any, prediction: Any, tname: str, pname: str
) -> tuple[Any, Any, ModuleType]:
    """Validate two finite real arrays of one shape; targets get the prediction's dtype."""
    xp = get_namespace(targets, prediction)
    prediction = check_tensor(prediction, pname, xp=xp)
    targets = _like(check_tensor(targets, tname, xp=xp), prediction, xp=xp)
    _same_shape(targets, prediction, tname, pname)
    return targets, prediction, xp


def _neg_log(p: Any, *, xp: ModuleType) -> Any:
    r"""Return :math:`-\ln p` for :math:`p \ge 0`, :math:`+\infty` at 0 (no warning)."""
    return 0.0 - _special.xlogy(xp.ones_like(p), p, xp=xp)  # 0 - 0 is +0, unlike -(0)


# -- regression: Gaussian noise ---------------------------------------------------------------


def mse(y: Any, pred: Any, reduction: str = "mean") -> Any:
    r"""Return the squared error :math:`(y - \hat y)^2`, averaged by default.

    Parameters
    ----------
    y : array_like
        Targets.
    pred : array_like
        Predictions, the shape of ``y``.
    reduction : {"mean", "sum", "none"}, default "mean"
        Average over all elements, add them, or return them elementwise.

    Returns
    -------
    array
        0-d for "mean"/"sum", the shape of ``y`` for "none".

    Notes
    -----
    With Gaussian noise of fixed precision :math:`\beta` (PRML eq. 1.62) the negative
    log-likelihood of :math:`N` targets is

    .. math::

        -\ln p(\mathbf t \mid \hat{\mathbf y}, \beta)
          = \frac{\beta}{2} \sum_n (t_n - \hat y_n)^2 - \frac N2 \ln \beta + \frac N2 \ln 2\pi
          = \frac{N\beta}{2}\,\mathrm{MSE} + \text{const},

    so minimising the MSE maximises the likelihood, whatever :math:`\beta` is (see
    :func:`gaussian_nll`).

    Examples
    --------
    >>> float(mse([1.0, 2.0], [1.0, 4.0]))
    2.0
    """
    _check_reduction(reduction)
    y, pred, xp = _real_pair(y, pred, "y", "pred")
    return _reduce(_special.squared_error(y, pred), reduction, xp=xp)


def mse_grad(y: Any, pred: Any, reduction: str = "mean") -> Any:
    r"""Return :math:`\partial\,\mathrm{MSE} / \partial \hat y = 2(\hat y - y)` (/N for mean).

    Parameters
    ----------
    y : array_like
        Targets.
    pred : array_like
        Predictions, the shape of ``y``.
    reduction : {"mean", "sum", "none"}, default "mean"
        The reduction of the loss being differentiated.

    Returns
    -------
    array
        The shape of ``pred``.

    Examples
    --------
    >>> mse_grad([1.0, 2.0], [1.0, 4.0])
    array([0., 2.])
    """
    _check_reduction(reduction)
    y, pred, _ = _real_pair(y, pred, "y", "pred")
    return _scale_grad(_special.squared_error_grad(y, pred), math.prod(pred.shape), reduction)


def _noise(y: Any, var: Any, beta: Any, *, xp: ModuleType) -> tuple[Any, Any]:
    """Validate the noise argument; return ``(precision, log_precision)`` arrays or floats."""
    if (var is None) == (beta is None):
        raise ValueError("pass exactly one of var (variance) and beta (precision)")
    if beta is not None:
        if not POSITIVE.accepts(beta):
            raise ValueError(f"beta must be {POSITIVE.describe()}, got {beta!r}")
        return float(beta), math.log(beta)
    var = _like(check_tensor(var, "var", xp=xp), y, xp=xp)
    if var.ndim and var.shape != y.shape:
        raise ValueError(f"var must be a scalar or have the shape of y {y.shape}, got {var.shape}")
    if not bool(xp.min(var) > 0):
        raise ValueError("var must be positive everywhere (a variance); got a value <= 0")
    return 1.0 / var, -xp.log(var)


def gaussian_nll(
    y: Any, mean: Any, var: Any = None, *, beta: float | None = None, reduction: str = "mean"
) -> Any:
    r"""Return the Gaussian negative log-likelihood :math:`-\ln \mathcal N(y \mid \mu, \sigma^2)`.

    Parameters
    ----------
    y : array_like
        Targets.
    mean : array_like
        Predicted means :math:`\mu`, the shape of ``y``.
    var : array_like or float, optional
        Predicted variances :math:`\sigma^2 > 0`: the shape of ``y`` (heteroscedastic) or a
        scalar. Exactly one of ``var`` and ``beta`` is given.
    beta : float, optional
        Noise precision :math:`\beta = 1/\sigma^2`, shared by all points (PRML notation).
    reduction : {"mean", "sum", "none"}, default "mean"
        Average over all elements, add them, or return them elementwise.

    Returns
    -------
    array
        0-d for "mean"/"sum", the shape of ``y`` for "none".

    Notes
    -----
    A true negative log density, constant included (PRML eq. 1.62 per point):

    .. math::

        -\ln \mathcal N(y \mid \mu, \beta^{-1})
          = \frac{\beta}{2}(y - \mu)^2 - \frac12 \ln \beta + \frac12 \ln 2\pi .

    For fixed :math:`\beta` it is :math:`\frac{\beta}{2}\,\mathrm{MSE}` plus a constant
    per point, which is why :func:`mse` and this loss have the same minimiser.

    Examples
    --------
    >>> import math
    >>> float(gaussian_nll([0.0], [0.0], beta=1.0)) == 0.5 * math.log(2 * math.pi)
    True
    """
    _check_reduction(reduction)
    y, mean, xp = _real_pair(y, mean, "y", "mean")
    precision, log_precision = _noise(y, var, beta, xp=xp)
    terms = _special.gaussian_nll_terms(y, mean, precision, log_precision)
    return _reduce(terms, reduction, xp=xp)


def gaussian_nll_grad(
    y: Any, mean: Any, var: Any = None, *, beta: float | None = None, reduction: str = "mean"
) -> Any:
    r"""Return :math:`\partial(-\ln\mathcal N)/\partial\mu = (\mu - y)/\sigma^2` (/N for mean).

    Parameters
    ----------
    y, mean, var, beta, reduction
        As for :func:`gaussian_nll`.

    Returns
    -------
    array
        The shape of ``mean``.

    Examples
    --------
    >>> gaussian_nll_grad([0.0, 0.0], [1.0, 2.0], beta=2.0, reduction="sum")
    array([2., 4.])
    """
    _check_reduction(reduction)
    y, mean, xp = _real_pair(y, mean, "y", "mean")
    precision, _ = _noise(y, var, beta, xp=xp)
    grad = _special.gaussian_nll_mean_grad(y, mean, precision)
    return _scale_grad(grad, math.prod(mean.shape), reduction)


# -- binary classification: Bernoulli ---------------------------------------------------------


def _binary_inputs(y: Any, probs: Any, logits: Any) -> tuple[Any, Any, bool, ModuleType]:
    """Validate targets and exactly one of probs/logits; return them and ``is_logits``."""
    if (probs is None) == (logits is None):
        raise ValueError("pass exactly one of probs and logits")
    xp = get_namespace(y, probs, logits)
    if logits is not None:
        prediction = check_tensor(logits, "logits", xp=xp)
    else:
        prediction = check_probabilities(probs, "probs", xp=xp)
    y = _like(check_probabilities(y, "y", xp=xp), prediction, xp=xp)
    _same_shape(y, prediction, "y", "logits" if logits is not None else "probs")
    return y, prediction, logits is not None, xp


def binary_cross_entropy(
    y: Any, probs: Any = None, logits: Any = None, reduction: str = "mean"
) -> Any:
    r"""Return the binary cross-entropy :math:`-[y \ln p + (1 - y)\ln(1 - p)]`.

    Parameters
    ----------
    y : array_like
        Targets in [0, 1]: labels 0/1 or soft targets.
    probs : array_like, optional
        Predicted probabilities :math:`p = P(y = 1)`, the shape of ``y``.
    logits : array_like, optional
        Predicted logits :math:`z`, :math:`p = \sigma(z)`; exactly one of ``probs`` and
        ``logits`` is given. Prefer logits: they are exact where :math:`p` rounds to 0 or 1.
    reduction : {"mean", "sum", "none"}, default "mean"
        Average over all elements, add them, or return them elementwise.

    Returns
    -------
    array
        0-d for "mean"/"sum", the shape of ``y`` for "none". From ``probs`` the loss is
        :math:`+\infty` where a target has probability 0 (:math:`0 \ln 0 = 0` otherwise).

    Notes
    -----
    It is the Bernoulli negative log-likelihood, :math:`-\ln p^y (1-p)^{1-y}` (PRML eq.
    4.90), and the cross-entropy :math:`H((y, 1-y), (p, 1-p))`. From logits, with
    :math:`\ln\sigma(z) = -\operatorname{softplus}(-z)`,

    .. math::

        \ell(y, z) = \operatorname{softplus}(z) - y z, \qquad
        \operatorname{softplus}(z) = \max(z, 0) + \ln(1 + e^{-|z|}),

    finite for any finite :math:`z` (also :math:`\pm 10^4` in float32).

    Examples
    --------
    >>> float(binary_cross_entropy([1.0, 0.0], logits=[1e4, -1e4]))
    0.0
    """
    _check_reduction(reduction)
    y, prediction, is_logits, xp = _binary_inputs(y, probs, logits)
    if is_logits:
        losses = _special.binary_cross_entropy_from_logits(y, prediction, xp=xp)
    else:
        log_lik = _special.xlogy(y, prediction, xp=xp)
        losses = -(log_lik + _special.xlogy(1 - y, 1 - prediction, xp=xp))
    return _reduce(losses, reduction, xp=xp)


def binary_cross_entropy_grad(
    y: Any, probs: Any = None, logits: Any = None, reduction: str = "mean"
) -> Any:
    r"""Return the gradient of :func:`binary_cross_entropy` w.r.t. ``logits`` or ``probs``.

    Parameters
    ----------
    y, probs, logits, reduction
        As for :func:`binary_cross_entropy`; the gradient is taken with respect to whichever
        of ``probs`` and ``logits`` is given.

    Returns
    -------
    array
        The shape of the prediction: :math:`\sigma(z) - y` for logits,
        :math:`-y/p + (1-y)/(1-p)` for probabilities (/N for mean).

    Notes
    -----
    The :math:`p(1-p)` in the denominator of the probability gradient is exactly
    :math:`\sigma'(z)`, so by the chain rule through :math:`p = \sigma(z)` it cancels: the
    logit gradient :math:`\sigma(z) - y` carries no :math:`\sigma'(z)` factor and does not
    vanish for a confidently wrong unit.

    Examples
    --------
    >>> binary_cross_entropy_grad([1.0], logits=[0.0])
    array([-0.5])
    """
    _check_reduction(reduction)
    y, prediction, is_logits, xp = _binary_inputs(y, probs, logits)
    if is_logits:
        grad = _special.binary_cross_entropy_logit_grad(y, prediction, xp=xp)
    else:
        grad = _special.x_over_y(1 - y, 1 - prediction, xp=xp) - _special.x_over_y(
            y, prediction, xp=xp
        )
    return _scale_grad(grad, math.prod(prediction.shape), reduction)


def _hard_binary(y: Any, probs: Any) -> tuple[Any, Any, ModuleType]:
    xp = get_namespace(y, probs)
    probs = check_probabilities(probs, "probs", xp=xp)
    y = _like(check_probabilities(y, "y", xp=xp), probs, xp=xp)
    _same_shape(y, probs, "y", "probs")
    if not bool(xp.all((y == 0) | (y == 1))):
        raise ValueError(
            "y must hold the labels 0 and 1 only; for soft targets use binary_cross_entropy"
        )
    return y, probs, xp


def bernoulli_nll(y: Any, probs: Any, reduction: str = "mean") -> Any:
    r"""Return the Bernoulli negative log-likelihood :math:`-\ln p^y (1-p)^{1-y}` of 0/1 labels.

    Parameters
    ----------
    y : array_like
        Labels 0 or 1.
    probs : array_like
        :math:`p = P(y = 1)`, the shape of ``y``.
    reduction : {"mean", "sum", "none"}, default "mean"
        Average over all elements, add them, or return them elementwise.

    Returns
    -------
    array
        0-d for "mean"/"sum", the shape of ``y`` for "none"; :math:`+\infty` where the
        observed label has probability 0.

    Notes
    -----
    Evaluated as the likelihood of each observation, :math:`-\ln p` for :math:`y = 1` and
    :math:`-\ln(1 - p)` for :math:`y = 0`: the same number as :func:`binary_cross_entropy`
    (PRML eq. 4.90), reached from the probability model instead of the loss formula.

    Examples
    --------
    >>> import math
    >>> bool(bernoulli_nll([1, 0], [0.5, 0.5]) == math.log(2))
    True
    """
    _check_reduction(reduction)
    y, probs, xp = _hard_binary(y, probs)
    return _reduce(_neg_log(xp.where(y == 1, probs, 1 - probs), xp=xp), reduction, xp=xp)


def bernoulli_nll_grad(y: Any, probs: Any, reduction: str = "mean") -> Any:
    r"""Return :math:`-1/p` where :math:`y = 1`, :math:`1/(1-p)` where :math:`y = 0` (/N for mean).

    Parameters
    ----------
    y, probs, reduction
        As for :func:`bernoulli_nll`.

    Returns
    -------
    array
        The shape of ``probs``; infinite where the observed label has probability 0.

    Examples
    --------
    >>> bernoulli_nll_grad([1, 0], [0.5, 0.5], reduction="sum")
    array([-2.,  2.])
    """
    _check_reduction(reduction)
    y, probs, xp = _hard_binary(y, probs)
    ones = xp.ones_like(probs)
    grad = xp.where(
        y == 1,
        -_special.x_over_y(ones, probs, xp=xp),
        _special.x_over_y(ones, 1 - probs, xp=xp),
    )
    return _scale_grad(grad, math.prod(probs.shape), reduction)


# -- multiclass: multinoulli --------------------------------------------------------------------


def _check_smoothing(label_smoothing: object) -> float:
    if (
        isinstance(label_smoothing, bool)
        or not isinstance(label_smoothing, int | float)
        or not 0.0 <= label_smoothing <= 1.0
    ):
        raise ValueError(f"label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
    return float(label_smoothing)


def _class_inputs(
    targets: Any, scores: Any, sname: str, *, probabilities: bool, soft_ok: bool
) -> tuple[Any, Any, bool, ModuleType]:
    """Validate class scores (logits, or probabilities on the last axis) and their targets.

    Returns ``(targets, scores, is_labels, xp)``: integer targets are labels of shape
    ``scores.shape[:-1]``; floating targets are distributions of the shape of ``scores``.
    """
    xp = get_namespace(targets, scores)
    if probabilities:
        scores = check_distribution(scores, sname, axis=-1, normalize=False, xp=xp)
    else:
        scores = check_tensor(scores, sname, xp=xp)
        if scores.ndim == 0:
            raise ValueError(f"{sname} must have a class axis (the last), got a scalar")
    name = "targets" if soft_ok else "labels"  # the argument's name in the public function
    targets = as_numeric(targets, name, xp=xp)
    if xp.isdtype(targets.dtype, "integral") or not soft_ok:
        targets = check_labels(targets, scores.shape[-1], name, xp=xp)
        if targets.shape != scores.shape[:-1]:
            raise ValueError(
                f"{name} as class labels must have the shape of {sname} without its class axis "
                f"{scores.shape[:-1]}, got {targets.shape}"
            )
        return targets, scores, True, xp
    if targets.shape != scores.shape:
        raise ValueError(
            f"targets has a floating dtype, so it is read as one-hot/soft targets of the shape "
            f"of {sname} {scores.shape}, got {targets.shape}; class labels need an integer dtype"
        )
    targets = check_distribution(targets, "targets", axis=-1, normalize=False, xp=xp)
    return _like(targets, scores, xp=xp), scores, False, xp


def cross_entropy(
    targets: Any, logits: Any, label_smoothing: float = 0.0, reduction: str = "mean"
) -> Any:
    r"""Return the softmax cross-entropy :math:`-\sum_k t_k \ln \operatorname{softmax}(z)_k`.

    Parameters
    ----------
    targets : array_like
        Either integer class labels of shape ``logits.shape[:-1]`` (an integer dtype means
        labels), or one-hot / soft targets of the shape of ``logits`` (probability vectors on
        the last axis).
    logits : array_like
        Scores :math:`z` with the class axis last; any leading batch shape.
    label_smoothing : float in [0, 1], default 0
        :math:`\varepsilon`: the targets become :math:`(1-\varepsilon)\,t + \varepsilon/K`.
    reduction : {"mean", "sum", "none"}, default "mean"
        Average over samples, add them, or return one loss per sample.

    Returns
    -------
    array
        0-d for "mean"/"sum", shape ``logits.shape[:-1]`` for "none".

    Notes
    -----
    With integer labels it is the multinoulli negative log-likelihood of the softmax model
    (PRML eqs. 4.104, 4.108): :math:`-\ln \operatorname{softmax}(z)_y`. It is evaluated from
    reductions only,

    .. math::

        \ell = \operatorname{LSE}(z) - \sum_k t_k z_k, \qquad
        \operatorname{LSE}(z) = m + \ln \textstyle\sum_k e^{z_k - m}, \; m = \max_k z_k,

    (using :math:`\sum_k t_k = 1`), in blocks of samples so that no temporary grows with the
    batch; finite for logits of :math:`\pm 10^4` in float32.

    Examples
    --------
    >>> import numpy as np
    >>> float(cross_entropy(np.array([0]), np.array([[0.0, 0.0]]))) == float(np.log(2))
    True
    """
    _check_reduction(reduction)
    eps = _check_smoothing(label_smoothing)
    targets, logits, _, xp = _class_inputs(
        targets, logits, "logits", probabilities=False, soft_ok=True
    )
    losses = _special.cross_entropy_from_logits(targets, logits, label_smoothing=eps, xp=xp)
    return _reduce(losses, reduction, xp=xp)


def cross_entropy_grad(
    targets: Any, logits: Any, label_smoothing: float = 0.0, reduction: str = "mean"
) -> Any:
    r"""Return :math:`\partial \ell / \partial z = \operatorname{softmax}(z) - t` (/N for mean).

    Parameters
    ----------
    targets, logits, label_smoothing, reduction
        As for :func:`cross_entropy`; ``t`` is the (smoothed) target distribution.

    Returns
    -------
    array
        The shape of ``logits``.

    Notes
    -----
    .. math:: \frac{\partial \ell}{\partial z_j} = \operatorname{softmax}(z)_j - t_j

    (PRML eq. 4.109): the error at the output, with no derivative of the softmax left in it.

    Examples
    --------
    >>> import numpy as np
    >>> cross_entropy_grad(np.array([1]), np.array([[0.0, 0.0]]))
    array([[ 0.5, -0.5]])
    """
    _check_reduction(reduction)
    eps = _check_smoothing(label_smoothing)
    targets, logits, _, xp = _class_inputs(
        targets, logits, "logits", probabilities=False, soft_ok=True
    )
    grad = _special.cross_entropy_logit_grad(targets, logits, label_smoothing=eps, xp=xp)
    return _scale_grad(grad, math.prod(logits.shape[:-1]), reduction)


def categorical_nll(labels: Any, probs: Any, reduction: str = "mean") -> Any:
    r"""Return the multinoulli negative log-likelihood :math:`-\ln p_{y}` of integer labels.

    Parameters
    ----------
    labels : array_like of int
        Class labels in ``[0, K)``, of shape ``probs.shape[:-1]``.
    probs : array_like
        Class probabilities on the last axis (each slice sums to one).
    reduction : {"mean", "sum", "none"}, default "mean"
        Average over samples, add them, or return one loss per sample.

    Returns
    -------
    array
        0-d for "mean"/"sum", shape ``probs.shape[:-1]`` for "none"; :math:`+\infty` where
        the observed class has probability 0.

    Notes
    -----
    The likelihood of one observation with one-hot :math:`t` is :math:`\prod_k p_k^{t_k}`
    (PRML eq. 4.107 per sample), so its NLL is :math:`-\sum_k t_k \ln p_k = -\ln p_y`: the
    cross-entropy of :math:`t` and :math:`p`. With :math:`p = \operatorname{softmax}(z)` it
    equals :func:`cross_entropy` of the logits.

    Examples
    --------
    >>> import numpy as np
    >>> float(categorical_nll(np.array([2]), np.array([[0.25, 0.25, 0.5]])))
    0.6931471805599453
    """
    _check_reduction(reduction)
    labels, probs, _, xp = _class_inputs(labels, probs, "probs", probabilities=True, soft_ok=False)
    return _reduce(_neg_log(_special.take_labels(probs, labels, xp=xp), xp=xp), reduction, xp=xp)


def categorical_nll_grad(labels: Any, probs: Any, reduction: str = "mean") -> Any:
    r"""Return :math:`-1/p_y` at the observed class and 0 elsewhere (/N for mean).

    Parameters
    ----------
    labels, probs, reduction
        As for :func:`categorical_nll`.

    Returns
    -------
    array
        The shape of ``probs``.

    Examples
    --------
    >>> import numpy as np
    >>> categorical_nll_grad(np.array([1]), np.array([[0.5, 0.5]]))
    array([[ 0., -2.]])
    """
    _check_reduction(reduction)
    labels, probs, _, xp = _class_inputs(labels, probs, "probs", probabilities=True, soft_ok=False)
    hit = _special.label_mask(labels, probs.shape[-1], xp=xp)
    ones = xp.ones_like(probs)
    grad = xp.where(hit, -_special.x_over_y(ones, probs, xp=xp), xp.zeros_like(probs))
    return _scale_grad(grad, math.prod(probs.shape[:-1]), reduction)


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
