"""Weight decay is the Gaussian prior of a classifier: a network with no hidden layer is MAP.

    python examples/classifier_bridge.py [--out DIR] [--epochs N]

MAPClassifier(alpha) minimises the negative log posterior E(w) = -ln p(t | w) + alpha/2 |w|^2
by Newton's method. bf.nn.MLP([d, 1], output="sigmoid", loss="binary_cross_entropy") (two
classes) or MLP([d, K], output="softmax", loss="cross_entropy") (K classes), trained by
gradient descent with weight decay lambda = alpha / N (bayesfit.nn.prior_weight_decay),
minimises E(w) / N: the same weights, the network's bias being the weight of the constant
basis function. The figure shows the distance to w_MAP per epoch (full batch) for both
heads: it falls geometrically to round-off.
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
from bayesfit.nn.optim import SGD


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="figure directory")
    parser.add_argument("--epochs", type=int, default=3000)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    X2, y2 = bf.datasets.overlapping_clusters(200, separation=2.0, seed=0)
    X3 = rng.normal(size=(300, 2))
    y3 = np.argmax(X3 @ np.array([[1.0, -1.0, 0.0], [0.0, 1.0, -1.0]])
                   + rng.gumbel(size=(300, 3)), axis=1)
    alpha = 3.0
    distances = {}
    for name, X, y, head in (
        ("two classes: sigmoid + binary cross-entropy", X2, y2,
         ([2, 1], "sigmoid", "binary_cross_entropy")),
        ("three classes: softmax + cross-entropy", X3, y3, ([2, 3], "softmax", "cross_entropy")),
    ):
        model = bf.MAPClassifier(alpha=alpha, tol=1e-12).fit(X, y)
        decay = prior_weight_decay(alpha, len(X))
        net = MLP(head[0], output=head[1], loss=head[2], weight_decay=decay, random_state=0)
        dist = []

        def track(epoch, logs, net, dist=dist, model=model):
            w = np.r_[net.params["b1"][None, :], net.params["W1"]]
            w = w[:, 0] if model.coef_.ndim == 1 else w
            dist.append(float(np.abs(w - model.coef_).max()))

        net.fit(X, y, optimizer=SGD(1.0), batch_size=None, epochs=args.epochs, shuffle=False,
                callbacks=[track], progress=False)
        distances[name] = np.array(dist)
        print(f"{name}: alpha = {alpha}, N = {len(X)}, weight decay {decay:.3g}; "
              f"max |w_net - w_MAP| after {args.epochs} epochs: {dist[-1]:.1e}")

    args.out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, dist in distances.items():
        ax.semilogy(np.arange(1, len(dist) + 1), dist, label=name)
    ax.set(xlabel="epoch (full-batch gradient descent, SGD(1.0))",
           ylabel=r"$\max|w_{net} - w_{MAP}|$",
           title=r"MLP with weight decay $\alpha/N$ reaches MAPClassifier($\alpha$)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = args.out / "classifier_bridge.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"wrote {path}")
    return {name: float(d[-1]) for name, d in distances.items()}


if __name__ == "__main__":
    main()
