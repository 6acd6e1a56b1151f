r"""The MLE-vs-MAP(-vs-Bayes) comparison: every estimator, every degree, one data set, one table.

:func:`compare_estimators` fits least squares, MAP (ridge), the conjugate posterior and the
evidence approximation (and, when asked, full Bayes with PyMC) for a range of
polynomial degrees on one training set, scores each on held-out data, and returns a
:class:`ComparisonReport`: the table, the fitted models and the figures. It is what
``bayesfit compare`` (and ``make demo``) prints and saves.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

import bayesfit
from bayesfit import basis as _basis
from bayesfit._backend import device_of, get_namespace, to_numpy
from bayesfit._conjugate import Eigen, evidence_at
from bayesfit._io import atomic_output_dir, save_figure
from bayesfit._validation import (
    NONNEGATIVE_INT,
    POSITIVE,
    Interval,
    check_array,
    check_value,
)
from bayesfit.linear import (
    BayesianRegression,
    EvidenceRegression,
    MAPRegression,
    MLERegression,
)
from bayesfit.posterior import GaussianPosterior

__all__ = [
    "CLASSIFIER_METHODS",
    "METHODS",
    "ClassifierComparison",
    "ClassifierRow",
    "ComparisonReport",
    "ComparisonRow",
    "LambdaSweep",
    "SequentialPosteriors",
    "compare_classifiers",
    "compare_estimators",
    "lambda_sweep",
    "sequential_posteriors",
]

#: The estimators :func:`compare_estimators` knows, in the order of the ladder.
METHODS: tuple[str, ...] = ("mle", "map", "bayes", "evidence", "pymc")
_DEFAULT_METHODS = ("mle", "map", "bayes", "evidence")
_LABELS = {
    "mle": "MLE",
    "map": "MAP",
    "bayes": "Bayes",
    "evidence": "Evidence",
    "pymc": "PyMC",
    "laplace": "Laplace",
    "fullbayes": "Full Bayes",
}
_LN2 = math.log(2.0)


@dataclass(frozen=True)
class ComparisonRow:
    r"""One estimator at one degree: the numbers of one line of the comparison table.

    Attributes
    ----------
    method : str
        One of :data:`METHODS`.
    degree : int
        Polynomial degree M (the model has M + 1 weights).
    train_rms, test_rms : float
        Root mean squared error of the predictive mean, :math:`\sqrt{2E(w)/N}` (PRML eq. 1.3).
    test_lpd : float
        Mean log predictive density per held-out point, in nats.
    log_evidence : float
        :math:`\ln p(t \mid \alpha, \beta)` (PRML eq. 3.86); NaN for point estimates.
    elpd_loo : float
        Leave-one-out :math:`\sum_n \ln p(t_n \mid x_n, \mathcal D_{-n})` on the training
        data, in nats: exact at the fitted :math:`(\alpha, \beta)` for Bayes and the
        evidence (:meth:`~bayesfit.BayesianRegression.loo`), PSIS-LOO (``arviz.loo``) for
        PyMC; NaN for point estimates. Beside the log evidence it is the other way to score
        a model on its own training data; the two can disagree (docs/evidence.md).
    gamma : float
        Effective number of parameters :math:`\sum_i \lambda_i / (\alpha + \lambda_i)`
        (PRML eq. 3.91); the number of weights determined by the data for MLE.
    max_abs_w : float
        The largest absolute weight (PRML table 1.1).
    info_gain_bits : float
        :math:`\mathrm{KL}(\text{posterior} \,\|\, \text{prior})` in bits; NaN without a
        Gaussian posterior.
    """

    method: str
    degree: int
    train_rms: float
    test_rms: float
    test_lpd: float
    log_evidence: float
    elpd_loo: float
    gamma: float
    max_abs_w: float
    info_gain_bits: float


_HEADERS = {
    "method": "method",
    "degree": "M",
    "train_rms": "train RMS",
    "test_rms": "test RMS",
    "test_lpd": "test log p / pt",
    "log_evidence": "ln evidence",
    "elpd_loo": "LOO elpd",
    "gamma": "gamma",
    "max_abs_w": "max |w|",
    "info_gain_bits": "info gain (bits)",
}


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return _LABELS.get(value, value)
    if isinstance(value, int):
        return str(value)
    return "" if math.isnan(value) else f"{value:.4g}"


def _markdown(rows: Sequence[Any], headers: dict[str, str]) -> str:
    """Return dataclass ``rows`` as a markdown table (4 significant digits, blank = n/a)."""
    names = [f.name for f in fields(rows[0])]
    lines = [
        "| " + " | ".join(headers[n] for n in names) + " |",
        "|" + "|".join(":---" if n == "method" else "---:" for n in names) + "|",
    ]
    for r in rows:
        lines.append("| " + " | ".join(_fmt(v) for v in astuple(r)) + " |")
    return "\n".join(lines) + "\n"


def _csv(rows: Sequence[Any]) -> str:
    """Return dataclass ``rows`` as CSV at full precision (empty cell = not applicable)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([f.name for f in fields(rows[0])])
    for r in rows:
        writer.writerow(
            "" if isinstance(v, float) and math.isnan(v) else repr(v) if isinstance(v, float)
            else v
            for v in astuple(r)
        )
    return buf.getvalue()


