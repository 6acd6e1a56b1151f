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

import copy
import math
import numbers
from collections.abc import Iterable
from types import ModuleType
from typing import Any, ClassVar, Self

import array_api_compat
import numpy as np
import scipy.stats
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted

from bayesfit import basis as _basis
from bayesfit._backend import (
    device_of,
    get_namespace,
    quiet_overflow,
    small_dense_threads,
    to_numpy,
)
from bayesfit._conjugate import (
    Eigen,
    QRStats,
    SufficientStats,
    ard_fit,
    evidence_fit,
    least_squares,
    posterior_from_stats,
)
from bayesfit._estimator import BasisEstimator, json_number, unchanged_on_error
from bayesfit._linalg import cholesky, cholesky_inverse
from bayesfit._sparse import CDResult, elastic_net_map_path, kkt_residual
from bayesfit._validation import (
    ARRAY,
    BOOLEAN,
    NONE,
    POSITIVE,
    POSITIVE_INT,
    Constraint,
    Interval,
    Options,
    check_array,
    check_features,
    check_finite,
    check_random_state,
    check_sample_weight,
    check_squares,
    check_value,
    check_X_y,
    shape_of,
    validate_params,
)
from bayesfit._warnings import warn
from bayesfit.exceptions import ConvergenceWarning, NumericalWarning
from bayesfit.posterior import GaussianPosterior, PosteriorDraws, Predictive
from bayesfit.summary import LooResult, RegressionSummary

__all__ = [
    "ARDRegression",
    "BayesianRegression",
    "EvidenceRegression",
    "MAPRegression",
    "MLERegression",
    "from_dict",
]

_REDUCTIONS = ("mean", "sum", "none")
#: The priors MAPRegression takes: L2 (ridge), L1 (lasso), both (elastic net).
PRIORS = ("gaussian", "laplace", "elastic_net")
_LOG_2PI = math.log(2.0 * math.pi)


