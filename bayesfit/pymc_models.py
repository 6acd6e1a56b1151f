r"""Full Bayes for the linear basis-function model: hyperpriors on :math:`\alpha, \beta`, by PyMC.

:class:`PyMCRegression` puts priors on the weight precision :math:`\alpha` and on the noise
(precision :math:`\beta` or scale :math:`\sigma`) and samples the joint posterior

.. math::

    p(w, \alpha, \beta \mid t) \propto
        p(t \mid w, \beta)\, \mathcal N(w \mid m_0, \alpha^{-1} I)\, p(\alpha)\, p(\beta).

``method="collapsed"`` integrates :math:`w` out analytically: PyMC samples
:math:`p(\alpha, \beta \mid t) \propto p(t \mid \alpha, \beta)\, p(\alpha)\, p(\beta)` with the
evidence of PRML eq. 3.86 computed from the sufficient statistics (so a gradient costs
:math:`O(M)`, whatever N), then each draw gets an exact :math:`w \sim \mathcal N(m_N, S_N)`.
``method="nuts"`` samples :math:`(w, \alpha, \beta)` with the likelihood written point by point;
it is the reference and the only way for the Student-t likelihood.

PyMC and ArviZ are imported inside the methods, never by ``import bayesfit``. The PyMC layer
works in NumPy float64: inputs of any namespace are copied to the host at the door, and
predictions come back as NumPy arrays.
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import array_api_compat.numpy as np_xp
import numpy as np

from bayesfit import basis as _basis
from bayesfit._arviz import observed_group
from bayesfit._backend import quiet_overflow, to_numpy
from bayesfit._conjugate import (
    Eigen,
    SufficientStats,
    eigen_weight_draws,
    evidence_at,
    evidence_start,
)
from bayesfit._draws import SAMPLER_CONSTRAINTS, DrawsRegressor
from bayesfit._validation import (
    Constraint,
    Options,
    check_random_state,
    validate_params,
)
from bayesfit._warnings import warn
from bayesfit.exceptions import ConvergenceWarning
from bayesfit.priors import resolve_priors

__all__ = ["ESS_MIN", "RHAT_MAX", "PyMCRegression", "convergence_warnings"]

#: A fit warns when any posterior quantity has a rank-normalised split R-hat above this
#: (Vehtari et al. 2021) ...
RHAT_MAX = 1.01
#: ... or a bulk effective sample size below this.
ESS_MIN = 400


class PyMCRegression(DrawsRegressor):
    r"""Bayesian linear regression with hyperpriors on :math:`\alpha` and the noise, by PyMC.

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column.
    likelihood : {"normal", "student_t"}, default "normal"
        The noise model. Student-t noise (scale :math:`\sigma = \beta^{-1/2}`, degrees of
        freedom :math:`\nu` with a prior) is robust to outliers.
    priors : dict, optional
        Hyperpriors, :mod:`bayesfit.priors` objects under the names ``"alpha"`` (weight
        precision), ``"beta"`` (noise precision) *or* ``"sigma"`` (noise standard deviation
        / Student-t scale), and ``"nu"`` (Student-t only). Missing names take
        :data:`bayesfit.priors.DEFAULT_PRIORS`: ``Gamma(1e-6, 1e-6)`` on :math:`\alpha` and
        :math:`\beta` (nearly flat in their logarithms, as scikit-learn's ``BayesianRidge``)
        and ``Gamma(2, 0.1)`` on :math:`\nu`.
    prior_mean : array of shape (M,), optional
        Prior mean :math:`m_0` of the weights; zero by default.
    method : {"auto", "collapsed", "nuts"}, default "auto"
        ``"collapsed"`` samples :math:`(\alpha, \beta)` on the marginal likelihood and draws
        :math:`w` exactly (normal likelihood only); ``"nuts"`` samples all of
        :math:`(w, \alpha, \beta)`. ``"auto"`` is ``"collapsed"`` for the normal likelihood,
        ``"nuts"`` for the Student-t.
    draws, tune : int, default 1000
        Draws kept and tuning steps per chain.
    chains : int, default 4
        Independent chains (R-hat needs more than one).
    cores : int, optional
        Chains run in parallel processes. By default 1 for ``"collapsed"`` (each chain takes
        well under a second: processes would cost more than they save) and
        ``min(chains, cpu count)`` for ``"nuts"``. With parallel chains, BLAS is limited to
        ``cpu count // cores`` threads per chain (oversubscribed BLAS threads made the
        naive model ~9x slower on two cores).
    target_accept : float, default 0.8
        NUTS's target acceptance rate; raise it (0.9-0.99) when divergences are reported.
    random_seed : int or numpy.random.Generator, optional
        Seeds PyMC's chains and the exact weight draws of ``"collapsed"``.
    progressbar : bool, default True
        PyMC's progress bar.
    nuts_sampler : {"pymc", "nutpie", "numpyro", "blackjax"}, default "pymc"
        The NUTS implementation (the others must be installed). Fixed to ``"pymc"`` by
        default so that installing nutpie does not silently change results.
    log_likelihood : {"auto", True, False}, default "auto"
        Write the pointwise ``log_likelihood`` group (draws x training points), which
        ``arviz.loo``, ``arviz.waic`` and ``arviz.compare`` read. ``"auto"`` writes it
        when it holds at most :data:`~bayesfit._arviz.LOG_LIKELIHOOD_AUTO_MAX` (1e7)
        numbers; :meth:`add_log_likelihood` adds it later for any data.

    Attributes
    ----------
    idata_ : xarray.DataTree
        ArviZ data: groups ``posterior`` (``w`` with dims ``(chain, draw, feature)`` and the
        basis feature names as coords, ``alpha``, ``beta``, ``sigma``, and ``nu`` for the
        Student-t), ``sample_stats``, ``observed_data`` (``y``), ``log_likelihood`` (``y``,
        dims ``(chain, draw, obs)``; see ``log_likelihood``), and
        ``posterior_predictive`` after :meth:`posterior_predictive` with
        ``extend_idata=True``.
    coef_ : ndarray of shape (M,)
        Posterior mean of the weights.
    alpha_, beta_ : float
        Posterior means of the precisions.
    method_ : str
        The method that ran (``"auto"`` resolved).
    priors_ : dict
        The priors used, defaults filled in.
    basis_, n_features_in_, feature_names_in_
        As in :class:`~bayesfit.MLERegression`.

    Notes
    -----
    The evidence (PRML eq. 3.86), from the eigenvalues :math:`\lambda_i` of
    :math:`\Phi^T\Phi` and :math:`b = V^T\Phi^T t` computed once:

    .. math::

        \ln p(t \mid \alpha, \beta) = \tfrac M2 \ln\alpha + \tfrac N2 \ln\beta
            - \tfrac\beta2 \lVert t - \Phi m_N \rVert^2 - \tfrac\alpha2 m_N^T m_N
            - \tfrac12 \textstyle\sum_i \ln(\alpha + \beta\lambda_i) - \tfrac N2 \ln 2\pi,

    an :math:`O(M)` function of :math:`(\alpha, \beta)`. Given a draw of them,
    :math:`w = V\,(\beta b + z \sqrt{\alpha + \beta\lambda}) / (\alpha + \beta\lambda)`,
    :math:`z \sim \mathcal N(0, I)`, is an exact draw from :math:`\mathcal N(m_N, S_N)`
    (PRML eqs. 3.53-3.54). A non-zero prior mean is handled by fitting :math:`t - \Phi m_0`.
    Chains start at the evidence optimum (:class:`~bayesfit.EvidenceRegression`), jittered.
    One compiled collapsed model and NUTS step is kept per set of priors: a refit swaps the
    statistics in (``pm.set_data``) instead of compiling again; with
    ``nuts_sampler="nutpie"`` the same holds for nutpie's compiled model (its
    ``with_data``). :class:`~bayesfit.FullBayesRegression` integrates the same collapsed
    posterior by quadrature instead, without MCMC; this class is the PyMC engine of the
    same model, and the only one for extending it by hand.
    ``log_predictive_density`` is the exact
    :math:`\ln \frac1S \sum_s p(y \mid x, w_s, \sigma_s[, \nu_s])` over the posterior draws.
    Convergence is checked after sampling: a :class:`~bayesfit.ConvergenceWarning` is issued
    for R-hat above :data:`RHAT_MAX`, bulk ESS below :data:`ESS_MIN`, or any divergence.

    Examples
    --------
    >>> import bayesfit as bf
    >>> x, t = bf.datasets.linear(30, seed=0)
    >>> model = bf.PyMCRegression(chains=2, random_seed=0, progressbar=False).fit(x, t)
    >>> model.idata_["posterior"]["w"].dims
    ('chain', 'draw', 'feature')
    >>> [round(float(v), 1) for v in model.coef_]  # the truth is (-0.3, 0.5)
    [-0.3, 0.5]
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **DrawsRegressor._parameter_constraints,
        **SAMPLER_CONSTRAINTS,
        "method": [Options(("auto", "collapsed", "nuts"))],
    }

    def __init__(
        self,
        basis: _basis.Basis | None = None,
        likelihood: str = "normal",
        priors: dict[str, Any] | None = None,
        prior_mean: Any = None,
        method: str = "auto",
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        cores: int | None = None,
        target_accept: float = 0.8,
        random_seed: int | np.random.Generator | None = None,
        progressbar: bool = True,
        nuts_sampler: str = "pymc",
        log_likelihood: bool | str = "auto",
    ):
        self.basis = basis
        self.likelihood = likelihood
        self.priors = priors
        self.prior_mean = prior_mean
        self.method = method
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.cores = cores
        self.target_accept = target_accept
        self.random_seed = random_seed
        self.progressbar = progressbar
        self.nuts_sampler = nuts_sampler
        self.log_likelihood = log_likelihood

    # -- fitting -------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Self:
        """Sample the posterior of the weights and the hyperparameters.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)
            Inputs; copied to NumPy float64.
        y : array_like of shape (n_samples,)
            Targets.
        sample_weight : array_like of shape (n_samples,), optional
            Frequency weights (an integer weight is a repeated row): folded into the
            sufficient statistics by ``"collapsed"``, multiplying each point's
            log-likelihood by ``"nuts"``.

        Returns
        -------
        self

        Raises
        ------
        ValueError, TypeError
            For bad data or settings (including invalid priors, ``method="collapsed"`` with
            the Student-t likelihood, a ``prior_mean`` of the wrong shape), before sampling.
        """
        validate_params(self, self._parameter_constraints)
        self._resolved_method()
        resolve_priors(self.priors, self.likelihood)
        return super().fit(X, y, sample_weight)

    def _resolved_method(self) -> str:
        if self.method == "auto":
            return "collapsed" if self.likelihood == "normal" else "nuts"
        if self.method == "collapsed" and self.likelihood != "normal":
            raise ValueError(
                "method='collapsed' integrates the weights out, which needs the normal "
                "likelihood; use method='nuts' (or 'auto') for likelihood='student_t'"
            )
        return self.method

    def _fit_inputs(self, X: Any, t: Any, w: Any, *, xp: Any) -> None:
        with quiet_overflow():  # an overflowing design is reported by _checked_stats
            Phi = to_numpy(self.basis_._design(X)).astype(np.float64, copy=False)
        t = to_numpy(t).astype(np.float64, copy=False)
        w = None if w is None else to_numpy(w).astype(np.float64, copy=False)
        data = SufficientStats.from_design(Phi, t, bias=False, xp=np_xp, sample_weight=w)
        self._checked_stats(data, X, t, xp=xp)
        M = Phi.shape[1]
        m0 = self._prior_mean(M)
        method = self._resolved_method()
        priors = resolve_priors(self.priors, self.likelihood)
        rng = check_random_state(self.random_seed, "random_seed")
        names = self._feature_names()

        # w - m0 ~ N(0, alpha^-1 I) and t - Phi m0 = Phi (w - m0) + noise: the zero-mean
        # kernels apply to the shifted targets.
        stats = data
        if np.any(m0):
            resid = t - Phi @ m0
            stats = SufficientStats.from_design(Phi, resid, bias=False, xp=np_xp, sample_weight=w)
        eig = Eigen.of(stats, xp=np_xp)
        alpha0, beta0 = evidence_start(stats, xp=np_xp)
        sample_kwargs = {
            "draws": self.draws,
            "tune": self.tune,
            "chains": self.chains,
            "random_seed": int(rng.integers(2**31 - 1)),
            "progressbar": self.progressbar,
            "target_accept": self.target_accept,
            "nuts_sampler": self.nuts_sampler,
            "compute_convergence_checks": False,  # ours follow, as ConvergenceWarning
        }
        if method == "collapsed":
            # PyMC's own jitter: uniform(-1, 1) on the log scale, one start per chain
            jitter = rng.uniform(-1.0, 1.0, (self.chains, 2))
            noise = ("sigma", beta0**-0.5) if "sigma" in priors else ("beta", beta0)
            start = {"alpha": alpha0, noise[0]: noise[1]}
            idata = _sample_collapsed(
                eig, priors, start, jitter, cores=self.cores or 1, **sample_kwargs
            )
            post = idata["posterior"].to_dataset()
            z = rng.standard_normal((*post["alpha"].shape, M))
            w = m0 + _weight_draws(eig, post["alpha"].values, post["beta"].values, z)
            post["w"] = (("chain", "draw", "feature"), w)
            idata["posterior"] = post.assign_coords(feature=names)
            idata["observed_data"] = observed_group(t)
        else:
            w0 = m0 + _weight_draws(eig, np.asarray(alpha0), np.asarray(beta0), np.zeros(M))
            coords = {"feature": names, "obs": np.arange(Phi.shape[0])}
            model = _nuts_model(
                Phi, t, w, m0, self.likelihood, priors, coords, (alpha0, beta0, w0)
            )
            cores = self.cores or min(self.chains, os.cpu_count() or 1)
            idata = _sample(model, cores=cores, **sample_kwargs)
            if w is not None:  # the weighted likelihood is a Potential, not an observed y
                idata["observed_data"] = observed_group(t)
        if "constant_data" in idata.children:
            del idata["constant_data"]  # the statistics / design matrix: internal, and large
        for message in convergence_warnings(idata):
            warn(message, ConvergenceWarning)
        self._set_draws(idata, method, priors)
        self._store_log_likelihood(X, t)
        self.stats_ = data


