"""RegressionSummary's formatting: the numbers it is given, in a table, markdown and CSV."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import bayesfit as bf


def _summary():
    index = pd.MultiIndex.from_tuples([("a", "intercept"), ("a", "x"), ("b", "intercept")],
                                      names=["class", "feature"])
    table = pd.DataFrame({"estimate": [1.25, -2e-9, 3.0], "std_error": [0.5, 0.1, np.nan]},
                         index=index)
    return bf.RegressionSummary("Model(alpha=1)", table, {"n_samples": 12, "r2": None,
                                                           "aic": 31.4159265}, 0.9, "credible")


def test_str_is_a_table_with_the_statistics_that_exist():
    text = str(_summary())
    lines = text.splitlines()
    assert lines[0] == "Model(alpha=1)"
    assert lines[2].split() == ["class", "feature", "estimate", "std_error"]
    assert lines[4].split() == ["a", "intercept", "1.25", "0.5"]
    assert lines[5].split() == ["a", "x", "-2e-09", "0.1"]
    assert lines[6].split() == ["b", "intercept", "3", "nan"]
    assert "lower, upper: 90% credible interval" in lines
    assert "n_samples: 12" in lines and "aic: 31.4159" in lines
    assert not any(line.startswith("r2") for line in lines)  # None: no meaning here


def test_markdown_and_csv_round_trip_the_numbers():
    s = _summary()
    md = s.to_markdown().splitlines()
    assert md[0] == "| class | feature | estimate | std_error |"
    assert md[1] == "|:---|:---|---:|---:|"
    assert md[2] == "| a | intercept | 1.25 | 0.5 |"
    assert "| aic | 31.4159 |" in md
    back = pd.read_csv(io.StringIO(s.to_csv()), index_col=[0, 1])
    np.testing.assert_array_equal(back["estimate"].to_numpy(), [1.25, -2e-9, 3.0])
    assert repr(s) == "RegressionSummary('Model(alpha=1)', 3 coefficients, level=0.9)"


def test_loo_result_follows_arvizs_conventions():
    # elpd = sum, se = sqrt(n * sample variance), p_loo = lppd - elpd (Vehtari et al. 2017)
    elpd_i, lppd_i = np.array([-1.0, -0.5, -2.5, -1.2]), np.array([-0.9, -0.5, -2.0, -1.0])
    r = bf.summary.LooResult.from_pointwise(elpd_i, lppd_i)
    assert r.elpd_loo == pytest.approx(-5.2)
    assert r.se == pytest.approx(np.sqrt(4 * np.var(elpd_i, ddof=1)))
    assert r.p_loo == pytest.approx(0.8)
    assert r.pointwise is elpd_i
