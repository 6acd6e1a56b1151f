"""Calibration: the predictive intervals and the posterior mean what they say.

Coverage
    Simulate from the true model (weights drawn from the prior, noise of precision beta), fit,
    and check that the central 50/90/95% predictive intervals contain a fresh target at one
    new input with that frequency. One test point per simulated data set makes the indicators
    independent, so the count is Binomial(R, level): the check is a two-sided exact binomial
    test that rejects at p < 0.001.

Simulation-based calibration (Talts et al. 2018, arXiv:1804.06788)
    Draw w~ from the prior, data from p(t | w~), L draws from the posterior; the rank of
    f(w~) among f(w_1..L) is uniform on {0, ..., L} for every scalar f when the posterior is
    exact. The ranks are binned (L + 1 = 100 ranks into 10 bins of 10) and tested with a
    chi-square test that rejects at p < 0.001 (per test function; five functions give a
    family-wise false-alarm rate below 0.5%).

Every check also runs a negative control that must fail (a posterior or predictive that is
deliberately wrong), so the tests have power. All randomness is seeded: the outcomes are
deterministic. The default sizes take about five seconds; ``@pytest.mark.slow`` repeats them
ten times larger (about 40 s) and runs SBC of PyMCRegression's NUTS model (about 90 s; the
collapsed sampler's SBC is in tests/test_pymc_models.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.stats

import bayesfit as bf

LEVELS = (0.5, 0.9, 0.95)
P_REJECT = 1e-3
ALPHA, BETA = 2.0, 25.0  # prior precision of the weights, noise precision (sd 0.2)
DEGREE = 3


def _design(x: np.ndarray) -> np.ndarray:
    return x[:, None] ** np.arange(DEGREE + 1)[None, :]


def _simulate(rng: np.random.Generator, n: int, alpha: float = ALPHA, beta: float = BETA):
    """Weights from the prior, n training points and one fresh test point."""
    w = rng.normal(scale=alpha**-0.5, size=DEGREE + 1)
    x = rng.uniform(-1.0, 1.0, n)
    x_new = rng.uniform(-1.5, 1.5, 1)  # interpolation and some extrapolation
    noise = rng.normal(scale=beta**-0.5, size=n + 1)
    t = _design(x) @ w + noise[:n]
    t_new = _design(x_new) @ w + noise[n:]
    return x, t, x_new, t_new, w


def _pit(make, n_sims: int, n: int, seed: int) -> np.ndarray:
    """Probability integral transform of the fresh target under each fit's predictive."""
    rng = np.random.default_rng(seed)
    u = np.empty(n_sims)
    for r in range(n_sims):
        x, t, x_new, t_new, _ = _simulate(rng, n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bf.BayesfitWarning)  # a rare boundary evidence
            model = make().fit(x, t)
        p = model.predictive(x_new)
        u[r] = scipy.stats.norm.cdf(t_new[0], loc=p.mean[0], scale=p.std[0])
    return u


def _coverage_pvalues(u: np.ndarray) -> dict[float, float]:
    """Binomial test of each central interval's coverage; the PIT u is inside iff
    |u - 1/2| < level / 2."""
    out = {}
    for level in LEVELS:
        inside = int(np.sum(np.abs(u - 0.5) < level / 2))
        out[level] = scipy.stats.binomtest(inside, u.size, level).pvalue
    return out


def _assert_calibrated(u: np.ndarray) -> None:
    pvalues = _coverage_pvalues(u)
    coverage = {lv: float(np.mean(np.abs(u - 0.5) < lv / 2)) for lv in LEVELS}
    assert min(pvalues.values()) > P_REJECT, (coverage, pvalues)


def _bayes():
    return bf.BayesianRegression(bf.basis.Polynomial(DEGREE), alpha=ALPHA, beta=BETA)


def _plug_in():
    # MAP's predictive N(w_MAP^T phi, 1/beta) leaves out the weight uncertainty
    return bf.MAPRegression(bf.basis.Polynomial(DEGREE), alpha=ALPHA, beta=BETA)


def _evidence():
    return bf.EvidenceRegression(bf.basis.Polynomial(DEGREE))


def _run_coverage(n_sims: int, seed: int) -> None:
    # Ten training points for four weights: the weight uncertainty is a large part of the
    # predictive variance, so only the full predictive (PRML eq. 3.59) is calibrated.
    _assert_calibrated(_pit(_bayes, n_sims, n=10, seed=seed))
    with pytest.raises(AssertionError):
        _assert_calibrated(_pit(_plug_in, n_sims, n=10, seed=seed))


def test_bayesian_regression_intervals_cover_at_their_level():
    _run_coverage(2000, seed=1)


def test_evidence_regression_intervals_cover_at_their_level():
    # alpha and beta estimated from 100 points: the plug-in of their maximum is close enough
    # that no deviation shows at this sample size.
    _assert_calibrated(_pit(_evidence, 1000, n=100, seed=2))


# -- simulation-based calibration of the conjugate posterior -----------------------------------

N_DRAWS = 99  # posterior draws per simulation: ranks 0..99
N_BINS = 10


