"""The figures contain what they claim: counts of artists, labels, bands against PRML eq. 3.59
computed here with NumPy, curves against numpy.polyfit / scikit-learn / SciPy."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import scipy.special
import scipy.stats
from matplotlib.collections import PathCollection
from sklearn.linear_model import Ridge

import bayesfit as bf
from bayesfit import plots

ALPHA, BETA = 5e-3, 11.1


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    def no_show(*args, **kwargs):
        raise AssertionError("plots must never call show()")

    monkeypatch.setattr(plt, "show", no_show)
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    x, t = bf.datasets.sinusoid(10, noise=0.3, seed=0)
    x_test, t_test = bf.datasets.sinusoid(200, noise=0.3, seed=1)
    return x, t, x_test, t_test


@pytest.fixture(scope="module")
def report(data):
    return bf.compare_estimators(
        *data, degrees=range(10), alpha=ALPHA, beta=BETA, true_fn=bf.datasets.sinusoid_fn
    )


def _band(collection):
    """(x, lower, upper) of a fill_between collection, from its polygon's vertices."""
    verts = collection.get_paths()[0].vertices
    xs = np.unique(verts[:, 0])
    lower = np.array([verts[verts[:, 0] == v, 1].min() for v in xs])
    upper = np.array([verts[verts[:, 0] == v, 1].max() for v in xs])
    return xs, lower, upper


def _by_label(items, label):
    (found,) = [i for i in items if i.get_label() == label]
    return found


def test_predictive_bands_bracket_the_mean_at_prml_widths(data):
    x, t, _, _ = data
    model = bf.BayesianRegression(bf.basis.Polynomial(9), alpha=ALPHA, beta=BETA).fit(x, t)
    ax = plots.predictive(model, x, t, true_fn=bf.datasets.sinusoid_fn)
    assert [line.get_label() for line in ax.get_lines()] == ["truth", "predictive mean"]
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "t"
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 1 and len(scatters[0].get_offsets()) == len(x)
    mean_line = _by_label(ax.get_lines(), "predictive mean")
    g, mean = mean_line.get_xdata(), mean_line.get_ydata()
    # PRML eq. 3.59 with plain NumPy: sigma^2 = 1/beta + phi^T S_N phi
    Phi = np.vander(x, 10, increasing=True)
    S = np.linalg.inv(ALPHA * np.eye(10) + BETA * Phi.T @ Phi)
    Phi_g = np.vander(g, 10, increasing=True)
    np.testing.assert_allclose(mean, Phi_g @ (BETA * S @ Phi.T @ t), rtol=1e-6, atol=1e-9)
    std = np.sqrt(1 / BETA + np.einsum("ij,jk,ik->i", Phi_g, S, Phi_g))
    for k, label in ((1, r"$\pm 1\sigma$"), (2, r"$\pm 2\sigma$")):
        xs, lower, upper = _band(_by_label(ax.collections, label))
        np.testing.assert_allclose(xs, g)
        assert np.all(lower < mean) and np.all(mean < upper)
        np.testing.assert_allclose(upper - mean, k * std, rtol=1e-6)
        np.testing.assert_allclose(mean - lower, k * std, rtol=1e-6)


def test_predictive_of_a_point_estimate_has_constant_width(data):
    x, t, _, _ = data
    model = bf.MLERegression(bf.basis.Polynomial(3)).fit(x, t)
    _, ax = plt.subplots()
    assert plots.predictive(model, x, grid=np.linspace(0, 1, 50), ax=ax) is ax
    _, lower, upper = _band(_by_label(ax.collections, r"$\pm 1\sigma$"))
    np.testing.assert_allclose(upper - lower, 2 * model.noise_std_, rtol=1e-9)
    assert len([c for c in ax.collections if isinstance(c, PathCollection)]) == 0  # no y
    with pytest.raises(ValueError, match="X has 2 features, but the model was fitted on 1"):
        plots.predictive(model, np.ones((3, 2)))


