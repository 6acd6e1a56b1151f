"""The ``bayesfit`` command line: ``bayesfit compare`` and ``bayesfit fit``.

``bayesfit compare`` is the MLE-vs-MAP-vs-Bayes table on PRML's sinusoid (``make demo``);
``bayesfit fit DATA.csv`` fits one model to two columns of a CSV file. Errors are one line
on stderr with exit status 1 (2 for a usage error), never a traceback, and output files
appear all together or not at all.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
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
from bayesfit.exceptions import BayesfitWarning

__all__ = ["main", "read_columns", "read_labelled"]

_FIT_METHODS = {
    "mle": "MLERegression",
    "map": "MAPRegression",
    "bayes": "BayesianRegression",
    "evidence": "EvidenceRegression",
    "pymc": "PyMCRegression",
}
# --task classify: the classification ladder (bayesfit.classify); "pymc" is full Bayes
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
_BASIS_HELP = "poly:DEGREE, rbf:N_CENTERS or sigmoid:N_CENTERS"


class CLIError(Exception):
    """A problem with the user's input, reported as one line."""


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


def _parse_basis(spec: str) -> _basis.Basis:
    name, _, number = spec.partition(":")
    if name not in _BASES or not number.isdigit():
        raise CLIError(f"unknown basis {spec!r}; use {_BASIS_HELP}")
    make, smallest = _BASES[name]
    if int(number) < smallest:
        raise CLIError(f"basis {spec!r}: the number after ':' must be at least {smallest}")
    return make(int(number))


def read_columns(path: str | Path, x: str, y: str) -> tuple[np.ndarray, np.ndarray]:
    r"""Return the columns ``x`` and ``y`` of a CSV file with a header row, as float arrays.

    Parameters
    ----------
    path : path
        A comma-separated file, first row the column names.
    x, y : str
        Column names.

    Returns
    -------
    x, y : numpy.ndarray of shape (n,)

    Raises
    ------
    ValueError
        Naming the file, line and column: an unreadable or ragged file, a missing column,
        an empty, non-numeric or non-finite cell, no data rows.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = path.write_text("a,b\n1,2\n3,4.5\n")
    >>> read_columns(path, "a", "b")
    (array([1., 3.]), array([2. , 4.5]))
    """
    path = Path(path)
    cells = _read_cells(path, [x, y])
    return tuple(np.asarray([_cell_number(path, line, name, c) for line, c in cells[name]])
                 for name in (x, y))


def read_labelled(
    path: str | Path, x: Sequence[str], y: str
) -> tuple[np.ndarray, np.ndarray]:
    r"""Return input columns ``x`` (floats) and a label column ``y`` of a CSV file.

    Parameters
    ----------
    path : path
        A comma-separated file, first row the column names.
    x : sequence of str
        Input column names.
    y : str
        The column of class labels: integers if every label is one, else strings.

    Returns
    -------
    X : numpy.ndarray of shape (n, len(x))
    labels : numpy.ndarray of shape (n,)

    Raises
    ------
    ValueError
        As :func:`read_columns`; an empty label cell too.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = path.write_text("a,b,kind\n1,2,cat\n3,4.5,dog\n")
    >>> X, labels = read_labelled(path, ["a", "b"], "kind")
    >>> X.shape, labels.tolist()
    ((2, 2), ['cat', 'dog'])
    """
    path = Path(path)
    cells = _read_cells(path, [*x, y])
    X = np.column_stack([[_cell_number(path, line, name, c) for line, c in cells[name]]
                         for name in x])
    labels = []
    for line, cell in cells[y]:
        if not cell:
            raise ValueError(f"{path} line {line}, column {y!r}: the label is empty")
        labels.append(cell)
    try:
        numbers = [float(v) for v in labels]
    except ValueError:
        return X, np.asarray(labels)
    if all(v.is_integer() for v in numbers):
        return X, np.asarray(numbers, dtype=np.int64)
    return X, np.asarray(labels)


