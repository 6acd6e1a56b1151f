r"""Matplotlib figures of the fits, the comparison and the sequential posterior (PRML chs. 1, 3).

Every function takes ``ax=None`` (or ``fig=None`` for multi-panel figures), draws into it or
into a new figure, and returns the Axes (or Figure); none calls ``show``. Matplotlib is
imported on first use, so ``import bayesfit.plots`` stays cheap. Arrays from any backend are
copied to the host for drawing.
"""

from __future__ import annotations

import math
import numbers
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.special
import scipy.stats

from bayesfit._backend import to_numpy
from bayesfit._validation import (
    NONNEGATIVE_INT,
    POSITIVE_INT,
    Interval,
    check_array,
    check_random_state,
    check_value,
    check_X_y,
)
from bayesfit.compare import (
    ClassifierComparison,
    ComparisonReport,
    LambdaSweep,
    SequentialPosteriors,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "classifier_figures",
    "comparison_figures",
    "decision_boundary",
    "evidence_vs_degree",
    "function_samples",
    "losses_as_nll",
    "mle_vs_map",
    "posterior_pairs",
    "predicted_vs_observed",
    "predictive",
    "reliability_diagram",
    "residuals",
    "rms_vs_degree",
    "rms_vs_log_lambda",
    "sequential_learning",
    "trace",
]

_DATA = {"facecolors": "none", "edgecolors": "tab:blue", "s": 40, "zorder": 3}
_FIT = "tab:red"
_TRUE = "tab:green"


def _pyplot() -> Any:
    import matplotlib.pyplot as plt

    return plt


def _axes(ax: Axes | None) -> Axes:
    # constrained layout keeps a legend placed beside the axes inside the figure
    return _pyplot().subplots(layout="constrained")[1] if ax is None else ax


def _figure(fig: Figure | None, size: tuple[float, float]) -> Figure:
    if fig is None:
        return _pyplot().figure(figsize=size, layout="constrained")
    fig.clear()
    return fig


def _curve_x(X: Any, name: str = "X") -> np.ndarray:
    """Host 1-D inputs of a one-feature curve, for drawing (validated: numeric, finite)."""
    x = to_numpy(check_array(X, name))
    if x.shape[1] != 1:
        raise ValueError(
            f"{name} must be one feature (1-D) to draw a curve, got {x.shape[1]} features"
        )
    return x[:, 0].astype(np.float64)


def _grid(x: np.ndarray, n: int = 200) -> np.ndarray:
    low, high = float(x.min()), float(x.max())
    pad = 0.05 * (high - low) if high > low else 0.5
    return np.linspace(low - pad, high + pad, n)


def _draw_data(ax: Axes, x: Any, t: Any, true_fn: Callable[[Any], Any] | None, grid) -> None:
    x, t = (to_numpy(a) for a in check_X_y(x, t)[:2])
    ax.scatter(x[:, 0], t, label="data", **_DATA)
    if true_fn is not None:
        ax.plot(grid, np.asarray(true_fn(grid)), color=_TRUE, ls="--", label="truth")


def _final_step(model: Any) -> tuple[Any, Callable[[Any], Any]]:
    """Return the regressor at the end of ``model`` (a Pipeline or not) and its input map."""
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline):
        final, transform = model[-1], model[:-1].transform
    else:
        final, transform = model, (lambda X: X)
    if not callable(getattr(final, "predictive", None)):
        raise TypeError(
            f"model must be a fitted bayesfit regression (with predictive), or a Pipeline "
            f"ending in one; got {type(final).__name__}"
        )
    return final, transform


def _predictive_of(model: Any, X: Any) -> Any:
    final, transform = _final_step(model)
    return final.predictive(transform(X))


def _input_names(model: Any, X: Any) -> list[str] | None:
    """Column names of ``X`` (a DataFrame) or those the model was fitted with."""
    names = getattr(X, "columns", None)
    if names is None:
        names = getattr(model, "feature_names_in_", None)
    return None if names is None else [str(n) for n in names]


def _target_name(y: Any) -> str:
    name = getattr(y, "name", None)
    return "t" if name is None else str(name)


def _like_inputs(values: np.ndarray, names: list[str] | None) -> Any:
    """``values`` (n, d) as the model's inputs: a DataFrame where the inputs had names."""
    if names is None:
        return values
    import pandas as pd

    return pd.DataFrame(values, columns=names)


