r"""Chunk sources for out-of-core fitting with ``fit_stream``.

Every estimator depends on the data only through statistics that merge exactly across
chunks (:math:`\Phi^T\Phi, \Phi^T t, t^T t, N`; for the MLE the R factor of a QR), so a data
set larger than memory fits exactly, one chunk at a time (with frequency weights, chunks
are ``(X, y, sample_weight)``)::

    model = bf.EvidenceRegression(bf.basis.Polynomial(3))
    model.fit_stream(bf.streaming.read_csv_chunks("big.csv", x="x", y="t"))

Peak memory is one chunk plus the :math:`M \times M` statistics.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from bayesfit._validation import POSITIVE_INT

__all__ = ["iter_array_chunks", "read_csv_chunks"]


def _check_chunksize(chunksize: object) -> int:
    if not POSITIVE_INT.accepts(chunksize):
        raise ValueError(f"chunksize must be a positive int, got {chunksize!r}")
    return int(chunksize)  # type: ignore[arg-type]


def iter_array_chunks(
    X: Any, y: Any, chunksize: int = 100_000, sample_weight: Any = None
) -> Iterator[tuple[Any, ...]]:
    """Yield ``(X[i:i+chunksize], y[i:i+chunksize])`` row blocks (and their weights).

    Works on anything sliceable by rows, in particular :func:`numpy.load` with
    ``mmap_mode="r"`` and :class:`numpy.memmap`, which read each block from disk only when
    it is sliced.

    Parameters
    ----------
    X : array_like of shape (n_samples,) or (n_samples, n_features)
    y : array_like of shape (n_samples,)
    chunksize : int, default 100000
        Rows per chunk.
    sample_weight : array_like of shape (n_samples,), optional
        Frequency weights: the chunks become ``(X_chunk, y_chunk, weight_chunk)``, as
        ``fit_stream`` takes them.

    Yields
    ------
    (X_chunk, y_chunk) or (X_chunk, y_chunk, weight_chunk)

    Examples
    --------
    >>> import numpy as np
    >>> [len(c[0]) for c in iter_array_chunks(np.zeros(5), np.zeros(5), chunksize=2)]
    [2, 2, 1]
    """
    chunksize = _check_chunksize(chunksize)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"X and y have inconsistent numbers of samples: {n} and {len(y)}")
    if sample_weight is not None and len(sample_weight) != n:
        raise ValueError(
            f"sample_weight has {len(sample_weight)} entries for {n} samples; give one weight "
            f"per sample"
        )
    for start in range(0, n, chunksize):
        rows = slice(start, start + chunksize)
        if sample_weight is None:
            yield X[rows], y[rows]
        else:
            yield X[rows], y[rows], sample_weight[rows]


def read_csv_chunks(
    path: str | os.PathLike[str],
    x: str | Sequence[str],
    y: str,
    chunksize: int = 100_000,
    sample_weight: str | None = None,
    **read_csv_kwargs: Any,
) -> Iterator[tuple[np.ndarray, ...]]:
    """Yield ``(X, y)`` float64 chunks of the columns ``x`` and ``y`` of a CSV file.

    Uses pandas' chunked reader, so the file is never held whole.

    Parameters
    ----------
    path : path-like
        The CSV file.
    x : str or sequence of str
        Input column(s).
    y : str
        Target column.
    chunksize : int, default 100000
        Rows per chunk.
    sample_weight : str, optional
        A column of frequency weights: the chunks become ``(X, y, weights)``.
    **read_csv_kwargs
        Passed to :func:`pandas.read_csv` (``sep``, ``comment``, ...).

    Yields
    ------
    X : numpy.ndarray of shape (n_i, n_inputs)
    y : numpy.ndarray of shape (n_i,)
    weights : numpy.ndarray of shape (n_i,), only with ``sample_weight``

    Raises
    ------
    ValueError
        If a column is missing (checked on the header, before any data is read), or a cell
        is not a number (naming the line).
    """
    import pandas as pd

    chunksize = _check_chunksize(chunksize)
    columns = [x] if isinstance(x, str) else list(x) if isinstance(x, Sequence) else []
    if not columns or not all(isinstance(c, str) for c in columns) or not isinstance(y, str):
        raise TypeError("x must be a column name or a list of them, and y a column name")
    if sample_weight is not None and not isinstance(sample_weight, str):
        raise TypeError(f"sample_weight must be a column name, got {type(sample_weight).__name__}")
    extra = [] if sample_weight is None else [sample_weight]
    header = pd.read_csv(path, nrows=0, **read_csv_kwargs).columns
    missing = [c for c in [*columns, y, *extra] if c not in header]
    if missing:
        raise ValueError(f"column(s) {missing} not in {os.fspath(path)} (it has {list(header)})")
    reader = pd.read_csv(
        path, usecols=[*columns, y, *extra], chunksize=chunksize, **read_csv_kwargs
    )
    first_line = 2  # line 1 is the header
    for frame in reader:
        values = frame.apply(pd.to_numeric, errors="coerce")
        bad = values.isna() & frame.notna()
        if bool(bad.to_numpy().any()):
            row, col = np.argwhere(bad.to_numpy())[0]
            raise ValueError(
                f"{os.fspath(path)}, line {first_line + row}: column {frame.columns[col]!r} "
                f"is not a number ({frame.iat[row, col]!r})"
            )
        first_line += len(frame)
        chunk = (values[columns].to_numpy(np.float64), values[y].to_numpy(np.float64))
        if sample_weight is not None:
            chunk = (*chunk, values[sample_weight].to_numpy(np.float64))
        yield chunk


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
