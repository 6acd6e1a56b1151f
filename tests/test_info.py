"""bf.info against SciPy / scikit-learn / closed forms, and its identities as properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special as sps
import scipy.stats as st
from hypothesis import assume, given, settings
from hypothesis import strategies as hst
from hypothesis.extra import numpy as hnp
from scipy.spatial.distance import jensenshannon
from sklearn.metrics import mutual_info_score

from bayesfit import info, to_numpy
from bayesfit._special import CHUNK_ELEMENTS


def _tol(dtype_name):
    return 1e-12 if dtype_name == "float64" else 2e-5


def _simplex(rng, shape, axis=-1, zeros=True):
    p = rng.gamma(0.7, size=shape)
    if zeros:
        p[rng.uniform(size=shape) < 0.2] = 0.0  # exercise 0 log 0
    p = np.moveaxis(p, axis, -1)
    p[..., 0] += 1e-3  # no all-zero slice
    p = np.moveaxis(p, -1, axis)
    return p / p.sum(axis=axis, keepdims=True)


def _as(xp, dtype_name, *arrays):
    dtype = getattr(xp, dtype_name)
    out = [xp.asarray(a, dtype=dtype) for a in arrays]
    # the references see exactly the rounded inputs
    return out, [to_numpy(a).astype(np.float64) for a in out]


# -- against SciPy, on every backend and dtype, along every axis ----------------------------------
@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("base", [None, 2])
def test_entropy_kl_cross_entropy_match_scipy(xp, dtype_name, rng, axis, base):
    p0 = _simplex(rng, (3, 5, 4), axis)
    q0 = _simplex(rng, (3, 5, 4), axis, zeros=False)
    (p, q), (ph, qh) = _as(xp, dtype_name, p0, q0)
    tol = _tol(dtype_name)
    log_b = 1.0 if base is None else math.log(base)

    h = info.entropy(p, axis=axis, base=base)
    assert h.dtype == p.dtype and type(h) is type(p)
    # scipy.stats.entropy renormalises, so it is a reference for the rounded inputs as they are
    np.testing.assert_allclose(to_numpy(h), st.entropy(ph, axis=axis, base=base), rtol=tol)
    kl = info.kl_divergence(p, q, axis=axis, base=base)
    np.testing.assert_allclose(
        to_numpy(kl), st.entropy(ph, qh, axis=axis, base=base), rtol=10 * tol, atol=tol
    )
    np.testing.assert_allclose(
        to_numpy(kl), np.sum(sps.rel_entr(ph, qh), axis=axis) / log_b, rtol=10 * tol, atol=tol
    )
    ce = info.cross_entropy(p, q, axis=axis, base=base)
    np.testing.assert_allclose(
        to_numpy(ce), -np.sum(sps.xlogy(ph, qh), axis=axis) / log_b, rtol=tol
    )
    js = info.js_divergence(p, q, axis=axis, base=base)
    np.testing.assert_allclose(
        to_numpy(js),
        jensenshannon(ph, qh, axis=axis, base=base) ** 2,
        rtol=100 * tol,
        atol=10 * tol,
    )


def test_large_batches_are_computed_in_blocks_with_the_same_result(rng):
    rows = 3 * CHUNK_ELEMENTS // 500 + 7  # several blocks and a ragged last one
    p = _simplex(rng, (rows, 500))
    q = _simplex(rng, (rows, 500), zeros=False)
    np.testing.assert_allclose(info.entropy(p), st.entropy(p, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(info.kl_divergence(p, q), st.entropy(p, q, axis=-1), rtol=1e-10)
    # along axis 0 the blocks are taken along axis 1
    np.testing.assert_allclose(info.entropy(p.T.copy(), axis=0), st.entropy(p, axis=-1), rtol=1e-12)


def test_self_information_matches_minus_log(xp, dtype_name):
    (p,), (ph,) = _as(xp, dtype_name, np.array([0.5, 0.1, 1.0, 0.0]))
    out = to_numpy(info.self_information(p, base=2))
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(out, -np.log2(ph), rtol=_tol(dtype_name))
    assert out[2] == 0.0 and not np.signbit(out[2]) and out[3] == np.inf


def test_normalize_accepts_counts_like_scipy(xp):
    counts = xp.asarray([[1.0, 2.0, 7.0], [0.0, 5.0, 5.0]])
    np.testing.assert_allclose(
        to_numpy(info.entropy(counts, normalize=True)), st.entropy(to_numpy(counts), axis=-1)
    )
    other = xp.asarray([[3.0, 3.0, 4.0], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(
        to_numpy(info.kl_divergence(counts, other, normalize=True)),
        st.entropy(to_numpy(counts), to_numpy(other), axis=-1),
    )


def test_zero_conventions_infinite_never_nan(xp):
    p = xp.asarray([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    q = xp.asarray([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(to_numpy(info.kl_divergence(p, q)), [np.inf, 0.0])
    np.testing.assert_array_equal(to_numpy(info.cross_entropy(p, q)), [np.inf, 0.0])
    np.testing.assert_array_equal(to_numpy(info.entropy(q)), [0.0, 0.0])
    js = to_numpy(info.js_divergence(p, q))
    assert np.all(np.isfinite(js))


# -- joint tables ----------------------------------------------------------------------
def test_mutual_information_matches_scikit_learn_on_contingency_tables(rng):
    counts = rng.integers(0, 20, size=(4, 6)).astype(float)
    counts[0, 0] = 0.0
    expected = mutual_info_score(None, None, contingency=counts)
    assert float(info.mutual_information(counts, normalize=True)) == pytest.approx(
        expected, rel=1e-12
    )


def test_mutual_and_conditional_information_match_entropy_identities(xp, dtype_name, rng):
    (joint,), (jh,) = _as(xp, dtype_name, _simplex(rng, (3, 4, 5)).reshape(3, 4, 5) / 4)
    jh = jh / jh.sum(axis=(-2, -1), keepdims=True)
    h_xy = st.entropy(jh.reshape(3, -1), axis=-1)
    h_x = st.entropy(jh.sum(axis=-1), axis=-1)
    h_y = st.entropy(jh.sum(axis=-2), axis=-1)
    tol = 100 * _tol(dtype_name)
    mi = info.mutual_information(joint, normalize=True)
    assert mi.shape == (3,) and mi.dtype == joint.dtype
    np.testing.assert_allclose(to_numpy(mi), h_x + h_y - h_xy, rtol=tol, atol=tol)
    ce = info.conditional_entropy(joint, normalize=True, base=2)
    np.testing.assert_allclose(to_numpy(ce), (h_xy - h_x) / np.log(2), rtol=tol, atol=tol)


# -- Gaussians -------------------------------------------------------------------------
def _spd(rng, batch, m):
    a = rng.normal(size=(*batch, m, m))
    return a @ np.swapaxes(a, -1, -2) + m * np.eye(m)


def test_gaussian_entropy_matches_scipy_batched(xp, dtype_name, rng):
    (cov,), (ch,) = _as(xp, dtype_name, _spd(rng, (2, 3), 4))
    out = info.gaussian_entropy(cov)
    assert out.shape == (2, 3) and out.dtype == cov.dtype
    expected = [[st.multivariate_normal(cov=c).entropy() for c in row] for row in ch]
    np.testing.assert_allclose(to_numpy(out), expected, rtol=100 * _tol(dtype_name))


def _kl_reference(m0, s0, m1, s1):
    """The textbook formula with an explicit inverse and slogdet (fine for a test reference)."""
    inv = np.linalg.inv(s1)
    d = m1 - m0
    return 0.5 * (
        np.trace(inv @ s0)
        + d @ inv @ d
        - len(m0)
        + np.linalg.slogdet(s1)[1]
        - np.linalg.slogdet(s0)[1]
    )


def test_gaussian_kl_matches_the_textbook_formula_batched(xp, dtype_name, rng):
    m0, m1 = rng.normal(size=(2, 5, 3))
    s0, s1 = _spd(rng, (5,), 3), _spd(rng, (5,), 3)
    (a, b, c, d), (ah, bh, ch, dh) = _as(xp, dtype_name, m0, s0, m1, s1)
    out = info.gaussian_kl(a, b, c, d)
    assert out.shape == (5,) and out.dtype == a.dtype
    expected = [_kl_reference(ah[i], bh[i], ch[i], dh[i]) for i in range(5)]
    np.testing.assert_allclose(to_numpy(out), expected, rtol=100 * _tol(dtype_name))


def test_gaussian_kl_one_dimensional_closed_form():
    m0, s0, m1, s1 = 0.3, 0.7, -1.1, 1.9
    expected = math.log(s1 / s0) + (s0**2 + (m0 - m1) ** 2) / (2 * s1**2) - 0.5
    out = info.gaussian_kl([m0], [[s0**2]], [m1], [[s1**2]], base=2)
    assert float(out) == pytest.approx(expected / math.log(2), rel=1e-13)


def test_kl_monte_carlo_agrees_with_the_exact_gaussian_kl(rng):
    p, q = st.norm(0.0, 1.0), st.norm(0.8, 1.5)
    x = p.rvs(size=40000, random_state=rng)
    est = info.kl_monte_carlo(p.logpdf, q.logpdf, x)
    exact = float(info.gaussian_kl([0.0], [[1.0]], [0.8], [[2.25]]))
    d = p.logpdf(x) - q.logpdf(x)
    assert est.n_samples == 40000
    assert float(est.stderr) == pytest.approx(d.std(ddof=1) / math.sqrt(40000), rel=1e-12)
    assert abs(float(est.estimate) - exact) < 4 * float(est.stderr)


# -- identities as properties ----------------------------------------------------------------------
@hst.composite
def distributions(draw, n=2, min_k=1, max_k=8):
    k = draw(hst.integers(min_k, max_k))
    out = []
    for _ in range(n):
        # no subnormals: p/q overflows for them, giving +inf like scipy.special.rel_entr
        w = draw(hnp.arrays(np.float64, (k,), elements=hst.floats(0.0, 1.0, allow_subnormal=False)))
        assume(w.sum() > 1e-3)
        out.append(w / w.sum())
    return out


@settings(max_examples=80, deadline=None)
@given(distributions())
def test_cross_entropy_is_entropy_plus_kl_and_kl_is_non_negative(pq):
    p, q = pq
    kl = float(info.kl_divergence(p, q))
    assert kl >= -1e-12
    assert float(info.kl_divergence(p, p)) == pytest.approx(0.0, abs=1e-12)
    ce, h = float(info.cross_entropy(p, q)), float(info.entropy(p))
    if math.isinf(kl):
        assert math.isinf(ce)
    else:
        assert ce == pytest.approx(h + kl, rel=1e-9, abs=1e-12)
    if not np.allclose(p, q, atol=1e-3):  # KL = 0 only for p == q
        assert kl > 0


@settings(max_examples=80, deadline=None)
@given(distributions())
def test_js_is_symmetric_and_at_most_ln2(pq):
    p, q = pq
    js = float(info.js_divergence(p, q))
    assert js == pytest.approx(float(info.js_divergence(q, p)), rel=1e-12, abs=1e-15)
    assert -1e-15 <= js <= math.log(2) + 1e-12
    assert float(info.js_divergence(p, q, base=2)) <= 1 + 1e-12


@settings(max_examples=60, deadline=None)
@given(distributions(n=2, min_k=1, max_k=5), hst.data())
def test_mutual_information_is_non_negative_and_zero_for_independent_tables(pq, data):
    px, py = pq
    py = data.draw(distributions(n=1, min_k=1, max_k=5))[0]
    independent = np.outer(px, py)
    assert float(info.mutual_information(independent, normalize=True)) == pytest.approx(
        0.0, abs=1e-12
    )
    w = data.draw(hnp.arrays(np.float64, (len(px), len(py)), elements=hst.floats(0.0, 1.0)))
    assume(w.sum() > 1e-3)
    mi = float(info.mutual_information(w, normalize=True))
    assert mi >= 0.0
    assert mi <= min(float(info.entropy(w.sum(1), normalize=True)), 20.0) + 1e-9


@settings(max_examples=30, deadline=None)
@given(hst.integers(1, 5), hst.integers(0, 2**32 - 1))
def test_gaussian_kl_is_zero_for_identical_arguments(m, seed):
    rng = np.random.default_rng(seed)
    mean, cov = rng.normal(size=m), _spd(rng, (), m)
    assert float(info.gaussian_kl(mean, cov, mean, cov)) == pytest.approx(0.0, abs=1e-12)


# -- bad input -------------------------------------------------------------------------
BAD = [
    (lambda: info.entropy([0.5, 0.6]), "sum that differs from 1"),
    (lambda: info.entropy([0.5, -0.5, 1.0]), "non-negative"),
    (lambda: info.entropy([np.nan, 1.0]), "not NaN"),
    (lambda: info.entropy([[1.0, 0.0], [0.0, 0.0]], normalize=True), "cannot be normalised"),
    (lambda: info.entropy([]), "empty"),
    (lambda: info.entropy(1.0), "scalar"),
    (lambda: info.entropy([1.0], axis=1), "axis 1 is out of bounds"),
    (lambda: info.entropy([1.0], base=1), "base must be"),
    (lambda: info.entropy([1.0], base=-2), "base must be"),
    (lambda: info.kl_divergence([0.5, 0.5], [[0.5, 0.5]]), "same shape"),
    (lambda: info.kl_divergence([0.5, 0.5], [0.5, 0.4]), "q along axis -1"),
    (lambda: info.self_information([1.2]), "probabilities in"),
    (lambda: info.mutual_information([0.5, 0.5]), "at least 2 dimensions"),
    (lambda: info.mutual_information([[0.5, 0.5], [0.5, 0.5]]), "differs from 1"),
    (lambda: info.gaussian_entropy(np.eye(2)[:1]), "square"),
    (lambda: info.gaussian_entropy(np.array([[1.0, 0.5], [0.0, 1.0]])), "not symmetric"),
    (lambda: info.gaussian_entropy(-np.eye(2)), "not positive definite"),
    (lambda: info.gaussian_kl(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3)), "one shape"),
    (lambda: info.gaussian_kl(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)), "cov0 must have"),
    (lambda: info.kl_monte_carlo(np.log, np.log, np.ones(1)), "at least 2 draws"),
    (lambda: info.kl_monte_carlo(lambda x: x[:1], np.log, np.ones(3)), "shape"),
    (lambda: info.kl_monte_carlo(np.log, np.log, [1.0, np.nan]), "NaN"),
]


@pytest.mark.parametrize(("call", "match"), BAD)
def test_bad_input_is_a_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_dtype_scaled_tolerance_accepts_float32_softmax_rows():
    z = np.random.default_rng(3).normal(size=(50, 1000)).astype(np.float32)
    p = sps.softmax(z, axis=-1).astype(np.float32)  # sums off 1 by float32 rounding
    assert np.all(np.isfinite(info.entropy(p)))
    with pytest.raises(ValueError, match="differs from 1"):
        info.entropy(p.astype(np.float64) * (1 + 1e-6))  # too far off for float64


def test_kl_monte_carlo_needs_callables():
    with pytest.raises(TypeError, match="callables"):
        info.kl_monte_carlo(np.zeros(3), np.log, np.ones(3))


def test_kl_monte_carlo_on_array_api_strict(rng):
    import array_api_strict as xps

    x = xps.asarray(rng.normal(size=5000))

    def logp(s):
        return -0.5 * s**2 - 0.5 * math.log(2 * math.pi)

    def logq(s):
        return -0.5 * (s - 1.0) ** 2 - 0.5 * math.log(2 * math.pi)

    est = info.kl_monte_carlo(logp, logq, x, base=2)
    assert type(est.estimate) is type(x)
    assert abs(float(est.estimate) - 0.5 / math.log(2)) < 4 * float(est.stderr)
