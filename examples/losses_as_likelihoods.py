"""Losses are negative log-likelihoods: each identity checked numerically, and one figure.

    python examples/losses_as_likelihoods.py [--out DIR]

Prints, for random inputs, the largest difference between the two sides of each identity
(MSE vs Gaussian NLL, binary cross-entropy vs Bernoulli NLL, softmax cross-entropy vs
multinoulli NLL and vs H(p, q), the softmax cross-entropy gradient vs softmax - onehot,
H(p, q) = H(p) + KL(p || q)) and draws ``losses_as_likelihoods.png`` into DIR (default
``./out``): MSE against the Gaussian NLL, cross-entropy against the Bernoulli NLL, and the
gradient of sigmoid + MSE against sigmoid + cross-entropy over the logit z.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from bayesfit import info, losses
from bayesfit.nn import sigmoid, sigmoid_grad, softmax


def identities(rng: np.random.Generator) -> dict[str, float]:
    """Return the largest |left - right| of each identity on random inputs."""
    y = rng.normal(size=50)
    pred = rng.normal(size=50)
    beta = 2.5
    gauss = losses.gaussian_nll(y, pred, beta=beta)
    via_mse = 0.5 * beta * losses.mse(y, pred) + 0.5 * math.log(2 * math.pi / beta)

    z = rng.normal(scale=3.0, size=50)
    yb = rng.integers(0, 2, size=50).astype(float)
    bce = losses.binary_cross_entropy(yb, logits=z, reduction="none")
    bern = losses.bernoulli_nll(yb, sigmoid(z), reduction="none")

    logits = rng.normal(scale=2.0, size=(20, 4))
    labels = rng.integers(0, 4, size=20)
    probs = softmax(logits)
    onehot = np.eye(4)[labels]
    ce = losses.cross_entropy(labels, logits, reduction="none")
    multinoulli = losses.categorical_nll(labels, probs, reduction="none")
    h_pq = info.cross_entropy(onehot, probs)

    p = rng.dirichlet(np.ones(6), size=10)
    q = rng.dirichlet(np.ones(6), size=10)
    return {
        "Gaussian NLL(beta) = beta/2 * MSE + 1/2 ln(2 pi / beta)": abs(float(gauss - via_mse)),
        "binary CE(logits) = Bernoulli NLL(sigmoid(logits))": float(np.max(np.abs(bce - bern))),
        "softmax CE(logits) = multinoulli NLL(softmax(logits))": float(
            np.max(np.abs(ce - multinoulli))
        ),
        "softmax CE(labels, logits) = H(onehot, softmax(logits))": float(np.max(np.abs(ce - h_pq))),
        "d CE / d logits = softmax(logits) - onehot": float(
            np.max(
                np.abs(
                    losses.cross_entropy_grad(labels, logits, reduction="sum") - (probs - onehot)
                )
            )
        ),
        "H(p, q) = H(p) + KL(p || q)": float(
            np.max(np.abs(info.cross_entropy(p, q) - info.entropy(p) - info.kl_divergence(p, q)))
        ),
    }


def saturation_gradients(z: np.ndarray, y: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Return d/dz of (sigmoid(z) - y)^2 and of the binary cross-entropy, for target y."""
    targets = np.full_like(z, y)
    mse_grad = losses.mse_grad(targets, sigmoid(z), reduction="none") * sigmoid_grad(z)
    ce_grad = losses.binary_cross_entropy_grad(targets, logits=z, reduction="none")
    return mse_grad, ce_grad


def draw(path: Path) -> None:
    """Draw the three panels into ``path``."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")

    ax = axes[0]
    c = np.linspace(-3, 3, 301)
    y0 = np.zeros_like(c)
    ax.plot(c, losses.mse(y0, c, reduction="none"), "k", lw=2, label="MSE $(t - y)^2$")
    for beta in (0.5, 1.0, 4.0):
        nll = losses.gaussian_nll(y0, c, beta=beta, reduction="none")
        ax.plot(c, nll, label=rf"Gaussian NLL, $\beta={beta:g}$")
    ax.axvline(0.0, color="grey", ls=":", lw=1)
    ax.set(
        xlabel="prediction $y$ (target $t = 0$)",
        ylabel="loss",
        ylim=(-1.5, 9),
        title="MSE vs Gaussian NLL: same minimiser",
    )
    ax.legend(fontsize=8)

    ax = axes[1]
    p = np.linspace(1e-3, 1 - 1e-3, 400)
    for label, colour in ((1.0, "C0"), (0.0, "C1")):
        yl = np.full_like(p, label)
        ax.plot(
            p,
            losses.binary_cross_entropy(yl, probs=p, reduction="none"),
            colour,
            lw=3,
            alpha=0.4,
            label=f"binary cross-entropy, $t = {label:g}$",
        )
        ax.plot(
            p[::25],
            losses.bernoulli_nll(yl, p, reduction="none")[::25],
            colour + "o",
            ms=4,
            label=rf"$-\ln p^t (1-p)^{{1-t}}$, $t = {label:g}$",
        )
    ax.set(
        xlabel="predicted $p = P(t = 1)$",
        ylabel="loss",
        ylim=(0, 5),
        title="cross-entropy = Bernoulli NLL",
    )
    ax.legend(fontsize=8)

    ax = axes[2]
    z = np.linspace(-10, 10, 401)
    mse_grad, ce_grad = saturation_gradients(z)
    ax.plot(z, mse_grad, label=r"sigmoid + MSE: $2(\sigma - t)\,\sigma'(z)$")
    ax.plot(z, ce_grad, label=r"sigmoid + CE: $\sigma(z) - t$")
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.set(
        xlabel="logit $z$ (target $t = 1$)",
        ylabel=r"$\partial \ell / \partial z$",
        title=r"saturated and wrong ($z \ll 0$): MSE stalls",
    )
    ax.legend(fontsize=8)

    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the figure")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    residuals = identities(np.random.default_rng(0))
    width = max(map(len, residuals))
    print("identity".ljust(width), " max |left - right|")
    for name, value in residuals.items():
        print(name.ljust(width), f" {value:.2e}")

    mse_grad, ce_grad = saturation_gradients(np.array([-8.0, 0.0]))
    print(
        f"\ngradient at z = -8 for target 1: sigmoid+MSE {mse_grad[0]:.2e}, "
        f"sigmoid+CE {ce_grad[0]:.4f} (at z = 0: {mse_grad[1]:.3f} vs {ce_grad[1]:.3f})"
    )

    path = args.out / "losses_as_likelihoods.png"
    draw(path)
    print(f"figure: {path}")
    return residuals


if __name__ == "__main__":
    main()
