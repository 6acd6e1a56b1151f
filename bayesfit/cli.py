"""The ``bayesfit`` command line: ``bayesfit compare`` and ``bayesfit fit``.

``bayesfit compare`` is the MLE-vs-MAP-vs-Bayes table on PRML's sinusoid (``make demo``), or
with ``--task classify`` the classification ladder on two overlapping clusters;
``bayesfit fit DATA.csv`` fits one model (a regression, or with ``--task classify`` a
classifier of a label column) to columns of a CSV file. Errors are one line
on stderr with exit status 1 (2 for a usage error), never a traceback, and output files
appear all together or not at all.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

import bayesfit
from bayesfit import basis as _basis
from bayesfit._io import atomic_output_dir, save_figure
from bayesfit._warnings import warn
from bayesfit.exceptions import BayesfitWarning

__all__ = ["main", "read_columns", "read_table"]

_FIT_METHODS = {
    "mle": "MLERegression",
    "map": "MAPRegression",
    "bayes": "BayesianRegression",
    "evidence": "EvidenceRegression",
    "pymc": "PyMCRegression",
}
# --task classify: the same rungs of the classification ladder; "pymc" is full Bayes (NUTS)
_CLASSIFY_METHODS = {
    "mle": "MLEClassifier",
    "map": "MAPClassifier",
    "bayes": "BayesianClassifier",
    "evidence": "EvidenceClassifier",
    "pymc": "FullBayesClassifier",
}
_BASES: dict[str, tuple[Callable[[int], _basis.Basis], int]] = {
    # name -> (constructor from the number after the colon, its smallest allowed value)
    "poly": (_basis.Polynomial, 0),
    "rbf": (_basis.GaussianRBF, 1),
    "sigmoid": (_basis.Sigmoidal, 1),
}
_BASIS_HELP = "identity, poly:DEGREE, rbf:N_CENTERS or sigmoid:N_CENTERS"
# Delimiters the reader tells apart by itself; --sep names one of them.
_SEPARATORS = {",": ",", ";": ";", "tab": "\t", "|": "|"}


class CLIError(Exception):
    """A problem with the user's input, reported as one line."""


class _NotANumber(ValueError):
    """A cell of a numeric column that is not a finite number (``column`` names it)."""

    def __init__(self, message: str, column: str):
        super().__init__(message)
        self.column = column


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _number(kind: type, low: float, *, strict: bool) -> Callable[[str], Any]:
    word = "positive" if strict else "non-negative"
    noun = "an int" if kind is int else "a number"

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
        if not math.isfinite(value) or value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(f"{text!r} is not {word}")
        return value

    parse.__name__ = f"{word} {kind.__name__}"
    return parse


_positive_int = _number(int, 0, strict=True)
_nonneg_int = _number(int, 0, strict=False)
_positive_float = _number(float, 0.0, strict=True)
_nonneg_float = _number(float, 0.0, strict=False)


def _fraction(*, closed: bool) -> Callable[[str], float]:
    bounds = "[0, 1]" if closed else "(0, 1)"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (0.0 <= value <= 1.0 if closed else 0.0 < value < 1.0):  # NaN fails both
            raise argparse.ArgumentTypeError(f"{text!r} is not in {bounds}")
        return value

    parse.__name__ = f"number in {bounds}"
    return parse


_level = _fraction(closed=False)  # a probability of an interval: neither 0 nor 1
_l1_ratio = _fraction(closed=True)


def _degrees(text: str) -> list[int]:
    """Parse ``0-9``, ``0,1,3,9`` or ``0-3,9`` into a sorted list of degrees."""
    degrees: set[int] = set()
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if match is None or (match[2] is not None and int(match[2]) < int(match[1])):
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a list of degrees like 0-9, 0,1,3,9 or 0-3,9"
            )
        low = int(match[1])
        degrees.update(range(low, int(match[2] or low) + 1))
    return sorted(degrees)


