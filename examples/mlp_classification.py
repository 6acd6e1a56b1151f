"""Softmax cross-entropy (the multinoulli NLL) on a seeded three-class spiral set.

    python examples/mlp_classification.py [--out DIR] [--epochs N]

A 2-64-64-3 ReLU network trained with Adam on mini-batches, with a validation set and early
stopping; prints the test accuracy and draws the decision regions and the loss curves.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from bayesfit.nn import MLP, EarlyStopping
from bayesfit.nn.optim import Adam


def spirals(n: int, seed: int, n_classes: int = 3, noise: float = 0.5):
    """Return ``n`` points on ``n_classes`` interleaved noisy spiral arms and their labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    r = rng.uniform(0.1, 1.0, n)
    angle = 2 * np.pi * y / n_classes + 6.0 * r + noise * rng.normal(size=n)
    return np.c_[r * np.cos(angle), r * np.sin(angle)], y


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="figure directory")
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args(argv)

    X, y = spirals(600, seed=0)
    X_val, y_val = spirals(300, seed=1)
    X_test, y_test = spirals(2000, seed=2)
    model = MLP([2, 64, 64, 3], activation="relu", output="softmax", loss="cross_entropy",
                random_state=0)
    history = model.fit(X, y, optimizer=Adam(0.01), batch_size=32, epochs=args.epochs,
                        validation_data=(X_val, y_val),
                        callbacks=[EarlyStopping(patience=10)], progress=False)
    accuracy = float(np.mean(model.predict(X_test) == y_test))
    print(f"{history.epochs} epochs (stopped early: {history.stopped_epoch is not None}); "
          f"test accuracy {accuracy:.3f}")

    args.out.mkdir(parents=True, exist_ok=True)
    fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.5))
    g = np.linspace(-1.2, 1.2, 200)
    gx, gy = np.meshgrid(g, g)
    regions = model.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
    ax.contourf(gx, gy, regions, levels=[-0.5, 0.5, 1.5, 2.5], cmap="Pastel1", alpha=0.8)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="Set1", s=10, edgecolors="none")
    ax.set(title=f"Decision regions (test accuracy {accuracy:.3f})", aspect="equal")
    ax_loss.plot(history.loss, label="train")
    ax_loss.plot(history.val_loss, label="validation")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy (nats per sample)", yscale="log",
                title="Softmax cross-entropy = multinoulli NLL")
    ax_loss.legend()
    fig.tight_layout()
    path = args.out / "mlp_classification.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")
    return {"accuracy": accuracy, "epochs": history.epochs}


if __name__ == "__main__":
    main()