def test_function_samples_draw_n_posterior_curves(data):
    x, t, _, _ = data
    model = bf.BayesianRegression(bf.basis.Polynomial(3), alpha=ALPHA, beta=BETA).fit(x, t)
    grid = np.linspace(0, 1, 30)
    ax = plots.function_samples(model, grid, n=7, random_state=3)
    lines = ax.get_lines()
    assert len(lines) == 7
    expected = model.sample_functions(grid, 7, random_state=3)
    for line, curve in zip(lines, expected, strict=True):
        np.testing.assert_allclose(line.get_ydata(), curve)
    with pytest.raises(TypeError, match="posterior over the weights"):
        plots.function_samples(bf.MLERegression().fit(x, t), grid)


def test_mle_vs_map_grid(report, data):
    x, t, _, _ = data
    fig = plots.mle_vs_map(report, degrees=(0, 1, 3, 9, 42))
    axes = fig.get_axes()
    assert len(axes) == 8  # 2 rows x the 4 degrees the report has
    assert [ax.get_title() for ax in axes[:4]] == ["MLE, M=0", "MLE, M=1", "MLE, M=3", "MLE, M=9"]
    assert all(ax.get_title().startswith("MAP, ln") for ax in axes[4:])
    for ax in axes:
        assert [line.get_label() for line in ax.get_lines()] == ["truth", "fit"]
        assert len(ax.collections) == 1 and len(ax.collections[0].get_offsets()) == 10
    fit3 = _by_label(axes[2].get_lines(), "fit")
    np.testing.assert_allclose(
        fit3.get_ydata(), np.polyval(np.polyfit(x, t, 3), fit3.get_xdata()), rtol=1e-7
    )
    ridge = Ridge(alpha=ALPHA / BETA, fit_intercept=False).fit(np.vander(x, 10, increasing=True), t)
    fit9 = _by_label(axes[7].get_lines(), "fit")
    np.testing.assert_allclose(
        fit9.get_ydata(),
        ridge.predict(np.vander(fit9.get_xdata(), 10, increasing=True)),
        rtol=1e-6,
    )
    with pytest.raises(ValueError, match="none of degrees"):
        plots.mle_vs_map(report, degrees=(42,))


def test_rms_vs_degree_draws_the_table(report):
    ax = plots.rms_vs_degree(report)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == [
        "mle training",
        "mle test",
        "map training",
        "map test",
    ]
    for line in lines:
        method, kind = line.get_label().split()
        column = "train_rms" if kind == "training" else "test_rms"
        degrees, values = report.column(column, method)
        np.testing.assert_array_equal(line.get_xdata(), degrees)
        np.testing.assert_array_equal(line.get_ydata(), values)
    assert ax.get_xlabel() == "M" and ax.get_ylabel() == "$E_{RMS}$"
    # the exploding MLE test error is cut off, the rest of the curves stay visible
    assert ax.get_ylim()[1] < report.row("mle", 9).test_rms
    assert ax.get_ylim()[1] > report.row("map", 9).test_rms
    with pytest.raises(ValueError, match="none of methods"):
        plots.rms_vs_degree(report, methods=("pymc",))


def test_rms_vs_log_lambda_against_ridge(data):
    x, t, x_test, t_test = data
    log_lams = [-30.0, -18.0, -5.0, 0.0]
    sweep = bf.compare.lambda_sweep(x, t, x_test, t_test, degree=9, log_lambdas=log_lams)
    ax = plots.rms_vs_log_lambda(sweep)
    train, test = ax.get_lines()
    Phi, Phi_test = np.vander(x, 10, increasing=True), np.vander(x_test, 10, increasing=True)
    for i, log_lam in enumerate(log_lams):
        # at ln lambda = -30 the normal equations (ours) and the SVD (Ridge) part ways in the
        # 4th digit: cond(Phi^T Phi) ~ 1e15 at degree 9; the lesson of PRML fig. 1.8 still shows
        rtol = 1e-3 if log_lam < -20 else 1e-6
        ridge = Ridge(alpha=math.exp(log_lam), fit_intercept=False, solver="svd").fit(Phi, t)
        ref = np.sqrt(np.mean((ridge.predict(Phi_test) - t_test) ** 2))
        np.testing.assert_allclose(test.get_ydata()[i], ref, rtol=rtol)
    assert train.get_ydata()[0] < train.get_ydata()[-1]  # less regularised fits closer
    assert ax.get_xlabel() == r"$\ln \lambda$"
    with pytest.raises(ValueError, match="log_lambdas"):
        bf.compare.lambda_sweep(x, t, x_test, t_test, log_lambdas=[])
    with pytest.raises(TypeError, match="sweep must be a LambdaSweep"):
        plots.rms_vs_log_lambda(x)


