r"""Mini-batch training: the loop behind ``MLP.fit``, its history, callbacks and progress line.

The loop knows nothing of layers: it takes a model with a ``params`` dict and two functions of a
checked batch, ``objective_and_grads(X, t, *, xp) -> (J, grads)`` and ``objective(X, t, *, xp)
-> J``. The data and the settings are checked once, before the first epoch
(:func:`check_settings` and the model's own checks); inside the loop every call is an unchecked
kernel, and the optimizer updates through its unchecked ``_step``. What the checks would have
caught inside the loop is caught at two places: the objective of every batch must be finite,
and so must the parameters at the end of every epoch (a gradient can overflow while its loss
does not); otherwise training stops with a :class:`FloatingPointError` naming the epoch and
the parameters are put back as they were when it began.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, ClassVar, TextIO

import array_api_compat
import numpy as np

from bayesfit._validation import (
    BOOLEAN,
    NONE,
    NONNEGATIVE,
    POSITIVE_INT,
    Constraint,
    Options,
    check_value,
    validate_params,
)
from bayesfit.nn.optim import SGD, Adagrad, Adam, Momentum, Optimizer, RMSProp

__all__ = ["OPTIMIZERS", "Callback", "EarlyStopping", "History", "check_settings", "train"]

#: ``callback(epoch, logs, model)`` after every epoch; returning True stops training.
Callback = Callable[[int, dict[str, float], Any], bool | None]
#: The optimizers ``fit(optimizer=...)`` accepts by name, with their default settings.
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "adagrad": Adagrad,
    "rmsprop": RMSProp,
    "adam": Adam,
}


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
    >>> from bayesfit.nn import MLP
    >>> from bayesfit.nn.optim import SGD
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
        "restore_best": [BOOLEAN],
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

    def __call__(self, epoch: int, logs: dict[str, float], model: Any) -> bool:
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
    r"""A one-line progress bar per epoch, written to a stream (stderr by default).

    Each redraw returns to the start of the line (``\r``) and pads with spaces to the length
    of what it overwrites, so a shorter line (the epoch's summary after its bar) leaves no
    tail of the longer one on a terminal.
    """

    def __init__(self, epochs: int, n_batches: int, stream: TextIO):
        self.epochs, self.n_batches, self.stream = epochs, n_batches, stream
        self.every = max(1, n_batches // 20)  # redraw at most ~20 times per epoch
        self.shown = 0  # characters on the current line

    def _draw(self, text: str, end: str = "") -> None:
        self.stream.write("\r" + text.ljust(self.shown) + end)
        self.stream.flush()
        self.shown = 0 if end else len(text)

    def batch(self, epoch: int, b: int) -> None:
        if b % self.every == 0 or b == self.n_batches:
            done = int(20 * b / self.n_batches)
            bar = "=" * done + "." * (20 - done)
            self._draw(f"epoch {epoch}/{self.epochs} [{bar}] {b}/{self.n_batches}")

    def epoch_end(self, epoch: int, logs: dict[str, float], seconds: float) -> None:
        values = "  ".join(f"{k} {v:.6g}" for k, v in logs.items())
        self._draw(f"epoch {epoch}/{self.epochs}  {values}  ({seconds:.2f} s)", "\n")


def check_settings(
    where: str,
    optimizer: Optimizer | str | None,
    batch_size: Any,
    epochs: Any,
    shuffle: Any,
    validation_data: Any,
    callbacks: Any,
    progress: Any,
    params: dict[str, Any],
) -> Optimizer:
    """Check the settings of a training run; return the optimizer (built from a name).

    Parameters
    ----------
    where : str
        The entry point, as error messages name it (``"MLP.fit"``).
    optimizer, batch_size, epochs, shuffle, validation_data, callbacks, progress
        As for :meth:`bayesfit.nn.MLP.fit`.
    params : dict
        The parameters to train: an optimizer whose state is for others is refused.

    Returns
    -------
    Optimizer
        ``optimizer`` itself, a new one of the class named, or ``Adam()`` for None.

    Raises
    ------
    ValueError, TypeError
        Naming the setting and what it must be.
    """
    if optimizer is None:
        optimizer = Adam()
    elif isinstance(optimizer, str):
        if optimizer.lower() not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {sorted(OPTIMIZERS)} or an Optimizer; "
                f"got {optimizer!r}"
            )
        optimizer = OPTIMIZERS[optimizer.lower()]()
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be an Optimizer or a name, got {type(optimizer).__name__}"
        )
    check_value(f"{where}: batch_size", batch_size, [NONE, POSITIVE_INT])
    check_value(f"{where}: epochs", epochs, [POSITIVE_INT])
    check_value(f"{where}: shuffle", shuffle, [BOOLEAN])
    check_value(f"{where}: progress", progress, [NONE, BOOLEAN])
    if validation_data is not None and not (
        isinstance(validation_data, tuple | list) and len(validation_data) == 2
    ):
        raise ValueError(f"{where}: validation_data must be a pair (X_val, y_val)")
    for cb in callbacks or ():
        if not callable(cb):
            raise TypeError(f"{where}: callbacks must be callables, got {cb!r}")
        if getattr(cb, "monitor", None) == "val_loss" and validation_data is None:
            raise ValueError(
                f"{where}: {type(cb).__name__} monitors 'val_loss' but no validation_data "
                "was given"
            )
    optimizer._check_keys(params)
    return optimizer


def _all_finite(arrays: Any, *, xp: ModuleType) -> bool:
    return all(bool(xp.all(xp.isfinite(a))) for a in arrays)


def train(
    model: Any,
    X: Any,
    t: Any,
    *,
    objective_and_grads: Callable[..., tuple[Any, dict[str, Any]]],
    objective: Callable[..., Any],
    optimizer: Optimizer,
    batch_size: int | None,
    epochs: int,
    shuffle: bool,
    rng: np.random.Generator,
    validation: tuple[Any, Any] | None,
    callbacks: Sequence[Callback],
    progress: bool | None,
    xp: ModuleType,
) -> History:
    """Run the epochs of mini-batch training on checked data; return the history.

    Parameters
    ----------
    model : object
        Has a ``params`` dict of arrays, which the optimizer updates; callbacks receive it.
    X, t : arrays
        Checked inputs and targets (in the form ``objective_and_grads`` takes), of ``xp``.
    objective_and_grads, objective : callable
        ``(X_batch, t_batch, *, xp)`` to the objective :math:`J` (a 0-d array) and its
        gradients keyed like ``model.params``, or to :math:`J` alone.
    optimizer : Optimizer
        Checked settings, and state for ``model.params`` (:func:`check_settings`).
    batch_size, epochs, shuffle, callbacks, progress
        Checked settings, as for :meth:`bayesfit.nn.MLP.fit`.
    rng : numpy.random.Generator
        Draws each epoch's order of the samples (on the host, moved once to the device).
    validation : (X_val, t_val) or None
        Checked validation data, evaluated with ``objective`` after every epoch.
    xp : module
        The namespace of ``X``, ``t`` and the parameters.

    Returns
    -------
    History

    Raises
    ------
    FloatingPointError
        If a batch's objective, or the parameters at the end of an epoch, are not finite;
        the parameters are put back as they were at the start of that epoch.
    """
    n = X.shape[0]
    batch = n if batch_size is None else min(int(batch_size), n)
    n_batches = -(-n // batch)
    show = sys.stderr.isatty() if progress is None else progress
    bar = _Progress(epochs, n_batches, sys.stderr) if show else None
    device = array_api_compat.device(X)
    history = History()

    for epoch in range(1, epochs + 1):
        began = time.perf_counter()
        start_params = dict(model.params)
        order = xp.asarray(rng.permutation(n), device=device) if shuffle else None
        total = 0.0
        for b, lo in enumerate(range(0, n, batch), start=1):
            hi = min(lo + batch, n)
            if order is None:
                Xb, tb = X[lo:hi, ...], t[lo:hi, ...]
            else:
                idx = order[lo:hi]
                Xb, tb = xp.take(X, idx, axis=0), xp.take(t, idx, axis=0)
            value, grads = objective_and_grads(Xb, tb, xp=xp)
            if not bool(xp.isfinite(value)):
                model.params = start_params
                raise FloatingPointError(
                    f"the training loss became {float(value)} in epoch {epoch} "
                    f"(batch {b} of {n_batches}); the parameters are put back as they were "
                    f"at the start of that epoch. Lower the learning rate or rescale X."
                )
            optimizer._step(model.params, grads, xp=xp)
            total = total + value * (hi - lo)
            if bar is not None:
                bar.batch(epoch, b)
        if not _all_finite(model.params.values(), xp=xp):
            model.params = start_params
            raise FloatingPointError(
                f"the parameters became NaN or infinite in epoch {epoch} (a gradient "
                f"overflowed); they are put back as they were at the start of that epoch. "
                f"Lower the learning rate or rescale X."
            )
        logs = {"loss": float(total) / n}
        history.loss.append(logs["loss"])
        if validation is not None:
            logs["val_loss"] = float(objective(*validation, xp=xp))
            history.val_loss.append(logs["val_loss"])
        if bar is not None:
            bar.epoch_end(epoch, logs, time.perf_counter() - began)
        if any([bool(cb(epoch, logs, model)) for cb in callbacks]):
            history.stopped_epoch = epoch
            break
    return history


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