# -- kernels (NumPy arrays; the PyMC graph builders import PyMC lazily) ------------------------
def _weight_draws(eig: Eigen, alpha: Any, beta: Any, z: Any) -> np.ndarray:
    """Return :func:`~bayesfit._conjugate.eigen_weight_draws` for precisions of any shape.

    ``alpha`` and ``beta`` have shape ``s``, the normals ``z`` shape ``s + (M,)``.
    """
    shape, M = np.shape(alpha), eig.lam.shape[0]
    alpha, beta = np.reshape(alpha, -1), np.reshape(beta, -1)
    w = eigen_weight_draws(eig, alpha, beta, np.reshape(z, (alpha.shape[0], M)), xp=np_xp)
    return np.reshape(w, (*shape, M))


def _noise_variables(priors: dict[str, Any], beta0: float | None = None) -> tuple[Any, Any]:
    """Return the noise precision and scale: one has the prior, the other is Deterministic."""
    import pymc as pm

    on_sigma = "sigma" in priors
    start = {} if beta0 is None else {"initval": beta0**-0.5 if on_sigma else beta0}
    if on_sigma:
        sigma = priors["sigma"].to_pymc("sigma", **start)
        return pm.Deterministic("beta", sigma**-2), sigma
    beta = priors["beta"].to_pymc("beta", **start)
    return beta, pm.Deterministic("sigma", beta**-0.5)


