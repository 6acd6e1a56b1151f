"""The table of output heads: each head's loss against SciPy, its output error against central
differences of that SciPy loss, its predictions against SciPy/NumPy, and the MLP accepting
exactly the pairings the table holds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.special as sps
import scipy.stats as st

from bayesfit.nn import MLP
from bayesfit.nn.heads import HEADS, LOSSES, OUTPUTS

N, K = 7, 3
rng = np.random.default_rng(11)
Z = rng.normal(scale=2.0, size=(N, K))
Z_GAUSS = rng.normal(size=(N, 2 * K))
T_REAL = rng.normal(size=(N, K))
T_PROB = rng.uniform(size=(N, K))
LABELS = rng.integers(0, K, N)
SOFT = rng.dirichlet(np.ones(K), size=N)


def _gaussian_nll(z, t):
    mean, log_var = z[:, :K], z[:, K:]
    return -np.sum(st.norm.logpdf(t, mean, np.exp(0.5 * log_var)))


# (output, loss, z, t, summed loss written with SciPy)
REFERENCES = [
    ("identity", "mse", Z, T_REAL, lambda z, t: np.sum((z - t) ** 2)),
    ("sigmoid", "mse", Z, T_REAL, lambda z, t: np.sum((sps.expit(z) - t) ** 2)),
    ("softmax", "mse", Z, T_REAL, lambda z, t: np.sum((sps.softmax(z, axis=1) - t) ** 2)),
    ("identity", "gaussian_nll", Z_GAUSS, T_REAL, _gaussian_nll),
    ("sigmoid", "binary_cross_entropy", Z, T_PROB,
     lambda z, t: -np.sum(t * sps.log_expit(z) + (1 - t) * sps.log_expit(-z))),
    ("softmax", "cross_entropy", Z, LABELS,
     lambda z, t: -np.sum(sps.log_softmax(z, axis=1)[np.arange(N), t])),
    ("softmax", "cross_entropy", Z, SOFT,
     lambda z, t: -np.sum(t * sps.log_softmax(z, axis=1))),
]


def test_the_table_holds_every_pairing_the_docs_list():
    assert set(HEADS) == {(o, loss) for o, loss, *_ in REFERENCES}
    assert OUTPUTS == ("identity", "sigmoid", "softmax")
    assert LOSSES == ("mse", "gaussian_nll", "binary_cross_entropy", "cross_entropy")
    for key, head in HEADS.items():
        assert (head.output, head.loss) == key


def _central_differences(f, z, h=1e-5):
    grad = np.empty_like(z)
    for i in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (f(up) - f(down)) / (2 * h)
    return grad


@pytest.mark.parametrize(("output", "loss", "z", "t", "reference"), REFERENCES)
def test_loss_and_output_error_match_scipy(output, loss, z, t, reference):
    total, delta = HEADS[output, loss].loss_and_delta(z, t, xp=np)
    assert float(total) == pytest.approx(reference(z, t), rel=1e-12)
    np.testing.assert_allclose(delta, _central_differences(lambda v: reference(v, t), z),
                               rtol=1e-6, atol=1e-8)


def test_predictions_of_each_head():
    h = HEADS["softmax", "cross_entropy"]
    np.testing.assert_array_equal(h.predict(Z, xp=np), np.argmax(Z, axis=1))
    np.testing.assert_allclose(h.proba(Z, xp=np), sps.softmax(Z, axis=1), rtol=1e-14)
    h = HEADS["sigmoid", "binary_cross_entropy"]
    np.testing.assert_array_equal(h.predict(Z, xp=np), (sps.expit(Z) > 0.5).astype(int))
    np.testing.assert_allclose(h.proba(Z[:, :1], xp=np), sps.expit(Z[:, 0]), rtol=1e-14)
    h = HEADS["identity", "gaussian_nll"]
    np.testing.assert_array_equal(h.predict(Z_GAUSS, xp=np), Z_GAUSS[:, :K])
    np.testing.assert_allclose(h.std(Z_GAUSS, xp=np), np.sqrt(np.exp(Z_GAUSS[:, K:])),
                               rtol=1e-14)
    assert h.units_per_output == 2 and h.proba is None
    h = HEADS["sigmoid", "mse"]
    np.testing.assert_allclose(h.forward(Z, xp=np), sps.expit(Z), rtol=1e-14)
    assert h.predict(Z[:, :1], xp=np).shape == (N,)  # one output comes back 1-D
    assert h.proba is None and h.std is None


@pytest.mark.parametrize(("output", "loss"), list(itertools.product(OUTPUTS, LOSSES)))
def test_the_mlp_accepts_exactly_the_pairings_of_the_table(output, loss):
    if (output, loss) in HEADS:
        model = MLP([2, 3, 2], output=output, loss=loss, random_state=0)
        widths = 2 * HEADS[output, loss].units_per_output
        assert model.params["W2"].shape == (3, widths)
    else:
        with pytest.raises(ValueError, match=f"loss='{loss}' needs output in"):
            MLP([2, 3, 2], output=output, loss=loss)
