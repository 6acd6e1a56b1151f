"""The training loop: the progress line on a (fake) terminal, callbacks that reach the optimizer
checked against gradient descent written out in NumPy, the end-of-epoch finiteness check, and
the old import paths."""

from __future__ import annotations

import io
import pickle
import re
import sys

import numpy as np
import pytest

from bayesfit.nn import MLP
from bayesfit.nn.optim import SGD, Adam
from bayesfit.nn.schedules import CosineDecay


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal, as stderr does in a shell."""

    def isatty(self):
        return True


def render(text):
    """Return the lines a terminal shows for ``text``: ``\\r`` goes back to column 0, where
    the characters that follow overwrite the old ones one by one (nothing is erased)."""
    lines, line, column = [], [], 0
    for char in text:
        if char == "\n":
            lines.append("".join(line))
            line, column = [], 0
        elif char == "\r":
            column = 0
        else:
            if column < len(line):
                line[column] = char
            else:
                line.append(char)
            column += 1
    return lines + (["".join(line)] if line else [])


def test_render_keeps_the_tail_of_a_longer_line():
    # the bug the progress line had: a shorter line written over a longer one
    assert render("\repoch 1/2 [=====] 113/113\repoch 1/2  loss 0.5\n") == [
        "epoch 1/2  loss 0.513/113"
    ]


@pytest.mark.parametrize("validation", [False, True])
def test_each_epoch_line_on_a_terminal_shows_only_the_summary(monkeypatch, validation):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(226, 1)), rng.normal(size=226)
    model = MLP([1, 2, 1], random_state=0)
    # 113 batches: the bar line "epoch 1/3 [====================] 113/113" is longer than
    # the summary that replaces it; progress=None draws because the stream is a terminal
    model.fit(X, y, optimizer=SGD(0.01), batch_size=2, epochs=3,
              validation_data=(X, y) if validation else None)
    text = terminal.getvalue()
    assert "113/113" in text and text.endswith("\n")
    summary = r"epoch {}/3  loss \S+" + (r"  val_loss \S+" if validation else "") + \
        r"  \(\d+\.\d\d s\)"
    lines = render(text)
    assert len(lines) == 3
    for epoch, line in enumerate(lines, start=1):
        assert re.fullmatch(summary.format(epoch), line.rstrip()), line


def test_a_callback_changes_the_learning_rate_through_the_optimizer():
    # Full-batch gradient descent on the MSE of a linear model, the rate halved after every
    # epoch by a callback that reaches the optimizer as model.optimizer_. Reference: the same
    # recursion in NumPy, J = mean((X w + b - t)^2), dJ/dw = 2/N X^T r, dJ/db = 2/N sum r.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 2))
    t = X @ np.array([1.0, -2.0]) + 0.5 + 0.1 * rng.normal(size=30)
    model = MLP([2, 1], random_state=0)
    w, b = model.params["W1"][:, 0].copy(), model.params["b1"].copy()
    opt = SGD(0.2)
    rates = []

    def halve(epoch, logs, m):
        assert m.optimizer_ is opt
        rates.append(m.optimizer_.current_learning_rate())
        m.optimizer_.learning_rate = m.optimizer_.learning_rate / 2

    model.fit(X, t, optimizer=opt, batch_size=None, epochs=6, shuffle=False,
              callbacks=[halve], progress=False)
    for eta in 0.2 / 2.0 ** np.arange(6):
        r = X @ w + b - t
        w, b = w - eta * 2 / 30 * X.T @ r, b - eta * 2 / 30 * r.sum()
    assert rates == [0.2 / 2**k for k in range(6)]
    np.testing.assert_allclose(model.params["W1"][:, 0], w, rtol=1e-13)
    np.testing.assert_allclose(model.params["b1"], b, rtol=1e-13)


def test_fit_keeps_the_optimizer_it_built_from_a_name():
    X, y = np.ones((4, 1)), np.ones(4)
    model = MLP([1, 1], random_state=0)
    model.fit(X, y, optimizer="adam", epochs=2, progress=False)
    assert isinstance(model.optimizer_, Adam) and model.optimizer_.t == 2
    assert not hasattr(MLP([1, 1], random_state=0), "optimizer_")


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_parameters_that_overflow_in_the_last_step_of_an_epoch_are_caught():
    # The objective of every batch is checked before its step, so a step that overflows the
    # parameters in the last batch would go unseen without the end-of-epoch check. A rate of
    # 1e300 is finite in float64 and inf in the float32 the parameters follow.
    X, y = np.ones((8, 1), dtype=np.float32), np.zeros(8, dtype=np.float32)
    model = MLP([1, 1], random_state=0)
    before = model.objective_and_grads(X, y) and dict(model.params)  # moved to float32
    rate = lambda step: 1e-3 if step < 7 else 1e300  # noqa: E731
    with pytest.raises(FloatingPointError, match="parameters became NaN or infinite in epoch 2"):
        model.fit(X, y, optimizer=SGD(rate), batch_size=2, epochs=3, shuffle=False,
                  progress=False)
    assert all(np.all(np.isfinite(p)) for p in model.params.values())
    assert not np.array_equal(model.params["W1"], before["W1"])  # epoch 1's steps are kept


def test_history_and_early_stopping_keep_their_import_paths():
    from bayesfit.nn import EarlyStopping, History, train
    from bayesfit.nn.mlp import EarlyStopping as OldEarlyStopping
    from bayesfit.nn.mlp import History as OldHistory

    assert OldEarlyStopping is EarlyStopping is train.EarlyStopping
    assert OldHistory is History is train.History


def test_a_pickled_model_continues_with_its_optimizer_and_schedule():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40)
    model = MLP([2, 4, 1], "tanh", random_state=0)
    model.fit(X, y, optimizer=Adam(CosineDecay(0.05, total_steps=20)), batch_size=10, epochs=2,
              progress=False)
    copy = pickle.loads(pickle.dumps(model))
    assert copy.optimizer_.t == 8
    assert copy.optimizer_.learning_rate == model.optimizer_.learning_rate
    for m in (model, copy):
        m.fit(X, y, optimizer=m.optimizer_, batch_size=10, epochs=2, progress=False)
    for k in model.params:
        np.testing.assert_array_equal(copy.params[k], model.params[k])


def test_an_optimizer_of_other_parameters_is_refused_before_training():
    opt = Adam()
    opt.step({"v": np.zeros(2)}, {"v": np.ones(2)})
    model = MLP([1, 1], random_state=0)
    before = dict(model.params)
    with pytest.raises(ValueError, match=r"this optimizer's state is for \['v'\]"):
        model.fit(np.ones((3, 1)), np.ones(3), optimizer=opt, progress=False)
    assert not hasattr(model, "optimizer_") and opt.t == 1
    assert all(model.params[k] is before[k] for k in before)
