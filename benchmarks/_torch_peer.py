"""The PyTorch peer of bench_nn.py, run in an interpreter that has torch (``--torch-python``).

    python _torch_peer.py DIR

PyTorch does not install into bayesfit's environment, so bench_nn.py starts this script in
another interpreter and drives it over stdin/stdout, so that the peers still take turns. DIR
holds what bench_nn.py wrote: ``X.npy`` (float32), ``y.npy`` (int64 labels), ``order.npy``
(the order of the samples in the epoch), ``W1.npy``, ``b1.npy``, ``W2.npy``, ``b2.npy`` (the
initial weights, ``X @ W + b`` convention) and ``settings.json`` (batch size, learning rate,
threads). Each line ``epoch`` on stdin runs one epoch of plain SGD from the initial weights and
answers one JSON line ``{"loss": mean batch loss}``; end of input stops it. It imports only
torch, numpy and the standard library (no bayesfit: the interpreter may be older).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch


def main(directory: str) -> None:
    where = Path(directory)
    settings = json.loads((where / "settings.json").read_text())
    torch.set_num_threads(settings["threads"])
    torch.set_num_interop_threads(1)
    X = torch.from_numpy(np.load(where / "X.npy"))
    y = torch.from_numpy(np.load(where / "y.npy"))
    order = torch.from_numpy(np.load(where / "order.npy"))
    init = {name: np.load(where / f"{name}.npy") for name in ("W1", "b1", "W2", "b2")}
    batch, lr = settings["batch_size"], settings["learning_rate"]

    def epoch() -> float:
        first = torch.nn.Linear(*init["W1"].shape)
        second = torch.nn.Linear(*init["W2"].shape)
        with torch.no_grad():  # torch.nn.Linear computes x @ weight.T + bias
            first.weight.copy_(torch.from_numpy(init["W1"].T))
            first.bias.copy_(torch.from_numpy(init["b1"]))
            second.weight.copy_(torch.from_numpy(init["W2"].T))
            second.bias.copy_(torch.from_numpy(init["b2"]))
        net = torch.nn.Sequential(first, torch.nn.ReLU(), second)
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        total = torch.zeros(())
        for lo in range(0, len(X), batch):
            idx = order[lo : lo + batch]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(X[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.detach() * len(idx)
        return float(total) / len(X)

    for line in sys.stdin:
        if line.strip() == "epoch":
            print(json.dumps({"loss": epoch()}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
