"""Numerical edges: ill-conditioned and rank-deficient designs, extreme target scales, float32.

Each case checks that the results are finite, that a warning names the problem and a remedy
where one is due, and that the evidence never returns a negative, zero or NaN precision. The
references are scale laws that hold exactly in exact arithmetic (scaling t by c moves the
evidence maximum from (alpha, beta) to (alpha / c^2, beta / c^2)) and NumPy's own
least squares.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import bayesfit as bf

_N = 40


def _data(dtype=np.float64, scale=1.0, n=_N):
    rng = np.random.default_rng(8)
    x = np.linspace(0.0, 1.0, n)
    t = np.sin(2 * np.pi * x) + 0.1 * rng.standard_normal(n)
    return x.astype(dtype), (scale * t).astype(dtype)


def _fit_quietly(model, x, t):
    """Fit, returning the model and the BayesfitWarnings raised (other warnings fail)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, t)
    foreign = [w for w in caught if not issubclass(w.category, bf.BayesfitWarning)]
    assert not foreign, [str(w.message) for w in foreign]  # no RuntimeWarning overflow leaks
    return model, [str(w.message) for w in caught]


def _assert_finite(model, x, t):
    mean, std = model.predict(x, return_std=True)
    assert np.all(np.isfinite(bf.to_numpy(mean))) and np.all(np.isfinite(bf.to_numpy(std)))
    assert math.isfinite(model.log_predictive_density(x, t))
    if hasattr(model, "sample_functions"):
        assert np.all(np.isfinite(bf.to_numpy(model.sample_functions(x, 3, random_state=0))))


def _assert_precisions_ok(model):
    for name in ("alpha_", "beta_"):
        value = getattr(model, name)
        assert math.isfinite(value) and value > 0, (name, value)


# -- ill-conditioned polynomial designs ----------------------------------------------------------


@pytest.mark.parametrize("degree, min_cond", [(15, 1e11), (18, 1e12)])
def test_degree_15_on_unit_interval_warns_with_remedy_and_stays_finite(degree, min_cond):
    x, t = _data()
    Phi = bf.basis.Polynomial(degree).fit(x).transform(x)
    assert np.linalg.cond(Phi) > min_cond  # the case is as ill-conditioned as claimed
    with pytest.warns(bf.NumericalWarning) as record:
        model = bf.MLERegression(bf.basis.Polynomial(degree)).fit(x, t)
    message = str(record[0].message)
    assert "ill-conditioned" in message or "rank deficient" in message
    assert "better-conditioned basis" in message  # the remedy
    _assert_finite(model, x, t)
    # Backward stable: the residual is as small as NumPy's least squares leaves it (the
    # weights themselves are not determined to many digits, which is what the warning says).
    w_np = np.linalg.lstsq(Phi, t, rcond=None)[0]
    rss_np = float(np.sum((t - Phi @ w_np) ** 2))
    rss = float(np.sum((t - model.predict(x)) ** 2))
    assert rss <= rss_np * (1 + 1e-6) + 1e-12
    assert rss < _N * 0.2**2  # and a fit, not garbage: the noise sd is 0.1


def test_ill_conditioning_warning_says_rescale_and_how_many_digits():
    x, t = _data()
    with pytest.warns(bf.NumericalWarning, match=r"condition number .*Rescale the inputs"):
        bf.MLERegression(bf.basis.Polynomial(15)).fit(x, t)
    # The same degree on inputs rescaled to [-1, 1] is well conditioned: no warning at all.
    model, caught = _fit_quietly(bf.MLERegression(bf.basis.Polynomial(15)), 2 * x - 1, t)
    assert caught == []
    _assert_finite(model, 2 * x - 1, t)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_evidence_on_degree_15_is_finite_with_positive_precisions(dtype):
    x, t = _data(dtype)
    model, _ = _fit_quietly(bf.EvidenceRegression(bf.basis.Polynomial(15)), x, t)
    _assert_precisions_ok(model)
    _assert_finite(model, x, t)
    assert 0.05 < model.noise_std_ < 0.2  # the noise sd is 0.1


def test_bayes_refuses_a_numerically_singular_posterior_with_a_remedy():
    # float32, degree 15 and a vague prior: the posterior precision is not positive definite
    # in floating point. A clear error, never NaN weights.
    x, t = _data(np.float32)
    model = bf.BayesianRegression(bf.basis.Polynomial(15), alpha=1e-6, beta=100.0)
    with pytest.raises(ValueError, match=r"not positive definite.*increase alpha"):
        model.fit(x, t)


