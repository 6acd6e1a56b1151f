r"""A small multilayer perceptron with backpropagation written out, trained on mini-batches.

The network (PRML ch. 5) maps a row :math:`x` through layers :math:`l = 1, \dots, L`,

.. math::

    a_0 = x, \qquad z_l = a_{l-1} W_l + b_l, \qquad a_l = h(z_l) \; (l < L), \qquad
    \hat y = f(z_L),

with a hidden activation :math:`h` and an output function :math:`f` chosen to match the loss,
which is a negative log-likelihood from :mod:`bayesfit.losses`. The forward pass keeps
:math:`(a_{l-1}, z_l)` for every layer; the backward pass is the delta recursion
(PRML eqs. 5.53-5.56)

.. math::

    \delta_L = \frac{\partial J}{\partial z_L}, \qquad
    \frac{\partial J}{\partial W_l} = a_{l-1}^T \delta_l, \qquad
    \frac{\partial J}{\partial b_l} = \textstyle\sum_n \delta_{l,n}, \qquad
    \delta_{l-1} = h'(z_{l-1}) \odot (\delta_l W_l^T).

Weight decay :math:`\frac{\lambda}{2}\lVert\theta\rVert^2` on every weight and bias is the
isotropic Gaussian prior :math:`\theta \sim \mathcal N(0, \alpha^{-1} I)` of PRML eq. 5.112:
see :func:`prior_weight_decay` for the mapping between :math:`\lambda` and :math:`\alpha`.
"""

from __future__ import annotations

import itertools
import math
import numbers
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, ClassVar, TextIO

import array_api_compat
import numpy as np

from bayesfit import losses
from bayesfit._backend import get_namespace, to_numpy
from bayesfit._validation import (
    NONE,
    NONNEGATIVE,
    POSITIVE,
    POSITIVE_INT,
    Constraint,
    InstanceOf,
    Options,
    as_numeric,
    check_array,
    check_distribution,
    check_labels,
    check_probabilities,
    check_random_state,
    check_value,
    validate_params,
)
from bayesfit.nn import activations
from bayesfit.nn.optim import SGD, Adagrad, Adam, Momentum, Optimizer, RMSProp

__all__ = ["MLP", "EarlyStopping", "History", "prior_weight_decay"]


def _identity(z: Any) -> Any:
    return z


def _identity_grad(z: Any, grad_output: Any) -> Any:
    return grad_output


#: name -> (h, h_grad(z, grad_output)); h_grad returns grad_output * h'(z).
_HIDDEN: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "relu": (activations.relu, activations.relu_grad),
    "leaky_relu": (activations.leaky_relu, activations.leaky_relu_grad),
    "tanh": (activations.tanh, activations.tanh_grad),
    "sigmoid": (activations.sigmoid, activations.sigmoid_grad),
    "identity": (_identity, _identity_grad),
}
_OUTPUT: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "identity": (_identity, _identity_grad),
    "sigmoid": (activations.sigmoid, activations.sigmoid_grad),
    "softmax": (activations.softmax, activations.softmax_grad),
}
#: loss -> the output functions it can be paired with. Cross-entropies take logits, so they
#: need the output function whose inverse is their natural link (sigmoid, softmax).
_LOSS_OUTPUTS = {
    "mse": ("identity", "sigmoid", "softmax"),
    "gaussian_nll": ("identity",),
    "binary_cross_entropy": ("sigmoid",),
    "cross_entropy": ("softmax",),
}
_OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "adagrad": Adagrad,
    "rmsprop": RMSProp,
    "adam": Adam,
}
_BOOL = Options((True, False))


