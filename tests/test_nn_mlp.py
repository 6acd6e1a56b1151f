"""The MLP: backprop against finite differences, training on seeded problems against their
known truth, the MAP bridge against MAPRegression's closed form, backends and bad input."""

from __future__ import annotations

import io
import itertools
import sys

import numpy as np
import pytest

import bayesfit as bf
from bayesfit._backend import to_numpy
from bayesfit.datasets import sinusoid, sinusoid_fn
from bayesfit.nn import MLP, EarlyStopping, History, gradient_check, prior_weight_decay
from bayesfit.nn.heads import HEADS
from bayesfit.nn.optim import SGD, Adam, Momentum

ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid", "identity"]
OUTPUT_LOSS = [
    ("identity", "mse"),
    ("sigmoid", "mse"),
    ("softmax", "mse"),
    ("identity", "gaussian_nll"),
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "cross_entropy"),
]


def _targets(loss, n, k, rng):
    if loss == "cross_entropy":
        return rng.integers(0, k, n)
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, (n, k)).astype(np.float64)
    return rng.normal(size=(n, k))


def _randomise_biases(model, rng):
    # Zero biases put a unit exactly on the ReLU kink whenever every unit feeding it is off;
    # finite differences across a kink are meaningless, so move the biases off zero.
    for name, p in model.params.items():
        if name.startswith("b"):
            model.params[name] = 0.5 * rng.normal(size=p.shape)


def test_the_gradient_checks_cover_every_head_and_activation():
    assert set(OUTPUT_LOSS) == set(HEADS) and len(OUTPUT_LOSS) == len(HEADS)
    assert set(ACTIVATIONS) == set(bf.nn.activations.KERNELS)


@pytest.mark.parametrize(
    ("activation", "output_loss"), list(itertools.product(ACTIVATIONS, OUTPUT_LOSS))
)
def test_backprop_matches_finite_differences(activation, output_loss):
    output, loss = output_loss
    rng = np.random.default_rng(7)
    model = MLP([3, 6, 5, 3], activation, output, loss, weight_decay=0.05, random_state=3)
    _randomise_biases(model, rng)
    X, y = rng.normal(size=(8, 3)), _targets(loss, 8, 3, rng)
    errors = gradient_check(model, X, y)
    assert set(errors) == set(model.params) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize(("output", "loss"), OUTPUT_LOSS)
def test_backprop_matches_finite_differences_on_array_api_strict(output, loss):
    xps = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(8)
    model = MLP([2, 4, 2], "tanh", output, loss, weight_decay=0.1, random_state=1)
    X = xps.asarray(rng.normal(size=(5, 2)))
    y = xps.asarray(_targets(loss, 5, 2, rng))
    errors = gradient_check(model, X, y)
    assert type(model.params["W1"]) is type(X)
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_finds_a_wrong_gradient():
    class Broken(MLP):
        def _backward(self, delta, cache, *, xp):
            grads = super()._backward(delta, cache, xp=xp)
            grads["W1"] = 1.01 * grads["W1"]
            return grads

    rng = np.random.default_rng(0)
    model = Broken([2, 3, 1], "tanh", random_state=0)
    errors = gradient_check(model, rng.normal(size=(4, 2)), rng.normal(size=4))
    assert errors["W1"] > 5e-3 and errors["W2"] < 1e-6
    with pytest.raises(ValueError, match="eps must be"):
        gradient_check(model, np.zeros((1, 2)), np.zeros(1), eps=0.0)


def test_gradient_check_restores_the_parameters():
    model = MLP([2, 3, 1], random_state=0)
    before = {k: v.copy() for k, v in model.params.items()}
    gradient_check(model, np.ones((2, 2)), np.ones(2))
    for k in before:
        np.testing.assert_array_equal(model.params[k], before[k])


# -- initialisation ------------------------------------------------------------------------------


