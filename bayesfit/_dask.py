"""Fitting on Dask arrays: the statistics are a Dask reduction, only M x M reaches the client.

Imported only when ``fit`` sees a Dask array, so Dask stays an optional dependency
(``pip install 'bayesfit[dask]'``). With a ``dask.distributed`` client active the blocks are
processed on its workers.
"""

from __future__ import annotations

import operator
from typing import Any

import dask
import dask.array as da
import numpy as np
from sklearn.base import clone

from bayesfit import basis as _basis

__all__ = ["fit_statistics"]


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
    X, y = da.asarray(X), da.asarray(y)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"X must be 1-D or 2-D, got {X.ndim}-D with shape {X.shape}")
    if y.ndim != 1:
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
    y = y.rechunk((X.chunks[0],))
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

    starts = np.cumsum((0, *X.chunks[0][:-1]))
    blocks = zip(X.to_delayed().ravel(), y.to_delayed().ravel(), weights, starts, strict=True)
    parts = [dask.delayed(_block_stats)(estimator, xb, yb, wb, int(s)) for xb, yb, wb, s in blocks]
    (stats,) = dask.compute(_tree_sum(parts))
    return stats