def _basis_spec(spec: str) -> str:
    """Check a --basis value at parse time (a bad one is a usage error, exit status 2)."""
    name, _, number = spec.partition(":")
    if spec == "identity":
        return spec
    if name not in _BASES or not number.isdigit():
        raise argparse.ArgumentTypeError(f"unknown basis {spec!r}; use {_BASIS_HELP}")
    if int(number) < _BASES[name][1]:
        raise argparse.ArgumentTypeError(
            f"basis {spec!r}: the number after ':' must be at least {_BASES[name][1]}"
        )
    return spec


def _make_basis(spec: str) -> _basis.Basis:
    if spec == "identity":
        return _basis.Identity()
    name, _, number = spec.partition(":")
    return _BASES[name][0](int(number))


def _sniff(lines: list[str]) -> str:
    """Return the delimiter among ``, ; tab |`` that splits the first lines consistently.

    The header and the first data rows must split into the same number (> 1) of fields;
    among the delimiters that do, the one giving the most fields wins. A file of one
    column has none of them, and is read as comma-separated.
    """
    best, best_fields = ",", 1
    for delimiter in _SEPARATORS.values():
        try:
            counts = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        except csv.Error:
            continue
        if len(counts) == 1 and (fields := counts.pop()) > best_fields:
            best, best_fields = delimiter, fields
    return best


def _separator_hint(header: list[str], delimiter: str) -> str:
    """Return a hint for a missing column: the header may be split by another delimiter."""
    for name, other in _SEPARATORS.items():
        if other != delimiter and any(other in cell for cell in header):
            return f"; the header looks separated by {name!r}: pass --sep {name!r}"
    return ""


def read_table(
    path: str | Path,
    columns: Sequence[str] | None = None,
    *,
    sep: str | None = None,
    required: Sequence[str] = (),
    labels: Sequence[str] = (),
) -> dict[str, np.ndarray]:
    r"""Return numeric (and label) columns of a delimited text file with a header row, by name.

    Parameters
    ----------
    path : path
        The file; its first non-empty row names the columns.
    columns : sequence of str, optional
        The columns to read (in this order); every column of the file by default.
    sep : str, optional
        The delimiter: ``","``, ``";"``, ``"\t"`` (or ``"tab"``) or ``"|"``; by default the
        one that splits the header and the first rows consistently.
    required : sequence of str, optional
        Columns that must exist (a missing one is an error even when ``columns`` is None).
    labels : sequence of str, optional
        Columns of class labels, read as integers if every cell is one, else as strings.

    Returns
    -------
    dict of str to numpy.ndarray of shape (n,)

    Raises
    ------
    ValueError
        Naming the file, line and column: an unreadable or ragged file, a missing column
        (with a hint when the header looks split by another delimiter), an empty,
        non-numeric or non-finite cell (an empty one only in a label column), no data rows.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = path.write_text("a;b\n1;2\n3;4,5\n".replace("4,5", "4.5"))
    >>> read_table(path)
    {'a': array([1., 3.]), 'b': array([2. , 4.5])}
    >>> _ = path.write_text("a,kind\n1,cat\n3,dog\n")
    >>> read_table(path, labels=["kind"])
    {'a': array([1., 3.]), 'kind': array(['cat', 'dog'], dtype='<U3')}
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text (CSV) file") from None
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    lines = text.splitlines()
    if sep is not None:
        delimiter = _SEPARATORS.get(sep, sep)
        if delimiter not in _SEPARATORS.values():
            raise ValueError(f"sep must be one of {', '.join(map(repr, _SEPARATORS))}; got {sep!r}")
    else:
        delimiter = _sniff([line for line in lines if line.strip()][:20])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise ValueError(f"{path} line {reader.line_num} is not valid CSV: {exc}") from None
    if not rows:
        raise ValueError(f"{path} is empty; expected a header row naming the columns")
    header = [name.strip() for name in rows[0][1]]
    wanted = header if columns is None else list(columns)
    for name in [*required, *wanted]:
        if name not in header:
            raise ValueError(
                f"column {name!r} not found in {path} (columns: {', '.join(header)})"
                f"{_separator_hint(header, delimiter)}"
            )
    if len(rows) == 1:
        raise ValueError(f"{path} has a header but no data rows")
    positions = {name: header.index(name) for name in wanted}
    values: dict[str, list[Any]] = {name: [] for name in wanted}
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise ValueError(
                f"{path} line {line} has {len(row)} fields, the header has {len(header)}"
            )
        for name, j in positions.items():
            cell = row[j].strip()
            if name in labels:
                if not cell:
                    raise ValueError(f"{path} line {line}, column {name!r}: the label is empty")
                values[name].append(cell)
                continue
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
                problem = "is empty" if not cell else f"{cell!r} is not a number"
            else:
                problem = f"{cell!r} is not a finite number"
            if not math.isfinite(value):
                raise _NotANumber(f"{path} line {line}, column {name!r}: {problem}", name)
            values[name].append(value)
    return {
        name: _labels(v) if name in labels else np.asarray(v) for name, v in values.items()
    }


def _labels(cells: list[str]) -> np.ndarray:
    """Return class labels as integers if every one is (``1``, ``2.0``), else as strings."""
    try:
        numbers = [float(c) for c in cells]
    except ValueError:
        return np.asarray(cells)
    if all(v.is_integer() and abs(v) < 2.0**53 for v in numbers):  # exact in int64
        return np.asarray(numbers).astype(np.int64)
    return np.asarray(cells)


def read_columns(
    path: str | Path, x: str, y: str, *, sep: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Return the columns ``x`` and ``y`` of a delimited file, as float arrays.

    :func:`read_table` for two columns.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = path.write_text("a,b\n1,2\n3,4.5\n")
    >>> read_columns(path, "a", "b")
    (array([1., 3.]), array([2. , 4.5]))
    """
    table = read_table(path, [x, y], sep=sep)
    return table[x], table[y]