def predictive(
    model: Any,
    X: Any,
    y: Any = None,
    true_fn: Callable[[Any], Any] | None = None,
    *,
    feature: int | str | None = None,
    grid: Any = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    r"""Return an Axes with the data, the predictive mean and its 1 and 2 std bands.

    Parameters
    ----------
    model : fitted estimator
        Any bayesfit regression with ``predictive``, or a scikit-learn Pipeline ending in one.
    X : array_like or DataFrame of shape (n,) or (n, d)
        Training inputs; the curve is drawn over their range unless ``grid`` is given.
    y : array_like or Series of shape (n,), optional
        Training targets, drawn as open circles; a Series' name labels the y axis.
    true_fn : callable, optional
        The noise-free curve (of the drawn feature), dashed.
    feature : int or str, optional
        With several input features: the one to draw along (index or column name); the
        others are held at their medians over ``X``, so the curve is a slice through the
        fit and the data points scatter around it.
    grid : array_like of shape (m,), optional
        Values of the drawn feature at which to evaluate the predictive.
    title : str, optional
        By default the estimator and its basis.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The x axis is labelled with the feature's name (a DataFrame column or the model's
        ``feature_names_in_``), the y axis with the target's.

    Notes
    -----
    The bands are :math:`\mu(x) \pm k\sigma(x)`, :math:`k = 1, 2`, with
    :math:`\sigma^2(x) = 1/\beta + \phi(x)^T S_N \phi(x)` for the Bayesian models
    (PRML eq. 3.59, fig. 3.8) and :math:`1/\beta` for the point estimates.

    Examples
    --------
    >>> import bayesfit as bf
    >>> x, t = bf.datasets.sinusoid(10, seed=0)
    >>> model = bf.BayesianRegression(bf.basis.Polynomial(9), alpha=5e-3, beta=11.1).fit(x, t)
    >>> ax = bf.plots.predictive(model, x, t, true_fn=bf.datasets.sinusoid_fn)
    >>> [line.get_label() for line in ax.get_lines()]
    ['truth', 'predictive mean']
    """
    final, _ = _final_step(model)
    names = _input_names(model, X)
    data = to_numpy(check_array(X, "X")).astype(np.float64)
    fitted = getattr(model, "n_features_in_", data.shape[1])
    if data.shape[1] != fitted:
        raise ValueError(f"X has {data.shape[1]} features, but the model was fitted on {fitted}")
    column = _feature_column(feature, data.shape[1], names)
    x = data[:, column]
    g = _grid(x) if grid is None else _curve_x(grid, "grid")
    rows = np.repeat(np.median(data, axis=0)[None, :], g.shape[0], axis=0)
    rows[:, column] = g
    p = _predictive_of(model, _like_inputs(rows, names))
    mean, std = to_numpy(p.mean), to_numpy(p.std)
    ax = _axes(ax)
    ax.fill_between(g, mean - 2 * std, mean + 2 * std, color=_FIT, alpha=0.12, lw=0,
                    label=r"$\pm 2\sigma$")
    ax.fill_between(g, mean - std, mean + std, color=_FIT, alpha=0.25, lw=0,
                    label=r"$\pm 1\sigma$")
    if y is not None:
        _draw_data(ax, x, y, true_fn, g)
    elif true_fn is not None:
        ax.plot(g, np.asarray(true_fn(g)), color=_TRUE, ls="--", label="truth")
    ax.plot(g, mean, color=_FIT, label="predictive mean")
    ax.set_xlabel("x" if names is None else names[column])
    ax.set_ylabel(_target_name(y))
    if title is None:
        title = f"{type(final).__name__} on {_describe(final.basis_)}"
        if data.shape[1] > 1:
            title += "\n(other inputs at their medians)"
    ax.set_title(title, fontsize="medium")
    _legend_outside(ax)
    return ax


def _describe(basis: Any) -> str:
    """``Polynomial(bias=True, degree=3)``: every setting, the defaults included."""
    import sklearn

    with sklearn.config_context(print_changed_only=False):
        return repr(basis)


def _feature_column(feature: int | str | None, n_features: int, names: list[str] | None) -> int:
    if feature is None:
        if n_features > 1:
            raise ValueError(
                f"X has {n_features} features: pass feature= (an index or a column name) to "
                f"choose the one to draw along; the others are held at their medians"
            )
        return 0
    if isinstance(feature, str):
        if names is None or feature not in names:
            raise ValueError(f"feature {feature!r} is not a column of X (columns: {names})")
        return names.index(feature)
    check_value("feature", feature, Interval(numbers.Integral, 0, n_features - 1, "both"))
    return int(feature)


def _legend_outside(ax: Axes) -> None:
    """Put the legend beside the axes, where it cannot cover the data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
              fontsize="small", frameon=False)


def predicted_vs_observed(
    model: Any, X: Any, y: Any, *, level: float = 0.95, ax: Axes | None = None
) -> Axes:
    r"""Return an Axes of the predictive mean and its ``level`` interval against the targets.

    For models on several inputs, where no single curve shows the fit: each point is one
    row, observed target across, predictive mean up, with the central ``level``
    predictive interval as an error bar; points on the diagonal are predicted exactly, and
    about ``level`` of the bars should cross it if the predictive is calibrated.

    Parameters
    ----------
    model : fitted estimator
        A bayesfit regression with ``predictive``, or a Pipeline ending in one.
    X : array_like or DataFrame of shape (n, d)
    y : array_like or Series of shape (n,)
        Observed targets; a Series' name labels the axes.
    level : float, default 0.95
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np, bayesfit as bf
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3)); y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=50)
    >>> ax = bf.plots.predicted_vs_observed(bf.EvidenceRegression().fit(X, y), X, y)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('observed t', 'predicted t')
    """
    _final_step(model)
    y_host = to_numpy(check_array(y, "y", ndim=1)).astype(np.float64)
    p = _predictive_of(model, X)
    mean = to_numpy(p.mean)
    if mean.shape != y_host.shape:
        raise ValueError(f"y has {y_host.shape[0]} rows, X has {mean.shape[0]}")
    lower, upper = (to_numpy(a) for a in p.interval(level))
    ax = _axes(ax)
    ax.errorbar(y_host, mean, yerr=np.stack([mean - lower, upper - mean]), fmt="none",
                ecolor=_FIT, elinewidth=0.6, alpha=0.25, label=f"{100 * level:g}% interval")
    ax.scatter(y_host, mean, s=10, color=_FIT, zorder=3, label="predictive mean")
    low, high = float(min(y_host.min(), lower.min())), float(max(y_host.max(), upper.max()))
    ax.plot([low, high], [low, high], color="0.4", ls="--", lw=1, label="predicted = observed")
    name = _target_name(y)
    covered = float(np.mean((lower <= y_host) & (y_host <= upper)))
    ax.set_xlabel(f"observed {name}")
    ax.set_ylabel(f"predicted {name}")
    ax.set_title(f"{100 * covered:.0f}% of the {100 * level:g}% intervals cover the target",
                 fontsize="medium")
    _legend_outside(ax)
    return ax


def residuals(model: Any, X: Any, y: Any, *, ax: Axes | None = None) -> Axes:
    r"""Return an Axes of the residuals :math:`t_n - \mu(x_n)` against the predictive mean.

    With the :math:`\pm 2\sigma(x_n)` predictive band: a funnel shows noise that grows with
    the level, a curve a missing basis function.

    Parameters
    ----------
    model : fitted estimator
        A bayesfit regression with ``predictive``, or a Pipeline ending in one.
    X : array_like or DataFrame of shape (n, d)
    y : array_like or Series of shape (n,)
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    _final_step(model)
    y_host = to_numpy(check_array(y, "y", ndim=1)).astype(np.float64)
    p = _predictive_of(model, X)
    mean, std = to_numpy(p.mean), to_numpy(p.std)
    if mean.shape != y_host.shape:
        raise ValueError(f"y has {y_host.shape[0]} rows, X has {mean.shape[0]}")
    order = np.argsort(mean)
    ax = _axes(ax)
    ax.fill_between(mean[order], -2 * std[order], 2 * std[order], color=_FIT, alpha=0.15, lw=0,
                    label=r"$\pm 2\sigma$ predictive")
    ax.scatter(mean, y_host - mean, label="residual", **_DATA)
    ax.axhline(0.0, color="0.4", lw=1)
    name = _target_name(y)
    ax.set_xlabel(f"predicted {name}")
    ax.set_ylabel(f"{name} - predicted")
    _legend_outside(ax)
    return ax