class _TableReport:
    """What both comparisons do with their rows: markdown, CSV, and saving with figures.

    Subclasses set ``rows`` (dataclasses, one per table row) and ``_headers`` (field name
    -> column title).
    """

    rows: list[Any]
    _headers: dict[str, str]

    def to_markdown(self) -> str:
        """Return the table as GitHub-flavoured markdown (4 significant digits, blank = n/a)."""
        return _markdown(self.rows, self._headers)

    def to_csv(self) -> str:
        """Return the table as CSV at full precision (empty cell = not applicable)."""
        return _csv(self.rows)

    def save(
        self,
        directory: str | Path,
        figures: dict[str, Any] | None = None,
        formats: Sequence[str] = ("png", "svg"),
    ) -> list[Path]:
        """Write ``comparison.csv``, ``comparison.md`` and the given figures in each format.

        All or nothing: the files are written to a temporary directory next to
        ``directory`` and moved in only when every one of them was written.

        Parameters
        ----------
        directory : path
            Created if missing.
        figures : dict of str to matplotlib Figure, optional
            Figures to write as ``<name>.<format>``; the report's own come from
            :func:`bayesfit.plots.comparison_figures` (a :class:`ComparisonReport`) or
            :func:`bayesfit.plots.classifier_figures` (a :class:`ClassifierComparison`).
        formats : sequence of str, default ("png", "svg")
            Figure formats matplotlib can write. The same report gives byte-identical
            files in every run (no dates, no random SVG ids).

        Returns
        -------
        list of pathlib.Path
            The files written, in ``directory``.
        """
        target = Path(directory)
        with atomic_output_dir(target) as tmp:
            (tmp / "comparison.csv").write_text(self.to_csv())
            (tmp / "comparison.md").write_text(self.to_markdown())
            for name, fig in (figures or {}).items():
                save_figure(fig, tmp / name, formats)
            written = sorted(p.name for p in tmp.iterdir())
        return [target / name for name in written]


