"""Activations and their derivatives against SciPy/NumPy and central finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sps

from bayesfit import to_numpy
from bayesfit.nn import activations as act

# (ours, independent reference on float64 NumPy, derivative, closed-form derivative)
ELEMENTWISE = [
    (act.sigmoid, sps.expit, act.sigmoid_grad, lambda z: sps.expit(z) * sps.expit(-z)),
    (act.tanh, np.tanh, act.tanh_grad, lambda z: 1.0 / np.cosh(z) ** 2),
    (act.relu, lambda z: np.maximum(z, 0.0), act.relu_grad, lambda z: (z > 0).astype(float)),
    (
        act.leaky_relu,
        lambda z: np.where(z > 0, z, 0.01 * z),
        act.leaky_relu_grad,
        lambda z: np.where(z > 0, 1.0, 0.01),
    ),
]
IDS = ["sigmoid", "tanh", "relu", "leaky_relu"]


def _rel_err(a, b):
    return np.linalg.norm(np.ravel(a - b)) / max(np.linalg.norm(np.ravel(b)), 1e-300)


def _tol(dtype_name):
    return 1e-12 if dtype_name == "float64" else 2e-6


@pytest.mark.parametrize(("f", "ref", "fgrad", "ref_grad"), ELEMENTWISE, ids=IDS)
def test_elementwise_match_reference_on_every_backend(xp, dtype_name, rng, f, ref, fgrad, ref_grad):
    z_host = rng.normal(scale=4.0, size=(3, 4, 5))
    z = xp.asarray(z_host, dtype=getattr(xp, dtype_name))
    out = f(z)
    assert type(out) is type(z) and out.dtype == z.dtype and out.shape == z.shape
    zz = to_numpy(z).astype(np.float64)  # compare at the rounded inputs
    tol = _tol(dtype_name)
    np.testing.assert_allclose(to_numpy(out), ref(zz), rtol=tol, atol=tol)
    np.testing.assert_allclose(to_numpy(fgrad(z)), ref_grad(zz), rtol=10 * tol, atol=tol)
    g = xp.asarray(rng.normal(size=z_host.shape), dtype=z.dtype)
    np.testing.assert_allclose(
        to_numpy(fgrad(z, g)), to_numpy(g) * ref_grad(zz), rtol=10 * tol, atol=tol
    )


@pytest.mark.parametrize(("f", "fgrad"), [(e[0], e[2]) for e in ELEMENTWISE], ids=IDS)
def test_elementwise_derivative_matches_finite_differences(rng, numgrad, f, fgrad):
    z = rng.normal(scale=3.0, size=7)
    z[np.abs(z) < 1e-3] = 0.5  # keep away from the kink of (leaky) relu
    g = rng.normal(size=7)
    fd = numgrad(lambda v: np.sum(g * f(v)), z)
    assert _rel_err(fgrad(z, g), fd) < 1e-6


def test_sigmoid_is_stable_and_accurate_in_the_tails(xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    z = xp.asarray([-1e4, -80.0, -30.0, 0.0, 30.0, 1e4], dtype=dtype)
    s = to_numpy(act.sigmoid(z))
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s, sps.expit(to_numpy(z).astype(np.float64)), rtol=_tol(dtype_name))
    # saturated units keep their tiny, positive slope instead of rounding to 0
    d = to_numpy(act.sigmoid_grad(xp.asarray([-30.0, 30.0], dtype=dtype)))
    np.testing.assert_allclose(d, np.exp(-30.0) / (1 + np.exp(-30.0)) ** 2, rtol=_tol(dtype_name))


def test_relu_gradients_at_zero_follow_the_documented_convention():
    np.testing.assert_array_equal(act.relu_grad(np.array([0.0])), [0.0])
    np.testing.assert_array_equal(act.leaky_relu_grad(np.array([0.0]), negative_slope=0.2), [0.2])
    assert not np.signbit(act.relu(np.array([-3.0]))[0])  # +0, not -0


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax_match_scipy(xp, dtype_name, rng, axis):
    z_host = rng.normal(scale=5.0, size=(4, 6, 3))
    z = xp.asarray(z_host, dtype=getattr(xp, dtype_name))
    zz = to_numpy(z).astype(np.float64)
    tol = _tol(dtype_name)
    s = act.softmax(z, axis=axis)
    assert s.dtype == z.dtype and s.shape == z.shape
    np.testing.assert_allclose(to_numpy(s), sps.softmax(zz, axis=axis), rtol=10 * tol, atol=tol)
    np.testing.assert_allclose(
        to_numpy(act.log_softmax(z, axis=axis)),
        sps.log_softmax(zz, axis=axis),
        rtol=10 * tol,
        atol=10 * tol,
    )


def test_softmax_is_finite_at_extreme_logits(xp, dtype_name):
    z = xp.asarray([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=getattr(xp, dtype_name))
    np.testing.assert_allclose(
        to_numpy(act.softmax(z)), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6
    )
    np.testing.assert_allclose(
        to_numpy(act.log_softmax(z)), [[0, -2e4, -1e4], [-np.log(3)] * 3], rtol=1e-6
    )


@pytest.mark.parametrize(
    ("f", "fgrad"), [(act.softmax, act.softmax_grad), (act.log_softmax, act.log_softmax_grad)]
)
@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_jacobian_and_vjp_match_finite_differences(rng, numgrad, f, fgrad, axis):
    z = rng.normal(size=(3, 4))
    g = rng.normal(size=(3, 4))
    fd = numgrad(lambda v: np.sum(g * f(v, axis=axis)), z)
    vjp = fgrad(z, g, axis=axis)
    assert _rel_err(vjp, fd) < 1e-6
    # The Jacobian (class axis last) contracted with g gives the same product.
    jac = fgrad(z, axis=axis)
    g_last = np.moveaxis(g, axis, -1)
    from_jac = np.moveaxis(np.einsum("...i,...ij->...j", g_last, jac), -1, axis)
    np.testing.assert_allclose(from_jac, vjp, rtol=1e-12, atol=1e-14)


def test_softmax_jacobian_rows_sum_to_zero_on_array_api_strict():
    import array_api_strict as xps

    jac = act.softmax_grad(xps.asarray([[0.3, -1.0, 2.0]]))
    assert jac.shape == (1, 3, 3)
    np.testing.assert_allclose(np.sum(to_numpy(jac), axis=-1), 0.0, atol=1e-15)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: act.sigmoid_grad(np.zeros(3), np.zeros(2)), "grad_output must have the shape"),
        (lambda: act.softmax(np.zeros(3), axis=1), "axis 1 is out of bounds"),
        (lambda: act.softmax(np.float64(1.0)), "out of bounds"),
        (lambda: act.leaky_relu(np.zeros(2), negative_slope=-0.1), "negative_slope"),
        (lambda: act.leaky_relu(np.zeros(2), negative_slope=float("nan")), "negative_slope"),
        (lambda: act.tanh(np.array([1 + 1j])), "Complex"),
    ],
)
def test_bad_input_is_a_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="z"):
        act.relu("abc")
    # a setting of the wrong type is a ValueError, as for every setting (check_value)
    with pytest.raises(ValueError, match=r"negative_slope must be a finite number in \[0, inf\)"):
        act.leaky_relu([1.0], negative_slope="0.1")


def test_lists_and_integers_become_float64():
    out = act.sigmoid([0, 1])
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, sps.expit([0.0, 1.0]))
