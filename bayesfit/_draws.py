r"""Regressors whose posterior is a set of draws held as ArviZ data.

:class:`DrawsRegressor` is what :class:`~bayesfit.PyMCRegression` (MCMC) and
:class:`~bayesfit.FullBayesRegression` (exact quadrature, or MCMC through PyMCRegression)
share once they have draws :math:`(w_s, \alpha_s, \beta_s, \sigma_s[, \nu_s])` in
``idata_["posterior"]``: the predictive they imply, function and target draws, the pointwise
``log_likelihood`` group for ArviZ's LOO and WAIC, a coefficient summary and lossless
persistence. How the draws were made is each subclass's business. Everything here works on
the host in NumPy float64, as the draws do.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar, Self

import numpy as np
from sklearn.utils.validation import check_is_fitted

from bayesfit._arviz import (
    LOG_LIKELIHOOD,
    draws_group,
    log_likelihood_group,
    observed_group,
    wants_log_likelihood,
)
from bayesfit._backend import to_numpy
from bayesfit._conjugate import SufficientStats
from bayesfit._validation import (
    ARRAY,
    BOOLEAN,
    NONE,
    NONNEGATIVE_INT,
    POSITIVE_INT,
    Constraint,
    InstanceOf,
    Interval,
    Options,
    check_array,
    check_value,
    check_X_y,
)
from bayesfit.linear import BasisRegressor
from bayesfit.posterior import PosteriorDraws, Predictive
from bayesfit.priors import from_dict as priors_from_dict

__all__ = ["SAMPLER_CONSTRAINTS", "DrawsRegressor"]

_RNG = InstanceOf((numbers.Integral, np.random.Generator), "an int or a numpy.random.Generator")

#: The constraints of the settings the draw-based estimators share (all but ``method``).
SAMPLER_CONSTRAINTS: dict[str, list[Constraint]] = {
    "likelihood": [Options(("normal", "student_t"))],
    "priors": [NONE, InstanceOf(dict, "a dict of bayesfit.priors objects")],
    "prior_mean": [NONE, ARRAY],
    "draws": [POSITIVE_INT],
    "tune": [NONNEGATIVE_INT],
    "chains": [POSITIVE_INT],
    "cores": [NONE, POSITIVE_INT],
    "target_accept": [Interval(numbers.Real, 0.0, 1.0, "neither")],
    "random_seed": [NONE, _RNG],
    "progressbar": [BOOLEAN],
    "nuts_sampler": [Options(("pymc", "nutpie", "numpyro", "blackjax"))],
    "log_likelihood": LOG_LIKELIHOOD,
}


class DrawsRegressor(BasisRegressor):
    """A regressor whose posterior is the draws in ``idata_["posterior"]``."""

    _scalar_state: ClassVar[tuple[str, ...]] = ("alpha_", "beta_")
    _stats_type = SufficientStats

    def _prior_mean(self, M: int) -> np.ndarray:
        if self.prior_mean is None:
            return np.zeros(M)
        m0 = to_numpy(check_array(self.prior_mean, "prior_mean", ndim=1)).astype(np.float64)
        if m0.shape != (M,):
            raise ValueError(f"prior_mean must have shape ({M},), got {m0.shape}")
        return m0

    def _set_draws(self, idata: Any, method: str, priors: dict[str, Any]) -> None:
        """Keep ``idata`` (its posterior variables ordered) and the point summaries of its draws."""
        post = idata["posterior"]
        order = [
            v for v in ("w", "alpha", "beta", "sigma", "nu", "lambda") if v in post.data_vars
        ]
        if list(post.data_vars) != order:
            idata["posterior"] = post.to_dataset()[order]
        self.idata_ = idata
        self.method_ = method
        self.priors_ = priors
        post = idata["posterior"]
        self.coef_ = post["w"].values.mean(axis=(0, 1))
        self.alpha_ = float(post["alpha"].values.mean())
        self.beta_ = float(post["beta"].values.mean())

    # -- the posterior draws -------------------------------------------------------------------
    def _posterior_draws(self) -> PosteriorDraws:
        """Return the posterior draws, chains flattened in order, as :class:`PosteriorDraws`."""
        check_is_fitted(self, "idata_")
        post = self.idata_["posterior"]
        nu = post["nu"].values.reshape(-1) if "nu" in post.data_vars else None
        return PosteriorDraws(
            post["w"].values.reshape(-1, self.coef_.shape[0]), post["sigma"].values.reshape(-1), nu
        )

    def _design(self, X: Any) -> Any:
        return to_numpy(super()._design(X)).astype(np.float64, copy=False)

    def predictive(self, X: Any) -> Predictive:
        r"""Return the moment-matched normal predictive at each row of ``X``.

        Mean and variance are those of the posterior draws:
        :math:`\operatorname{Var} = \operatorname{Var}_s[\phi^T w_s] + \mathbb E_s[\sigma_s^2]`
        (times :math:`\nu/(\nu-2)` for Student-t noise; infinite if some :math:`\nu \le 2`).
        For the exact predictive use :meth:`posterior_predictive` (draws) or
        :meth:`log_predictive_density`.

        Returns
        -------
        Predictive
        """
        return self._posterior_draws().predictive(self._design(X))

    def _log_density(self, X: Any, y: Any) -> np.ndarray:
        # The exact predictive density, a mixture over the posterior draws (not the
        # moment-matched normal of `predictive`).
        return self._posterior_draws().log_density(self._design(X), y)

    def sample_functions(self, X: Any, n: int = 10, random_state: Any = None) -> np.ndarray:
        r"""Return ``n`` curves :math:`w_s^T\phi(x)` for randomly picked posterior draws.

        Parameters
        ----------
        X : array_like of shape (n_points,) or (n_points, n_features)
        n : int, default 10
            At most the number of posterior draws.
        random_state : None, int or numpy.random.Generator

        Returns
        -------
        ndarray of shape (n, n_points)
        """
        draws = self._posterior_draws()
        return draws.sample_functions(self._design(X), n, random_state)

    def posterior_predictive(
        self, X: Any, random_state: Any = None, extend_idata: bool = False
    ) -> np.ndarray:
        r"""Return draws of new targets :math:`\tilde t \sim p(\tilde t \mid x, t)`, one per draw.

        Each posterior draw :math:`(w_s, \sigma_s[, \nu_s])` gives one
        :math:`\tilde t = w_s^T\phi(x) + \sigma_s \epsilon`, :math:`\epsilon` standard normal
        (or Student-t with :math:`\nu_s` degrees of freedom).

        Parameters
        ----------
        X : array_like of shape (n_points,) or (n_points, n_features)
            Inputs; the training inputs for a posterior predictive check.
        random_state : None, int or numpy.random.Generator
        extend_idata : bool, default False
            Also store the draws as the ``posterior_predictive`` group of ``idata_``
            (variable ``y``, dims ``(chain, draw, obs)``), as ArviZ's checks expect.

        Returns
        -------
        ndarray of shape (chains, draws, n_points)
        """
        check_value("extend_idata", extend_idata, BOOLEAN)
        Phi = self._design(X)
        post = self.idata_["posterior"]
        chains, n_draws = post.sizes["chain"], post.sizes["draw"]
        flat = self._posterior_draws().sample_targets(Phi, random_state)
        draws = flat.reshape(chains, n_draws, Phi.shape[0])
        if extend_idata:
            import xarray as xr

            self.idata_["posterior_predictive"] = xr.Dataset(
                {"y": (("chain", "draw", "obs"), draws)},
                coords={"chain": post["chain"].values, "draw": post["draw"].values},
            )
        return draws

    # -- model comparison ----------------------------------------------------------------------
    def _store_log_likelihood(self, X: Any, t: np.ndarray) -> None:
        """Write the ``log_likelihood`` group of the validated training data when wanted."""
        post = self.idata_["posterior"]
        n_draws = post.sizes["chain"] * post.sizes["draw"]
        if wants_log_likelihood(self.log_likelihood, n_draws, t.shape[0]):
            Phi = to_numpy(self.basis_._design(X)).astype(np.float64, copy=False)
            self.idata_["log_likelihood"] = log_likelihood_group(
                self._posterior_draws(), Phi, t, post.sizes["chain"]
            )

    def add_log_likelihood(self, X: Any, y: Any) -> Self:
        r"""Write ``idata_["log_likelihood"]``: :math:`\ln p(y_i \mid x_i, \theta_s)` per draw.

        ``arviz.loo``, ``arviz.waic`` and ``arviz.compare`` read this group. A fit writes it
        itself below :data:`~bayesfit._arviz.LOG_LIKELIHOOD_AUTO_MAX` numbers (with
        ``log_likelihood="auto"``); this adds it afterwards for any data, usually the
        training data. It holds draws x points float64 numbers.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)
        y : array_like of shape (n_samples,)

        Returns
        -------
        self
            With the group ``log_likelihood`` (variable ``y``, dims ``(chain, draw, obs)``)
            and ``observed_data`` holding ``y``.
        """
        _, ya, _ = check_X_y(X, y)
        Phi = self._design(X)
        draws = self._posterior_draws()
        t = to_numpy(ya).astype(np.float64)
        chains = self.idata_["posterior"].sizes["chain"]
        self.idata_["log_likelihood"] = log_likelihood_group(draws, Phi, t, chains)
        self.idata_["observed_data"] = observed_group(t)
        return self

    # -- summary -------------------------------------------------------------------------------
    def _coefficient_columns(self, level: float) -> tuple[dict[str, Any], str]:
        """Return the draws' mean, sd, equal-tailed interval, bulk ESS and R-hat per weight."""
        import arviz as az

        check_is_fitted(self, "idata_")
        post = self.idata_["posterior"]
        w = self._posterior_draws().w
        lower, upper = np.quantile(w, [0.5 - level / 2.0, 0.5 + level / 2.0], axis=0)
        ds = post.to_dataset()[["w"]]
        r_hat = az.rhat(ds)["w"].values if post.sizes["chain"] > 1 else np.full(w.shape[1], np.nan)
        return {
            "estimate": w.mean(axis=0),
            "std_error": w.std(axis=0, ddof=1),
            "lower": lower,
            "upper": upper,
            "ess_bulk": az.ess(ds, method="bulk")["w"].values,
            "r_hat": r_hat,
        }, "credible"

    def _summary_statistics(self) -> dict[str, Any]:
        stats = super()._summary_statistics()
        if self.likelihood != "normal":
            # not a function of the sufficient statistics: see the pointwise log-likelihoods
            stats["log_likelihood"] = None
        return stats

    def arviz_summary(self, **kwargs: Any) -> Any:
        """Return ArviZ's summary table (mean, sd, interval, ESS, R-hat, MCSE) of the posterior.

        What ``PyMCRegression.summary()`` returned before ``summary()`` became the
        :class:`~bayesfit.summary.RegressionSummary` every estimator has.

        Parameters
        ----------
        **kwargs
            Passed to :func:`arviz.summary` (``var_names``, ``ci_prob``, ``kind``, ...).

        Returns
        -------
        pandas.DataFrame
        """
        check_is_fitted(self, "idata_")
        import arviz as az

        return az.summary(self.idata_, **kwargs)

    # -- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict of the settings, the priors and the posterior draws.

        The posterior group (every draw of ``w``, ``alpha``, ``beta``, ``sigma``, ``nu``) is
        kept, so a rebuilt model predicts exactly as this one; ``sample_stats``,
        ``observed_data`` and ``log_likelihood`` are not (save ``idata_.to_netcdf(path)``
        for those). A ``numpy.random.Generator`` as ``random_seed`` is written as ``None``.

        Returns
        -------
        dict
        """
        d = super().to_dict()
        params = d["params"]
        if self.priors is not None:
            params["priors"] = {k: p.to_dict() for k, p in self.priors.items()}
        if isinstance(self.random_seed, np.random.Generator):
            params["random_seed"] = None
        if "state" in d:
            post = self.idata_["posterior"]
            d["state"].update(
                method_=self.method_,
                priors_={k: p.to_dict() for k, p in self.priors_.items()},
                posterior={name: post[name].values.tolist() for name in post.data_vars},
            )
        return d

    @classmethod
    def _params_from_dict(cls, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("priors") is not None:
            params["priors"] = {k: priors_from_dict(p) for k, p in params["priors"].items()}
        return params

    def _load_state(self, state: dict[str, Any]) -> None:
        import xarray as xr

        super()._load_state(state)
        values = {k: np.asarray(v) for k, v in state["posterior"].items()}
        self.idata_ = xr.DataTree.from_dict(
            {"posterior": draws_group(values, self._feature_names())}
        )
        self.method_ = state["method_"]
        self.priors_ = {k: priors_from_dict(p) for k, p in state["priors_"].items()}


def __dir__() -> list[str]:
    return sorted(__all__)
