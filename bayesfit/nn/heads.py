r"""The MLP's output heads: how the last pre-activation :math:`z_L` becomes a loss and predictions.

One :class:`Head` per pairing of an output function :math:`f` with a loss :math:`\ell`, in the
table :data:`HEADS`; :class:`bayesfit.nn.MLP` looks its head up by ``(output, loss)`` and has
no other branch on either. A head holds

- ``targets``: the check of the targets, which returns them in the form the loss takes;
- ``loss_and_delta``: the summed loss over a batch and its gradient :math:`\partial(\sum_n
  \ell_n)/\partial z_L`, the output error the backward pass starts from, from the unchecked
  kernels of ``bayesfit._special`` (the ones :mod:`bayesfit.losses` and
  :mod:`bayesfit.nn.activations` evaluate after checking their inputs);
- ``forward``, ``predict``, ``proba``, ``std``: what :meth:`MLP.forward`, :meth:`MLP.predict`,
  :meth:`MLP.predict_proba` and ``predict(X, return_std=True)`` return (None where the head
  has no such output).

For the matched pairs, sigmoid + binary cross-entropy and softmax + cross-entropy, the output
error is taken at the logits, :math:`\delta_L = \hat y - t` (PRML eqs. 4.91, 4.109), with no
:math:`f'(z)` factor; for MSE it is :math:`f'(z_L)^T\, 2(\hat y - t)`, which is where a
saturated sigmoid + MSE unit loses its gradient. The Gaussian head predicts a mean and a
log-variance :math:`s = \ln\sigma^2` per output; by the chain rule through
:math:`\sigma^2 = e^s`, :math:`\partial\ell/\partial s = \frac12(1 - (t-\mu)^2/\sigma^2)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from bayesfit import _special
from bayesfit._validation import (
    as_numeric,
    check_array,
    check_distribution,
    check_labels,
    check_probabilities,
)

__all__ = ["HEADS", "LOSSES", "OUTPUTS", "Head"]

#: ``(z, *, xp) -> array``: predictions, probabilities or standard deviations from :math:`z_L`.
ZFunction = Callable[..., Any]


@dataclass(frozen=True)
class Head:
    """An output function paired with a loss: targets, loss and output error, predictions.

    Attributes
    ----------
    output, loss : str
        The names ``MLP(output=..., loss=...)`` takes.
    targets : callable
        ``targets(y, name, n_outputs, *, xp)``: validated targets, ``(n, n_outputs)`` floating
        or, for the cross-entropy, integer labels ``(n,)`` or distributions ``(n, K)``.
    loss_and_delta : callable
        ``loss_and_delta(z, t, *, xp) -> (summed loss, d(sum)/dz)`` on a checked batch.
    forward : callable
        ``forward(z, *, xp)``: the network's output ``(n, n_outputs)``.
    predict : callable
        ``predict(z, *, xp)``: values, or class labels; one output is returned 1-D.
    proba : callable or None
        ``proba(z, *, xp)``: class probabilities, for the classification heads.
    std : callable or None
        ``std(z, *, xp)``: the predicted noise standard deviation, for the Gaussian head.
    units_per_output : int
        Units of the last layer per output (2 for a mean and a log-variance).
    min_outputs : int
        The fewest outputs the head makes sense with (2 classes for a softmax).
    """

    output: str
    loss: str
    targets: Callable[..., Any]
    loss_and_delta: Callable[..., tuple[Any, Any]]
    forward: ZFunction
    predict: ZFunction
    proba: ZFunction | None = None
    std: ZFunction | None = None
    units_per_output: int = 1
    min_outputs: int = 1


# -- output functions --------------------------------------------------------------------------


def _softmax(z: Any, *, xp: ModuleType) -> Any:
    return _special.softmax(z, axis=-1, xp=xp)


def _softmax_vjp(z: Any, grad_output: Any, *, xp: ModuleType) -> Any:
    return _special.softmax_vjp(z, grad_output, axis=-1, xp=xp)


def _column(a: Any) -> Any:
    """One output comes back 1-D, as scikit-learn's regressors return it."""
    return a[:, 0] if a.shape[1] == 1 else a


# -- targets ---------------------------------------------------------------------------------


def _real_targets(y: Any, name: str, n_outputs: int, *, xp: ModuleType) -> Any:
    return check_array(y, name, xp=xp)  # 1-D becomes one column


def _probability_targets(y: Any, name: str, n_outputs: int, *, xp: ModuleType) -> Any:
    return check_probabilities(check_array(y, name, xp=xp), name, xp=xp)


