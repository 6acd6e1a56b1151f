r"""Basis functions: fixed non-linear features :math:`\phi(x)` for linear models.

A linear model in the weights, :math:`y(x, w) = w^T \phi(x)`, becomes a flexible curve fitter
once ``x`` is mapped through basis functions (PRML section 3.1). Each basis here is a
scikit-learn transformer: ``fit`` learns what it needs from the inputs (the number of
features, the centres when they are not given), ``transform`` returns the design matrix
:math:`\Phi` with one row per sample. A leading column of ones (the bias :math:`\phi_0 = 1`)
is included by default.

With several input features each basis is applied to every feature separately and the
results are concatenated (an additive model), after the one shared bias column.
"""

from __future__ import annotations

import numbers
from types import ModuleType
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from bayesfit._backend import device_of, get_namespace, to_numpy
from bayesfit._special import sigmoid
from bayesfit._validation import (
    NONE,
    POSITIVE,
    Constraint,
    InstanceOf,
    Interval,
    Options,
    check_array,
    check_features,
    validate_params,
)

__all__ = ["Basis", "GaussianRBF", "Identity", "Polynomial", "Sigmoidal", "from_dict"]

_BOOL = Options((True, False))


class Basis(TransformerMixin, BaseEstimator):
    """Common machinery of the bases: validation, the bias column, feature names."""

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {"bias": [_BOOL]}

    def fit(self, X: Any, y: Any = None) -> Basis:
        """Learn the number of input features (and, where needed, centres) from ``X``.

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)
            Inputs; 1-D means one feature.
        y : ignored

        Returns
        -------
        self
        """
        validate_params(self, self._parameter_constraints)
        Xa = check_array(X, "X")
        check_features(self, Xa, X, reset=True)
        xp = get_namespace(Xa)
        self._fit_range(float(xp.min(Xa)), float(xp.max(Xa)))
        return self

    def _fit_from_range(self, n_features: int, low: float, high: float) -> Basis:
        """Fit from the number of features and the range of the inputs alone.

        That is all any basis learns from data, so out-of-core and distributed fits can
        compute the range in one pass and never hold the data.
        """
        validate_params(self, self._parameter_constraints)
        self.n_features_in_ = n_features
        self._fit_range(low, high)
        return self

    def transform(self, X: Any) -> Any:
        r"""Return the design matrix :math:`\Phi` of shape (n_samples, n_output_features).

        Parameters
        ----------
        X : array_like of shape (n_samples,) or (n_samples, n_features)

        Returns
        -------
        array
            In the namespace and floating dtype of ``X``.
        """
        check_is_fitted(self, "n_features_in_")
        Xa = check_array(X, "X")
        check_features(self, Xa, X, reset=False)
        return self._design(Xa)

    def _design(self, X: Any, *, bias: bool | None = None) -> Any:
        """Design matrix of an already validated 2-D array (used by the estimators).

        ``bias=False`` leaves out the bias column even when the basis has one (the
        estimators add its sufficient statistics without copying the design).
        """
        xp = get_namespace(X)
        blocks = [self._features(X[:, j : j + 1], xp=xp) for j in range(X.shape[1])]
        if self.bias if bias is None else bias:
            blocks.insert(0, xp.ones((X.shape[0], 1), dtype=X.dtype, device=device_of(X)))
        return xp.concat(blocks, axis=1)

    @property
    def n_output_features_(self) -> int:
        """Number of columns of the design matrix."""
        check_is_fitted(self, "n_features_in_")
        return int(self.bias) + self.n_features_in_ * self._n_per_feature()

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the design matrix's columns, ``"intercept"`` for the bias.

        Parameters
        ----------
        input_features : list of str, optional
            Names of the input features; by default ``feature_names_in_`` when fitted on a
            DataFrame, else ``x0, x1, ...``.

        Returns
        -------
        numpy.ndarray of str, dtype object
        """
        check_is_fitted(self, "n_features_in_")
        if input_features is None:
            input_features = getattr(
                self, "feature_names_in_", [f"x{i}" for i in range(self.n_features_in_)]
            )
        if len(input_features) != self.n_features_in_:
            raise ValueError(
                f"input_features has {len(input_features)} names, "
                f"expected {self.n_features_in_}"
            )
        names = ["intercept"] if self.bias else []
        for feature in input_features:
            names += self._names(str(feature))
        return np.asarray(names, dtype=object)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict of the settings and the fitted state."""
        params = {
            k: (to_numpy(v).tolist() if hasattr(v, "shape") else v)
            for k, v in self.get_params().items()
        }
        state: dict[str, Any] = {}
        if hasattr(self, "n_features_in_"):
            state["n_features_in_"] = int(self.n_features_in_)
            if hasattr(self, "feature_names_in_"):
                state["feature_names_in_"] = [str(n) for n in self.feature_names_in_]
            state.update(self._state())
        return {"class": type(self).__name__, "params": params, "state": state}

    # hooks for the subclasses
    def _fit_range(self, low: float, high: float) -> None:
        """Learn what the basis needs from the range [low, high] of the inputs."""

    def _state(self) -> dict[str, Any]:
        return {}

    def _needs_range(self) -> bool:
        """Whether fitting needs the range of the inputs (else only their number)."""
        return False

    def _design_shows_nonfinite(self) -> bool:
        r"""Whether every NaN/inf of the inputs reaches the design matrix.

        Then the estimators need no separate finiteness pass over X: the diagonal of
        :math:`\Phi^T\Phi` shows it. Bounded features (an RBF of inf is 0) hide it.
        """
        return False

    def _features(self, x: Any, *, xp: ModuleType) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _n_per_feature(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def _names(self, feature: str) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError


class Identity(Basis):
    r"""The inputs themselves, with a bias column: :math:`\phi(x) = (1, x_1, \dots, x_D)`.

    Parameters
    ----------
    bias : bool, default True
        Prepend a column of ones.

    Examples
    --------
    >>> from bayesfit.basis import Identity
    >>> Identity().fit_transform([[2.0, 3.0]])
    array([[1., 2., 3.]])
    """

    def __init__(self, bias: bool = True):
        self.bias = bias

    def _design(self, X: Any, *, bias: bool | None = None) -> Any:
        # The features are X itself: no per-column copies (a full copy of X at N = 1e6).
        if not (self.bias if bias is None else bias):
            return X
        return super()._design(X, bias=bias)

    def _features(self, x: Any, *, xp: ModuleType) -> Any:
        return x

    def _design_shows_nonfinite(self) -> bool:
        return True

    def _n_per_feature(self) -> int:
        return 1

    def _names(self, feature: str) -> list[str]:
        return [feature]


class Polynomial(Basis):
    r"""Raw powers :math:`\phi_j(x) = x^j`, :math:`j = 0, \dots, M` (PRML eq. 1.1).

    The same columns as :func:`numpy.polyfit` and PRML's polynomial curve fitting, lowest
    power first. No scaling is applied: on inputs far from [-1, 1] high degrees are badly
    conditioned, which is part of the lesson of PRML ch. 1.

    Parameters
    ----------
    degree : int, default 3
        The highest power M.
    bias : bool, default True
        Include the constant column :math:`x^0 = 1`.

    Examples
    --------
    >>> from bayesfit.basis import Polynomial
    >>> Polynomial(degree=2).fit_transform([0.5, 2.0])
    array([[1.  , 0.5 , 0.25],
           [1.  , 2.  , 4.  ]])
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **Basis._parameter_constraints,
        "degree": [Interval(numbers.Integral, 0, None)],
    }

    def __init__(self, degree: int = 3, bias: bool = True):
        self.degree = degree
        self.bias = bias

    def _features(self, x: Any, *, xp: ModuleType) -> Any:
        if self.degree == 0:
            return x[:, :0]
        powers = [x]
        for _ in range(1, self.degree):
            powers.append(powers[-1] * x)
        return xp.concat(powers, axis=1)

    def _design_shows_nonfinite(self) -> bool:
        # the column x itself; an invalid degree is reported when the basis is fitted
        return isinstance(self.degree, numbers.Integral) and self.degree >= 1

    def _n_per_feature(self) -> int:
        return self.degree

    def _names(self, feature: str) -> list[str]:
        return [feature if p == 1 else f"{feature}^{p}" for p in range(1, self.degree + 1)]


class _Localized(Basis):
    """Bases with centres and a length scale: centres given or spread over the data range."""

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **Basis._parameter_constraints,
        "n_centers": [Interval(numbers.Integral, 1, None)],
        "centers": [NONE, InstanceOf((list, tuple, np.ndarray), "a 1-D sequence of numbers")],
    }
    _scale_name: ClassVar[str]
    _tag: ClassVar[str]

    def _fit_range(self, low: float, high: float) -> None:
        if self.centers is not None:
            centers = check_array(self.centers, "centers", ndim=1)
            self.centers_ = to_numpy(centers).astype(np.float64)
        else:
            self.centers_ = np.linspace(low, high, self.n_centers)
        scale = getattr(self, self._scale_name)
        if scale is None:
            spacing = np.diff(self.centers_)
            # One centre, or all centres equal: fall back to the spread of the data.
            scale = float(spacing.mean()) if spacing.size and spacing.mean() > 0 else 1.0
        setattr(self, self._scale_name + "_", float(scale))

    def _needs_range(self) -> bool:
        return self.centers is None

    def _state(self) -> dict[str, Any]:
        return {"centers_": self.centers_.tolist(), self._scale_name + "_": self._scale()}

    def _scale(self) -> float:
        return getattr(self, self._scale_name + "_")

    def _n_per_feature(self) -> int:
        return len(self.centers_)

    def _names(self, feature: str) -> list[str]:
        return [f"{feature}_{self._tag}{j}" for j in range(len(self.centers_))]

    def _scaled_distance(self, x: Any, *, xp: ModuleType) -> Any:
        centers = xp.asarray(self.centers_, dtype=x.dtype, device=device_of(x))
        return (x - xp.reshape(centers, (1, -1))) / self._scale()


class GaussianRBF(_Localized):
    r"""Gaussian bumps :math:`\phi_j(x) = \exp\{-(x - \mu_j)^2 / (2 s^2)\}` (PRML eq. 3.4).

    Parameters
    ----------
    n_centers : int, default 9
        Number of centres, spread evenly over the range of the training inputs (ignored when
        ``centers`` is given).
    centers : sequence of float, optional
        The centres :math:`\mu_j`.
    width : float, optional
        The length scale :math:`s`; by default the spacing of the centres.
    bias : bool, default True
        Prepend a column of ones.

    Examples
    --------
    >>> from bayesfit.basis import GaussianRBF
    >>> GaussianRBF(centers=[0.0, 1.0], width=1.0).fit_transform([0.0]).round(4)
    array([[1.    , 1.    , 0.6065]])
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **_Localized._parameter_constraints,
        "width": [NONE, POSITIVE],
    }
    _scale_name = "width"
    _tag = "rbf"

    def __init__(
        self,
        n_centers: int = 9,
        centers: Any = None,
        width: float | None = None,
        bias: bool = True,
    ):
        self.n_centers = n_centers
        self.centers = centers
        self.width = width
        self.bias = bias

    def _features(self, x: Any, *, xp: ModuleType) -> Any:
        d = self._scaled_distance(x, xp=xp)
        return xp.exp(-0.5 * d * d)


