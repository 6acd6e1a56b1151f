"""Losses against SciPy log densities, finite differences and the likelihood identities."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special as sps
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hst
from hypothesis.extra import numpy as hnp

from bayesfit import losses as L
from bayesfit import to_numpy

REDUCTIONS = ["mean", "sum", "none"]


def _reduce(per_sample, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](per_sample)


def _rel_err(a, b):
    return np.linalg.norm(np.ravel(a - b)) / max(np.linalg.norm(np.ravel(b)), 1e-300)


def _tol(dtype_name):
    return 1e-10 if dtype_name == "float64" else 1e-4


# -- one table of cases: (name, call on xp arrays, independent reference on host float64) ------
def _cases(rng):
    y = rng.normal(size=(4, 5))
    mean = rng.normal(size=(4, 5))
    var = rng.uniform(0.2, 3.0, size=(4, 5))
    yb = rng.integers(0, 2, size=(4, 5)).astype(float)
    ysoft = rng.uniform(size=(4, 5))
    p = rng.uniform(0.02, 0.98, size=(4, 5))
    z = rng.normal(scale=3.0, size=(4, 5))
    labels = rng.integers(0, 5, size=4)
    soft = rng.dirichlet(np.ones(5), size=4)
    probs = rng.dirichlet(np.ones(5), size=4)
    onehot = np.eye(5)[labels]
    return [
        ("mse", lambda xp, c, r: L.mse(c(y), c(mean), r), (y - mean) ** 2, {}),
        (
            "gaussian_nll_var",
            lambda xp, c, r: L.gaussian_nll(c(y), c(mean), c(var), reduction=r),
            -st.norm.logpdf(y, mean, np.sqrt(var)),
            {},
        ),
        (
            "gaussian_nll_beta",
            lambda xp, c, r: L.gaussian_nll(c(y), c(mean), beta=2.5, reduction=r),
            -st.norm.logpdf(y, mean, 1 / np.sqrt(2.5)),
            {},
        ),
        (
            "bce_probs_soft",
            lambda xp, c, r: L.binary_cross_entropy(c(ysoft), probs=c(p), reduction=r),
            -(sps.xlogy(ysoft, p) + sps.xlogy(1 - ysoft, 1 - p)),
            {},
        ),
        (
            "bce_logits_soft",
            lambda xp, c, r: L.binary_cross_entropy(c(ysoft), logits=c(z), reduction=r),
            -(ysoft * sps.log_expit(z) + (1 - ysoft) * sps.log_expit(-z)),
            {},
        ),
        (
            "bernoulli_nll",
            lambda xp, c, r: L.bernoulli_nll(c(yb), c(p), r),
            -st.bernoulli.logpmf(yb, p),
            {},
        ),
        (
            "cross_entropy_labels",
            lambda xp, c, r: L.cross_entropy(xp.asarray(labels), c(z), reduction=r),
            -sps.log_softmax(z, axis=-1)[np.arange(4), labels],
            {},
        ),
        (
            "cross_entropy_soft",
            lambda xp, c, r: L.cross_entropy(c(soft), c(z), reduction=r),
            -np.sum(soft * sps.log_softmax(z, axis=-1), axis=-1),
            {},
        ),
        (
            "cross_entropy_smoothed",
            lambda xp, c, r: L.cross_entropy(xp.asarray(labels), c(z), 0.2, reduction=r),
            -np.sum((0.8 * onehot + 0.2 / 5) * sps.log_softmax(z, axis=-1), axis=-1),
            {},
        ),
        (
            "categorical_nll",
            lambda xp, c, r: L.categorical_nll(xp.asarray(labels), c(probs), r),
            -st.multinomial.logpmf(onehot, 1, probs),
            {},
        ),
    ]


CASE_NAMES = [c[0] for c in _cases(np.random.default_rng(0))]


@pytest.mark.parametrize("name", CASE_NAMES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_losses_match_scipy_log_densities(xp, dtype_name, name, reduction):
    case = {c[0]: c for c in _cases(np.random.default_rng(1))}[name]
    dtype = getattr(xp, dtype_name)

    def c(a):
        return xp.asarray(a, dtype=dtype)

    out = case[1](xp, c, reduction)
    expected = _reduce(case[2], reduction)
    assert out.dtype == dtype
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(
        to_numpy(out), expected, rtol=_tol(dtype_name), atol=1e-6 if dtype_name == "float32" else 0
    )


# -- gradients against central differences (float64 NumPy), for every loss and reduction ------
def _grad_cases(rng):
    y = rng.normal(size=(3, 4))
    var = rng.uniform(0.3, 2.0, size=(3, 4))
    ysoft = rng.uniform(size=(3, 4))
    yb = rng.integers(0, 2, size=(3, 4)).astype(float)
    labels = rng.integers(0, 4, size=3)
    soft = rng.dirichlet(np.ones(4), size=3)
    probs_start = rng.dirichlet(np.ones(4), size=3)
    return [
        (
            "mse",
            lambda v, r: L.mse(y, v, r),
            lambda v, r: L.mse_grad(y, v, r),
            rng.normal(size=(3, 4)),
        ),
        (
            "gaussian_nll_var",
            lambda v, r: L.gaussian_nll(y, v, var, reduction=r),
            lambda v, r: L.gaussian_nll_grad(y, v, var, reduction=r),
            rng.normal(size=(3, 4)),
        ),
        (
            "gaussian_nll_beta",
            lambda v, r: L.gaussian_nll(y, v, beta=0.7, reduction=r),
            lambda v, r: L.gaussian_nll_grad(y, v, beta=0.7, reduction=r),
            rng.normal(size=(3, 4)),
        ),
        (
            "bce_probs",
            lambda v, r: L.binary_cross_entropy(ysoft, probs=v, reduction=r),
            lambda v, r: L.binary_cross_entropy_grad(ysoft, probs=v, reduction=r),
            rng.uniform(0.1, 0.9, size=(3, 4)),
        ),
        (
            "bce_logits",
            lambda v, r: L.binary_cross_entropy(ysoft, logits=v, reduction=r),
            lambda v, r: L.binary_cross_entropy_grad(ysoft, logits=v, reduction=r),
            rng.normal(scale=2.0, size=(3, 4)),
        ),
        (
            "bernoulli_nll",
            lambda v, r: L.bernoulli_nll(yb, v, r),
            lambda v, r: L.bernoulli_nll_grad(yb, v, r),
            rng.uniform(0.1, 0.9, size=(3, 4)),
        ),
        (
            "cross_entropy_labels",
            lambda v, r: L.cross_entropy(labels, v, 0.1, r),
            lambda v, r: L.cross_entropy_grad(labels, v, 0.1, r),
            rng.normal(size=(3, 4)),
        ),
        (
            "cross_entropy_soft",
            lambda v, r: L.cross_entropy(soft, v, reduction=r),
            lambda v, r: L.cross_entropy_grad(soft, v, reduction=r),
            rng.normal(size=(3, 4)),
        ),
        # the probabilities are perturbed off the simplex by the differences, so the loss is
        # differentiated as the function -ln p_y of all K entries, which is what the gradient
        # means; validation of the sums is the loss's business, not the derivative's.
        (
            "categorical_nll",
            lambda v, r: -np.log(v[np.arange(3), labels]).sum() / (3 if r == "mean" else 1),
            lambda v, r: L.categorical_nll_grad(labels, v, r),
            probs_start,
        ),
    ]


@pytest.mark.parametrize(
    "index", range(9), ids=[c[0] for c in _grad_cases(np.random.default_rng(0))]
)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_gradients_match_central_differences(numgrad, index, reduction):
    name, loss, grad, v0 = _grad_cases(np.random.default_rng(2))[index]
    fd = numgrad(lambda v: loss(v, reduction), v0)
    assert _rel_err(grad(v0, reduction), fd) < 1e-6, name
    # "none": the gradient of each sample's loss w.r.t. its own prediction = that of "sum"
    np.testing.assert_allclose(grad(v0, "none"), grad(v0, "sum"), rtol=1e-14)


def test_categorical_nll_value_on_the_simplex_is_the_function_differentiated():
    probs = np.array([[0.2, 0.3, 0.5]])
    assert float(L.categorical_nll(np.array([1]), probs)) == pytest.approx(-math.log(0.3))


# -- stability at extreme logits -----------------------------------------------------------------
def test_logit_losses_are_finite_and_exact_at_plus_minus_1e4(xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    z = xp.asarray([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4]], dtype=dtype)
    labels = xp.asarray([1, 1])
    ce = to_numpy(L.cross_entropy(labels, z, reduction="none"))
    np.testing.assert_allclose(ce, [2e4, 0.0], atol=1e-3)
    g = to_numpy(L.cross_entropy_grad(labels, z, reduction="sum"))
    np.testing.assert_allclose(g, [[1, -1, 0], [0, 0, 0]], atol=1e-6)
    zb = xp.asarray([1e4, -1e4, 1e4, -1e4], dtype=dtype)
    yb = xp.asarray([1.0, 0.0, 0.0, 1.0], dtype=dtype)
    bce = to_numpy(L.binary_cross_entropy(yb, logits=zb, reduction="none"))
    np.testing.assert_allclose(bce, [0.0, 0.0, 1e4, 1e4], rtol=1e-6)
    gb = to_numpy(L.binary_cross_entropy_grad(yb, logits=zb, reduction="sum"))
    np.testing.assert_allclose(gb, [0.0, 0.0, 1.0, -1.0])
    assert np.all(np.isfinite(ce)) and np.all(np.isfinite(bce))


def test_probability_losses_are_infinite_not_nan_where_the_observed_outcome_has_probability_0():
    assert L.binary_cross_entropy([1.0], probs=[0.0]) == math.inf
    assert L.binary_cross_entropy([0.0, 1.0], probs=[0.0, 1.0]) == 0.0  # 0 ln 0 = 0
    np.testing.assert_array_equal(L.bernoulli_nll([1, 0], [0.0, 0.0], "none"), [math.inf, 0.0])
    np.testing.assert_array_equal(L.bernoulli_nll_grad([1, 0], [0.0, 0.0], "sum"), [-math.inf, 1.0])
    assert L.categorical_nll(np.array([0]), np.array([[0.0, 1.0]])) == math.inf


# -- the identities: losses are likelihoods ----------------------------------------------
finite = hst.floats(-30, 30, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    y=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=finite),
    shift=finite,
    beta=hst.floats(0.01, 100.0),
)
def test_mse_is_the_gaussian_nll_up_to_scale_and_constant(y, shift, beta):
    pred = np.flip(y) + shift
    nll = L.gaussian_nll(y, pred, beta=beta, reduction="mean")
    expected = 0.5 * beta * L.mse(y, pred) - 0.5 * math.log(beta) + 0.5 * math.log(2 * math.pi)
    assert nll == pytest.approx(expected, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(
        L.gaussian_nll_grad(y, pred, beta=beta), 0.5 * beta * L.mse_grad(y, pred), rtol=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(
    data=hst.data(),
    n=hst.integers(1, 6),
    k=hst.integers(2, 6),
)
def test_softmax_cross_entropy_is_the_multinoulli_nll(data, n, k):
    z = data.draw(hnp.arrays(np.float64, (n, k), elements=finite))
    labels = data.draw(hnp.arrays(np.int64, (n,), elements=hst.integers(0, k - 1)))
    probs = sps.softmax(z, axis=-1)
    ce = L.cross_entropy(labels, z, reduction="none")
    np.testing.assert_allclose(ce, L.categorical_nll(labels, probs, "none"), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        ce, L.cross_entropy(np.eye(k)[labels], z, reduction="none"), rtol=1e-12, atol=1e-12
    )
    # the gradient is softmax(z) - onehot: no derivative of the softmax left in it
    np.testing.assert_allclose(
        L.cross_entropy_grad(labels, z, reduction="sum"), probs - np.eye(k)[labels], atol=1e-15
    )


@settings(max_examples=60, deadline=None)
@given(
    z=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=6), elements=finite),
    data=hst.data(),
)
def test_sigmoid_cross_entropy_is_the_bernoulli_nll_and_two_class_softmax(z, data):
    y = data.draw(hnp.arrays(np.float64, z.shape, elements=hst.sampled_from([0.0, 1.0])))
    bce = L.binary_cross_entropy(y, logits=z, reduction="none")
    p = sps.expit(z)
    # through p the NLL loses digits as 1 - p rounds (that is why logits are preferred), so
    # the identity is checked where p keeps 6 digits of 1 - p
    inner = (p > 1e-6) & (p < 1 - 1e-6)
    nll = L.bernoulli_nll(y, p, "none")
    np.testing.assert_allclose(bce[inner], nll[inner], rtol=1e-9, atol=1e-12)
    # two-class softmax on logits (0, z) is the sigmoid of z
    two = np.stack([np.zeros_like(z), z], axis=-1)
    np.testing.assert_allclose(
        bce, L.cross_entropy(y.astype(np.int64), two, reduction="none"), rtol=1e-12, atol=1e-12
    )
    # chain rule: d/dz = d/dp * sigma'(z), and the sigma'(z) cancels
    via_p = L.binary_cross_entropy_grad(y, probs=p, reduction="none") * p * (1 - p)
    direct = L.binary_cross_entropy_grad(y, logits=z, reduction="none")
    np.testing.assert_allclose(via_p[inner], direct[inner], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(direct, p - y, atol=1e-15)


def test_integer_targets_follow_the_prediction_dtype(xp):
    pred = xp.asarray([0.5, 1.5], dtype=xp.float32)
    assert L.mse(xp.asarray([1, 2]), pred).dtype == xp.float32


def test_batched_cross_entropy_over_leading_axes_and_chunks(rng):
    # big enough to take several blocks in the chunked kernel
    z = rng.normal(scale=4.0, size=(3, 700, 200))
    labels = rng.integers(0, 200, size=(3, 700))
    expected = -np.take_along_axis(sps.log_softmax(z, axis=-1), labels[..., None], axis=-1)[..., 0]
    np.testing.assert_allclose(L.cross_entropy(labels, z, reduction="none"), expected, rtol=1e-12)
    single = L.cross_entropy(labels[0, 0], z[0, 0])
    assert float(single) == pytest.approx(expected[0, 0], rel=1e-12)


# -- bad input -------------------------------------------------------------------------------------
BAD = [
    (lambda: L.mse([1.0, 2.0], [1.0], "mean"), "same shape"),
    (lambda: L.mse([1.0, np.nan], [1.0, 2.0]), "y contains NaN at index 1"),
    (lambda: L.mse([1.0], [np.inf]), "pred contains inf"),
    (lambda: L.mse([], []), "empty"),
    (lambda: L.mse([1.0], [1.0], reduction="avg"), "reduction must be one of"),
    (lambda: L.mse_grad([1.0], [1.0], reduction=None), "reduction must be one of"),
    (lambda: L.gaussian_nll([1.0], [1.0]), "exactly one of var"),
    (lambda: L.gaussian_nll([1.0], [1.0], [1.0], beta=1.0), "exactly one of var"),
    (lambda: L.gaussian_nll([1.0], [1.0], beta=-1.0), "beta must be"),
    (lambda: L.gaussian_nll([1.0], [1.0], [0.0]), "var must be positive"),
    (lambda: L.gaussian_nll([1.0, 2.0], [1.0, 2.0], [1.0, 1.0, 1.0]), "var must be a scalar or"),
    (lambda: L.binary_cross_entropy([1.0], [1.5]), "probs must be probabilities in"),
    (lambda: L.binary_cross_entropy([2.0], logits=[0.0]), "y must be probabilities in"),
    (lambda: L.binary_cross_entropy([1.0]), "exactly one of probs and logits"),
    (lambda: L.binary_cross_entropy([1.0], [0.5], [0.0]), "exactly one of probs and logits"),
    (lambda: L.binary_cross_entropy([1.0], probs=[np.nan]), "probs must be probabilities"),
    (lambda: L.bernoulli_nll([0.5], [0.5]), "labels 0 and 1 only"),
    (lambda: L.cross_entropy(np.array([3]), np.zeros((1, 3))), r"targets must be in \[0, 3\)"),
    (lambda: L.cross_entropy(np.array([-1]), np.zeros((1, 3))), "got -1 at index 0"),
    (lambda: L.cross_entropy(np.array([0, 1]), np.zeros((1, 3))), "shape of logits without"),
    (lambda: L.cross_entropy(np.array([1.0]), np.zeros((1, 3))), "class labels need an integer"),
    (lambda: L.cross_entropy(np.array([[0.5, 0.6]]), np.zeros((1, 2))), "differs from 1"),
    (
        lambda: L.cross_entropy(np.array([0]), np.zeros((1, 2)), label_smoothing=1.5),
        "label_smoothing",
    ),
    (lambda: L.cross_entropy(np.array(0), np.float64(1.0)), "class axis"),
    (lambda: L.cross_entropy(np.zeros(0, dtype=int), np.zeros((0, 3))), "empty"),
    (lambda: L.categorical_nll(np.array([0.0]), np.array([[0.5, 0.5]])), "integer dtype"),
    (lambda: L.categorical_nll(np.array([0]), np.array([[0.5, 0.6]])), "differs from 1"),
    (lambda: L.categorical_nll(np.array([0]), np.array([[-0.5, 1.5]])), "non-negative"),
]


@pytest.mark.parametrize(("call", "match"), BAD)
def test_bad_input_is_a_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_numbers_are_a_type_error():
    with pytest.raises(TypeError, match="y"):
        L.mse("ab", [1.0, 2.0])
    with pytest.raises(TypeError, match="boolean"):
        L.cross_entropy(np.array([True]), np.zeros((1, 2)))


def test_gradients_keep_namespace_and_dtype_and_match_closed_forms(xp, dtype_name, rng):
    dtype = getattr(xp, dtype_name)
    y = rng.uniform(size=(3, 4))
    yb = rng.integers(0, 2, size=(3, 4)).astype(float)
    v = rng.uniform(0.1, 0.9, size=(3, 4))
    labels = rng.integers(0, 4, size=3)
    probs = rng.dirichlet(np.ones(4), size=3)
    onehot = np.eye(4)[labels]
    c = {name: xp.asarray(a, dtype=dtype) for name, a in dict(y=y, yb=yb, v=v, probs=probs).items()}
    lab = xp.asarray(labels)
    cases = [
        (L.mse_grad(c["y"], c["v"]), 2 * (v - y) / 12),
        (L.gaussian_nll_grad(c["y"], c["v"], beta=3.0, reduction="sum"), 3.0 * (v - y)),
        (L.binary_cross_entropy_grad(c["y"], logits=c["v"], reduction="sum"), sps.expit(v) - y),
        (
            L.binary_cross_entropy_grad(c["y"], probs=c["v"], reduction="sum"),
            (v - y) / (v * (1 - v)),
        ),
        (L.bernoulli_nll_grad(c["yb"], c["v"], "sum"), np.where(yb == 1, -1 / v, 1 / (1 - v))),
        (L.cross_entropy_grad(lab, c["v"]), (sps.softmax(v, axis=-1) - onehot) / 3),
        (
            L.cross_entropy_grad(c["probs"], c["v"], reduction="sum"),
            sps.softmax(v, axis=-1) - probs,
        ),
        (L.categorical_nll_grad(lab, c["probs"], "sum"), -onehot / probs),
    ]
    for got, expected in cases:
        assert got.dtype == dtype and type(got) is type(c["v"])
        np.testing.assert_allclose(to_numpy(got), expected, rtol=1e3 * _tol(dtype_name), atol=1e-6)
