"""Determinism: the same seed gives bit-identical samples, training runs and CLI outputs.

Randomness in bayesfit is drawn on the host with NumPy from an explicit seed or Generator and
moved to the arrays' backend, so a seed also gives the same draws on every backend. The CLI
is checked end to end in two fresh processes (different hash seeds), file by file, figures
included.
"""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import bayesfit as bf
from bayesfit.posterior import GaussianPosterior

ROOT = Path(__file__).resolve().parents[1]


def _fitted(kind: str, xp=np, dtype="float64"):
    x, t = bf.datasets.sinusoid(20, seed=0)
    cls = {"bayes": bf.BayesianRegression, "evidence": bf.EvidenceRegression}[kind]
    d = getattr(xp, dtype)
    return cls(bf.basis.Polynomial(3)).fit(xp.asarray(x, dtype=d), xp.asarray(t, dtype=d))


def _same(a, b):
    a, b = bf.to_numpy(a), bf.to_numpy(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()  # bit for bit, NaN-safe


def _differ(a, b):
    assert not np.array_equal(bf.to_numpy(a), bf.to_numpy(b))


@pytest.mark.parametrize("kind", ["bayes", "evidence"])
def test_sample_functions_repeat_bit_for_bit(kind, xp, dtype_name):
    X = xp.asarray(np.linspace(0, 1, 9), dtype=getattr(xp, dtype_name))
    m1, m2 = _fitted(kind, xp, dtype_name), _fitted(kind, xp, dtype_name)  # two fits, too
    _same(m1.sample_functions(X, 5, random_state=42), m2.sample_functions(X, 5, random_state=42))
    _same(
        m1.sample_functions(X, 5, random_state=np.random.default_rng(42)),
        m2.sample_functions(X, 5, random_state=42),
    )
    _differ(m1.sample_functions(X, 5, random_state=42), m1.sample_functions(X, 5, random_state=43))


def test_the_same_seed_gives_the_same_draws_on_every_backend(xp):
    ref = _fitted("bayes").posterior_.sample(6, random_state=3)
    other = _fitted("bayes", xp).posterior_.sample(6, random_state=3)
    # The same normals: a different stream would differ at O(1). The tolerance leaves room for
    # a GPU's factorisations, which round differently from LAPACK's in the last bits (a 1e-15
    # change in the covariance moves these draws by up to 3e-13).
    np.testing.assert_allclose(bf.to_numpy(other), ref, rtol=1e-10)


def test_predictive_sample_and_gaussian_posterior_sample(xp, dtype_name):
    d = getattr(xp, dtype_name)
    p = bf.Predictive(xp.asarray([0.0, 1.0, 2.0], dtype=d), xp.asarray([1.0, 4.0, 0.25], dtype=d))
    _same(p.sample(4, random_state=7), p.sample(4, random_state=7))
    _differ(p.sample(4, random_state=7), p.sample(4, random_state=8))
    # A Generator continues its stream: two draws of 2 equal one draw of 4 only in sequence.
    g = np.random.default_rng(7)
    _same(xp.concat([p.sample(2, random_state=g), p.sample(2, random_state=g)]),
          p.sample(4, random_state=7))
    post = GaussianPosterior(xp.asarray([1.0, -1.0], dtype=d),
                             xp.asarray([[2.0, 0.5], [0.5, 1.0]], dtype=d))
    _same(post.sample(5, random_state=0), post.sample(5, random_state=0))


def test_unseeded_draws_differ():
    post = GaussianPosterior(np.zeros(3), np.eye(3))
    _differ(post.sample(4), post.sample(4))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adagrad", "rmsprop", "adam"])
def test_mlp_training_runs_repeat_bit_for_bit(optimizer):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] - X[:, 1] * X[:, 2] > 0).astype(np.int64)

    def train(seed):
        net = bf.nn.MLP([3, 8, 2], activation="relu", output="softmax", loss="cross_entropy",
                        random_state=seed)
        history = net.fit(X, y, optimizer=optimizer, batch_size=16, epochs=4, progress=False)
        return net, history

    (a, ha), (b, hb) = train(0), train(0)
    assert ha.loss == hb.loss
    for k in a.params:
        _same(a.params[k], b.params[k])
    c, _ = train(1)
    _differ(a.params["W1"], c.params["W1"])


def test_mlp_fit_random_state_seeds_the_shuffling():
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40)

    def train(shuffle_seed):
        net = bf.nn.MLP([2, 4, 1], random_state=0)
        net.fit(X, y, epochs=2, batch_size=8, random_state=shuffle_seed, progress=False)
        return net.params["W1"]

    _same(train(9), train(9))
    _same(train(9), train(np.random.default_rng(9)))
    _differ(train(9), train(10))


def _run_cli(args, out: Path, hash_seed: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "MPLBACKEND": "Agg"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "bayesfit", *args, "--out", str(out)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=True,
    )


def _assert_same_tree(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert mismatch == [] and errors == [], mismatch


def test_cli_compare_is_byte_identical_across_two_processes(tmp_path):
    args = ["compare", "--degrees", "0,1,3,9", "--n-test", "200", "--seed", "4"]
    r1 = _run_cli(args, tmp_path / "a", "1")
    r2 = _run_cli(args, tmp_path / "b", "2")
    assert r1.stdout.replace(str(tmp_path / "a"), "") == r2.stdout.replace(str(tmp_path / "b"), "")
    _assert_same_tree(tmp_path / "a", tmp_path / "b")
    # CSV, markdown, PNG and SVG are all there, and all compared.
    assert {p.suffix for p in (tmp_path / "a").iterdir()} == {".csv", ".md", ".png", ".svg"}


def test_cli_fit_is_byte_identical_in_process(tmp_path, capsys):
    from bayesfit.cli import main

    x, t = bf.datasets.sinusoid(15, seed=2)
    csv = tmp_path / "d.csv"
    rows = "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(x, t, strict=True))
    csv.write_text("x,t\n" + rows)
    outputs = []
    for name in ("a", "b"):
        assert main(["fit", str(csv), "--x", "x", "--y", "t", "--method", "evidence",
                     "--out", str(tmp_path / name), "-q"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    _assert_same_tree(tmp_path / "a", tmp_path / "b")


@pytest.mark.parametrize("method", ["collapsed", "nuts"])
def test_pymc_regression_same_seed_same_draws(method):
    from bayesfit.priors import Gamma

    x, t = bf.datasets.linear(15, seed=2)

    def fit(seed):
        model = bf.PyMCRegression(
            priors={"alpha": Gamma(2.0, 2.0)}, method=method, chains=2, cores=1, draws=40,
            tune=40, random_seed=seed, progressbar=False,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bf.ConvergenceWarning)  # short on purpose
            return model.fit(x, t)

    a, b, c = fit(5), fit(5), fit(6)
    for name in ("w", "alpha", "beta"):
        _same(a.idata_["posterior"][name].values, b.idata_["posterior"][name].values)
    _differ(a.idata_["posterior"]["w"].values, c.idata_["posterior"]["w"].values)
    _same(a.posterior_predictive(x, random_state=1), b.posterior_predictive(x, random_state=1))
    _same(a.sample_functions(x, 4, random_state=2), b.sample_functions(x, 4, random_state=2))