# -- commands ----------------------------------------------------------------------------------


def _use_agg() -> None:
    import matplotlib

    matplotlib.use("Agg")  # the command line never opens windows


def _check_out(out: Path | None) -> None:
    if out is not None and out.exists() and not out.is_dir():
        raise CLIError(f"--out {str(out)!r} exists and is not a directory")


def _progress(args: argparse.Namespace) -> Callable[[int, int, str], None] | None:
    if args.quiet or not sys.stderr.isatty():
        return None

    def show(done: int, total: int, label: str) -> None:
        end = "\n" if done == total else ""
        print(f"\r[{done:>{len(str(total))}}/{total}] {label:<20}", end=end, file=sys.stderr)

    return show


def _pymc_progress(args: argparse.Namespace) -> bool:
    # PyMC draws its bar and tables with rich, which a pipe cuts to 80 columns
    return not args.quiet and sys.stderr.isatty()


def _compare(args: argparse.Namespace) -> None:
    from bayesfit.compare import compare_estimators

    if args.task == "classify":
        _compare_classifiers(args)
        return
    _check_out(args.out)
    args.n = 10 if args.n is None else args.n
    args.alpha = 5e-3 if args.alpha is None else args.alpha
    # PRML ch. 1: the training inputs evenly spaced, x_n = n / (N - 1); held-out x uniform
    x, t = bayesfit.datasets.sinusoid(
        args.n, noise=args.noise, seed=args.seed, evenly_spaced=True
    )
    x_test, t_test = bayesfit.datasets.sinusoid(args.n_test, noise=args.noise, seed=args.seed + 1)
    methods = ["mle", "map", "bayes", "evidence"] + (["pymc"] if args.pymc else [])
    report = compare_estimators(
        x, t, x_test, t_test,
        degrees=args.degrees,
        alpha=args.alpha,
        beta=args.beta,
        methods=methods,
        true_fn=bayesfit.datasets.sinusoid_fn,
        pymc_options=(
            {"random_seed": args.seed, "progressbar": _pymc_progress(args)} if args.pymc else None
        ),
        progress=_progress(args),
    )
    if not args.quiet:
        print(
            f"PRML sinusoid sin(2 pi x) + N(0, {args.noise:g}^2): {args.n} training points at "
            f"x = n/{args.n - 1 if args.n > 1 else 1}, {args.n_test} test points at uniform x "
            f"(seeds {args.seed} and {args.seed + 1}); MAP and Bayes use alpha={args.alpha:g}, "
            f"beta={args.beta:g}\n"
        )
    print(report.to_markdown(), end="")
    if not args.quiet:
        best = report.best_degree("evidence")
        print(
            f"\n{report.evidence_caption()} The predictive figure shows the evidence fit at "
            f"M={best}."
        )
    _warn_and_save(args, report, "comparison_figures")


