r"""Linear regression on basis functions, from least squares to the evidence approximation.

The model (PRML ch. 3): :math:`t = w^T \phi(x) + \epsilon`, :math:`\epsilon \sim
\mathcal N(0, \beta^{-1})`, with prior :math:`w \sim \mathcal N(0, \alpha^{-1} I)`.

- :class:`MLERegression`: least squares for :math:`w`, :math:`1/\beta` = mean squared residual;
- :class:`MAPRegression`: ridge, :math:`(\lambda I + \Phi^T\Phi)^{-1}\Phi^T t` with
  :math:`\lambda = \alpha/\beta`;
- :class:`BayesianRegression`: the Gaussian posterior over :math:`w` for fixed
  :math:`\alpha, \beta`;
- :class:`EvidenceRegression`: :math:`\alpha, \beta` chosen by maximising the evidence.

All four follow scikit-learn's estimator contract; the last three compute from the
sufficient statistics only (see :mod:`bayesfit._conjugate`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, ClassVar, Self

import array_api_compat
import numpy as np  # the host side of to_arviz only: ArviZ data are NumPy
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted

from bayesfit import basis as _basis
from bayesfit._backend import get_namespace, to_numpy
from bayesfit._conjugate import (
    QRStats,
    SufficientStats,
    evidence_fit,
    least_squares,
    posterior_from_stats,
)
from bayesfit._estimator import BasisEstimator, unchanged_on_error
from bayesfit._validation import (
    ARRAY,
    BOOLEAN,
    NONE,
    POSITIVE,
    POSITIVE_INT,
    Constraint,
    Options,
    check_array,
    check_features,
    check_random_state,
    check_value,
    check_X_y,
    validate_params,
)
from bayesfit._warnings import warn
from bayesfit.exceptions import NumericalWarning
from bayesfit.posterior import GaussianPosterior, PosteriorDraws, Predictive
from bayesfit.summary import LooResult

__all__ = [
    "BayesianRegression",
    "EvidenceRegression",
    "MAPRegression",
    "MLERegression",
    "from_dict",
]

_REDUCTIONS = ("mean", "sum", "none")



class BasisRegressor(RegressorMixin, BasisEstimator):
    """The regressors' shared fit and prediction: validation, predictive, scores."""

    # -- fitting -------------------------------------------------------------------------------
    @unchanged_on_error
    def fit(self, X: Any, y: Any) -> Self:
        """Fit the model.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)
            Inputs; 1-D means one feature. Lists and pandas use the default backend, arrays
            keep their own (NumPy, CuPy, any array-API library). Dask arrays are reduced
            block by block to the statistics (on the workers of an active
            ``dask.distributed`` client) and only those reach this process.
        y : array_like of shape (n_samples,)
            Targets.

        Returns
        -------
        self
        """
        validate_params(self, self._parameter_constraints)
        if array_api_compat.is_dask_array(X) or array_api_compat.is_dask_array(y):
            self._fit_dask(X, y)
            return self
        Xa, t, xp = self._validated_inputs(X, y, reset=True)
        self._fit_inputs(Xa, t, xp=xp)
        return self

    def _fit_dask(self, X: Any, y: Any) -> None:
        raise TypeError(
            f"{type(self).__name__} does not take Dask arrays; call .compute() on them first"
        )

    def _validated_inputs(self, X: Any, y: Any, *, reset: bool):
        Xa, ta, xp = check_X_y(X, y)
        if reset:
            self._fit_basis(Xa, X)
        else:
            check_features(self, Xa, X, reset=False)
        return Xa, ta, xp

    def _fit_inputs(self, X: Any, t: Any, *, xp: Any) -> None:  # pragma: no cover
        """Set the learned attributes from validated inputs."""
        raise NotImplementedError

    # -- prediction ----------------------------------------------------------------------------
    def predictive(self, X: Any) -> Predictive:
        r"""Return the predictive distribution :math:`p(t \mid x)` at each row of ``X``.

        For MLE and MAP it is the plug-in :math:`\mathcal N(w^T\phi(x), \beta^{-1})`; for the
        Bayesian models it adds the weight uncertainty (PRML eq. 3.59).

        Returns
        -------
        Predictive
        """
        Phi = self._design(X)
        return Predictive(*self._predictive_moments(Phi))

    def _predictive_moments(self, Phi: Any) -> tuple[Any, Any]:
        xp = get_namespace(Phi)
        mean = Phi @ self.coef_
        return mean, xp.full(mean.shape, 1.0 / self._beta(), dtype=mean.dtype)

    def _beta(self) -> float:
        return float(self.beta_)

    def predict(self, X: Any, return_std: bool = False) -> Any:
        """Return the predictive mean, and its standard deviation when ``return_std``.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)
        return_std : bool, default False

        Returns
        -------
        mean : array of shape (n_samples,)
        std : array of shape (n_samples,), only when ``return_std``
        """
        if not return_std:
            return self._design(X) @ self.coef_
        p = self.predictive(X)
        return p.mean, p.std

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Return the coefficient of determination :math:`R^2` of ``predict(X)``.

        Parameters
        ----------
        X : array_like
        y : array_like of shape (n_samples,)
        sample_weight : array_like of shape (n_samples,), optional
        """
        if sample_weight is not None:
            return super().score(to_numpy(X), to_numpy(y), sample_weight=sample_weight)
        _, ya, xp = check_X_y(X, y)
        pred = self.predict(X)
        resid = ya - pred
        centred = ya - xp.mean(ya)
        ss_res, ss_tot = float(xp.vecdot(resid, resid)), float(xp.vecdot(centred, centred))
        if ss_tot == 0.0:
            return 1.0 if ss_res == 0.0 else 0.0
        return 1.0 - ss_res / ss_tot

    def log_predictive_density(self, X: Any, y: Any, reduction: str = "sum") -> Any:
        r"""Return :math:`\sum_i \ln p(y_i \mid x_i)` under the predictive distribution.

        Parameters
        ----------
        X, y : array_like
            Held-out data.
        reduction : {"sum", "mean", "none"}
            Sum (a float), mean per point (a float), or the per-point array.
        """
        check_value("reduction", reduction, Options(_REDUCTIONS))
        _, ya, xp = check_X_y(X, y)
        lpd = self._log_density(X, ya)
        if reduction == "none":
            return lpd
        return float(xp.sum(lpd)) if reduction == "sum" else float(xp.mean(lpd))

    def _log_density(self, X: Any, y: Any) -> Any:
        """Per-point log predictive density of validated targets (a hook for subclasses)."""
        return self.predictive(X).log_density(y)

    # -- persistence ---------------------------------------------------------------------------

class _StatisticsModel(BasisRegressor):
    """Estimators that see the data only through statistics that merge across chunks.

    That gives them exact ``partial_fit``, ``fit_stream`` and Dask fitting for free.
    """

    def _fit_inputs(self, X: Any, t: Any, *, xp: Any) -> None:
        stats = self._chunk_stats(X, t, xp=xp)
        self._fit_stats(stats, xp=xp)
        self.stats_ = stats

    def _chunk_stats(self, X: Any, t: Any, *, xp: Any) -> Any:  # pragma: no cover
        """Statistics of one validated chunk; they merge with ``+``."""
        raise NotImplementedError

    def _fit_stats(self, stats: Any, *, xp: Any) -> None:  # pragma: no cover
        """Set the learned attributes from the statistics of all data seen."""
        raise NotImplementedError

    @unchanged_on_error
    def partial_fit(self, X: Any, y: Any) -> Self:
        r"""Update the fit with one more chunk of data; any chunking gives the batch fit.

        The statistics of the chunks merge exactly (sums of :math:`\Phi^T\Phi`,
        :math:`\Phi^T t`, ...; for the MLE the R factors of a QR), so the result after chunks
        :math:`D_1, \dots, D_k` equals ``fit`` on their concatenation (up to round-off).
        The basis is fitted on the first chunk: give explicit centres to RBF/sigmoid bases
        when the first chunk does not span the input range.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)
        y : array_like of shape (n_samples,)

        Returns
        -------
        self
        """
        first = not hasattr(self, "stats_")
        if first:
            validate_params(self, self._parameter_constraints)
        Xa, t, xp = self._validated_inputs(X, y, reset=first)
        chunk = self._chunk_stats(Xa, t, xp=xp)
        stats = chunk if first else self.stats_ + chunk
        self._fit_stats(stats, xp=xp)
        self.stats_ = stats
        return self

    @unchanged_on_error
    def fit_stream(self, chunks: Iterable[tuple[Any, Any]]) -> Self:
        r"""Fit on an iterable of ``(X, y)`` chunks, holding one chunk at a time.

        Memory stays at one chunk plus the :math:`M \times M` statistics, so data larger
        than memory (see :mod:`bayesfit.streaming`) fit exactly: the result equals ``fit`` on
        the concatenated chunks up to round-off. Unlike repeated ``partial_fit``, the
        estimator (the evidence iteration, say) runs once, at the end. The basis is fitted on
        the first chunk, as in ``partial_fit``.

        Parameters
        ----------
        chunks : iterable of (X, y)
            Each X of shape (n_i,) or (n_i, n_features), y of shape (n_i,).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If there are no chunks, or a chunk is bad (the message names the chunk).
        """
        validate_params(self, self._parameter_constraints)
        if isinstance(chunks, str | bytes) or not isinstance(chunks, Iterable):
            raise TypeError(
                f"chunks must be an iterable of (X, y) pairs, got {type(chunks).__name__}"
            )
        stats, xp = None, None
        for i, chunk in enumerate(chunks):
            try:
                X, y = chunk
                Xa, t, xp = self._validated_inputs(X, y, reset=stats is None)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"chunk {i}: {exc}") from exc
            part = self._chunk_stats(Xa, t, xp=xp)
            stats = part if stats is None else stats + part
        if stats is None:
            raise ValueError("chunks is empty: fit_stream needs at least one (X, y) chunk")
        self._fit_stats(stats, xp=xp)
        self.stats_ = stats
        return self

    def _fit_dask(self, X: Any, y: Any) -> None:
        from bayesfit._dask import fit_statistics

        stats = fit_statistics(self, X, y)
        self._fit_stats(stats, xp=get_namespace(stats.yty))
        self.stats_ = stats


class MLERegression(_StatisticsModel):
    r"""Maximum likelihood: least squares for :math:`w`, mean squared residual for :math:`1/\beta`.

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column.

    Attributes
    ----------
    coef_ : array of shape (M,)
        :math:`w_{ML}`, the minimum-norm least-squares solution.
    beta_ : float
        :math:`\beta_{ML}`, the noise precision.
    noise_std_ : float
        :math:`\beta_{ML}^{-1/2}`.
    rank_ : int
        Numerical rank of the design matrix.
    singular_values_ : array
        Of the design matrix.
    basis_ : Basis
        The fitted copy of ``basis``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When fitted on a DataFrame with string column names.

    Notes
    -----
    .. math::

        w_{ML} = \arg\min_w \lVert t - \Phi w \rVert^2, \qquad
        \frac{1}{\beta_{ML}} = \frac1N \lVert t - \Phi w_{ML} \rVert^2
        \quad \text{(PRML eqs. 3.15, 3.21)}

    solved from a thin SVD of :math:`\Phi` (never from :math:`\Phi^T\Phi`, which squares the
    condition number). A rank-deficient design (N < M, collinear columns) gives the
    minimum-norm solution and a :class:`~bayesfit.exceptions.NumericalWarning`.

    Examples
    --------
    >>> import bayesfit as bf
    >>> model = bf.MLERegression().fit([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    >>> model.coef_.round(6)
    array([1., 2.])
    """

    _scalar_state = ("beta_", "noise_std_", "rank_")

    def __init__(self, basis: _basis.Basis | None = None):
        self.basis = basis

    def _chunk_stats(self, X: Any, t: Any, *, xp: Any) -> QRStats:
        features = self.basis_._design(X, bias=False)
        return QRStats.from_design(features, t, bias=self.basis_.bias, xp=xp)

    def _fit_inputs(self, X: Any, t: Any, *, xp: Any) -> None:
        Phi = self.basis_._design(X)
        stats = QRStats.from_design(Phi, t, bias=False, xp=xp)
        self._fit_stats(stats, xp=xp)
        # With the data at hand, the residual is summed directly: the statistics' form
        # t^T t - |Q^T t|^2 cancels to round-off when the fit interpolates (PRML's M = 9).
        resid = t - Phi @ self.coef_
        self._set_noise(float(xp.vecdot(resid, resid)), stats.n)
        self.stats_ = stats

    def _fit_stats(self, stats: QRStats, *, xp: Any) -> None:
        w, rank, s, rss = least_squares(stats, xp=xp)
        M = stats.R.shape[1]
        eps = float(xp.finfo(stats.R.dtype).eps)
        cond = float(s[0] / s[-1]) if float(s[-1]) > 0.0 else math.inf
        if rank < M:
            warn(
                f"the design matrix is rank deficient (rank {rank} < {M} columns, "
                f"{stats.n} samples); returning the minimum-norm least-squares solution. "
                f"Use fewer basis functions, more data, a better-conditioned basis, or "
                f"MAPRegression",
                NumericalWarning,
            )
        elif cond > eps ** (-2.0 / 3.0):  # fewer than a third of the digits left in w
            warn(
                f"the design matrix is ill-conditioned (condition number {cond:.3g} in "
                f"{stats.R.dtype}): the weights keep only about "
                f"{max(-math.log10(cond * eps), 0.0):.0f} significant digits. Rescale the "
                f"inputs (e.g. to [-1, 1]), use a better-conditioned basis (lower degree, "
                f"GaussianRBF), float64, or MAPRegression",
                NumericalWarning,
            )
        self.coef_ = w
        self.rank_ = rank
        self.singular_values_ = s
        self._set_noise(rss, stats.n)

    def _set_noise(self, rss: float, n: int) -> None:
        mse = rss / n
        self.beta_ = 1.0 / mse if mse > 0 else math.inf
        self.noise_std_ = math.sqrt(mse)


class _ConjugateModel(_StatisticsModel):
    """Estimators computed from the sufficient statistics of PRML ch. 3."""

    def _chunk_stats(self, X: Any, t: Any, *, xp: Any) -> SufficientStats:
        features = self.basis_._design(X, bias=False)
        return SufficientStats.from_design(features, t, bias=self.basis_.bias, xp=xp)

class MAPRegression(_ConjugateModel):
    r"""Maximum a posteriori weights under the prior :math:`w \sim \mathcal N(0, \alpha^{-1} I)`.

    This is ridge regression with :math:`\lambda = \alpha / \beta`; the bias weight is
    regularised too, as in PRML.

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column.
    alpha : float, default 1.0
        Prior precision of the weights.
    beta : float, default 1.0
        Noise precision. Only the ratio :math:`\alpha/\beta` changes the weights; ``beta``
        also sets the plug-in predictive variance :math:`1/\beta`.

    Attributes
    ----------
    coef_ : array of shape (M,)
        :math:`w_{MAP}`.
    beta_ : float
        Equal to ``beta``.
    basis_, n_features_in_, feature_names_in_
        As in :class:`MLERegression`.

    Notes
    -----
    .. math::

        w_{MAP} = (\lambda I + \Phi^T\Phi)^{-1} \Phi^T t, \qquad \lambda = \alpha/\beta
        \quad \text{(PRML eq. 3.28)}

    Examples
    --------
    >>> import bayesfit as bf
    >>> bf.MAPRegression(alpha=1.0, beta=1.0).fit([1.0], [2.0]).coef_
    array([0.66666667, 0.66666667])
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **BasisEstimator._parameter_constraints,
        "alpha": [POSITIVE],
        "beta": [POSITIVE],
    }
    _scalar_state = ("beta_",)

    def __init__(
        self, basis: _basis.Basis | None = None, alpha: float = 1.0, beta: float = 1.0
    ):
        self.basis = basis
        self.alpha = alpha
        self.beta = beta

    def _fit_stats(self, stats: SufficientStats, *, xp: Any) -> None:
        mean, _, _ = posterior_from_stats(stats, self.alpha, self.beta, xp=xp)
        self.coef_ = mean
        self.beta_ = float(self.beta)


class _BayesianModel(_ConjugateModel):
    """A Gaussian posterior over the weights: predictive variance and function samples."""

    def _predictive_moments(self, Phi: Any) -> tuple[Any, Any]:
        return Phi @ self.coef_, self.posterior_.predictive_var(Phi, beta=self._beta())

    def sample_functions(self, X: Any, n: int = 10, random_state: Any = None) -> Any:
        r"""Draw ``n`` curves :math:`y(x) = w^T\phi(x)`, :math:`w` from the posterior.

        Parameters
        ----------
        X : array_like of shape (n_points,) or (n_points, n_features)
        n : int, default 10
        random_state : None, int or numpy.random.Generator

        Returns
        -------
        array of shape (n, n_points)
            Noise-free function values, correlated across points as the posterior implies.
        """
        Phi = self._design(X)
        return self.posterior_.sample(n, random_state) @ get_namespace(Phi).matrix_transpose(
            Phi
        )

    # -- model comparison ----------------------------------------------------------------------
    def loo(self, X: Any, y: Any) -> LooResult:
        r"""Return exact leave-one-out cross-validation on the training data, at fixed precisions.

        Each point's predictive density given all the others, from the rank-one downdate of
        the posterior (:meth:`GaussianPosterior.loo_log_density`): closed form, no refits,
        :math:`O(NM^2)` in all. The estimator keeps only the sufficient statistics, so the
        training data are passed again; they are checked against those statistics.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)
            The training inputs (all chunks, for a model fitted with ``partial_fit``).
        y : array_like of shape (n_samples,)
            The training targets.

        Returns
        -------
        LooResult
            ``elpd_loo``, its standard error ``se`` (ArviZ's convention), ``p_loo`` and the
            ``pointwise`` values.

        Raises
        ------
        ValueError
            If ``X, y`` are not the data the model was fitted on.

        Notes
        -----
        :math:`\alpha` and :math:`\beta` stay fixed at the fitted values, so for
        :class:`EvidenceRegression` they stay at the full-data evidence optimum (re-optimising
        them without each point would be LOO of the whole empirical-Bayes procedure). The
        log evidence sums one-step-ahead predictions, :math:`\ln p(t) = \sum_n \ln p(t_n \mid
        t_{<n})` from the prior on (PRML 3.4), while LOO predicts each point from all the
        others: the two rank models differently when the prior matters.

        Examples
        --------
        >>> import bayesfit as bf
        >>> x, t = bf.datasets.sinusoid(20, seed=0)
        >>> model = bf.EvidenceRegression(bf.basis.Polynomial(3)).fit(x, t)
        >>> result = model.loo(x, t)
        >>> result.pointwise.shape, result.elpd_loo < result.elpd_loo + result.p_loo
        ((20,), True)
        """
        check_is_fitted(self, "posterior_")
        Xa, ya, xp = check_X_y(X, y)
        check_features(self, Xa, X, reset=False)
        self._check_training_data(Xa, ya, xp=xp)
        Phi = self.basis_._design(Xa)
        dtype = self.posterior_.mean.dtype
        Phi, ya = xp.astype(Phi, dtype, copy=False), xp.astype(ya, dtype, copy=False)
        elpd_i = self.posterior_.loo_log_density(Phi, ya, self._beta())
        return LooResult.from_pointwise(elpd_i, self._log_density(X, ya))

    def _check_training_data(self, X: Any, y: Any, *, xp: Any) -> None:
        stats = self._chunk_stats(X, y, xp=xp)
        fitted = self.stats_
        eps = float(xp.finfo(fitted.xtx.dtype).eps)
        tol = 1e3 * max(stats.n, 1) * eps

        def differs(a: Any, b: Any) -> bool:
            a, b = xp.astype(a, fitted.xtx.dtype), b
            scale = float(xp.max(xp.abs(b))) if b.ndim else abs(float(b))
            return float(xp.max(xp.abs(a - b))) > tol * max(scale, 1e-300)

        if stats.n != fitted.n or any(
            differs(a, b)
            for a, b in ((stats.xtx, fitted.xtx), (stats.xty, fitted.xty), (stats.yty, fitted.yty))
        ):
            raise ValueError(
                f"X, y are not the data the model was fitted on ({stats.n} samples given, "
                f"{fitted.n} fitted, or other values): leave-one-out needs the training data"
            )

    def to_arviz(self, X: Any, y: Any, draws: int = 1000, random_seed: Any = None) -> Any:
        r"""Return ArviZ data of posterior draws with the pointwise log-likelihood on ``X, y``.

        So that ``arviz.loo``, ``arviz.waic`` and ``arviz.compare`` can rank this fit beside
        :class:`~bayesfit.FullBayesRegression` and :class:`~bayesfit.PyMCRegression` fits of
        the same data (pass the training data).

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)
        y : array_like of shape (n_samples,)
        draws : int, default 1000
            Independent draws of :math:`w \sim \mathcal N(m_N, S_N)`.
        random_seed : None, int or numpy.random.Generator

        Returns
        -------
        xarray.DataTree
            Groups ``posterior`` (``w``, dims ``(chain, draw, feature)``, one chain; the
            fixed ``alpha`` and ``beta`` as attributes), ``log_likelihood`` (``y``, dims
            ``(chain, draw, obs)``: :math:`\ln\mathcal N(y_i \mid \phi_i^T w_s, \beta^{-1})`)
            and ``observed_data`` (``y``). NumPy float64, on the host.

        Examples
        --------
        >>> import bayesfit as bf
        >>> x, t = bf.datasets.sinusoid(20, seed=0)
        >>> model = bf.BayesianRegression(bf.basis.Polynomial(3), alpha=5e-3, beta=11.1)
        >>> idata = model.fit(x, t).to_arviz(x, t, draws=500, random_seed=0)
        >>> idata["log_likelihood"]["y"].shape
        (1, 500, 20)
        """
        import xarray as xr

        from bayesfit._arviz import draws_group, log_likelihood_group, observed_group

        check_is_fitted(self, "posterior_")
        check_value("draws", draws, POSITIVE_INT)
        rng = check_random_state(random_seed, "random_seed")
        _, ya, _ = check_X_y(X, y)
        Phi = to_numpy(self._design(X)).astype(np.float64)
        w = to_numpy(self.posterior_.sample(draws, rng)).astype(np.float64)
        t = to_numpy(ya).astype(np.float64)
        draws_ = PosteriorDraws(w, np.full(w.shape[0], self._beta() ** -0.5))
        attrs = {"alpha": float(self.alpha_), "beta": self._beta()}
        return xr.DataTree.from_dict(
            {
                "posterior": draws_group({"w": w[None]}, self._feature_names(), attrs),
                "log_likelihood": log_likelihood_group(draws_, Phi, t, chains=1),
                "observed_data": observed_group(t),
            }
        )

    def prior(self) -> GaussianPosterior:
        """Return the prior over the weights as a :class:`GaussianPosterior`."""
        check_is_fitted(self, "posterior_")
        xp = get_namespace(self.coef_)
        M, dtype = self.coef_.shape[0], self.coef_.dtype
        mean, cov = self._prior_moments(M, xp=xp, dtype=dtype)
        return GaussianPosterior(
            xp.zeros(M, dtype=dtype) if mean is None else mean,
            xp.eye(M, dtype=dtype) / self.alpha_ if cov is None else cov,
        )

    def _prior_moments(self, M: int, *, xp: Any, dtype: Any) -> tuple[Any, Any]:
        return None, None

    def _set_posterior(self, mean: Any, cov: Any) -> None:
        self.posterior_ = GaussianPosterior(mean, cov)
        self.coef_ = mean


class BayesianRegression(_BayesianModel):
    r"""The conjugate Gaussian posterior over the weights for fixed :math:`\alpha, \beta`.

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column.
    alpha : float, default 1.0
        Prior precision of the weights (used when ``prior_cov`` is None).
    beta : float, default 1.0
        Noise precision.
    prior_mean : array of shape (M,), optional
        Prior mean :math:`m_0`; zero by default.
    prior_cov : array of shape (M, M), optional
        Prior covariance :math:`S_0`; :math:`\alpha^{-1} I` by default.

    Attributes
    ----------
    posterior_ : GaussianPosterior
        :math:`\mathcal N(m_N, S_N)`.
    coef_ : array of shape (M,)
        The posterior mean :math:`m_N` (equal to :math:`w_{MAP}` under the default prior).
    log_evidence_ : float
        :math:`\ln p(t \mid \alpha, \beta)`, PRML eq. 3.86 (or its general-prior form).
    alpha_, beta_ : float
        The precisions used.
    stats_ : SufficientStats
        Accumulated :math:`\Phi^T\Phi, \Phi^T t, t^T t, N`.
    basis_, n_features_in_, feature_names_in_
        As in :class:`MLERegression`.

    Notes
    -----
    .. math::

        S_N^{-1} = S_0^{-1} + \beta\Phi^T\Phi, \quad m_N = S_N(S_0^{-1}m_0 + \beta\Phi^T t),
        \quad p(t \mid x) = \mathcal N(m_N^T\phi(x),\ \beta^{-1} + \phi(x)^T S_N \phi(x))

    (PRML eqs. 3.50-3.51, 3.58-3.59). ``partial_fit`` is the sequential update of PRML
    fig. 3.7: each chunk's posterior is the next chunk's prior.

    Examples
    --------
    >>> import bayesfit as bf
    >>> x, t = bf.datasets.sinusoid(10, seed=0)
    >>> model = bf.BayesianRegression(bf.basis.Polynomial(9), alpha=5e-3, beta=11.1).fit(x, t)
    >>> mean, std = model.predict([0.5], return_std=True)
    >>> bool(std[0] > (1 / 11.1) ** 0.5)
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **MAPRegression._parameter_constraints,
        "prior_mean": [NONE, ARRAY],  # shapes are checked against M in fit
        "prior_cov": [NONE, ARRAY],
    }
    _scalar_state = ("alpha_", "beta_", "log_evidence_")

    def __init__(
        self,
        basis: _basis.Basis | None = None,
        alpha: float = 1.0,
        beta: float = 1.0,
        prior_mean: Any = None,
        prior_cov: Any = None,
    ):
        self.basis = basis
        self.alpha = alpha
        self.beta = beta
        self.prior_mean = prior_mean
        self.prior_cov = prior_cov

    def _prior_moments(self, M: int, *, xp: Any, dtype: Any) -> tuple[Any, Any]:
        mean = cov = None
        if self.prior_mean is not None:
            mean = xp.astype(check_array(self.prior_mean, "prior_mean", ndim=1, xp=xp), dtype)
            if mean.shape != (M,):
                raise ValueError(f"prior_mean must have shape ({M},), got {mean.shape}")
        if self.prior_cov is not None:
            cov = xp.astype(check_array(self.prior_cov, "prior_cov", xp=xp), dtype)
            if cov.shape != (M, M):
                raise ValueError(f"prior_cov must have shape ({M}, {M}), got {cov.shape}")
        return mean, cov

    def _fit_stats(self, stats: SufficientStats, *, xp: Any) -> None:
        M, dtype = stats.xtx.shape[0], stats.xtx.dtype
        prior_mean, prior_cov = self._prior_moments(M, xp=xp, dtype=dtype)
        mean, cov, log_ev = posterior_from_stats(
            stats, self.alpha, self.beta, prior_mean=prior_mean, prior_cov=prior_cov, xp=xp
        )
        self._set_posterior(mean, cov)
        self.alpha_ = float(self.alpha)
        self.beta_ = float(self.beta)
        self.log_evidence_ = log_ev


class EvidenceRegression(_BayesianModel):
    r"""Empirical Bayes: :math:`\alpha` and :math:`\beta` maximise the evidence (PRML 3.5).

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column.
    alpha_init, beta_init : float, optional
        A starting point of the re-estimation; by default
        :math:`\alpha = \beta = 1/\overline{t^2}` (the iteration runs on targets scaled to
        unit mean square, where this is (1, 1)).
    max_iter : int, default 1000
        Maximum number of re-estimation steps.
    tol : float, default 1e-10
        Stop when :math:`|\Delta\ln\alpha| + |\Delta\ln\beta| <` ``tol`` for every start
        (never below 100 machine epsilons of the data's dtype, so float32 converges too).
    global_search : bool, default True
        Also start from a grid over :math:`\ln\alpha \times \ln\beta` and keep the best end
        point. The evidence can have two local maxima (seen on the PRML sinusoid at
        degrees 3-9); a single start may settle on the lower one.

    Attributes
    ----------
    alpha_, beta_ : float
        The evidence-maximising precisions.
    gamma_ : float
        Effective number of well-determined parameters (PRML eq. 3.91).
    log_evidence_ : float
        The maximised log evidence (PRML eq. 3.86).
    n_iter_ : int
        Re-estimation steps taken.
    posterior_ : GaussianPosterior
        The posterior at ``alpha_, beta_``; ``coef_`` is its mean.
    stats_, basis_, n_features_in_, feature_names_in_
        As in :class:`BayesianRegression`.

    Notes
    -----
    With :math:`\lambda_i` the eigenvalues of :math:`\beta\Phi^T\Phi` (PRML eq. 3.87):

    .. math::

        \gamma = \sum_i \frac{\lambda_i}{\alpha + \lambda_i}, \qquad
        \alpha = \frac{\gamma}{m_N^T m_N}, \qquad
        \frac1\beta = \frac{1}{N - \gamma} \sum_n (t_n - m_N^T\phi(x_n))^2

    (PRML eqs. 3.91, 3.92, 3.95), computed from one eigendecomposition of
    :math:`\Phi^T\Phi`. scikit-learn's ``BayesianRidge`` fits the same model with the names
    swapped: its ``alpha_`` is our ``beta_`` and its ``lambda_`` our ``alpha_``.

    Examples
    --------
    >>> import bayesfit as bf
    >>> x, t = bf.datasets.sinusoid(50, seed=0)
    >>> model = bf.EvidenceRegression(bf.basis.Polynomial(5)).fit(x, t)
    >>> 0.15 < model.noise_std_ < 0.45
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **BasisEstimator._parameter_constraints,
        "alpha_init": [NONE, POSITIVE],
        "beta_init": [NONE, POSITIVE],
        "max_iter": [POSITIVE_INT],
        "tol": [POSITIVE],
        "global_search": [BOOLEAN],
    }
    _scalar_state = ("alpha_", "beta_", "gamma_", "log_evidence_", "n_iter_")

    def __init__(
        self,
        basis: _basis.Basis | None = None,
        alpha_init: float | None = None,
        beta_init: float | None = None,
        max_iter: int = 1000,
        tol: float = 1e-10,
        global_search: bool = True,
    ):
        self.basis = basis
        self.alpha_init = alpha_init
        self.beta_init = beta_init
        self.max_iter = max_iter
        self.tol = tol
        self.global_search = global_search

    @property
    def noise_std_(self) -> float:
        r"""Estimated noise standard deviation :math:`\beta^{-1/2}`."""
        check_is_fitted(self, "beta_")
        return self.beta_**-0.5

    def _fit_stats(self, stats: SufficientStats, *, xp: Any) -> None:
        result = evidence_fit(
            stats,
            alpha_init=self.alpha_init,
            beta_init=self.beta_init,
            max_iter=self.max_iter,
            tol=self.tol,
            global_search=self.global_search,
            xp=xp,
        )
        self._set_posterior(result.mean, result.cov)
        self.alpha_ = result.alpha
        self.beta_ = result.beta
        self.gamma_ = result.gamma
        self.log_evidence_ = result.log_evidence
        self.n_iter_ = result.n_iter


def from_dict(d: dict[str, Any]) -> BasisEstimator:
    """Rebuild any bayesfit estimator from its :meth:`~MLERegression.to_dict` output."""
    return BasisEstimator.from_dict(d)


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