class BasisRegressor(RegressorMixin, BasisEstimator):
    """The regressors' shared fit and prediction: validation, predictive, scores, summaries.

    Estimators with ``_multi_output`` take a 2-D ``y`` of shape (N, K): K targets sharing
    the design. Their learned arrays then gain a leading axis of length K (``coef_`` of shape
    (K, M), the precisions and evidences of shape (K,), ``posterior_`` a list of K
    posteriors), and :meth:`_output` gives the fit of one target as a 1-D estimator, which
    the per-output summaries and predictive distributions are built from.
    """

    # The class of ``stats_`` (written by to_dict), where the estimator keeps statistics.
    _stats_type: ClassVar[type | None] = None
    # Whether y may be (N, K): K targets sharing one design.
    _multi_output: ClassVar[bool] = False
    # Learned arrays of one row per target (beyond coef_ and _scalar_state), for _output.
    _target_arrays: ClassVar[tuple[str, ...]] = ()

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = self._multi_output
        return tags

    @property
    def _n_targets(self) -> int | None:
        """K for a fit on a 2-D y of shape (N, K); None for a 1-D y."""
        return int(self.coef_.shape[0]) if self.coef_.ndim == 2 else None

    def _output(self, k: int) -> BasisRegressor:
        """Return the fit of target k alone, as the estimator fitted on that column would be."""
        view = copy.copy(self)
        view.coef_ = self.coef_[k, ...]
        for name in self._scalar_state:
            value = getattr(self, name)
            if getattr(value, "ndim", 0) == 1:
                setattr(view, name, value[k].item() if isinstance(value, np.ndarray)
                        else float(value[k]))
        for name in self._target_arrays:
            setattr(view, name, getattr(self, name)[k, ...])
        if isinstance(getattr(self, "posterior_", None), list):
            view.posterior_ = self.posterior_[k]
        if hasattr(self, "stats_"):
            view.stats_ = self.stats_.outputs()[k]
        return view

    def _outputs(self) -> list[BasisRegressor]:
        return [self] if self._n_targets is None else [
            self._output(k) for k in range(self._n_targets)
        ]

    def _single_target(self, method: str) -> None:
        """Refuse ``method`` on a fit of several targets (it is defined for one)."""
        if self._n_targets is not None:
            raise ValueError(
                f"{method} takes one target, and this {type(self).__name__} was fitted on y "
                f"of shape (n, {self._n_targets}): fit one column to use it"
            )

    # -- fitting -------------------------------------------------------------------------------
    @unchanged_on_error
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Self:
        """Fit the model.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)
            Inputs; 1-D means one feature. Lists and pandas use the default backend, arrays
            keep their own (NumPy, CuPy, any array-API library). Dask arrays are reduced
            block by block to the statistics (on the workers of an active
            ``dask.distributed`` client) and only those reach this process.
        y : array_like of shape (n_samples,) or (n_samples, n_targets)
            Targets; a 2-D y is several targets sharing X, for the estimators that take
            them (MLE, MAP, Bayesian, evidence, ARD), kept 2-D even with one column; the
            columns of a DataFrame are kept as ``target_names_`` (the summary's outputs).
        sample_weight : array_like of shape (n_samples,), optional
            Frequency weights: a non-negative weight per sample, an integer weight counting
            as that many copies of the row (zero drops it). Their sum takes the place of the
            number of samples N everywhere (the noise estimate, the evidence, the degrees of
            freedom).

        Returns
        -------
        self
        """
        validate_params(self, self._parameter_constraints)
        if any(array_api_compat.is_dask_array(a) for a in (X, y, sample_weight)):
            self._fit_dask(X, y, sample_weight)
            return self
        Xa, t, w, xp = self._validated_inputs(X, y, sample_weight, reset=True)
        self._fit_inputs(Xa, t, w, xp=xp)
        return self

    def _fit_dask(self, X: Any, y: Any, sample_weight: Any) -> None:
        raise TypeError(
            f"{type(self).__name__} does not take Dask arrays; call .compute() on them first"
        )

    def _validated_inputs(
        self,
        X: Any,
        y: Any,
        sample_weight: Any,
        *,
        reset: bool,
        row_offset: int = 0,
        whole: bool = True,
    ) -> tuple[Any, Any, Any, ModuleType]:
        """Validate one data set (``whole``) or one chunk of a stream; fit the basis on reset.

        NaN and inf are looked for in the sufficient statistics (:meth:`_checked_stats`), at
        no extra pass over the data, unless the basis could hide them (an RBF of inf is 0).
        """
        if not self._multi_output and len(shape_of(y)) == 2 and shape_of(y)[1] != 1:
            raise ValueError(
                f"{type(self).__name__} fits one target: y must be 1-D, got shape {shape_of(y)} "
                f"(fit one model per column)"
            )
        Xa, ta, xp = check_X_y(
            X, y, row_offset=row_offset, finite=False, multi_output=self._multi_output
        )
        basis = _basis.Identity() if self.basis is None else self.basis
        if not basis._design_shows_nonfinite():
            check_finite(Xa, "X", xp, row_offset)
        w = check_sample_weight(
            sample_weight,
            Xa.shape[0],
            xp=xp,
            dtype=Xa.dtype,
            device=device_of(Xa),
            row_offset=row_offset,
            allow_all_zero=not whole,
        )
        if reset:
            self._fit_basis(Xa, X)
            self._record_target_names(y)
        else:
            check_features(self, Xa, X, reset=False)
        return Xa, ta, w, xp

    def _record_target_names(self, y: Any) -> None:
        """Keep the column names of a DataFrame ``y``: the summary labels its outputs so."""
        columns = getattr(y, "columns", None)
        if columns is not None and getattr(y, "ndim", 0) == 2:
            self.target_names_ = np.asarray([str(c) for c in columns], dtype=object)
        elif hasattr(self, "target_names_"):
            del self.target_names_

    def _checked_stats(
        self, stats: Any, X: Any, t: Any, *, xp: ModuleType, row_offset: int = 0
    ) -> Any:
        """Return ``stats`` if they are finite, else raise naming the bad value and its row.

        The statistics show NaN, inf and overflowing squares in :math:`O(M^2)`; only when
        they do is the data searched for the culprit.
        """
        if stats.is_finite():
            return stats
        check_squares(X, "X", xp=xp, row_offset=row_offset)
        check_squares(t, "y", xp=xp, row_offset=row_offset)
        with quiet_overflow():
            design = self.basis_._design(X)
        check_squares(
            design, "the design matrix (the basis functions of X)", xp=xp, row_offset=row_offset
        )
        raise ValueError(
            f"the weighted sums of squares of X and y overflow {X.dtype}: rescale X, y or "
            f"sample_weight"
        )

    def _fit_inputs(self, X: Any, t: Any, w: Any, *, xp: Any) -> None:  # pragma: no cover
        """Set the learned attributes from validated inputs (``w``: weights or None)."""
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
        if self._n_targets is None:
            return Predictive(*self._predictive_moments(Phi))
        xp = get_namespace(Phi)
        parts = [out._predictive_moments(Phi) for out in self._outputs()]
        return Predictive(*(xp.stack([p[i] for p in parts], axis=1) for i in (0, 1)))

    def _predictive_moments(self, Phi: Any) -> tuple[Any, Any]:
        xp = get_namespace(Phi)
        mean = Phi @ self.coef_
        noise = xp.full(mean.shape, 1.0 / self._beta(), dtype=mean.dtype, device=device_of(mean))
        return mean, noise

    def _mean(self, Phi: Any) -> Any:
        """Return the mean of the targets, of shape (n,), or (n, K) for K targets."""
        if self.coef_.ndim == 2:
            return Phi @ get_namespace(Phi).matrix_transpose(self.coef_)
        return Phi @ self.coef_

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
        mean : array of shape (n_samples,), or (n_samples, K) for K targets
        std : array of the shape of ``mean``, only when ``return_std``
        """
        if not return_std:
            return self._mean(self._design(X))
        p = self.predictive(X)
        return p.mean, p.std

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Return the coefficient of determination :math:`R^2` of ``predict(X)``.

        Parameters
        ----------
        X : array_like
        y : array_like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array_like of shape (n_samples,), optional
        """
        if sample_weight is not None:
            return super().score(to_numpy(X), to_numpy(y), sample_weight=sample_weight)
        _, ya, xp = check_X_y(X, y, multi_output=self._n_targets is not None)
        pred = self.predict(X)
        if ya.shape != pred.shape:
            raise ValueError(f"y must have shape {tuple(pred.shape)}, got {tuple(ya.shape)}")
        resid = ya - pred
        centred = ya - xp.mean(ya, axis=0)
        ss_res, ss_tot = xp.sum(resid * resid, axis=0), xp.sum(centred * centred, axis=0)
        # Per target, then averaged (scikit-learn's multioutput="uniform_average").
        scores = [
            (1.0 if r == 0.0 else 0.0) if t == 0.0 else 1.0 - r / t
            for r, t in zip(
                np.atleast_1d(to_numpy(ss_res)).tolist(),
                np.atleast_1d(to_numpy(ss_tot)).tolist(),
                strict=True,
            )
        ]
        return float(np.mean(scores))

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
        _, ya, xp = check_X_y(X, y, multi_output=self._n_targets is not None)
        lpd = self._log_density(X, ya)
        if reduction == "none":
            return lpd
        return float(xp.sum(lpd)) if reduction == "sum" else float(xp.mean(lpd))

    def _log_density(self, X: Any, y: Any) -> Any:
        """Per-point log predictive density of validated targets (a hook for subclasses)."""
        return self.predictive(X).log_density(y)

    # -- summary -------------------------------------------------------------------------------
    def summary(self, level: float = 0.95) -> RegressionSummary:
        r"""Return the coefficient table and the model statistics of the fit.

        Parameters
        ----------
        level : float, default 0.95
            Probability of the intervals ``lower`` to ``upper``.

        Returns
        -------
        RegressionSummary
            ``coefficients``: a DataFrame indexed by feature name (``intercept`` for the
            bias) with columns ``estimate``, ``std_error``, ``lower``, ``upper`` (and ``t``,
            ``p_value`` for the MLE); ``statistics``: ``n_samples``, ``n_params``,
            ``df_resid``, ``noise_std_ml``, ``noise_std_unbiased``, ``r2``, ``r2_adj``,
            ``log_likelihood``, ``aic``, ``bic``, ``log_evidence``, ``gamma``, ``alpha``,
            ``beta``, None where a statistic has no meaning for the estimator (see the
            user guide's page on summaries).

        Notes
        -----
        With :math:`N = \sum_n w_n`, :math:`M` weights, the residual sum of squares
        :math:`\mathrm{RSS} = \sum_n w_n (t_n - \hat w^T\phi_n)^2` at the estimate and
        :math:`\mathrm{TSS}` about the (weighted) mean with a bias column, about zero without:

        .. math::

            R^2 = 1 - \frac{\mathrm{RSS}}{\mathrm{TSS}}, \quad
            R^2_{adj} = 1 - \frac{N - k_0}{N - M}(1 - R^2), \quad
            \ln L = \tfrac N2 \ln\frac{\beta}{2\pi} - \tfrac\beta2 \mathrm{RSS},

        :math:`k_0 = 1` with a bias column and 0 without (statsmodels' conventions); for the
        MLE :math:`\beta = N/\mathrm{RSS}`, AIC :math:`= 2M - 2\ln L`, BIC
        :math:`= M \ln N - 2\ln L` (PRML eq. 1.73 counts the same M).
        """
        check_is_fitted(self, "coef_")
        check_value("level", level, Interval(numbers.Real, 0.0, 1.0, "neither"))
        if not hasattr(self, "stats_"):
            raise ValueError(
                f"this {type(self).__name__} has no statistics of its training data (it was "
                f"loaded from a dict written by an older bayesfit): fit it again to summarise"
            )
        title = " ".join(repr(self).split())
        if self._n_targets is not None:
            return self._summary_per_output(title, float(level))
        columns, interval = self._coefficient_columns(float(level))
        return RegressionSummary.from_columns(
            title, self._feature_names(), columns, self._summary_statistics(), level, interval
        )

    def _summary_per_output(self, title: str, level: float) -> RegressionSummary:
        """Return the summary of K targets: rows (output, feature), each statistic a list."""
        names = self._feature_names()
        parts = [(out._coefficient_columns(level), out._summary_statistics())
                 for out in self._outputs()]
        columns = {key: np.concatenate([np.asarray(c[0][key]) for c, _ in parts])
                   for key in parts[0][0][0]}
        statistics = {key: [st[key] for _, st in parts] for key in parts[0][1]}
        outputs = getattr(self, "target_names_", range(len(parts)))
        rows = [(output, name) for output in outputs for name in names]
        return RegressionSummary.from_columns(
            title, rows, columns, statistics, level, parts[0][0][1],
            index_names=("output", "feature"),
        )

    def _coefficient_columns(self, level: float) -> tuple[dict[str, Any], str]:
        """Return the table's columns and the kind of interval they hold (a hook)."""
        raise NotImplementedError  # pragma: no cover

    def _summary_statistics(self) -> dict[str, Any]:
        """Return the statistics of :meth:`summary` (residual figures at the estimate)."""
        stats = self.stats_
        return _fit_statistics(
            n=stats.n,
            n_params=self._n_params(),
            rss=stats.rss_at(self.coef_),
            tss=stats.tss(centred=self.basis_.bias),
            intercept=self.basis_.bias,
            precision=self._beta(),
            **self._model_statistics(),
        )

    def _n_params(self) -> int:
        """Return the number of weights the summary counts (a hook: all of ``coef_``)."""
        return int(self.coef_.shape[0])

    def _model_statistics(self) -> dict[str, Any]:
        """``log_evidence``, ``gamma``, ``alpha``, ``beta`` where the estimator has them."""
        return {name: getattr(self, name + "_", None) for name in _MODEL_STATISTICS}

    # -- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict of the settings and the fitted state (lossless).

        Arrays are written as lists of Python floats, which round-trip float64 exactly; the
        statistics of the data seen are kept, so a rebuilt model can be summarised and
        updated by ``partial_fit``.
        """
        d = super().to_dict()
        if "state" in d and hasattr(self, "stats_"):
            d["state"]["stats_"] = self.stats_.to_dict()
        return d

    def _load_state(self, state: dict[str, Any]) -> None:
        super()._load_state(state)
        if "stats_" in state and self._stats_type is not None:
            xp = get_namespace(self.coef_)
            self.stats_ = self._stats_type.from_dict(
                state["stats_"], xp=xp, dtype=self.coef_.dtype
            )


_MODEL_STATISTICS = ("log_evidence", "gamma", "alpha", "beta")


def _fit_statistics(
    *,
    n: float,
    n_params: int,
    rss: float,
    tss: float,
    intercept: bool,
    precision: float,
    mle: bool = False,
    **model: Any,
) -> dict[str, Any]:
    r"""Return the statistics of a regression summary from its residual figures.

    ``precision`` is the noise precision the log likelihood is taken at;
    ``mle`` adds AIC and BIC, which count M free parameters at the likelihood's maximum;
    ``model`` holds ``log_evidence``, ``gamma``, ``alpha``, ``beta`` (None where absent).
    """
    df_resid = n - n_params
    r2 = 1.0 - rss / tss if tss > 0.0 else None
    if rss == 0.0 and math.isinf(precision):
        log_lik = math.inf  # an exact fit: the likelihood is unbounded
    else:
        log_lik = 0.5 * n * (math.log(precision) - _LOG_2PI) - 0.5 * precision * rss
    stats = {
        "n_samples": n,
        "n_params": n_params,
        "df_resid": df_resid,
        "noise_std_ml": math.sqrt(rss / n),
        "noise_std_unbiased": math.sqrt(rss / df_resid) if df_resid > 0 else None,
        "r2": r2,
        "r2_adj": (
            1.0 - (n - int(intercept)) / df_resid * (1.0 - r2)
            if r2 is not None and df_resid > 0
            else None
        ),
        "log_likelihood": log_lik,
        "aic": 2 * n_params - 2.0 * log_lik if mle else None,
        "bic": n_params * math.log(n) - 2.0 * log_lik if mle else None,
    }
    stats.update({name: model.get(name) for name in _MODEL_STATISTICS})
    return stats


def _check_same_targets(t: Any, n_targets: int | None) -> None:
    """Refuse a chunk whose targets do not have the columns of the data seen before."""
    if (int(t.shape[1]) if t.ndim == 2 else None) != n_targets:
        seen = "(n,)" if n_targets is None else f"(n, {n_targets})"
        raise ValueError(
            f"y has shape {tuple(t.shape)}, but the data seen so far had y of shape {seen}"
        )


def _normal_columns(mean: Any, sd: Any, level: float) -> dict[str, Any]:
    """Estimate, sd and the equal-tailed interval of independent normal marginals."""
    mean, sd = to_numpy(mean), to_numpy(sd)
    z = scipy.stats.norm.ppf(0.5 + level / 2.0)
    return {"estimate": mean, "std_error": sd, "lower": mean - z * sd, "upper": mean + z * sd}


class _StatisticsModel(BasisRegressor):
    """Estimators that see the data only through statistics that merge across chunks.

    That gives them exact ``partial_fit``, ``fit_stream`` and Dask fitting for free, with
    sample weights folded into the statistics.
    """

    def _fit_inputs(self, X: Any, t: Any, w: Any, *, xp: Any) -> None:
        self._set_stats(self._statistics(X, t, w, xp=xp), xp=xp)

    def _statistics(self, X: Any, t: Any, w: Any, *, xp: Any, row_offset: int = 0) -> Any:
        """Return the checked statistics of one validated chunk (they merge with ``+``)."""
        with quiet_overflow():  # an overflowing design is reported by _checked_stats
            stats = self._chunk_stats(X, t, w, xp=xp)
        return self._checked_stats(stats, X, t, xp=xp, row_offset=row_offset)

    def _chunk_stats(self, X: Any, t: Any, w: Any, *, xp: Any) -> Any:  # pragma: no cover
        """Statistics of one validated chunk, ``w`` its weights or None."""
        raise NotImplementedError

    def _set_stats(self, stats: Any, *, xp: Any) -> None:
        """Fit on the statistics of all data seen and keep them."""
        if not stats.n > 0:
            raise ValueError(
                "sample_weight is zero for every sample seen: at least one needs a positive "
                "weight"
            )
        with small_dense_threads(self.basis_.n_output_features_):  # the M x M work
            self._fit_stats(stats, xp=xp)
        self.stats_ = stats

    def _fit_stats(self, stats: Any, *, xp: Any) -> None:  # pragma: no cover
        """Set the learned attributes from the statistics of all data seen."""
        raise NotImplementedError

    def _fit_each_target(self, stats: Any, *, xp: Any, shared: tuple[str, ...] = ()) -> None:
        """Fit K targets one by one on their own statistics and stack what each learns.

        ``coef_`` becomes (K, M) and each ``_scalar_state`` attribute a host array (K,),
        except the ``shared`` ones, which every target has the same (settings, say).
        """
        fits = []
        for target in stats.outputs():
            fit = copy.copy(self)
            fit._fit_stats(target, xp=xp)
            fits.append(fit)
        self.coef_ = xp.stack([f.coef_ for f in fits])
        for name in self._scalar_state:
            values = [getattr(f, name) for f in fits]
            setattr(self, name, values[0] if name in shared else np.asarray(values))

    @unchanged_on_error
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> Self:
        r"""Update the fit with one more chunk of data; any chunking gives the batch fit.

        The statistics of the chunks merge exactly (sums of :math:`\Phi^T W\Phi`,
        :math:`\Phi^T Wt`, ...; for the MLE the R factors of a QR), so the result after chunks
        :math:`D_1, \dots, D_k` equals ``fit`` on their concatenation (up to round-off).
        The basis is fitted on the first chunk: give explicit centres to RBF/sigmoid bases
        when the first chunk does not span the input range.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array_like of shape (n_samples,), optional
            Frequency weights, as in :meth:`fit`; a chunk's may all be zero once some
            earlier chunk had a positive weight.

        Returns
        -------
        self
        """
        first = not hasattr(self, "stats_")
        if first:
            validate_params(self, self._parameter_constraints)
        Xa, t, w, xp = self._validated_inputs(X, y, sample_weight, reset=first, whole=False)
        if not first:
            _check_same_targets(t, self.stats_.n_targets)
        chunk = self._statistics(Xa, t, w, xp=xp)
        self._set_stats(chunk if first else self.stats_ + chunk, xp=xp)
        return self

    @unchanged_on_error
    def fit_stream(self, chunks: Iterable[tuple[Any, ...]]) -> Self:
        r"""Fit on an iterable of ``(X, y)`` or ``(X, y, sample_weight)`` chunks, one at a time.

        Memory stays at one chunk plus the :math:`M \times M` statistics, so data larger
        than memory (see :mod:`bayesfit.streaming`) fit exactly: the result equals ``fit`` on
        the concatenated chunks up to round-off. Unlike repeated ``partial_fit``, the
        estimator (the evidence iteration, say) runs once, at the end. The basis is fitted on
        the first chunk, as in ``partial_fit``.

        Parameters
        ----------
        chunks : iterable of (X, y) or (X, y, sample_weight)
            Each X of shape (n_i,) or (n_i, n_features), y and the frequency weights (as in
            :meth:`fit`) of shape (n_i,).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If there are no chunks, or a chunk is bad (the message names the chunk), or every
            weight of every chunk is zero.
        """
        validate_params(self, self._parameter_constraints)
        if isinstance(chunks, str | bytes) or not isinstance(chunks, Iterable):
            raise TypeError(
                f"chunks must be an iterable of (X, y) pairs, got {type(chunks).__name__}"
            )
        stats, xp = None, None
        for i, chunk in enumerate(chunks):
            try:
                X, y, sample_weight = _unpack_chunk(chunk)
                Xa, t, w, xp = self._validated_inputs(
                    X, y, sample_weight, reset=stats is None, whole=False
                )
                if stats is not None:
                    _check_same_targets(t, stats.n_targets)
                part = self._statistics(Xa, t, w, xp=xp)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"chunk {i}: {exc}") from exc
            stats = part if stats is None else stats + part
        if stats is None:
            raise ValueError("chunks is empty: fit_stream needs at least one (X, y) chunk")
        self._set_stats(stats, xp=xp)
        return self

    def _fit_dask(self, X: Any, y: Any, sample_weight: Any) -> None:
        from bayesfit._dask import fit_statistics

        stats = fit_statistics(self, X, y, sample_weight)
        self._set_stats(stats, xp=stats.xp)


def _unpack_chunk(chunk: Any) -> tuple[Any, Any, Any]:
    """Return ``(X, y, sample_weight)`` of a stream's chunk (weights None when absent)."""
    if isinstance(chunk, str | bytes) or not isinstance(chunk, tuple | list) or not (
        2 <= len(chunk) <= 3
    ):
        raise ValueError(
            f"each chunk must be a tuple (X, y) or (X, y, sample_weight), got "
            f"{type(chunk).__name__}"
            + (f" of length {len(chunk)}" if isinstance(chunk, tuple | list) else "")
        )
    return chunk[0], chunk[1], chunk[2] if len(chunk) == 3 else None


