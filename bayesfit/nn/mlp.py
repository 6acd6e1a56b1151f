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
see :func:`prior_weight_decay` for the mapping between :math:`\lambda` and :math:`\alpha`. The
L1 penalty :math:`\lambda_1 \sum_l \lVert W_l\rVert_1` on the weight matrices is, in the same
way, a Laplace prior :math:`p(W) \propto e^{-\alpha \lVert W\rVert_1}` with
:math:`\lambda_1 = \alpha/N` (or :math:`2\alpha/(N\beta)` for the squared error); its
gradient is :math:`\lambda_1\,\mathrm{sign}(W)`.

Dropout (Srivastava et al. 2014), in its inverted form, multiplies each hidden activation
during training by an independent mask :math:`m = \xi/(1-p)`,
:math:`\xi \sim \mathrm{Bernoulli}(1-p)`: :math:`a_l = m_l \odot h(z_l)`, so that
:math:`\mathbb E[a_l] = h(z_l)` and the network without masks (``predict``, ``forward``) needs no
rescaling. The backward pass carries the same mask,
:math:`\delta_{l-1} = h'(z_{l-1}) \odot m_{l-1} \odot (\delta_l W_l^T)`.

The pairing of output function and loss is one entry of :data:`bayesfit.nn.heads.HEADS` (the
target check, :math:`\delta_L`, the predictions); the mini-batch loop, :class:`History` and
:class:`EarlyStopping` are in :mod:`bayesfit.nn.train`.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from types import ModuleType
from typing import Any, ClassVar

import array_api_compat
import numpy as np

from bayesfit._backend import get_namespace, to_numpy
from bayesfit._validation import (
    NONE,
    NONNEGATIVE,
    POSITIVE,
    POSITIVE_INT,
    Constraint,
    InstanceOf,
    Interval,
    Options,
    check_array,
    check_random_state,
    check_value,
    validate_params,
)
from bayesfit.nn import activations
from bayesfit.nn.heads import HEADS, LOSSES, OUTPUTS, Head
from bayesfit.nn.optim import Optimizer
from bayesfit.nn.train import Callback, History, check_settings, train

# EarlyStopping lived here before bayesfit.nn.train; the old import path keeps working.
from bayesfit.nn.train import EarlyStopping as EarlyStopping

__all__ = ["MLP", "prior_weight_decay"]

