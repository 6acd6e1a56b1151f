r"""What an analyst reads off a fit: the coefficient table and the model statistics.

:class:`RegressionSummary` is what ``summary(level=0.95)`` returns on every estimator: a
pandas DataFrame of the coefficients (indexed by feature name, or by (output, feature) and
(class, feature) for several targets or classes) and a dict of model statistics, printed as
a regression table. It only holds and formats numbers; each estimator computes its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bayesfit._backend import get_namespace, to_numpy

__all__ = ["LooResult", "RegressionSummary"]


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # one per target
        return ", ".join(_format(v) for v in value)
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, int):
        return f"{value:d}"
    value = float(value)
    return "nan" if math.isnan(value) else f"{value:.6g}"


def _shown(value: Any) -> bool:
    """Return whether a statistic is printed: unless it is None (for every target)."""
    return any(v is not None for v in value) if isinstance(value, list) else value is not None


class RegressionSummary:
    r"""The coefficient table and model statistics of a fitted estimator.

    Parameters
    ----------
    title : str
        What was fitted (the estimator and its settings), the table's first line.
    coefficients : pandas.DataFrame
        One row per weight, indexed by feature name (``intercept`` for the bias); columns
        ``estimate``, ``std_error``, ``lower``, ``upper`` and, where they mean something,
        ``t`` or ``z`` and ``p_value``.
    statistics : dict
        Model statistics by name (``n_samples``, ``r2``, ``log_likelihood``, ``aic``, ...);
        None where a statistic has no meaning for the estimator; a list of one value per
        target for a fit of several targets.
    level : float
        The probability of the intervals ``lower`` to ``upper``.
    interval : str or None
        What kind of interval they are (``"confidence"``, ``"credible"``); None where the
        estimator has none (``std_error``, ``lower`` and ``upper`` are then NaN).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"estimate": [1.0], "std_error": [0.5], "lower": [0.02],
    ...                       "upper": [1.98]}, index=pd.Index(["intercept"], name="feature"))
    >>> s = RegressionSummary("MLERegression", table, {"n_samples": 10, "r2": None}, 0.95,
    ...                       "confidence")
    >>> print(s.to_markdown().splitlines()[2])
    | intercept | 1 | 0.5 | 0.02 | 1.98 |
    """

    def __init__(
        self,
        title: str,
        coefficients: Any,
        statistics: dict[str, Any],
        level: float,
        interval: str | None,
    ):
        self.title = title
        self.coefficients = coefficients
        self.statistics = dict(statistics)
        self.level = float(level)
        self.interval = interval

    @classmethod
    def from_columns(
        cls,
        title: str,
        names: Sequence[Any],
        columns: dict[str, Any],
        statistics: dict[str, Any],
        level: float,
        interval: str | None,
        *,
        index_names: Sequence[str] = ("feature",),
    ) -> RegressionSummary:
        """Build a summary from coefficient columns (1-D arrays, one entry per name).

        ``names`` are the row labels: feature names, or tuples of labels with one
        ``index_names`` entry each, e.g. ``("class", "feature")``.
        """
        import pandas as pd

        if len(index_names) == 1:
            index = pd.Index(list(names), name=index_names[0])
        else:
            index = pd.MultiIndex.from_tuples(list(names), names=list(index_names))
        data = {k: np.asarray(to_numpy(v), dtype=np.float64) for k, v in columns.items()}
        return cls(title, pd.DataFrame(data, index=index), statistics, level, interval)

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        table = self.coefficients
        index_names = [n or "" for n in table.index.names]
        header = [*index_names, *map(str, table.columns)]
        rows = []
        for key, values in zip(table.index, table.itertuples(index=False), strict=True):
            keys = key if isinstance(key, tuple) else (key,)
            rows.append([*map(str, keys), *map(_format, values)])
        return header, rows

    def __str__(self) -> str:
        header, rows = self._cells()
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        n_keys = len(self.coefficients.index.names)

        def line(cells: list[str]) -> str:
            return "  ".join(
                c.ljust(w) if i < n_keys else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )

        rule = "-" * len(line(header))
        stats = [f"{k}: {_format(v)}" for k, v in self.statistics.items() if _shown(v)]
        pct = f"{100 * self.level:g}%"
        what = (
            f"lower, upper: {pct} {self.interval} interval"
            if self.interval is not None
            else "std_error, lower, upper: not defined for this estimator (NaN)"
        )
        return "\n".join(
            [
                self.title,
                rule,
                line(header),
                rule,
                *(line(r) for r in rows),
                rule,
                what,
                *stats,
            ]
        )

    def to_markdown(self) -> str:
        """Return the coefficient table as GitHub-flavoured markdown, statistics below it."""
        header, rows = self._cells()
        n_keys = len(self.coefficients.index.names)
        align = [":---" if i < n_keys else "---:" for i in range(len(header))]
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        stats = [f"| {k} | {_format(v)} |" for k, v in self.statistics.items() if _shown(v)]
        if stats:
            lines += ["", "| statistic | value |", "|:---|---:|", *stats]
        return "\n".join(lines) + "\n"

    def to_csv(self, path: str | Path | None = None) -> str | None:
        """Write the coefficient table as CSV at full precision (to ``path``, or return it)."""
        return self.coefficients.to_csv(path)

    def __repr__(self) -> str:
        return (
            f"RegressionSummary({self.title!r}, {len(self.coefficients)} coefficients, "
            f"level={self.level:g})"
        )


@dataclass(frozen=True)
class LooResult:
    r"""Leave-one-out cross-validation of a fit: the expected log predictive density.

    Attributes
    ----------
    elpd_loo : float
        :math:`\sum_i \ln p(y_i \mid x_i, \mathcal D_{-i})`, in nats.
    se : float
        Its standard error, ArviZ's convention: :math:`\sqrt{n\, \widehat{\operatorname{Var}}_i
        [\text{elpd}_i]}` (sample variance, ``ddof=1``).
    p_loo : float
        The effective number of parameters, :math:`\text{lppd} - \text{elpd}_\text{loo}`,
        where :math:`\text{lppd} = \sum_i \ln p(y_i \mid x_i, \mathcal D)` uses all data.
    pointwise : array of shape (n,)
        :math:`\ln p(y_i \mid x_i, \mathcal D_{-i})`, in the data's array namespace.

    Examples
    --------
    >>> import numpy as np
    >>> r = LooResult.from_pointwise(np.array([-1.0, -2.0]), np.array([-0.5, -1.5]))
    >>> r.elpd_loo, r.p_loo, round(r.se, 6)
    (-3.0, 1.0, 1.0)
    """

    elpd_loo: float
    se: float
    p_loo: float
    pointwise: Any

    @classmethod
    def from_pointwise(cls, elpd_i: Any, lppd_i: Any) -> LooResult:
        """Return the result for pointwise leave-one-out and full-data log densities."""
        xp = get_namespace(elpd_i, lppd_i)
        n = int(elpd_i.shape[0])
        elpd = float(xp.sum(elpd_i))
        var = float(xp.var(elpd_i, correction=1)) if n > 1 else 0.0
        return cls(elpd, math.sqrt(n * var), float(xp.sum(lppd_i)) - elpd, elpd_i)

    def __repr__(self) -> str:
        return (
            f"LooResult(elpd_loo={self.elpd_loo:.6g}, se={self.se:.4g}, p_loo={self.p_loo:.4g}, "
            f"n={int(self.pointwise.shape[0])})"
        )


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