def function_samples(
    model: Any, X: Any, n: int = 5, *, random_state: Any = None, ax: Axes | None = None
) -> Axes:
    r"""Return an Axes with ``n`` curves :math:`y(x, w)`, :math:`w` drawn from the posterior.

    Parameters
    ----------
    model : BayesianRegression or EvidenceRegression
        A fitted model with a posterior (``sample_functions``).
    X : array_like of shape (m,)
        Where to draw the curves (one feature).
    n : int, default 5
        Number of curves.
    random_state : None, int or numpy.random.Generator
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Each curve is one draw :math:`w \sim \mathcal N(m_N, S_N)` (PRML fig. 3.9): the curves
    agree where the data pin the function down and fan out where they do not.

    Examples
    --------
    >>> import bayesfit as bf
    >>> x, t = bf.datasets.sinusoid(10, seed=0)
    >>> model = bf.EvidenceRegression(bf.basis.Polynomial(3)).fit(x, t)
    >>> len(bf.plots.function_samples(model, x, n=4, random_state=0).get_lines())
    4
    """
    if not hasattr(model, "sample_functions"):
        raise TypeError(
            f"model must have a posterior over the weights (BayesianRegression, "
            f"EvidenceRegression); got {type(model).__name__}"
        )
    g = np.sort(_curve_x(X))
    curves = to_numpy(model.sample_functions(g, n, random_state))
    ax = _axes(ax)
    for curve in curves:
        ax.plot(g, curve, color=_FIT, alpha=0.6, lw=1)
    ax.set_xlabel("x")
    ax.set_ylabel("y(x, w)")
    ax.set_title(f"{n} functions drawn from the posterior")
    return ax


def mle_vs_map(
    report: ComparisonReport, degrees: Sequence[int] = (0, 1, 3, 9), *, fig: Figure | None = None
) -> Figure:
    r"""Return PRML figs. 1.4 and 1.7 as a grid: MLE (top row) and MAP fits, one degree a column.

    Parameters
    ----------
    report : ComparisonReport
        From :func:`bayesfit.compare_estimators` with ``"mle"`` and ``"map"``.
    degrees : sequence of int, default (0, 1, 3, 9)
        Columns; degrees the report lacks are left out.
    fig : matplotlib Figure, optional
        Cleared and drawn into.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    MAP is least squares plus :math:`\tfrac\lambda2 \lVert w\rVert^2`,
    :math:`\lambda = \alpha/\beta` (PRML eq. 1.4): at high degree the MLE interpolates the
    noise, MAP does not.
    """
    cols = [d for d in degrees if d in report.degrees]
    if not cols:
        raise ValueError(f"none of degrees {list(degrees)} is in the report ({report.degrees})")
    for method in ("mle", "map"):
        if method not in report.methods:
            raise ValueError(f"the report has no {method!r} fits; run it with method {method!r}")
    fig = _figure(fig, (3.0 * len(cols), 5.0))
    axes = fig.subplots(2, len(cols), sharex=True, sharey=True, squeeze=False)
    g = _grid(report.x)
    lam = math.log(report.alpha / report.beta)
    rows = (("mle", "MLE"), ("map", rf"MAP, ln$\lambda$={lam:.3g}"))
    for row, (method, label) in enumerate(rows):
        for col, degree in enumerate(cols):
            ax = axes[row, col]
            _draw_data(ax, report.x, report.t, report.true_fn, g)
            ax.plot(g, to_numpy(report.models[(method, degree)].predict(g)), color=_FIT,
                    label="fit")
            ax.set_title(f"{label}, M={degree}", fontsize="small")
            ax.set_ylim(-1.6, 1.6)
            if row == 1:
                ax.set_xlabel("x")
            if col == 0:
                ax.set_ylabel("t")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    return fig