def _compare_classifiers(args: argparse.Namespace) -> None:
    from bayesfit.compare import compare_classifiers

    _check_out(args.out)
    n = 20 if args.n is None else args.n
    alpha = 1.0 if args.alpha is None else args.alpha
    X, y = bayesfit.datasets.overlapping_clusters(n, seed=args.seed)
    X_test, y_test = bayesfit.datasets.overlapping_clusters(args.n_test, seed=args.seed + 1)
    methods = ["mle", "map", "laplace", "evidence"] + (["fullbayes"] if args.pymc else [])
    report = compare_classifiers(
        X, y, X_test, y_test, alpha=alpha, methods=methods,
        fullbayes_options=(
            {"random_seed": args.seed, "progressbar": _pymc_progress(args)} if args.pymc else None
        ),
        progress=_progress(args),
    )
    if not args.quiet:
        print(
            f"Two overlapping Gaussian clusters (bayesfit.datasets.overlapping_clusters): {n} "
            f"training points, {args.n_test} test points (seeds {args.seed} and "
            f"{args.seed + 1}); MAP and Laplace use alpha={alpha:g}\n"
        )
    print(report.to_markdown(), end="")
    _warn_and_save(args, report, "classifier_figures")


def _warn_and_save(args: argparse.Namespace, report: Any, figures: str) -> None:
    """Show the fits' warnings; with --out, write the tables and the figures of ``figures``."""
    if not args.quiet:
        for note in report.warnings:
            print(f"bayesfit compare: warning: {note}", file=sys.stderr)
    if args.out is not None:
        _use_agg()
        from bayesfit import plots

        written = report.save(args.out, figures=getattr(plots, figures)(report))
        if not args.quiet:
            print(f"\nwrote {len(written)} files to {args.out}")


def _fit_model(args: argparse.Namespace, n_inputs: int) -> Any:
    classify = args.task == "classify"
    spec = args.basis or ("poly:3" if n_inputs == 1 and not classify else "identity")
    cls = getattr(bayesfit, (_CLASSIFY_METHODS if classify else _FIT_METHODS)[args.method])
    names = ("alpha",) if classify else ("alpha", "beta")
    if classify and args.beta is not None:
        raise CLIError("--beta is the noise precision of a regression; a classifier has none")
    if args.prior is not None or args.l1_ratio is not None:
        if classify:
            raise CLIError("--prior and --l1-ratio apply to a regression's --method map, not to "
                           "--task classify")
        if args.method != "map":
            raise CLIError(f"--prior and --l1-ratio apply to --method map, not {args.method}")
    if args.l1_ratio is not None and args.prior != "elastic_net":
        raise CLIError("--l1-ratio is the elastic-net prior's L1 share: add --prior elastic_net")
    precisions = {k: v for k, v in (("alpha", args.alpha), ("beta", args.beta)) if v is not None}
    if precisions and args.method not in ("map", "bayes"):
        raise CLIError(
            f"--{' and --'.join(names)} appl{'y' if len(names) > 1 else 'ies'} to --method map "
            f"or bayes, not {args.method}"
        )
    if args.method in ("map", "bayes") and len(precisions) < len(names):
        fixed = ", ".join(f"{k}={precisions.get(k, 1.0):g}" for k in names)
        scale = "the scale of your inputs" if classify else "the scale of your targets"
        warn(
            f"--method {args.method} fixes {fixed} without learning {'it' if classify else 'them'}"
            f" from the data; give --{' and --'.join(names)} on {scale}, or use --method "
            f"evidence",
            BayesfitWarning,
        )
    settings = {"prior": args.prior, "l1_ratio": args.l1_ratio}
    settings = {**precisions, **{k: v for k, v in settings.items() if v is not None}}
    if args.method == "pymc":
        settings["progressbar"] = _pymc_progress(args)
    return cls(_make_basis(spec), **settings), spec