def _collapsed_model(priors: dict[str, Any]) -> Any:
    r"""PyMC model over :math:`(\alpha, \beta)` with the evidence as a Potential.

    The eigen-statistics are ``pm.Data`` (shared variables, here placeholders), so the graph
    depends neither on the data's values nor on M: one compiled model serves every fit.
    """
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        shared = Eigen(
            lam=pm.Data("lam", np.ones(1)),
            V=None,  # the evidence needs only the eigenvalues and b = V^T Phi^T t
            b=pm.Data("b", np.zeros(1)),
            rss_ml=pm.Data("rss_ml", 1.0),
            positive=pm.Data("positive", np.ones(1, dtype=bool)),
            lam_max=None,  # used only to flag the all-noise boundary, not by the evidence
            n=pm.Data("n", 1.0),
        )
        alpha = priors["alpha"].to_pymc("alpha")
        beta, _ = _noise_variables(priors)
        a, b = pt.reshape(alpha, (1,)), pt.reshape(beta, (1,))
        pm.Potential("log_evidence", evidence_at(shared, a, b, xp=pt).log_evidence[0])
    return model


@dataclass
class _CompiledCollapsed:
    """A collapsed model with its compiled samplers (PyMC's NUTS step; nutpie's, on demand).

    nutpie's compiled model is made by the first nutpie fit. The lock serialises fits that
    share the entry (across threads).
    """

    model: Any
    step: Any
    lock: threading.Lock = field(default_factory=threading.Lock)
    nutpie: Any = None


