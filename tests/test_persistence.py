"""Persistence: to_dict / from_dict (through JSON text) and pickle give identical predictions.

Covers the four conjugate estimators on each backend and dtype, fitted in one batch or chunk
by chunk, PyMCRegression (its posterior draws travel in the dict), the MLP (pickle only: it
has no to_dict), the model.json the CLI writes, and the errors for corrupt and
version-mismatched dicts.
"""

from __future__ import annotations

import copy
import json
import pickle
import warnings

import array_api_compat
import numpy as np
import pandas as pd
import pytest

import bayesfit as bf
from bayesfit.cli import main
from tests.conftest import rtol_for

ESTIMATORS = [
    lambda basis: bf.MLERegression(basis),
    lambda basis: bf.MAPRegression(basis, alpha=0.1, beta=20.0),
    lambda basis: bf.BayesianRegression(basis, alpha=0.1, beta=20.0),
    lambda basis: bf.EvidenceRegression(basis),
    lambda basis: bf.ARDRegression(basis),
]
IDS = ["mle", "map", "bayes", "evidence", "ard"]
X_NEW = np.linspace(-0.1, 1.1, 13)


def _outputs(model, X):
    """Everything a fitted estimator answers, as host arrays."""
    out = list(model.predict(X, return_std=True))
    p = model.predictive(X)
    out += [p.interval(0.9)[0], p.sample(3, random_state=5)]
    if hasattr(model, "sample_functions"):
        out.append(model.sample_functions(X, 4, random_state=7))
    return [bf.to_numpy(a) for a in out]


def _assert_identical(a, b, rtol=0.0):
    """Equal dtypes and values: bit for bit, or to ``rtol`` of each output's largest entry."""
    for u, v in zip(a, b, strict=True):
        assert u.dtype == v.dtype
        if rtol:
            np.testing.assert_allclose(u, v, rtol=rtol, atol=rtol * np.max(np.abs(v)))
        else:
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("make", ESTIMATORS, ids=IDS)
def test_json_and_pickle_round_trip_on_every_backend_and_dtype(make, xp, dtype_name):
    x, t = bf.datasets.sinusoid(30, seed=3)
    dtype = getattr(xp, dtype_name)
    model = make(bf.basis.Polynomial(4)).fit(xp.asarray(x, dtype=dtype), xp.asarray(t, dtype=dtype))
    text = json.dumps(model.to_dict())  # JSON-safe: plain lists, numbers and strings
    restored = bf.from_dict(json.loads(text))
    assert type(restored) is type(model)
    assert restored.coef_.dtype == np.dtype(dtype_name)
    np.testing.assert_array_equal(restored.coef_, bf.to_numpy(model.coef_))  # lossless
    # Restored on NumPy: the original's answers moved to the host, bit for bit where the
    # original's arithmetic is NumPy's too (NumPy, array-api-strict); CuPy's rounds differently.
    Xn = np.asarray(X_NEW, dtype=dtype_name)
    across = rtol_for(dtype_name) if array_api_compat.is_cupy_array(model.coef_) else 0.0
    _assert_identical(_outputs(restored, Xn), _outputs(model, xp.asarray(Xn)), rtol=across)
    unpickled = pickle.loads(pickle.dumps(model))
    _assert_identical(_outputs(unpickled, xp.asarray(Xn)), _outputs(model, xp.asarray(Xn)))


