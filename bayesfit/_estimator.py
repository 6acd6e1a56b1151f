"""The machinery every estimator on a basis shares: the basis, features, persistence.

:class:`BasisEstimator` holds what the regressors (:mod:`bayesfit.linear`,
:mod:`bayesfit.pymc_models`) and the classifiers have in common and nothing of their
likelihoods: the ``basis`` parameter and its fitted copy ``basis_``, the feature bookkeeping
(``n_features_in_``, ``feature_names_in_``), the design matrix of new inputs, the
all-or-nothing fit (:func:`unchanged_on_error`) and the JSON-safe ``to_dict`` /
``from_dict``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

import bayesfit
from bayesfit import basis as _basis
from bayesfit._backend import default_namespace, get_namespace, to_numpy
from bayesfit._registry import estimator_class
from bayesfit._validation import (
    NONE,
    Constraint,
    InstanceOf,
    check_array,
    check_features,
    check_tensor,
)
from bayesfit.posterior import GaussianPosterior

__all__ = ["BASIS", "FORMAT_VERSION", "BasisEstimator", "json_number", "unchanged_on_error"]

#: The constraint of every estimator's ``basis`` parameter.
BASIS = [NONE, InstanceOf(_basis.Basis, "a bayesfit.basis object")]
#: Version of the to_dict layout; bump it when a change would make older readers misread it.
FORMAT_VERSION = 1


def unchanged_on_error(method: Callable[..., Any]) -> Callable[..., Any]:
    """Restore the estimator's attributes if ``method`` raises: nothing is half-written.

    Fitting sets the basis and feature bookkeeping before the estimator's own checks (a
    prior of the wrong shape, a bad chunk late in a stream) can fail; one snapshot here covers
    every entry point instead of ordering each of them by hand.
    """

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        before = dict(self.__dict__)
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    return wrapper



class BasisEstimator(BaseEstimator):
    """An estimator on basis functions of its inputs: basis, features, design, persistence."""

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {"basis": BASIS}
    # Learned attributes written by to_dict, besides the basis and feature bookkeeping.
    _scalar_state: ClassVar[tuple[str, ...]] = ()

    def _fit_basis(self, Xa: Any, X: Any) -> None:
        """Record the features of the validated ``Xa`` (``X`` as given) and fit ``basis_``.

        ``Xa`` is validated already, and a basis learns from it at most its range: one
        min/max pass where the basis needs it (RBF and sigmoid centres), none otherwise.
        """
        check_features(self, Xa, X, reset=True)
        basis = _basis.Identity() if self.basis is None else clone(self.basis)
        low = high = 0.0
        if basis._needs_range():
            xp = get_namespace(Xa)
            low, high = float(xp.min(Xa)), float(xp.max(Xa))
        self.basis_ = basis._fit_from_range(Xa.shape[1], low, high)
        if hasattr(self, "feature_names_in_"):  # the basis saw an array: hand it the names
            self.basis_.feature_names_in_ = self.feature_names_in_

    def _design(self, X: Any) -> Any:
        check_is_fitted(self, "coef_")
        Xa = check_array(X, "X")
        check_features(self, Xa, X, reset=False)
        return self.basis_._design(Xa)

    def _feature_names(self) -> list[str]:
        """Return the names of the design's columns (the basis functions of the inputs)."""
        names = self.basis_.get_feature_names_out(getattr(self, "feature_names_in_", None))
        return [str(n) for n in names]

    # -- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict of the settings and the fitted state (lossless).

        Arrays are written as lists of Python floats, which round-trip float64 exactly.
        """
        params = {k: v for k, v in self.get_params(deep=False).items() if k != "basis"}
        for key, value in params.items():
            if hasattr(value, "shape"):
                params[key] = to_numpy(value).tolist()
        d: dict[str, Any] = {
            "format": "bayesfit.estimator",
            "format_version": FORMAT_VERSION,
            "bayesfit_version": bayesfit.__version__,
            "class": type(self).__name__,
            "params": params,
            "basis": None if self.basis is None else self.basis.to_dict(),
        }
        if hasattr(self, "coef_"):
            state: dict[str, Any] = {
                "basis_": self.basis_.to_dict(),
                "n_features_in_": int(self.n_features_in_),
                "coef_": to_numpy(self.coef_).tolist(),
                "dtype": str(to_numpy(self.coef_).dtype),
            }
            for names in ("feature_names_in_", "target_names_"):
                if hasattr(self, names):
                    state[names] = [str(n) for n in getattr(self, names)]
            for name in self._scalar_state:
                value = getattr(self, name)
                state[name] = (  # per target (an (N, K) y) or one
                    [json_number(v) for v in to_numpy(value).tolist()]
                    if getattr(value, "ndim", 0) else json_number(value)
                )
            if isinstance(getattr(self, "posterior_", None), list):
                state["posterior_"] = [p.to_dict() for p in self.posterior_]
            elif hasattr(self, "posterior_"):
                state["posterior_"] = self.posterior_.to_dict()
            d["state"] = state
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BasisEstimator:
        """Rebuild an estimator written by :meth:`to_dict`; arrays go to the default backend.

        Raises
        ------
        ValueError
            If ``d`` is not a bayesfit estimator dict, is of another class, was written in a
            format version this bayesfit does not read (by a newer one), or is corrupt.
        """
        if not isinstance(d, dict) or d.get("format") != "bayesfit.estimator":
            raise ValueError("not a bayesfit estimator dict (missing format='bayesfit.estimator')")
        version = d.get("format_version", 1)  # dicts from before the key existed are version 1
        if version != FORMAT_VERSION:
            raise ValueError(
                f"the estimator dict has format_version {version!r} (written by bayesfit "
                f"{d.get('bayesfit_version', '?')}); this bayesfit {bayesfit.__version__} reads "
                f"format_version {FORMAT_VERSION}: upgrade bayesfit to load it"
            )
        target = estimator_class(d.get("class"))
        if target is None or not issubclass(target, cls):
            raise ValueError(f"dict describes {d.get('class')!r}, not a {cls.__name__}")
        try:
            params = dict(d["params"])
            if d["basis"] is not None:
                params["basis"] = _basis.from_dict(d["basis"])
            est = target(**target._params_from_dict(params))
            state = d.get("state")
            if state is not None:
                est._load_state(state)
        except KeyError as exc:
            raise ValueError(f"corrupt bayesfit estimator dict: missing key {exc}") from exc
        except (TypeError, ValueError) as exc:
            raise ValueError(f"corrupt bayesfit estimator dict: {exc}") from exc
        return est

    @classmethod
    def _params_from_dict(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Turn JSON-safe settings back into constructor arguments (a hook for subclasses)."""
        return params

    def _load_state(self, state: dict[str, Any]) -> None:
        xp = default_namespace()
        if state["dtype"] not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {state['dtype']!r}")
        dtype = getattr(xp, state["dtype"])
        self.basis_ = _basis.from_dict(state["basis_"])
        n_features = state["n_features_in_"]
        if n_features != getattr(self.basis_, "n_features_in_", None):
            raise ValueError(f"n_features_in_ {n_features!r} does not match the fitted basis")
        self.n_features_in_ = n_features
        for names in ("feature_names_in_", "target_names_"):
            if names in state:
                setattr(self, names, np.asarray(state[names], dtype=object))
        coef = xp.astype(check_tensor(state["coef_"], "coef_", xp=xp), dtype)
        self._check_coef(coef)
        self.coef_ = coef
        for name in self._scalar_state:
            value = state[name]
            if isinstance(value, list):  # one per target
                value = (np.asarray(value, dtype=np.int64) if name == "n_iter_" else
                         xp.asarray([float(v) for v in value], dtype=dtype))
            elif name != "n_iter_":
                value = float(value)
            setattr(self, name, value)
        if "posterior_" in state:
            p = state["posterior_"]
            posteriors = [
                GaussianPosterior(
                    xp.asarray(q["mean"], dtype=dtype), xp.asarray(q["cov"], dtype=dtype)
                )
                for q in (p if isinstance(p, list) else [p])
            ]
            if [q.mean.shape for q in posteriors] != [c.shape for c in (
                    coef if isinstance(p, list) else [coef])]:
                raise ValueError("posterior_ does not have the shape of coef_")
            self.posterior_ = posteriors if isinstance(p, list) else posteriors[0]

    def _check_coef(self, coef: Any) -> None:
        """Refuse a loaded ``coef_`` that does not fit the basis (a hook for subclasses)."""
        if coef.shape[-1:] != (self.basis_.n_output_features_,) or coef.ndim > 2:
            raise ValueError(
                f"coef_ has shape {coef.shape}, the basis gives "
                f"{self.basis_.n_output_features_} weights"
            )


def json_number(value: Any) -> Any:
    value = float(value) if not isinstance(value, int) else value
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # "inf" / "nan": JSON has no literal for them; float() reads both
    return value