# Compiled collapsed models by (priors, target_accept): a refit only swaps the statistics in
# (pm.set_data for PyMC's step, with_data for nutpie's model), skipping graph building and
# compilation (about 0.5 s of a 1.5 s PyMC fit; nutpie's numba compile takes ~4 s).
_COLLAPSED: dict[tuple, _CompiledCollapsed] = {}
_COLLAPSED_MAX = 16


def _sample_collapsed(
    eig: Eigen,
    priors: dict[str, Any],
    start: dict[str, float],
    jitter: np.ndarray,
    *,
    target_accept: float,
    nuts_sampler: str,
    **kwargs: Any,
) -> Any:
    """Sample the collapsed model of these statistics, reusing a compiled model and step.

    Chain ``c`` starts at ``start`` (the free variables' values) times
    ``exp(jitter[c])``, PyMC's own jitter; nutpie draws the same kind of jitter from its
    per-chain seeds.
    """
    import pymc as pm

    key = (tuple(sorted(priors.items())), target_accept)
    if key not in _COLLAPSED:
        if len(_COLLAPSED) >= _COLLAPSED_MAX:
            del _COLLAPSED[next(iter(_COLLAPSED))]
        model = _collapsed_model(priors)
        step = pm.NUTS(model=model, target_accept=target_accept)
        _COLLAPSED[key] = _CompiledCollapsed(model, step)
    entry = _COLLAPSED[key]
    data = {
        "lam": eig.lam,
        "b": eig.b,
        "rss_ml": eig.rss_ml,
        "positive": eig.positive,
        "n": float(eig.n),
    }
    with entry.lock:
        if nuts_sampler == "nutpie":
            return _sample_nutpie(entry, data, start, target_accept=target_accept, **kwargs)
        pm.set_data(data, model=entry.model)
        inits = [{k: v * math.exp(u) for (k, v), u in zip(start.items(), row, strict=True)}
                 for row in jitter]
        if nuts_sampler == "pymc":
            return _sample(entry.model, step=entry.step, initvals=inits, **kwargs)
        # numpyro and blackjax compile the model themselves and jitter their own starts
        return _sample(
            entry.model,
            initvals=inits[0],
            nuts_sampler=nuts_sampler,
            target_accept=target_accept,
            **kwargs,
        )