def _sbc_ranks(n_sims: int, seed: int, beta_fit: float = BETA) -> np.ndarray:
    """Ranks of the true weights (and of the fitted function at x = 0.7) among posterior draws.

    ``beta_fit`` other than the true beta gives a deliberately wrong posterior.
    """
    rng = np.random.default_rng(seed)
    ranks = np.empty((n_sims, DEGREE + 2), dtype=np.int64)
    phi = _design(np.array([0.7]))[0]
    for s in range(n_sims):
        x, t, _, _, w = _simulate(rng, n=8)
        model = bf.BayesianRegression(bf.basis.Polynomial(DEGREE), alpha=ALPHA, beta=beta_fit)
        draws = model.fit(x, t).posterior_.sample(N_DRAWS, random_state=rng)
        ranks[s, :-1] = np.sum(draws < w[None, :], axis=0)
        ranks[s, -1] = np.sum(draws @ phi < w @ phi)
    return ranks


def _sbc_pvalues(ranks: np.ndarray) -> np.ndarray:
    bins = ranks * N_BINS // (N_DRAWS + 1)  # 100 equally likely ranks into 10 equal bins
    counts = np.stack([np.bincount(b, minlength=N_BINS) for b in bins.T])
    return scipy.stats.chisquare(counts, axis=1).pvalue


def _run_sbc(n_sims: int, seed: int) -> None:
    pvalues = _sbc_pvalues(_sbc_ranks(n_sims, seed))
    assert np.all(pvalues > P_REJECT), pvalues
    # A posterior that believes the noise is 4x smaller is too narrow: ranks pile up at the
    # ends (a U shape) and SBC rejects it.
    wrong = _sbc_pvalues(_sbc_ranks(n_sims, seed, beta_fit=4 * BETA))
    assert np.any(wrong < P_REJECT), wrong


def test_sbc_ranks_of_the_conjugate_posterior_are_uniform():
    _run_sbc(1000, seed=3)


def test_sbc_ranks_are_uniform_in_the_statistic_sense():
    # A sanity check of the rank construction itself, independent of bayesfit: ranks of a
    # true draw among exact draws from the same distribution.
    rng = np.random.default_rng(4)
    z = rng.normal(size=(1000, N_DRAWS + 1))
    ranks = np.sum(z[:, 1:] < z[:, :1], axis=1)[:, None]
    assert _sbc_pvalues(ranks)[0] > P_REJECT


@pytest.mark.slow
def test_slow_coverage_and_sbc_with_ten_times_the_simulations():
    _run_coverage(20000, seed=11)
    _assert_calibrated(_pit(_evidence, 10000, n=200, seed=12))
    _run_sbc(10000, seed=13)


@pytest.mark.slow
def test_sbc_of_pymc_regression_with_nuts():
    """SBC of the full model (w, alpha, beta) sampled by NUTS.

    tests/test_pymc_models.py calibrates the collapsed sampler; this checks the explicit
    model PyMC samples with NUTS. 100 replications with alpha, beta from proper Gamma
    hyperpriors, w ~ N(0, 1/alpha), 20 points on a line; 2 chains of 200 draws thinned to
    100 (ranks 0..100, in 10 bins). Each of alpha, beta, w_0, w_1 must pass the chi-square
    test at p > 0.001. About 1 s per replication.
    """
    from bayesfit.priors import Gamma

    priors = {"alpha": Gamma(3.0, 3.0), "beta": Gamma(3.0, 0.3)}
    rng = np.random.default_rng(2018)
    x = rng.uniform(-1.0, 1.0, 20)
    Phi = np.column_stack([np.ones_like(x), x])
    model = bf.PyMCRegression(priors=priors, method="nuts", chains=2, cores=1, draws=200,
                              tune=300, progressbar=False)
    names = ("alpha", "beta", "w0", "w1")
    ranks = np.empty((100, 4), dtype=np.int64)
    for r in range(ranks.shape[0]):
        alpha = priors["alpha"].sample(1, rng)[0]
        beta = priors["beta"].sample(1, rng)[0]
        w = rng.normal(0.0, alpha**-0.5, 2)
        t = Phi @ w + rng.normal(0.0, beta**-0.5, x.shape[0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bf.ConvergenceWarning)  # short chains, thinned
            model.set_params(random_seed=int(rng.integers(2**31))).fit(x, t)
        post = model.idata_["posterior"]
        draws = np.column_stack([
            post["alpha"].values.reshape(-1), post["beta"].values.reshape(-1),
            post["w"].values[..., 0].reshape(-1), post["w"].values[..., 1].reshape(-1),
        ])[::4]
        ranks[r] = np.sum(draws < np.array([alpha, beta, *w])[None, :], axis=0)
    n = draws.shape[0]  # 100 draws: ranks 0..100
    counts = np.stack([np.bincount(c * N_BINS // (n + 1), minlength=N_BINS) for c in ranks.T])
    pvalues = dict(zip(names, scipy.stats.chisquare(counts, axis=1).pvalue, strict=True))
    assert min(pvalues.values()) > P_REJECT, pvalues