def test_evidence_vs_degree_stars_the_best(report):
    ax = plots.evidence_vs_degree(report)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0] == "evidence maximised" and labels[1].startswith("fixed")
    star = ax.get_lines()[2]
    best = report.best_degree()
    assert star.get_label() == f"best M={best}" and star.get_xdata()[0] == best
    values = ax.get_lines()[0].get_ydata()
    assert star.get_ydata()[0] == max(values)


def test_report_figures_and_save(report, tmp_path):
    figs = plots.comparison_figures(report)
    assert set(figs) == {"mle_vs_map", "rms_vs_degree", "evidence_vs_degree", "predictive"}
    written = report.save(tmp_path / "out", figures=figs)
    names = sorted(p.name for p in written)
    assert names == sorted(
        ["comparison.csv", "comparison.md"] + [f"{f}.{e}" for f in figs for e in ("png", "svg")]
    )
    assert (tmp_path / "out" / "mle_vs_map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (tmp_path / "out" / "rms_vs_degree.svg").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary left over


def test_save_is_all_or_nothing(report, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    real = Figure.savefig

    def failing(self, fname, **kwargs):
        if str(fname).endswith(".svg"):
            raise OSError("disk full")
        return real(self, fname, **kwargs)

    monkeypatch.setattr(Figure, "savefig", failing)
    with pytest.raises(OSError, match="disk full"):
        report.save(tmp_path / "out", figures=plots.comparison_figures(report))
    assert list(tmp_path.iterdir()) == []


def test_sequential_learning_prml_fig_3_7():
    x, t = bf.datasets.linear(20, seed=0)
    seq = bf.compare.sequential_posteriors(x, t, alpha=2.0, beta=25.0, steps=(0, 1, 2, 20))
    fig = plots.sequential_learning(seq, true_w=(-0.3, 0.5), n_samples=6, random_state=0)
    axes = np.array(fig.get_axes()).reshape(4, 3)
    assert not axes[0, 0].axison  # no likelihood before any data
    assert [ax.get_title() for ax in axes[:, 1]] == [
        "prior",
        "posterior after 1",
        "posterior after 2",
        "posterior after 20",
    ]
    for row, step in enumerate((0, 1, 2, 20)):
        lines = axes[row, 2].get_lines()
        assert len(lines) == 6
        (points,) = axes[row, 2].collections
        assert len(points.get_offsets()) == step
        assert axes[row, 1].get_xlabel() == "$w_0$" and axes[row, 1].get_ylabel() == "$w_1$"
        assert len(axes[row, 1].collections) >= 1  # the density contours
    # after 20 points the sampled lines hug the posterior mean line (closed form, PRML 3.53)
    Phi = np.stack([np.ones_like(x), x], axis=1)
    S = np.linalg.inv(2.0 * np.eye(2) + 25.0 * Phi.T @ Phi)
    m = 25.0 * S @ Phi.T @ t
    for line in axes[3, 2].get_lines():
        ends = line.get_ydata()
        np.testing.assert_allclose(ends, m[0] + m[1] * np.array([-1.0, 1.0]), atol=0.25)
    with pytest.raises(ValueError, match=r"each of steps must be an int in \[0, 20\]; got 21"):
        bf.compare.sequential_posteriors(x, t, steps=(0, 21))


def test_losses_as_nll_curves_coincide():
    fig = plots.losses_as_nll()
    ax_sq, ax_ce = fig.get_axes()
    sq = ax_sq.get_lines()[0]
    r = sq.get_xdata()
    gauss = ax_sq.get_lines()[1]  # beta = 1
    half_ln_2pi = 0.5 * math.log(2 * math.pi)
    np.testing.assert_allclose(sq.get_ydata(), -scipy.stats.norm.logpdf(r) - half_ln_2pi)
    np.testing.assert_allclose(gauss.get_ydata(), sq.get_ydata(), atol=1e-12)
    assert len(ax_sq.get_lines()) == 4
    lines = ax_ce.get_lines()
    assert len(lines) == 4
    z = lines[0].get_xdata()
    for y, (ce, nll) in zip((1, 0), (lines[:2], lines[2:]), strict=True):
        ref = -scipy.stats.bernoulli.logpmf(y, scipy.special.expit(z))
        np.testing.assert_allclose(ce.get_ydata(), ref, rtol=1e-9)
        np.testing.assert_allclose(nll.get_ydata(), ref, rtol=1e-9)


def test_import_does_not_load_matplotlib():
    import subprocess
    import sys

    code = "import sys, bayesfit.plots, bayesfit.compare; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_predictive_plot_rejects_bad_input():
    import bayesfit as bf

    x, t = bf.datasets.sinusoid(10, seed=0)
    model = bf.BayesianRegression(bf.basis.Polynomial(3), alpha=5e-3, beta=11.1).fit(x, t)
    bad_t = t.copy()
    bad_t[4] = np.nan
    with pytest.raises(ValueError, match="y contains NaN at index 4"):
        bf.plots.predictive(model, x, bad_t)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        bf.plots.predictive(model, x, t[:5])
    with pytest.raises(TypeError, match="model must be a fitted bayesfit regression"):
        bf.plots.predictive("model", x, t)
    with pytest.raises(ValueError, match="X has 2 features, but the model was fitted on 1"):
        bf.plots.predictive(model, np.ones((10, 2)), t)


@pytest.fixture(scope="module")
def pymc_model():
    import warnings

    import bayesfit as bf

    x, t = bf.datasets.sinusoid(30, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bf.ConvergenceWarning)  # few draws, for speed
        return bf.PyMCRegression(
            bf.basis.Polynomial(2),
            draws=200,
            tune=200,
            chains=2,
            cores=1,
            progressbar=False,
            random_seed=0,
        ).fit(x, t)


def test_posterior_pairs_shows_the_draws(pymc_model):
    import bayesfit as bf

    fig = bf.plots.posterior_pairs(pymc_model, max_weights=2)
    axes = fig.axes
    assert len(axes) == 16  # (ln alpha, ln beta, w[1], w[x0]) squared
    visible = [ax for ax in axes if ax.axison]
    assert len(visible) == 10  # lower triangle and diagonal
    scatter = axes[4]  # row 1, column 0: ln beta against ln alpha
    offsets = scatter.collections[0].get_offsets()
    post = pymc_model.idata_["posterior"]
    np.testing.assert_allclose(offsets[:, 0], np.log(post["alpha"].values.ravel()))
    np.testing.assert_allclose(offsets[:, 1], np.log(post["beta"].values.ravel()))
    assert axes[12].get_xlabel() == r"$\ln\alpha$" and axes[4].get_ylabel() == r"$\ln\beta$"
    plt.close(fig)


def test_trace_figure_has_a_row_per_variable(pymc_model):
    import bayesfit as bf

    fig = bf.plots.trace(pymc_model, var_names=["alpha", "beta"])
    axes = np.array(fig.axes).reshape(2, 2)  # a row per variable: density, draws
    chains = pymc_model.idata_["posterior"].sizes["chain"]
    for row, name in enumerate(["alpha", "beta"]):  # precisions on the log scale
        assert axes[row, 0].get_ylabel() == rf"$\ln\{name}$"
        assert len(axes[row, 1].get_lines()) == chains  # one line of draws per chain
        draws = pymc_model.idata_["posterior"][name].values
        np.testing.assert_allclose(axes[row, 1].get_lines()[0].get_ydata(), np.log(draws[0]))
    plt.close(fig)
    fig = bf.plots.trace(pymc_model)  # a row per weight, labelled by its feature
    names = list(pymc_model.idata_["posterior"]["feature"].values)
    assert [ax.get_ylabel() for ax in fig.axes[::2]] == [r"$\ln\alpha$", r"$\ln\beta$",
                                                        *(f"w[{n}]" for n in names)]
    plt.close(fig)
    with pytest.raises(ValueError, match="var_names must be a sequence of posterior variables"):
        bf.plots.trace(pymc_model, var_names=["gamma"])
    with pytest.raises(TypeError, match="model must be a fitted PyMCRegression"):
        bf.plots.posterior_pairs(bf.BayesianRegression())


def test_trace_draws_a_full_bayes_posterior():
    import bayesfit as bf
    from bayesfit.basis import Polynomial

    x, t = bf.datasets.sinusoid(20, seed=1)
    model = bf.FullBayesRegression(basis=Polynomial(2), draws=200, chains=2, random_seed=0)
    fig = bf.plots.trace(model.fit(x, t))  # exact draws: the same figure as NUTS's
    assert [ax.get_ylabel() for ax in fig.axes[::2]] == [
        r"$\ln\alpha$", r"$\ln\beta$", "w[intercept]", "w[x0]", "w[x0^2]"]
    beta = model.idata_["posterior"]["beta"].values
    np.testing.assert_allclose(fig.axes[3].get_lines()[1].get_ydata(), np.log(beta[1]))
    plt.close(fig)


# -- classification ------------------------------------------------------------------------------


def test_decision_boundary_shades_the_predictive_probability():
    X, y = bf.datasets.overlapping_clusters(30, seed=0)
    model = bf.BayesianClassifier().fit(X, y)
    ax = plots.decision_boundary(model, X, y, levels=(0.2, 0.5, 0.8), resolution=40)
    fills = [c for c in ax.collections if not isinstance(c, PathCollection)]
    assert fills, "no shading"
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in points) == 30  # every point, once
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1"]
    # the 0.5 contour is where predict_proba is 1/2
    line = ax.collections  # contour sets are artists of the axes
    assert any(getattr(c, "levels", None) is not None and 0.5 in list(c.levels) for c in line)


def test_decision_boundary_for_several_classes_and_bad_input():
    X, y = bf.datasets.overlapping_clusters(30, seed=0)
    y3 = np.where(X[:, 0] > 1.0, 2, y)
    ax = plots.decision_boundary(bf.MAPClassifier().fit(X, y3), X, y3, resolution=30)
    assert len(ax.get_images()) == 1  # the most probable class, shaded
    with pytest.raises(ValueError, match="two features"):
        plots.decision_boundary(bf.MAPClassifier().fit(X[:, :1], y), X[:, :1], y)
    with pytest.raises(ValueError, match="levels"):
        plots.decision_boundary(bf.MAPClassifier().fit(X, y), X, y, levels=(0.5, 1.0))
    with pytest.raises(TypeError, match="classifier"):
        plots.decision_boundary(bf.MAPRegression(), X, y)


def test_reliability_diagram_plots_the_calibration_bins():
    rng = np.random.default_rng(0)
    p = rng.random(400)
    y = (rng.random(400) < p).astype(int)
    ax = plots.reliability_diagram(y, p, n_bins=5, label="a")
    bins = bf.classify.calibration_bins(y, p, n_bins=5)
    line = next(ln for ln in ax.get_lines() if ln.get_label().startswith("a (ECE"))
    filled = bins.counts > 0
    np.testing.assert_allclose(line.get_xdata(), bins.confidence[filled])
    np.testing.assert_allclose(line.get_ydata(), bins.accuracy[filled])
    plots.reliability_diagram(y, np.clip(p * 1.5, 0, 1), n_bins=5, label="b", ax=ax)
    assert [ln.get_label() for ln in ax.get_lines()].count("calibrated") == 1


def test_classifier_figures_of_a_comparison():
    X, y = bf.datasets.overlapping_clusters(20, seed=0)
    Xt, yt = bf.datasets.overlapping_clusters(200, seed=1)
    report = bf.compare_classifiers(X, y, Xt, yt, methods=["map", "laplace"])
    figs = plots.classifier_figures(report)
    assert set(figs) == {"decision_boundaries", "reliability"}
    assert [a.get_title() for a in figs["decision_boundaries"].axes] == ["MAP", "Laplace"]
    with pytest.raises(TypeError, match="ClassifierComparison"):
        plots.classifier_figures(object())
