"""Run every neural-net example at its default size into a temporary directory and check the
numbers it reports against what its docstring claims."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name, tmp_path):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(["--out", str(tmp_path)])


def test_mlp_regression(tmp_path):
    results = run_example("mlp_regression", tmp_path)
    assert (tmp_path / "mlp_regression.png").stat().st_size > 0
    # against the noise-free curve; the noise variance is 0.09
    assert results["test_mse_mse_net"] < 0.03 and results["test_mse_nll_net"] < 0.03
    assert results["noise_std"] == pytest.approx(0.3, rel=0.15)


def test_mlp_classification(tmp_path):
    results = run_example("mlp_classification", tmp_path)
    assert (tmp_path / "mlp_classification.png").stat().st_size > 0
    assert results["accuracy"] > 0.9


def test_optimizers(tmp_path):
    final = run_example("optimizers", tmp_path)
    assert (tmp_path / "optimizer_curves.png").exists()
    assert (tmp_path / "optimizer_paths.png").exists()
    # Everything but plain SGD leaves the plateau of the straight-line fit (MSE ~0.25).
    assert all(final[name] < 0.15 for name in ("Momentum", "Nesterov", "RMSProp", "Adam"))
    # annealing the rate lets momentum settle lower than at a constant rate
    assert final["Momentum + cosine"] < final["Momentum"]


def test_saturation(tmp_path):
    reached = run_example("saturation", tmp_path)
    assert (tmp_path / "saturation.png").exists()
    assert 0 < reached["binary_cross_entropy"] < reached["mse"] / 3


def test_autoencoder(tmp_path):
    errors = run_example("autoencoder", tmp_path)
    assert (tmp_path / "autoencoder.png").exists()
    # predicting the mean image gives 0.16
    assert errors["mse"] < 0.01 and errors["binary_cross_entropy"] < 0.01


def test_map_bridge(tmp_path):
    distances = run_example("map_bridge", tmp_path)
    assert (tmp_path / "map_bridge.png").exists()
    assert distances["Momentum"] < 1e-10 and distances["SGD"] < 1e-5


def test_mlp_regularization(tmp_path):
    results = run_example("mlp_regularization", tmp_path)
    assert (tmp_path / "mlp_regularization.png").exists()
    plain = results.pop("no penalty")
    assert plain["train_mse"] < 0.02 and plain["test_mse"] > 0.3  # it interpolates the noise
    for name, r in results.items():  # each prior generalizes several times better
        assert r["test_mse"] < 0.2 * plain["test_mse"], name
    l1, l2 = results["L1: l1=1e-3"], results["L2: weight_decay=3e-3"]
    assert l1["small_weights"] > 0.95 > l2["small_weights"]