def prior_weight_decay(alpha: float, n_samples: int, beta: float | None = None) -> float:
    r"""Return the weight decay :math:`\lambda` that makes the MLP objective a log posterior.

    Parameters
    ----------
    alpha : float
        Precision of the Gaussian prior :math:`\theta \sim \mathcal N(0, \alpha^{-1} I)`.
    n_samples : int
        Number of training samples :math:`N` (the data term of the objective is a mean).
    beta : float, optional
        Noise precision, for ``loss="mse"`` (whose per-sample loss is a squared error, not an
        NLL). Leave it out for the losses that are negative log-likelihoods already.

    Returns
    -------
    float
        :math:`2\alpha/(N\beta)` with ``beta``, :math:`\alpha/N` without.

    Notes
    -----
    The MLP minimises :math:`J = \frac1N \sum_n \ell_n + \frac{\lambda}{2}\lVert\theta\rVert^2`.
    The negative log posterior is :math:`E = \sum_n (-\ln p(t_n \mid \theta)) +
    \frac{\alpha}{2}\lVert\theta\rVert^2` (PRML eq. 5.112 up to constants). For a true NLL
    :math:`\ell_n` this is :math:`E = N J` when :math:`\lambda = \alpha/N`; for the squared
    error, :math:`-\ln p = \frac{\beta}{2}\ell_n + \text{const}` gives
    :math:`E = \frac{N\beta}{2} J` when :math:`\lambda = 2\alpha/(N\beta)`. Either way
    :math:`E` and :math:`J` have the same minimiser: the MAP weights. For a linear model,
    ``MLP([d, 1], loss="mse", weight_decay=prior_weight_decay(alpha, N, beta))`` converges to
    :class:`bayesfit.MAPRegression` ``(alpha=alpha, beta=beta)``.

    Examples
    --------
    >>> prior_weight_decay(alpha=2.0, n_samples=100, beta=4.0)
    0.01
    >>> prior_weight_decay(alpha=2.0, n_samples=100)
    0.02
    """
    _check_arguments(
        "prior_weight_decay",
        {"alpha": (alpha, [POSITIVE]), "n_samples": (n_samples, [POSITIVE_INT]),
         "beta": (beta, [NONE, POSITIVE])},
    )
    return alpha / n_samples if beta is None else 2.0 * alpha / (n_samples * beta)


def _check_arguments(where: str, arguments: dict[str, tuple[Any, list[Constraint]]]) -> None:
    """Check function arguments against constraints, as validate_params does for settings."""
    for name, (value, rules) in arguments.items():
        check_value(f"{where}: {name}", value, rules)


@dataclass
class History:
    """What :meth:`MLP.fit` returns: the objective after each epoch.

    Attributes
    ----------
    loss : list of float
        Training objective (mean loss plus weight decay) per epoch, averaged over the epoch's
        mini-batches as they were seen.
    val_loss : list of float
        The same objective on ``validation_data`` at the end of each epoch (empty without it).
    stopped_epoch : int or None
        The epoch after which a callback stopped training, or None if all epochs ran.
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    stopped_epoch: int | None = None

    @property
    def epochs(self) -> int:
        """Number of epochs run."""
        return len(self.loss)


class EarlyStopping:
    """A callback that stops training once a monitored loss stops improving.

    Parameters
    ----------
    monitor : {"val_loss", "loss"}, default "val_loss"
        The entry of the epoch's logs to watch.
    patience : int, default 5
        Epochs without an improvement of more than ``min_delta`` before stopping.
    min_delta : float, default 0.0
        The smallest decrease that counts as an improvement.
    restore_best : bool, default True
        When stopping, put back the parameters of the best epoch.

    Attributes
    ----------
    best : float
        The best value seen in the current fit.
    best_epoch : int
        The epoch where it was seen.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 40)[:, None]
    >>> model = MLP([1, 1], random_state=0)
    >>> stop = EarlyStopping(monitor="loss", patience=2, min_delta=1e-3)
    >>> history = model.fit(X, 2 * X[:, 0], optimizer=SGD(0.1), epochs=500,
    ...                     callbacks=[stop], progress=False)
    >>> history.stopped_epoch is not None and history.epochs < 500
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "monitor": [Options(("val_loss", "loss"))],
        "patience": [POSITIVE_INT],
        "min_delta": [NONNEGATIVE],
        "restore_best": [_BOOL],
    }

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        restore_best: bool = True,
    ):
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best = restore_best
        validate_params(self, self._parameter_constraints)

    def __call__(self, epoch: int, logs: dict[str, float], model: MLP) -> bool:
        """Record the epoch; return True to stop training."""
        if epoch == 1:  # a new fit
            self.best, self.best_epoch, self._best_params = math.inf, 0, None
        value = logs[self.monitor]
        if value < self.best - self.min_delta:
            # The optimizers replace parameter arrays instead of writing into them, so a
            # shallow copy of the dict is a snapshot.
            self.best, self.best_epoch, self._best_params = value, epoch, dict(model.params)
            return False
        if epoch - self.best_epoch < self.patience:
            return False
        if self.restore_best and self._best_params is not None:
            model.params = dict(self._best_params)
        return True


