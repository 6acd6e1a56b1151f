r"""The classification ladder: Bernoulli and multinoulli likelihoods from the MLE to full Bayes.

The model of PRML 4.3-4.5 on basis functions :math:`\phi(x)`: two classes by the logistic
sigmoid, :math:`p(C_1 \mid x) = \sigma(w^T\phi(x))` (PRML 4.87), K classes by the softmax,
:math:`p(C_k \mid x) = \operatorname{softmax}_k(W^T\phi(x))` (PRML 4.104), with the prior
:math:`w \sim \mathcal N(0, \alpha^{-1} I)` on every weight where there is one:

- :class:`MLEClassifier`: maximum likelihood by Newton / IRLS (PRML 4.3.3), Wald standard
  errors; separable data are detected and warned about (the MLE does not exist);
- :class:`MAPClassifier`: the posterior mode, Newton with a line search; scikit-learn's
  ``LogisticRegression(C=1/alpha, fit_intercept=False)`` on the same design;
- :class:`BayesianClassifier`: the Laplace posterior :math:`\mathcal N(w_{MAP}, S_N)`,
  :math:`S_N^{-1} = \alpha I + \Phi^T R \Phi` (PRML 4.143), and its predictive (the probit
  approximation, PRML 4.153-4.155, for two classes; Monte Carlo over the posterior for more);
- :class:`EvidenceClassifier`: :math:`\alpha` maximising the Laplace evidence (PRML 4.137);
- :class:`FullBayesClassifier`: a hyperprior on :math:`\alpha`, NUTS through PyMC.

They are scikit-learn classifiers on the same bases as the regressors; the kernels are in
:mod:`bayesfit._logistic`. :func:`expected_calibration_error` and :func:`calibration_bins`
measure how well predicted probabilities match observed frequencies.
"""

from __future__ import annotations

import math
import numbers
import os
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar, Self

import array_api_compat
import array_api_compat.numpy as np_xp
import numpy as np
import scipy.optimize
import scipy.special
from sklearn.base import ClassifierMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.validation import check_is_fitted

from bayesfit import _logistic
from bayesfit import basis as _basis
from bayesfit._backend import device_of, get_namespace, is_array, to_numpy
from bayesfit._estimator import BasisEstimator, json_number, unchanged_on_error
from bayesfit._linalg import cholesky, cholesky_inverse
from bayesfit._special import log_softmax
from bayesfit._validation import (
    BOOLEAN,
    NONE,
    NONNEGATIVE_INT,
    POSITIVE,
    POSITIVE_INT,
    Constraint,
    InstanceOf,
    Interval,
    Options,
    as_numeric,
    check_array,
    check_random_state,
    check_sample_weight,
    check_value,
    validate_params,
)
from bayesfit._warnings import warn
from bayesfit.exceptions import BayesfitWarning, ConvergenceWarning, NumericalWarning
from bayesfit.posterior import GaussianPosterior, standard_normal_like
from bayesfit.summary import RegressionSummary

__all__ = [
    "BayesianClassifier",
    "CalibrationBins",
    "EvidenceClassifier",
    "FullBayesClassifier",
    "MAPClassifier",
    "MLEClassifier",
    "calibration_bins",
    "expected_calibration_error",
]

_RANDOM = [NONE, InstanceOf((numbers.Integral, np.random.Generator), "an int or a Generator")]
_LEVEL = Interval(numbers.Real, 0.0, 1.0, "neither")


# -- labels and weights ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Data:
    """Validated training data: inputs, class codes in [0, K), the classes, weights."""

    X: Any
    codes: Any
    classes: Any  # numpy array (strings, objects, bools) or an array of X's namespace
    weights: Any
    xp: ModuleType


def _host_labels(y: Any) -> bool:
    """Whether ``y`` holds labels no array namespace carries (strings, objects, booleans)."""
    if is_array(y):
        return isinstance(y, np.ndarray) and y.dtype.kind in "OUSb"
    return True  # lists, pandas: decided after conversion


def _column_to_vector(y: Any, shape: tuple[int, ...], *, xp: ModuleType) -> Any:
    if len(shape) == 2 and shape[1] == 1:
        warn(
            "A column-vector y was passed when a 1d array was expected; it was flattened",
            DataConversionWarning,
        )
        return xp.reshape(y, (-1,))
    if len(shape) != 1:
        raise ValueError(f"y must be 1-D class labels, got shape {shape}")
    if shape[0] == 0:
        raise ValueError("y has 0 samples; at least 2 labels are required")
    return y


def _numeric_labels(y: Any, *, xp: ModuleType) -> tuple[Any, Any]:
    """Return (classes, codes) of numeric labels in namespace ``xp``."""
    y = _column_to_vector(as_numeric(y, "y", xp=xp), tuple(y.shape), xp=xp)
    if xp.isdtype(y.dtype, "real floating"):
        check_array(y, "y", ndim=1, xp=xp)  # NaN / inf, with the place
        integral = y == xp.round(y)
        if not bool(xp.all(integral)):
            host = to_numpy(y)
            i = int(np.argmax(host != np.round(host)))
            raise ValueError(
                f"Unknown label type: continuous. y must hold class labels, got the "
                f"non-integer value {float(host[i])!r} at index {i} (a regression target?)"
            )
    classes = xp.unique_values(y)
    return classes, xp.searchsorted(classes, y)


