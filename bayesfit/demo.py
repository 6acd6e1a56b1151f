"""``python -m bayesfit.demo``: fit the PRML sinusoid with each estimator and print a table.

This is what ``make demo`` runs until the full ``bayesfit compare`` command replaces it.
"""

from __future__ import annotations

import numpy as np

import bayesfit as bf


def main() -> None:
    """Fit MLE, MAP, the posterior and the evidence at M = 9 on N = 10 points; print a table."""
    x, t = bf.datasets.sinusoid(10, noise=0.3, seed=0)
    x_test, t_test = bf.datasets.sinusoid(1000, noise=0.3, seed=1)
    basis = bf.basis.Polynomial(degree=9)
    models = {
        "MLE": bf.MLERegression(basis),
        "MAP (ln lambda = -18)": bf.MAPRegression(basis, alpha=np.exp(-18) * 11.1, beta=11.1),
        "Bayes (alpha=5e-3, beta=11.1)": bf.BayesianRegression(basis, alpha=5e-3, beta=11.1),
        "Evidence": bf.EvidenceRegression(basis),
    }
    print("PRML sinusoid, N = 10, M = 9 (train), 1000 fresh points (test)\n")
    print(f"{'estimator':32s} {'train RMS':>10s} {'test RMS':>10s} {'max |w|':>12s}")
    for name, model in models.items():
        model.fit(x, t)
        train = np.sqrt(np.mean((model.predict(x) - t) ** 2))
        test = np.sqrt(np.mean((model.predict(x_test) - t_test) ** 2))
        print(f"{name:32s} {train:10.4f} {test:10.4f} {np.max(np.abs(model.coef_)):12.4g}")


if __name__ == "__main__":
    main()