def test_initialisation_follows_he_and_glorot():
    # ReLU layers: N(0, 2 / fan_in); the output layer: U(+-sqrt(6 / (fan_in + fan_out))).
    model = MLP([400, 300, 200], activation="relu", random_state=0)
    W1, W2 = model.params["W1"], model.params["W2"]
    assert abs(W1.std() / np.sqrt(2 / 400) - 1) < 0.01 and abs(W1.mean()) < 1e-3
    limit = np.sqrt(6 / 500)
    assert W2.max() <= limit and W2.min() >= -limit and W2.max() > 0.99 * limit
    assert abs(W2.std() / (limit / np.sqrt(3)) - 1) < 0.01
    glorot = MLP([400, 300, 200], activation="tanh", random_state=0).params["W1"]
    assert np.abs(glorot).max() <= np.sqrt(6 / 700)
    assert not np.any(model.params["b1"]) and not np.any(model.params["b2"])


def test_same_seed_same_network_and_training():
    X, y = sinusoid(64, seed=0)

    def run():
        model = MLP([1, 8, 1], "tanh", random_state=5)
        history = model.fit(X, y, optimizer=Momentum(0.05), batch_size=16, epochs=5,
                            progress=False)
        return model, history

    (m1, h1), (m2, h2) = run(), run()
    assert h1.loss == h2.loss
    for k in m1.params:
        np.testing.assert_array_equal(m1.params[k], m2.params[k])
    other = MLP([1, 8, 1], "tanh", random_state=6)
    assert not np.array_equal(other.params["W1"], m1.params["W1"])


# -- training on seeded problems -------------------------------------------------------------


def test_regression_on_the_sinusoid_reaches_stated_test_mse():
    # 200 noisy points (noise std 0.3); the noise-free curve is the reference. A 1-32-32-1 tanh
    # net with Adam reaches a test MSE against sin(2 pi x) of about 0.008; we require < 0.02
    # (the noise variance is 0.09, the variance of the curve 0.5).
    x, t = sinusoid(200, seed=1)
    model = MLP([1, 32, 32, 1], activation="tanh", random_state=0)
    history = model.fit(x, t, optimizer=Adam(0.01), batch_size=32, epochs=150, progress=False)
    grid = np.linspace(0, 1, 101)
    test_mse = np.mean((model.predict(grid) - sinusoid_fn(grid)) ** 2)
    assert test_mse < 0.02
    assert history.epochs == 150 and history.loss[-1] < 0.5 * history.loss[0]


def test_gaussian_nll_learns_the_noise_level():
    # Heteroscedastic head on data with a known constant noise std of 0.5: the predicted std
    # must come out near 0.5 and the mean near the true line.
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, 2000)
    t = 2.0 * x - 1.0 + 0.5 * rng.normal(size=x.size)
    model = MLP([1, 1], loss="gaussian_nll", random_state=0)
    model.fit(x, t, optimizer=Adam(0.05), batch_size=None, epochs=400, progress=False)
    mean, std = model.predict(np.array([[-0.5], [0.5]]), return_std=True)
    np.testing.assert_allclose(mean, [-2.0, 0.0], atol=0.05)
    np.testing.assert_allclose(std, 0.5, rtol=0.05)


def _blobs(n, seed):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    y = rng.integers(0, 3, n)
    return centres[y] + 0.8 * rng.normal(size=(n, 2)), y


