"""Weight decay is a Gaussian prior: gradient descent on MSE + L2 reaches the closed-form MAP.

    python examples/map_bridge.py [--out DIR] [--epochs N]

On 30 points of the PRML sinusoid and 9 Gaussian basis functions, a linear "network"
MLP([9, 1]) (its bias is the weight of the constant basis function) is trained on
MSE + weight decay with lambda = 2 alpha / (N beta) (bayesfit.nn.prior_weight_decay). Its
objective is the negative log posterior of MAPRegression(alpha, beta) divided by N beta / 2,
so full-batch gradient descent converges to the closed-form w_MAP = (alpha/beta I +
Phi^T Phi)^-1 Phi^T t. The figure shows the distance to w_MAP per epoch for three optimizers
and the two fitted curves on top of each other.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

import bayesfit as bf
from bayesfit.nn import MLP, prior_weight_decay
from bayesfit.nn.optim import SGD, Adam, Momentum


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="figure directory")
    parser.add_argument("--epochs", type=int, default=1000)
    args = parser.parse_args(argv)

    x, t = bf.datasets.sinusoid(30, noise=0.3, seed=0)
    alpha, beta = 3.0, 1.0 / 0.3**2
    basis = bf.basis.GaussianRBF(n_centers=9, width=0.1)
    map_ = bf.MAPRegression(basis=basis, alpha=alpha, beta=beta).fit(x, t)
    Phi = map_.basis_.transform(x)[:, 1:]  # the constant column becomes the network's bias
    decay = prior_weight_decay(alpha, len(x), beta)
    print(f"alpha = {alpha}, beta = {beta:.2f}, N = {len(x)}: weight decay {decay:.3g}")

    distances = {}
    nets = {}
    for name, opt in [("SGD", SGD(0.6)), ("Momentum", Momentum(0.3)), ("Adam", Adam(0.02))]:
        net = MLP([9, 1], weight_decay=decay, random_state=0)
        dist = []

        def track(epoch, logs, model, dist=dist):
            w = np.r_[model.params["b1"], model.params["W1"][:, 0]]
            dist.append(float(np.linalg.norm(w - map_.coef_)))

        net.fit(Phi, t, optimizer=opt, batch_size=None, epochs=args.epochs, shuffle=False,
                callbacks=[track], progress=False)
        distances[name], nets[name] = np.array(dist), net
        print(f"{name:9s} |w - w_MAP| after {args.epochs} epochs: {dist[-1]:.2e}")

    args.out.mkdir(parents=True, exist_ok=True)
    fig, (ax_d, ax_f) = plt.subplots(1, 2, figsize=(11, 4))
    for name, dist in distances.items():
        ax_d.semilogy(np.arange(1, len(dist) + 1), dist, label=name)
    ax_d.set(xlabel="epoch (full batch)", ylabel=r"$\|w - w_{MAP}\|$",
             title="Gradient descent on MSE + weight decay")
    ax_d.legend()
    grid = np.linspace(0, 1, 200)
    ax_f.plot(x, t, "o", mfc="none", label="data")
    ax_f.plot(grid, map_.predict(grid), lw=4, alpha=0.4, label="MAPRegression (closed form)")
    ax_f.plot(grid, nets["SGD"].predict(map_.basis_.transform(grid)[:, 1:]), "k--",
              label="MLP([9, 1]) + weight decay, SGD")
    ax_f.set(xlabel="x", ylabel="t", title="The same curve")
    ax_f.legend(fontsize=8)
    fig.tight_layout()
    path = args.out / "map_bridge.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")
    return {name: float(d[-1]) for name, d in distances.items()}


if __name__ == "__main__":
    main()
