r"""Learning-rate schedules: the rate as a function of the optimizer's step count.

An optimizer's ``learning_rate`` is a positive number or a *schedule*: any callable that takes
the number of steps taken so far, :math:`t = 0, 1, 2, \dots`, and returns the rate of the next
step (so ``schedule(0)`` is the rate of the first step), a finite number :math:`\ge 0`. Every
optimizer of :mod:`bayesfit.nn.optim` reads its rate through one hook,
:meth:`~bayesfit.nn.optim.Optimizer.current_learning_rate`, at every step, as PyTorch's
optimizers read ``param_groups[i]["lr"]``: a schedule, or a callback that assigns
``optimizer.learning_rate``, takes effect at the next step.

=========================  ============================================================
:class:`StepDecay`         :math:`\eta_0\, \gamma^{\lfloor t / s \rfloor}`
:class:`ExponentialDecay`  :math:`\eta_0\, \gamma^t`
:class:`CosineDecay`       :math:`\eta_T + \frac12(\eta_0 - \eta_T)(1 + \cos(\pi \min(t, T) / T))`
=========================  ============================================================

The step count is the optimizer's (:attr:`~bayesfit.nn.optim.Optimizer.t`: mini-batches, not
epochs); for a decay per epoch, give the number of batches per epoch
(:math:`\lceil N / \text{batch size} \rceil`) times the epochs. The count carries over between
calls to ``fit`` with the same optimizer, and is saved by ``state_dict``.

Examples
--------
>>> from bayesfit.nn.optim import SGD
>>> opt = SGD(learning_rate=StepDecay(0.1, step_size=2, gamma=0.5))
>>> [opt.learning_rate(t) for t in range(5)]
[0.1, 0.1, 0.05, 0.05, 0.025]
>>> SGD(learning_rate=lambda t: 0.1 / (1 + t)).current_learning_rate()
0.1
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import ClassVar

from bayesfit._validation import (
    POSITIVE,
    POSITIVE_INT,
    Constraint,
    Interval,
    validate_params,
)

__all__ = ["CosineDecay", "ExponentialDecay", "StepDecay"]

_DECAY = Interval(numbers.Real, 0.0, 1.0, "right")  # 0 < gamma <= 1 (1: constant)
_FINAL = Interval(numbers.Real, 0.0, None, "left")


@dataclass(frozen=True)
class StepDecay:
    r"""Multiply the rate by ``gamma`` every ``step_size`` steps (PyTorch's ``StepLR``).

    Parameters
    ----------
    initial_rate : float
        :math:`\eta_0 > 0`, the rate of the first ``step_size`` steps.
    step_size : int
        :math:`s \ge 1`: steps between two decays.
    gamma : float, default 0.1
        :math:`\gamma \in (0, 1]`, the factor of each decay.

    Notes
    -----
    .. math:: \eta_t = \eta_0\, \gamma^{\lfloor t / s \rfloor}

    Examples
    --------
    >>> [StepDecay(1.0, step_size=3, gamma=0.5)(t) for t in (0, 2, 3, 6)]
    [1.0, 1.0, 0.5, 0.25]
    """

    initial_rate: float
    step_size: int
    gamma: float = 0.1

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "initial_rate": [POSITIVE],
        "step_size": [POSITIVE_INT],
        "gamma": [_DECAY],
    }

    def __post_init__(self) -> None:
        validate_params(self, self._parameter_constraints)

    def __call__(self, step: int) -> float:
        """Return the rate of step ``step`` (0 for the first)."""
        return self.initial_rate * self.gamma ** (step // self.step_size)


@dataclass(frozen=True)
class ExponentialDecay:
    r"""Multiply the rate by ``gamma`` at every step (PyTorch's ``ExponentialLR``).

    Parameters
    ----------
    initial_rate : float
        :math:`\eta_0 > 0`, the rate of the first step.
    gamma : float
        :math:`\gamma \in (0, 1]`, the factor per step; :math:`\gamma = 2^{-1/h}` halves the
        rate every :math:`h` steps.

    Notes
    -----
    .. math:: \eta_t = \eta_0\, \gamma^t

    Examples
    --------
    >>> schedule = ExponentialDecay(1.0, gamma=0.5)
    >>> [schedule(t) for t in range(4)]
    [1.0, 0.5, 0.25, 0.125]
    """

    initial_rate: float
    gamma: float

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "initial_rate": [POSITIVE],
        "gamma": [_DECAY],
    }

    def __post_init__(self) -> None:
        validate_params(self, self._parameter_constraints)

    def __call__(self, step: int) -> float:
        """Return the rate of step ``step`` (0 for the first)."""
        return self.initial_rate * self.gamma**step


@dataclass(frozen=True)
class CosineDecay:
    r"""Anneal the rate along half a cosine from ``initial_rate`` to ``final_rate``.

    Parameters
    ----------
    initial_rate : float
        :math:`\eta_0 > 0`, the rate of the first step.
    total_steps : int
        :math:`T \ge 1`: the step at which the rate reaches ``final_rate``; it stays there
        afterwards (Keras's ``CosineDecay``; PyTorch's ``CosineAnnealingLR`` would rise again).
    final_rate : float, default 0.0
        :math:`\eta_T \ge 0`, at most ``initial_rate``. With 0 the steps from :math:`T` on
        do not move the parameters.

    Notes
    -----
    .. math::

        \eta_t = \eta_T + \tfrac12 (\eta_0 - \eta_T)\,\big(1 + \cos(\pi \min(t, T) / T)\big)

    (Loshchilov and Hutter 2017, SGDR, without the restarts.) The rate falls slowly at first and
    last, fastest at :math:`t = T/2`, where it is the mean of the two ends.

    Examples
    --------
    >>> schedule = CosineDecay(1.0, total_steps=4, final_rate=0.2)
    >>> [round(schedule(t), 6) for t in (0, 2, 4, 9)]
    [1.0, 0.6, 0.2, 0.2]
    """

    initial_rate: float
    total_steps: int
    final_rate: float = 0.0

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "initial_rate": [POSITIVE],
        "total_steps": [POSITIVE_INT],
        "final_rate": [_FINAL],
    }

    def __post_init__(self) -> None:
        validate_params(self, self._parameter_constraints)
        if self.final_rate > self.initial_rate:
            raise ValueError(
                f"CosineDecay: final_rate ({self.final_rate!r}) must be at most initial_rate "
                f"({self.initial_rate!r})"
            )

    def __call__(self, step: int) -> float:
        """Return the rate of step ``step`` (0 for the first)."""
        progress = min(step, self.total_steps) / self.total_steps
        return self.final_rate + 0.5 * (self.initial_rate - self.final_rate) * (
            1.0 + math.cos(math.pi * progress)
        )


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
