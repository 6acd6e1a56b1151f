"""Optimizers: first steps against hand-computed updates, convergence on a convex problem
against the least-squares optimum from numpy.linalg.lstsq, state save/restore, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bayesfit._backend import to_numpy
from bayesfit.nn.optim import SGD, Adagrad, Adam, Momentum, RMSProp

# The 2-parameter quadratic f(w) = (w1 - 1)^2 + 5 (w2 + 2)^2, started at w = (0, 0).


def quad_grad(w, xp):
    centre = xp.asarray([1.0, -2.0], dtype=w.dtype)
    curvature = xp.asarray([1.0, 5.0], dtype=w.dtype)
    return 2.0 * curvature * (w - centre)


# (optimizer, w after step 1, w after step 2), worked out by hand from the update rules with
# eps neglected (hence eps=1e-14 below): g0 = (-2, 20) at w0 = (0, 0).
_r = math.sqrt
HAND = [
    # SGD: w1 = -0.05 g0; g1 = (-1.8, 10)
    (lambda: SGD(0.05), (0.1, -1.0), (0.19, -1.5)),
    # heavy ball: v1 = (0.1, -1), w1 = (0.1, -1); v2 = 0.9 v1 - 0.05 g1 = (0.18, -1.4)
    (lambda: Momentum(0.05, momentum=0.9), (0.1, -1.0), (0.28, -2.4)),
    # Nesterov: w1 = w0 + 0.9 v1 - 0.05 g0 = (0.19, -1.9); g1 = (-1.62, 1.0);
    # v2 = (0.171, -0.95); w2 = w1 + 0.9 v2 - 0.05 g1
    (lambda: Momentum(0.05, momentum=0.9, nesterov=True), (0.19, -1.9), (0.4249, -2.805)),
    # Adagrad: first step 0.1 against the sign; g1 = (-1.8, 19), G2 = (7.24, 761)
    (
        lambda: Adagrad(0.1, eps=1e-14),
        (0.1, -0.1),
        (0.1 + 0.1 * 1.8 / _r(7.24), -0.1 - 0.1 * 19 / _r(761.0)),
    ),
    # RMSProp: E1 = 0.1 g0^2 so step 1 is 0.01/sqrt(0.1) against the sign
    (
        lambda: RMSProp(0.01, rho=0.9, eps=1e-14),
        (0.01 / _r(0.1), -0.01 / _r(0.1)),
        None,
    ),
    # Adam: step 1 is 0.1 against the sign; g1 = (-1.8, 19);
    # m2 = 0.09 g0 + 0.1 g1, v2 = 0.999e-3 g0^2 + 1e-3 g1^2, corrections 1 - 0.9^2, 1 - 0.999^2
    (
        lambda: Adam(0.1, eps=1e-14),
        (0.1, -0.1),
        (
            0.1 - 0.1 * ((0.09 * -2 + 0.1 * -1.8) / 0.19)
            / _r((0.999e-3 * 4 + 1e-3 * 1.8**2) / (1 - 0.999**2)),
            -0.1 - 0.1 * ((0.09 * 20 + 0.1 * 19) / 0.19)
            / _r((0.999e-3 * 400 + 1e-3 * 19**2) / (1 - 0.999**2)),
        ),
    ),
]


@pytest.mark.parametrize(("make", "w1", "w2"), HAND)
def test_first_steps_match_hand_computed_updates(make, w1, w2, xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    opt = make()
    params = {"w": xp.zeros(2, dtype=dtype)}
    tol = 1e-12 if dtype_name == "float64" else 1e-6
    for expected in (w1, w2):
        if expected is None:
            break
        out = opt.step(params, {"w": quad_grad(params["w"], xp)})
        assert out is params
        w = params["w"]
        assert w.dtype == dtype
        assert type(w) is type(xp.zeros(1))
        np.testing.assert_allclose(to_numpy(w), expected, rtol=tol, atol=tol)
    assert opt.t == (2 if w2 is not None else 1)


# A convex problem: least squares with a bias on seeded data; the optimum from lstsq.
_rng = np.random.default_rng(0)
_X = np.c_[_rng.normal(size=(50, 3)), np.ones(50)]
_t = _X @ np.array([1.0, -2.0, 0.5, 0.3]) + 0.1 * _rng.normal(size=50)
_W_STAR = np.linalg.lstsq(_X, _t, rcond=None)[0]


def _ls_loss(w):
    return 0.5 * np.mean((_X @ w - _t) ** 2)


CONVERGE = [
    (lambda: SGD(0.3), 300),
    (lambda: Momentum(0.1), 300),
    (lambda: Momentum(0.1, nesterov=True), 300),
    (lambda: Adagrad(0.5), 500),
    # RMSProp with a short memory (rho = 0.9) ends in a limit cycle of size ~ learning_rate
    # around the optimum; a long memory makes its preconditioner settle and it converges.
    (lambda: RMSProp(0.01, rho=0.999), 2000),
    (lambda: Adam(0.05), 1000),
]


@pytest.mark.parametrize(("make", "n_steps"), CONVERGE)
def test_each_optimizer_reaches_the_least_squares_optimum(make, n_steps, xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    X, t = xp.asarray(_X, dtype=dtype), xp.asarray(_t, dtype=dtype)
    params = [xp.zeros(4, dtype=dtype)]
    opt = make()
    for _ in range(n_steps):
        grad = xp.matrix_transpose(X) @ (X @ params[0] - t) / 50.0
        opt.step(params, [grad])
    gap = _ls_loss(to_numpy(params[0]).astype(np.float64)) - _ls_loss(_W_STAR)
    assert -1e-15 < gap < 1e-6, f"{opt}: loss is {gap:.3g} above the optimum"


def test_state_dict_resumes_exactly():
    grads = lambda p: {k: 2.0 * v - 1.0 for k, v in p.items()}  # noqa: E731
    a = Adam(0.1)
    pa = {"w": np.array([1.0, -3.0]), "b": np.array([0.5])}
    for _ in range(5):
        a.step(pa, grads(pa))
    saved = a.state_dict()
    pb = dict(pa)
    for _ in range(5):
        a.step(pa, grads(pa))
    b = Adam()
    b.load_state_dict(saved)
    assert b.learning_rate == 0.1 and b.t == 5
    for _ in range(5):
        b.step(pb, grads(pb))
    for k in pa:
        np.testing.assert_array_equal(pa[k], pb[k])
    # the saved arrays were not touched by the later steps
    assert saved["t"] == 5 and saved["state"]["m"]["w"] is not a.state_dict()["state"]["m"]["w"]


def test_load_state_dict_rejects_other_optimizers_and_missing_entries():
    with pytest.raises(ValueError, match="not a Adam state_dict"):
        Adam().load_state_dict(Momentum().state_dict())
    state = Adam().state_dict()
    del state["state"]["v"]
    with pytest.raises(ValueError, match=r"lacks the entries \['v'\]"):
        Adam().load_state_dict(state)
    bad = Momentum().state_dict()
    bad["hyperparameters"]["momentum"] = 1.5
    with pytest.raises(ValueError, match="'momentum' must be"):
        Momentum().load_state_dict(bad)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: SGD(0.0), "learning_rate"),
        (lambda: SGD(-1e-3), "learning_rate"),
        (lambda: Momentum(0.1, momentum=1.0), "momentum"),
        (lambda: Momentum(0.1, nesterov="yes"), "nesterov"),
        (lambda: Adagrad(eps=0.0), "eps"),
        (lambda: RMSProp(rho=-0.1), "rho"),
        (lambda: Adam(beta1=1.0), "beta1"),
        (lambda: Adam(beta2=float("nan")), "beta2"),
        (lambda: Adam(learning_rate="fast"), "learning_rate"),
    ],
)
def test_bad_hyperparameters_name_the_argument(make, name):
    with pytest.raises(ValueError, match=f"parameter '{name}' must be"):
        make()


def test_bad_params_and_grads():
    opt = SGD()
    with pytest.raises(ValueError, match="same keys"):
        opt.step({"w": np.zeros(2)}, {"v": np.zeros(2)})
    with pytest.raises(ValueError, match="same length"):
        opt.step([np.zeros(2)], [np.zeros(2), np.zeros(1)])
    with pytest.raises(ValueError, match=r"grads\['w'\] has shape \(3,\)"):
        opt.step({"w": np.zeros(2)}, {"w": np.zeros(3)})
    with pytest.raises(TypeError, match="dict or a list"):
        opt.step(np.zeros(2), np.zeros(2))
    mom = Momentum()
    mom.step({"w": np.zeros(2)}, {"w": np.ones(2)})
    with pytest.raises(ValueError, match="state is for"):
        mom.step({"v": np.zeros(2)}, {"v": np.ones(2)})


@pytest.mark.parametrize("make", [SGD, Momentum, Adagrad, RMSProp, Adam])
def test_step_leaves_the_callers_gradients_and_parameters_untouched(make, xp):
    # The update may overwrite the gradients it works on (the training loop's own arrays);
    # step works on copies, and never writes into a parameter array.
    grad = xp.asarray([1.0, -2.0, 0.5])
    old = xp.asarray([0.3, 0.2, 0.1])
    params = {"w": old}
    opt = make(learning_rate=0.1)
    for _ in range(2):
        opt.step(params, {"w": grad})
    np.testing.assert_array_equal(to_numpy(grad), [1.0, -2.0, 0.5])
    np.testing.assert_array_equal(to_numpy(old), [0.3, 0.2, 0.1])
    assert params["w"] is not old
