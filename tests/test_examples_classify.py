"""Run the classification examples at their default sizes and check what their docstrings say."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG = b"\x89PNG\r\n\x1a\n"


def run_example(name, tmp_path, *args):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(["--out", str(tmp_path), *args])


def test_classification_ladder(tmp_path, capsys):
    log_loss = run_example("classification_ladder", tmp_path)
    for name in ("classification_ladder.png", "classification_calibration.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG
    assert set(log_loss) == {"mle", "map", "laplace", "evidence", "fullbayes"}
    # the separable sample: the MLE is certain and wrong on held-out points, any prior helps
    assert all(log_loss["mle"] > 10 * v for k, v in log_loss.items() if k != "mle")
    assert "separable" in capsys.readouterr().out


def test_classifier_bridge(tmp_path):
    gaps = run_example("classifier_bridge", tmp_path)
    assert (tmp_path / "classifier_bridge.png").read_bytes()[:8] == PNG
    assert len(gaps) == 2 and all(g < 1e-8 for g in gaps.values())
