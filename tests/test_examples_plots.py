"""Every example runs headless into a temporary directory and says what it should."""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG = b"\x89PNG\r\n\x1a\n"


def _run(name, out, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [name, "--out", str(out)])
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "files"),
    [
        ("curve_fit.py", ["curve_fit.png"]),
        ("mle_vs_map.py", ["mle_vs_map.png", "rms_vs_degree.png", "rms_vs_log_lambda.png"]),
        ("posterior_plots.py", ["posterior_plots.png"]),
        ("sequential_learning.py", ["sequential_learning.png"]),
        ("model_selection.py", ["model_selection.png"]),
        ("sparse_priors.py", ["sparse_priors.png"]),
        ("bayesian_lasso.py", ["bayesian_lasso.png"]),
    ],
)
def test_example_writes_its_figures(name, files, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    stdout = _run(name, out, monkeypatch, capsys)
    assert sorted(p.name for p in out.iterdir()) == sorted(files)
    for f in files:
        assert (out / f).read_bytes()[:8] == PNG
        assert f"wrote {out / f}" in stdout


def test_mle_vs_map_output(tmp_path, monkeypatch, capsys):
    stdout = _run("mle_vs_map.py", tmp_path, monkeypatch, capsys)
    mle = re.search(r"MLE  M=9: train RMS (\S+), test RMS (\S+),", stdout)
    map_ = re.search(r"MAP  M=9: train RMS (\S+), test RMS (\S+),", stdout)
    assert float(mle[1]) < 1e-6 and float(mle[2]) > 5 * float(map_[2])


def test_posterior_narrows_with_data(tmp_path, monkeypatch, capsys):
    stdout = _run("posterior_plots.py", tmp_path, monkeypatch, capsys)
    stds = [float(s) for s in re.findall(r"mean predictive std (\S+)", stdout)]
    assert len(stds) == 4 and stds == sorted(stds, reverse=True)
    assert stds[-1] < 1.5 * 0.2  # near the noise floor 1/sqrt(beta) with 25 points


def test_sequential_learning_finds_the_true_line(tmp_path, monkeypatch, capsys):
    stdout = _run("sequential_learning.py", tmp_path, monkeypatch, capsys)
    m = re.search(r"after 20 points: w0 = (\S+) \+- (\S+), w1 = (\S+) \+- (\S+)", stdout)
    w0, s0, w1, s1 = map(float, m.groups())
    assert abs(w0 - -0.3) < 3 * s0 and abs(w1 - 0.5) < 3 * s1


def test_model_selection_prefers_a_middle_degree(tmp_path, monkeypatch, capsys):
    stdout = _run("model_selection.py", tmp_path, monkeypatch, capsys)
    best = int(re.search(r"best degree by evidence: M = (\d+)", stdout)[1])
    assert 3 <= best <= 6  # neither the straight line nor the degree-9 polynomial


def test_sparse_priors_path_is_sklearns_lasso_path(tmp_path, monkeypatch, capsys):
    stdout = _run("sparse_priors.py", tmp_path, monkeypatch, capsys)
    difference = float(re.search(r"lasso_path: (\S+)", stdout)[1])
    assert difference < 1e-6  # weights of order 10: a relative 1e-7
    counts = [int(c) for c in re.search(r"weakest: ([\d ]+)", stdout)[1].split()]
    assert counts[0] == 0 and counts[-1] == 10 and counts == sorted(counts)


def test_bayesian_lasso_example_says_what_it_shows(tmp_path, monkeypatch, capsys):
    stdout = _run("bayesian_lasso.py", tmp_path, monkeypatch, capsys)
    gaussian, laplace = stdout.split("Laplace prior")[0], stdout.split("Laplace prior")[1]

    def interval(block, name):
        row = re.search(rf"{name}: +(\S+) +\[ *(\S+), +(\S+)\]", block)
        return float(row[2]), float(row[3])

    for block in (gaussian, laplace):
        for name in ("sex", "bmi", "bp", "s5"):  # the strong effects: both priors see them
            lower, upper = interval(block, name)
            assert not lower < 0 < upper, name
        lower, upper = interval(block, "age")
        assert lower < 0 < upper
    # the Laplace prior shrinks the correlated cholesterol pair: narrower intervals
    for name in ("s1", "s2"):
        assert np.ptp(interval(laplace, name)) < 0.8 * np.ptp(interval(gaussian, name))
    zeroed = re.search(r"zeroes: (.*)", stdout)[1].split()
    assert "age" in zeroed and not {"sex", "bmi", "bp", "s5"} & set(zeroed)
