"""Every warning bayesfit issues points at the caller's line: this file, not bayesfit's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import DataConversionWarning

import bayesfit as bf


def _caught(call, category):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    ours = [w for w in caught if issubclass(w.category, category)]
    assert ours, f"no {category.__name__} was issued"
    return ours


def test_numerical_warning_points_at_the_caller():
    x = np.array([0.0, 1.0])
    for w in _caught(lambda: bf.MLERegression(bf.basis.Polynomial(3)).fit(x, x),
                     bf.NumericalWarning):
        assert w.filename == __file__


def test_convergence_warning_of_the_evidence_points_at_the_caller():
    x, t = bf.datasets.sinusoid(30, seed=0)
    model = bf.EvidenceRegression(bf.basis.Polynomial(3), max_iter=1, global_search=False)
    for w in _caught(lambda: model.fit(x, t), bf.ConvergenceWarning):
        assert w.filename == __file__


def test_convergence_warning_of_pymc_points_at_the_caller():
    x, t = bf.datasets.linear(20, seed=0)
    model = bf.PyMCRegression(draws=20, tune=20, chains=1, random_seed=0, progressbar=False)
    for w in _caught(lambda: model.fit(x, t), bf.ConvergenceWarning):
        assert w.filename == __file__


def test_data_conversion_warning_points_at_the_caller():
    x = np.arange(4.0)
    def fit():
        return bf.FullBayesRegression(draws=20, random_seed=0).fit(x, (x + np.sin(x))[:, None])

    for w in _caught(fit, DataConversionWarning):
        assert w.filename == __file__


def test_the_base_class_is_what_the_test_suite_turns_into_errors():
    # pyproject's filterwarnings makes every BayesfitWarning an error in the suite
    assert issubclass(bf.NumericalWarning, bf.BayesfitWarning)
    assert issubclass(bf.ConvergenceWarning, bf.BayesfitWarning)
    with pytest.raises(bf.BayesfitWarning):
        bf.MLERegression(bf.basis.Polynomial(3)).fit(np.array([0.0, 1.0]), np.array([0.0, 1.0]))
