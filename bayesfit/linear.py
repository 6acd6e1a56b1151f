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
    validate_params,
)
from bayesfit._warnings import warn
from bayesfit.exceptions import NumericalWarning
from bayesfit.posterior import GaussianPosterior, PosteriorDraws, Predictive
from bayesfit.summary import LooResult, RegressionSummary

__all__ = [
    "BayesianRegression",
    "EvidenceRegression",
    "MAPRegression",
    "MLERegression",
    "from_dict",
]

_REDUCTIONS = ("mean", "sum", "none")
_LOG_2PI = math.log(2.0 * math.pi)


class BasisRegressor(RegressorMixin, BasisEstimator):
    """The regressors' shared fit and prediction: validation, predictive, scores, summaries."""

    # The class of ``stats_`` (written by to_dict), where the estimator keeps statistics.
    _stats_type: ClassVar[type | None] = None

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
        y : array_like of shape (n_samples,)
            Targets.
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
        Xa, ta, xp = check_X_y(X, y, row_offset=row_offset, finite=False)
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
        else:
            check_features(self, Xa, X, reset=False)
        return Xa, ta, w, xp

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
        return Predictive(*self._predictive_moments(Phi))

    def _predictive_moments(self, Phi: Any) -> tuple[Any, Any]:
        xp = get_namespace(Phi)
        mean = Phi @ self.coef_
        noise = xp.full(mean.shape, 1.0 / self._beta(), dtype=mean.dtype, device=device_of(mean))
        return mean, noise

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
        columns, interval = self._coefficient_columns(float(level))
        return RegressionSummary.from_columns(
            " ".join(repr(self).split()),
            self._feature_names(),
            columns,
            self._summary_statistics(),
            level,
            interval,
        )

    def _coefficient_columns(self, level: float) -> tuple[dict[str, Any], str]:
        """Return the table's columns and the kind of interval they hold (a hook)."""
        raise NotImplementedError  # pragma: no cover

    def _summary_statistics(self) -> dict[str, Any]:
        """Return the statistics of :meth:`summary` (residual figures at the estimate)."""
        stats = self.stats_
        return _fit_statistics(
            n=stats.n,
            n_params=int(self.coef_.shape[0]),
            rss=stats.rss_at(self.coef_),
            tss=stats.tss(centred=self.basis_.bias),
            intercept=self.basis_.bias,
            precision=self._beta(),
            **self._model_statistics(),
        )

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
        y : array_like of shape (n_samples,)
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
    coef_ : array of shape (M,)
        :math:`w_{ML}`, the minimum-norm least-squares solution.
    beta_ : float
        :math:`\beta_{ML}`, the noise precision.
    noise_std_ : float
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
        if fit.rank == M and stats.R_aug.shape[0] > M:
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
        self.coef_ = fit.coef
        self.rank_ = fit.rank
        self.singular_values_ = fit.singular_values
        mse = fit.rss / stats.n
        self.beta_ = 1.0 / mse if mse > 0 else math.inf
        self.noise_std_ = math.sqrt(mse)

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

    def _coefficient_columns(self, level: float) -> tuple[dict[str, Any], str]:
        # The posterior at the same alpha, beta: the Laplace approximation at the MAP, exact
        # for this Gaussian model.
        xp = self.stats_.xp
        _, cov, _ = posterior_from_stats(self.stats_, self.alpha, self.beta, xp=xp)
        sd = xp.sqrt(xp.linalg.diagonal(cov))
        return _normal_columns(self.coef_, sd, level), "credible"

    def _model_statistics(self) -> dict[str, Any]:
        return {**super()._model_statistics(), "alpha": float(self.alpha)}


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
        M, dtype, device = self.coef_.shape[0], self.coef_.dtype, device_of(self.coef_)
        mean, cov = self._prior_moments(M, xp=xp, dtype=dtype, device=device)
        return GaussianPosterior(
            xp.zeros(M, dtype=dtype, device=device) if mean is None else mean,
            xp.eye(M, dtype=dtype, device=device) / self.alpha_ if cov is None else cov,
        )

    def _prior_moments(self, M: int, *, xp: Any, dtype: Any, device: Any) -> tuple[Any, Any]:
        return None, None

    def _set_posterior(self, mean: Any, cov: Any) -> None:
        self.posterior_ = GaussianPosterior(mean, cov)
        self.coef_ = mean

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
        prior_mean, prior_cov = self._prior_moments(
            M, xp=xp, dtype=dtype, device=device_of(stats.xtx)
        )
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