class ComparisonReport(_TableReport):
    """The result of :func:`compare_estimators`: the table, the fitted models and the data.

    Attributes
    ----------
    rows : list of ComparisonRow
        One per (method, degree), methods in ladder order, degrees ascending.
    models : dict
        ``(method, degree) -> fitted estimator``.
    x, t, x_test, t_test : numpy.ndarray
        The training and held-out data, on the host.
    alpha, beta : float
        The fixed precisions used by MAP and Bayes.
    true_fn : callable or None
        The noise-free curve, when known (drawn in the figures).
    warnings : list of str
        Numerical warnings raised while fitting, prefixed with the method and degree.
    """

    _headers = _HEADERS

    def __init__(
        self,
        rows: list[ComparisonRow],
        models: dict[tuple[str, int], Any],
        data: tuple[Any, Any, Any, Any],
        *,
        alpha: float,
        beta: float,
        true_fn: Callable[[Any], Any] | None,
        warnings: list[str],
    ):
        self.rows = rows
        self.models = models
        self.x, self.t, self.x_test, self.t_test = data
        self.alpha = alpha
        self.beta = beta
        self.true_fn = true_fn
        self.warnings = warnings

    @property
    def methods(self) -> list[str]:
        """The methods in the table, in ladder order."""
        return [m for m in METHODS if any(r.method == m for r in self.rows)]

    @property
    def degrees(self) -> list[int]:
        """The degrees in the table, ascending."""
        return sorted({r.degree for r in self.rows})

    def column(self, name: str, method: str) -> tuple[list[int], list[float]]:
        """Return ``(degrees, values)`` of one column for one method.

        Parameters
        ----------
        name : str
            A :class:`ComparisonRow` field, e.g. ``"test_rms"``.
        method : str
            One of the report's methods.

        Returns
        -------
        degrees : list of int
        values : list of float
        """
        if name not in _HEADERS or name in ("method", "degree"):
            raise ValueError(f"name must be a numeric column of the table, got {name!r}")
        if method not in self.methods:
            raise ValueError(f"method must be one of {self.methods}, got {method!r}")
        rows = [r for r in self.rows if r.method == method]
        return [r.degree for r in rows], [getattr(r, name) for r in rows]

    def row(self, method: str, degree: int) -> ComparisonRow:
        """Return the row of ``method`` at ``degree``."""
        for r in self.rows:
            if r.method == method and r.degree == degree:
                return r
        raise KeyError(f"no row for method {method!r} at degree {degree}")

    def best_degree(self, method: str = "evidence") -> int:
        """Return the degree with the largest log evidence (``method`` must have one)."""
        degrees, values = self.column("log_evidence", method)
        finite = [(v, d) for d, v in zip(degrees, values, strict=True) if not math.isnan(v)]
        if not finite:
            raise ValueError(f"method {method!r} has no log evidence")
        return max(finite)[1]

    def evidence_caption(self) -> str:
        r"""Return, in words, what the log evidence column says about the degree.

        Names the degree the evidence approximation prefers and its effective number of
        parameters, says when the curve is too flat to tell the degrees apart, and, where
        the report has Bayes at a fixed :math:`\alpha, \beta` (PRML fig. 3.14 fixes
        :math:`\alpha = 5 \times 10^{-3}`), the degree that curve prefers.

        Returns
        -------
        str
        """
        best = self.best_degree("evidence")
        degrees, values = self.column("log_evidence", "evidence")
        finite = [v for v in values if math.isfinite(v)]
        spread = max(finite) - min(finite)
        gamma = self.row("evidence", best).gamma
        parts = [
            f"with alpha and beta learned (the evidence approximation) the evidence is "
            f"largest at M={best}, where gamma={gamma:.2g} weights are well determined"
        ]
        if len(degrees) > 1 and spread < 2.0:
            parts.append(
                f"but it varies by only {spread:.2g} nats over M={degrees[0]}-{degrees[-1]}: "
                f"{self.x.shape[0]} points cannot tell these degrees apart"
            )
        if "bayes" in self.methods:
            parts.append(
                f"at the fixed alpha={self.alpha:g}, beta={self.beta:g} (PRML fig. 3.14) it "
                f"is largest at M={self.best_degree('bayes')}"
            )
        text = "; ".join(parts)
        return text[0].upper() + text[1:] + "."

    def __repr__(self) -> str:
        return (
            f"ComparisonReport(methods={self.methods}, degrees={self.degrees}, "
            f"n_train={self.x.shape[0]}, n_test={self.x_test.shape[0]})"
        )


def _rms(model: Any, x: Any, t: Any) -> float:
    r = to_numpy(model.predict(x)) - to_numpy(t)
    return float(math.sqrt((r @ r) / r.shape[0]))


def _fixed_gamma(model: Any, alpha: float, beta: float) -> float:
    """Gamma at fixed (alpha, beta) from the model's sufficient statistics (PRML eq. 3.91)."""
    xp = get_namespace(model.stats_.xtx)
    dtype = model.stats_.xtx.dtype
    eig = Eigen.of(model.stats_, xp=xp)
    device = device_of(model.stats_.xtx)
    a = xp.asarray([alpha], dtype=dtype, device=device)
    b = xp.asarray([beta], dtype=dtype, device=device)
    return float(evidence_at(eig, a, b, xp=xp).gamma[0])


def _make_model(method: str, basis: _basis.Basis, alpha: float, beta: float, pymc_options):
    if method == "mle":
        return MLERegression(basis)
    if method == "map":
        return MAPRegression(basis, alpha=alpha, beta=beta)
    if method == "bayes":
        return BayesianRegression(basis, alpha=alpha, beta=beta)
    if method == "evidence":
        return EvidenceRegression(basis)
    return bayesfit.PyMCRegression(basis, **pymc_options)


