"""Bad input gets a clear ValueError/TypeError naming the argument, before any work."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import bayesfit as bf
from bayesfit.basis import GaussianRBF, Polynomial, Sigmoidal

ESTIMATORS = [bf.MLERegression, bf.MAPRegression, bf.BayesianRegression, bf.EvidenceRegression]
X_OK = np.linspace(0, 1, 8)
Y_OK = np.sin(X_OK)


def with_value(a, index, value):
    a = np.array(a, dtype=float)
    a[index] = value
    return a


BAD_DATA = [
    (with_value(X_OK, 3, np.nan), Y_OK, ValueError, "X contains NaN at row 3, column 0"),
    (X_OK, with_value(Y_OK, 5, np.nan), ValueError, "y contains NaN at index 5"),
    (X_OK, with_value(Y_OK, 2, np.inf), ValueError, "y contains inf at index 2"),
    (
        with_value(np.ones((8, 2)), (6, 1), -np.inf),
        Y_OK,
        ValueError,
        "X contains inf at row 6, column 1",
    ),
    (np.empty((0, 1)), np.empty(0), ValueError, "X has 0 samples"),
    (np.empty((8, 0)), Y_OK, ValueError, "X has 0 feature"),
    (X_OK, Y_OK[:-1], ValueError, "inconsistent numbers of samples: 8 and 7"),
    (["a", "b"], [1.0, 2.0], TypeError, "X must contain only numbers"),
    ("abc", [1.0], TypeError, "X must be array-like of numbers, got a string"),
    (np.ones((2, 2, 2)), [1.0, 2.0], ValueError, "X must be 1-D or 2-D, got 3-D"),
    (None, Y_OK, TypeError, "X must be array-like, got None"),
    (X_OK, None, ValueError, "target y is None"),
    (X_OK, np.ones((8, 2, 1)), ValueError, "y must be 1-D or 2-D, got 3-D"),
    (X_OK.astype(complex), Y_OK, ValueError, "Complex data not supported"),
    (X_OK > 0.5, Y_OK, TypeError, "X has boolean dtype"),
    (np.array([{"a": 1}] * 8, dtype=object), Y_OK, TypeError, "X must contain only numbers"),
]


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize(("X", "y", "error", "message"), BAD_DATA)
def test_bad_data_is_rejected_with_a_clear_message(estimator, X, y, error, message):
    model = estimator()
    with pytest.raises(error, match=message.replace("(", r"\(")):
        model.fit(X, y)
    assert not hasattr(model, "coef_")  # nothing half-written


BAD_PARAMS = [
    (bf.MAPRegression, {"alpha": -1.0}, "'alpha' must be a finite number in \\(0, inf\\)"),
    (bf.MAPRegression, {"alpha": float("nan")}, "'alpha'"),
    (bf.MAPRegression, {"beta": 0.0}, "'beta'"),
    (bf.MAPRegression, {"beta": "big"}, "'beta'"),
    (bf.BayesianRegression, {"alpha": float("inf")}, "'alpha'"),
    (bf.EvidenceRegression, {"max_iter": 0}, "'max_iter' must be an int"),
    (bf.EvidenceRegression, {"max_iter": 2.5}, "'max_iter'"),
    (bf.EvidenceRegression, {"tol": -1e-3}, "'tol'"),
    (bf.EvidenceRegression, {"alpha_init": -2.0}, "'alpha_init'"),
    (bf.EvidenceRegression, {"global_search": "yes"}, "'global_search'"),
    (
        bf.MLERegression,
        {"basis": "poly"},
        "'basis' must be None or a bayesfit.basis object; got 'poly'",
    ),
]


@pytest.mark.parametrize(("estimator", "params", "message"), BAD_PARAMS)
def test_bad_hyperparameters_are_rejected_at_fit(estimator, params, message):
    model = estimator(**params)  # __init__ only stores, as scikit-learn requires
    with pytest.raises(ValueError, match=message):
        model.fit(X_OK, Y_OK)


@pytest.mark.parametrize(
    ("basis", "message"),
    [
        (Polynomial(degree=-1), "'degree'"),
        (Polynomial(degree=2.0), "'degree' must be an int"),
        (GaussianRBF(n_centers=0), "'n_centers'"),
        (GaussianRBF(width=-0.1), "'width'"),
        (Sigmoidal(scale=0.0), "'scale'"),
        (GaussianRBF(centers=[0.0, np.nan]), "centers contains NaN at index 1"),
        (GaussianRBF(centers="abc"), "'centers'"),
        (Polynomial(bias=1), "'bias' must be True or False"),
    ],
)
def test_bad_basis_parameters(basis, message):
    with pytest.raises((ValueError, TypeError), match=message):
        bf.MAPRegression(basis).fit(X_OK, Y_OK)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_predict_before_fit_and_with_wrong_width(estimator):
    with pytest.raises(NotFittedError):
        estimator().predict(X_OK)
    model = estimator().fit(np.column_stack([X_OK, X_OK**2]), Y_OK)
    with pytest.raises(ValueError, match=r"X has 3 features, but .* is expecting 2"):
        model.predict(np.ones((4, 3)))
    with pytest.raises(ValueError, match="X contains NaN"):
        model.predict(np.full((2, 2), np.nan))


def test_prior_shapes_are_checked():
    with pytest.raises(ValueError, match=r"prior_mean must have shape \(2,\)"):
        bf.BayesianRegression(prior_mean=np.zeros(3)).fit(X_OK, Y_OK)
    with pytest.raises(ValueError, match=r"prior_cov must have shape \(2, 2\)"):
        bf.BayesianRegression(prior_cov=np.eye(3)).fit(X_OK, Y_OK)
    with pytest.raises(ValueError, match="prior_cov is not positive definite"):
        bf.BayesianRegression(prior_cov=-np.eye(2)).fit(X_OK, Y_OK)


def test_random_state_checks():
    model = bf.BayesianRegression().fit(X_OK, Y_OK)
    with pytest.raises(TypeError, match="random_state must be None, an int or a numpy"):
        model.sample_functions(X_OK, 2, random_state=np.random.RandomState(0))
    with pytest.raises(ValueError, match=r"n must be an int in \[1, inf\)"):
        model.sample_functions(X_OK, 0)
    with pytest.raises(ValueError, match="seed"):
        bf.datasets.sinusoid(10, seed=-1)
    with pytest.raises(ValueError, match="n must be"):
        bf.datasets.sinusoid(0)


def test_column_vector_y_is_one_target_or_flattened_with_a_warning():
    from sklearn.exceptions import DataConversionWarning

    # an estimator of several targets keeps the shape (scikit-learn's multi-output convention)
    model = bf.MLERegression().fit(X_OK, Y_OK[:, None])
    np.testing.assert_allclose(model.coef_[0], bf.MLERegression().fit(X_OK, Y_OK).coef_)
    assert model.predict(X_OK).shape == (8, 1)
    # one of a single target flattens it, as scikit-learn's single-output estimators do
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        full = bf.FullBayesRegression(draws=20, random_seed=0).fit(X_OK, Y_OK[:, None])
    assert full.predict(X_OK).shape == (8,)


def test_a_failed_fit_leaves_the_estimator_as_it_was():
    # the prior's shape is checked after the basis is fitted: the basis must not stay behind
    model = bf.BayesianRegression(prior_mean=np.zeros(3))
    with pytest.raises(ValueError, match="prior_mean must have shape"):
        model.fit(X_OK, Y_OK)
    assert not hasattr(model, "basis_") and not hasattr(model, "n_features_in_")
    # a bad chunk after good ones: partial_fit and fit_stream keep the previous fit intact
    model = bf.EvidenceRegression().partial_fit(X_OK, Y_OK)
    before = {k: v for k, v in vars(model).items()}
    with pytest.raises(ValueError, match="y contains NaN"):
        model.partial_fit(X_OK, with_value(Y_OK, 0, np.nan))
    assert vars(model) == before
    with pytest.raises(ValueError, match="chunk 1"):
        model.fit_stream([(X_OK, Y_OK), (X_OK, with_value(Y_OK, 1, np.inf))])
    assert vars(model) == before
