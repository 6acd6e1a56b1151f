"""The MAP paths under the Gaussian, Laplace and elastic-net priors on the diabetes data.

    python examples/sparse_priors.py [--out DIR]

The ten standardized features of scikit-learn's diabetes data (442 patients), the noise
precision fixed at beta = 1 / 2900 (about the least-squares residual variance). For 60
prior strengths alpha, MAPRegression.path gives the MAP weights under

- the Gaussian prior (ridge; the bias unpenalized here, to compare like with like): every
  weight shrinks smoothly and none reaches zero;
- the Laplace prior (the lasso): the weights leave zero one by one as alpha falls;
- the elastic-net prior (l1_ratio = 0.8): in between, sparse, and milder with the strongly
  correlated s1 and s2 (total and LDL cholesterol, correlation 0.9), which the lasso trades
  off against each other in opposite directions as alpha falls.

The dots are scikit-learn's lasso_path at the mapped alpha / (beta N): they lie on our
curves. The script prints the largest difference and the number of nonzero weights along the
lasso path.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import lasso_path

import bayesfit as bf

BETA = 1.0 / 2900.0


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="figure directory")
    args = parser.parse_args(argv)

    data = load_diabetes()
    X = (data.data - data.data.mean(axis=0)) / data.data.std(axis=0)
    y, names, n = data.target, data.feature_names, len(data.target)
    alphas = np.geomspace(1e-2, 1e2, 60)  # in units of beta N: the lasso's alpha
    paths = {}
    for title, settings in {
        "Gaussian prior (ridge)": {"prior": "gaussian", "penalize_bias": False},
        "Laplace prior (lasso)": {"prior": "laplace"},
        "elastic-net prior, l1_ratio = 0.8": {"prior": "elastic_net", "l1_ratio": 0.8},
    }.items():
        model = bf.MAPRegression(alpha=1.0, beta=BETA, **settings).fit(X, y)
        paths[title] = model.path(alphas * BETA * n)[:, 1:]  # without the bias

    # scikit-learn's lasso path on the centred data (its intercept is the mean)
    sk_alphas, sk_coefs, _ = lasso_path(X - X.mean(axis=0), y - y.mean(), alphas=alphas[::6],
                                        tol=1e-12, max_iter=100_000)
    ours = paths["Laplace prior (lasso)"][::6]
    order = np.argsort(-alphas[::6])  # lasso_path returns decreasing alphas
    difference = float(np.max(np.abs(ours[order] - sk_coefs.T)))
    nonzero = (paths["Laplace prior (lasso)"] != 0).sum(axis=1)
    print(f"largest difference to scikit-learn's lasso_path: {difference:.2e}")
    print("nonzero lasso weights from the strongest prior to the weakest:",
          " ".join(map(str, nonzero[::-6])))

    args.out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), sharey=True)
    colors = plt.cm.tab10(np.arange(10))
    for k, (ax, (title, W)) in enumerate(zip(axes, paths.items(), strict=True)):
        for j in range(10):
            ax.plot(alphas, W[:, j], color=colors[j], label=names[j] if k == 0 else None)
        ax.axhline(0.0, color="k", lw=0.5)
        ax.set(xscale="log", title=title, xlabel=r"prior strength $\alpha / (\beta N)$")
    for j in range(10):
        axes[1].plot(sk_alphas, sk_coefs[j], "o", ms=4, mfc="none", color=colors[j])
    axes[1].plot([], [], "ko", mfc="none", ms=4, label="scikit-learn's lasso_path")
    axes[1].legend(fontsize=8, loc="lower right")
    axes[0].set_ylabel("MAP weight")
    axes[0].legend(fontsize=7, ncol=2, loc="lower right")
    fig.suptitle("MAPRegression.path on the diabetes data (standardized features)")
    fig.tight_layout()
    path = args.out / "sparse_priors.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"wrote {path}")
    return {"difference": difference, "nonzero_first": int(nonzero[-1]),
            "nonzero_last": int(nonzero[0])}


if __name__ == "__main__":
    main()