def _compile_nutpie(model: Any) -> Any:
    """Compile ``model`` with nutpie (numba); the one call that costs seconds."""
    import nutpie

    return nutpie.compile_pymc_model(model)


def _sample_nutpie(
    entry: _CompiledCollapsed,
    data: dict[str, Any],
    start: dict[str, float],
    *,
    draws: int,
    tune: int,
    chains: int,
    cores: int,
    random_seed: int,
    progressbar: bool,
    target_accept: float,
    compute_convergence_checks: bool,
) -> Any:
    r"""Sample the collapsed model with nutpie, compiling it once per entry.

    The statistics go in with nutpie's ``with_data`` (a copy of the compiled model pointing
    at the new arrays); the starts are ``start`` jittered by :math:`e^{u}`,
    :math:`u \sim U(-1, 1)`, on nutpie's log-transformed free variables.
    """
    import time

    import nutpie

    if entry.nutpie is None:
        entry.nutpie = _compile_nutpie(entry.model)
    free = list(entry.nutpie.shape_info[0][: entry.nutpie.n_dim])
    if free != [f"{name}_log__" for name in start]:  # the priors' log transforms, assumed below
        raise RuntimeError(f"unexpected free variables {free} in the collapsed model")
    center = np.log(np.asarray(list(start.values()), dtype=np.float64))

    def jittered_start(seed: int) -> np.ndarray:
        return center + np.random.default_rng(seed).uniform(-1.0, 1.0, center.shape)

    compiled = dataclasses.replace(
        entry.nutpie.with_data(**data), initial_point_func=jittered_start
    )
    began = time.perf_counter()
    idata = nutpie.sample(
        compiled,
        draws=draws,
        tune=max(tune, 1),  # nutpie needs at least one tuning step
        chains=chains,
        cores=cores,
        seed=random_seed,
        save_warmup=False,
        progress_bar=progressbar,
        target_accept=target_accept,
    )
    idata["posterior"].attrs["sampling_time"] = time.perf_counter() - began
    return idata