class MLERegression(_StatisticsModel):
    r"""Maximum likelihood: least squares for :math:`w`, mean squared residual for :math:`1/\beta`.

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column.
    rcond : float, optional
        Singular values of the column-equilibrated design below ``rcond`` times the largest
        count as zero (the rank cut-off); by default ``eps * max(N, M)``, LAPACK's ``gelsd``
        default, but on the equilibrated problem.

    Attributes
    ----------
    coef_ : array of shape (M,), or (K, M) for a y of K columns
        :math:`w_{ML}`, the minimum-norm least-squares solution.
    beta_ : float or array of shape (K,)
        :math:`\beta_{ML}`, the noise precision.
    noise_std_ : float or array of shape (K,)
        :math:`\beta_{ML}^{-1/2}`.
    rank_ : int
        Numerical rank of the (column-equilibrated) design matrix.
    singular_values_ : array
        Of the design matrix with its columns scaled to unit norm: their ratio is the
        condition number that limits the accuracy of ``coef_``.
    stats_ : QRStats
        The R factor of the weighted design with the targets as a last column (TSQR).
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

    solved from a Householder QR of :math:`[\Phi, t]` and an SVD of :math:`R` with its
    columns scaled to unit norm (never from :math:`\Phi^T\Phi`, which squares the condition
    number). On NIST's eleven certified least-squares problems this keeps at least the
    digits of numpy.polyfit or a plain Householder QR, less one (the user guide's table). A
    rank-deficient design (N < M, collinear columns) gives the minimum-norm solution and a
    :class:`~bayesfit.exceptions.NumericalWarning`; so does an ill-conditioned one, with the
    number of digits the weights keep. With ``sample_weight`` it is weighted least squares,
    N the sum of the weights.

    Examples
    --------
    >>> import bayesfit as bf
    >>> model = bf.MLERegression().fit([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    >>> model.coef_.round(6)
    array([1., 2.])
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **BasisEstimator._parameter_constraints,
        "rcond": [NONE, Interval(numbers.Real, 0.0, 1.0, "left")],
    }
    _scalar_state = ("beta_", "noise_std_", "rank_")
    _stats_type = QRStats
    _multi_output = True

    def __init__(self, basis: _basis.Basis | None = None, rcond: float | None = None):
        self.basis = basis
        self.rcond = rcond

    def _chunk_stats(self, X: Any, t: Any, w: Any, *, xp: Any) -> QRStats:
        features = self.basis_._design(X, bias=False)
        return QRStats.from_design(
            features, t, bias=self.basis_.bias, xp=xp, sample_weight=w
        )

    def _fit_inputs(self, X: Any, t: Any, w: Any, *, xp: Any) -> None:
        stats = self._statistics(X, t, w, xp=xp)
        M = stats.n_params
        with small_dense_threads(M):
            fit = least_squares(stats, rcond=self.rcond, xp=xp)
        if fit.rank == M and stats.R_aug.shape[0] > M and stats.n_targets is None:
            # With the data at hand the residual is summed directly: rho from the QR is as
            # good in theory, but on NIST's problems the direct sum kept up to a digit more
            # of the residual SD and the standard errors.
            bias = int(self.basis_.bias)
            fitted = self.basis_._design(X, bias=False) @ fit.coef[bias:]
            resid = t - fitted - fit.coef[0] if bias else t - fitted
            stats = stats.with_residual(float(xp.vecdot(resid if w is None else w * resid, resid)))
        self._set_stats(stats, xp=xp)

    def _fit_stats(self, stats: QRStats, *, xp: Any) -> None:
        fit = least_squares(stats, rcond=self.rcond, xp=xp)
        M = stats.n_params
        if fit.rank < M:
            warn(
                f"the design matrix is rank deficient (rank {fit.rank} < {M} columns, "
                f"{stats.n:g} samples); returning the minimum-norm least-squares solution. "
                f"Use fewer basis functions, more data, a better-conditioned basis, or "
                f"MAPRegression",
                NumericalWarning,
            )
        else:
            s = fit.singular_values
            eps = float(xp.finfo(stats.R_aug.dtype).eps)
            cond = float(s[0] / s[-1])
            if cond > eps ** (-2.0 / 3.0):  # fewer than a third of the digits left in w
                warn(
                    f"the design matrix is ill-conditioned (condition number {cond:.3g} with "
                    f"its columns scaled to unit norm, in {stats.R_aug.dtype}): the weights "
                    f"keep only about {max(-math.log10(cond * eps), 0.0):.0f} significant "
                    f"digits. Rescale the inputs (e.g. to [-1, 1]), use a better-conditioned "
                    f"basis (lower degree, GaussianRBF), float64, or MAPRegression",
                    NumericalWarning,
                )
        self.coef_ = fit.coef if stats.n_targets is None else xp.matrix_transpose(fit.coef)
        self.rank_ = fit.rank
        self.singular_values_ = fit.singular_values
        mse = fit.rss / stats.n
        if stats.n_targets is None:
            self.beta_ = 1.0 / mse if mse > 0 else math.inf
            self.noise_std_ = math.sqrt(mse)
        else:  # one noise precision per target, inf for a target fitted exactly
            fitted = mse > 0
            self.beta_ = xp.where(fitted, 1.0 / xp.where(fitted, mse, 1.0), xp.inf)
            self.noise_std_ = xp.sqrt(mse)

    def _coefficient_columns(self, level: float) -> tuple[dict[str, Any], str]:
        fit = least_squares(self.stats_, rcond=self.rcond, xp=self.stats_.xp)
        df = self.stats_.n - self.stats_.n_params
        w = to_numpy(fit.coef)
        nan = np.full_like(w, np.nan)
        if df <= 0:  # no degrees of freedom left for the noise: no standard errors
            return {"estimate": w, "std_error": nan, "lower": nan, "upper": nan, "t": nan,
                    "p_value": nan}, "confidence"
        sigma = math.sqrt(fit.rss / df)
        se = sigma * np.sqrt(np.clip(np.diag(to_numpy(fit.cov_unscaled)), 0.0, None))
        q = scipy.stats.t.ppf(0.5 + level / 2.0, df)
        with np.errstate(divide="ignore", invalid="ignore"):
            t_value = w / se
        return {
            "estimate": w,
            "std_error": se,
            "lower": w - q * se,
            "upper": w + q * se,
            "t": t_value,
            "p_value": 2.0 * scipy.stats.t.sf(np.abs(t_value), df),
        }, "confidence"

    def _summary_statistics(self) -> dict[str, Any]:
        fit = least_squares(self.stats_, rcond=self.rcond, xp=self.stats_.xp)
        return _fit_statistics(
            n=self.stats_.n,
            n_params=self.stats_.n_params,
            rss=fit.rss,
            tss=self.stats_.tss(centred=self.basis_.bias),
            intercept=self.basis_.bias,
            precision=self.beta_,
            mle=True,
            **self._model_statistics(),
        )


class _ConjugateModel(_StatisticsModel):
    """Estimators computed from the sufficient statistics of PRML ch. 3."""

    _stats_type = SufficientStats

    def _chunk_stats(self, X: Any, t: Any, w: Any, *, xp: Any) -> SufficientStats:
        features = self.basis_._design(X, bias=False)
        return SufficientStats.from_design(
            features, t, bias=self.basis_.bias, xp=xp, sample_weight=w
        )


class MAPRegression(_ConjugateModel):
    r"""Maximum a posteriori weights under a Gaussian, Laplace or elastic-net prior.

    Under the default Gaussian prior :math:`w \sim \mathcal N(0, \alpha^{-1} I)` this is
    ridge regression with :math:`\lambda = \alpha / \beta`, the bias weight regularised too,
    as in PRML. The Laplace prior :math:`p(w) \propto e^{-\alpha\lVert w\rVert_1}` gives the
    lasso, the elastic-net prior :math:`p(w) \propto e^{-\alpha(\rho\lVert w\rVert_1 +
    \frac{1-\rho}2\lVert w\rVert^2)}` the elastic net: sparse weights, exact zeros.

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column.
    alpha : float, default 1.0
        The prior's precision (Gaussian) or rate (Laplace, elastic net): the strength of the
        penalty.
    beta : float, default 1.0
        Noise precision. Only the ratio :math:`\alpha/\beta` changes the weights; ``beta``
        also sets the plug-in predictive variance :math:`1/\beta`.
    prior : {"gaussian", "laplace", "elastic_net"}, default "gaussian"
        The prior on the weights: L2 (ridge), L1 (lasso) or both.
    l1_ratio : float, default 0.5
        :math:`\rho \in [0, 1]`, the L1 share of the elastic-net penalty (``"elastic_net"``
        only; 1 is the lasso, 0 ridge).
    penalize_bias : bool or None, default None
        Whether the bias weight is under the prior. None: yes for the Gaussian prior (as in
        PRML), no for the Laplace and elastic-net priors (as scikit-learn's intercept). An
        unpenalized bias has a flat prior.
    tol : float, default 1e-10
        The sparse priors' coordinate descent stops when the largest violation of the
        optimality (KKT) conditions, relative to :math:`\max_j |(\Phi^T t)_j|`, is at most
        ``tol`` (raised to 100 machine epsilons of the data's dtype).
    max_iter : int, default 1000
        The most outer iterations of coordinate descent (sparse priors).

    Attributes
    ----------
    coef_ : array of shape (M,), or (K, M) for a y of K columns
        :math:`w_{MAP}` (exact zeros where the L1 penalty switches a weight off).
    beta_ : float
        Equal to ``beta``.
    n_iter_ : int
        Outer iterations of coordinate descent; 1 for the Gaussian prior's closed form.
    kkt_residual_ : float
        The largest violation of the optimality conditions at ``coef_``, relative to
        :math:`\max_j |(\Phi^T t)_j|` (for the Gaussian prior, of the normal equations:
        the accuracy of the solve).
    basis_, n_features_in_, feature_names_in_
        As in :class:`MLERegression`.

    Notes
    -----
    Gaussian prior, bias penalized (PRML eq. 3.28):

    .. math::

        w_{MAP} = (\lambda I + \Phi^T\Phi)^{-1} \Phi^T t, \qquad \lambda = \alpha/\beta .

    Laplace and elastic-net priors: the minimiser of the negative log posterior

    .. math::

        E(w) = \frac\beta2 \lVert t - \Phi w\rVert^2
            + \alpha\Big(\rho\lVert w_P\rVert_1 + \frac{1-\rho}2\lVert w_P\rVert^2\Big)

    (:math:`\rho = 1` for the Laplace prior, :math:`P` the penalized weights), by coordinate
    descent on :math:`\Phi^T\Phi, \Phi^T t` (:mod:`bayesfit._sparse`: :math:`O(M^2)` per
    sweep whatever N, so ``partial_fit``, ``fit_stream`` and Dask work as for ridge).
    Dividing :math:`E` by :math:`\beta N` gives scikit-learn's objective:
    ``Lasso(alpha=a)`` and ``ElasticNet(alpha=a, l1_ratio=rho)`` with
    :math:`a = \alpha/(\beta N)` (:math:`N` the sum of the sample weights), the bias
    unpenalized as its ``fit_intercept=True``.

    Examples
    --------
    >>> import bayesfit as bf
    >>> bf.MAPRegression(alpha=1.0, beta=1.0).fit([1.0], [2.0]).coef_
    array([0.66666667, 0.66666667])
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> lasso = bf.MAPRegression(prior="laplace", alpha=2.0).fit(X, [0.1, 1.0, 2.1, 2.9])
    >>> lasso.coef_  # the bias, then the weights: the second is exactly 0
    array([0.7 , 0.55, 0.  ])
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **BasisEstimator._parameter_constraints,
        "alpha": [POSITIVE],
        "beta": [POSITIVE],
        "prior": [Options(PRIORS)],
        "l1_ratio": [Interval(numbers.Real, 0.0, 1.0, "both")],
        "penalize_bias": [NONE, BOOLEAN],
        "tol": [POSITIVE],
        "max_iter": [POSITIVE_INT],
    }

    def __init__(
        self,
        basis: _basis.Basis | None = None,
        alpha: float = 1.0,
        beta: float = 1.0,
        prior: str = "gaussian",
        l1_ratio: float = 0.5,
        penalize_bias: bool | None = None,
        tol: float = 1e-10,
        max_iter: int = 1000,
    ):
        self.basis = basis
        self.alpha = alpha
        self.beta = beta
        self.prior = prior
        self.l1_ratio = l1_ratio
        self.penalize_bias = penalize_bias
        self.tol = tol
        self.max_iter = max_iter

    _scalar_state = ("beta_", "n_iter_", "kkt_residual_")
    _multi_output = True

    @property
    def _sparse(self) -> bool:
        return self.prior != "gaussian"

    def _rho(self) -> float:
        """Return the L1 share of the penalty: 1 (Laplace), ``l1_ratio`` (elastic net), 0."""
        return {"gaussian": 0.0, "laplace": 1.0}.get(self.prior, float(self.l1_ratio))

    def _unpenalized(self) -> tuple[int, ...]:
        """Return the indices of the weights outside the prior: the bias, unless penalized."""
        penalize = self.penalize_bias if self.penalize_bias is not None else not self._sparse
        return (0,) if self.basis_.bias and not penalize else ()

    def _solve(self, stats: SufficientStats, alphas: list[float], *, xp: Any) -> list[CDResult]:
        """Return the MAP fits of these statistics at each alpha (a warm-started path)."""
        tol = max(float(self.tol), 100.0 * float(xp.finfo(stats.xtx.dtype).eps))
        _, fits = elastic_net_map_path(
            stats.xtx, stats.xty, alphas, float(self.beta), self._rho(),
            unpenalized=self._unpenalized(), tol=tol, max_iter=int(self.max_iter), xp=xp,
        )
        return fits

    def _fit_stats(self, stats: SufficientStats, *, xp: Any) -> None:
        if stats.n_targets is not None:  # each its own solve: an L1 prior couples nothing
            self._fit_each_target(stats, xp=xp, shared=("beta_",))
            return
        self.beta_ = float(self.beta)
        if not self._sparse and not self._unpenalized():
            mean, _, _ = posterior_from_stats(stats, self.alpha, self.beta, xp=xp)
            self.coef_, self.n_iter_ = mean, 1  # one closed-form solve
            lam = float(self.alpha) / float(self.beta)
            self.kkt_residual_ = kkt_residual(stats.xtx, stats.xty, mean, 0.0, lam, xp=xp)
            return
        (fit,) = self._solve(stats, [float(self.alpha)], xp=xp)
        if not fit.converged:
            warn(
                f"MAPRegression(prior={self.prior!r}): coordinate descent stopped after "
                f"{fit.n_iter} iterations with the KKT residual at {fit.kkt:.2g} (tol "
                f"{self.tol:g}): raise max_iter, or standardize the columns of the design",
                ConvergenceWarning,
            )
        self.coef_, self.n_iter_, self.kkt_residual_ = fit.w, int(fit.n_iter), float(fit.kkt)

    def path(self, alphas: Any) -> Any:
        r"""Return the MAP weights at each prior strength ``alpha``, the rest as fitted.

        The regularization path on the fitted statistics (no pass over the data), solved
        from the largest ``alpha`` down, each from the previous solution (warm starts); for
        the Gaussian prior each point is the closed form.

        Parameters
        ----------
        alphas : array_like of shape (n_alphas,)
            Positive prior strengths, in any order.

        Returns
        -------
        array of shape (n_alphas, M)
            Row ``k`` is ``coef_`` of this model refitted with ``alpha=alphas[k]``, in the
            namespace of ``coef_``.

        Examples
        --------
        >>> import bayesfit as bf
        >>> import numpy as np
        >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
        >>> lasso = bf.MAPRegression(prior="laplace").fit(X, [0.1, 1.0, 2.1, 2.9])
        >>> (lasso.path([0.01, 2.0, 50.0]) != 0).sum(axis=1)  # nonzero weights, bias included
        array([3, 2, 1])
        """
        check_is_fitted(self, "coef_")
        self._single_target("path")
        if not hasattr(self, "stats_"):
            raise ValueError(
                "this MAPRegression has no statistics of its training data (it was loaded "
                "from a dict written by an older bayesfit): fit it again for a path"
            )
        xp = self.stats_.xp
        values = to_numpy(check_array(alphas, "alphas", ndim=1)).tolist()
        for k, a in enumerate(values):
            if not a > 0.0:
                raise ValueError(f"alphas must be positive; got {a!r} at index {k}")
        with small_dense_threads(self.basis_.n_output_features_):
            if not self._sparse and not self._unpenalized():
                rows = [
                    posterior_from_stats(self.stats_, a, self.beta, xp=xp)[0] for a in values
                ]
                return xp.stack(rows)
            return xp.stack([fit.w for fit in self._solve(self.stats_, values, xp=xp)])

    def _coefficient_columns(self, level: float) -> tuple[dict[str, Any], str | None]:
        xp = self.stats_.xp
        if self._sparse:
            # The mode under an L1 prior is no Gaussian's centre: the posterior has a kink at
            # every zero weight and a Laplace approximation does not exist there. Its spread
            # is what FullBayesRegression(weight_prior="laplace") samples; here it is NaN.
            nan = xp.full(self.coef_.shape, math.nan, dtype=self.coef_.dtype)
            return {"estimate": self.coef_, "std_error": nan, "lower": nan, "upper": nan}, None
        # The posterior at the same alpha, beta: the Laplace approximation at the MAP, exact
        # for this Gaussian model; a flat prior on an unpenalized bias.
        M = self.coef_.shape[0]
        prior_precision = xp.full((M,), float(self.alpha), dtype=self.coef_.dtype)
        if self._unpenalized():
            prior_precision = xp.where(xp.arange(M) == 0, 0.0, prior_precision)
        precision = float(self.beta) * self.stats_.xtx + xp.eye(
            M, dtype=self.coef_.dtype
        ) * prior_precision[None, :]
        L = cholesky(precision, "the posterior precision", xp=xp)
        sd = xp.sqrt(xp.linalg.diagonal(cholesky_inverse(L, xp=xp)))
        return _normal_columns(self.coef_, sd, level), "credible"

    def _model_statistics(self) -> dict[str, Any]:
        return {**super()._model_statistics(), "alpha": float(self.alpha)}

    def _summary_statistics(self) -> dict[str, Any]:
        statistics = super()._summary_statistics()
        if self._sparse:
            statistics.update(
                l1_ratio=self._rho(), n_nonzero=int(np.count_nonzero(to_numpy(self.coef_)))
            )
        return statistics


class _BayesianModel(_ConjugateModel):
    """A Gaussian posterior over the weights: predictive variance and function samples."""

    def _posterior_design(self, Phi: Any) -> Any:
        """Return the columns of ``Phi`` that ``posterior_`` is over (a hook: all of them)."""
        return Phi

    def _predictive_moments(self, Phi: Any) -> tuple[Any, Any]:
        var = self.posterior_.predictive_var(self._posterior_design(Phi), beta=self._beta())
        return Phi @ self.coef_, var

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
        self._single_target("sample_functions")
        Phi = self._posterior_design(self._design(X))
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
        self._single_target("loo")
        Xa, ya, xp = check_X_y(X, y)
        check_features(self, Xa, X, reset=False)
        self._check_training_data(Xa, ya, xp=xp)
        Phi = self._posterior_design(self.basis_._design(Xa))
        dtype = self.posterior_.mean.dtype
        Phi, ya = xp.astype(Phi, dtype, copy=False), xp.astype(ya, dtype, copy=False)
        elpd_i = self.posterior_.loo_log_density(Phi, ya, self._beta())
        return LooResult.from_pointwise(elpd_i, self._log_density(X, ya))

    def _check_training_data(self, X: Any, y: Any, *, xp: Any) -> None:
        stats = self._chunk_stats(X, y, None, xp=xp)
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
                f"{fitted.n} fitted, or other values): leave-one-out needs the training data, "
                f"unweighted (a fit with sample_weight has no leave-one-out here: refit on "
                f"the repeated rows)"
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
        self._single_target("to_arviz")
        check_value("draws", draws, POSITIVE_INT)
        rng = check_random_state(random_seed, "random_seed")
        _, ya, _ = check_X_y(X, y)
        Phi = to_numpy(self._posterior_design(self._design(X))).astype(np.float64)
        w = to_numpy(self.posterior_.sample(draws, rng)).astype(np.float64)
        t = to_numpy(ya).astype(np.float64)
        draws_ = PosteriorDraws(w, np.full(w.shape[0], self._beta() ** -0.5))
        attrs = {"alpha": self._alpha_attribute(), "beta": self._beta()}
        return xr.DataTree.from_dict(
            {
                "posterior": draws_group({"w": w[None]}, self._posterior_names(), attrs),
                "log_likelihood": log_likelihood_group(draws_, Phi, t, chains=1),
                "observed_data": observed_group(t),
            }
        )

    def _posterior_names(self) -> list[str]:
        """Return the names of the weights ``posterior_`` is over (a hook: all of them)."""
        return self._feature_names()

    def _alpha_attribute(self) -> Any:
        return float(self.alpha_)

    def prior(self) -> GaussianPosterior:
        """Return the prior over the weights as a :class:`GaussianPosterior`."""
        check_is_fitted(self, "posterior_")
        if getattr(self.alpha_, "ndim", 0) and self._n_targets is not None:
            self._single_target("prior")  # K targets, each with its own alpha
        xp = get_namespace(self.coef_)
        dtype, device = self.coef_.dtype, device_of(self.coef_)
        # K targets share alpha (BayesianRegression); for their own, see each _output(k).
        M = self._outputs()[0].posterior_.n_features
        mean, cov = self._prior_moments(M, xp=xp, dtype=dtype, device=device)
        return GaussianPosterior(
            xp.zeros(M, dtype=dtype, device=device) if mean is None else mean,
            xp.eye(M, dtype=dtype, device=device) / self.alpha_ if cov is None else cov,
        )

    def _prior_moments(self, M: int, *, xp: Any, dtype: Any, device: Any) -> tuple[Any, Any]:
        return None, None

    def _set_posterior(self, mean: Any, cov: Any) -> None:
        """Set ``posterior_`` and ``coef_``; a mean of shape (M, K) is K targets sharing ``cov``."""
        if mean.ndim == 1:
            self.posterior_ = GaussianPosterior(mean, cov)
            self.coef_ = mean
        else:
            self.posterior_ = [GaussianPosterior(mean[:, k], cov) for k in range(mean.shape[1])]
            self.coef_ = get_namespace(mean).matrix_transpose(mean)

    def _coefficient_columns(self, level: float) -> tuple[dict[str, Any], str]:
        xp = get_namespace(self.coef_)
        sd = xp.sqrt(xp.linalg.diagonal(self.posterior_.cov))
        return _normal_columns(self.posterior_.mean, sd, level), "credible"


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
    posterior_ : GaussianPosterior, or a list of K for a y of K columns
        :math:`\mathcal N(m_N, S_N)`.
    coef_ : array of shape (M,), or (K, M) for a y of K columns
        The posterior mean :math:`m_N` (equal to :math:`w_{MAP}` under the default prior).
    log_evidence_ : float or array of shape (K,)
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
        **BasisEstimator._parameter_constraints,
        "alpha": [POSITIVE],
        "beta": [POSITIVE],
        "prior_mean": [NONE, ARRAY],  # shapes are checked against M in fit
        "prior_cov": [NONE, ARRAY],
    }
    _scalar_state = ("alpha_", "beta_", "log_evidence_")
    _multi_output = True

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

    def _prior_moments(self, M: int, *, xp: Any, dtype: Any, device: Any) -> tuple[Any, Any]:
        mean = cov = None
        if self.prior_mean is not None:
            mean = check_array(self.prior_mean, "prior_mean", ndim=1, xp=xp, device=device)
            mean = xp.astype(mean, dtype)
            if mean.shape != (M,):
                raise ValueError(f"prior_mean must have shape ({M},), got {mean.shape}")
        if self.prior_cov is not None:
            cov = xp.astype(check_array(self.prior_cov, "prior_cov", xp=xp, device=device), dtype)
            if cov.shape != (M, M):
                raise ValueError(f"prior_cov must have shape ({M}, {M}), got {cov.shape}")
        return mean, cov

    def _fit_stats(self, stats: SufficientStats, *, xp: Any) -> None:
        M, dtype = stats.xtx.shape[0], stats.xtx.dtype
        device = device_of(stats.xtx)
        prior_mean, prior_cov = self._prior_moments(M, xp=xp, dtype=dtype, device=device)
        if prior_mean is not None and stats.n_targets is not None:  # the K targets share it
            zeros = xp.zeros((1, stats.n_targets), dtype=dtype, device=device)
            prior_mean = prior_mean[:, None] + zeros
        mean, cov, log_ev = posterior_from_stats(
            stats, self.alpha, self.beta, prior_mean=prior_mean, prior_cov=prior_cov, xp=xp
        )
        self._set_posterior(mean, cov)
        self.alpha_ = float(self.alpha)
        self.beta_ = float(self.beta)
        self.log_evidence_ = log_ev  # one per target for K targets


