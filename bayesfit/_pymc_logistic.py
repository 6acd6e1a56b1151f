r"""The PyMC model and sampler behind :class:`~bayesfit.FullBayesClassifier` (PyMC imported lazily).

The model is the classification ladder's with a hyperprior on :math:`\alpha`:
:math:`w \sim \mathcal N(0, \alpha^{-1} I)`, :math:`\alpha \sim p(\alpha)`, and the weighted
multinoulli likelihood of linear logits. NUTS runs in whitened coordinates
:math:`w = w_{MAP} + L z` with :math:`L L^T` the Laplace covariance at the start: an affine
change of variables (constant Jacobian, so the same posterior) under which the posterior is
close to isotropic and a diagonal mass matrix fits it. Everything here is NumPy float64 at
the boundary.

One compiled model and NUTS step is kept per shape of the weights and set of settings: a
refit swaps its data in (``pm.set_data``) instead of building and compiling again (about a
second per fit, several for a new shape).
"""

from __future__ import annotations

import threading
from typing import Any

import array_api_compat.numpy as np_xp
import numpy as np

from bayesfit._logistic import Likelihood, pointwise_log_likelihood
from bayesfit.pymc_models import _sample

__all__ = ["sample"]

_MODELS: dict[tuple, tuple[Any, Any, threading.Lock]] = {}
_MODELS_MAX = 16


def _model(M: int, F: int, reference: bool, prior: Any) -> Any:
    """Build the whitened PyMC model for (M, F) weights; the data are ``pm.Data`` slots."""
    import pymc as pm
    import pytensor.tensor as pt

    P = M * F
    binary = F == 1 and reference
    with pm.Model(coords={"feature": np.arange(M), "class": np.arange(F + int(reference)),
                          "param": np.arange(P)}) as model:
        Phi = pm.Data("Phi", np.zeros((1, M)))
        weights = pm.Data("r", np.ones(1))
        linear_term = pm.Data("linear", np.zeros((M, F)))  # Phi^T (r T): sum_n r_n a_{n,t_n}
        m = pm.Data("mode", np.zeros(P))
        L = pm.Data("L", np.eye(P))
        alpha = prior.to_pymc("alpha")
        z = pm.Flat("z", dims="param")
        w_flat = m + L @ z
        W = pt.reshape(w_flat, (M, F))
        if binary:
            pm.Deterministic("w", W[:, 0], dims="feature")
        else:
            full = pt.concatenate([pt.zeros((M, 1)), W], axis=1) if reference else W
            pm.Deterministic("w", full, dims=("feature", "class"))
        pm.Potential("prior_w", 0.5 * P * pt.log(alpha) - 0.5 * alpha * pt.sum(w_flat**2))
        A = Phi @ W
        if binary:
            log_normaliser = pt.softplus(A[:, 0])
        else:
            logits = pt.concatenate([pt.zeros((A.shape[0], 1)), A], axis=1) if reference else A
            log_normaliser = pt.logsumexp(logits, axis=1)
        pm.Potential("log_likelihood", pt.sum(linear_term * W) - pt.sum(weights * log_normaliser))
    return model


def _cached(M: int, F: int, reference: bool, prior: Any, target_accept: float):
    import pymc as pm

    key = (M, F, reference, prior, target_accept)
    if key not in _MODELS:
        if len(_MODELS) >= _MODELS_MAX:
            del _MODELS[next(iter(_MODELS))]
        model = _model(M, F, reference, prior)
        _MODELS[key] = (model, pm.NUTS(model=model, target_accept=target_accept),
                        threading.Lock())
    return _MODELS[key]


def sample(
    lik: Likelihood,
    *,
    mode: np.ndarray,
    cov_cholesky: np.ndarray,
    alpha0: float,
    shape: tuple[int, int],
    prior: Any,
    coords: dict[str, Any],
    rng: np.random.Generator,
    draws: int,
    tune: int,
    chains: int,
    cores: int,
    target_accept: float,
    progressbar: bool,
    nuts_sampler: str,
) -> Any:
    """Sample the posterior of (w, alpha); return ArviZ data with a ``log_likelihood`` group.

    ``lik`` holds NumPy float64 arrays; ``mode`` (M*F,) and ``cov_cholesky`` (M*F, M*F) are
    the Laplace approximation at ``alpha0``. Each chain starts there, jittered as PyMC
    jitters: uniform(-1, 1) on each whitened coordinate and on ln alpha.
    """
    import pymc as pm
    import xarray as xr

    M, F = shape
    r = np.ones(lik.Phi.shape[0]) if lik.weights is None else lik.weights
    free = lik.targets[:, 1:] if lik.reference else lik.targets
    data = {"Phi": lik.Phi, "r": r, "linear": lik.Phi.T @ (r[:, None] * free), "mode": mode,
            "L": cov_cholesky}
    inits = [{"alpha": alpha0 * float(np.exp(rng.uniform(-1.0, 1.0))),
              "z": rng.uniform(-1.0, 1.0, M * F)} for _ in range(chains)]
    settings = {"cores": cores, "chains": chains, "draws": draws, "tune": tune,
                "random_seed": int(rng.integers(2**31 - 1)), "progressbar": progressbar,
                "compute_convergence_checks": False}
    model, step, lock = _cached(M, F, lik.reference, prior, target_accept)
    with lock:
        pm.set_data(data, model=model)
        if nuts_sampler == "pymc":
            idata = _sample(model, step=step, initvals=inits, **settings)
        else:  # other samplers compile the model themselves and jitter their own starts
            idata = _sample(model, initvals=inits[0], nuts_sampler=nuts_sampler,
                            target_accept=target_accept, **settings)
    if "constant_data" in idata.children:
        del idata["constant_data"]  # the design matrix and the Laplace factors: internal, large
    names = {"feature": coords["feature"]}
    if "class" in coords:
        names["class"] = coords["class"]
    post = idata["posterior"].to_dataset()[["w", "alpha"]].assign_coords(names)
    if "class" not in coords:
        post = post.drop_vars("class", errors="ignore")
    idata["posterior"] = post
    n_chains, n_draws = post.sizes["chain"], post.sizes["draw"]
    w = post["w"].values.reshape(n_chains * n_draws, M, -1)
    draws_free = w[:, :, w.shape[2] - F :]  # without a reference class's zero column
    ll = pointwise_log_likelihood(lik.Phi, draws_free, lik.targets, reference=lik.reference,
                                  xp=np_xp)
    obs = {"obs": coords["obs"]}
    idata["log_likelihood"] = xr.Dataset(
        {"y": (("chain", "draw", "obs"), ll.reshape(n_chains, n_draws, -1))},
        coords={"chain": post["chain"].values, "draw": post["draw"].values, **obs},
    )
    codes = np.argmax(lik.targets, axis=1)
    idata["observed_data"] = xr.Dataset({"y": (("obs",), codes)}, coords=obs)
    return idata


def __dir__() -> list[str]:
    return sorted(__all__)
