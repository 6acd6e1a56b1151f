"""An autoencoder trained with MSE and with binary cross-entropy on seeded bar images.

    python examples/autoencoder.py [--out DIR] [--epochs N]

The images are 8x8 "bars" (Foldiak 1990): each holds one to three random horizontal or
vertical lines, with pixel intensities in [0, 1]. A 64-16-64 network with a sigmoid output
learns to reproduce its input through 16 hidden units, once with MSE (Gaussian noise on the
pixels) and once with binary cross-entropy (each pixel a Bernoulli probability; soft targets
in [0, 1] are allowed). The figure shows test images and both reconstructions.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from bayesfit.nn import MLP
from bayesfit.nn.optim import Adam

SIDE = 8


def bars(n: int, seed: int) -> np.ndarray:
    """Return ``n`` flattened 8x8 images of 1-3 random bars with mild pixel noise."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, SIDE, SIDE))
    for image in images:
        for _ in range(rng.integers(1, 4)):
            k = rng.integers(SIDE)
            if rng.random() < 0.5:
                image[k, :] = 1.0
            else:
                image[:, k] = 1.0
    images = np.clip(images + 0.05 * rng.normal(size=images.shape), 0.0, 1.0)
    return images.reshape(n, SIDE * SIDE)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="figure directory")
    parser.add_argument("--epochs", type=int, default=25)
    args = parser.parse_args(argv)

    train, test = bars(2000, seed=0), bars(200, seed=1)
    models, errors = {}, {}
    for loss in ("mse", "binary_cross_entropy"):
        model = MLP([64, 16, 64], activation="relu", output="sigmoid", loss=loss,
                    random_state=0)
        model.fit(train, train, optimizer=Adam(0.01), batch_size=32, epochs=args.epochs,
                  progress=False)
        models[loss] = model
        errors[loss] = float(np.mean((model.forward(test) - test) ** 2))
        print(f"trained with {loss:20s}: test reconstruction MSE {errors[loss]:.4f} "
              f"(predicting the mean image: {np.mean((test - train.mean(0)) ** 2):.4f})")

    args.out.mkdir(parents=True, exist_ok=True)
    shown = test[:8]
    rows = {"input": shown, **{f"{k} reconstruction": m.forward(shown)
                               for k, m in models.items()}}
    fig, axes = plt.subplots(len(rows), len(shown), figsize=(len(shown), 1.2 * len(rows)))
    for r, (title, images) in enumerate(rows.items()):
        for c, image in enumerate(images):
            ax = axes[r, c]
            ax.imshow(image.reshape(SIDE, SIDE), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(title.replace("binary_cross_entropy", "BCE").replace(" ", "\n"),
                              fontsize=7)
    fig.tight_layout()
    path = args.out / "autoencoder.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")
    return errors


if __name__ == "__main__":
    main()
