"""Why MAP beats least squares on small data (PRML figs. 1.4, 1.5, 1.7, 1.8).

    python examples/mle_vs_map.py [--out DIR]

With 10 points a degree-9 least-squares polynomial goes through every point (training error
~0) and swings wildly between them (huge weights, large test error). The Gaussian prior of
MAP (ridge regression, lambda = alpha / beta) keeps the weights small and the curve smooth.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

import bayesfit as bf


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="figure directory")
    args = parser.parse_args(argv)

    x, t = bf.datasets.sinusoid(10, noise=0.3, seed=0)
    x_test, t_test = bf.datasets.sinusoid(1000, noise=0.3, seed=1)
    report = bf.compare_estimators(
        x, t, x_test, t_test, methods=["mle", "map"], true_fn=bf.datasets.sinusoid_fn
    )
    for method in ("mle", "map"):
        row = report.row(method, 9)
        print(f"{method.upper():4s} M=9: train RMS {row.train_rms:.3g}, "
              f"test RMS {row.test_rms:.3g}, max |w| {row.max_abs_w:.3g}")

    args.out.mkdir(parents=True, exist_ok=True)
    figures = {
        "mle_vs_map.png": bf.plots.mle_vs_map(report),
        "rms_vs_degree.png": bf.plots.rms_vs_degree(report).figure,
        "rms_vs_log_lambda.png": bf.plots.rms_vs_log_lambda(
            bf.compare.lambda_sweep(x, t, x_test, t_test)
        ).figure,
    }
    for name, fig in figures.items():
        fig.savefig(args.out / name, dpi=100)
        plt.close(fig)
        print(f"wrote {args.out / name}")


if __name__ == "__main__":
    main()