def _line_plot(ax: Axes, report: ComparisonReport, column: str, method: str, **style) -> None:
    degrees, values = report.column(column, method)
    ax.plot(degrees, values, marker="o", mfc="none", **style)


def rms_vs_degree(
    report: ComparisonReport, methods: Sequence[str] = ("mle", "map"), *, ax: Axes | None = None
) -> Axes:
    r"""Return an Axes with the training and test RMS error against the degree (PRML fig. 1.5).

    Parameters
    ----------
    report : ComparisonReport
    methods : sequence of str, default ("mle", "map")
        Methods of the report to draw (those it lacks are skipped); one colour each, training
        error solid, test error dashed.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    :math:`E_{RMS} = \sqrt{2E(w)/N}` (PRML eq. 1.3). The y axis stops at three times the
    median error, so one exploding fit (MLE at M = N - 1) does not flatten the rest.
    """
    ax = _axes(ax)
    drawn = [m for m in methods if m in report.methods]
    if not drawn:
        raise ValueError(f"the report has none of methods {list(methods)}")
    values = []
    for i, method in enumerate(drawn):
        color = f"C{i}"
        _line_plot(ax, report, "train_rms", method, color=color, label=f"{method} training")
        _line_plot(ax, report, "test_rms", method, color=color, ls="--", label=f"{method} test")
        values += report.column("test_rms", method)[1]
    ax.set_ylim(0.0, 1.05 * min(max(values), 3.0 * float(np.median(values))))
    ax.set_xlabel("M")
    ax.set_ylabel(r"$E_{RMS}$")
    ax.legend(fontsize="small")
    return ax


def rms_vs_log_lambda(sweep: LambdaSweep, *, ax: Axes | None = None) -> Axes:
    r"""Return an Axes with MAP's training and test RMS against :math:`\ln\lambda` (PRML fig. 1.8).

    Parameters
    ----------
    sweep : LambdaSweep
        From :func:`bayesfit.compare.lambda_sweep`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import bayesfit as bf
    >>> x, t = bf.datasets.sinusoid(10, seed=0)
    >>> xt, tt = bf.datasets.sinusoid(100, seed=1)
    >>> sweep = bf.compare.lambda_sweep(x, t, xt, tt, log_lambdas=[-20, -10, 0])
    >>> ax = bf.plots.rms_vs_log_lambda(sweep)
    >>> [line.get_label() for line in ax.get_lines()]
    ['training', 'test']
    """
    if not isinstance(sweep, LambdaSweep):
        raise TypeError(
            f"sweep must be a LambdaSweep (from bayesfit.compare.lambda_sweep); "
            f"got {type(sweep).__name__}"
        )
    ax = _axes(ax)
    ax.plot(sweep.log_lambdas, sweep.train_rms, marker="o", mfc="none", label="training")
    ax.plot(sweep.log_lambdas, sweep.test_rms, marker="o", mfc="none", ls="--", label="test")
    ax.set_xlabel(r"$\ln \lambda$")
    ax.set_ylabel(r"$E_{RMS}$")
    ax.set_title(f"MAP, M={sweep.degree}")
    ax.legend(fontsize="small")
    return ax