@pytest.mark.parametrize("make", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize(
    "basis", [None, bf.basis.GaussianRBF(5, centers=[0, 0.25, 0.5, 0.75, 1]),
              bf.basis.Sigmoidal(3)], ids=["identity", "rbf", "sigmoid"]
)
def test_round_trip_after_partial_fit_and_continued_fitting(make, basis):
    x, t = bf.datasets.sinusoid(40, seed=4)
    model = make(basis)
    for start in range(0, 40, 10):
        model.partial_fit(x[start : start + 10], t[start : start + 10])
    restored = bf.from_dict(json.loads(json.dumps(model.to_dict())))
    _assert_identical(_outputs(restored, X_NEW), _outputs(model, X_NEW))
    # The pickle carries the statistics, so it can keep learning exactly like the original.
    again = pickle.loads(pickle.dumps(model))
    x2, t2 = bf.datasets.sinusoid(10, seed=5)
    _assert_identical(
        _outputs(again.partial_fit(x2, t2), X_NEW), _outputs(model.partial_fit(x2, t2), X_NEW)
    )


def test_unfitted_and_pandas_fitted_round_trip():
    pd = pytest.importorskip("pandas")
    for make in ESTIMATORS:
        fresh = make(bf.basis.Polynomial(2))
        again = bf.from_dict(json.loads(json.dumps(fresh.to_dict())))
        assert again.get_params(deep=False).keys() == fresh.get_params(deep=False).keys()
        assert not hasattr(again, "coef_")
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=20), "b": rng.normal(size=20)})
    model = bf.EvidenceRegression().fit(df, df["a"] - df["b"] + 0.1 * rng.normal(size=20))
    restored = bf.from_dict(json.loads(json.dumps(model.to_dict())))
    assert list(restored.feature_names_in_) == ["a", "b"]
    np.testing.assert_array_equal(restored.predict(df), model.predict(df))


def test_exact_mle_fit_with_infinite_beta_round_trips():
    model = bf.MLERegression().fit([0.0, 1.0, 2.0], [0.0, 0.0, 0.0])  # beta = inf
    d = json.loads(json.dumps(model.to_dict(), allow_nan=False))  # strict JSON still works
    assert bf.from_dict(d).beta_ == np.inf


def test_mlp_pickles_with_identical_predictions_and_training():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    net = bf.nn.MLP([2, 8, 1], activation="tanh", random_state=0)
    net.fit(X, y, optimizer="adam", epochs=3, progress=False)
    assert not hasattr(net, "to_dict")  # pickle is the MLP's persistence
    copy_ = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(copy_.predict(X), net.predict(X))
    # The generator's state travels too: both continue with the same shuffles.
    h1 = copy_.fit(X, y, optimizer="sgd", epochs=2, progress=False)
    h2 = net.fit(X, y, optimizer="sgd", epochs=2, progress=False)
    assert h1.loss == h2.loss
    for k in net.params:
        np.testing.assert_array_equal(copy_.params[k], net.params[k])


@pytest.mark.parametrize("method", ["mle", "map", "bayes", "evidence"])
def test_cli_model_json_loads_back(tmp_path, capsys, method):
    x, t = bf.datasets.sinusoid(25, seed=6)
    csv = tmp_path / "data.csv"
    rows = "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(x, t, strict=True))
    csv.write_text("x,t\n" + rows)
    out = tmp_path / "out"
    assert main(["fit", str(csv), "--x", "x", "--y", "t", "--basis", "poly:3",
                 "--method", method, "--out", str(out), "-q"]) == 0
    restored = bf.from_dict(json.loads((out / "model.json").read_text()))
    direct = {"mle": bf.MLERegression, "map": bf.MAPRegression, "bayes": bf.BayesianRegression,
              "evidence": bf.EvidenceRegression}[method](bf.basis.Polynomial(3)).fit(x, t)
    assert list(restored.feature_names_in_) == ["x"]  # the CSV's column, kept by model.json
    named = pd.DataFrame({"x": X_NEW})
    _assert_identical(_outputs(restored, named), _outputs(direct, X_NEW))


def _fitted_dict():
    x, t = bf.datasets.sinusoid(20, seed=0)
    return bf.EvidenceRegression(bf.basis.Polynomial(3)).fit(x, t).to_dict()