def _frame(table: dict[str, np.ndarray], names: Sequence[str]) -> Any:
    import pandas as pd

    return pd.DataFrame({name: table[name] for name in names})


def _predictions(model: Any, X: Any, level: float) -> Any:
    """Return the inputs with the predictive mean, sd and ``level`` interval of each row.

    For a classifier: the predicted class and the predictive probability of each class
    (columns ``p_<class>``).
    """
    from bayesfit._backend import to_numpy

    out = X.copy()
    if hasattr(model, "classes_"):
        out["predicted"] = to_numpy(model.predict(X))
        proba = to_numpy(model.predict_proba(X))
        for k, label in enumerate(to_numpy(model.classes_)):
            out[f"p_{label}"] = proba[:, k]
        return out
    p = model.predictive(X)
    lower, upper = p.interval(level)
    pct = f"{100 * level:g}"
    out["mean"], out["sd"] = to_numpy(p.mean), to_numpy(p.std)
    out[f"lower_{pct}"], out[f"upper_{pct}"] = to_numpy(lower), to_numpy(upper)
    return out


def _fit_figures(model: Any, X: Any, y: Any) -> dict[str, Any]:
    from bayesfit import plots
    from bayesfit._backend import to_numpy

    if hasattr(model, "classes_"):
        proba = to_numpy(model.predict_proba(X))
        ax = plots.reliability_diagram(y, proba, classes=model.classes_, label="training data")
        ax.set_title(f"{type(model).__name__}: calibration on the training data")
        figures = {"reliability": ax.figure}
        if X.shape[1] == 2:
            figures["decision_boundary"] = plots.decision_boundary(model, X, y).figure
        return figures
    if X.shape[1] == 1:
        return {"predictive": plots.predictive(model, X, y).figure}
    return {
        "predicted_vs_observed": plots.predicted_vs_observed(model, X, y).figure,
        "residuals": plots.residuals(model, X, y).figure,
    }


def _fit(args: argparse.Namespace) -> None:
    _check_out(args.out)
    extra = [args.weights] if args.weights is not None else []
    wanted = None if args.x is None else [*args.x, args.y, *extra]
    classify = args.task == "classify"
    try:
        table = read_table(args.data, wanted, sep=args.sep, required=[args.y, *extra],
                           labels=[args.y] if classify else [])
    except _NotANumber as exc:
        if exc.column == args.y:
            raise CLIError(f"{exc}; for a column of class labels use --task classify") from None
        raise
    xs = args.x or [c for c in table if c not in (args.y, args.weights)]
    if not xs:
        raise CLIError(f"{args.data} has no column besides --y {args.y!r} to fit on")
    model, spec = _fit_model(args, len(xs))  # settings are checked before the fit
    X, y = _frame(table, xs), _frame(table, [args.y])[args.y]
    weights = None if args.weights is None else table[args.weights]
    new = None
    if args.predict is not None:
        new = _frame(read_table(args.predict, xs, sep=args.sep), xs)
    model.fit(X, y, sample_weight=weights)
    summary = model.summary(level=args.level)
    report = sys.stderr if args.predict is not None and args.out is None else sys.stdout
    if not args.quiet or report is sys.stdout:
        print(f"{args.data}: {args.y} on {', '.join(xs)}, basis {spec}", file=report)
        print(summary, file=report)
        if classify:
            print(f"training accuracy: {model.score(X, y, sample_weight=weights):.6g}",
                  file=report)
    if new is not None and args.out is None:
        _predictions(model, new, args.level).to_csv(sys.stdout, index=False)
    if args.out is not None:
        _use_agg()
        fitted = _predictions(model, X, args.level)
        fitted.insert(len(xs), args.y, y)
        with atomic_output_dir(args.out) as tmp:
            (tmp / "model.json").write_text(json.dumps(model.to_dict(), indent=1) + "\n")
            summary.to_csv(tmp / "summary.csv")
            (tmp / "summary.md").write_text(summary.to_markdown())
            fitted.to_csv(tmp / "predictions.csv", index=False)
            if new is not None:
                _predictions(model, new, args.level).to_csv(
                    tmp / "new_predictions.csv", index=False
                )
            for name, fig in _fit_figures(model, X, y).items():
                save_figure(fig, tmp / name, ("png", "svg"))
            written = sorted(p.name for p in tmp.iterdir())
        if not args.quiet:
            print(f"wrote {', '.join(written)} to {args.out}", file=report)