def evidence_vs_degree(report: ComparisonReport, *, ax: Axes | None = None) -> Axes:
    r"""Return an Axes with the log evidence against the degree (PRML fig. 3.14).

    Draws the evidence approximation's maximised :math:`\ln p(t \mid \alpha^*, \beta^*)`
    and, where the report has it, Bayes' at the fixed :math:`\alpha, \beta`; the best
    degree is starred.

    Parameters
    ----------
    report : ComparisonReport
        With ``"evidence"`` (and optionally ``"bayes"``) fits.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if "evidence" not in report.methods:
        raise ValueError("the report has no 'evidence' fits; run it with method 'evidence'")
    ax = _axes(ax)
    _line_plot(ax, report, "log_evidence", "evidence", color="C0", label="evidence maximised")
    if "bayes" in report.methods:
        _line_plot(ax, report, "log_evidence", "bayes", color="C1", ls="--",
                   label=rf"fixed $\alpha$={report.alpha:g}, $\beta$={report.beta:g}")
    best = report.best_degree("evidence")
    ax.plot([best], [report.row("evidence", best).log_evidence], marker="*", ms=14, color="C0",
            ls="none", label=f"best M={best}")
    ax.set_xlabel("M")
    ax.set_ylabel(r"$\ln p(\mathbf{t} \mid \alpha, \beta)$")
    ax.set_title(textwrap.fill(report.evidence_caption(), 70), fontsize="small")
    ax.legend(fontsize="small")
    return ax


def comparison_figures(report: ComparisonReport) -> dict[str, Figure]:
    """Return the figures of a comparison report by name.

    ``"mle_vs_map"`` (PRML figs. 1.4 and 1.7 side by side), ``"rms_vs_degree"`` (fig. 1.5),
    and, where the methods were run, ``"evidence_vs_degree"`` (fig. 3.14) and
    ``"predictive"`` (the evidence model at its best degree). ``report.save(directory,
    figures=comparison_figures(report))`` writes them beside the tables.

    Parameters
    ----------
    report : ComparisonReport
        From :func:`bayesfit.compare_estimators`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
    """
    if not isinstance(report, ComparisonReport):
        raise TypeError(f"report must be a ComparisonReport, got {type(report).__name__}")
    figs: dict[str, Figure] = {}
    if "mle" in report.methods and "map" in report.methods:
        figs["mle_vs_map"] = mle_vs_map(report)
    figs["rms_vs_degree"] = rms_vs_degree(report).figure
    if "evidence" in report.methods:
        figs["evidence_vs_degree"] = evidence_vs_degree(report).figure
        best = report.best_degree("evidence")
        figs["predictive"] = predictive(
            report.models[("evidence", best)], report.x, report.t, true_fn=report.true_fn,
            title=f"EvidenceRegression at M={best}, the degree with the largest evidence",
        ).figure
    return figs


def sequential_learning(
    result: SequentialPosteriors,
    *,
    n_samples: int = 6,
    true_w: Sequence[float] | None = None,
    random_state: Any = None,
    fig: Figure | None = None,
) -> Figure:
    r"""Return PRML fig. 3.7: likelihood, posterior over :math:`(w_0, w_1)` and sampled lines.

    One row per step of ``result`` (number of points seen): the likelihood of the latest
    point, the prior/posterior density, and ``n_samples`` lines :math:`y = w_0 + w_1 x`
    drawn from it with the points seen so far.

    Parameters
    ----------
    result : SequentialPosteriors
        From :func:`bayesfit.compare.sequential_posteriors`.
    n_samples : int, default 6
        Lines drawn per row.
    true_w : (float, float), optional
        The generating weights, marked with a white cross.
    random_state : None, int or numpy.random.Generator
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    The density of each row is the product of the prior and the likelihoods of the points
    seen so far (PRML eq. 3.49), which :func:`~bayesfit.compare.sequential_posteriors`
    accumulates one point at a time.
    """
    if not isinstance(result, SequentialPosteriors):
        raise TypeError(
            f"result must be SequentialPosteriors (from bayesfit.compare.sequential_posteriors); "
            f"got {type(result).__name__}"
        )
    check_value("n_samples", n_samples, POSITIVE_INT)
    rng = check_random_state(random_state)
    x, t, beta = result.x, result.t, result.beta
    w = np.linspace(-1.0, 1.0, 101)
    W0, W1 = np.meshgrid(w, w)
    grid = np.stack([W0.ravel(), W1.ravel()], axis=1)
    line_x = np.array([-1.0, 1.0])
    fig = _figure(fig, (9.0, 2.6 * len(result.steps)))
    axes = fig.subplots(len(result.steps), 3, squeeze=False)
    for row, (step, post) in enumerate(zip(result.steps, result.posteriors, strict=True)):
        mean, cov = to_numpy(post.mean), to_numpy(post.cov)
        ax_lik, ax_post, ax_data = axes[row]
        if step > 0:  # the likelihood of the latest point, N(t_n | w0 + w1 x_n, 1/beta)
            lik = scipy.stats.norm.pdf(t[step - 1], grid @ [1.0, x[step - 1]], beta**-0.5)
            ax_lik.contourf(W0, W1, lik.reshape(W0.shape), levels=20, cmap="viridis")
        else:
            ax_lik.set_axis_off()
        dens = scipy.stats.multivariate_normal(mean, cov).pdf(grid).reshape(W0.shape)
        ax_post.contourf(W0, W1, dens, levels=20, cmap="viridis")
        ws = rng.multivariate_normal(mean, cov, size=n_samples)
        for w0, w1 in ws:
            ax_data.plot(line_x, w0 + w1 * line_x, color=_FIT, lw=1)
        ax_data.scatter(x[:step], t[:step], **_DATA)
        ax_data.set_xlim(-1, 1)
        ax_data.set_ylim(-1, 1)
        for ax in (ax_lik, ax_post):
            if true_w is not None:
                ax.plot([true_w[0]], [true_w[1]], marker="+", color="white", ms=12, mew=2)
            ax.set_xlabel("$w_0$")
            ax.set_ylabel("$w_1$")
        ax_data.set_xlabel("x")
        ax_data.set_ylabel("y")
        ax_post.set_title("prior" if step == 0 else f"posterior after {step}", fontsize="small")
        if step > 0:
            ax_lik.set_title(f"likelihood of point {step}", fontsize="small")
        ax_data.set_title(f"{n_samples} lines from it", fontsize="small")
    return fig


def losses_as_nll(*, fig: Figure | None = None) -> Figure:
    r"""Return a Figure showing two losses as negative log-likelihoods.

    Left: the squared error :math:`\tfrac12 r^2` and the Gaussian NLL
    :math:`\tfrac12 \beta r^2 - \tfrac12\ln\beta + \tfrac12\ln 2\pi` at :math:`\beta = 1`
    minus its constant are the same curve; other :math:`\beta` rescale and shift it.
    Right: binary cross-entropy on a logit :math:`z`, :math:`\ln(1 + e^{-z})` for
    :math:`y = 1` and :math:`\ln(1 + e^{z})` for :math:`y = 0`, is the Bernoulli NLL
    :math:`-[y\ln\sigma(z) + (1 - y)\ln(1 - \sigma(z))]`.

    Parameters
    ----------
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from bayesfit import losses
    from bayesfit.nn.activations import sigmoid

    fig = _figure(fig, (10.0, 4.0))
    ax_sq, ax_ce = fig.subplots(1, 2)
    r = np.linspace(-3.0, 3.0, 201)
    zero = np.zeros_like(r)
    half_ln_2pi = 0.5 * math.log(2.0 * math.pi)
    half_sq = 0.5 * losses.mse(r, zero, reduction="none")
    ax_sq.plot(r, half_sq, color="k", lw=4, alpha=0.3, label=r"squared error $r^2/2$")
    for beta, style in ((1.0, "-"), (4.0, "--"), (0.25, ":")):
        nll = losses.gaussian_nll(r, zero, beta=beta, reduction="none")
        ax_sq.plot(r, nll - half_ln_2pi, ls=style,
                   label=rf"Gaussian NLL $-\frac{{1}}{{2}}\ln 2\pi$, $\beta$={beta:g}")
    ax_sq.set_xlabel(r"residual $r = t - y$")
    ax_sq.set_ylabel("loss (nats)")
    ax_sq.legend(fontsize="small")
    z = np.linspace(-6.0, 6.0, 201)
    p = sigmoid(z)
    for y, color in ((1, "C0"), (0, "C1")):
        labels = np.full_like(z, float(y))
        ce = losses.binary_cross_entropy(labels, logits=z, reduction="none")
        nll = losses.bernoulli_nll(labels, p, reduction="none")
        ax_ce.plot(z, ce, color=color, lw=4, alpha=0.3, label=f"cross-entropy, y={y}")
        ax_ce.plot(z, nll, color=color, ls="--", label=f"Bernoulli NLL, y={y}")
    ax_ce.set_xlabel("logit z")
    ax_ce.set_ylabel("loss (nats)")
    ax_ce.legend(fontsize="small")
    return fig


