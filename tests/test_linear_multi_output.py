"""Several targets sharing one design: y of shape (N, K) equals K separate fits."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import r2_score

import bayesfit as bf
from bayesfit.basis import Polynomial
from tests.conftest import rtol_for, xp_assert_close

ESTIMATORS = {
    "mle": lambda: bf.MLERegression(Polynomial(3)),
    "map": lambda: bf.MAPRegression(Polynomial(3), alpha=0.3, beta=9.0),
    "lasso": lambda: bf.MAPRegression(Polynomial(3), prior="laplace", alpha=0.5, beta=9.0),
    "bayes": lambda: bf.BayesianRegression(Polynomial(3), alpha=0.3, beta=9.0),
    "evidence": lambda: bf.EvidenceRegression(Polynomial(3), tol=1e-13),
    "ard": lambda: bf.ARDRegression(Polynomial(3), tol=1e-11),
}
PER_TARGET = ("alpha_", "beta_", "gamma_", "log_evidence_", "noise_std_", "n_iter_",
              "kkt_residual_")


def targets(n=80, k=3, seed=0):
    """K targets on one input: different curves and noise levels, so each has its own fit."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n)
    curves = [np.sin(3 * x), 0.5 - x + x**3, np.exp(x)]
    noise = [0.1, 0.3, 0.05]
    Y = np.column_stack([curves[j] + noise[j] * rng.standard_normal(n) for j in range(k)])
    return x, Y


def assert_equals_separate_fits(model, make, x, Y, rtol=1e-10):
    K = Y.shape[1]
    assert model.coef_.shape == (K, model.basis_.n_output_features_)
    mean, std = model.predict(x[:7], return_std=True)
    assert mean.shape == std.shape == (7, K)
    for k in range(K):
        single = make().fit(x, Y[:, k])
        np.testing.assert_allclose(model.coef_[k], single.coef_, rtol=rtol, atol=1e-12)
        for name in PER_TARGET:
            if hasattr(single, name):
                ours = getattr(model, name)
                ours = ours[k] if getattr(ours, "ndim", 0) else ours  # or shared by all K
                np.testing.assert_allclose(ours, getattr(single, name), rtol=rtol, atol=1e-12,
                                           err_msg=name)
        if hasattr(single, "relevant_"):
            np.testing.assert_array_equal(model.relevant_[k], single.relevant_)
        m1, s1 = single.predict(x[:7], return_std=True)
        np.testing.assert_allclose(mean[:, k], m1, rtol=rtol, atol=1e-12)
        np.testing.assert_allclose(std[:, k], s1, rtol=rtol)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_k_targets_equal_k_separate_fits(name):
    x, Y = targets()
    make = ESTIMATORS[name]
    assert_equals_separate_fits(make().fit(x, Y), make, x, Y)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_summary_has_one_block_per_target(name):
    x, Y = targets()
    make = ESTIMATORS[name]
    summary = make().fit(x, Y).summary(level=0.9)
    table = summary.coefficients
    assert table.index.names == ["output", "feature"]
    for k in range(Y.shape[1]):
        single = make().fit(x, Y[:, k]).summary(level=0.9)
        np.testing.assert_allclose(table.loc[k].to_numpy(), single.coefficients.to_numpy(),
                                   rtol=1e-9, atol=1e-12)
        for key, value in single.statistics.items():
            got = summary.statistics[key][k]
            assert got == pytest.approx(value, rel=1e-9) if value is not None else got is None
    assert "output" in str(summary) and "r2: " in str(summary)


def test_summary_names_the_outputs_by_the_columns_of_a_dataframe_y():
    from sklearn.datasets import load_linnerud

    X, Y = load_linnerud(return_X_y=True, as_frame=True)
    model = bf.EvidenceRegression().fit(X, Y)
    table = model.summary().coefficients
    assert list(table.index.get_level_values("output").unique()) == ["Weight", "Waist", "Pulse"]
    separate = bf.EvidenceRegression().fit(X, Y["Waist"]).summary().coefficients
    np.testing.assert_allclose(table.loc["Waist"].to_numpy(), separate.to_numpy(), rtol=1e-9)
    restored = bf.from_dict(model.to_dict())
    assert list(restored.target_names_) == ["Weight", "Waist", "Pulse"]
    assert not hasattr(model.fit(X.to_numpy(), Y.to_numpy()), "target_names_")  # refit: gone


