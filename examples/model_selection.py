"""Choose the polynomial degree by the evidence (PRML section 3.4, fig. 3.14).

    python examples/model_selection.py [--out DIR]

The evidence p(t | M) = integral of likelihood x prior over the weights penalises both too
simple and needlessly complex models, using the training data alone: no test set needed.
The evidence approximation also picks alpha and beta, and gamma counts the weights that
the data actually determine.
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

    x, t = bf.datasets.sinusoid(30, noise=0.3, seed=0)
    x_test, t_test = bf.datasets.sinusoid(1000, noise=0.3, seed=1)
    report = bf.compare_estimators(
        x, t, x_test, t_test, methods=["bayes", "evidence"], true_fn=bf.datasets.sinusoid_fn
    )
    print(" M   ln evidence (alpha=5e-3)   ln evidence (maximised)   gamma   test RMS")
    for degree in report.degrees:
        fixed, row = report.row("bayes", degree), report.row("evidence", degree)
        print(f"{degree:2d}   {fixed.log_evidence:24.3f}   {row.log_evidence:23.3f}   "
              f"{row.gamma:5.2f}   {row.test_rms:.3f}")
    print(f"best degree at fixed alpha, beta: M = {report.best_degree('bayes')}")
    best = report.best_degree("evidence")
    model = report.models[("evidence", best)]
    print(f"best degree by evidence: M = {best} (alpha = {model.alpha_:.3g}, "
          f"beta = {model.beta_:.3g}, noise std = {model.noise_std_:.3f})")

    args.out.mkdir(parents=True, exist_ok=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    bf.plots.evidence_vs_degree(report, ax=left)
    bf.plots.predictive(model, x, t, true_fn=bf.datasets.sinusoid_fn, ax=right)
    right.set_title(f"evidence-optimal fit, M = {best}")
    fig.savefig(args.out / "model_selection.png", dpi=100)
    plt.close(fig)
    print(f"wrote {args.out / 'model_selection.png'}")


if __name__ == "__main__":
    main()