def test_classification_reaches_stated_accuracy():
    # Three Gaussian blobs of std 0.8 around centres about 3.5 apart: the Bayes-optimal
    # accuracy is about 0.98. We require test accuracy > 0.95.
    X, y = _blobs(600, seed=0)
    Xt, yt = _blobs(2000, seed=1)
    model = MLP([2, 16, 3], "relu", "softmax", "cross_entropy", random_state=0)
    history = model.fit(X, y, optimizer=Adam(0.02), batch_size=64, epochs=30,
                        validation_data=(Xt, yt), progress=False)
    accuracy = np.mean(model.predict(Xt) == yt)
    assert accuracy > 0.95
    assert len(history.val_loss) == 30
    proba = model.predict_proba(Xt)
    assert proba.shape == (2000, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # one-hot targets are the same problem as integer labels
    onehot = np.eye(3)[y]
    assert model.objective(X, onehot) == pytest.approx(model.objective(X, y), rel=1e-12)


def test_binary_classification_and_probabilities():
    X, y = _blobs(400, seed=3)
    yb = (y == 0).astype(np.float64)
    model = MLP([2, 8, 1], "tanh", "sigmoid", "binary_cross_entropy", random_state=0)
    model.fit(X, yb, optimizer=Adam(0.05), batch_size=50, epochs=30, progress=False)
    assert np.mean(model.predict(X) == yb) > 0.97
    p = model.predict_proba(X)
    assert p.shape == (400,) and np.all((p >= 0) & (p <= 1))
    np.testing.assert_array_equal(model.predict(X), (p > 0.5).astype(np.int64))


# -- the bridge to the Bayesian side ---------------------------------------------------------


def test_weight_decay_gradient_descent_converges_to_the_closed_form_map():
    # A linear "network" trained by full-batch gradient descent on MSE + weight decay is the
    # negative log posterior of MAPRegression: it must reach the closed-form w_MAP.
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 3))
    t = X @ np.array([1.5, -2.0, 0.5]) + 0.7 + 0.3 * rng.normal(size=40)
    alpha, beta = 2.0, 10.0
    map_ = bf.MAPRegression(alpha=alpha, beta=beta).fit(X, t)
    model = MLP([3, 1], weight_decay=prior_weight_decay(alpha, 40, beta), random_state=0)
    model.fit(X, t, optimizer=SGD(0.2), batch_size=None, epochs=400, shuffle=False,
              progress=False)
    w_gd = np.r_[model.params["b1"], model.params["W1"][:, 0]]  # MAPRegression: bias first
    np.testing.assert_allclose(w_gd, map_.coef_, rtol=1e-8)


def test_prior_weight_decay_is_the_posterior_scaling():
    # N * J equals the negative log posterior for a true NLL (cross-entropy), up to a constant.
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(30, 2)), rng.integers(0, 3, 30)
    alpha = 3.0
    model = MLP([2, 3], output="softmax", loss="cross_entropy",
                weight_decay=prior_weight_decay(alpha, 30), random_state=0)
    logits = X @ model.params["W1"] + model.params["b1"]
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    theta = np.concatenate([p.ravel() for p in model.params.values()])
    neg_log_posterior = -log_p[np.arange(30), y].sum() + 0.5 * alpha * theta @ theta
    assert 30 * model.objective(X, y) == pytest.approx(neg_log_posterior, rel=1e-12)
    with pytest.raises(ValueError, match="alpha must be"):
        prior_weight_decay(0.0, 10)
    with pytest.raises(ValueError, match="n_samples must be"):
        prior_weight_decay(1.0, 0)
    with pytest.raises(ValueError, match="beta must be"):
        prior_weight_decay(1.0, 10, beta=-1.0)


# -- backends and dtypes -----------------------------------------------------------------------


