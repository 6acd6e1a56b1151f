"""Warning classes of bayesfit.

Errors in the input are :class:`ValueError` / :class:`TypeError` raised before any work;
numerical trouble that still yields a usable answer is one of the warnings below, and each
message names the remedy.
"""

from __future__ import annotations

__all__ = ["BayesfitWarning", "ConvergenceWarning", "NumericalWarning"]


class BayesfitWarning(UserWarning):
    """Base class of every warning bayesfit emits."""


class ConvergenceWarning(BayesfitWarning):
    """An iterative fit (the evidence iteration, an optimizer, a sampler) did not converge."""


class NumericalWarning(BayesfitWarning):
    """The problem is ill-posed or ill-conditioned (rank deficiency, singular systems)."""


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