@pytest.mark.parametrize("name", ESTIMATORS)
def test_one_column_keeps_its_shape(name):
    x, Y = targets(k=1)
    make = ESTIMATORS[name]
    model = make().fit(x, Y)
    flat = make().fit(x, Y[:, 0])
    assert model.coef_.shape == (1, flat.coef_.shape[0])
    mean, std = model.predict(x[:5], return_std=True)
    assert mean.shape == std.shape == (5, 1)
    np.testing.assert_allclose(mean[:, 0], flat.predict(x[:5]), rtol=1e-10)
    np.testing.assert_allclose(std[:, 0], flat.predict(x[:5], return_std=True)[1], rtol=1e-10)
    assert model.predictive(x[:5]).sample(4, random_state=0).shape == (4, 5, 1)
    assert model.log_predictive_density(x, Y) == pytest.approx(
        flat.log_predictive_density(x, Y[:, 0]), rel=1e-10
    )


@pytest.mark.parametrize("name", ESTIMATORS)
def test_streamed_and_dask_fits_of_k_targets_equal_the_batch(name):
    x, Y = targets(n=400)
    make = ESTIMATORS[name]
    batch = make().fit(x, Y)
    partial = make()
    for a in range(0, 400, 90):
        partial.partial_fit(x[a : a + 90], Y[a : a + 90])
    streamed = make().fit_stream((x[a : a + 70], Y[a : a + 70]) for a in range(0, 400, 70))
    for other in (partial, streamed):
        np.testing.assert_allclose(other.coef_, batch.coef_, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(other.predict(x[:5], return_std=True)[1],
                                   batch.predict(x[:5], return_std=True)[1], rtol=1e-9)
    da = pytest.importorskip("dask.array")
    lazy = make().fit(da.from_array(x, chunks=100), da.from_array(Y, chunks=(100, 3)))
    np.testing.assert_allclose(lazy.coef_, batch.coef_, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match=r"y has shape \(10,\), but the data seen so far had y "
                                         r"of shape \(n, 3\)"):
        partial.partial_fit(x[:10], Y[:10, 0])


@pytest.mark.parametrize("name", ESTIMATORS)
def test_weighted_k_targets_equal_repeated_rows(name):
    x, Y = targets()
    w = np.random.default_rng(1).integers(0, 3, size=len(x))
    make = ESTIMATORS[name]
    weighted = make().fit(x, Y, sample_weight=w)
    repeated = make().fit(np.repeat(x, w), np.repeat(Y, w, axis=0))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_k_targets_round_trip_through_json(name):
    x, Y = targets()
    model = ESTIMATORS[name]().fit(x, Y)
    loaded = bf.from_dict(json.loads(json.dumps(model.to_dict())))
    for a, b in zip(loaded.predict(x[:6], return_std=True), model.predict(x[:6], return_std=True),
                    strict=True):
        np.testing.assert_array_equal(a, b)
    assert str(loaded.summary()) == str(model.summary())


@pytest.mark.parametrize("name", ESTIMATORS)
def test_score_is_scikit_learns_uniform_average(name):
    x, Y = targets()
    model = ESTIMATORS[name]().fit(x, Y)
    assert model.score(x, Y) == pytest.approx(r2_score(Y, model.predict(x)), rel=1e-12)


def test_evidence_of_k_targets_on_every_backend(xp, dtype_name):
    x, Y = targets()
    dtype = getattr(xp, dtype_name)
    model = bf.EvidenceRegression(Polynomial(3)).fit(xp.asarray(x, dtype=dtype),
                                                     xp.asarray(Y, dtype=dtype))
    rtol = rtol_for(dtype_name)
    for k in range(Y.shape[1]):
        single = bf.EvidenceRegression(Polynomial(3)).fit(x, Y[:, k])
        xp_assert_close(model.coef_[k, :], single.coef_, xp=xp, rtol=10 * rtol, atol=rtol,
                        dtype=dtype_name)
    mean, std = model.predict(xp.asarray(x[:4], dtype=dtype), return_std=True)
    assert mean.shape == std.shape == (4, 3)


def test_single_target_methods_say_so():
    x, Y = targets()
    model = bf.EvidenceRegression(Polynomial(3)).fit(x, Y)
    for method in (lambda: model.loo(x, Y), lambda: model.sample_functions(x, 2),
                   lambda: model.to_arviz(x, Y), model.prior):
        with pytest.raises(ValueError, match=r"takes one target.*y of shape \(n, 3\)"):
            method()


def test_estimators_of_one_target_name_the_shape_of_y():
    x, Y = targets()
    for model in (bf.FullBayesRegression(), bf.PyMCRegression()):
        with pytest.raises(ValueError, match=rf"{type(model).__name__} fits one target: y must "
                                             r"be 1-D, got shape \(80, 3\)"):
            model.fit(x, Y)
        assert not hasattr(model, "basis_")  # refused before any work


def test_a_target_fitted_exactly_has_infinite_precision_alone():
    x, Y = targets(k=2)
    Y[:, 1] = 1.0 + 2.0 * x  # on the basis: no residual
    model = bf.MLERegression(Polynomial(3)).fit(x, Y)
    assert np.isfinite(model.beta_[0]) and model.beta_[1] > 1e20