#: A dropout rate: the probability of dropping a unit, in [0, 1).
DROPOUT_RATE = Interval(numbers.Real, 0.0, 1.0, closed="left")


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
    check_value("prior_weight_decay: alpha", alpha, [POSITIVE])
    check_value("prior_weight_decay: n_samples", n_samples, [POSITIVE_INT])
    check_value("prior_weight_decay: beta", beta, [NONE, POSITIVE])
    return alpha / n_samples if beta is None else 2.0 * alpha / (n_samples * beta)


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
        Seeds the initial weights and, unless ``fit`` gets its own, the shuffling and the
        dropout masks.
    l1 : float, default 0.0
        :math:`\lambda_1 \ge 0` of the penalty :math:`\lambda_1 \sum_l \lVert W_l\rVert_1` on
        the weight matrices (not the biases), beside ``weight_decay``: a Laplace prior.
    dropout : float or sequence of float, default 0.0
        The probability :math:`p \in [0, 1)` of dropping a hidden unit during training: one
        rate for every hidden layer, or one per hidden layer. Inverted dropout: the kept units
        are scaled by :math:`1/(1-p)` in training, and nothing is dropped or rescaled in
        :meth:`predict`, :meth:`forward` or :meth:`objective` (unless it is given masks).

    Attributes
    ----------
    params : dict of arrays
        ``{"W1": (n_0, n_1), "b1": (n_1,), "W2": ...}``. They start on NumPy in float64 and
        follow the data: the first call with arrays of another namespace, device or floating
        dtype converts them.
    optimizer_ : Optimizer
        The optimizer of the latest :meth:`fit`, set before its first epoch: a callback reaches
        it as ``model.optimizer_`` (to change ``learning_rate``, say), and passing it to the
        next ``fit`` continues with its state.

    Notes
    -----
    The objective is :math:`J(\theta) = \frac1N\sum_n \ell(t_n, \hat y_n) +
    \frac{\lambda}{2}\lVert\theta\rVert^2 + \lambda_1 \sum_l \lVert W_l\rVert_1`, with
    :math:`\hat y_n` from the network under fresh dropout masks for every mini-batch while
    training. For the pairs sigmoid + binary cross-entropy and
    softmax + cross-entropy the output error is taken with respect to the logits,
    :math:`\delta_L = (\hat y - t)/N` (PRML eq. 4.109), with no :math:`f'(z)` factor; for
    every other pair it is :math:`f'(z_L)^T \partial\ell/\partial\hat y`, which is where
    a saturated sigmoid + MSE unit loses its gradient (:mod:`bayesfit.nn.heads`). Initial
    weights: He, :math:`\mathcal N(0, 2/n_{l-1})`, into ReLU-type units; Glorot,
    :math:`\mathcal U(\pm\sqrt{6/(n_{l-1} + n_l)})`, elsewhere; biases zero.

    Unlike the regression estimators, the MLP draws its parameters when it is constructed, so
    that they can be inspected, set or gradient-checked before any training, and ``fit``
    continues from the current parameters (as in Keras or PyTorch) instead of starting over.

    Examples
    --------
    >>> import numpy as np
    >>> from bayesfit.nn.optim import Adam
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
        "activation": [Options(tuple(activations.KERNELS))],
        "output": [Options(OUTPUTS)],
        "loss": [Options(LOSSES)],
        "weight_decay": [NONNEGATIVE],
        "random_state": [
            NONE,
            InstanceOf((numbers.Integral, np.random.Generator), "an int or a Generator"),
        ],
        "l1": [NONNEGATIVE],
        "dropout": [
            DROPOUT_RATE,
            InstanceOf((list, tuple), "a list of rates, one per hidden layer"),
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
        l1: float = 0.0,
        dropout: float | Sequence[float] = 0.0,
    ):
        self.layer_sizes = layer_sizes
        self.activation = activation
        self.output = output
        self.loss = loss
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.l1 = l1
        self.dropout = dropout
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
        head = HEADS.get((self.output, self.loss))
        if head is None:
            outputs = tuple(output for output, loss in HEADS if loss == self.loss)
            raise ValueError(
                f"MLP: loss={self.loss!r} needs output in {outputs}; got output={self.output!r}"
            )
        if sizes[-1] < head.min_outputs:
            raise ValueError(
                f"MLP: {self.loss} needs at least {head.min_outputs} output units (classes)"
            )
        if isinstance(self.dropout, list | tuple):
            n_hidden = len(sizes) - 2
            if len(self.dropout) != n_hidden:
                raise ValueError(
                    f"MLP: dropout lists {len(self.dropout)} rates but the network has "
                    f"{n_hidden} hidden layers (give one rate for all, or one per hidden layer)"
                )
            for rate in self.dropout:
                check_value("MLP: every rate in dropout", rate, [DROPOUT_RATE])

    @property
    def _dropout_rates(self) -> tuple[float, ...]:
        """The dropout rate of each hidden layer."""
        n_hidden = len(self.layer_sizes) - 2
        if isinstance(self.dropout, list | tuple):
            return tuple(float(rate) for rate in self.dropout)
        return (float(self.dropout),) * n_hidden

    @property
    def _head(self) -> Head:
        return HEADS[self.output, self.loss]

    @property
    def n_outputs(self) -> int:
        """Width of the predictions (the number of classes for ``cross_entropy``)."""
        return int(self.layer_sizes[-1])

    def _initial_params(self, rng: np.random.Generator) -> dict[str, Any]:
        widths = [int(s) for s in self.layer_sizes]
        widths[-1] *= self._head.units_per_output
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
        t = self._head.targets(y, name, k, xp=xp)
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

    # -- forward and backward: unchecked kernels on checked arrays ----------------------------
    def _forward(
        self, X: Any, *, xp: ModuleType, masks: Sequence[Any] | None = None
    ) -> tuple[Any, list[tuple[Any, Any, Any]]]:
        """Return the output pre-activation :math:`z_L` and the cache ``[(a_{l-1}, z_l, m_l)]``.

        ``m_l`` is the dropout mask multiplied into :math:`h(z_l)` (None for the output layer,
        a layer without dropout, or no ``masks``).
        """
        h = activations.KERNELS[self.activation][0]
        n_layers = len(self.layer_sizes) - 1
        cache = []
        a = X
        for layer in range(1, n_layers + 1):
            z = a @ self.params[f"W{layer}"] + self.params[f"b{layer}"]
            mask = masks[layer - 1] if masks is not None and layer < n_layers else None
            cache.append((a, z, mask))
            a = z if layer == n_layers else h(z, xp=xp)
            if mask is not None:
                a = a * mask
        return a, cache

    def _backward(self, delta: Any, cache: list[tuple[Any, Any, Any]], *, xp: ModuleType) -> dict:
        r"""Return the parameters' gradients from :math:`\delta_L` by the delta recursion."""
        h_vjp = activations.KERNELS[self.activation][1]
        grads: dict[str, Any] = {}
        for layer in range(len(cache), 0, -1):
            a_in = cache[layer - 1][0]
            grads[f"W{layer}"] = xp.matrix_transpose(a_in) @ delta
            grads[f"b{layer}"] = xp.sum(delta, axis=0)
            if layer > 1:  # the error signal of the layer below: h'(z) * m * (delta W^T)
                _, z_below, mask = cache[layer - 2]
                upstream = delta @ xp.matrix_transpose(self.params[f"W{layer}"])
                delta = h_vjp(z_below, upstream if mask is None else upstream * mask, xp=xp)
        return grads

    def _penalty(self, *, xp: ModuleType) -> Any:
        """Return the weight decay plus the L1 penalty (0.0 when both are off)."""
        penalty = 0.0
        if self.weight_decay:
            penalty = 0.5 * self.weight_decay * sum(xp.sum(p * p) for p in self.params.values())
        if self.l1:
            penalty = penalty + self.l1 * sum(
                xp.sum(xp.abs(p)) for k, p in self.params.items() if k.startswith("W")
            )
        return penalty

    def _objective_and_grads(
        self, X: Any, t: Any, *, xp: ModuleType, masks: Sequence[Any] | None = None
    ) -> tuple[Any, dict]:
        z, cache = self._forward(X, xp=xp, masks=masks)
        loss_sum, delta = self._head.loss_and_delta(z, t, xp=xp)
        n = X.shape[0]
        grads = self._backward(delta / n, cache, xp=xp)
        objective = loss_sum / n
        if self.weight_decay or self.l1:
            objective = objective + self._penalty(xp=xp)
            for k, p in self.params.items():
                if self.weight_decay:
                    grads[k] = grads[k] + self.weight_decay * p
                if self.l1 and k.startswith("W"):  # a subgradient: sign(0) = 0
                    grads[k] = grads[k] + self.l1 * xp.sign(p)
        return objective, grads

    def _objective(
        self, X: Any, t: Any, *, xp: ModuleType, masks: Sequence[Any] | None = None
    ) -> Any:
        z, _ = self._forward(X, xp=xp, masks=masks)
        loss_sum, _ = self._head.loss_and_delta(z, t, xp=xp)
        objective = loss_sum / X.shape[0]
        return objective + self._penalty(xp=xp) if self.weight_decay or self.l1 else objective

    # -- dropout masks ---------------------------------------------------------------------------
    def _draw_masks(self, n: int, rng: np.random.Generator, *, like: Any, xp: ModuleType) -> list:
        """Draw inverted-dropout masks for ``n`` rows on the host; move them to ``like``'s device.

        One ``(n, width)`` array per hidden layer, of ``like``'s dtype, holding 0 or
        :math:`1/(1-p)`; None for a layer whose rate is 0.
        """
        device = array_api_compat.device(like)
        masks: list[Any] = []
        for rate, width in zip(self._dropout_rates, self.layer_sizes[1:-1], strict=True):
            if rate == 0.0:
                masks.append(None)
                continue
            kept = rng.random((n, int(width))) >= rate
            masks.append(xp.asarray(kept / (1.0 - rate), dtype=like.dtype, device=device))
        return masks

    def _check_masks(self, masks: Any, X: Any, *, xp: ModuleType) -> list | None:
        if masks is None:
            return None
        n_hidden = len(self.layer_sizes) - 2
        if not isinstance(masks, list | tuple) or len(masks) != n_hidden:
            raise ValueError(
                f"masks must be a list of {n_hidden} arrays (one per hidden layer, None for "
                f"none), as dropout_masks returns; got {type(masks).__name__}"
            )
        checked = []
        widths = self.layer_sizes[1:-1]
        for i, (mask, width) in enumerate(zip(masks, widths, strict=True)):
            if mask is None:
                checked.append(None)
                continue
            mask = check_array(mask, f"masks[{i}]", xp=xp)
            if mask.shape != (X.shape[0], width):
                raise ValueError(
                    f"masks[{i}] has shape {mask.shape}; hidden layer {i + 1} needs "
                    f"{(X.shape[0], width)}"
                )
            checked.append(xp.astype(mask, X.dtype, copy=False))
        return checked

    def dropout_masks(self, X: Any, random_state: Any = None) -> list[Any]:
        r"""Return one draw of the training-time dropout masks for the rows of ``X``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            The batch the masks are for (their namespace, device, dtype and row count).
        random_state : None, int or numpy.random.Generator
            Where the masks come from; None continues the model's own generator.

        Returns
        -------
        list
            One ``(n_samples, width)`` array per hidden layer with entries 0 (dropped) or
            :math:`1/(1-p)` (kept), or None for a layer without dropout. Pass it as ``masks``
            to :meth:`objective` and :meth:`objective_and_grads` to evaluate the network
            that training saw on one step (:func:`bayesfit.nn.gradient_check` does).

        Examples
        --------
        >>> import numpy as np
        >>> model = MLP([2, 4, 1], dropout=0.5, random_state=0)
        >>> masks = model.dropout_masks(np.zeros((3, 2)), random_state=1)
        >>> masks[0].shape, set(np.unique(masks[0]).tolist()) <= {0.0, 2.0}
        ((3, 4), True)
        """
        X, xp = self._check_X(X)
        rng = self._rng if random_state is None else check_random_state(random_state)
        return self._draw_masks(X.shape[0], rng, like=X, xp=xp)

    # -- public evaluation ---------------------------------------------------------------------
    def objective(self, X: Any, y: Any, masks: Sequence[Any] | None = None) -> float:
        r"""Return the training objective :math:`J` on ``(X, y)``: mean loss plus penalties.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like
            Targets: ``(n_samples,)`` or ``(n_samples, n_outputs)``; for ``cross_entropy``
            integer labels ``(n_samples,)`` or one-hot / soft targets ``(n_samples, K)``.
        masks : list, optional
            Dropout masks from :meth:`dropout_masks`; None evaluates the network without
            dropout (as :meth:`predict` does).

        Returns
        -------
        float
        """
        X, t, xp = self._check_Xy(X, y)
        masks = self._check_masks(masks, X, xp=xp)
        return float(self._objective(X, t, xp=xp, masks=masks))

    def objective_and_grads(
        self, X: Any, y: Any, masks: Sequence[Any] | None = None
    ) -> tuple[float, dict[str, Any]]:
        """Return :math:`J` and its gradient for every parameter, by backpropagation.

        Parameters
        ----------
        X, y, masks
            As for :meth:`objective`.

        Returns
        -------
        objective : float
        grads : dict of arrays
            Keyed and shaped like :attr:`params`.
        """
        X, t, xp = self._check_Xy(X, y)
        masks = self._check_masks(masks, X, xp=xp)
        objective, grads = self._objective_and_grads(X, t, xp=xp, masks=masks)
        return float(objective), grads

    def _output_layer(self, X: Any) -> tuple[Any, ModuleType]:
        """Return :math:`z_L` for checked ``X`` (the parameters moved to it) and ``xp``."""
        X, xp = self._check_X(X)
        self._follow(X, xp=xp)
        return self._forward(X, xp=xp)[0], xp

    def forward(self, X: Any) -> Any:
        """Return the network's output :math:`f(z_L)` for each row of ``X``.

        Returns
        -------
        array of shape (n_samples, n_outputs)
            Values, probabilities (sigmoid, softmax) or, for ``gaussian_nll``, the means.
        """
        z, xp = self._output_layer(X)
        return self._head.forward(z, xp=xp)

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
        head = self._head
        if return_std and head.std is None:
            raise ValueError("return_std needs loss='gaussian_nll' (a predicted variance)")
        z, xp = self._output_layer(X)
        out = head.predict(z, xp=xp)
        return (out, head.std(z, xp=xp)) if return_std else out

    def predict_proba(self, X: Any) -> Any:
        """Return class probabilities, for the cross-entropy losses.

        Returns
        -------
        array
            ``cross_entropy``: ``(n_samples, K)``; ``binary_cross_entropy``:
            :math:`P(y=1)`, ``(n_samples,)`` for one output, else ``(n_samples, n_outputs)``.
        """
        head = self._head
        if head.proba is None:
            raise ValueError(
                f"predict_proba needs a cross-entropy loss, this MLP has {self.loss!r}"
            )
        z, xp = self._output_layer(X)
        return head.proba(z, xp=xp)

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
        callbacks: Sequence[Callback] | None = None,
        progress: bool | None = None,
    ) -> History:
        """Train on mini-batches from the current parameters; return the loss per epoch.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like
            Targets, as for :meth:`objective`.
        optimizer : Optimizer or str, optional
            An optimizer from :mod:`bayesfit.nn.optim` (its state, step count and learning-rate
            schedule carry over between calls to ``fit``) or a name (``"sgd"``,
            ``"momentum"``, ``"adagrad"``, ``"rmsprop"``, ``"adam"``) for one with default
            settings. Default: ``Adam()``. Kept as :attr:`optimizer_`.
        batch_size : int or None, default 32
            Samples per gradient step; None means the whole set (full-batch descent).
        epochs : int, default 10
            Passes over the data.
        shuffle : bool, default True
            Draw the batches in a fresh random order each epoch.
        random_state : None, int or numpy.random.Generator
            Randomness for the shuffling and the dropout masks; None continues the model's own
            generator (seeded by its ``random_state``), so a seeded model trains identically
            every time.
        validation_data : (X_val, y_val), optional
            Evaluated at the end of each epoch into ``History.val_loss``.
        callbacks : list of callables, optional
            Each is called as ``callback(epoch, logs, model)`` after every epoch, with
            ``logs = {"loss": ..., "val_loss": ...}``; returning True stops training. The
            optimizer is ``model.optimizer_``: a callback that assigns its
            ``learning_rate`` changes the rate from the next step on. See
            :class:`EarlyStopping`.
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
            If the loss or the parameters become NaN or infinite; the message names the
            epoch, and the parameters are put back as they were at the start of that epoch.

        Notes
        -----
        Everything is checked here, once: the settings, ``X``, ``y`` and the validation data.
        The loop (:func:`bayesfit.nn.train.train`) then runs the unchecked kernels of the
        forward and backward passes and of the optimizer on every batch.
        """
        optimizer = check_settings(
            "MLP.fit", optimizer, batch_size, epochs, shuffle, validation_data, callbacks,
            progress, self.params,
        )
        X, t, xp = self._check_Xy(X, y)
        validation = None
        if validation_data is not None:
            Xv, tv, _ = self._check_Xy(*validation_data, name="y_val")
            validation = (Xv, tv)
        rng = self._rng if random_state is None else check_random_state(random_state)
        objective_and_grads = self._objective_and_grads
        if any(self._dropout_rates):

            def objective_and_grads(Xb: Any, tb: Any, *, xp: ModuleType) -> tuple[Any, dict]:
                masks = self._draw_masks(Xb.shape[0], rng, like=Xb, xp=xp)
                return self._objective_and_grads(Xb, tb, xp=xp, masks=masks)

        self.optimizer_ = optimizer
        return train(
            self, X, t,
            objective_and_grads=objective_and_grads,
            objective=self._objective,
            optimizer=optimizer,
            batch_size=batch_size,
            epochs=epochs,
            shuffle=shuffle,
            rng=rng,
            validation=validation,
            callbacks=list(callbacks or ()),
            progress=progress,
            xp=xp,
        )


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