def _nuts_model(
    Phi: np.ndarray,
    t: np.ndarray,
    weights: np.ndarray | None,
    m0: np.ndarray,
    likelihood: str,
    priors: dict[str, Any],
    coords: dict[str, Any],
    start: tuple,
) -> Any:
    """PyMC model over (w, alpha, beta[, nu]) with the likelihood written point by point.

    With ``weights``, each point's log-likelihood is multiplied by its weight (a Potential:
    a frequency weight of k counts the point k times).
    """
    import pymc as pm

    with pm.Model(coords=coords) as model:
        design = pm.Data("Phi", Phi, dims=("obs", "feature"))
        target = pm.Data("t", t, dims="obs")
        alpha = priors["alpha"].to_pymc("alpha", initval=start[0])
        _, sigma = _noise_variables(priors, start[1])
        w = pm.Normal("w", mu=m0, sigma=alpha**-0.5, dims="feature", initval=start[2])
        mu = design @ w
        if likelihood == "normal":
            noise = {"dist": pm.Normal, "mu": mu, "sigma": sigma}
        else:
            noise = {"dist": pm.StudentT, "nu": priors["nu"].to_pymc("nu"), "mu": mu,
                     "sigma": sigma}
        dist = noise.pop("dist")
        if weights is None:
            dist("y", **noise, observed=target, dims="obs")
        else:
            point = pm.logp(dist.dist(**noise), target)
            pm.Potential("weighted_log_likelihood", (pm.Data("weights", weights) * point).sum())
    return model