def test_training_runs_on_every_backend_and_dtype(xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    x, t = sinusoid(64, seed=2)
    X, T = xp.asarray(x[:, None], dtype=dtype), xp.asarray(t, dtype=dtype)
    model = MLP([1, 16, 1], activation="tanh", random_state=0)
    history = model.fit(X, T, optimizer=Adam(0.02), batch_size=16, epochs=40, progress=False)
    for p in model.params.values():
        assert p.dtype == dtype and type(p) is type(X)
    pred = model.predict(X)
    assert pred.dtype == dtype and pred.shape == (64,) and type(pred) is type(X)
    assert history.loss[-1] < 0.5 * history.loss[0]
    # the same run on NumPy float64 agrees to the dtype's precision
    ref = MLP([1, 16, 1], activation="tanh", random_state=0)
    ref.fit(x[:, None], t, optimizer=Adam(0.02), batch_size=16, epochs=40, progress=False)
    tol = 1e-8 if dtype_name == "float64" else 2e-2
    np.testing.assert_allclose(to_numpy(pred), ref.predict(x[:, None]), rtol=tol, atol=tol)


def test_classification_runs_on_every_backend_and_dtype(xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    X, y = _blobs(120, seed=6)
    model = MLP([2, 8, 3], "relu", "softmax", "cross_entropy", random_state=0)
    model.fit(xp.asarray(X, dtype=dtype), xp.asarray(y), optimizer=Adam(0.05),
              batch_size=30, epochs=20, progress=False)
    labels = model.predict(xp.asarray(X, dtype=dtype))
    assert np.mean(to_numpy(labels) == y) > 0.9
    assert model.predict_proba(xp.asarray(X, dtype=dtype)).dtype == dtype


# -- fit: history, callbacks, progress ---------------------------------------------------------


def test_early_stopping_restores_the_best_parameters():
    X, y = _blobs(200, seed=7)
    Xv, yv = _blobs(200, seed=8)
    model = MLP([2, 32, 3], "relu", "softmax", "cross_entropy", random_state=0)
    stop = EarlyStopping(patience=3)
    snapshots = []
    history = model.fit(
        X, y, optimizer=Adam(0.3), batch_size=20, epochs=200, validation_data=(Xv, yv),
        callbacks=[stop, lambda epoch, logs, m: snapshots.append(dict(m.params))],
        progress=False,
    )
    assert history.stopped_epoch is not None and history.epochs < 200
    assert history.stopped_epoch - stop.best_epoch == 3
    assert stop.best == min(history.val_loss)
    best = snapshots[stop.best_epoch - 1]
    for k in best:
        np.testing.assert_array_equal(model.params[k], best[k])


def test_progress_bar_can_be_turned_on_and_off(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    X, y = sinusoid(20, seed=0)
    MLP([1, 2, 1], random_state=0).fit(X, y, epochs=2, batch_size=5, progress=True)
    text = stream.getvalue()
    assert "epoch 1/2" in text and "epoch 2/2  loss" in text and "4/4" in text
    stream.truncate(0)
    MLP([1, 2, 1], random_state=0).fit(X, y, epochs=2, batch_size=5, progress=False)
    MLP([1, 2, 1], random_state=0).fit(X, y, epochs=2, batch_size=5)  # not a terminal
    assert stream.getvalue() == ""


def test_optimizer_by_name_and_continued_training():
    X, y = sinusoid(30, seed=0)
    model = MLP([1, 4, 1], "tanh", random_state=0)
    opt = Adam(0.01)
    h1 = model.fit(X, y, optimizer=opt, epochs=3, progress=False)
    h2 = model.fit(X, y, optimizer=opt, epochs=3, progress=False)
    assert isinstance(h1, History) and opt.t == 2 * 3 * 1  # 30 samples, batch 32: one step
    assert h2.loss[0] < h1.loss[0]
    model.fit(X, y, optimizer="rmsprop", epochs=1, progress=False)


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_nan_in_the_loss_stops_with_the_epoch_named():
    x, t = sinusoid(50, seed=0)
    model = MLP([1, 1], random_state=0)
    # gradient descent with a step far above 2 / curvature: the loss grows ~1e4-fold per step
    with pytest.raises(FloatingPointError, match=r"in epoch \d+ \(batch \d+ of 2\)"):
        model.fit(100 * x, t, optimizer=SGD(1.0), batch_size=25, epochs=100, progress=False)
    assert all(np.all(np.isfinite(p)) for p in model.params.values())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"layer_sizes": [3]}, ValueError, "at least two positive ints"),
        ({"layer_sizes": [3, 0, 1]}, ValueError, "at least two positive ints"),
        ({"layer_sizes": 3}, ValueError, "'layer_sizes' must be a list"),
        ({"activation": "swish"}, ValueError, "'activation' must be one of"),
        ({"output": "tanh"}, ValueError, "'output' must be one of"),
        ({"loss": "hinge"}, ValueError, "'loss' must be one of"),
        ({"loss": "cross_entropy"}, ValueError, "needs output in"),
        ({"output": "softmax", "loss": "binary_cross_entropy"}, ValueError, "needs output in"),
        ({"output": "softmax", "loss": "cross_entropy", "layer_sizes": [3, 1]}, ValueError,
         "at least 2 output units"),
        ({"weight_decay": -0.1}, ValueError, "'weight_decay' must be"),
        ({"random_state": 1.5}, ValueError, "'random_state' must be"),
    ],
)
def test_bad_settings(kwargs, error, match):
    settings = {"layer_sizes": [3, 4, 2], **kwargs}
    with pytest.raises(error, match=match):
        MLP(**settings)