def _read_cells(path: Path, names: Sequence[str]) -> dict[str, list[tuple[int, str]]]:
    """Return ``name -> [(line, stripped cell), ...]`` for the named columns of a CSV file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text (CSV) file") from None
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise ValueError(f"{path} line {reader.line_num} is not valid CSV: {exc}") from None
    if not rows:
        raise ValueError(f"{path} is empty; expected a header row naming the columns")
    header = [name.strip() for name in rows[0][1]]
    columns = {}
    for name in names:
        if name not in header:
            raise ValueError(f"column {name!r} not found in {path} (columns: {', '.join(header)})")
        columns[name] = header.index(name)
    if len(rows) == 1:
        raise ValueError(f"{path} has a header but no data rows")
    cells: dict[str, list[tuple[int, str]]] = {name: [] for name in names}
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise ValueError(
                f"{path} line {line} has {len(row)} fields, the header has {len(header)}"
            )
        for name, j in columns.items():
            cells[name].append((line, row[j].strip()))
    return cells


def _cell_number(path: Path, line: int, name: str, cell: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
        problem = "is empty" if not cell else f"{cell!r} is not a number"
    else:
        problem = f"{cell!r} is not a finite number"
    if not math.isfinite(value):
        raise ValueError(f"{path} line {line}, column {name!r}: {problem}")
    return value


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


def _compare(args: argparse.Namespace) -> None:
    from bayesfit.compare import compare_estimators

    if args.task == "classify":
        _compare_classifiers(args)
        return
    _check_out(args.out)
    args.n = 10 if args.n is None else args.n
    args.alpha = 5e-3 if args.alpha is None else args.alpha
    x, t = bayesfit.datasets.sinusoid(args.n, noise=args.noise, seed=args.seed)
    x_test, t_test = bayesfit.datasets.sinusoid(args.n_test, noise=args.noise, seed=args.seed + 1)
    methods = ["mle", "map", "bayes", "evidence"] + (["pymc"] if args.pymc else [])
    report = compare_estimators(
        x, t, x_test, t_test,
        degrees=args.degrees,
        alpha=args.alpha,
        beta=args.beta,
        methods=methods,
        true_fn=bayesfit.datasets.sinusoid_fn,
        pymc_options={"random_seed": args.seed} if args.pymc else None,
        progress=_progress(args),
    )
    if not args.quiet:
        print(
            f"PRML sinusoid sin(2 pi x) + N(0, {args.noise:g}^2): {args.n} training points, "
            f"{args.n_test} test points (seed {args.seed}); MAP and Bayes use "
            f"alpha={args.alpha:g}, beta={args.beta:g}\n"
        )
    print(report.to_markdown(), end="")
    if not args.quiet:
        for note in report.warnings:
            print(f"bayesfit compare: warning: {note}", file=sys.stderr)
    if args.out is not None:
        _use_agg()
        from bayesfit import plots

        written = report.save(args.out, figures=plots.comparison_figures(report))
        if not args.quiet:
            print(f"\nwrote {len(written)} files to {args.out}")


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
        fullbayes_options={"random_seed": args.seed} if args.pymc else None,
        progress=_progress(args),
    )
    if not args.quiet:
        print(
            f"Two overlapping Gaussian clusters (bayesfit.datasets.overlapping_clusters): {n} "
            f"training points, {args.n_test} test points (seed {args.seed}); MAP and Laplace "
            f"use alpha={alpha:g}\n"
        )
    print(report.to_markdown(), end="")
    if not args.quiet:
        for note in report.warnings:
            print(f"bayesfit compare: warning: {note}", file=sys.stderr)
    if args.out is not None:
        _use_agg()
        from bayesfit import plots

        written = report.save(args.out, figures=plots.classifier_figures(report))
        if not args.quiet:
            print(f"\nwrote {len(written)} files to {args.out}")


def _fit_model(args: argparse.Namespace) -> Any:
    method = args.method
    if method not in _FIT_METHODS:
        raise CLIError(f"unknown method {method!r}; choose one of {', '.join(_FIT_METHODS)}")
    args.basis = args.basis or "poly:3"
    basis = _parse_basis(args.basis)
    cls = getattr(bayesfit, _FIT_METHODS[method])
    precisions = {k: v for k, v in (("alpha", args.alpha), ("beta", args.beta)) if v is not None}
    if precisions and method not in ("map", "bayes"):
        raise CLIError(f"--alpha and --beta apply to --method map or bayes, not {method}")
    return cls(basis, **precisions)


def _summary(model: Any, x: np.ndarray, t: np.ndarray, args: argparse.Namespace) -> str:
    from bayesfit._backend import to_numpy

    coef = to_numpy(model.coef_)
    resid = to_numpy(model.predict(x)) - t
    lines = [
        f"{type(model).__name__}, basis {args.basis} ({coef.shape[0]} weights), "
        f"{x.shape[0]} points from {args.data} (x={args.x}, y={args.y})",
        "  weights:    " + " ".join(f"{w:.6g}" for w in coef),
        f"  train RMS:  {math.sqrt(float(resid @ resid) / resid.shape[0]):.6g}",
    ]
    for name, label in (
        ("alpha_", "alpha"), ("beta_", "beta"), ("noise_std_", "noise std"),
        ("gamma_", "gamma"), ("log_evidence_", "ln evidence"),
    ):
        if hasattr(model, name):
            lines.append(f"  {label + ':':<11} {float(getattr(model, name)):.6g}")
    return "\n".join(lines)


def _fit_classifier(args: argparse.Namespace) -> None:
    method = args.method
    if method not in _CLASSIFY_METHODS:
        raise CLIError(
            f"unknown method {method!r}; choose one of {', '.join(_CLASSIFY_METHODS)}"
        )
    if args.beta is not None:
        raise CLIError("--beta is the noise precision of a regression; not for --task classify")
    if args.alpha is not None and method not in ("map", "bayes"):
        raise CLIError(f"--alpha applies to --method map or bayes, not {method}")
    cls = getattr(bayesfit, _CLASSIFY_METHODS[method])
    settings = {} if args.alpha is None else {"alpha": args.alpha}
    model = cls(_parse_basis(args.basis or "poly:1"), **settings)
    _check_out(args.out)
    columns = [c.strip() for c in args.x.split(",")]
    X, labels = read_labelled(args.data, columns, args.y)
    import pandas as pd

    X = pd.DataFrame(X, columns=columns)  # the summary names the features as the file does
    model.fit(X, labels)
    print(f"{args.data}: {X.shape[0]} rows, inputs {', '.join(columns)}, labels {args.y}; "
          f"basis {args.basis or 'poly:1'}")
    print(model.summary())
    print(f"training accuracy: {model.score(X, labels):.6g}")
    if args.out is not None:
        _use_agg()
        from bayesfit import plots

        names = ["model.json", "reliability.png", "reliability.svg"]
        with atomic_output_dir(args.out) as tmp:
            (tmp / "model.json").write_text(json.dumps(model.to_dict(), indent=1) + "\n")
            ax = plots.reliability_diagram(labels, model.predict_proba(X),
                                           classes=model.classes_, label="training data")
            save_figure(ax.figure, tmp / "reliability", ("png", "svg"))
            if X.shape[1] == 2:
                ax = plots.decision_boundary(model, X.to_numpy(), labels)
                save_figure(ax.figure, tmp / "decision_boundary", ("png", "svg"))
                names += ["decision_boundary.png", "decision_boundary.svg"]
        if not args.quiet:
            print(f"wrote {', '.join(names)} to {args.out}")


def _fit(args: argparse.Namespace) -> None:
    if args.task == "classify":
        _fit_classifier(args)
        return
    model = _fit_model(args)  # settings first: a typo costs no file reading
    _check_out(args.out)
    x, t = read_columns(args.data, args.x, args.y)
    model.fit(x, t)
    print(_summary(model, x, t, args))
    if args.out is not None:
        _use_agg()
        from bayesfit import plots

        with atomic_output_dir(args.out) as tmp:
            (tmp / "model.json").write_text(json.dumps(model.to_dict(), indent=1) + "\n")
            save_figure(plots.predictive(model, x, t).figure, tmp / "predictive", ("png", "svg"))
        if not args.quiet:
            print(f"wrote model.json, predictive.png and predictive.svg to {args.out}")


# -- parser and entry point --------------------------------------------------------------------


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
        "fit", parents=[common], help="fit one model to two columns of a CSV file",
        description="Fit a regression of column Y on column X of a CSV file (header row "
        "first), print a summary and, with --out, write model.json (reload with "
        "bayesfit.linear.from_dict) and the predictive plot as PNG and SVG.",
    )
    fit.add_argument("data", type=Path, metavar="DATA.csv", help="CSV file with a header row")
    fit.add_argument("--task", choices=("regress", "classify"), default="regress",
                     help="regress (default) or classify: --y is a column of class labels and "
                     "--x may name several columns, comma-separated")
    fit.add_argument("--x", required=True, metavar="COL", help="input column(s)")
    fit.add_argument("--y", required=True, metavar="COL", help="target (or label) column")
    fit.add_argument("--basis", default=None, metavar="SPEC",
                     help=f"{_BASIS_HELP} (default poly:3; poly:1 with --task classify)")
    fit.add_argument("--method", default="bayes", metavar="METHOD",
                     help=f"one of {', '.join(_FIT_METHODS)} (default bayes)")
    fit.add_argument("--alpha", type=_positive_float, help="prior precision (map, bayes)")
    fit.add_argument("--beta", type=_positive_float, help="noise precision (map, bayes)")
    fit.add_argument("--out", type=Path, metavar="DIR",
                     help="write model.json and predictive.png/.svg here")
    fit.set_defaults(run=_fit)
    return parser


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``bayesfit`` command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success, 1 for an error in the input or the fit, 2 for a usage error.
    """
    args = build_parser().parse_args(argv)
    prefix = f"bayesfit {args.command}"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", BayesfitWarning)
            args.run(args)
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
