"""Sequential Bayesian learning of a straight line (PRML fig. 3.7).

    python examples/sequential_learning.py [--out DIR]

Data from t = -0.3 + 0.5 x + noise (beta = 25), prior alpha = 2. Each point multiplies
the posterior by its likelihood; partial_fit does exactly that, and after 20 points the
posterior over (w0, w1) sits on the true weights.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

import bayesfit as bf

TRUE_W = (-0.3, 0.5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="figure directory")
    args = parser.parse_args(argv)

    x, t = bf.datasets.linear(20, coef=TRUE_W, noise=0.2, seed=0)
    # The posterior after each point is the prior for the next (BayesianRegression.partial_fit)
    seq = bf.compare.sequential_posteriors(x, t, alpha=2.0, beta=25.0, steps=(0, 1, 2, 20))
    for step, post in zip(seq.steps[1:], seq.posteriors[1:], strict=True):
        (w0, w1), (s0, s1) = post.mean, post.cov.diagonal() ** 0.5
        print(f"after {step:2d} points: w0 = {w0:+.3f} +- {s0:.3f}, w1 = {w1:+.3f} +- {s1:.3f}")

    args.out.mkdir(parents=True, exist_ok=True)
    fig = bf.plots.sequential_learning(seq, true_w=TRUE_W, random_state=0)
    fig.savefig(args.out / "sequential_learning.png", dpi=100)
    plt.close(fig)
    print(f"wrote {args.out / 'sequential_learning.png'}")


if __name__ == "__main__":
    main()