def test_bad_data_and_fit_arguments():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 3))
    reg = MLP([3, 4, 2], random_state=0)
    with pytest.raises(ValueError, match=r"X has 4 features but the first layer .* takes 3$"):
        reg.fit(np.zeros((10, 4)), np.zeros((10, 2)))
    with pytest.raises(ValueError, match="y has 1 columns but the last layer of this MLP has 2"):
        reg.fit(X, np.zeros(10))
    with pytest.raises(ValueError, match="inconsistent numbers of samples: 10 and 9"):
        reg.fit(X, np.zeros((9, 2)))
    with pytest.raises(ValueError, match="y contains NaN at row 2, column 1"):
        reg.fit(X, np.where(np.arange(20).reshape(10, 2) == 5, np.nan, 0.0))
    with pytest.raises(ValueError, match="X contains inf"):
        reg.predict(np.full((2, 3), np.inf))
    for bad in (0, -5, 2.5):
        with pytest.raises(ValueError, match="batch_size must be"):
            reg.fit(X, np.zeros((10, 2)), batch_size=bad)
    with pytest.raises(ValueError, match="epochs must be"):
        reg.fit(X, np.zeros((10, 2)), epochs=0)
    with pytest.raises(ValueError, match="parameter 'learning_rate' must be"):
        reg.fit(X, np.zeros((10, 2)), optimizer=SGD(learning_rate=0.0))
    with pytest.raises(ValueError, match="optimizer must be one of"):
        reg.fit(X, np.zeros((10, 2)), optimizer="lbfgs")
    with pytest.raises(TypeError, match="optimizer must be an Optimizer"):
        reg.fit(X, np.zeros((10, 2)), optimizer=0.1)
    with pytest.raises(ValueError, match="validation_data must be a pair"):
        reg.fit(X, np.zeros((10, 2)), validation_data=X)
    with pytest.raises(ValueError, match="y_val has 1 columns"):
        reg.fit(X, np.zeros((10, 2)), validation_data=(X, np.zeros(10)))
    with pytest.raises(ValueError, match="monitors 'val_loss' but no validation_data"):
        reg.fit(X, np.zeros((10, 2)), callbacks=[EarlyStopping()])
    with pytest.raises(TypeError, match="callbacks must be callables"):
        reg.fit(X, np.zeros((10, 2)), callbacks=[1])
    with pytest.raises(ValueError, match="return_std needs loss='gaussian_nll'"):
        reg.predict(X, return_std=True)
    with pytest.raises(ValueError, match="predict_proba needs a cross-entropy loss"):
        reg.predict_proba(X)

    clf = MLP([3, 4, 3], output="softmax", loss="cross_entropy", random_state=0)
    with pytest.raises(ValueError, match=r"y must be in \[0, 3\) for 3 classes; got 3 at index 4"):
        clf.fit(X, np.array([0, 1, 2, 0, 3, 1, 2, 0, 1, 2]))
    with pytest.raises(ValueError, match="integer class labels"):
        clf.fit(X, np.zeros(10))
    with pytest.raises(ValueError, match="class labels must be 1-D"):
        clf.fit(X, np.zeros((10, 1), dtype=np.int64))
    with pytest.raises(ValueError, match="y has 2 columns but the last layer of this MLP has 3"):
        clf.fit(X, np.eye(2)[np.zeros(10, dtype=int)])
    with pytest.raises(ValueError, match="a sum that differs from 1"):
        clf.fit(X, np.ones((10, 3)))
    binary = MLP([3, 1], output="sigmoid", loss="binary_cross_entropy", random_state=0)
    with pytest.raises(ValueError, match=r"y must be probabilities in \[0, 1\]; got 2.0"):
        binary.fit(X, np.full(10, 2.0))
    with pytest.raises(ValueError, match="parameter 'patience' must be"):
        EarlyStopping(patience=0)


def test_bad_targets_leave_the_parameters_untouched():
    model = MLP([2, 3, 1], random_state=0)
    before = dict(model.params)
    with pytest.raises(ValueError, match="y contains NaN"):
        model.fit(np.zeros((4, 2), dtype=np.float32), np.array([0.0, np.nan, 0.0, 0.0]))
    assert all(model.params[k] is before[k] for k in before)  # not even converted to float32


