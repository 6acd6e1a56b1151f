r"""The MLE-vs-MAP(-vs-Bayes) comparison: every estimator, every degree, one data set, one table.

:func:`compare_estimators` fits least squares, MAP (ridge), the conjugate posterior and the
evidence approximation (and, when asked and installed, full Bayes with PyMC) for a range of
polynomial degrees on one training set, scores each on held-out data, and returns a
:class:`ComparisonReport`: the table, the fitted models and the figures. It is what
``bayesfit compare`` (and ``make demo``) prints and saves.
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

import bayesfit
from bayesfit import basis as _basis
from bayesfit._backend import get_namespace, to_numpy
from bayesfit._conjugate import _Eigen, _evidence_terms
from bayesfit._io import atomic_output_dir, save_figure
from bayesfit._validation import POSITIVE, check_array, check_value
from bayesfit.linear import (
    BayesianRegression,
    EvidenceRegression,
    MAPRegression,
    MLERegression,
)

__all__ = ["METHODS", "ComparisonReport", "ComparisonRow", "compare_estimators"]

#: The estimators :func:`compare_estimators` knows, in the order of the ladder.
METHODS: tuple[str, ...] = ("mle", "map", "bayes", "evidence", "pymc")
_DEFAULT_METHODS = ("mle", "map", "bayes", "evidence")
_LABELS = {
    "mle": "MLE",
    "map": "MAP",
    "bayes": "Bayes",
    "evidence": "Evidence",
    "pymc": "PyMC",
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


class ComparisonReport:
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

    def to_markdown(self) -> str:
        """Return the table as GitHub-flavoured markdown (4 significant digits, blank = n/a)."""
        names = [f.name for f in fields(ComparisonRow)]
        lines = [
            "| " + " | ".join(_HEADERS[n] for n in names) + " |",
            "|" + "|".join(":---" if n == "method" else "---:" for n in names) + "|",
        ]
        for r in self.rows:
            lines.append("| " + " | ".join(_fmt(v) for v in astuple(r)) + " |")
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        """Return the table as CSV at full precision (empty cell = not applicable)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([f.name for f in fields(ComparisonRow)])
        for r in self.rows:
            writer.writerow(
                "" if isinstance(v, float) and math.isnan(v) else repr(v) if isinstance(v, float)
                else v
                for v in astuple(r)
            )
        return buf.getvalue()

    def figures(self) -> dict[str, Any]:
        """Return the report's matplotlib figures by name.

        ``"mle_vs_map"`` (PRML figs. 1.4 and 1.7 side by side), ``"rms_vs_degree"`` (fig. 1.5),
        and, where the methods were run, ``"evidence_vs_degree"`` (fig. 3.14) and
        ``"predictive"`` (the evidence model at its best degree).

        Returns
        -------
        dict of str to matplotlib.figure.Figure
        """
        from bayesfit import plots

        figs: dict[str, Any] = {}
        if "mle" in self.methods and "map" in self.methods:
            figs["mle_vs_map"] = plots.mle_vs_map(self)
        figs["rms_vs_degree"] = plots.rms_vs_degree(self).figure
        if "evidence" in self.methods:
            figs["evidence_vs_degree"] = plots.evidence_vs_degree(self).figure
            model = self.models[("evidence", self.best_degree("evidence"))]
            ax = plots.predictive(model, self.x, self.t, true_fn=self.true_fn)
            figs["predictive"] = ax.figure
        return figs

    def save(self, directory: str | Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
        """Write ``comparison.csv``, ``comparison.md`` and every figure in each format.

        All or nothing: the files are written to a temporary directory next to
        ``directory`` and moved in only when every one of them was written.

        Parameters
        ----------
        directory : path
            Created if missing.
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
            for name, fig in self.figures().items():
                save_figure(fig, tmp / name, formats)
            written = sorted(p.name for p in tmp.iterdir())
        return [target / name for name in written]

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
    eig = _Eigen.of(model.stats_, xp=xp)
    a = xp.asarray([[alpha]], dtype=dtype)
    b = xp.asarray([[beta]], dtype=dtype)
    return float(_evidence_terms(eig, a, b, model.stats_.n, xp=xp)[0][0])


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
    log_ev = gamma = info = nan
    if method == "mle":
        gamma = float(model.rank_)  # the alpha -> 0 limit: every determined weight counts
    elif method in ("map", "bayes"):
        gamma = _fixed_gamma(model, alpha, beta)
    elif method == "evidence":
        gamma = model.gamma_
    if method in ("bayes", "evidence"):
        log_ev = float(model.log_evidence_)
        info = model.posterior_.kl_to(model.prior()) / _LN2
    return ComparisonRow(
        method=method,
        degree=degree,
        train_rms=_rms(model, x, t),
        test_rms=_rms(model, x_test, t_test),
        test_lpd=lpd,
        log_evidence=log_ev,
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
    if "pymc" in methods and not hasattr(bayesfit, "PyMCRegression"):
        raise ValueError(
            "method 'pymc' needs bayesfit.PyMCRegression, which this installation of bayesfit "
            "does not provide; leave 'pymc' out of methods"
        )
    degrees = list(degrees)
    if not degrees or any(
        isinstance(d, bool) or not isinstance(d, int) or d < 0 for d in degrees
    ):
        raise ValueError(f"degrees must be non-negative ints (at least one); got {degrees!r}")
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
        Any of :data:`METHODS`. ``"pymc"`` needs :class:`bayesfit.PyMCRegression`.
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
        For unknown methods, negative degrees, non-positive precisions, bad data, or
        ``"pymc"`` without PyMC support; all before any fitting.

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
    data: list[Any] = []
    for xname, tname, xa, ta in (("x", "t", x, t), ("x_test", "t_test", x_test, t_test)):
        xp = get_namespace(xa, ta)
        X, T = check_array(xa, xname, xp=xp), check_array(ta, tname, ndim=1, xp=xp)
        if X.shape[1] != 1:
            raise ValueError(f"{xname} must have one feature (curve fitting), got {X.shape[1]}")
        if X.shape[0] != T.shape[0]:
            raise ValueError(
                f"{xname} and {tname} have inconsistent numbers of samples: {X.shape[0]} and "
                f"{T.shape[0]}"
            )
        data += [to_numpy(X)[:, 0], to_numpy(T)]
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