# Precisions are positive and skewed: near-Gaussian on the log scale, which is how they are shown.
_LOG_SCALE = {"alpha": r"$\ln\alpha$", "beta": r"$\ln\beta$"}


def _posterior_draws(model: Any) -> Any:
    """Return the ``posterior`` group of a fitted draws-based model as an xarray Dataset."""
    idata = getattr(model, "idata_", None)
    if idata is None:
        raise TypeError(
            f"model must be a fitted PyMCRegression or FullBayesRegression (with idata_); "
            f"got {type(model).__name__}"
        )
    return idata["posterior"].to_dataset()


def posterior_pairs(
    model: Any, *, max_weights: int = 3, fig: Figure | None = None
) -> Figure:
    r"""Return a Figure with the pairwise posterior draws of a fitted draws-based model.

    The hyperparameters are shown as :math:`\ln\alpha` and :math:`\ln\beta` (positive and
    skewed, they are near-Gaussian on the log scale), followed by the first ``max_weights``
    weights. The diagonal has histograms, the lower triangle scatter plots of all draws
    (chains pooled); the evidence approximation's :math:`(\alpha, \beta)` is the mode of the
    first pair under flat hyperpriors.

    Parameters
    ----------
    model : PyMCRegression or FullBayesRegression
        Fitted.
    max_weights : int, default 3
        How many weights to include (0 for the hyperparameters only).
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_value("max_weights", max_weights, NONNEGATIVE_INT)
    post = _posterior_draws(model)
    columns = {label: np.log(post[name].values.ravel()) for name, label in _LOG_SCALE.items()}
    w = post["w"]
    for name in w["feature"].values[:max_weights]:
        columns[f"$w$[{name}]"] = w.sel(feature=name).values.ravel()
    k = len(columns)
    fig = _figure(fig, (2.2 * k, 2.2 * k))
    axes = np.atleast_2d(fig.subplots(k, k, squeeze=False))
    names = list(columns)
    for i, row in enumerate(names):
        for j, col in enumerate(names):
            ax = axes[i, j]
            if j > i:
                ax.set_axis_off()
            elif i == j:
                ax.hist(columns[row], bins=40, color=_FIT, alpha=0.6)
                ax.set_yticks([])
            else:
                ax.scatter(columns[col], columns[row], s=2, alpha=0.2, color=_FIT)
            if i == k - 1:
                ax.set_xlabel(col)
            if j == 0 and i > 0:
                ax.set_ylabel(row)
    return fig


def trace(
    model: Any, var_names: Sequence[str] = ("alpha", "beta", "w"), *, fig: Figure | None = None
) -> Figure:
    r"""Return a Figure with the draws and marginal densities of a fitted draws-based model.

    One row per scalar (``alpha``, ``beta``, ``sigma``, ``nu``) and one per weight, labelled
    ``w[<feature>]``; the precisions are shown as :math:`\ln\alpha` and :math:`\ln\beta`
    (under a vague hyperprior a few draws of :math:`\alpha` are orders of magnitude above the
    rest, which would flatten the plot on the linear scale). On the left the density of each
    chain's draws (a histogram outline), on the right the chains' draws in order. Chains that
    agree overlap on the left and mix on the right. For ArviZ's own plots, pass
    ``model.idata_`` to ``arviz_plots``.

    Parameters
    ----------
    model : PyMCRegression or FullBayesRegression
        Fitted.
    var_names : sequence of str, default ("alpha", "beta", "w")
        Posterior variables to show.
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.ticker import MaxNLocator

    post = _posterior_draws(model)
    unknown = [v for v in var_names if v not in post.data_vars]
    if isinstance(var_names, str) or unknown:
        raise ValueError(
            f"var_names must be a sequence of posterior variables {sorted(post.data_vars)}; "
            f"got {var_names!r}"
        )
    rows = []  # (label, draws of shape (chain, draw))
    for name in var_names:
        da = post[name]
        if "feature" in da.dims:
            rows += [(f"{name}[{f}]", da.sel(feature=f).values) for f in da["feature"].values]
        elif name in _LOG_SCALE:
            rows.append((_LOG_SCALE[name], np.log(da.values)))
        else:
            rows.append((name, da.values))
    fig = _figure(fig, (9.0, 1.5 * len(rows) + 0.6))
    axes = fig.subplots(len(rows), 2, squeeze=False, gridspec_kw={"width_ratios": [1, 2]})
    for (label, draws), (ax_density, ax_draws) in zip(rows, axes, strict=True):
        for c, chain in enumerate(draws):
            ax_density.hist(chain, bins=40, density=True, histtype="step", color=f"C{c}")
            ax_draws.plot(chain, color=f"C{c}", lw=0.5, alpha=0.8)
        for ax in (ax_density, ax_draws):  # few, small ticks: rows are short
            ax.xaxis.set_major_locator(MaxNLocator(5))
            ax.tick_params(labelsize="small")
        ax_draws.yaxis.set_major_locator(MaxNLocator(3))
        ax_density.set_yticks([])  # a density's scale says nothing here
        ax_density.set_ylabel(label)
    axes[0, 0].set_title("posterior, one line per chain", fontsize="small")
    axes[0, 1].set_title("draws", fontsize="small")
    axes[-1, 0].set_xlabel("value")
    axes[-1, 1].set_xlabel("draw")
    return fig

