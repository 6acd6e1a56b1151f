"""Fitting on Dask arrays: statistics and Newton steps are Dask reductions; M x M to the client.

Imported only when ``fit`` sees a Dask array, so Dask stays an optional dependency
(``pip install 'bayesfit[dask]'``). With a ``dask.distributed`` client active the blocks are
processed on its workers.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import array_api_compat.numpy as np_xp
import dask
import dask.array as da
import numpy as np
from sklearn.base import clone

from bayesfit import basis as _basis
from bayesfit._logistic import Likelihood, Point, onehot
from bayesfit._validation import check_array, check_sample_weight

__all__ = ["BlockLikelihood", "fit_statistics"]


def _block_stats(estimator: Any, X: np.ndarray, y: np.ndarray, w: Any, start: int) -> Any:
    try:
        Xa, ta, wa, xp = estimator._validated_inputs(
            X, y, w, reset=False, row_offset=start, whole=False
        )
        return estimator._statistics(Xa, ta, wa, xp=xp, row_offset=start)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{exc} (in the block of rows {start}..{start + len(X) - 1})") from exc


def _tree_sum(parts: list[Any]) -> Any:
    # Pairwise, so no single task holds every block's statistics at once.
    while len(parts) > 1:
        paired = [
            dask.delayed(operator.add)(a, b) for a, b in zip(parts[::2], parts[1::2], strict=False)
        ]
        parts = paired + ([parts[-1]] if len(parts) % 2 else [])
    return parts[0]


def _prepared(estimator: Any, X: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, list[Any]]:
    """Check Dask arrays ``X``, ``y``, rechunk them into whole rows and fit ``estimator.basis_``.

    ``sample_weight`` (Dask or NumPy, or None) is cut into the row blocks of ``X``.

    Returns
    -------
    X, y, weights
        ``X`` and ``y`` rechunked to whole rows; one delayed weight block (or None) per row
        block.

    Raises
    ------
    ValueError, TypeError
        Bad shapes, dtypes or unknown chunk sizes, before any block is computed.
    """
    X, y = da.asarray(X), da.asarray(y)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"X must be 1-D or 2-D, got {X.ndim}-D with shape {X.shape}")
    if y.ndim != 1 and not (y.ndim == 2 and estimator._multi_output):
        raise ValueError(f"y must be 1-D, got {y.ndim}-D with shape {y.shape}")
    arrays = [("X", X), ("y", y)]
    if sample_weight is not None:
        sample_weight = da.asarray(sample_weight)
        if sample_weight.ndim != 1:
            raise ValueError(
                f"sample_weight must be 1-D, got {sample_weight.ndim}-D with shape "
                f"{sample_weight.shape}"
            )
        arrays.append(("sample_weight", sample_weight))
    for name, arr in arrays:
        if any(np.isnan(c) for chunks in arr.chunks for c in chunks):
            raise ValueError(f"{name} has unknown chunk sizes; call {name}.compute_chunk_sizes()")
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"{name} must have a real numeric dtype, got {arr.dtype}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: {X.shape[0]} and {y.shape[0]}"
        )
    if sample_weight is not None and sample_weight.shape[0] != X.shape[0]:
        raise ValueError(
            f"sample_weight has {sample_weight.shape[0]} entries for {X.shape[0]} samples; "
            f"give one weight per sample"
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X has no samples or no features (shape={X.shape})")
    X = X.rechunk({1: -1})  # whole rows per block: the basis needs every feature of a row
    y = y.rechunk((X.chunks[0],) if y.ndim == 1 else (X.chunks[0], -1))  # K targets: whole rows
    weights = [None] * len(X.chunks[0])
    if sample_weight is not None:
        weights = sample_weight.rechunk((X.chunks[0],)).to_delayed().ravel()

    basis = _basis.Identity() if estimator.basis is None else clone(estimator.basis)
    low = high = 0.0
    if basis._needs_range():
        low, high = (float(v) for v in dask.compute(X.min(), X.max()))
        if not (np.isfinite(low) and np.isfinite(high)):
            raise ValueError("X contains NaN or inf (seen in its range)")
    estimator.basis_ = basis._fit_from_range(X.shape[1], low, high)
    estimator.n_features_in_ = X.shape[1]
    if hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    return X, y, weights


def _row_starts(X: Any) -> list[int]:
    return [int(s) for s in np.cumsum((0, *X.chunks[0][:-1]))]


def fit_statistics(estimator: Any, X: Any, y: Any, sample_weight: Any = None) -> Any:
    """Fit ``estimator.basis_`` and return the merged statistics of Dask arrays ``X``, ``y``.

    ``sample_weight`` (Dask or NumPy, or None) is cut into the row blocks of ``X``.

    Raises
    ------
    ValueError, TypeError
        Bad shapes, dtypes or unknown chunk sizes before any block is computed; NaN/inf,
        overflow, bad weights and non-numeric values when the block holding them is, naming
        its rows.
    """
    X, y, weights = _prepared(estimator, X, y, sample_weight)
    blocks = zip(X.to_delayed().ravel(), y.to_delayed().ravel(), weights, _row_starts(X),
                 strict=True)
    parts = [dask.delayed(_block_stats)(estimator, xb, yb, wb, s) for xb, yb, wb, s in blocks]
    (stats,) = dask.compute(_tree_sum(parts))
    return stats


# -- classifiers: each Newton step one pass over the blocks -------------------------------------


@dataclass(frozen=True)
class _BlockTerms:
    """Sums over rows of one or more blocks; they merge with ``+``."""

    value: float
    grad: np.ndarray
    hess: np.ndarray

    def __add__(self, other: _BlockTerms) -> _BlockTerms:
        return _BlockTerms(self.value + other.value, self.grad + other.grad,
                           self.hess + other.hess)


def _block_likelihood(basis: Any, X: np.ndarray, y: np.ndarray, w: np.ndarray | None,
                      start: int, classes: np.ndarray, reference: bool) -> Likelihood:
    xp = np_xp
    try:
        Xa = check_array(X, "X", xp=xp, row_offset=start)
        check_array(y, "y", ndim=1, xp=xp, row_offset=start)  # NaN / inf, with the row
        if w is not None:
            w = check_sample_weight(
                w, Xa.shape[0], xp=xp, dtype=Xa.dtype, row_offset=start, allow_all_zero=True
            )
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{exc} (in the block of rows {start}..{start + len(X) - 1})") from exc
    codes = np.searchsorted(classes, y)
    Phi = basis._design(Xa)
    targets = onehot(xp.asarray(codes), classes.shape[0], dtype=Phi.dtype, xp=xp)
    return Likelihood(Phi, targets, w, reference=reference, xp=xp)


def _block_scale(basis: Any, X: np.ndarray, y: np.ndarray, w: np.ndarray | None, start: int,
                 classes: np.ndarray, reference: bool) -> np.ndarray:
    lik = _block_likelihood(basis, X, y, w, start, classes, reference)
    return np.array([lik.weight_sum, lik.mean_square() * lik.weight_sum * lik.Phi.shape[1]])


def _block_terms(basis: Any, X: np.ndarray, y: np.ndarray, w: np.ndarray | None, start: int,
                 classes: np.ndarray, reference: bool, V: np.ndarray) -> _BlockTerms:
    lik = _block_likelihood(basis, X, y, w, start, classes, reference)
    point = lik.evaluate(V.astype(lik.Phi.dtype, copy=False))
    return _BlockTerms(point.value, point.grad, lik.hessian(point))


class BlockLikelihood:
    """The classifiers' negative log-likelihood over the blocks of Dask arrays.

    Making one fits ``estimator.basis_`` and sets ``estimator.classes_`` (the labels'
    unique values, which decide the free columns). Each evaluation at weights V is one
    pass: every block returns its value, gradient and Hessian (P x P) and only those sums
    reach the client, so a Newton step is a reduction and the data never leave the
    workers. Persist ``X`` (``X.persist()``) when it is the result of a computation, or
    each pass computes it again.
    """

    direct_only = True
    device = None  # the blocks are NumPy arrays on the host

    def __init__(self, estimator: Any, X: Any, y: Any, sample_weight: Any):
        X, y, weights = _prepared(estimator, X, y, sample_weight)
        self.dtype = np.float32 if X.dtype == np.float32 else np.float64
        classes = np.asarray(da.unique(y).compute())
        if classes.dtype.kind == "f" and not np.all(np.isfinite(classes)):
            raise ValueError("y contains NaN or inf")
        if classes.dtype.kind == "f" and not np.all(classes == np.round(classes)):
            raise ValueError("Unknown label type: continuous. y must hold class labels")
        if classes.shape[0] < 2:
            raise ValueError(f"y has only one class ({classes[0]!r}); a classifier needs two")
        estimator.classes_ = classes
        reference = estimator._is_reference()  # decided by the number of classes
        self._blocks = [
            (estimator.basis_, xb, yb, wb, s, classes, reference)
            for xb, yb, wb, s in zip(X.to_delayed().ravel(), y.to_delayed().ravel(), weights,
                                     _row_starts(X), strict=True)
        ]
        scale = dask.compute(_tree_sum([dask.delayed(_block_scale)(*b) for b in self._blocks]))[0]
        self.weight_sum = float(scale[0])
        if not self.weight_sum > 0:
            raise ValueError("sample_weight is zero for every sample: nothing to fit")
        self.n_rows = X.shape[0]
        self._square_sum = float(scale[1])
        self._n_columns = estimator.basis_.n_output_features_
        self._terms: dict[int, _BlockTerms] = {}

    def mean_square(self) -> float:
        """Return the weighted mean square of the design's entries (a scale for alpha)."""
        return self._square_sum / (self.weight_sum * self._n_columns)

    def evaluate(self, V: Any) -> Point:
        host = np.asarray(V)
        parts = [dask.delayed(_block_terms)(*b, host) for b in self._blocks]
        (terms,) = dask.compute(_tree_sum(parts))
        point = Point(V, float(terms.value), None)
        self._terms = {id(point): terms}  # only the latest point's derivatives are kept
        return point

    def gradient(self, point: Point) -> np.ndarray:
        return self._terms[id(point)].grad

    def hessian(self, point: Point) -> np.ndarray:
        return self._terms[id(point)].hess

    def hvp(self, point: Point, D: Any) -> Any:  # pragma: no cover - direct_only
        raise NotImplementedError("block sources solve with the Hessian")