# -- rank deficiency: N < M and collinear columns ------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: bf.MAPRegression(bf.basis.Polynomial(9), alpha=1e-3, beta=10.0),
        lambda: bf.BayesianRegression(bf.basis.Polynomial(9), alpha=1e-3, beta=10.0),
        lambda: bf.EvidenceRegression(bf.basis.Polynomial(9)),
    ],
    ids=["map", "bayes", "evidence"],
)
def test_fewer_points_than_weights_is_fine_with_a_prior(make):
    x, t = _data(n=5)
    model, _ = _fit_quietly(make(), x, t)
    _assert_finite(model, x, t)
    if hasattr(model, "alpha_"):
        _assert_precisions_ok(model)


def test_mle_with_fewer_points_than_weights_warns_and_returns_min_norm():
    x, t = _data(n=5)
    with pytest.warns(bf.NumericalWarning, match=r"rank deficient \(rank 5 < 10 columns"):
        model = bf.MLERegression(bf.basis.Polynomial(9)).fit(x, t)
    Phi = bf.basis.Polynomial(9).fit(x).transform(x)
    np.testing.assert_allclose(model.coef_, np.linalg.pinv(Phi) @ t, rtol=1e-6, atol=1e-8)


def test_exactly_collinear_columns():
    x, t = _data()
    X = np.c_[x, 2.0 * x, x]  # three copies of one direction
    with pytest.warns(bf.NumericalWarning, match=r"rank deficient \(rank 2 < 4"):
        mle = bf.MLERegression().fit(X, t)
    Phi = np.c_[np.ones(_N), X]
    np.testing.assert_allclose(mle.coef_, np.linalg.pinv(Phi) @ t, rtol=1e-8, atol=1e-10)
    ev, _ = _fit_quietly(bf.EvidenceRegression(), X, t)
    _assert_precisions_ok(ev)
    _assert_finite(ev, X, t)
    # The prior splits the weight equally between the identical copies (x and x again).
    np.testing.assert_allclose(ev.coef_[1], ev.coef_[3], rtol=1e-8)


# -- target scales and float32 --------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [1e-8, 1e8])
def test_evidence_is_equivariant_under_target_scale(scale, dtype):
    # Regression test: in float32 the iteration used to clip beta to [2e-10, 4e9], so targets
    # of size 1e8 silently gave alpha = beta = 2.3e-10, and size 1e-8 a bogus boundary warning.
    x, t1 = _data(dtype)
    base, _ = _fit_quietly(bf.EvidenceRegression(bf.basis.Polynomial(5)), x, t1)
    x, tc = _data(dtype, scale)
    model, caught = _fit_quietly(bf.EvidenceRegression(bf.basis.Polynomial(5)), x, tc)
    assert caught == []
    rtol = 1e-6 if dtype is np.float64 else 2e-2
    np.testing.assert_allclose(model.alpha_, base.alpha_ / scale**2, rtol=rtol)
    np.testing.assert_allclose(model.beta_, base.beta_ / scale**2, rtol=rtol)
    np.testing.assert_allclose(bf.to_numpy(model.coef_), scale * bf.to_numpy(base.coef_),
                               rtol=rtol, atol=rtol * scale * 1e-3)
    # ln p(c t) = ln p(t) - N ln c: the Jacobian of the change of variable.
    np.testing.assert_allclose(
        model.log_evidence_, base.log_evidence_ - _N * math.log(scale), rtol=rtol
    )
    _assert_finite(model, x, tc)


@pytest.mark.parametrize("scale", [1e-8, 1e8])
@pytest.mark.parametrize(
    "make",
    [
        lambda s: bf.MLERegression(bf.basis.Polynomial(5)),
        lambda s: bf.MAPRegression(bf.basis.Polynomial(5), alpha=1e-3 / s**2, beta=100 / s**2),
        lambda s: bf.BayesianRegression(
            bf.basis.Polynomial(5), alpha=1e-3 / s**2, beta=100 / s**2
        ),
    ],
    ids=["mle", "map", "bayes"],
)
def test_fixed_precision_models_scale_with_the_targets(make, scale):
    x, t = _data()
    base, _ = _fit_quietly(make(1.0), x, t)
    model, _ = _fit_quietly(make(scale), x, scale * t)
    np.testing.assert_allclose(model.coef_, scale * base.coef_, rtol=1e-7)
    _assert_finite(model, x, scale * t)