def _class_targets(y: Any, name: str, n_classes: int, *, xp: ModuleType) -> Any:
    t = as_numeric(y, name, xp=xp)
    if xp.isdtype(t.dtype, "integral") or t.ndim == 1:  # labels; float ones are refused
        t = check_labels(t, n_classes, name, xp=xp)
        if t.ndim != 1:
            raise ValueError(f"{name} as class labels must be 1-D, got shape {t.shape}")
        return t
    t = check_array(t, name, xp=xp)
    return check_distribution(t, name, axis=1, normalize=False, xp=xp)


# -- the heads ---------------------------------------------------------------------------------


def _mse_head(output: str, f: ZFunction, f_vjp: Callable[..., Any]) -> Head:
    def loss_and_delta(z: Any, t: Any, *, xp: ModuleType) -> tuple[Any, Any]:
        pred = f(z, xp=xp)
        delta = f_vjp(z, _special.squared_error_grad(t, pred), xp=xp)
        return xp.sum(_special.squared_error(t, pred)), delta

    def predict(z: Any, *, xp: ModuleType) -> Any:
        return _column(f(z, xp=xp))

    return Head(output, "mse", _real_targets, loss_and_delta, f, predict)


def _split(z: Any) -> tuple[Any, Any]:
    r"""Return the means and the log-variances :math:`s = \ln\sigma^2` of a Gaussian head."""
    k = z.shape[1] // 2
    return z[:, :k], z[:, k:]


def _gaussian_loss_and_delta(z: Any, t: Any, *, xp: ModuleType) -> tuple[Any, Any]:
    mean, log_var = _split(z)
    precision = xp.exp(-log_var)
    loss = xp.sum(_special.gaussian_nll_terms(t, mean, precision, -log_var))
    g_mean = _special.gaussian_nll_mean_grad(t, mean, precision)  # (mean - t) / var
    # d ell / d s = var * d ell / d var = (1 - (t - mean)^2 / var) / 2, and
    # (t - mean)^2 / var = (t - mean) * (mean - t) / var * (-1).
    g_log_var = 0.5 * (1.0 + (t - mean) * g_mean)
    return loss, xp.concat([g_mean, g_log_var], axis=1)


def _gaussian_mean(z: Any, *, xp: ModuleType) -> Any:
    return _split(z)[0]


def _gaussian_predict(z: Any, *, xp: ModuleType) -> Any:
    return _column(_split(z)[0])


def _gaussian_std(z: Any, *, xp: ModuleType) -> Any:
    return _column(xp.exp(0.5 * _split(z)[1]))


def _bce_loss_and_delta(z: Any, t: Any, *, xp: ModuleType) -> tuple[Any, Any]:
    loss = xp.sum(_special.binary_cross_entropy_from_logits(t, z, xp=xp))
    return loss, _special.binary_cross_entropy_logit_grad(t, z, xp=xp)


def _bce_predict(z: Any, *, xp: ModuleType) -> Any:
    return _column(xp.astype(z > 0, xp.int64))  # sigma(z) > 1/2 exactly when z > 0


def _bce_proba(z: Any, *, xp: ModuleType) -> Any:
    return _column(_special.sigmoid(z, xp=xp))


def _ce_loss_and_delta(z: Any, t: Any, *, xp: ModuleType) -> tuple[Any, Any]:
    losses, delta = _special.cross_entropy_and_logit_grad(t, z, label_smoothing=0.0, xp=xp)
    return xp.sum(losses), delta


def _ce_predict(z: Any, *, xp: ModuleType) -> Any:
    return xp.argmax(z, axis=1)


_HEADS = [
    _mse_head("identity", _special.identity, _special.identity_vjp),
    _mse_head("sigmoid", _special.sigmoid, _special.sigmoid_vjp),
    _mse_head("softmax", _softmax, _softmax_vjp),
    Head("identity", "gaussian_nll", _real_targets, _gaussian_loss_and_delta, _gaussian_mean,
         _gaussian_predict, std=_gaussian_std, units_per_output=2),
    Head("sigmoid", "binary_cross_entropy", _probability_targets, _bce_loss_and_delta,
         _special.sigmoid, _bce_predict, proba=_bce_proba),
    Head("softmax", "cross_entropy", _class_targets, _ce_loss_and_delta, _softmax, _ce_predict,
         proba=_softmax, min_outputs=2),
]
#: ``(output, loss) -> Head``: every pairing the MLP accepts.
HEADS: dict[tuple[str, str], Head] = {(h.output, h.loss): h for h in _HEADS}
#: The output functions and the losses, in the order the error messages list them.
OUTPUTS: tuple[str, ...] = tuple(dict.fromkeys(output for output, _ in HEADS))
LOSSES: tuple[str, ...] = tuple(dict.fromkeys(loss for _, loss in HEADS))


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