def _object_labels(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (classes, codes) of string, object or boolean labels, on the host."""
    y = _column_to_vector(y, y.shape, xp=np)
    if y.dtype.kind == "O":
        for i, value in enumerate(y):
            if _missing(value):
                raise ValueError(f"y contains {'None' if value is None else 'NaN'} at index {i}")
    try:
        classes, codes = np.unique(y, return_inverse=True)
    except TypeError as exc:
        raise TypeError(f"y mixes labels that cannot be ordered (e.g. str and int): {exc}") from exc
    return classes, codes


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _encode(y: Any, *, xp: ModuleType, device: Any) -> tuple[Any, Any]:
    """Return (classes, codes in xp) for labels of any kind."""
    if not _host_labels(y):
        return _numeric_labels(y, xp=xp)
    raw = y.to_numpy() if hasattr(y, "to_numpy") else y
    if isinstance(raw, str | bytes):
        raise TypeError("y must be array-like of class labels, got a string")
    present = [v for v in raw if not _missing(v)] if isinstance(raw, list | tuple) else []
    if len({isinstance(v, str) for v in present}) == 2:
        raise TypeError("y mixes string and non-string labels, which cannot be ordered; "
                        "use labels of one kind")
    arr = np.asarray(raw)
    if arr.dtype.kind in "iuf":
        return _numeric_labels(xp.asarray(arr, device=device), xp=xp)
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: y has dtype {arr.dtype}")
    classes, codes = _object_labels(arr)
    return classes, xp.asarray(codes, device=device)


def _classification_data(X: Any, y: Any, sample_weight: Any) -> _Data:
    """Validate inputs, labels and weights together, before any work."""
    if y is None:
        raise ValueError("this estimator requires y to be passed, but the target y is None")
    voters = [v for v in (y, sample_weight) if is_array(v) and not _host_labels(v)]
    xp = get_namespace(X, *voters)
    Xa = check_array(X, "X", xp=xp)
    classes, codes = _encode(y, xp=xp, device=device_of(Xa))
    if codes.shape[0] != Xa.shape[0]:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: {Xa.shape[0]} and {codes.shape[0]}"
        )
    weights = check_sample_weight(sample_weight, Xa.shape[0], xp=xp, dtype=Xa.dtype,
                                  device=device_of(Xa))
    K = int(classes.shape[0])
    if K < 2:
        raise ValueError(
            f"y has only one class ({_label_text(classes[0])}); a classifier needs samples of "
            f"at least two classes"
        )
    if weights is not None:
        per_class = xp.sum(_logistic.onehot(codes, K, dtype=Xa.dtype, xp=xp) * weights[:, None],
                           axis=0)
        if int(xp.sum(xp.astype(per_class > 0, xp.int64))) < 2:
            raise ValueError(
                "sample_weight is positive for the samples of only one class; a classifier "
                "needs weight on at least two classes"
            )
    return _Data(Xa, codes, classes, weights, xp)


def _label_text(label: Any) -> str:
    return repr(label.item() if hasattr(label, "item") else label)


# -- the shared estimator ------------------------------------------------------------------------


class BasisClassifier(ClassifierMixin, BasisEstimator):
    """The classifiers' shared validation, prediction, scores, summary and persistence.

    Subclasses set ``coef_`` (and what their predictive needs) in ``_fit_design``; the
    plug-in predictive here uses the weights; the Bayesian rungs override
    ``_log_proba_design`` and ``_decision_design``.
    """

    #: Free columns for classes 1..K-1 only (the MLE's identification); else for all K
    #: classes when K > 2 (a prior identifies them). Two classes always have one column.
    _reference: ClassVar[bool] = False
    _interval: ClassVar[str] = "credible (Laplace)"
    #: AIC and BIC count the parameters of a maximum-likelihood fit: the MLE's only, as for
    #: the regressors (under a prior the weights are not free parameters).
    _information_criteria: ClassVar[bool] = False

    # -- fitting -------------------------------------------------------------------------------
    @unchanged_on_error
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Self:
        """Fit the classifier.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)
            Inputs; 1-D means one feature. Arrays keep their namespace (NumPy, CuPy,
            array-API); Dask arrays are reduced block by block (each Newton step one pass).
        y : array_like of shape (n_samples,)
            Class labels of any kind (ints, strings, ...); ``classes_`` keeps them, sorted.
        sample_weight : array_like of shape (n_samples,), optional
            Frequency weights: an integer weight counts its row that many times.

        Returns
        -------
        self

        Raises
        ------
        ValueError, TypeError
            Before any work: one class only, NaN or inf, labels of the wrong shape or not
            labels at all (continuous values), negative or all-zero weights.
        """
        validate_params(self, self._parameter_constraints)
        if array_api_compat.is_dask_array(X) or array_api_compat.is_dask_array(y):
            self._fit_dask(X, y, sample_weight)
            return self
        data = _classification_data(X, y, sample_weight)
        self._fit_basis(data.X, X)
        self.classes_ = data.classes
        Phi = self.basis_._design(data.X)
        K = int(data.classes.shape[0])
        targets = _logistic.onehot(data.codes, K, dtype=Phi.dtype, xp=data.xp)
        source = _logistic.Likelihood(
            Phi, targets, data.weights, reference=self._is_reference(), xp=data.xp
        )
        self._fit_source(source, Phi.shape[1], xp=data.xp, dtype=Phi.dtype)
        return self

    def _fit_dask(self, X: Any, y: Any, sample_weight: Any) -> None:
        from bayesfit._dask import BlockLikelihood

        source = BlockLikelihood(self, X, y, sample_weight)  # sets basis_ and classes_
        self._fit_source(source, self.basis_.n_output_features_, xp=np_xp, dtype=source.dtype)

    def _fit_source(self, source: Any, M: int, *, xp: ModuleType, dtype: Any) -> None:
        raise NotImplementedError  # pragma: no cover

    def _n_classes(self) -> int:
        return int(self.classes_.shape[0])

    def _is_reference(self) -> bool:
        return self._reference or self._n_classes() == 2

    def _n_free(self) -> int:
        K = self._n_classes()
        return K - 1 if self._is_reference() else K

    def _set_weights(self, V: Any) -> None:
        """Set ``coef_`` from the free columns: (M,) for two classes, else (M, K)."""
        xp = get_namespace(V)
        if self._n_classes() == 2:
            self.coef_ = V[:, 0]
        else:
            self.coef_ = _logistic.full_logits(V, reference=self._is_reference(), xp=xp)

    def _free_weights(self) -> Any:
        """Return the (M, F) free columns of ``coef_``."""
        return self._free_columns(self.coef_)

    def _free_columns(self, a: Any) -> Any:
        """Return the (M, F) free columns of an array shaped like ``coef_``."""
        if a.ndim == 1:
            return a[:, None]
        return a[:, 1:] if self._is_reference() else a

    # -- prediction ----------------------------------------------------------------------------
    def _logits(self, Phi: Any) -> Any:
        xp = get_namespace(Phi)
        return _logistic.full_logits(Phi @ self._free_weights(), reference=self._is_reference(),
                                     xp=xp)

    def _log_proba_design(self, Phi: Any) -> Any:
        """Log class probabilities (n, K) at a design matrix: the plug-in softmax."""
        return log_softmax(self._logits(Phi), axis=1, xp=get_namespace(Phi))

    def _decision_design(self, Phi: Any) -> Any:
        logits = self._logits(Phi)
        return logits[:, 1] if self._n_classes() == 2 else logits

    def decision_function(self, X: Any) -> Any:
        r"""Return the logits: :math:`w^T\phi(x)` (n,) for two classes, else (n, K).

        On the Bayesian rungs, the moderated logits: :math:`\kappa(\sigma_a^2)\mu_a`
        (PRML 4.155) for two classes, the log predictive probabilities for more; they rank
        points as :meth:`predict_proba` does.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)

        Returns
        -------
        array of shape (n_samples,) or (n_samples, n_classes)
        """
        return self._decision_design(self._design(X))

    def predict_log_proba(self, X: Any) -> Any:
        """Return the log predictive probability of each class, columns as in ``classes_``.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)

        Returns
        -------
        array of shape (n_samples, n_classes)
        """
        return self._log_proba_design(self._design(X))

    def predict_proba(self, X: Any) -> Any:
        """Return the predictive probability of each class, columns as in ``classes_``.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)

        Returns
        -------
        array of shape (n_samples, n_classes)
            Rows sum to one.
        """
        log_p = self.predict_log_proba(X)
        return get_namespace(log_p).exp(log_p)

    def predict(self, X: Any) -> Any:
        """Return the most probable class (under the predictive distribution) of each row.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)

        Returns
        -------
        array of shape (n_samples,)
            Labels from ``classes_``.
        """
        log_p = self.predict_log_proba(X)
        best = get_namespace(log_p).argmax(log_p, axis=1)
        if isinstance(self.classes_, np.ndarray) and not isinstance(best, np.ndarray):
            return self.classes_[to_numpy(best)]
        return get_namespace(self.classes_).take(self.classes_, best)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Return the (weighted) fraction of rows whose predicted class is ``y``.

        Parameters
        ----------
        X : array_like
        y : array_like of shape (n_samples,)
        sample_weight : array_like of shape (n_samples,), optional
        """
        data = _classification_labels_for_score(self, X, y, sample_weight)
        hits = to_numpy(self.predict(X)) == data[0]
        return float(np.average(hits, weights=data[1]))

    # -- summary -------------------------------------------------------------------------------
    def _weight_cov(self) -> Any:
        """Covariance (P, P) of the free weights, flattened row-major; None for a point."""
        return getattr(self, "cov_", None)

    def summary(self, level: float = 0.95) -> RegressionSummary:
        """Return the coefficient table and the model statistics.

        Parameters
        ----------
        level : float, default 0.95
            Probability of the intervals ``lower`` to ``upper``.

        Returns
        -------
        RegressionSummary
            Indexed by feature for two classes and by (class, feature) for more; columns
            ``estimate``, ``std_error``, ``lower``, ``upper`` (and ``z``, ``p_value`` for the
            MLE); statistics ``n_samples``, ``n_params``, ``df_resid``, ``log_likelihood``,
            ``aic`` and ``bic`` (the MLE's; None on the rungs with a prior) and, where the
            rung has them, ``alpha`` and ``log_evidence``.
        """
        check_is_fitted(self, "coef_")
        check_value("level", level, _LEVEL)
        V = to_numpy(self._free_weights()).astype(np.float64)
        cov = self._weight_cov()
        if cov is None:  # a point estimate: no standard errors to report
            se = np.full(V.shape, np.nan)
        else:
            se = np.sqrt(np.clip(np.diag(to_numpy(cov)), 0.0, None)).reshape(V.shape)
        z_crit = float(scipy.special.ndtri(0.5 + 0.5 * float(level)))
        columns = {"estimate": V, "std_error": se, "lower": V - z_crit * se,
                   "upper": V + z_crit * se, **self._test_columns(V, se)}
        return self._summary_of(columns, level)

    def _test_columns(self, V: np.ndarray, se: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def _title(self) -> str:
        K = self._n_classes()
        kind = "logistic (Bernoulli)" if K == 2 else f"softmax (multinoulli, {K} classes)"
        return f"{type(self).__name__}: {kind}, {self._design_shape_text()}"

    def _design_shape_text(self) -> str:
        return f"{self.basis_.n_output_features_} basis functions"

    def _summary_of(self, columns: dict[str, np.ndarray], level: float) -> RegressionSummary:
        """Return the summary of (M, F) coefficient columns, by feature or (class, feature)."""
        features = self._feature_names()
        if self._n_classes() == 2:
            names, index_names = features, ("feature",)
            data = {k: v[:, 0] for k, v in columns.items()}
        else:
            labels = [str(_host_label(c)) for c in to_numpy(self.classes_)]
            free = labels[1:] if self._is_reference() else labels
            names = [(c, f) for c in free for f in features]
            index_names = ("class", "feature")
            data = {k: v.T.reshape(-1) for k, v in columns.items()}  # class-major order
        return RegressionSummary.from_columns(
            self._title(), names, data, self._statistics(), level, self._interval,
            index_names=index_names,
        )

    def _statistics(self) -> dict[str, Any]:
        n = self.n_samples_
        k = int(math.prod(self._free_weights().shape))
        ll = float(self.log_likelihood_)
        n = int(n) if float(n).is_integer() else n
        stats: dict[str, Any] = {
            "n_samples": n,
            "n_params": k,
            "df_resid": n - k,
            "log_likelihood": ll,
            "aic": 2.0 * k - 2.0 * ll if self._information_criteria else None,
            "bic": k * math.log(n) - 2.0 * ll if self._information_criteria else None,
        }
        for name in ("alpha_", "log_evidence_"):
            if hasattr(self, name):
                stats[name[:-1]] = float(getattr(self, name))
        return stats

    # -- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict of the settings and the fitted state (lossless).

        The classes travel with their dtype (strings, ints, ...); arrays as lists of floats.
        """
        d = super().to_dict()
        params = d["params"]
        for key, value in params.items():
            if isinstance(value, np.random.Generator):
                params[key] = None  # a Generator's state is not JSON: write it as unseeded
            elif key == "alpha_prior" and value is not None:
                params[key] = value.to_dict()
        if "state" in d:
            classes = to_numpy(self.classes_)
            d["state"]["classes_"] = [_host_label(c) for c in classes]
            d["state"]["classes_dtype"] = classes.dtype.str if classes.dtype.kind != "O" else "O"
            d["state"].update(self._extra_state())
        return d

    def _extra_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "n_samples_": json_number(self.n_samples_),
            "log_likelihood_": json_number(self.log_likelihood_),
        }
        if hasattr(self, "cov_"):
            state["cov_"] = to_numpy(self.cov_).tolist()
        return state

    def _load_state(self, state: dict[str, Any]) -> None:
        state = dict(state)
        posterior = state.pop("posterior_", None)
        self.classes_ = np.asarray(state["classes_"], dtype=np.dtype(state["classes_dtype"]))
        if self.classes_.ndim != 1 or self.classes_.shape[0] < 2:
            raise ValueError("classes_ must list at least two classes")
        super()._load_state(state)
        xp = get_namespace(self.coef_)
        P = math.prod(self._free_weights().shape)
        self.n_samples_ = float(state["n_samples_"])
        self.log_likelihood_ = float(state["log_likelihood_"])
        if "cov_" in state:
            self.cov_ = xp.asarray(state["cov_"], dtype=self.coef_.dtype)
            if self.cov_.shape != (P, P):
                raise ValueError(f"cov_ must have shape ({P}, {P}), got {self.cov_.shape}")
        if posterior is not None:
            post = GaussianPosterior(
                xp.asarray(posterior["mean"], dtype=self.coef_.dtype),
                xp.asarray(posterior["cov"], dtype=self.coef_.dtype),
            )
            if post.mean.shape != (P,):
                raise ValueError("posterior_ does not have the size of the free weights")
            self.posterior_ = post

    def _check_coef(self, coef: Any) -> None:
        M, K = self.basis_.n_output_features_, self._n_classes()
        expected = (M,) if K == 2 else (M, K)
        if coef.shape != expected:
            raise ValueError(f"coef_ has shape {coef.shape}, expected {expected} for {K} classes")

    @classmethod
    def _params_from_dict(cls, params: dict[str, Any]) -> dict[str, Any]:
        from bayesfit.priors import from_dict as prior_from_dict

        if params.get("alpha_prior") is not None:
            params["alpha_prior"] = prior_from_dict(params["alpha_prior"])
        return params


def _host_label(label: Any) -> Any:
    """Return a class label as a plain Python value (JSON-safe)."""
    return label.item() if hasattr(label, "item") else label


def _classification_labels_for_score(
    model: BasisClassifier, X: Any, y: Any, sample_weight: Any
) -> tuple[np.ndarray, np.ndarray | None]:
    """Host labels and weights for ``score``, checked against X's number of rows."""
    check_is_fitted(model, "coef_")
    n = check_array(X, "X").shape[0]
    if y is None:
        raise ValueError("score needs y, got None")
    labels = to_numpy(y.to_numpy() if hasattr(y, "to_numpy") else y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(f"y must be 1-D with one label per row of X ({n}), got {labels.shape}")
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError(f"y contains NaN or inf at index {int(np.argmin(np.isfinite(labels)))}")
    weights = None
    if sample_weight is not None:
        xp = get_namespace(sample_weight)
        weights = to_numpy(check_sample_weight(sample_weight, n, xp=xp, dtype=xp.float64))
    return labels, weights


def _inverse(H: Any, *, xp: ModuleType) -> Any:
    """Return H^-1 from its Cholesky factor; a singular H (a degenerate MLE) gives inf."""
    try:
        return cholesky_inverse(cholesky(H, "the Hessian", xp=xp), xp=xp)
    except ValueError:
        return xp.full(H.shape, math.inf, dtype=H.dtype, device=device_of(H))


# -- the Newton rungs ---------------------------------------------------------------------------


class _NewtonClassifier(BasisClassifier):
    """Estimators fitted by Newton's method on the (penalised) log-likelihood."""

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **BasisEstimator._parameter_constraints,
        "max_iter": [POSITIVE_INT],
        "tol": [POSITIVE],
    }
    _scalar_state = ("n_iter_",)

    #: Whether the fit needs the Hessian at the end (standard errors, the Laplace posterior).
    _needs_hessian: ClassVar[bool] = True

    def _newton(self, source: Any, M: int, alpha: float, *, xp: ModuleType, dtype: Any,
                V0: Any = None, separation: bool = False,
                hessian_hint: Any = None) -> _logistic.NewtonResult:
        if V0 is None:
            V0 = xp.zeros((M, self._n_free()), dtype=dtype, device=source.device)
        return _logistic.newton(
            source, V0, alpha, tol=self.tol, max_iter=self.max_iter,
            need_hessian=self._needs_hessian, detect_separation=separation, xp=xp,
            hessian_hint=hessian_hint,
        )

    def _set_fit(self, result: _logistic.NewtonResult, source: Any) -> None:
        self._set_weights(result.V)
        self.n_iter_ = int(result.n_iter)
        self.n_samples_ = float(source.weight_sum)
        self.log_likelihood_ = -float(result.nll)

    def _warn_unconverged(self, result: _logistic.NewtonResult) -> None:
        if not result.converged and not result.separated:
            warn(
                f"{type(self).__name__}: Newton's method did not converge in max_iter="
                f"{self.max_iter} steps (tol={self.tol:g}); increase max_iter or tol, or "
                f"rescale the inputs",
                ConvergenceWarning,
            )


class MLEClassifier(_NewtonClassifier):
    r"""Maximum likelihood logistic / multinomial-logit regression on basis functions.

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column.
    max_iter : int, default 100
        Newton steps at most.
    tol : float, default 1e-10
        Stop when the largest gradient entry of the mean negative log-likelihood is below
        ``tol`` (scikit-learn's convention; floored at 1000 machine epsilons). Tight by
        default: the error of the weights is about the inverse Hessian times the gradient,
        large where the weights are.

    Attributes
    ----------
    classes_ : ndarray of shape (K,)
        The class labels, sorted.
    coef_ : array of shape (M,) or (M, K)
        :math:`w_{ML}`. For K > 2 class ``classes_[0]`` is the reference: its column is zero
        and the others are log-odds against it (as statsmodels' ``MNLogit``).
    cov_ : array of shape (P, P)
        Inverse observed information of the P free weights (flattened feature-major): the
        asymptotic covariance behind the Wald standard errors of :meth:`summary`.
    log_likelihood_ : float
        :math:`\ln p(\mathbf t \mid w_{ML})`.
    n_iter_ : int
        Newton steps taken.
    n_samples_ : float
        Number of training samples (the sum of the weights).
    separable_ : bool
        Whether the classes were found (quasi-)separable: then no MLE exists.
    basis_, n_features_in_, feature_names_in_
        As in :class:`~bayesfit.MLERegression`.

    Notes
    -----
    Newton-Raphson on the log-likelihood, i.e. iterative reweighted least squares (PRML
    4.3.3):

    .. math::

        w^{new} = w - (\Phi^T R \Phi)^{-1}\Phi^T(y - t), \qquad
        R_{nn} = y_n(1 - y_n) \quad \text{(PRML eqs. 4.92, 4.96-4.100)},

    and its multiclass form (PRML 4.108-4.110) on the K - 1 free weight vectors, with a line
    search. The Wald standard errors are the square roots of the diagonal of
    :math:`(\Phi^T R\Phi)^{-1}` at :math:`w_{ML}`, as statsmodels' ``Logit`` / ``MNLogit``.

    **Separable data.** When a hyperplane (in the basis space) separates the classes, the
    likelihood increases without bound along it: the weights run off to infinity while the
    log-likelihood tends to its supremum (PRML 4.3.2). Newton's steps then stop shrinking;
    this is detected, a :class:`~bayesfit.NumericalWarning` names the remedy (a prior:
    :class:`MAPClassifier`) and the last finite iterate is returned with
    ``separable_ = True``.

    Examples
    --------
    >>> import numpy as np, bayesfit as bf
    >>> X = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    >>> y = np.array(["no", "no", "yes", "no", "yes", "yes"])
    >>> model = bf.MLEClassifier().fit(X, y)
    >>> model.classes_.tolist(), model.predict([0.5, 4.5]).tolist()
    (['no', 'yes'], ['no', 'yes'])
    """

    _reference = True
    _interval = "confidence (Wald)"
    _information_criteria = True

    def __init__(self, basis: _basis.Basis | None = None, max_iter: int = 100, tol: float = 1e-10):
        self.basis = basis
        self.max_iter = max_iter
        self.tol = tol

    def _fit_source(self, source: Any, M: int, *, xp: ModuleType, dtype: Any) -> None:
        result = self._newton(source, M, 0.0, xp=xp, dtype=dtype, separation=True)
        if result.separated:
            warn(
                f"MLEClassifier: the classes are separable (or quasi-separable) by the basis "
                f"functions: the likelihood has no maximum at finite weights (they grow "
                f"without bound while the log-likelihood tends to its supremum). Returning "
                f"the iterate after {result.n_iter} Newton steps; its weights and standard "
                f"errors mean nothing. Use MAPClassifier (a Gaussian prior on the weights) "
                f"or BayesianClassifier",
                NumericalWarning,
            )
        elif result.damped:
            warn(
                "MLEClassifier: the Hessian of the log-likelihood is singular (collinear or "
                "constant basis functions?): the MLE is not unique. Use fewer basis "
                "functions or MAPClassifier",
                NumericalWarning,
            )
        self._warn_unconverged(result)
        self._set_fit(result, source)
        self.cov_ = _inverse(result.hessian, xp=xp)
        self.separable_ = bool(result.separated)

    def _extra_state(self) -> dict[str, Any]:
        return {**super()._extra_state(), "separable_": self.separable_}

    def _load_state(self, state: dict[str, Any]) -> None:
        super()._load_state(state)
        self.separable_ = bool(state["separable_"])

    def _test_columns(self, V: np.ndarray, se: np.ndarray) -> dict[str, np.ndarray]:
        with np.errstate(divide="ignore", invalid="ignore"):  # host arrays: an inf SE gives 0
            z = np.where(se > 0, V / se, np.sign(V) * math.inf)
        return {"z": z, "p_value": 2.0 * scipy.special.ndtr(-np.abs(z))}


class MAPClassifier(_NewtonClassifier):
    r"""The posterior mode of logistic / softmax regression under a Gaussian prior.

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column.
    alpha : float, default 1.0
        Prior precision of every weight, :math:`w \sim \mathcal N(0, \alpha^{-1} I)` (the
        bias weight too, as in PRML).
    max_iter : int, default 100
        Newton steps at most.
    tol : float, default 1e-8
        Stop when the largest gradient entry of the objective divided by the number of
        samples is below ``tol`` (scikit-learn's ``tol`` of ``LogisticRegression``).

    Attributes
    ----------
    classes_ : ndarray of shape (K,)
    coef_ : array of shape (M,) or (M, K)
        :math:`w_{MAP}`; one vector for two classes, one column per class for more.
    alpha_ : float
        Equal to ``alpha``.
    log_likelihood_, n_iter_, n_samples_, basis_, n_features_in_, feature_names_in_
        As in :class:`MLEClassifier`.

    Notes
    -----
    Minimises the negative log posterior

    .. math::

        E(w) = -\sum_n r_n \sum_k t_{nk} \ln y_{nk} + \frac\alpha2 \lVert w\rVert^2
        \quad \text{(PRML 4.140 without the Laplace step)}

    by Newton's method with a backtracking line search: each step solves with the Hessian
    :math:`\alpha I + \Phi^T R\Phi` by conjugate gradients on Hessian-vector products (one
    pass over the data each), preconditioned by the Hessian of a subsample of rows. MAP is a
    point estimate: :meth:`summary` has no standard errors (NaN); the curvature at the mode
    is :class:`BayesianClassifier`'s posterior.

    **scikit-learn.** ``LogisticRegression(C=C, fit_intercept=False)`` on the same design
    matrix (the bias column included, so the intercept is penalised as here) minimises
    :math:`C\sum_n \ell_n + \frac12\lVert w\rVert^2` (its ``_logistic.py``: "C *
    sum(pointwise_loss) + penalty", internally the mean loss plus
    :math:`\lVert w\rVert^2/(2 C N)`), which is :math:`E(w)/\alpha` for :math:`C = 1/\alpha`:
    the same minimiser, for two classes (one weight vector) and for K (multinomial, K
    vectors). **The network.** ``bf.nn.MLP([M, 1], output="sigmoid",
    loss="binary_cross_entropy", weight_decay=alpha / N)`` (or ``[M, K]``, softmax,
    cross-entropy) minimises :math:`E(w)/N`: weight decay :math:`\lambda = \alpha/N`
    (:func:`bayesfit.nn.prior_weight_decay`), with the network's bias the weight of the
    constant basis function.

    Examples
    --------
    >>> import numpy as np, bayesfit as bf
    >>> X = np.array([-1.5, -0.5, 0.5, 1.5])
    >>> model = bf.MAPClassifier(alpha=1.0).fit(X, [0, 0, 1, 1])
    >>> model.predict_proba([0.0]).round(3)  # the data are symmetric about 0
    array([[0.5, 0.5]])
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **_NewtonClassifier._parameter_constraints,
        "alpha": [POSITIVE],
    }
    _scalar_state = ("n_iter_", "alpha_")
    _needs_hessian = False
    _interval = "undefined (MAP is a point estimate)"

    def __init__(
        self,
        basis: _basis.Basis | None = None,
        alpha: float = 1.0,
        max_iter: int = 100,
        tol: float = 1e-8,
    ):
        self.basis = basis
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol

    def _fit_source(self, source: Any, M: int, *, xp: ModuleType, dtype: Any) -> None:
        alpha = float(self.alpha)
        result = self._newton(source, M, alpha, xp=xp, dtype=dtype)
        self._warn_unconverged(result)
        self._set_fit(result, source)
        self.alpha_ = alpha
        self._set_laplace(result, alpha, xp=xp)

    def _set_laplace(self, result: _logistic.NewtonResult, alpha: float, *, xp: ModuleType):
        """Set what the rung knows beyond the mode (nothing for MAP: a point estimate)."""


class BayesianClassifier(MAPClassifier):
    r"""The Laplace approximation of the posterior over the weights, at a fixed :math:`\alpha`.

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column.
    alpha : float, default 1.0
        Prior precision of every weight.
    max_iter, tol
        Of the Newton iteration for the mode, as in :class:`MAPClassifier`.
    n_draws : int, default 2000
        Monte Carlo draws of the weights for the predictive of more than two classes
        (antithetic pairs; the Monte Carlo error of a probability is below
        :math:`0.5/\sqrt{n}`).
    random_state : None, int or numpy.random.Generator, default 0
        Seeds those draws. The seed is fixed when fitting, so every prediction of a fitted
        model uses the same draws (and a row's probabilities do not depend on the others).

    Attributes
    ----------
    posterior_ : GaussianPosterior
        :math:`\mathcal N(w_{MAP}, S_N)` over the free weights flattened feature-major
        (``coef_.reshape(-1)`` for K > 2).
    coef_ : array of shape (M,) or (M, K)
        The posterior mode :math:`w_{MAP}`.
    log_evidence_ : float
        The Laplace approximation of :math:`\ln p(\mathbf t \mid \alpha)` (PRML 4.137).
    gamma_ : float
        The effective number of parameters :math:`\sum_i \lambda_i/(\alpha + \lambda_i)`.
    alpha_, classes_, log_likelihood_, n_iter_, n_samples_, basis_, n_features_in_
        As in :class:`MAPClassifier`.

    Notes
    -----
    .. math::

        S_N^{-1} = \alpha I + \sum_n y_n(1 - y_n)\phi_n\phi_n^T \quad \text{(PRML 4.143)},
        \qquad
        p(C_1 \mid \phi) \simeq \sigma\big(\kappa(\sigma_a^2)\,\mu_a\big),

    :math:`\mu_a = w_{MAP}^T\phi`, :math:`\sigma_a^2 = \phi^T S_N\phi`,
    :math:`\kappa(\sigma^2) = (1 + \pi\sigma^2/8)^{-1/2}` (PRML 4.153-4.155). For K > 2 the
    integral of the softmax over the Gaussian of the logits has no such closed form (the
    per-class :math:`\kappa\mu` is off by up to 0.12), so the predictive is the Monte Carlo
    average of the softmax over ``n_draws`` weight draws from the Laplace posterior.
    The log evidence is :math:`-E(w_{MAP}) + \frac P2\ln\alpha - \frac12\ln|S_N^{-1}|`
    (PRML 4.137 with the Gaussian prior; E includes the prior's quadratic term).

    Examples
    --------
    >>> import bayesfit as bf
    >>> X, y = bf.datasets.overlapping_clusters(40, seed=0)
    >>> model = bf.BayesianClassifier(alpha=1.0).fit(X, y)
    >>> p_far, p_near = model.predict_proba([[8.0, 8.0], [0.0, 0.0]])[:, 1]
    >>> bool(0.5 < p_far < 1.0)  # moderated: far from the data, not certain
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **MAPClassifier._parameter_constraints,
        "n_draws": [POSITIVE_INT],
        "random_state": _RANDOM,
    }
    _scalar_state = ("n_iter_", "alpha_", "log_evidence_", "gamma_")
    _interval = "credible (Laplace)"
    _needs_hessian = True

    def __init__(
        self,
        basis: _basis.Basis | None = None,
        alpha: float = 1.0,
        max_iter: int = 100,
        tol: float = 1e-8,
        n_draws: int = 2000,
        random_state: int | np.random.Generator | None = 0,
    ):
        self.basis = basis
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.n_draws = n_draws
        self.random_state = random_state

    def _set_laplace(self, result: _logistic.NewtonResult, alpha: float, *, xp: ModuleType):
        laplace = _logistic.laplace_evidence(result.nll, result.V, result.hessian, alpha, xp=xp)
        self.posterior_ = GaussianPosterior(xp.reshape(result.V, (-1,)), laplace.cov(xp=xp))
        self.log_evidence_ = laplace.log_evidence
        self.gamma_ = laplace.gamma(xp=xp)
        self.predictive_seed_ = int(check_random_state(self.random_state).integers(2**62))

    def _weight_cov(self) -> Any:
        return self.posterior_.cov

    def _logit_moments(self, Phi: Any) -> tuple[Any, Any]:
        """Mean and variance of the logit of a two-class model at each row (PRML 4.149-4.150)."""
        return Phi @ self.coef_, self.posterior_.predictive_var(Phi)

    def _moderated_logit(self, Phi: Any) -> Any:
        mean, var = self._logit_moments(Phi)
        return _logistic.probit_logit(mean, var, xp=get_namespace(Phi))

    def _weight_draws(self) -> Any:
        """Antithetic draws (S, M, F) of the free weights from the Laplace posterior."""
        xp = get_namespace(self.coef_)
        post = self.posterior_
        half = max(1, self.n_draws // 2)
        z = standard_normal_like(post.mean, half, np.random.default_rng(self.predictive_seed_))
        d = z @ xp.matrix_transpose(post.cov_cholesky)
        draws = xp.concat([post.mean[None, :] + d, post.mean[None, :] - d], axis=0)
        return xp.reshape(draws, (2 * half, *self._free_weights().shape))

    def _log_proba_design(self, Phi: Any) -> Any:
        xp = get_namespace(Phi)
        if self._n_classes() == 2:
            z = self._moderated_logit(Phi)[:, None]
            return log_softmax(_logistic.full_logits(z, reference=True, xp=xp), axis=1, xp=xp)
        return _logistic.log_predictive_from_draws(
            Phi, self._weight_draws(), reference=self._is_reference(), xp=xp
        )

    def _decision_design(self, Phi: Any) -> Any:
        if self._n_classes() == 2:
            return self._moderated_logit(Phi)
        return self._log_proba_design(Phi)

    def _extra_state(self) -> dict[str, Any]:
        return {**super()._extra_state(), "predictive_seed_": self.predictive_seed_}

    def _load_state(self, state: dict[str, Any]) -> None:
        super()._load_state(state)
        if not hasattr(self, "posterior_"):
            raise ValueError("corrupt state: a Bayesian classifier needs posterior_")
        self.predictive_seed_ = int(state["predictive_seed_"])


class EvidenceClassifier(BayesianClassifier):
    r"""Empirical Bayes: :math:`\alpha` maximises the Laplace evidence (PRML 4.5.2, 4.137).

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column.
    alpha_init : float, optional
        Start of MacKay's re-estimation; by default the mean square of the design matrix's
        entries (the prior then has the scale of weights of size one over the features').
    max_iter, tol
        Of each Newton iteration for the mode, as in :class:`MAPClassifier`.
    global_search : bool, default True
        Also evaluate the evidence on a grid over :math:`\alpha` (every third decade over
        twelve decades around the start) and refine the best point: a guard against a lower
        local maximum, as :class:`~bayesfit.EvidenceRegression`'s.
    n_draws, random_state
        Of the predictive, as in :class:`BayesianClassifier`.

    Attributes
    ----------
    alpha_ : float
        The evidence-maximising prior precision.
    log_evidence_ : float
        The maximised Laplace log evidence.
    gamma_ : float
        Effective number of parameters at ``alpha_``.
    n_iter_ : int
        Evaluations of the evidence (MAP fits) the search made.
    posterior_, coef_, classes_, log_likelihood_, n_samples_, basis_, n_features_in_
        As in :class:`BayesianClassifier`.

    Notes
    -----
    The start is MacKay's re-estimation :math:`\alpha \leftarrow \gamma / m_N^T m_N`
    (PRML 3.92 for this likelihood), which holds R fixed although it moves with
    :math:`w_{MAP}(\alpha)`: its fixed point lies below the maximum of 4.137 (by 0.01-0.2
    nats, up to 2x in :math:`\alpha`). From there the evidence itself,

    .. math::

        \ln p(\mathbf t \mid \alpha) \simeq -E(w_{MAP}) + \frac P2 \ln\alpha
            - \frac12\ln\lvert\alpha I + \Phi^T R\Phi\rvert,

    is maximised over :math:`\ln\alpha` by Brent's method (each evaluation a Newton solve
    warm-started from the nearest alpha, preconditioned by its Hessian). A maximum at the
    edge of the range (the data carry no information, or separate the classes) gives a
    :class:`~bayesfit.NumericalWarning`.

    Examples
    --------
    >>> import bayesfit as bf
    >>> X, y = bf.datasets.overlapping_clusters(200, seed=0)
    >>> model = bf.EvidenceClassifier().fit(X, y)
    >>> bool(model.log_evidence_ >= bf.BayesianClassifier(alpha=100.0).fit(X, y).log_evidence_)
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **_NewtonClassifier._parameter_constraints,
        "alpha_init": [NONE, POSITIVE],
        "global_search": [BOOLEAN],
        "n_draws": [POSITIVE_INT],
        "random_state": _RANDOM,
    }

    def __init__(
        self,
        basis: _basis.Basis | None = None,
        alpha_init: float | None = None,
        max_iter: int = 100,
        tol: float = 1e-8,
        global_search: bool = True,
        n_draws: int = 2000,
        random_state: int | np.random.Generator | None = 0,
    ):
        self.basis = basis
        self.alpha_init = alpha_init
        self.max_iter = max_iter
        self.tol = tol
        self.global_search = global_search
        self.n_draws = n_draws
        self.random_state = random_state

    def _fit_source(self, source: Any, M: int, *, xp: ModuleType, dtype: Any) -> None:
        search = _EvidenceSearch(self, source, M, xp=xp, dtype=dtype)
        alpha, result = search.run()
        self._warn_unconverged(result)
        self._set_fit(result, source)
        self.n_iter_ = search.n_evaluations
        self.alpha_ = alpha
        self._set_laplace(result, alpha, xp=xp)


class _EvidenceSearch:
    """The maximisation of the Laplace evidence over ln alpha, each point a MAP fit."""

    # the guard's grid around the start, in decades of alpha (every third decade)
    _GRID = tuple(range(-9, 4, 3))
    _MACKAY_STEPS = 10
    _MACKAY_TOL = 0.05  # in ln alpha: the fixed point is a start, not the answer
    _EDGE = 30.0  # ln alpha this far from the start counts as a boundary maximum

    def __init__(self, owner: EvidenceClassifier, source: Any, M: int, *, xp: ModuleType,
                 dtype: Any, log_prior: Any = None):
        self.owner, self.source, self.xp = owner, source, xp
        # an optional log density of ln alpha added to the evidence (a hyperprior's mode)
        self.log_prior = log_prior
        self.V0 = xp.zeros((M, owner._n_free()), dtype=dtype, device=source.device)
        self.cache: dict[float, tuple[float, _logistic.NewtonResult, Any]] = {}
        self.n_evaluations = 0
        scale = owner.alpha_init if owner.alpha_init is not None else source.mean_square()
        self.start = math.log(float(scale))

    def evaluate(self, log_alpha: float) -> float:
        """Return the Laplace log evidence at ``ln alpha`` (a warm-started MAP fit).

        ``ln alpha`` is clipped to the search range; where the posterior precision is not
        positive definite in the data's precision (float32 at a tiny alpha) the evidence
        counts as -inf.
        """
        log_alpha = self._clip(log_alpha)
        if log_alpha in self.cache:
            return self.cache[log_alpha][0]
        nearest = min(self.cache, key=lambda a: abs(a - log_alpha), default=None)
        V0, hint = self.V0, None
        if nearest is not None:  # warm start, and the neighbour's Hessian for the steps
            near = self.cache[nearest][1]
            V0 = near.V
            hint = near.hessian - math.exp(nearest) * self.xp.eye(
                near.hessian.shape[0], dtype=near.hessian.dtype,
                device=device_of(near.hessian))
        alpha = math.exp(log_alpha)
        result = self.owner._newton(self.source, V0.shape[0], alpha, xp=self.xp,
                                    dtype=V0.dtype, V0=V0, hessian_hint=hint)
        try:
            laplace = _logistic.laplace_evidence(result.nll, result.V, result.hessian, alpha,
                                                 xp=self.xp)
            log_ev = laplace.log_evidence
            if self.log_prior is not None:
                log_ev += self.log_prior(log_alpha)
        except ValueError:
            laplace, log_ev = None, -math.inf
        self.cache[log_alpha] = (log_ev, result, laplace)
        self.n_evaluations += 1
        return log_ev

    def _clip(self, log_alpha: float) -> float:
        return min(max(float(log_alpha), self.start - self._EDGE), self.start + self._EDGE)

    def _mackay(self, log_alpha: float) -> float:
        for _ in range(self._MACKAY_STEPS):
            self.evaluate(log_alpha)
            _, result, laplace = self.cache[log_alpha]
            wtw = float(self.xp.sum(result.V * result.V))
            gamma = 0.0 if laplace is None else laplace.gamma(xp=self.xp)
            if wtw <= 0.0 or gamma <= 0.0:
                break
            new = math.log(gamma / wtw)
            new = self._clip(min(max(new, log_alpha - 5.0), log_alpha + 5.0))  # not a leap
            if abs(new - log_alpha) < self._MACKAY_TOL:
                return new
            log_alpha = new
        return log_alpha

    def run(self) -> tuple[float, _logistic.NewtonResult]:
        start = self.start
        points = [self._mackay(start)]
        if self.owner.global_search:
            # descending alpha: each fit warm-starts from a more regularised neighbour
            points += [start + k * math.log(10.0) for k in reversed(self._GRID)]
        for p in points:
            self.evaluate(p)
        best = self._clip(self._refine(max(self.cache, key=lambda a: self.cache[a][0])))
        if abs(best - start) >= self._EDGE - math.log(10.0) or not math.isfinite(
            self.cache[best][0]
        ):
            warn(
                f"EvidenceClassifier: the evidence is maximised at the edge of the search "
                f"(alpha={math.exp(best):.3g}): the data carry no information on the "
                f"classes (alpha -> inf) or separate them (alpha -> 0); use fewer basis "
                f"functions, more data, or a fixed alpha (BayesianClassifier)",
                NumericalWarning,
            )
        return math.exp(best), self.cache[best][1]

    def _refine(self, best: float) -> float:
        """Maximise the evidence over ln alpha around ``best`` by Brent's method.

        The bracket starts at +-0.25 around ``best`` (MacKay's point is usually within a few
        hundredths of the maximum) and doubles towards the higher side until it holds the
        maximum; at the edge of the search range ``best`` is returned as it is.
        """
        step = 0.25
        lo, hi = self._clip(best - step), self._clip(best + step)
        while not self.evaluate(lo) < self.evaluate(best) > self.evaluate(hi):
            step *= 2.0
            if self.evaluate(lo) >= self.evaluate(best):
                hi, best, lo = best, lo, self._clip(lo - step)
            else:
                lo, best, hi = best, hi, self._clip(hi + step)
            if lo == best or hi == best:  # the maximum is at the edge of the range
                return best
        found = scipy.optimize.minimize_scalar(
            lambda a: -self.evaluate(a), bracket=(lo, best, hi), method="brent",
            options={"xtol": 1e-6},
        )
        candidate = self._clip(found.x)
        return candidate if self.evaluate(candidate) >= self.evaluate(best) else best


# -- full Bayes ----------------------------------------------------------------------------------


class FullBayesClassifier(BasisClassifier):
    r"""Full Bayes for logistic / softmax regression: a hyperprior on :math:`\alpha`, NUTS by PyMC.

    Parameters
    ----------
    basis : bayesfit.basis.Basis, optional
        Basis functions; ``None`` means the inputs plus a bias column.
    alpha_prior : bayesfit.priors.Prior, optional
        Hyperprior on the weight precision; default ``Gamma(0.5, 3.125)``, under which each
        weight is marginally Cauchy with scale 2.5 (a Gamma(nu/2, nu s^2/2) precision makes
        a Student-t(nu, s) weight): Gelman et al.'s (2008) weakly informative prior for
        logistic regression on inputs of unit scale. The regressors' nearly flat
        ``Gamma(1e-6, 1e-6)`` is no default here: on separable data the evidence tends to a
        positive constant as alpha -> 0, and a prior flat in ln alpha leaves the posterior
        (nearly) improper.
    draws, tune : int, default 1000
        Draws kept and tuning steps per chain.
    chains : int, default 4
        Independent chains.
    cores : int, optional
        Chains run in parallel processes, ``min(chains, cpu count)`` by default, each with
        ``cpu count // cores`` BLAS threads (:mod:`bayesfit.pymc_models`).
    target_accept : float, default 0.8
        NUTS's target acceptance rate.
    random_seed : int or numpy.random.Generator, optional
        Seeds the chains' jitter and PyMC.
    progressbar : bool, default True
        PyMC's progress bar.
    nuts_sampler : {"pymc", "nutpie", "numpyro", "blackjax"}, default "pymc"
        The NUTS implementation.

    Attributes
    ----------
    idata_ : xarray.DataTree
        ArviZ data: ``posterior`` (``w`` with dims ``(chain, draw, feature)``, or
        ``(chain, draw, feature, class)`` for K > 2, and ``alpha``), ``sample_stats``,
        ``observed_data`` (``y``, the class codes) and ``log_likelihood`` (``y``, dims
        ``(chain, draw, obs)``: :math:`\ln p(t_n \mid w_s)` per training row, for
        ``arviz.loo``).
    coef_ : ndarray of shape (M,) or (M, K)
        Posterior mean of the weights.
    alpha_ : float
        Posterior mean of :math:`\alpha`.
    classes_, log_likelihood_ (at ``coef_``), n_samples_, basis_, n_features_in_
        As in :class:`MAPClassifier`.

    Notes
    -----
    The model is :class:`EvidenceClassifier`'s with :math:`\alpha` sampled:

    .. math::

        p(w, \alpha \mid \mathbf t) \propto \prod_n \prod_k y_{nk}(w)^{r_n t_{nk}}\;
            \mathcal N(w \mid 0, \alpha^{-1} I)\; p(\alpha),

    sampled by NUTS in whitened coordinates :math:`w = w_{MAP} + L z`, where
    :math:`L L^T = S_N` is the Laplace covariance at the evidence optimum (a linear change
    of variables: the same posterior, but nearly isotropic, so the sampler's step size fits
    every direction). Chains start there, jittered. The predictive is the exact average of
    the softmax over the posterior draws. PyMC works on the host in float64: inputs are
    copied to NumPy at the door, predictions come back as NumPy arrays.

    Examples
    --------
    >>> import bayesfit as bf
    >>> X, y = bf.datasets.overlapping_clusters(200, separation=2.0, seed=0)
    >>> model = bf.FullBayesClassifier(draws=500, tune=500, chains=2, random_seed=0,
    ...                                progressbar=False).fit(X, y)
    >>> model.idata_["posterior"]["w"].dims
    ('chain', 'draw', 'feature')
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **BasisEstimator._parameter_constraints,
        "alpha_prior": [NONE, InstanceOf(object, "a bayesfit.priors.Prior")],
        "draws": [POSITIVE_INT],
        "tune": [NONNEGATIVE_INT],
        "chains": [POSITIVE_INT],
        "cores": [NONE, POSITIVE_INT],
        "target_accept": [Interval(numbers.Real, 0.0, 1.0, "neither")],
        "random_seed": _RANDOM,
        "progressbar": [BOOLEAN],
        "nuts_sampler": [Options(("pymc", "nutpie", "numpyro", "blackjax"))],
    }
    _scalar_state = ("alpha_",)
    _interval = "credible (equal-tailed, posterior draws)"

    def __init__(
        self,
        basis: _basis.Basis | None = None,
        alpha_prior: Any = None,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        cores: int | None = None,
        target_accept: float = 0.8,
        random_seed: int | np.random.Generator | None = None,
        progressbar: bool = True,
        nuts_sampler: str = "pymc",
    ):
        self.basis = basis
        self.alpha_prior = alpha_prior
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.cores = cores
        self.target_accept = target_accept
        self.random_seed = random_seed
        self.progressbar = progressbar
        self.nuts_sampler = nuts_sampler

    def _prior(self) -> Any:
        from bayesfit.priors import Gamma, Prior

        if self.alpha_prior is None:
            return Gamma(0.5, 0.5 * 2.5**2)
        if not isinstance(self.alpha_prior, Prior):
            raise ValueError(
                f"FullBayesClassifier: parameter 'alpha_prior' must be a bayesfit.priors.Prior "
                f"or None; got {self.alpha_prior!r}"
            )
        return self.alpha_prior

    @unchanged_on_error
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Self:
        r"""Sample the posterior of the weights and of :math:`\alpha`.

        Parameters
        ----------
        X, y, sample_weight
            As for :meth:`MAPClassifier.fit` (copied to NumPy float64).

        Returns
        -------
        self
        """
        validate_params(self, self._parameter_constraints)
        self._prior()
        if array_api_compat.is_dask_array(X) or array_api_compat.is_dask_array(y):
            raise TypeError("FullBayesClassifier does not take Dask arrays; call .compute()")
        return super().fit(X, y, sample_weight)

    def _fit_source(self, source: Any, M: int, *, xp: ModuleType, dtype: Any) -> None:
        from bayesfit import _pymc_logistic

        host = _logistic.Likelihood(
            to_numpy(source.Phi).astype(np.float64),
            to_numpy(source.targets).astype(np.float64),
            None if source.weights is None else to_numpy(source.weights).astype(np.float64),
            reference=source.reference,
            xp=np_xp,
        )
        rng = check_random_state(self.random_seed, "random_seed")
        # Start at the Laplace approximation at the mode of p(ln alpha | t) (the evidence
        # times the hyperprior, as a density on ln alpha): the chains' start and whitening.
        prior = self._prior().to_scipy()
        owner = EvidenceClassifier(tol=1e-10)
        owner.classes_ = self.classes_
        search = _EvidenceSearch(owner, host, M, xp=np_xp, dtype=np.float64,
                                 log_prior=lambda a: float(prior.logpdf(math.exp(a))) + a)
        with warnings.catch_warnings():  # a start point only: its own warnings do not concern us
            warnings.simplefilter("ignore", BayesfitWarning)
            alpha0, start = search.run()
        laplace = _logistic.laplace_evidence(start.nll, start.V, start.hessian, alpha0, xp=np_xp)
        idata = _pymc_logistic.sample(
            host,
            mode=start.V.reshape(-1),
            cov_cholesky=np.linalg.cholesky(laplace.cov(xp=np_xp)),
            alpha0=alpha0,
            shape=(M, self._n_free()),
            prior=self._prior(),  # the Prior object, for PyMC
            coords=self._coords(host),
            rng=rng,
            draws=self.draws,
            tune=self.tune,
            chains=self.chains,
            cores=self.cores or min(self.chains, os.cpu_count() or 1),
            target_accept=self.target_accept,
            progressbar=self.progressbar,
            nuts_sampler=self.nuts_sampler,
        )
        from bayesfit.pymc_models import convergence_warnings

        for message in convergence_warnings(idata):
            warn(message, ConvergenceWarning)
        self.idata_ = idata
        self._set_from_draws(host)

    def _coords(self, host: Any) -> dict[str, Any]:
        coords = {"feature": self._feature_names(), "obs": np.arange(host.Phi.shape[0])}
        if self._n_classes() > 2:
            coords["class"] = [str(_host_label(c)) for c in to_numpy(self.classes_)]
        return coords

    def _set_from_draws(self, host: Any = None) -> None:
        post = self.idata_["posterior"]
        self.coef_ = post["w"].mean(("chain", "draw")).values
        self.alpha_ = float(post["alpha"].mean())
        if host is not None:
            self.n_samples_ = float(host.weight_sum)
            self.log_likelihood_ = -host.evaluate(self._free_weights()).value

    def _draws(self) -> np.ndarray:
        """Posterior draws (S, M, F) of the free weights, chains in order."""
        check_is_fitted(self, "idata_")
        w = self.idata_["posterior"]["w"].values
        w = w.reshape(-1, *w.shape[2:])
        return w[:, :, None] if w.ndim == 2 else (w[:, :, 1:] if self._is_reference() else w)

    def _design_host(self, X: Any) -> np.ndarray:
        return to_numpy(self._design(X)).astype(np.float64)

    def _log_proba_design(self, Phi: Any) -> Any:
        return _logistic.log_predictive_from_draws(
            to_numpy(Phi).astype(np.float64), self._draws(), reference=self._is_reference(),
            xp=np_xp,
        )

    def _decision_design(self, Phi: Any) -> Any:
        log_p = self._log_proba_design(Phi)
        return log_p[:, 1] - log_p[:, 0] if self._n_classes() == 2 else log_p

    def _weight_cov(self) -> Any:
        draws = self._draws().reshape(self._draws().shape[0], -1)
        return np.atleast_2d(np.cov(draws, rowvar=False))

    def summary(self, level: float = 0.95) -> RegressionSummary:
        """Return the posterior table: means, sds, equal-tailed intervals, ESS and R-hat.

        Parameters
        ----------
        level : float, default 0.95
            Probability of the equal-tailed credible intervals ``lower`` to ``upper``.

        Returns
        -------
        RegressionSummary
            Columns ``estimate`` (posterior mean), ``std_error`` (posterior sd), ``lower``,
            ``upper`` (quantiles of the draws), ``ess_bulk`` and ``r_hat``; statistics as
            :meth:`MAPClassifier.summary`'s, ``alpha`` the posterior mean.
        """
        import arviz as az

        check_is_fitted(self, "idata_")
        check_value("level", level, _LEVEL)
        draws = self._draws()
        q = np.quantile(draws, [0.5 - 0.5 * level, 0.5 + 0.5 * level], axis=0)
        w = self.idata_["posterior"].to_dataset()[["w"]]
        ess = self._free_columns(az.ess(w, method="bulk")["w"].values)
        if w.sizes["chain"] > 1:
            rhat = self._free_columns(az.rhat(w)["w"].values)
        else:  # R-hat compares chains
            rhat = np.full(ess.shape, np.nan)
        columns = {"estimate": draws.mean(0), "std_error": draws.std(0, ddof=1),
                   "lower": q[0], "upper": q[1], "ess_bulk": ess, "r_hat": rhat}
        return self._summary_of(columns, level)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict of the settings and the posterior draws of w and alpha.

        ``sample_stats``, ``observed_data`` and ``log_likelihood`` are not kept (save
        ``idata_.to_netcdf(path)`` for those).
        """
        d = super().to_dict()
        if "state" in d:
            post = self.idata_["posterior"]
            d["state"]["posterior"] = {k: post[k].values.tolist() for k in ("w", "alpha")}
        return d

    def _load_state(self, state: dict[str, Any]) -> None:
        import xarray as xr

        super()._load_state(state)
        w = np.asarray(state["posterior"]["w"], dtype=np.float64)
        alpha = np.asarray(state["posterior"]["alpha"], dtype=np.float64)
        if w.shape[2:] != self.coef_.shape or alpha.shape != w.shape[:2]:
            raise ValueError("the posterior draws do not match coef_")
        dims = ("chain", "draw", "feature") + (("class",) if w.ndim == 4 else ())
        coords = {"chain": np.arange(w.shape[0]), "draw": np.arange(w.shape[1]),
                  "feature": self._feature_names()}
        if w.ndim == 4:
            coords["class"] = [str(c) for c in self.classes_]
        post = xr.Dataset({"w": (dims, w), "alpha": (("chain", "draw"), alpha)}, coords=coords)
        self.idata_ = xr.DataTree.from_dict({"posterior": post})


# -- calibration ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalibrationBins:
    r"""Predicted confidence against observed accuracy, in bins of confidence.

    Attributes
    ----------
    edges : ndarray of shape (n_bins + 1,)
        Bin edges over [0, 1] (or [1/K, 1] when the confidences are those of K classes).
    confidence : ndarray of shape (n_bins,)
        Mean predicted probability of the predicted class in each bin (NaN if empty).
    accuracy : ndarray of shape (n_bins,)
        Fraction of the bin's predictions that were right (NaN if empty).
    counts : ndarray of shape (n_bins,)
        Number (weight) of predictions in each bin.
    """

    edges: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    counts: np.ndarray

    @property
    def ece(self) -> float:
        r"""Return the expected calibration error, :math:`\sum_b (n_b/N)|acc_b - conf_b|`."""
        filled = self.counts > 0
        gaps = np.abs(self.accuracy[filled] - self.confidence[filled])
        return float(np.sum(self.counts[filled] * gaps) / np.sum(self.counts))


def calibration_bins(
    y: Any, proba: Any, *, classes: Any = None, n_bins: int = 10
) -> CalibrationBins:
    r"""Return the reliability table of predicted probabilities: confidence vs accuracy per bin.

    Parameters
    ----------
    y : array_like of shape (n,)
        True labels.
    proba : array_like of shape (n, K), or (n,) for P(classes[1]) of two classes
        Predicted class probabilities, columns in the order of ``classes``.
    classes : array_like of shape (K,), optional
        The labels of the columns of ``proba`` (an estimator's ``classes_``); by default
        ``0, ..., K-1``.
    n_bins : int, default 10
        Equal-width bins of the confidence :math:`\max_k p_k` over [0, 1].

    Returns
    -------
    CalibrationBins

    Notes
    -----
    The top-label (confidence) calibration of Guo et al. (2017): each prediction counts in
    the bin of its confidence :math:`\max_k p_{nk}`, as right when :math:`\arg\max_k p_{nk}`
    is :math:`t_n`. A calibrated classifier has accuracy equal to confidence in every bin.

    Examples
    --------
    >>> import numpy as np
    >>> bins = calibration_bins([0, 1, 1, 0], np.array([0.1, 0.8, 0.7, 0.4]), n_bins=5)
    >>> round(bins.ece, 3)
    0.25
    """
    check_value("n_bins", n_bins, POSITIVE_INT)
    p = to_numpy(check_array(proba, "proba", ndim=2 if np.ndim(to_numpy(proba)) == 2 else 1))
    if p.ndim == 1:
        p = np.stack([1.0 - p, p], axis=1)
    if p.shape[1] < 2:
        raise ValueError(f"proba must have a column per class (at least 2), got {p.shape}")
    if p.min() < 0 or p.max() > 1:
        raise ValueError("proba must be probabilities in [0, 1]")
    if np.any(np.abs(p.sum(axis=1) - 1.0) > 1e-6):
        raise ValueError("proba: each row must sum to 1 (the probabilities of the classes)")
    labels = to_numpy(y.to_numpy() if hasattr(y, "to_numpy") else y)
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != p.shape[0]:
        raise ValueError(f"y must be 1-D with one label per row of proba ({p.shape[0]}), got "
                         f"shape {labels.shape}")
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError("y contains NaN or inf")
    names = np.arange(p.shape[1]) if classes is None else np.asarray(to_numpy(classes))
    if names.shape != (p.shape[1],):
        raise ValueError(f"classes must name the {p.shape[1]} columns of proba, got {names.shape}")
    confidence = p.max(axis=1)
    right = (names[p.argmax(axis=1)] == labels).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):  # host arrays: empty bins are NaN
        conf = np.bincount(which, confidence, minlength=n_bins) / counts
        acc = np.bincount(which, right, minlength=n_bins) / counts
    return CalibrationBins(edges, conf, acc, counts)


def expected_calibration_error(
    y: Any, proba: Any, *, classes: Any = None, n_bins: int = 10
) -> float:
    r"""Return the expected calibration error of predicted probabilities (top label).

    Parameters
    ----------
    y, proba, classes, n_bins
        As for :func:`calibration_bins`.

    Returns
    -------
    float
        :math:`\mathrm{ECE} = \sum_b \frac{n_b}{N}\,\lvert\mathrm{acc}_b - \mathrm{conf}_b
        \rvert` in [0, 1]; 0 for a perfectly calibrated classifier.

    Examples
    --------
    >>> expected_calibration_error([1, 1, 0, 0], [[0.0, 1.0]] * 2 + [[1.0, 0.0]] * 2)
    0.0
    """
    return calibration_bins(y, proba, classes=classes, n_bins=n_bins).ece


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