# -- parser and entry point --------------------------------------------------------------------


class _DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show an option's default unless its help already says it or there is none to show.

    Options whose default depends on the others (``--x``, ``--basis``, ``--sep``) are None
    in argparse and explain their default in words; flags default to False.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, False, argparse.SUPPRESS):
            return text
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    """Return the ``bayesfit`` argument parser (subcommands ``compare`` and ``fit``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true",
                        help="print only the result: no progress, notes or warnings")
    parser = _Parser(
        prog="bayesfit",
        description="Bayesian regression from least squares to full Bayes.",
    )
    parser.add_argument("--version", action="version", version=f"bayesfit {bayesfit.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    comp = sub.add_parser(
        "compare", parents=[common], help="MLE vs MAP vs Bayes vs evidence on PRML's sinusoid",
        description="Fit least squares, MAP, the conjugate posterior and the evidence "
        "approximation at each polynomial degree on PRML's sinusoid; print the table and, "
        "with --out, write it as CSV and markdown with PNG and SVG figures.",
    )
    comp.add_argument("--task", choices=("regress", "classify"), default="regress",
                      help="regress: the sinusoid ladder (default); classify: MLE vs MAP vs "
                      "Laplace vs evidence (vs full Bayes) on two overlapping clusters")
    comp.add_argument("--n", type=_positive_int, default=None,
                      help="training points (default 10; 20 with --task classify)")
    comp.add_argument("--n-test", type=_positive_int, default=1000,
                      help="held-out points (default 1000)")
    comp.add_argument("--noise", type=_nonneg_float, default=0.3,
                      help="noise standard deviation (default 0.3)")
    comp.add_argument("--degrees", type=_degrees, default=_degrees("0-9"),
                      help="polynomial degrees, e.g. 0-9 or 0,1,3,9 (default 0-9)")
    comp.add_argument("--alpha", type=_positive_float, default=None,
                      help="prior precision for MAP and Bayes (default 5e-3; 1 with --task "
                      "classify)")
    comp.add_argument("--beta", type=_positive_float, default=11.1,
                      help="noise precision for MAP and Bayes (default 11.1)")
    comp.add_argument("--seed", type=_nonneg_int, default=0,
                      help="training data seed; the test data use seed + 1 (default 0)")
    comp.add_argument("--pymc", action="store_true",
                      help="add full Bayes with PyMC (bayesfit.PyMCRegression)")
    comp.add_argument("--out", type=Path, metavar="DIR",
                      help="write comparison.csv, comparison.md and figures here")
    comp.set_defaults(run=_compare)

    fit = sub.add_parser(
        "fit", parents=[common], help="fit one model to columns of a CSV file",
        description="Fit a regression of column Y on the --x columns of a delimited text file "
        "(header row first), or with --task classify a classifier of its labels, print the "
        "coefficient table and the model statistics and, with --out, write model.json "
        "(reload with bayesfit.from_dict), summary.csv, summary.md, predictions.csv and "
        "figures as PNG and SVG.",
        formatter_class=_DefaultsHelpFormatter,
    )
    fit.add_argument("data", type=Path, metavar="DATA.csv", help="file with a header row")
    fit.add_argument("--y", required=True, metavar="COL",
                     help="target column (class labels with --task classify)")
    fit.add_argument("--task", choices=("regress", "classify"), default="regress",
                     help="regress the numbers in --y, or classify its labels (integers if "
                     "every label is one, else strings); chosen here, not guessed from the "
                     "column: a 0/1 column may be either")
    fit.add_argument("--x", action="append", metavar="COL[,COL...]",
                     help="input column(s), comma-separated or repeated (default: every column "
                     "but --y and --weights)")
    fit.add_argument("--weights", metavar="COL",
                     help="column of frequency weights (a weight of 2 counts the row twice)")
    fit.add_argument("--sep", choices=list(_SEPARATORS),
                     help="delimiter (default: the one among , ; tab | that splits the header "
                     "and the first rows consistently)")
    fit.add_argument("--basis", type=_basis_spec, metavar="SPEC",
                     help=f"{_BASIS_HELP}, applied to each input column (default: poly:3 for "
                     "one column, identity for several and for --task classify)")
    fit.add_argument("--method", default="evidence", choices=list(_FIT_METHODS),
                     help="the rung of the ladder; evidence learns alpha (and beta) from the "
                     "data; with --task classify, bayes is the Laplace posterior and pymc "
                     "full Bayes")
    fit.add_argument("--alpha", type=_positive_float,
                     help="prior precision of the weights (their L1 rate for --prior laplace or "
                     "elastic_net), map and bayes (default 1)")
    fit.add_argument("--beta", type=_positive_float,
                     help="noise precision, map and bayes (default 1); not for classify")
    fit.add_argument("--prior", choices=("gaussian", "laplace", "elastic_net"),
                     help="the weight prior of --method map: gaussian (ridge), laplace (the "
                     "lasso: exact zeros, the bias unpenalized) or elastic_net (default "
                     "gaussian); not for classify")
    fit.add_argument("--l1-ratio", type=_l1_ratio, metavar="RHO",
                     help="the L1 share of --prior elastic_net, in [0, 1] (default 0.5)")
    fit.add_argument("--level", type=_level, default=0.95,
                     help="probability of the intervals in the table and the predictions")
    fit.add_argument("--predict", type=Path, metavar="NEW.csv",
                     help="predict the rows of this file (the --x columns): to "
                     "DIR/new_predictions.csv with --out, else as CSV on stdout")
    fit.add_argument("--out", type=Path, metavar="DIR",
                     help="write model.json, summary.csv/.md, predictions.csv and figures here")
    fit.set_defaults(run=_fit)
    return parser


def _check_fit_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Turn repeated or comma-separated --x into one list; a repeated name is a usage error."""
    if args.x is None:
        return
    names = [name.strip() for value in args.x for name in value.split(",")]
    if "" in names:
        parser.error(f"--x {','.join(args.x)!r} has an empty column name")
    for name in names:
        if names.count(name) > 1:
            parser.error(f"--x names column {name!r} twice")
        if name in (args.y, args.weights):
            parser.error(f"column {name!r} cannot be an input and --y or --weights")
    args.x = names


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises no second BrokenPipeError."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):  # not a file (captured)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``bayesfit`` command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success, 1 for an error in the input or the fit (or a reader that closed the
        pipe early, which prints nothing), 2 for a usage error.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "fit":
        _check_fit_usage(parser, args)
    prefix = f"bayesfit {args.command}"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", BayesfitWarning)
            args.run(args)
    except BrokenPipeError:  # `bayesfit fit ... | head`: the reader has all it wanted
        _silence_stdout()
        return 1
    except (CLIError, ValueError, TypeError, OSError) as exc:
        print(f"{prefix}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line, but say what kind
        print(f"{prefix}: internal error: {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
        return 1
    if not args.quiet:
        for w in caught:
            if issubclass(w.category, BayesfitWarning):
                print(f"{prefix}: warning: {_one_line(w.message)}", file=sys.stderr)
    return 0
