"""Bases against hand-written NumPy formulas, on every backend and dtype."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

import bayesfit as bf
from bayesfit.basis import GaussianRBF, Identity, Polynomial, Sigmoidal, from_dict

X1 = np.linspace(-1.0, 2.0, 7)
X2 = np.column_stack([X1, X1[::-1] ** 2])


def reference(basis, X):
    X = X.reshape(len(X), -1)
    cols = [np.ones(len(X))] if basis.bias else []
    for x in X.T:
        if isinstance(basis, Identity):
            cols.append(x)
        elif isinstance(basis, Polynomial):
            cols += [x**p for p in range(1, basis.degree + 1)]
        elif isinstance(basis, GaussianRBF):
            cols += [np.exp(-((x - c) ** 2) / (2 * basis.width**2)) for c in basis.centers]
        else:
            cols += [scipy.special.expit((x - c) / basis.scale) for c in basis.centers]
    return np.column_stack(cols)


BASES = [
    Identity(),
    Identity(bias=False),
    Polynomial(0),
    Polynomial(4),
    Polynomial(3, bias=False),
    GaussianRBF(centers=[-1.0, 0.0, 1.5], width=0.4),
    Sigmoidal(centers=[-30.0, 0.0, 30.0], scale=0.05),  # saturated: must not overflow
]


@pytest.mark.parametrize("basis", BASES, ids=repr)
@pytest.mark.parametrize("X", [X1, X2], ids=["1d", "2d"])
def test_design_matches_reference(basis, X, xp, dtype_name):
    dtype = getattr(xp, dtype_name)
    Phi = basis.fit(xp.asarray(X, dtype=dtype)).transform(xp.asarray(X, dtype=dtype))
    assert type(Phi) is type(xp.asarray(X)) and Phi.dtype == dtype
    expected = reference(basis, X)
    assert Phi.shape == expected.shape == (len(X), basis.n_output_features_)
    rtol = 1e-12 if dtype_name == "float64" else 1e-5
    np.testing.assert_allclose(bf.to_numpy(Phi), expected, rtol=rtol, atol=rtol)
    assert len(basis.get_feature_names_out()) == Phi.shape[1]


def test_polynomial_matches_numpy_vander():
    Phi = Polynomial(9).fit_transform(X1)
    np.testing.assert_array_equal(Phi, np.vander(X1, 10, increasing=True))


def test_default_centres_span_the_data_and_width_is_their_spacing():
    rbf = GaussianRBF(9).fit(np.linspace(0, 1, 30))
    np.testing.assert_allclose(rbf.centers_, np.linspace(0, 1, 9))
    assert rbf.width_ == pytest.approx(1 / 8)
    sig = Sigmoidal(5, scale=0.2).fit([2.0, 4.0])
    np.testing.assert_allclose(sig.centers_, [2.0, 2.5, 3.0, 3.5, 4.0])
    assert sig.scale_ == 0.2


def test_feature_names():
    poly = Polynomial(2).fit(X2)
    assert list(poly.get_feature_names_out()) == ["intercept", "x0", "x0^2", "x1", "x1^2"]
    assert list(poly.get_feature_names_out(["a", "b"])) == ["intercept", "a", "a^2", "b", "b^2"]
    rbf = GaussianRBF(2, bias=False).fit(X1)
    assert list(rbf.get_feature_names_out()) == ["x0_rbf0", "x0_rbf1"]
    with pytest.raises(ValueError, match="input_features has 1 names, expected 2"):
        poly.get_feature_names_out(["a"])


@pytest.mark.parametrize("basis", [*BASES, GaussianRBF(4), Sigmoidal(3)], ids=repr)
def test_to_dict_round_trip(basis):
    fitted = basis.fit(X2)
    again = from_dict(fitted.to_dict())
    np.testing.assert_array_equal(again.transform(X2), fitted.transform(X2))


def test_transform_checks_width():
    poly = Polynomial(2).fit(X2)
    with pytest.raises(ValueError, match="X has 1 features, but Polynomial is expecting 2"):
        poly.transform(X1)