class _LearnedNoise(_BayesianModel):
    """A Bayesian model that learns the noise precision ``beta_`` from the data."""

    @property
    def noise_std_(self) -> float:
        r"""Estimated noise standard deviation :math:`\beta^{-1/2}`."""
        check_is_fitted(self, "beta_")
        return self.beta_**-0.5


class EvidenceRegression(_LearnedNoise):
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
    alpha_, beta_ : float or array of shape (K,)
        The evidence-maximising precisions.
    gamma_ : float or array of shape (K,)
        Effective number of well-determined parameters (PRML eq. 3.91).
    log_evidence_ : float or array of shape (K,)
        The maximised log evidence (PRML eq. 3.86).
    n_iter_ : int or array of shape (K,)
        Re-estimation steps taken.
    posterior_ : GaussianPosterior, or a list of K for a y of K columns
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
    _multi_output = True

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

    def _fit_stats(self, stats: SufficientStats, *, xp: Any) -> None:
        # K targets: one eigendecomposition of Phi^T Phi serves all, each finds its own
        # alpha and beta. One target decomposes its own statistics, scaled to unit mean
        # square (which keeps a digit or two more in float32).
        eigs = [None] if stats.n_targets is None else Eigen.of_targets(stats, xp=xp)
        results = [
            evidence_fit(
                target,
                alpha_init=self.alpha_init,
                beta_init=self.beta_init,
                max_iter=self.max_iter,
                tol=self.tol,
                global_search=self.global_search,
                xp=xp,
                eig=eig,
            )
            for target, eig in zip(stats.outputs(), eigs, strict=True)
        ]
        if stats.n_targets is None:
            (result,) = results
            self._set_posterior(result.mean, result.cov)
            for name in ("alpha", "beta", "gamma", "log_evidence", "n_iter"):
                setattr(self, name + "_", getattr(result, name))
            return
        dtype = stats.xtx.dtype
        self.posterior_ = [GaussianPosterior(r.mean, r.cov) for r in results]
        self.coef_ = xp.stack([r.mean for r in results])
        device = device_of(stats.xtx)
        for name in ("alpha", "beta", "gamma", "log_evidence"):
            values = [getattr(r, name) for r in results]
            setattr(self, name + "_", xp.asarray(values, dtype=dtype, device=device))
        self.n_iter_ = np.asarray([r.n_iter for r in results])