class Sigmoidal(_Localized):
    r"""Logistic sigmoids :math:`\phi_j(x) = \sigma((x - \mu_j) / s)` (PRML eq. 3.5).

    Parameters
    ----------
    n_centers : int, default 9
        Number of centres, spread evenly over the range of the training inputs (ignored when
        ``centers`` is given).
    centers : sequence of float, optional
        The centres :math:`\mu_j`.
    scale : float, optional
        The slope scale :math:`s`; by default the spacing of the centres.
    bias : bool, default True
        Prepend a column of ones.

    Examples
    --------
    >>> from bayesfit.basis import Sigmoidal
    >>> Sigmoidal(centers=[0.0], scale=1.0).fit_transform([0.0])
    array([[1. , 0.5]])
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **_Localized._parameter_constraints,
        "scale": [NONE, POSITIVE],
    }
    _scale_name = "scale"
    _tag = "sig"

    def __init__(
        self,
        n_centers: int = 9,
        centers: Any = None,
        scale: float | None = None,
        bias: bool = True,
    ):
        self.n_centers = n_centers
        self.centers = centers
        self.scale = scale
        self.bias = bias

    def _features(self, x: Any, *, xp: ModuleType) -> Any:
        return sigmoid(self._scaled_distance(x, xp=xp), xp=xp)


_BASES = {cls.__name__: cls for cls in (Identity, Polynomial, GaussianRBF, Sigmoidal)}


def from_dict(d: dict[str, Any]) -> Basis:
    """Rebuild a basis from :meth:`Basis.to_dict` output.

    Raises
    ------
    ValueError
        If the dict does not describe a known basis.
    """
    try:
        cls = _BASES[d["class"]]
        basis = cls(**d["params"])
        state = dict(d["state"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a bayesfit basis dict: {exc!r}") from exc
    for key, value in state.items():
        if key in ("centers_", "feature_names_in_"):
            value = np.asarray(value, dtype=np.float64 if key == "centers_" else object)
        setattr(basis, key, value)
    return basis


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
