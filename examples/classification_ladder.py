"""The classification ladder on a small separable sample: MLE, MAP, Laplace, evidence, full Bayes.

    python examples/classification_ladder.py [--out DIR] [--n 20] [--alpha 1.0] [--no-pymc]

Twenty points of two overlapping Gaussian clusters (bayesfit.datasets.overlapping_clusters,
Bayes error 6.7%) happen to be linearly separable: the maximum-likelihood weights run off to
infinity (MLEClassifier warns and names the remedy), while a Gaussian prior gives finite
ones. Each rung is scored on 4000 held-out points by log loss, accuracy and expected
calibration error, and drawn as PRML fig. 4.14: the predictive probability over the plane
(the Laplace rungs' contours fan out away from the data, where the weights are uncertain)
and a reliability diagram.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

import bayesfit as bf


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="figure directory")
    parser.add_argument("--n", type=int, default=20, help="training points")
    parser.add_argument("--alpha", type=float, default=1.0, help="prior precision of MAP/Laplace")
    parser.add_argument("--no-pymc", action="store_true", help="leave out full Bayes (PyMC)")
    args = parser.parse_args(argv)

    X, y = bf.datasets.overlapping_clusters(args.n, seed=0)
    X_test, y_test = bf.datasets.overlapping_clusters(4000, seed=1)
    methods = ["mle", "map", "laplace", "evidence"] + ([] if args.no_pymc else ["fullbayes"])
    report = bf.compare_classifiers(
        X, y, X_test, y_test, alpha=args.alpha, methods=methods,
        fullbayes_options={"draws": 1000, "tune": 1000, "chains": 2, "random_seed": 0},
    )
    print(report.to_markdown(), end="")
    for note in report.warnings:
        print(f"warning: {note[:100]}...")

    args.out.mkdir(parents=True, exist_ok=True)
    figures = bf.plots.classifier_figures(report)
    written = {"decision_boundaries": "classification_ladder.png",
               "reliability": "classification_calibration.png"}
    for key, name in written.items():
        path = args.out / name
        figures[key].savefig(path, dpi=90)
        plt.close(figures[key])
        print(f"wrote {path}")
    return {r.method: r.test_log_loss for r in report.rows}


if __name__ == "__main__":
    main()