class ARDRegression(_LearnedNoise):
    r"""Automatic relevance determination: one prior precision per weight, chosen by the evidence.

    The prior :math:`w_i \sim \mathcal N(0, \alpha_i^{-1})` with a separate :math:`\alpha_i`
    for each weight (PRML section 7.2.1, Tipping 2001; scikit-learn's ``ARDRegression``
    fits the same model). Maximising the evidence drives the :math:`\alpha_i` of the weights
    the data do not need to infinity: those weights are pruned, exactly zero.

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column (the bias weight gets
        its own :math:`\alpha_i` and can be pruned too).
    threshold : float, default 1e4
        Weight i is pruned when :math:`\alpha_i > \text{threshold} \cdot s_i`, where
        :math:`s_i` is the precision the data (with the other weights integrated out) give
        :math:`w_i`: when the prior would shrink it to less than :math:`1/(1 +
        \text{threshold})` of what the data say. Equivalently the weight stays only where
        :math:`q_i^2/s_i > 1 + 1/\text{threshold}` (see Notes). Both sides scale alike
        when a column of :math:`\Phi` or the targets are rescaled, so the kept set does not
        depend on the units of the features (scikit-learn's ``threshold_lambda`` bounds
        :math:`\alpha_i` itself, which does).
    max_iter : int, default 1000
        Maximum number of re-estimation steps.
    tol : float, default 1e-10
        Stop when the kept set stays the same and every :math:`\ln\alpha_i` and
        :math:`\ln\beta` moves less than ``tol`` (never below 100 machine epsilons of the
        data's dtype), or the evidence has not moved beyond round-off for five steps (exactly
        collinear columns share their prior variance in any proportion).

    Attributes
    ----------
    coef_ : array of shape (M,)
        The posterior mean; exactly 0 for the pruned weights.
    relevant_ : array of bool, shape (M,)
        The kept weights. For a ``y`` of K columns, ``coef_``, ``relevant_``, ``alpha_`` and
        ``gamma_`` have shape (K, M), ``beta_``, ``log_evidence_`` and ``n_iter_`` (K,), and
        ``posterior_`` is a list of K: each target has its own precisions and kept set.
    alpha_ : array of shape (M,)
        The weight precisions :math:`\alpha_i`; ``inf`` where pruned.
    beta_ : float
        The noise precision.
    gamma_ : array of shape (M,)
        :math:`\gamma_i = 1 - \alpha_i\Sigma_{ii}`, how well the data determine each
        weight (0 where pruned); their sum is the effective number of parameters.
    log_evidence_ : float
        :math:`\ln p(t \mid \alpha, \beta)` with the kept weights integrated out.
    n_iter_ : int
        Re-estimation steps taken.
    posterior_ : GaussianPosterior
        :math:`\mathcal N(m, \Sigma)` over the kept weights ``coef_[relevant_]``: exact
        given ``alpha_`` and ``beta_``.
    stats_, basis_, n_features_in_, feature_names_in_
        As in :class:`BayesianRegression`.

    Notes
    -----
    With :math:`A = \operatorname{diag}(\alpha) + \beta\Phi^T\Phi` over the kept
    weights, :math:`\Sigma = A^{-1}`, :math:`m = \beta\Sigma\Phi^T t`
    (PRML eqs. 7.82-7.83) and

    .. math::

        \ln p(t \mid \alpha, \beta) = \tfrac12 \sum_i \ln\alpha_i + \tfrac N2 \ln\beta
            - \tfrac\beta2 \lVert t - \Phi m\rVert^2 - \tfrac12 m^T\operatorname{diag}(\alpha) m
            - \tfrac12 \ln|A| - \tfrac N2 \ln 2\pi,

    PRML eq. 7.85 in the form of eq. 3.86. Its stationary points satisfy
    :math:`\alpha_i = \gamma_i/m_i^2` and :math:`\beta = (N - \sum_i\gamma_i)/\lVert t
    - \Phi m\rVert^2` (eqs. 7.87-7.88), the fixed point scikit-learn's iteration seeks.
    Here each step proposes, for every weight at once, the :math:`\alpha_i` that maximises
    the evidence with the others fixed (Tipping and Faul 2003): :math:`s_i^2/(q_i^2 -
    s_i)` when :math:`q_i^2 > s_i`, :math:`\infty` otherwise, with :math:`s_i = 1/\Sigma_{ii}
    - \alpha_i` and :math:`q_i = m_i/\Sigma_{ii}` for a kept weight (the precision and the
    projected target of :math:`w_i` with the other weights integrated out); it falls back to
    eq. 7.87 where that proposal lowers the evidence. A pruned weight comes back when its
    :math:`q_i^2/s_i` grows past the threshold. Everything comes from the sufficient
    statistics :math:`\Phi^T\Phi, \Phi^T t, t^T t, N`: each step factorises an
    :math:`M \times M` matrix (the kept block) and never reads the data, so ``partial_fit``,
    ``fit_stream`` and Dask arrays fit exactly.

    Examples
    --------
    >>> import numpy as np
    >>> import bayesfit as bf
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = 2.0 * X[:, 0] - X[:, 3] + 0.1 * rng.standard_normal(200)
    >>> model = bf.ARDRegression(bf.basis.Identity(bias=False)).fit(X, y)
    >>> model.coef_.round(1)
    array([ 2.,  0.,  0., -1.,  0.])
    >>> bool(model.relevant_[0] and model.relevant_[3] and not model.relevant_[2])
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **BasisEstimator._parameter_constraints,
        "threshold": [Interval(numbers.Real, 0.0, None, "neither")],
        "max_iter": [POSITIVE_INT],
        "tol": [POSITIVE],
    }
    _scalar_state = ("beta_", "log_evidence_", "n_iter_")
    _target_arrays = ("relevant_", "alpha_", "gamma_")
    _multi_output = True

    def __init__(
        self,
        basis: _basis.Basis | None = None,
        threshold: float = 1e4,
        max_iter: int = 1000,
        tol: float = 1e-10,
    ):
        self.basis = basis
        self.threshold = threshold
        self.max_iter = max_iter
        self.tol = tol

    def _fit_stats(self, stats: SufficientStats, *, xp: Any) -> None:
        results = [
            ard_fit(
                target, threshold=float(self.threshold), max_iter=self.max_iter, tol=self.tol,
                xp=xp,
            )
            for target in stats.outputs()  # K targets: each its own precisions and kept set
        ]
        posteriors = [
            GaussianPosterior(xp.take(r.mean, self._kept(r.relevant)), r.cov) for r in results
        ]
        if stats.n_targets is None:
            (result,) = results
            self.posterior_ = posteriors[0]
            for name in ("relevant", "alpha", "beta", "gamma", "log_evidence", "n_iter"):
                setattr(self, name + "_", getattr(result, name))
            self.coef_ = result.mean
            return
        self.posterior_ = posteriors
        self.coef_ = xp.stack([r.mean for r in results])
        for name in ("relevant", "alpha", "gamma"):
            setattr(self, name + "_", xp.stack([getattr(r, name) for r in results]))
        device = device_of(stats.xtx)
        for name in ("beta", "log_evidence"):
            values = [getattr(r, name) for r in results]
            setattr(self, name + "_", xp.asarray(values, dtype=stats.xtx.dtype, device=device))
        self.n_iter_ = np.asarray([r.n_iter for r in results])

    @staticmethod
    def _kept(relevant: Any) -> Any:
        xp = get_namespace(relevant)
        return xp.nonzero(relevant)[0]

    def _posterior_design(self, Phi: Any) -> Any:
        return get_namespace(Phi).take(Phi, self._kept(self.relevant_), axis=1)

    def _posterior_names(self) -> list[str]:
        names = self._feature_names()
        return [names[int(i)] for i in to_numpy(self._kept(self.relevant_))]

    def _alpha_attribute(self) -> Any:
        return to_numpy(self.alpha_)[to_numpy(self.relevant_)].astype(np.float64)

    def _prior_moments(self, M: int, *, xp: Any, dtype: Any, device: Any) -> tuple[Any, Any]:
        alpha = xp.take(self.alpha_, self._kept(self.relevant_))
        return None, xp.eye(M, dtype=dtype, device=device) / alpha[None, :]

    def _n_params(self) -> int:
        return int(self.posterior_.n_features)

    def _model_statistics(self) -> dict[str, Any]:
        xp = get_namespace(self.gamma_)
        return {
            "log_evidence": self.log_evidence_,
            "gamma": float(xp.sum(self.gamma_)),
            "alpha": None,  # one per weight: the table's alpha column
            "beta": self.beta_,
        }

    def _coefficient_columns(self, level: float) -> tuple[dict[str, Any], str]:
        relevant = to_numpy(self.relevant_)
        sd = np.zeros(relevant.shape[0])
        sd[relevant] = np.sqrt(np.diag(to_numpy(self.posterior_.cov)))
        columns = _normal_columns(self.coef_, sd, level)
        columns["alpha"] = to_numpy(self.alpha_)
        return columns, "credible"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict of the settings and the fitted state (lossless).

        ``alpha_`` is written with ``"inf"`` for the pruned weights.
        """
        d = super().to_dict()
        if "state" in d:
            alpha = to_numpy(self.alpha_)
            d["state"]["alpha_"] = np.vectorize(json_number, otypes=[object])(alpha).tolist()
            d["state"]["gamma_"] = to_numpy(self.gamma_).tolist()
        return d

    def _load_state(self, state: dict[str, Any]) -> None:
        super()._load_state({k: v for k, v in state.items() if k != "posterior_"})
        xp = get_namespace(self.coef_)
        dtype = self.coef_.dtype
        alpha = xp.asarray(np.asarray(state["alpha_"], dtype=np.float64), dtype=dtype)
        gamma = xp.asarray(state["gamma_"], dtype=dtype)
        if alpha.shape != self.coef_.shape or gamma.shape != self.coef_.shape:
            raise ValueError(
                f"alpha_ and gamma_ must have the shape of coef_ {tuple(self.coef_.shape)}"
            )
        self.alpha_, self.gamma_ = alpha, gamma
        self.relevant_ = xp.isfinite(alpha)
        p = state["posterior_"]
        posteriors = [
            GaussianPosterior(xp.asarray(q["mean"], dtype=dtype), xp.asarray(q["cov"], dtype=dtype))
            for q in (p if isinstance(p, list) else [p])
        ]
        rows = xp.reshape(self.relevant_, (-1, alpha.shape[-1]))  # one per target
        kept = to_numpy(xp.sum(xp.astype(rows, xp.int32), axis=1))
        if [q.n_features for q in posteriors] != [int(k) for k in kept]:
            raise ValueError("posterior_ is not over the weights alpha_ keeps")
        self.posterior_ = posteriors if isinstance(p, list) else posteriors[0]


def from_dict(d: dict[str, Any]) -> BasisEstimator:
    """Rebuild any bayesfit estimator from its :meth:`~MLERegression.to_dict` output."""
    return BasisEstimator.from_dict(d)


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