# -- classification ------------------------------------------------------------------------------

_CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_CLASS_COLOURS = ("tab:blue", "tab:red", "tab:green", "tab:purple", "tab:orange", "tab:brown",
                  "tab:pink", "tab:olive")


def decision_boundary(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    levels: Sequence[float] = (0.1, 0.3, 0.5, 0.7, 0.9),
    resolution: int = 150,
    ax: Axes | None = None,
) -> Axes:
    r"""Return an Axes with a classifier's predictive probability over the plane (PRML fig. 4.14).

    Parameters
    ----------
    model : fitted bayesfit classifier
        On two input features.
    X : array_like of shape (n, 2)
        Inputs; the plane is drawn over their range, padded.
    y : array_like of shape (n,), optional
        Their labels, drawn with one marker per class.
    levels : sequence of float, default (0.1, 0.3, 0.5, 0.7, 0.9)
        Probability contours; the 0.5 contour (the decision boundary) is drawn heavier.
    resolution : int, default 150
        Grid points per axis.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Two classes: the shading and contours are :math:`p(C_1 \mid x)` of ``predict_proba``,
    so for the Laplace rungs the moderated :math:`\sigma(\kappa(\sigma_a^2)\mu_a)`, whose
    contours fan out away from the data where the weights are uncertain (PRML 4.5.2), while
    the MAP's are parallel lines. More classes: each point is shaded by its most probable
    class, and the contours are those of that class's probability.

    Examples
    --------
    >>> import bayesfit as bf
    >>> X, y = bf.datasets.overlapping_clusters(30, seed=0)
    >>> ax = bf.plots.decision_boundary(bf.BayesianClassifier().fit(X, y), X, y)
    >>> ax.get_title()
    'BayesianClassifier'
    """
    if not callable(getattr(model, "predict_proba", None)) or not hasattr(model, "classes_"):
        raise TypeError(
            f"model must be a fitted bayesfit classifier (with predict_proba); "
            f"got {type(model).__name__}"
        )
    check_value("resolution", resolution, POSITIVE_INT)
    points = to_numpy(check_array(X, "X"))
    if points.shape[1] != 2:
        raise ValueError(f"X must have two features to draw the plane, got {points.shape[1]}")
    levels = [float(v) for v in levels]
    if not levels or any(not 0.0 < v < 1.0 for v in levels):
        raise ValueError(f"levels must be probabilities strictly between 0 and 1; got {levels}")
    g0, g1 = _grid(points[:, 0], resolution), _grid(points[:, 1], resolution)
    G0, G1 = np.meshgrid(g0, g1)
    plane = np.c_[G0.ravel(), G1.ravel()]
    if hasattr(model, "feature_names_in_"):  # fitted on a DataFrame: ask with its columns
        import pandas as pd

        plane = pd.DataFrame(plane, columns=list(model.feature_names_in_))
    proba = to_numpy(model.predict_proba(plane))
    ax = _axes(ax)
    classes = to_numpy(model.classes_)
    if classes.shape[0] == 2:
        P = proba[:, 1].reshape(G0.shape)
        ax.contourf(G0, G1, P, levels=np.linspace(0.0, 1.0, 21), cmap="RdBu_r", alpha=0.55,
                    vmin=0.0, vmax=1.0)
        lines = ax.contour(G0, G1, P, levels=sorted(levels), colors="k",
                           linewidths=[1.8 if v == 0.5 else 0.8 for v in sorted(levels)])
    else:
        top = proba.argmax(axis=1).reshape(G0.shape)
        confidence = proba.max(axis=1).reshape(G0.shape)
        from matplotlib.colors import ListedColormap

        cmap = ListedColormap(_CLASS_COLOURS[: classes.shape[0]])
        ax.imshow(top, origin="lower", extent=(g0[0], g0[-1], g1[0], g1[-1]), cmap=cmap,
                  alpha=0.35, aspect="auto", interpolation="nearest")
        lines = ax.contour(G0, G1, confidence, levels=sorted(levels), colors="k",
                           linewidths=0.8)
    ax.clabel(lines, fmt="%.1f", fontsize="x-small")
    if y is not None:
        labels = np.asarray(to_numpy(y.to_numpy() if hasattr(y, "to_numpy") else y))
        if labels.shape != (points.shape[0],):
            raise ValueError(f"y must have one label per row of X, got shape {labels.shape}")
        for i, c in enumerate(classes):
            inside = labels == c
            ax.scatter(points[inside, 0], points[inside, 1], marker=_CLASS_MARKERS[i % 8],
                       color=_CLASS_COLOURS[i % 8], edgecolors="k", linewidths=0.4, s=28,
                       label=str(c), zorder=3)
        ax.legend(loc="best", fontsize="x-small", title="class", title_fontsize="x-small")
    names = getattr(model, "feature_names_in_", ["x0", "x1"])
    ax.set_xlabel(str(names[0]))
    ax.set_ylabel(str(names[1]))
    ax.set_title(type(model).__name__)
    return ax