def _score(method: str, degree: int, model: Any, data, alpha: float, beta: float):
    x, t, x_test, t_test = data
    nan = math.nan
    if math.isfinite(getattr(model, "beta_", 0.0)):
        lpd = float(model.log_predictive_density(x_test, t_test, reduction="mean"))
    else:  # an exact fit (beta_ML = inf) gives zero predictive variance: every miss is -inf
        lpd = -math.inf
    coef = getattr(model, "coef_", None)
    log_ev = elpd_loo = gamma = info = nan
    if method == "mle":
        gamma = float(model.rank_)  # the alpha -> 0 limit: every determined weight counts
    elif method in ("map", "bayes"):
        gamma = _fixed_gamma(model, alpha, beta)
    elif method == "evidence":
        gamma = model.gamma_
    if method in ("bayes", "evidence"):
        log_ev = float(model.log_evidence_)
        elpd_loo = model.loo(x, t).elpd_loo
        info = model.posterior_.kl_to(model.prior()) / _LN2
    elif method == "pymc" and "log_likelihood" in model.idata_.children:
        import arviz as az

        with warnings.catch_warnings():  # Pareto-k notes: the table shows the estimate
            warnings.simplefilter("ignore", UserWarning)
            elpd_loo = float(az.loo(model.idata_).elpd)
    return ComparisonRow(
        method=method,
        degree=degree,
        train_rms=_rms(model, x, t),
        test_rms=_rms(model, x_test, t_test),
        test_lpd=lpd,
        log_evidence=log_ev,
        elpd_loo=elpd_loo,
        gamma=gamma,
        max_abs_w=nan if coef is None else float(abs(to_numpy(coef)).max()),
        info_gain_bits=info,
    )