def test_zero_and_constant_targets_never_give_nan_precisions():
    x, _ = _data()
    for t in (np.zeros(_N), np.full(_N, 3.0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a boundary (noise-free), reached via overflow
            model = bf.EvidenceRegression(bf.basis.Polynomial(3)).fit(x, t)
        _assert_precisions_ok(model)
        assert np.all(np.isfinite(model.predict(x)))


def test_float32_inputs_keep_float32_and_finite_results():
    x, t = _data(np.float32)
    for model in (
        bf.MLERegression(bf.basis.Polynomial(3)),
        bf.MAPRegression(bf.basis.Polynomial(3)),
        bf.BayesianRegression(bf.basis.Polynomial(3), alpha=1e-2, beta=100.0),
        bf.EvidenceRegression(bf.basis.Polynomial(3)),
    ):
        _fit_quietly(model, x, t)
        assert model.predict(x).dtype == np.float32
        _assert_finite(model, x, t)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_all_zero_targets_warn_once_and_stay_finite(dtype):
    # The evidence is unbounded (beta -> inf): a NumericalWarning, finite numbers, and no
    # overflow RuntimeWarning from the iteration on the way.
    x = np.linspace(0, 1, 20).astype(dtype)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = bf.EvidenceRegression(bf.basis.Polynomial(2)).fit(x, np.zeros(20, dtype))
    kinds = {type(w.message) for w in caught}
    assert kinds == {bf.NumericalWarning}, [str(w.message) for w in caught]
    assert np.isfinite(model.alpha_) and np.isfinite(model.beta_) and model.alpha_ > 0
    np.testing.assert_array_equal(model.coef_, 0.0)


# -- overflow is bad input -----------------------------------------------------------------------

FITS = [
    lambda: bf.MLERegression(bf.basis.Polynomial(3)),
    lambda: bf.MAPRegression(bf.basis.Polynomial(3)),
    lambda: bf.BayesianRegression(bf.basis.Polynomial(3)),
    lambda: bf.EvidenceRegression(bf.basis.Polynomial(3)),
]


@pytest.mark.parametrize("make", FITS)
@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("x", 1e300, r"X contains 1e\+300 at row 5, column 0, whose square overflows float64"),
        ("y", 1e300, r"y contains 1e\+300 at index 5, whose square overflows float64"),
        ("x", 1e100, r"the design matrix \(the basis functions of X\) contains 1e\+200 at row 5, "
                     r"column 2, whose square overflows"),
        ("x", np.nan, "X contains NaN at row 5, column 0"),
        ("y", -np.inf, "y contains inf at index 5"),
    ],
)
def test_values_whose_squares_overflow_are_bad_input(make, where, value, message):
    x, t = _data()
    x, t = x.copy(), t.copy()
    (x if where == "x" else t)[5] = value
    model = make()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning before the error either
        with pytest.raises(ValueError, match=message):
            model.fit(x, t)
        with pytest.raises(ValueError, match="chunk 1: " + message.replace("5", "1", 1)):
            make().fit_stream([(x[:4], t[:4]), (x[4:], t[4:])])
    assert not hasattr(model, "coef_")


def test_float32_overflow_is_read_at_float32s_range():
    x, t = _data(np.float32)
    t[2] = 1e20  # its square, 1e40, overflows float32 (max 3.4e38)
    with pytest.raises(ValueError, match="y contains 1e\\+20 at index 2, whose square overflows "
                                         "float32"):
        bf.EvidenceRegression().fit(x, t)
    bf.MAPRegression().fit(x.astype(np.float64), t.astype(np.float64))  # fine in float64


def test_bounded_bases_still_reject_inf_in_x():
    # An RBF of inf is 0: the statistics would not show it, so X itself is checked.
    x, t = _data()
    x[3] = np.inf
    with pytest.raises(ValueError, match="X contains inf at row 3"):
        bf.EvidenceRegression(bf.basis.GaussianRBF(5)).fit(x, t)


def test_pure_noise_stops_at_the_all_noise_limit():
    # Zero-mean targets on a constant basis: the evidence grows towards alpha -> infinity,
    # where the weights are pinned at 0 and p(t) = N(t | 0, I / beta), largest at
    # beta = N / t^T t. The iteration must stop there, say so, and not claim non-convergence.
    t = np.random.default_rng(4).normal(size=40)
    t -= t.mean()
    x = np.linspace(0.0, 1.0, 40)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = bf.EvidenceRegression(bf.basis.Polynomial(0)).fit(x, t)
    kinds = [w.category for w in caught]
    assert kinds == [bf.NumericalWarning] and "boundary" in str(caught[0].message)
    assert model.n_iter_ < 100
    beta = t.size / (t @ t)
    limit = 0.5 * t.size * np.log(beta / (2 * np.pi)) - 0.5 * beta * (t @ t)
    assert model.beta_ == pytest.approx(beta, rel=1e-8)
    assert model.log_evidence_ == pytest.approx(limit, rel=1e-8)