class _Progress:
    """A one-line text progress bar per epoch, written to a stream (stderr by default)."""

    def __init__(self, epochs: int, n_batches: int, stream: TextIO):
        self.epochs, self.n_batches, self.stream = epochs, n_batches, stream
        self.every = max(1, n_batches // 20)  # redraw at most ~20 times per epoch

    def batch(self, epoch: int, b: int) -> None:
        if b % self.every == 0 or b == self.n_batches:
            done = int(20 * b / self.n_batches)
            bar = "=" * done + "." * (20 - done)
            self.stream.write(f"\repoch {epoch}/{self.epochs} [{bar}] {b}/{self.n_batches}")
            self.stream.flush()

    def epoch_end(self, epoch: int, logs: dict[str, float], seconds: float) -> None:
        values = "  ".join(f"{k} {v:.6g}" for k, v in logs.items())
        self.stream.write(f"\repoch {epoch}/{self.epochs}  {values}  ({seconds:.2f} s)\n")
        self.stream.flush()


class MLP:
    r"""A multilayer perceptron whose gradients are computed by a backprop you can read.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, inputs first: ``[n_features, hidden..., n_outputs]``. With
        ``loss="gaussian_nll"`` the last layer has twice ``n_outputs`` units (means and
        log-variances).
    activation : {"relu", "leaky_relu", "tanh", "sigmoid", "identity"}, default "relu"
        Hidden activation :math:`h`.
    output : {"identity", "sigmoid", "softmax"}, default "identity"
        Output function :math:`f`.
    loss : {"mse", "gaussian_nll", "binary_cross_entropy", "cross_entropy"}, default "mse"
        The per-sample loss :math:`\ell`, a negative log-likelihood from
        :mod:`bayesfit.losses`. ``mse`` takes any output; ``gaussian_nll`` (heteroscedastic:
        the network predicts a mean and a log-variance per output) takes ``"identity"``;
        ``binary_cross_entropy`` needs ``"sigmoid"`` and ``cross_entropy`` ``"softmax"``.
    weight_decay : float, default 0.0
        :math:`\lambda \ge 0` of the penalty :math:`\frac{\lambda}{2}\lVert\theta\rVert^2`
        on all weights and biases; see :func:`prior_weight_decay`.
    random_state : None, int or numpy.random.Generator
        Seeds the initial weights and, unless ``fit`` gets its own, the shuffling.

    Attributes
    ----------
    params : dict of arrays
        ``{"W1": (n_0, n_1), "b1": (n_1,), "W2": ...}``. They start on NumPy in float64 and
        follow the data: the first call with arrays of another namespace, device or floating
        dtype converts them.

    Notes
    -----
    The objective is :math:`J(\theta) = \frac1N\sum_n \ell(t_n, \hat y_n) +
    \frac{\lambda}{2}\lVert\theta\rVert^2`. For the pairs sigmoid + binary cross-entropy and
    softmax + cross-entropy the output error is taken with respect to the logits,
    :math:`\delta_L = (\hat y - t)/N` (PRML eq. 4.109), with no :math:`f'(z)` factor; for
    every other pair it is :math:`f'(z_L) \odot \partial\ell/\partial\hat y`, which is where
    a saturated sigmoid + MSE unit loses its gradient. Initial weights: He,
    :math:`\mathcal N(0, 2/n_{l-1})`, into ReLU-type units; Glorot,
    :math:`\mathcal U(\pm\sqrt{6/(n_{l-1} + n_l)})`, elsewhere; biases zero.

    Unlike the regression estimators, the MLP draws its parameters when it is constructed, so
    that they can be inspected, set or gradient-checked before any training, and ``fit``
    continues from the current parameters (as in Keras or PyTorch) instead of starting over.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2))
    >>> y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    >>> model = MLP([2, 16, 2], activation="tanh", output="softmax", loss="cross_entropy",
    ...             random_state=0)
    >>> history = model.fit(X, y, optimizer=Adam(0.05), batch_size=32, epochs=60,
    ...                     progress=False)
    >>> bool(history.loss[-1] < history.loss[0])
    True
    >>> float(np.mean(model.predict(X) == y)) > 0.9
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "layer_sizes": [InstanceOf((list, tuple), "a list of layer widths")],
        "activation": [Options(tuple(_HIDDEN))],
        "output": [Options(tuple(_OUTPUT))],
        "loss": [Options(tuple(_LOSS_OUTPUTS))],
        "weight_decay": [NONNEGATIVE],
        "random_state": [
            NONE,
            InstanceOf((numbers.Integral, np.random.Generator), "an int or a Generator"),
        ],
    }

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        output: str = "identity",
        loss: str = "mse",
        weight_decay: float = 0.0,
        random_state: Any = None,
    ):
        self.layer_sizes = layer_sizes
        self.activation = activation
        self.output = output
        self.loss = loss
        self.weight_decay = weight_decay
        self.random_state = random_state
        self._validate_settings()
        self._rng = check_random_state(random_state)
        self.params = self._initial_params(self._rng)

    # -- settings and parameters ---------------------------------------------------------------
    def _validate_settings(self) -> None:
        validate_params(self, self._parameter_constraints)
        sizes = self.layer_sizes
        if len(sizes) < 2 or not all(POSITIVE_INT.accepts(s) for s in sizes):
            raise ValueError(
                "MLP: layer_sizes must list at least two positive ints (inputs, ..., outputs); "
                f"got {sizes!r}"
            )
        if self.output not in _LOSS_OUTPUTS[self.loss]:
            raise ValueError(
                f"MLP: loss={self.loss!r} needs output in {_LOSS_OUTPUTS[self.loss]}; "
                f"got output={self.output!r}"
            )
        if self.loss == "cross_entropy" and sizes[-1] < 2:
            raise ValueError("MLP: cross_entropy needs at least 2 output units (classes)")

    @property
    def n_outputs(self) -> int:
        """Width of the predictions (the number of classes for ``cross_entropy``)."""
        return int(self.layer_sizes[-1])

    def _widths(self) -> list[int]:
        widths = [int(s) for s in self.layer_sizes]
        if self.loss == "gaussian_nll":
            widths[-1] *= 2  # a mean and a log-variance per output
        return widths

    def _initial_params(self, rng: np.random.Generator) -> dict[str, Any]:
        widths = self._widths()
        params: dict[str, Any] = {}
        for layer, (n_in, n_out) in enumerate(itertools.pairwise(widths), start=1):
            feeds_relu = layer < len(widths) - 1 and self.activation in ("relu", "leaky_relu")
            if feeds_relu:  # He et al. 2015: keeps the variance of ReLU activations constant
                W = rng.normal(0.0, math.sqrt(2.0 / n_in), size=(n_in, n_out))
            else:  # Glorot and Bengio 2010, normalised initialisation
                limit = math.sqrt(6.0 / (n_in + n_out))
                W = rng.uniform(-limit, limit, size=(n_in, n_out))
            params[f"W{layer}"], params[f"b{layer}"] = W, np.zeros(n_out)
        return params

    def _follow(self, ref: Any, *, xp: ModuleType) -> None:
        """Move the parameters to the namespace, device and dtype of the array ``ref``."""
        device = array_api_compat.device(ref)
        first = self.params["W1"]
        if (
            get_namespace(first) is xp
            and first.dtype == ref.dtype
            and array_api_compat.device(first) == device
        ):
            return
        self.params = {
            k: xp.asarray(to_numpy(v), dtype=ref.dtype, device=device)
            for k, v in self.params.items()
        }

    # -- input checks ----------------------------------------------------------------------------
    def _check_X(self, X: Any, xp: ModuleType | None = None) -> tuple[Any, ModuleType]:
        """Validate inputs; the caller moves the parameters to them (``_follow``) when done."""
        xp = get_namespace(X) if xp is None else xp
        X = check_array(X, "X", xp=xp)
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(
                f"X has {X.shape[1]} features but the first layer of this MLP takes "
                f"{self.layer_sizes[0]}"
            )
        return X, xp

    def _check_Xy(self, X: Any, y: Any, name: str = "y") -> tuple[Any, Any, ModuleType]:
        """Validate inputs and targets together; targets come back in the form the loss takes.

        Regression and binary targets become ``(n, n_outputs)`` arrays of the dtype of X;
        ``cross_entropy`` targets stay integer labels ``(n,)`` or become ``(n, K)`` one-hot /
        soft targets.
        """
        X, xp = self._check_X(X, get_namespace(X, y))
        n, k = X.shape[0], self.n_outputs
        if self.loss == "cross_entropy":
            t = as_numeric(y, name, xp=xp)
            if xp.isdtype(t.dtype, "integral") or t.ndim == 1:  # labels; float ones are refused
                t = check_labels(t, k, name, xp=xp)
                if t.ndim != 1:
                    raise ValueError(f"{name} as class labels must be 1-D, got shape {t.shape}")
            else:
                t = check_array(t, name, xp=xp)
                t = check_distribution(t, name, axis=1, normalize=False, xp=xp)
        else:
            t = check_array(y, name, xp=xp)  # 1-D becomes one column
            if self.loss == "binary_cross_entropy":
                t = check_probabilities(t, name, xp=xp)
        if t.ndim == 2 and t.shape[1] != k:
            raise ValueError(
                f"{name} has {t.shape[1]} columns but the last layer of this MLP has {k} "
                f"outputs"
            )
        if t.shape[0] != n:
            raise ValueError(
                f"X and {name} have inconsistent numbers of samples: {n} and {t.shape[0]}"
            )
        if xp.isdtype(t.dtype, "real floating"):
            t = xp.astype(t, X.dtype, copy=False)
        self._follow(X, xp=xp)  # only once everything is known to be valid
        return X, t, xp

    # -- forward and backward ------------------------------------------------------------------
    def _forward(self, X: Any, *, xp: ModuleType) -> tuple[Any, list[tuple[Any, Any]]]:
        """Return the output pre-activation :math:`z_L` and the cache ``[(a_{l-1}, z_l)]``."""
        h = _HIDDEN[self.activation][0]
        n_layers = len(self.layer_sizes) - 1
        cache = []
        a = X
        for layer in range(1, n_layers + 1):
            z = a @ self.params[f"W{layer}"] + self.params[f"b{layer}"]
            cache.append((a, z))
            a = h(z) if layer < n_layers else z
        return a, cache

    def _loss_and_delta(self, z: Any, t: Any, *, xp: ModuleType) -> tuple[Any, Any]:
        r"""Return the summed data loss and :math:`\partial(\text{sum})/\partial z_L`."""
        if self.loss == "cross_entropy":
            return (
                losses.cross_entropy(t, z, reduction="sum"),
                losses.cross_entropy_grad(t, z, reduction="sum"),
            )
        if self.loss == "binary_cross_entropy":
            return (
                losses.binary_cross_entropy(t, logits=z, reduction="sum"),
                losses.binary_cross_entropy_grad(t, logits=z, reduction="sum"),
            )
        f, f_grad = _OUTPUT[self.output]
        if self.loss == "mse":
            pred = f(z)
            return (
                losses.mse(t, pred, reduction="sum"),
                f_grad(z, losses.mse_grad(t, pred, reduction="sum")),
            )
        # gaussian_nll: z = [mean | s], variance = exp(s)
        k = self.n_outputs
        mean, s = z[:, :k], z[:, k:]
        var = xp.exp(s)
        loss = losses.gaussian_nll(t, mean, var, reduction="sum")
        g_mean = losses.gaussian_nll_grad(t, mean, var, reduction="sum")  # (mean - t) / var
        # d ell / d s = var * d ell / d var = (1 - (t - mean)^2 / var) / 2, and
        # (t - mean)^2 / var = (t - mean) * (mean - t) / var * (-1).
        g_s = 0.5 * (1.0 + (t - mean) * g_mean)
        return loss, xp.concat([g_mean, g_s], axis=1)

    def _backward(self, delta: Any, cache: list[tuple[Any, Any]], *, xp: ModuleType) -> dict:
        r"""Return the parameters' gradients from :math:`\delta_L` by the delta recursion."""
        h_grad = _HIDDEN[self.activation][1]
        grads: dict[str, Any] = {}
        for layer in range(len(cache), 0, -1):
            a_in, _ = cache[layer - 1]
            grads[f"W{layer}"] = xp.matrix_transpose(a_in) @ delta
            grads[f"b{layer}"] = xp.sum(delta, axis=0)
            if layer > 1:  # the error signal of the layer below: h'(z) * (delta W^T)
                W = self.params[f"W{layer}"]
                delta = h_grad(cache[layer - 2][1], delta @ xp.matrix_transpose(W))
        return grads

    def _decay_term(self, *, xp: ModuleType) -> Any:
        return 0.5 * self.weight_decay * sum(xp.sum(p * p) for p in self.params.values())

    def _objective_and_grads(self, X: Any, t: Any, *, xp: ModuleType) -> tuple[Any, dict]:
        z, cache = self._forward(X, xp=xp)
        loss_sum, delta = self._loss_and_delta(z, t, xp=xp)
        n = X.shape[0]
        grads = self._backward(delta / n, cache, xp=xp)
        objective = loss_sum / n
        if self.weight_decay:
            objective = objective + self._decay_term(xp=xp)
            for k, p in self.params.items():
                grads[k] = grads[k] + self.weight_decay * p
        return objective, grads

    def _objective(self, X: Any, t: Any, *, xp: ModuleType) -> Any:
        z, _ = self._forward(X, xp=xp)
        loss_sum, _ = self._loss_and_delta(z, t, xp=xp)
        objective = loss_sum / X.shape[0]
        return objective + self._decay_term(xp=xp) if self.weight_decay else objective

    # -- public evaluation ---------------------------------------------------------------------
    def objective(self, X: Any, y: Any) -> float:
        r"""Return the training objective :math:`J` on ``(X, y)``: mean loss plus weight decay.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like
            Targets: ``(n_samples,)`` or ``(n_samples, n_outputs)``; for ``cross_entropy``
            integer labels ``(n_samples,)`` or one-hot / soft targets ``(n_samples, K)``.

        Returns
        -------
        float
        """
        X, t, xp = self._check_Xy(X, y)
        return float(self._objective(X, t, xp=xp))

    def objective_and_grads(self, X: Any, y: Any) -> tuple[float, dict[str, Any]]:
        """Return :math:`J` and its gradient for every parameter, by backpropagation.

        Parameters
        ----------
        X, y : array_like
            As for :meth:`objective`.

        Returns
        -------
        objective : float
        grads : dict of arrays
            Keyed and shaped like :attr:`params`.
        """
        X, t, xp = self._check_Xy(X, y)
        objective, grads = self._objective_and_grads(X, t, xp=xp)
        return float(objective), grads

    def forward(self, X: Any) -> Any:
        """Return the network's output :math:`f(z_L)` for each row of ``X``.

        Returns
        -------
        array of shape (n_samples, n_outputs)
            Values, probabilities (sigmoid, softmax) or, for ``gaussian_nll``, the means.
        """
        X, xp = self._check_X(X)
        self._follow(X, xp=xp)
        z, _ = self._forward(X, xp=xp)
        if self.loss == "gaussian_nll":
            return z[:, : self.n_outputs]
        return _OUTPUT[self.output][0](z)

    def predict(self, X: Any, return_std: bool = False) -> Any:
        """Return predictions: values for regression, class labels for classification.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        return_std : bool, default False
            For ``gaussian_nll`` only: also return the predicted noise standard deviation.

        Returns
        -------
        array
            Regression: ``(n_samples,)`` for one output, else ``(n_samples, n_outputs)``.
            ``cross_entropy``: labels ``(n_samples,)``. ``binary_cross_entropy``: 0/1 labels
            shaped like the regression output.
        std : array, only with ``return_std``
        """
        if return_std and self.loss != "gaussian_nll":
            raise ValueError("return_std needs loss='gaussian_nll' (a predicted variance)")
        X, xp = self._check_X(X)
        self._follow(X, xp=xp)
        z, _ = self._forward(X, xp=xp)
        k = self.n_outputs
        if self.loss == "cross_entropy":
            return xp.argmax(z, axis=1)
        if self.loss == "binary_cross_entropy":
            out = xp.astype(z > 0, xp.int64)
        elif self.loss == "gaussian_nll":
            out = z[:, :k]
        else:
            out = _OUTPUT[self.output][0](z)
        out = out[:, 0] if k == 1 else out
        if not return_std:
            return out
        std = xp.exp(0.5 * z[:, k:])
        return out, std[:, 0] if k == 1 else std

    def predict_proba(self, X: Any) -> Any:
        """Return class probabilities, for the cross-entropy losses.

        Returns
        -------
        array
            ``cross_entropy``: ``(n_samples, K)``; ``binary_cross_entropy``:
            :math:`P(y=1)`, ``(n_samples,)`` for one output, else ``(n_samples, n_outputs)``.
        """
        if self.loss not in ("cross_entropy", "binary_cross_entropy"):
            raise ValueError(
                f"predict_proba needs a cross-entropy loss, this MLP has {self.loss!r}"
            )
        p = self.forward(X)
        return p[:, 0] if self.loss == "binary_cross_entropy" and self.n_outputs == 1 else p

    # -- training ------------------------------------------------------------------------------
    def fit(
        self,
        X: Any,
        y: Any,
        optimizer: Optimizer | str | None = None,
        batch_size: int | None = 32,
        epochs: int = 10,
        shuffle: bool = True,
        random_state: Any = None,
        validation_data: tuple[Any, Any] | None = None,
        callbacks: Sequence[Callable[[int, dict[str, float], MLP], bool | None]] | None = None,
        progress: bool | None = None,
    ) -> History:
        """Train on mini-batches from the current parameters; return the loss per epoch.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like
            Targets, as for :meth:`objective`.
        optimizer : Optimizer or str, optional
            An optimizer from :mod:`bayesfit.nn.optim` (its state carries over between calls
            to ``fit``) or a name (``"sgd"``, ``"momentum"``, ``"adagrad"``, ``"rmsprop"``,
            ``"adam"``) for one with default settings. Default: ``Adam()``.
        batch_size : int or None, default 32
            Samples per gradient step; None means the whole set (full-batch descent).
        epochs : int, default 10
            Passes over the data.
        shuffle : bool, default True
            Draw the batches in a fresh random order each epoch.
        random_state : None, int or numpy.random.Generator
            Randomness for the shuffling; None continues the model's own generator (seeded
            by its ``random_state``), so a seeded model trains identically every time.
        validation_data : (X_val, y_val), optional
            Evaluated at the end of each epoch into ``History.val_loss``.
        callbacks : list of callables, optional
            Each is called as ``callback(epoch, logs, model)`` after every epoch, with
            ``logs = {"loss": ..., "val_loss": ...}``; returning True stops training.
            See :class:`EarlyStopping`.
        progress : bool or None, default None
            Draw a progress bar on stderr; None draws it when stderr is a terminal.

        Returns
        -------
        History

        Raises
        ------
        ValueError
            Bad targets or settings (before any training).
        FloatingPointError
            If the loss becomes NaN or infinite; the message names the epoch, and the
            parameters are put back as they were at the start of that epoch.
        """
        optimizer = self._check_fit_settings(
            optimizer, batch_size, epochs, shuffle, validation_data, callbacks, progress
        )
        X, t, xp = self._check_Xy(X, y)
        val = None
        if validation_data is not None:
            Xv, tv, _ = self._check_Xy(*validation_data, name="y_val")
            val = (Xv, tv)
        rng = self._rng if random_state is None else check_random_state(random_state)
        n = X.shape[0]
        batch = n if batch_size is None else min(int(batch_size), n)
        n_batches = -(-n // batch)
        show = sys.stderr.isatty() if progress is None else progress
        bar = _Progress(epochs, n_batches, sys.stderr) if show else None
        device = array_api_compat.device(X)
        history = History()

        for epoch in range(1, epochs + 1):
            began = time.perf_counter()
            start_params = dict(self.params)
            order = xp.asarray(rng.permutation(n), device=device) if shuffle else None
            total = 0.0
            for b, lo in enumerate(range(0, n, batch), start=1):
                hi = min(lo + batch, n)
                if order is None:
                    Xb, tb = X[lo:hi, ...], t[lo:hi, ...]
                else:
                    idx = order[lo:hi]
                    Xb, tb = xp.take(X, idx, axis=0), xp.take(t, idx, axis=0)
                objective, grads = self._objective_and_grads(Xb, tb, xp=xp)
                if not bool(xp.isfinite(objective)):
                    self.params = start_params
                    raise FloatingPointError(
                        f"the training loss became {float(objective)} in epoch {epoch} "
                        f"(batch {b} of {n_batches}); the parameters are put back as they were "
                        f"at the start of that epoch. Lower the learning rate or rescale X."
                    )
                optimizer.step(self.params, grads)
                total = total + objective * (hi - lo)
                if bar is not None:
                    bar.batch(epoch, b)
            logs = {"loss": float(total) / n}
            history.loss.append(logs["loss"])
            if val is not None:
                logs["val_loss"] = float(self._objective(*val, xp=xp))
                history.val_loss.append(logs["val_loss"])
            if bar is not None:
                bar.epoch_end(epoch, logs, time.perf_counter() - began)
            if any([bool(cb(epoch, logs, self)) for cb in callbacks or ()]):
                history.stopped_epoch = epoch
                break
        return history

    def _check_fit_settings(
        self,
        optimizer: Any,
        batch_size: Any,
        epochs: Any,
        shuffle: Any,
        validation_data: Any,
        callbacks: Any,
        progress: Any,
    ) -> Optimizer:
        if optimizer is None:
            optimizer = Adam()
        elif isinstance(optimizer, str):
            if optimizer.lower() not in _OPTIMIZERS:
                raise ValueError(
                    f"optimizer must be one of {sorted(_OPTIMIZERS)} or an Optimizer; "
                    f"got {optimizer!r}"
                )
            optimizer = _OPTIMIZERS[optimizer.lower()]()
        elif not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"optimizer must be an Optimizer or a name, got {type(optimizer).__name__}"
            )
        _check_arguments(
            "MLP.fit",
            {
                "batch_size": (batch_size, [NONE, POSITIVE_INT]),
                "epochs": (epochs, [POSITIVE_INT]),
                "shuffle": (shuffle, [_BOOL]),
                "progress": (progress, [NONE, _BOOL]),
            },
        )
        if validation_data is not None and not (
            isinstance(validation_data, tuple | list) and len(validation_data) == 2
        ):
            raise ValueError("MLP.fit: validation_data must be a pair (X_val, y_val)")
        for cb in callbacks or ():
            if not callable(cb):
                raise TypeError(f"MLP.fit: callbacks must be callables, got {cb!r}")
            if getattr(cb, "monitor", None) == "val_loss" and validation_data is None:
                raise ValueError(
                    f"MLP.fit: {type(cb).__name__} monitors 'val_loss' but no validation_data "
                    "was given"
                )
        return optimizer