def _check_settings(methods, degrees, alpha, beta, pymc_options) -> tuple[list[str], list[int]]:
    if isinstance(methods, str):
        methods = [methods]
    methods = list(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise ValueError(f"methods must be a non-empty subset of {METHODS}; got {methods!r}")
    degrees = list(degrees)
    if not degrees:
        raise ValueError("degrees must hold at least one degree; got an empty sequence")
    for d in degrees:
        check_value("each of degrees", d, NONNEGATIVE_INT)
    check_value("alpha", alpha, POSITIVE)
    check_value("beta", beta, POSITIVE)
    if pymc_options is not None and not isinstance(pymc_options, dict):
        raise TypeError(f"pymc_options must be a dict or None, got {type(pymc_options).__name__}")
    return [m for m in METHODS if m in methods], sorted(set(degrees))


def compare_estimators(
    x: Any,
    t: Any,
    x_test: Any,
    t_test: Any,
    *,
    degrees: Iterable[int] = range(10),
    alpha: float = 5e-3,
    beta: float = 11.1,
    methods: Sequence[str] = _DEFAULT_METHODS,
    true_fn: Callable[[Any], Any] | None = None,
    pymc_options: dict[str, Any] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ComparisonReport:
    r"""Return a :class:`ComparisonReport` of every method at every polynomial degree.

    Parameters
    ----------
    x, t : array_like of shape (n,)
        Training inputs (one feature) and targets.
    x_test, t_test : array_like of shape (n_test,)
        Held-out data for the test RMS and the log predictive density.
    degrees : iterable of int, default range(10)
        Polynomial degrees M (basis :class:`~bayesfit.basis.Polynomial`).
    alpha, beta : float, default 5e-3 and 11.1
        Prior and noise precisions of MAP and Bayes (PRML fig. 1.17's values); MLE and the
        evidence approximation estimate their own.
    methods : sequence of str, default ("mle", "map", "bayes", "evidence")
        Any of :data:`METHODS`; ``"pymc"`` is :class:`bayesfit.PyMCRegression`.
    true_fn : callable, optional
        The noise-free curve, drawn in the figures.
    pymc_options : dict, optional
        Keyword arguments for :class:`bayesfit.PyMCRegression` (``draws``, ``random_seed``...).
    progress : callable, optional
        Called as ``progress(done, total, label)`` after each fit.

    Returns
    -------
    ComparisonReport

    Raises
    ------
    ValueError
        For unknown methods, negative degrees, non-positive precisions or bad data; all
        before any fitting.

    Notes
    -----
    MAP and Bayes share :math:`w = m_N = (\lambda I + \Phi^T\Phi)^{-1}\Phi^T t`,
    :math:`\lambda = \alpha/\beta`; Bayes adds the weight uncertainty to the predictive
    variance, :math:`\sigma^2(x) = 1/\beta + \phi(x)^T S_N \phi(x)` (PRML eq. 3.59), which
    shows in the log predictive density. The information gained is

    .. math::

        \mathrm{KL}\big(\mathcal N(m_N, S_N) \,\|\, \mathcal N(0, \alpha^{-1} I)\big) / \ln 2
        \quad \text{bits.}

    Numerical warnings (an ill-conditioned MLE, an evidence maximum at a boundary) are
    collected in ``report.warnings`` rather than raised.

    Examples
    --------
    >>> import bayesfit as bf
    >>> x, t = bf.datasets.sinusoid(10, seed=0)
    >>> x_test, t_test = bf.datasets.sinusoid(200, seed=1)
    >>> report = bf.compare_estimators(x, t, x_test, t_test, degrees=[1, 9])
    >>> mle, map_ = report.row("mle", 9), report.row("map", 9)
    >>> mle.train_rms < 1e-6 and mle.test_rms > 3 * map_.test_rms
    True
    """
    methods, degrees = _check_settings(methods, degrees, alpha, beta, pymc_options)
    data = [*_one_feature(x, t, "x", "t"), *_one_feature(x_test, t_test, "x_test", "t_test")]
    rows, models, notes = [], {}, []
    total, done = len(methods) * len(degrees), 0
    for method in methods:
        for degree in degrees:
            model = _make_model(
                method, _basis.Polynomial(degree), alpha, beta, pymc_options or {}
            )
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", bayesfit.BayesfitWarning)
                model.fit(data[0], data[1])
                rows.append(_score(method, degree, model, data, alpha, beta))
            notes += [f"{_LABELS[method]} M={degree}: {w.message}" for w in caught]
            models[(method, degree)] = model
            done += 1
            if progress is not None:
                progress(done, total, f"{_LABELS[method]} M={degree}")
    return ComparisonReport(
        rows, models, tuple(data), alpha=float(alpha), beta=float(beta), true_fn=true_fn,
        warnings=notes,
    )


# -- the classification ladder -------------------------------------------------------------------

#: The classifiers :func:`compare_classifiers` knows, in the order of the ladder.
CLASSIFIER_METHODS: tuple[str, ...] = ("mle", "map", "laplace", "evidence", "fullbayes")
_DEFAULT_CLASSIFIERS = ("mle", "map", "laplace", "evidence")


@dataclass(frozen=True)
class ClassifierRow:
    r"""One classifier's line of the comparison table (from :func:`compare_classifiers`).

    Attributes
    ----------
    method : str
        One of :data:`CLASSIFIER_METHODS`.
    test_log_loss : float
        Mean :math:`-\ln p(t_n \mid x_n)` of the predictive on the held-out data, in nats.
    test_accuracy : float
        Fraction of held-out points classified right.
    test_ece : float
        Expected calibration error on the held-out data
        (:func:`bayesfit.classify.expected_calibration_error`).
    train_log_loss : float
        The same log loss on the training data.
    alpha : float
        The prior precision used or learned (the posterior mean for full Bayes); NaN for
        the MLE.
    log_evidence : float
        The Laplace log evidence (PRML 4.137); NaN where the rung has none.
    max_abs_w : float
        The largest absolute weight: it runs away on separable data without a prior.
    """

    method: str
    test_log_loss: float
    test_accuracy: float
    test_ece: float
    train_log_loss: float
    alpha: float
    log_evidence: float
    max_abs_w: float


_CLASSIFIER_HEADERS = {
    "method": "method",
    "test_log_loss": "test log loss",
    "test_accuracy": "test accuracy",
    "test_ece": "test ECE",
    "train_log_loss": "train log loss",
    "alpha": "alpha",
    "log_evidence": "ln evidence",
    "max_abs_w": "max |w|",
}


class ClassifierComparison(_TableReport):
    """The result of :func:`compare_classifiers`: the table, the fitted models, the data.

    Attributes
    ----------
    rows : list of ClassifierRow
        One per method, in ladder order.
    models : dict
        ``method -> fitted classifier``.
    X, y, X_test, y_test : numpy.ndarray
        The training and held-out data, on the host.
    n_bins : int
        Bins of the calibration error.
    warnings : list of str
        Warnings raised while fitting (the MLE's separation, ...), prefixed with the method.
    """

    _headers = _CLASSIFIER_HEADERS

    def __init__(self, rows: list[ClassifierRow], models: dict[str, Any], data: tuple,
                 *, n_bins: int, warnings: list[str]):
        self.rows = rows
        self.models = models
        self.X, self.y, self.X_test, self.y_test = data
        self.n_bins = n_bins
        self.warnings = warnings

    @property
    def methods(self) -> list[str]:
        """The methods in the table, in ladder order."""
        return [r.method for r in self.rows]

    @property
    def labels(self) -> dict[str, str]:
        """Display names of the methods (``"laplace"`` -> ``"Laplace"``)."""
        return {m: _LABELS[m] for m in self.methods}

    def row(self, method: str) -> ClassifierRow:
        """Return the row of ``method``."""
        for r in self.rows:
            if r.method == method:
                return r
        raise KeyError(f"no row for method {method!r}; the table has {self.methods}")

    def __repr__(self) -> str:
        return (
            f"ClassifierComparison(methods={self.methods}, n_train={self.X.shape[0]}, "
            f"n_test={self.X_test.shape[0]})"
        )


def _make_classifier(method: str, basis: Any, alpha: float, fullbayes_options: dict) -> Any:
    from bayesfit import classify

    if method == "mle":
        return classify.MLEClassifier(basis)
    if method == "map":
        return classify.MAPClassifier(basis, alpha=alpha)
    if method == "laplace":
        return classify.BayesianClassifier(basis, alpha=alpha)
    if method == "evidence":
        return classify.EvidenceClassifier(basis)
    return classify.FullBayesClassifier(basis, **{"progressbar": False, **fullbayes_options})


def _log_loss(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    log_p = to_numpy(model.predict_log_proba(X))
    column = np.searchsorted(to_numpy(model.classes_), y)
    return float(-np.mean(log_p[np.arange(len(y)), column]))


def _classifier_row(method: str, model: Any, data: tuple, n_bins: int) -> ClassifierRow:
    from bayesfit.classify import expected_calibration_error

    X, y, X_test, y_test = data
    nan = math.nan
    return ClassifierRow(
        method=method,
        test_log_loss=_log_loss(model, X_test, y_test),
        test_accuracy=float(model.score(X_test, y_test)),
        test_ece=expected_calibration_error(
            y_test, to_numpy(model.predict_proba(X_test)), classes=model.classes_, n_bins=n_bins
        ),
        train_log_loss=_log_loss(model, X, y),
        alpha=float(getattr(model, "alpha_", nan)),
        log_evidence=float(getattr(model, "log_evidence_", nan)),
        max_abs_w=float(np.abs(to_numpy(model.coef_)).max()),
    )


def compare_classifiers(
    X: Any,
    y: Any,
    X_test: Any,
    y_test: Any,
    *,
    basis: Any = None,
    alpha: float = 1.0,
    methods: Sequence[str] = _DEFAULT_CLASSIFIERS,
    n_bins: int = 10,
    fullbayes_options: dict[str, Any] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ClassifierComparison:
    r"""Return a :class:`ClassifierComparison` of the classification ladder on one data set.

    Parameters
    ----------
    X, y : array_like of shape (n, d) and (n,)
        Training inputs and class labels.
    X_test, y_test : array_like of shape (n_test, d) and (n_test,)
        Held-out data for the log loss, the accuracy and the calibration error.
    basis : bayesfit.basis.Basis, optional
        Basis functions of every rung; ``None`` means the inputs plus a bias column.
    alpha : float, default 1.0
        Prior precision of MAP and the Laplace rung; the evidence and full Bayes learn theirs.
    methods : sequence of str, default ("mle", "map", "laplace", "evidence")
        Any of :data:`CLASSIFIER_METHODS`; ``"fullbayes"`` is
        :class:`bayesfit.FullBayesClassifier` (PyMC).
    n_bins : int, default 10
        Bins of the expected calibration error.
    fullbayes_options : dict, optional
        Keyword arguments for :class:`bayesfit.FullBayesClassifier` (``draws``,
        ``random_seed``, ...).
    progress : callable, optional
        Called as ``progress(done, total, label)`` after each fit.

    Returns
    -------
    ClassifierComparison

    Raises
    ------
    ValueError
        For unknown methods, a non-positive alpha or bad data, before any fitting.

    Notes
    -----
    MAP and the Laplace rung share the weights :math:`w_{MAP}`; the Laplace rung moderates
    the predictive by the posterior uncertainty (PRML 4.153-4.155), which is what the held-out
    log loss and the calibration error measure. On a small sample that happens to be
    separable, the MLE's weights run off to infinity and its predictive is certain
    everywhere: its log loss and calibration error are the ladder's worst. Warnings of the
    fits are collected in ``report.warnings``.

    Examples
    --------
    >>> import bayesfit as bf
    >>> X, y = bf.datasets.overlapping_clusters(20, seed=0)
    >>> X_test, y_test = bf.datasets.overlapping_clusters(1000, seed=1)
    >>> report = bf.compare_classifiers(X, y, X_test, y_test)
    >>> report.row("laplace").test_log_loss < report.row("mle").test_log_loss
    True
    """
    if isinstance(methods, str):
        methods = [methods]
    methods = list(methods)
    unknown = [m for m in methods if m not in CLASSIFIER_METHODS]
    if unknown or not methods:
        raise ValueError(
            f"methods must be a non-empty subset of {CLASSIFIER_METHODS}; got {methods!r}"
        )
    check_value("alpha", alpha, POSITIVE)
    check_value("n_bins", n_bins, Interval(numbers.Integral, 1, None, "left"))
    if fullbayes_options is not None and not isinstance(fullbayes_options, dict):
        raise TypeError(
            f"fullbayes_options must be a dict or None, got {type(fullbayes_options).__name__}"
        )
    data = (*_labelled(X, y, "X", "y"), *_labelled(X_test, y_test, "X_test", "y_test"))
    if data[0].shape[1] != data[2].shape[1]:
        raise ValueError(
            f"X_test has {data[2].shape[1]} features, X has {data[0].shape[1]}"
        )
    ordered = [m for m in CLASSIFIER_METHODS if m in methods]
    rows, models, notes = [], {}, []
    for done, method in enumerate(ordered, start=1):
        model = _make_classifier(method, basis, alpha, fullbayes_options or {})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", bayesfit.BayesfitWarning)
            model.fit(data[0], data[1])
            rows.append(_classifier_row(method, model, data, n_bins))
        notes += [f"{_LABELS[method]}: {w.message}" for w in caught
                  if issubclass(w.category, bayesfit.BayesfitWarning)]
        models[method] = model
        if progress is not None:
            progress(done, len(ordered), _LABELS[method])
    return ClassifierComparison(rows, models, data, n_bins=n_bins, warnings=notes)


def _labelled(X: Any, y: Any, xname: str, yname: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate inputs and labels; return them on the host (labels as given)."""
    Xa = to_numpy(check_array(X, xname))
    labels = np.asarray(to_numpy(y.to_numpy() if hasattr(y, "to_numpy") else y))
    if labels.ndim != 1 or labels.shape[0] != Xa.shape[0]:
        raise ValueError(
            f"{yname} must be 1-D with one label per row of {xname} ({Xa.shape[0]}), got "
            f"shape {labels.shape}"
        )
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError(f"{yname} contains NaN or inf")
    return Xa, labels


def _one_feature(x: Any, t: Any, xname: str, tname: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate a one-feature data set; return it on the host as 1-D float arrays."""
    xp = get_namespace(x, t)
    X, T = check_array(x, xname, xp=xp), check_array(t, tname, ndim=1, xp=xp)
    if X.shape[1] != 1:
        raise ValueError(f"{xname} must have one feature (curve fitting), got {X.shape[1]}")
    if X.shape[0] != T.shape[0]:
        raise ValueError(
            f"{xname} and {tname} have inconsistent numbers of samples: {X.shape[0]} and "
            f"{T.shape[0]}"
        )
    return to_numpy(X)[:, 0], to_numpy(T)


@dataclass(frozen=True)
class LambdaSweep:
    r"""MAP's training and test error against :math:`\ln\lambda` (from :func:`lambda_sweep`).

    Attributes
    ----------
    degree : int
        Polynomial degree M.
    log_lambdas, train_rms, test_rms : numpy.ndarray
        One entry per :math:`\ln\lambda`.
    """

    degree: int
    log_lambdas: np.ndarray
    train_rms: np.ndarray
    test_rms: np.ndarray


def lambda_sweep(
    x: Any,
    t: Any,
    x_test: Any,
    t_test: Any,
    *,
    degree: int = 9,
    log_lambdas: Any = None,
) -> LambdaSweep:
    r"""Return MAP's training and test RMS at each :math:`\ln\lambda` (PRML fig. 1.8).

    Parameters
    ----------
    x, t : array_like of shape (n,)
        Training data (one feature).
    x_test, t_test : array_like of shape (n_test,)
        Held-out data.
    degree : int, default 9
        Polynomial degree M.
    log_lambdas : array_like, optional
        Values of :math:`\ln\lambda`; by default 41 points over [-40, 0].

    Returns
    -------
    LambdaSweep
        Draw it with :func:`bayesfit.plots.rms_vs_log_lambda`.

    Notes
    -----
    :math:`w_\lambda = (\lambda I + \Phi^T\Phi)^{-1}\Phi^T t` is
    :class:`~bayesfit.MAPRegression` with :math:`\alpha = \lambda`, :math:`\beta = 1`.

    Examples
    --------
    >>> import bayesfit as bf
    >>> x, t = bf.datasets.sinusoid(10, seed=0)
    >>> xt, tt = bf.datasets.sinusoid(100, seed=1)
    >>> sweep = bf.compare.lambda_sweep(x, t, xt, tt, log_lambdas=[-20, 0])
    >>> bool(sweep.train_rms[0] < sweep.train_rms[1])  # less regularised fits closer
    True
    """
    check_value("degree", degree, NONNEGATIVE_INT)
    x, t = _one_feature(x, t, "x", "t")
    x_test, t_test = _one_feature(x_test, t_test, "x_test", "t_test")
    lams = np.linspace(-40.0, 0.0, 41) if log_lambdas is None else np.asarray(log_lambdas, float)
    if lams.ndim != 1 or lams.size == 0 or not np.all(np.isfinite(lams)):
        raise ValueError("log_lambdas must be a non-empty 1-D sequence of finite numbers")
    train, test = [], []
    for log_lam in lams:
        model = MAPRegression(_basis.Polynomial(degree), alpha=math.exp(log_lam), beta=1.0)
        model.fit(x, t)
        train.append(_rms(model, x, t))
        test.append(_rms(model, x_test, t_test))
    return LambdaSweep(degree, lams, np.asarray(train), np.asarray(test))


@dataclass(frozen=True)
class SequentialPosteriors:
    r"""The posterior over a line's weights as points arrive (from :func:`sequential_posteriors`).

    Attributes
    ----------
    x, t : numpy.ndarray of shape (n,)
        The data, in the order used.
    alpha, beta : float
        Prior and noise precisions.
    steps : tuple of int
        Numbers of points seen.
    posteriors : tuple of GaussianPosterior
        Over :math:`(w_0, w_1)` after ``steps[i]`` points; step 0 is the prior.
    """

    x: np.ndarray
    t: np.ndarray
    alpha: float
    beta: float
    steps: tuple[int, ...]
    posteriors: tuple[GaussianPosterior, ...]


def sequential_posteriors(
    x: Any,
    t: Any,
    *,
    alpha: float = 2.0,
    beta: float = 25.0,
    steps: Sequence[int] = (0, 1, 2, 20),
) -> SequentialPosteriors:
    r"""Return the posterior of :math:`y = w_0 + w_1 x` after each number of points (PRML fig. 3.7).

    Parameters
    ----------
    x, t : array_like of shape (n,)
        The data, used in order (one feature); see :func:`bayesfit.datasets.linear`.
    alpha, beta : float, default 2 and 25
        Prior and noise precisions (PRML's values).
    steps : sequence of int, default (0, 1, 2, 20)
        Numbers of points after which to keep the posterior; each in [0, n].

    Returns
    -------
    SequentialPosteriors
        Draw it with :func:`bayesfit.plots.sequential_learning`.

    Notes
    -----
    Each point updates the posterior exactly (:meth:`BayesianRegression.partial_fit`):
    the posterior after :math:`n` points is the prior for point :math:`n + 1` (PRML eq. 3.49).

    Examples
    --------
    >>> import bayesfit as bf
    >>> x, t = bf.datasets.linear(20, seed=0)
    >>> seq = bf.compare.sequential_posteriors(x, t, steps=(0, 20))
    >>> [round(float(w), 1) for w in seq.posteriors[1].mean]  # the truth is (-0.3, 0.5)
    [-0.3, 0.5]
    """
    check_value("alpha", alpha, POSITIVE)
    check_value("beta", beta, POSITIVE)
    x, t = _one_feature(x, t, "x", "t")
    steps = tuple(steps)
    if not steps:
        raise ValueError("steps must hold at least one number of points; got an empty sequence")
    for step in steps:
        check_value("each of steps", step, Interval(numbers.Integral, 0, x.shape[0], "both"))
    model = BayesianRegression(_basis.Identity(), alpha=alpha, beta=beta)
    prior = GaussianPosterior(np.zeros(2), np.eye(2) / alpha)
    posteriors, seen = [], 0
    for step in sorted(set(steps)):
        for i in range(seen, step):
            model.partial_fit(x[i : i + 1], t[i : i + 1])
        seen = step
        posteriors.append((step, model.posterior_ if step > 0 else prior))
    by_step = dict(posteriors)
    return SequentialPosteriors(
        x, t, float(alpha), float(beta), steps, tuple(by_step[s] for s in steps)
    )


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
