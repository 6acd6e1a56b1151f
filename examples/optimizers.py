"""SGD, Momentum, Nesterov, Adagrad, RMSProp and Adam side by side.

    python examples/optimizers.py [--out DIR] [--epochs N]

1. The same 1-32-32-1 tanh network, from the same initial weights, trained on the PRML
   sinusoid by each optimizer (mini-batches of 32): one figure of the loss curves. One more
   run gives momentum a learning-rate schedule (bayesfit.nn.schedules.CosineDecay, from 0.1
   down to 0.005 over the 7 x 60 steps of the run): the large early steps travel, the small
   late ones settle, and it ends below constant-rate momentum.
2. Their paths on the 2-D loss surface f(w) = (w1^2 + 25 w2^2) / 2, an elongated bowl: plain
   gradient descent zig-zags across the steep direction, momentum overshoots and spirals in,
   the adaptive methods rescale each coordinate and head more directly to the minimum.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

import bayesfit as bf
from bayesfit.nn import MLP
from bayesfit.nn.optim import SGD, Adagrad, Adam, Momentum, RMSProp
from bayesfit.nn.schedules import CosineDecay

# Learning rates of the usual size for each method on the network problem, as functions of
# the number of steps in the run (which only the schedule needs).
NETWORK_OPTIMIZERS = {
    "SGD": lambda steps: SGD(0.1),
    "Momentum": lambda steps: Momentum(0.05, momentum=0.9),
    "Nesterov": lambda steps: Momentum(0.05, momentum=0.9, nesterov=True),
    "Adagrad": lambda steps: Adagrad(0.2),
    "RMSProp": lambda steps: RMSProp(0.01),
    "Adam": lambda steps: Adam(0.02),
    "Momentum + cosine": lambda steps: Momentum(CosineDecay(0.1, steps, final_rate=0.005)),
}
# ... and on the 2-D bowl, whose curvatures are 1 and 25.
SURFACE_OPTIMIZERS = {
    "SGD": lambda: SGD(0.075),
    "Momentum": lambda: Momentum(0.02, momentum=0.9),
    "Nesterov": lambda: Momentum(0.02, momentum=0.9, nesterov=True),
    "Adagrad": lambda: Adagrad(1.0),
    "RMSProp": lambda: RMSProp(0.1),
    "Adam": lambda: Adam(0.3),
}
CURVATURE = np.array([1.0, 25.0])


def surface_paths(n_steps: int = 60) -> dict[str, np.ndarray]:
    """Return each optimizer's iterates on the bowl, started at (-4, 1.2)."""
    paths = {}
    for name, make in SURFACE_OPTIMIZERS.items():
        opt, w = make(), [np.array([-4.0, 1.2])]
        path = [w[0]]
        for _ in range(n_steps):
            opt.step(w, [CURVATURE * w[0]])
            path.append(w[0])
        paths[name] = np.array(path)
    return paths


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="figure directory")
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args(argv)

    x, t = bf.datasets.sinusoid(200, noise=0.3, seed=1)
    curves = {}
    steps = -(-len(x) // 32) * args.epochs  # 7 batches per epoch
    for name, make in NETWORK_OPTIMIZERS.items():
        model = MLP([1, 32, 32, 1], activation="tanh", random_state=0)
        history = model.fit(x[:, None], t, optimizer=make(steps), batch_size=32,
                            epochs=args.epochs, random_state=0, progress=False)
        curves[name] = history.loss
        print(f"{name:17s} final training MSE {history.loss[-1]:.4f}")

    paths = surface_paths()
    final = {name: float(0.5 * CURVATURE @ path[-1] ** 2) for name, path in paths.items()}
    for name, value in final.items():
        print(f"{name:9s} loss on the bowl after 60 steps {value:.2e}")

    args.out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, loss in curves.items():
        ax.plot(np.arange(1, len(loss) + 1), loss, label=name)
    ax.axhline(0.09, color="gray", ls=":", label="noise variance 0.09")
    ax.set(xlabel="epoch", ylabel="training MSE", yscale="log",
           title="One network, six optimizers and a schedule")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out / "optimizer_curves.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    g1, g2 = np.meshgrid(np.linspace(-4.5, 1.0, 200), np.linspace(-1.5, 1.5, 200))
    ax.contour(g1, g2, 0.5 * (CURVATURE[0] * g1**2 + CURVATURE[1] * g2**2),
               levels=np.geomspace(0.01, 60, 15), colors="lightgray", linewidths=0.8)
    for name, path in paths.items():
        ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, label=name)
    ax.plot(0, 0, "k*", ms=10)
    ax.set(xlabel="$w_1$", ylabel="$w_2$", title=r"Paths on $(w_1^2 + 25 w_2^2)/2$")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(args.out / "optimizer_paths.png", dpi=100)
    plt.close(fig)
    print(f"wrote {args.out / 'optimizer_curves.png'} and {args.out / 'optimizer_paths.png'}")
    return {name: loss[-1] for name, loss in curves.items()}


if __name__ == "__main__":
    main()