# -- dropout and the L1 penalty ------------------------------------------------------------------


def _numpy_forward(params, X, masks, h):
    """The network written out in NumPy, independently of MLP._forward: masks on h(z)."""
    n_layers = len(params) // 2
    a = X
    for layer in range(1, n_layers + 1):
        z = a @ params[f"W{layer}"] + params[f"b{layer}"]
        if layer == n_layers:
            return z
        a = h(z) * (1.0 if masks[layer - 1] is None else masks[layer - 1])
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    ("activation", "output_loss"), list(itertools.product(ACTIVATIONS, OUTPUT_LOSS[::2]))
)
def test_backprop_with_dropout_and_l1_matches_finite_differences(activation, output_loss):
    # One set of masks is held fixed: backprop and the finite differences see the same network.
    output, loss = output_loss
    rng = np.random.default_rng(11)
    model = MLP([3, 6, 5, 3], activation, output, loss, weight_decay=0.05, l1=0.03,
                dropout=[0.3, 0.5], random_state=3)
    _randomise_biases(model, rng)
    X, y = rng.normal(size=(8, 3)), _targets(loss, 8, 3, rng)
    errors = gradient_check(model, X, y, random_state=4)
    assert max(errors.values()) < 1e-6, errors
    # the masks matter: the gradient with them is not the gradient without them
    masks = model.dropout_masks(X, random_state=4)
    with_masks = model.objective_and_grads(X, y, masks=masks)[1]["W1"]
    assert not np.allclose(with_masks, model.objective_and_grads(X, y)[1]["W1"])


def test_backprop_with_dropout_matches_finite_differences_on_array_api_strict():
    xps = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(12)
    model = MLP([2, 5, 4, 2], "tanh", dropout=0.4, l1=0.01, random_state=1)
    X, y = xps.asarray(rng.normal(size=(6, 2))), xps.asarray(rng.normal(size=(6, 2)))
    masks = model.dropout_masks(X, random_state=0)
    assert type(masks[0]) is type(X) and masks[0].dtype == X.dtype
    assert max(gradient_check(model, X, y).values()) < 1e-6


def test_objective_with_masks_and_l1_is_the_network_written_out():
    rng = np.random.default_rng(13)
    model = MLP([3, 4, 5, 2], "tanh", weight_decay=0.1, l1=0.2, dropout=[0.5, 0.0],
                random_state=0)
    X, y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    masks = model.dropout_masks(X, random_state=1)
    assert masks[1] is None and masks[0].shape == (7, 4)
    out = _numpy_forward(model.params, X, masks, np.tanh)
    W = [p for k, p in model.params.items() if k.startswith("W")]
    theta = np.concatenate([p.ravel() for p in model.params.values()])
    expected = (np.sum((y - out) ** 2) / 7 + 0.05 * theta @ theta
                + 0.2 * sum(np.abs(w).sum() for w in W))
    assert model.objective(X, y, masks=masks) == pytest.approx(expected, rel=1e-12)


def test_inverted_dropout_leaves_the_expected_activation_unchanged():
    # Masks hold 0 with probability p and 1/(1-p) otherwise. Summing over all 2^4 keep
    # patterns of a 4-unit hidden layer, weighted by their probabilities, the expected output
    # of a one-hidden-layer net (linear in the hidden activations) is the output without
    # dropout, exactly.
    p = 0.3
    model = MLP([2, 4, 1], "relu", dropout=p, random_state=0)
    X = np.array([[0.5, -1.0], [1.5, 0.2]])
    expected = np.zeros((2, 1))
    for keep in itertools.product([0, 1], repeat=4):
        keep = np.array(keep, dtype=np.float64)
        prob = np.prod(np.where(keep == 1, 1 - p, p))
        mask = np.broadcast_to(keep / (1 - p), (2, 4))
        expected += prob * _numpy_forward(model.params, X, [mask], lambda z: np.maximum(z, 0))
    np.testing.assert_allclose(expected, model.forward(X), rtol=1e-12)
    # and the drawn masks take those two values with those probabilities (binomial: 4 sd)
    mask = model.dropout_masks(np.zeros((5000, 2)), random_state=2)[0]
    assert set(np.unique(mask)) == {0.0, 1 / (1 - p)}
    dropped = np.mean(mask == 0)
    assert abs(dropped - p) < 4 * np.sqrt(p * (1 - p) / mask.size)
    assert abs(mask.mean() - 1.0) < 4 * np.sqrt(p / (1 - p) / mask.size)


