"""The losses-as-likelihoods example runs headless, checks its identities and draws its figure."""

from __future__ import annotations

import runpy
from pathlib import Path

import matplotlib.image
import numpy as np

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "losses_as_likelihoods.py"


def test_example_prints_identities_and_writes_the_figure(tmp_path, capsys):
    module = runpy.run_path(str(EXAMPLE))  # defines main() without running it
    residuals = module["main"](["--out", str(tmp_path)])
    assert len(residuals) == 6
    assert max(residuals.values()) < 1e-12, residuals
    out = capsys.readouterr().out
    assert "H(p, q) = H(p) + KL(p || q)" in out
    image = matplotlib.image.imread(tmp_path / "losses_as_likelihoods.png")
    assert image.shape[0] > 300 and image.shape[1] > 1000
    assert np.std(image) > 0.05  # not a blank canvas


def test_sigmoid_mse_gradient_vanishes_where_cross_entropy_does_not():
    module = runpy.run_path(str(EXAMPLE))
    mse_grad, ce_grad = module["saturation_gradients"](np.array([-12.0]))
    # closed forms: 2 (sigma - 1) sigma'(z) ~ -2 e^{-12}, and sigma(z) - 1 ~ -1
    assert abs(mse_grad[0]) < 2.5 * np.exp(-12.0)
    assert ce_grad[0] < -0.9999