def _sample(model: Any, *, cores: int, chains: int, **kwargs: Any) -> Any:
    """``pm.sample`` with one BLAS thread pool per parallel chain sized to share the CPUs.

    PyMC limits BLAS threads itself only for the spawn/forkserver start methods
    (pymc-devs/pymc#7354); with fork (Linux) the limit set here in the parent is inherited.
    """
    import pymc as pm
    from threadpoolctl import threadpool_limits

    parallel = min(cores, chains)
    limit = max(1, (os.cpu_count() or 1) // parallel) if parallel > 1 else None
    with threadpool_limits(limits=limit, user_api="blas"):
        return pm.sample(model=model, cores=cores, chains=chains, **kwargs)


def convergence_warnings(idata: Any, *, collapsed_remedy: bool = True) -> list[str]:
    """Return one message per failed MCMC check of ``idata``'s posterior (empty when fine).

    Checks: rank-normalised split R-hat above :data:`RHAT_MAX` (with two or more chains),
    bulk ESS below
    :data:`ESS_MIN` (Vehtari et al. 2021), and divergent transitions after tuning. Each
    message names the worst quantity and the remedy.

    Parameters
    ----------
    idata : xarray.DataTree
        With a ``posterior`` group (dims ``chain, draw, ...``) and, optionally,
        ``sample_stats`` with the per-draw flag ``diverging``.
    collapsed_remedy : bool, default True
        Name ``method='collapsed'`` as a remedy for a low ESS (not where it cannot run: the
        Bayesian lasso's Gibbs sampler).

    Returns
    -------
    list of str
    """
    import arviz as az

    post = idata["posterior"].to_dataset()
    messages = []
    # R-hat compares chains: ArviZ 1 gives NaN for one chain, which is no evidence of trouble.
    rhat_name, rhat = _worst(az.rhat(post), largest=True) if post.sizes["chain"] > 1 else ("", 0)
    if rhat > RHAT_MAX:
        messages.append(
            f"R-hat is {rhat:.3f} > {RHAT_MAX} for {rhat_name}: the chains disagree; run longer "
            f"(increase tune and draws) or check for multiple modes"
        )
    ess_name, ess = _worst(az.ess(post, method="bulk"), largest=False)
    if ess < ESS_MIN:
        collapsed = "; for the normal likelihood method='collapsed' mixes far better"
        messages.append(
            f"bulk ESS is {ess:.0f} < {ESS_MIN} for {ess_name}: increase draws (or chains)"
            + (collapsed if collapsed_remedy else "")
        )
    if "sample_stats" in idata.children:
        stats = idata["sample_stats"]
        # a per-draw flag; PyMC's "divergences" is a running count, not a flag
        n_div = int(stats["diverging"].values.sum()) if "diverging" in stats.data_vars else 0
        if n_div:
            messages.append(
                f"{n_div} divergent transitions after tuning: the posterior has regions NUTS "
                f"cannot follow; increase target_accept (e.g. 0.95), or use "
                f"method='collapsed' for the normal likelihood"
            )
    return messages


def _worst(ds: Any, *, largest: bool) -> tuple[str, float]:
    """Return the label (``"w[x0]"``) and value of the worst entry of a Dataset of diagnostics.

    NaN (a constant chain, say) counts as the worst possible value.
    """
    entries: list[tuple[float, str]] = []
    for name, da in ds.data_vars.items():
        values = np.atleast_1d(da.values).astype(np.float64).ravel()
        values = np.where(np.isnan(values), np.inf if largest else -np.inf, values)
        if da.ndim == 1:
            labels = [f"{name}[{c}]" for c in da[da.dims[0]].values]
        else:
            labels = [name if da.ndim == 0 else f"{name}[{i}]" for i in range(values.size)]
        entries += zip(values.tolist(), labels, strict=True)
    value, label = max(entries) if largest else min(entries)
    return label, value


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
