"""The one-neuron saturation experiment: sigmoid + MSE learns slowly, sigmoid + CE does not.

    python examples/saturation.py [--out DIR] [--epochs N]

One sigmoid neuron, one input x = 1, target y = 0, started badly wrong at w = 2, b = 2
(output sigma(4) = 0.98), trained by plain gradient descent with the same learning rate.

With MSE the output error is multiplied by sigma'(z) = sigma(z)(1 - sigma(z)), about 0.018
at z = 4: the neuron barely moves for the first epochs. With cross-entropy the error at the
logit is sigma(z) - y, with no sigma'(z) factor (the Bernoulli NLL and the sigmoid are a
matched pair), so the worst mistakes are corrected fastest (Nielsen, Neural Networks and Deep
Learning, ch. 3).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from bayesfit.nn import MLP
from bayesfit.nn.optim import SGD


def train(loss: str, epochs: int) -> tuple[np.ndarray, list[float]]:
    """Return the neuron's output after each epoch and the loss history."""
    model = MLP([1, 1], output="sigmoid", loss=loss)
    model.params = {"W1": np.array([[2.0]]), "b1": np.array([2.0])}
    X, y = np.array([[1.0]]), np.array([0.0])
    outputs = []
    history = model.fit(
        X, y, optimizer=SGD(0.15), batch_size=None, epochs=epochs, shuffle=False,
        callbacks=[lambda epoch, logs, m: outputs.append(float(m.forward(X)[0, 0]))],
        progress=False,
    )
    return np.array(outputs), history.loss


def main(argv: list[str] | None = None) -> dict[str, int]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="figure directory")
    parser.add_argument("--epochs", type=int, default=300)
    args = parser.parse_args(argv)

    runs = {name: train(name, args.epochs) for name in ("mse", "binary_cross_entropy")}
    reached = {}
    for name, (outputs, _) in runs.items():
        below = np.flatnonzero(outputs < 0.2)
        reached[name] = int(below[0]) + 1 if below.size else -1
        print(f"sigmoid + {name}: output after 10 epochs {outputs[9]:.3f}, "
              f"first below 0.2 at epoch {reached[name] if below.size else 'never'}")

    args.out.mkdir(parents=True, exist_ok=True)
    fig, (ax_out, ax_loss) = plt.subplots(1, 2, figsize=(10, 4))
    for name, (outputs, loss) in runs.items():
        label = "sigmoid + MSE" if name == "mse" else "sigmoid + cross-entropy"
        ax_out.plot(np.arange(1, len(outputs) + 1), outputs, label=label)
        ax_loss.plot(np.arange(1, len(loss) + 1), loss, label=label)
    ax_out.set(xlabel="epoch", ylabel="output $\\sigma(w + b)$", ylim=(0, 1),
               title="Started at w = b = 2, target 0")
    ax_loss.set(xlabel="epoch", ylabel="loss", title="Loss per epoch")
    for ax in (ax_out, ax_loss):
        ax.legend()
    fig.tight_layout()
    path = args.out / "saturation.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")
    return reached


if __name__ == "__main__":
    main()