def reliability_diagram(
    y: Any,
    proba: Any,
    *,
    classes: Any = None,
    n_bins: int = 10,
    label: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Return an Axes with observed accuracy against predicted confidence, bin by bin.

    Parameters
    ----------
    y, proba, classes, n_bins
        As for :func:`bayesfit.classify.calibration_bins`.
    label : str, optional
        Legend entry; the expected calibration error is appended to it.
    ax : matplotlib Axes, optional
        Call again with the same ``ax`` to compare classifiers.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    A calibrated classifier lies on the diagonal: of the predictions made with confidence
    0.8, 80% are right. Points below it are over-confident. Marker areas grow with the
    number of predictions in the bin.

    Examples
    --------
    >>> import numpy as np, bayesfit as bf
    >>> ax = bf.plots.reliability_diagram([0, 1, 1, 0], np.array([0.2, 0.9, 0.6, 0.3]))
    >>> ax.get_xlabel()
    'confidence (predicted probability of the predicted class)'
    """
    from bayesfit.classify import calibration_bins

    bins = calibration_bins(y, proba, classes=classes, n_bins=n_bins)
    ax = _axes(ax)
    if not any(line.get_label() == "calibrated" for line in ax.get_lines()):
        ax.plot([0.0, 1.0], [0.0, 1.0], color="0.5", ls="--", lw=1, label="calibrated")
    filled = bins.counts > 0
    text = f"ECE {bins.ece:.3f}"
    line, = ax.plot(bins.confidence[filled], bins.accuracy[filled], "-",
                    label=text if label is None else f"{label} ({text})")
    share = bins.counts[filled] / bins.counts.sum()
    ax.scatter(bins.confidence[filled], bins.accuracy[filled], s=10 + 300 * share,
               color=line.get_color(), zorder=3)
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("confidence (predicted probability of the predicted class)")
    ax.set_ylabel("accuracy (fraction right)")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def classifier_figures(report: ClassifierComparison) -> dict[str, Figure]:
    """Return the figures of a classifier comparison by name.

    ``"decision_boundaries"``: :func:`decision_boundary` of each rung side by side on the
    training data (two input features only); ``"reliability"``: every rung's
    :func:`reliability_diagram` on the held-out data in one panel.
    ``report.save(directory, figures=classifier_figures(report))`` writes them.

    Parameters
    ----------
    report : ClassifierComparison
        From :func:`bayesfit.compare_classifiers`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
    """
    if not isinstance(report, ClassifierComparison):
        raise TypeError(f"report must be a ClassifierComparison, got {type(report).__name__}")
    figs: dict[str, Figure] = {}
    methods = report.methods
    if report.X.shape[1] == 2:
        fig = _pyplot().figure(figsize=(3.6 * len(methods), 3.6), layout="constrained")
        axes = fig.subplots(1, len(methods), sharex=True, sharey=True, squeeze=False)[0]
        for ax, method in zip(axes, methods, strict=True):
            decision_boundary(report.models[method], report.X, report.y, ax=ax)
            ax.set_title(report.labels[method])
            if ax is not axes[-1]:
                ax.get_legend().remove()
        figs["decision_boundaries"] = fig
    fig = _pyplot().figure(figsize=(5.5, 5.0), layout="constrained")
    ax = fig.subplots()
    for method in methods:
        model = report.models[method]
        reliability_diagram(report.y_test, to_numpy(model.predict_proba(report.X_test)),
                            classes=model.classes_, n_bins=report.n_bins,
                            label=report.labels[method], ax=ax)
    ax.set_title(f"Held-out calibration ({report.X_test.shape[0]} points)")
    figs["reliability"] = fig
    return figs


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