def test_dropout_is_off_in_prediction_and_training_is_seeded():
    x, t = sinusoid(64, seed=0)

    def run(seed):
        model = MLP([1, 16, 16, 1], "tanh", dropout=0.2, random_state=5)
        history = model.fit(x, t, optimizer=Adam(0.01), batch_size=16, epochs=5,
                            random_state=seed, progress=False)
        return model, history

    (m1, h1), (m2, h2), (_, h3) = run(0), run(0), run(1)
    assert h1.loss == h2.loss and h1.loss != h3.loss  # the masks come from fit's random_state
    np.testing.assert_array_equal(m1.predict(x), m2.predict(x))
    np.testing.assert_array_equal(m1.predict(x), m1.predict(x))
    no_masks = _numpy_forward(m1.params, x[:, None], [None, None], np.tanh)[:, 0]
    np.testing.assert_allclose(m1.predict(x), no_masks, rtol=1e-12)
    np.testing.assert_allclose(m1.forward(x)[:, 0], no_masks, rtol=1e-12)


def test_dropout_trains_on_every_backend_and_dtype(xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    x, t = sinusoid(64, seed=2)
    X, T = xp.asarray(x[:, None], dtype=dtype), xp.asarray(t, dtype=dtype)
    model = MLP([1, 16, 1], activation="tanh", dropout=0.1, l1=1e-4, random_state=0)
    history = model.fit(X, T, optimizer=Adam(0.02), batch_size=16, epochs=40, progress=False)
    assert all(p.dtype == dtype and type(p) is type(X) for p in model.params.values())
    assert history.loss[-1] < 0.5 * history.loss[0]


def test_l1_drives_irrelevant_input_weights_toward_zero():
    # y depends on the first of 10 inputs only; with the L1 penalty the weights out of the 9
    # irrelevant inputs end far smaller than under the same-strength L2 penalty.
    rng = np.random.default_rng(14)
    X = rng.normal(size=(200, 10))
    y = np.tanh(X[:, 0]) + 0.05 * rng.normal(size=200)

    def irrelevant(**penalty):
        model = MLP([10, 8, 1], "tanh", random_state=0, **penalty)
        model.fit(X, y, optimizer=Adam(0.01), batch_size=50, epochs=300, progress=False)
        return np.abs(model.params["W1"][1:]).mean()

    assert irrelevant(l1=0.01) < 0.3 * irrelevant(weight_decay=0.01)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dropout": 1.0}, r"'dropout' must be a finite number in \[0, 1\)"),
        ({"dropout": -0.1}, r"'dropout' must be a finite number in \[0, 1\)"),
        ({"dropout": "0.5"}, r"'dropout' must be"),
        ({"dropout": [0.5]}, "dropout lists 1 rates but the network has 2 hidden layers"),
        ({"dropout": [0.5, 1.2]}, r"every rate in dropout must be a finite number in \[0, 1\)"),
        ({"l1": -0.01}, "'l1' must be"),
    ],
)
def test_bad_dropout_and_l1(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MLP([3, 4, 4, 1], **kwargs)


def test_bad_masks():
    model = MLP([2, 3, 1], dropout=0.5, random_state=0)
    X, y = np.zeros((4, 2)), np.zeros(4)
    with pytest.raises(ValueError, match="masks must be a list of 1 arrays"):
        model.objective(X, y, masks=np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"masks\[0\] has shape \(4, 2\); hidden layer 1 needs"):
        model.objective(X, y, masks=[np.ones((4, 2))])
    with pytest.raises(ValueError, match=r"masks\[0\] contains NaN"):
        model.objective_and_grads(X, y, masks=[np.full((4, 3), np.nan)])
