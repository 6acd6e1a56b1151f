"""The labelled layer: posterior draws as ArviZ groups (``xarray`` datasets with dims and coords).

Every estimator that hands ArviZ its posterior (PyMC's samplers, the quadrature of
:class:`~bayesfit.FullBayesRegression`, the conjugate posteriors' ``to_arviz``) builds its
groups here, so that they share one layout and ``arviz.compare`` can line them up:

- ``posterior``: ``w`` with dims ``(chain, draw, feature)`` and the basis's feature names as
  coords, the scalars (``alpha``, ``beta``, ``sigma``, ``nu``) with dims ``(chain, draw)``;
- ``log_likelihood``: ``y`` with dims ``(chain, draw, obs)``, the pointwise log-likelihood
  of each training point under each draw (what PSIS-LOO and WAIC read);
- ``observed_data``: ``y`` with dim ``obs``.

xarray is imported inside the functions: ``import bayesfit`` stays light.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bayesfit._validation import BOOLEAN, Options, check_value
from bayesfit.posterior import PosteriorDraws

__all__ = [
    "LOG_LIKELIHOOD",
    "LOG_LIKELIHOOD_AUTO_MAX",
    "draws_group",
    "log_likelihood_group",
    "observed_group",
    "wants_log_likelihood",
]

#: ``log_likelihood="auto"`` writes the group when it holds at most this many numbers
#: (draws x points; 80 MB of float64). At N = 1e5 with 4000 draws it would hold 4e8 (3.2 GB).
LOG_LIKELIHOOD_AUTO_MAX = 10**7
#: The constraint of the ``log_likelihood`` parameter.
LOG_LIKELIHOOD = [BOOLEAN, Options(("auto",))]


def wants_log_likelihood(setting: bool | str, n_draws: int, n_points: int) -> bool:
    """Return whether the ``log_likelihood`` setting asks for the group at this size."""
    check_value("log_likelihood", setting, LOG_LIKELIHOOD)
    if setting == "auto":
        return n_draws * n_points <= LOG_LIKELIHOOD_AUTO_MAX
    return bool(setting)


def draws_group(
    values: dict[str, np.ndarray],
    feature_names: list[str] | None = None,
    attrs: dict[str, Any] | None = None,
) -> Any:
    """Return a dataset of per-draw values shaped (chains, draws[, M]).

    For the ``posterior`` and ``sample_stats`` groups; ``w`` has the M, named by
    ``feature_names``.
    """
    import xarray as xr

    data = {
        name: (("chain", "draw", "feature") if name == "w" else ("chain", "draw"), value)
        for name, value in values.items()
    }
    chains, draws = next(iter(values.values())).shape[:2]
    coords: dict[str, Any] = {"chain": np.arange(chains), "draw": np.arange(draws)}
    if feature_names is not None:
        coords["feature"] = feature_names
    return xr.Dataset(data, coords=coords, attrs=attrs or {})


def log_likelihood_group(draws: PosteriorDraws, Phi: Any, y: Any, chains: int) -> Any:
    """Return the ``log_likelihood`` dataset of ``y`` at the design ``Phi`` under each draw.

    The draws are in chain order (chain 0's first), as :class:`PosteriorDraws` holds them.
    """
    import xarray as xr

    values = draws.log_likelihood(Phi, y)
    per_chain = values.shape[0] // chains
    values = values.reshape(chains, per_chain, values.shape[1])
    coords = {
        "chain": np.arange(chains),
        "draw": np.arange(per_chain),
        "obs": np.arange(values.shape[2]),
    }
    return xr.Dataset({"y": (("chain", "draw", "obs"), values)}, coords=coords)


def observed_group(t: np.ndarray) -> Any:
    """Return the ``observed_data`` dataset holding the targets ``y``."""
    import xarray as xr

    return xr.Dataset({"y": (("obs",), t)}, coords={"obs": np.arange(t.shape[0])})


def __dir__() -> list[str]:
    return sorted(__all__)
