"""Learning-rate schedules against their closed forms, the optimizers' one learning-rate hook
against gradient descent written out in NumPy, and bad schedule arguments."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from bayesfit.nn import MLP
from bayesfit.nn.optim import SGD, Adagrad, Adam, Momentum, RMSProp
from bayesfit.nn.schedules import CosineDecay, ExponentialDecay, StepDecay

STEPS = range(0, 40)


def test_step_decay_is_a_staircase():
    schedule = StepDecay(0.3, step_size=7, gamma=0.5)
    expected = [0.3 * 0.5 ** (t // 7) for t in STEPS]
    np.testing.assert_allclose([schedule(t) for t in STEPS], expected, rtol=1e-15)
    # the rate drops exactly at multiples of step_size, and only there
    assert schedule(6) == 0.3 and schedule(7) == 0.15 and schedule(13) == 0.15


def test_exponential_decay_halves_every_h_steps():
    h = 5
    schedule = ExponentialDecay(0.2, gamma=2.0 ** (-1.0 / h))
    np.testing.assert_allclose([schedule(t) for t in STEPS],
                               [0.2 * 2.0 ** (-t / h) for t in STEPS], rtol=1e-13)
    assert schedule(3 * h) == pytest.approx(0.2 / 8, rel=1e-13)


def test_cosine_decay_follows_half_a_cosine_then_holds():
    eta0, eta_T, T = 0.5, 0.05, 16
    schedule = CosineDecay(eta0, total_steps=T, final_rate=eta_T)
    for t in STEPS:
        s = min(t, T)
        closed = eta_T + (eta0 - eta_T) * (1 + math.cos(math.pi * s / T)) / 2
        assert schedule(t) == pytest.approx(closed, rel=1e-14)
    # the ends, the midpoint (the mean of the ends) and monotone decrease
    assert schedule(0) == eta0 and schedule(T) == pytest.approx(eta_T, rel=1e-14)
    assert schedule(T // 2) == pytest.approx((eta0 + eta_T) / 2, rel=1e-14)
    rates = [schedule(t) for t in range(T + 1)]
    assert all(a > b for a, b in itertools.pairwise(rates))


@pytest.mark.parametrize(
    "schedule",
    [StepDecay(0.4, step_size=3, gamma=0.5), ExponentialDecay(0.4, gamma=0.9),
     CosineDecay(0.4, total_steps=10), lambda t: 0.4 / (1.0 + t)],
)
def test_sgd_reads_the_scheduled_rate_at_every_step(schedule):
    # Gradient descent on f(w) = w^2 / 2 (gradient w): w_{t+1} = (1 - eta_t) w_t, so after
    # n steps w_n = w_0 prod_t (1 - eta_t), with eta_t the schedule at t = 0, 1, ..., n - 1.
    opt = SGD(learning_rate=schedule)
    w = [np.array([1.0, -3.0])]
    rates = []
    for _ in range(12):
        rates.append(opt.current_learning_rate())
        opt.step(w, [w[0].copy()])
    assert rates == [schedule(t) for t in range(12)]
    np.testing.assert_allclose(w[0], np.array([1.0, -3.0]) * np.prod([1 - r for r in rates]),
                               rtol=1e-13)


@pytest.mark.parametrize("make", [Momentum, Adagrad, RMSProp, Adam])
def test_every_optimizer_scales_its_step_by_the_scheduled_rate(make):
    # The update is linear in the rate: with a schedule, each step must equal the step of the
    # same optimizer whose constant rate is set, before that step, to the schedule's value.
    schedule = ExponentialDecay(0.05, gamma=0.7)
    scheduled, manual = make(learning_rate=schedule), make(learning_rate=0.05)
    rng = np.random.default_rng(0)
    p1, p2 = {"w": np.ones(3)}, {"w": np.ones(3)}
    for t in range(6):
        g = rng.normal(size=3)
        manual.learning_rate = schedule(t)
        scheduled.step(p1, {"w": g})
        manual.step(p2, {"w": g})
        np.testing.assert_array_equal(p1["w"], p2["w"])


def test_a_schedule_in_steps_gives_a_rate_per_epoch_in_fit():
    # 40 samples, batches of 10: 4 steps per epoch, so step_size=4 decays once per epoch.
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40)
    model = MLP([2, 1], random_state=0)
    seen = []
    opt = SGD(learning_rate=StepDecay(0.1, step_size=4, gamma=0.5))
    model.fit(X, y, optimizer=opt, batch_size=10, epochs=4, progress=False,
              callbacks=[lambda epoch, logs, m: seen.append(m.optimizer_.current_learning_rate())])
    assert seen == [0.1 * 0.5**epoch for epoch in range(1, 5)]
    assert opt.t == 16


def test_state_dict_keeps_the_schedule_and_its_step():
    schedule = StepDecay(1.0, step_size=2, gamma=0.1)
    opt = Adam(learning_rate=schedule)
    params = {"w": np.zeros(2)}
    for _ in range(3):
        opt.step(params, {"w": np.ones(2)})
    resumed = Adam()
    resumed.load_state_dict(opt.state_dict())
    assert resumed.learning_rate is schedule and resumed.t == 3
    assert resumed.current_learning_rate() == 1.0 * 0.1 ** (3 // 2)  # the rate of step 3
    resumed.step(params, {"w": np.ones(2)})
    assert resumed.current_learning_rate() == pytest.approx(1.0 * 0.1 ** (4 // 2), rel=1e-15)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: StepDecay(0.0, step_size=1), "StepDecay: parameter 'initial_rate' must be"),
        (lambda: StepDecay(0.1, step_size=0), "StepDecay: parameter 'step_size' must be an int"),
        (lambda: StepDecay(0.1, step_size=2.5), "parameter 'step_size' must be"),
        (lambda: StepDecay(0.1, step_size=True), "parameter 'step_size' must be"),
        (lambda: StepDecay(0.1, 2, gamma=1.5),
         r"parameter 'gamma' must be a finite number in \(0, 1\]"),
        (lambda: StepDecay(0.1, 2, gamma=0.0), "parameter 'gamma' must be"),
        (lambda: ExponentialDecay(0.1, gamma=float("nan")), "ExponentialDecay: parameter 'gamma'"),
        (lambda: ExponentialDecay("0.1", gamma=0.5), "parameter 'initial_rate' must be"),
        (lambda: CosineDecay(0.1, total_steps=0), "CosineDecay: parameter 'total_steps' must be"),
        (lambda: CosineDecay(0.1, 10, final_rate=-1.0), "parameter 'final_rate' must be"),
        (lambda: CosineDecay(0.1, 10, final_rate=0.2),
         "final_rate .* must be at most initial_rate"),
        (lambda: SGD(learning_rate=[0.1]), "'learning_rate' must be .* or a schedule"),
    ],
)
def test_bad_schedule_arguments_name_the_argument(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("bad", [float("nan"), -0.1, float("inf"), "fast", None])
def test_a_bad_rate_from_a_schedule_names_the_step(bad):
    opt = SGD(learning_rate=lambda t: 0.1 if t < 2 else bad)
    params = [np.zeros(2)]
    opt.step(params, [np.ones(2)])
    opt.step(params, [np.ones(2)])
    before = params[0].copy()
    with pytest.raises(ValueError, match=r"SGD: learning_rate at step 2 must be a finite number"):
        opt.step(params, [np.ones(2)])
    np.testing.assert_array_equal(params[0], before)  # nothing moved
    assert opt.t == 2


def test_a_rate_of_zero_from_a_schedule_stops_the_parameters():
    opt = SGD(learning_rate=CosineDecay(0.5, total_steps=2))
    params = [np.array([1.0])]
    for _ in range(4):
        opt.step(params, [np.array([1.0])])
    # steps 0 and 1 at 0.5 and 0.25; from step 2 on the rate is 0
    np.testing.assert_allclose(params[0], [1.0 - 0.5 - 0.25], rtol=1e-15)