CORRUPTIONS = {
    "dtype unknown": (("state", "dtype"), "float128x", "dtype must be"),
    "coef_ missing": (("state", "coef_"), KeyError, "missing key 'coef_'"),
    "coef_ NaN": (("state", "coef_"), ["nan"] * 4, "coef_ contains NaN"),
    "coef_ short": (("state", "coef_"), [1.0, 2.0], "coef_ has shape"),
    "coef_ 2-D": (("state", "coef_"), [[1.0, 2.0]], "coef_ has shape (1, 2), the basis gives 4"),
    "coef_ text": (("state", "coef_"), "weights", "coef_ must be array-like"),
    "n_features_in_ wrong": (("state", "n_features_in_"), 3, "n_features_in_ 3"),
    "basis_ garbage": (("state", "basis_"), {"class": "Nope"}, "basis"),
    "posterior_ missing cov": (("state", "posterior_"), {"mean": [0.0] * 4}, "missing key"),
    "posterior_ wrong shape": (("state", "posterior_"), {"mean": [0.0], "cov": [[1.0]]},
                               "posterior_"),
    "alpha_ text": (("state", "alpha_"), "big", "could not convert"),
    "params unknown key": (("params", "bogus"), 1, "bogus"),
    "params missing": (("params",), KeyError, "missing key 'params'"),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_corrupt_dict_is_a_clear_value_error(case):
    path, value, match = CORRUPTIONS[case]
    d = copy.deepcopy(_fitted_dict())
    parent = d
    for key in path[:-1]:
        parent = parent[key]
    if value is KeyError:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    with pytest.raises(ValueError, match="corrupt bayesfit estimator dict") as info:
        bf.from_dict(d)
    assert match in str(info.value)


@pytest.mark.parametrize("version", [2, "1", None, 0])
def test_unknown_format_version_is_rejected(version):
    d = _fitted_dict()
    assert d["format_version"] == 1
    d["format_version"] = version
    with pytest.raises(ValueError, match=r"format_version .* reads format_version 1: upgrade"):
        bf.from_dict(d)
    del d["format_version"]  # dicts written before the key existed still load
    assert isinstance(bf.from_dict(d), bf.EvidenceRegression)


@pytest.mark.parametrize(
    "d", [None, [], "model.json", {"format": "bayesfit.basis"}, {"class": "MLERegression"}]
)
def test_not_an_estimator_dict(d):
    with pytest.raises(ValueError, match="not a bayesfit estimator dict"):
        bf.from_dict(d)


def _pymc_model(seed=0):
    from bayesfit.priors import Gamma

    x, t = bf.datasets.linear(20, seed=1)
    return bf.PyMCRegression(
        bf.basis.Polynomial(2), priors={"alpha": Gamma(2.0, 2.0)}, chains=2, draws=60, tune=60,
        random_seed=seed, progressbar=False,
    ).fit(x, t)


def _pymc_outputs(model):
    out = list(model.predict(X_NEW, return_std=True))
    out.append(model.log_predictive_density(X_NEW, np.sin(X_NEW), reduction="none"))
    out.append(model.sample_functions(X_NEW, 5, random_state=3))
    out.append(model.posterior_predictive(X_NEW, random_state=4))
    return [np.asarray(a) for a in out]


def test_pymc_regression_round_trips_through_json_and_pickle():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bf.ConvergenceWarning)  # a short run, on purpose
        model = _pymc_model()
    restored = bf.from_dict(json.loads(json.dumps(model.to_dict())))
    assert type(restored) is bf.PyMCRegression
    assert restored.priors_ == model.priors_ and restored.method_ == model.method_
    _assert_identical(_pymc_outputs(restored), _pymc_outputs(model))
    unpickled = pickle.loads(pickle.dumps(model))
    _assert_identical(_pymc_outputs(unpickled), _pymc_outputs(model))
    corrupt = model.to_dict()
    del corrupt["state"]["posterior"]
    with pytest.raises(ValueError, match="corrupt bayesfit estimator dict"):
        bf.from_dict(corrupt)
