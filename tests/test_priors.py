"""bayesfit.priors: parameter checks, and each prior against its SciPy reference.

The PyMC form of every prior is checked against an independently written SciPy distribution
(rates vs scales are the classic slip), with one compiled log-density function for all five.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.stats

from bayesfit import priors as P

# (prior, the SciPy distribution it must equal, written from the textbook parametrisation)
TABLE = [
    (P.Gamma(2.5, 4.0), scipy.stats.gamma(2.5, scale=0.25)),
    (P.Exponential(0.5), scipy.stats.expon(scale=2.0)),
    (P.HalfNormal(1.5), scipy.stats.halfnorm(scale=1.5)),
    (P.HalfCauchy(0.7), scipy.stats.halfcauchy(scale=0.7)),
    (P.LogNormal(-0.3, 0.4), scipy.stats.lognorm(s=0.4, scale=math.exp(-0.3))),
]
POINTS = np.array([0.05, 0.3, 1.0, 2.7])


@pytest.mark.parametrize(("prior", "ref"), TABLE, ids=lambda p: type(p).__name__)
def test_to_scipy_matches_reference(prior, ref):
    np.testing.assert_allclose(prior.to_scipy().logpdf(POINTS), ref.logpdf(POINTS), rtol=1e-12)


def test_pymc_log_densities_match_scipy():
    import pymc as pm

    with pm.Model() as model:
        rvs = [prior.to_pymc(f"v{i}") for i, (prior, _) in enumerate(TABLE)]
    logp = model.compile_logp(vars=rvs, jacobian=False, sum=False)
    for x in POINTS:
        point = {f"v{i}_log__": math.log(x) for i in range(len(TABLE))}
        got = logp(point)
        want = [ref.logpdf(x) for _, ref in TABLE]
        np.testing.assert_allclose(np.asarray(got, dtype=float), want, rtol=1e-6)


@pytest.mark.parametrize(("prior", "ref"), TABLE, ids=lambda p: type(p).__name__)
def test_sample_follows_the_distribution(prior, ref):
    draws = prior.sample(4000, random_state=0)
    assert draws.shape == (4000,)
    assert np.all(draws > 0)
    assert scipy.stats.kstest(draws, ref.cdf).pvalue > 1e-3


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: P.Gamma(-1.0, 1.0), "Gamma: parameter 'a' must be a finite number in \\(0"),
        (lambda: P.Gamma(1.0, 0.0), "parameter 'b'"),
        (lambda: P.Gamma(1.0, math.inf), "parameter 'b'"),
        (lambda: P.HalfNormal(-2.0), "HalfNormal: parameter 'scale'"),
        (lambda: P.HalfNormal(math.nan), "parameter 'scale'"),
        (lambda: P.HalfCauchy(0.0), "parameter 'scale'"),
        (lambda: P.Exponential("1"), "parameter 'rate'"),
        (lambda: P.LogNormal(0.0, -1.0), "parameter 'sigma'"),
        (lambda: P.LogNormal(math.nan, 1.0), "parameter 'mu'"),
        (lambda: P.Gamma(True, 1.0), "parameter 'a'"),
    ],
)
def test_invalid_parameters_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_priors_are_frozen_and_comparable():
    g = P.Gamma(2, 3)
    assert g == P.Gamma(2.0, 3.0)
    assert isinstance(g.a, float)
    with pytest.raises(AttributeError):
        g.a = 5.0  # type: ignore[misc]


@pytest.mark.parametrize("prior", [p for p, _ in TABLE], ids=lambda p: type(p).__name__)
def test_dict_round_trip(prior):
    d = json.loads(json.dumps(prior.to_dict()))
    assert P.from_dict(d) == prior


def test_from_dict_rejects_unknown():
    with pytest.raises(ValueError, match="not a bayesfit prior"):
        P.from_dict({"class": "Beta", "a": 1.0})


@pytest.mark.parametrize(
    ("priors", "likelihood", "keys"),
    [
        (None, "normal", ["alpha", "beta"]),
        (None, "student_t", ["alpha", "beta", "nu"]),
        ({"sigma": P.HalfNormal(1.0)}, "normal", ["alpha", "sigma"]),
        ({"nu": P.Exponential(0.1)}, "student_t", ["alpha", "beta", "nu"]),
    ],
)
def test_resolve_priors_fills_defaults(priors, likelihood, keys):
    resolved = P.resolve_priors(priors, likelihood)
    assert sorted(resolved) == keys
    for key in keys:
        expected = (priors or {}).get(key, P.DEFAULT_PRIORS.get(key))
        assert resolved[key] == expected


@pytest.mark.parametrize(
    ("priors", "likelihood", "exc", "match"),
    [
        ({"gamma": P.Gamma(1, 1)}, "normal", ValueError, "unknown name 'gamma'"),
        ({"nu": P.Gamma(2, 0.1)}, "normal", ValueError, "unknown name 'nu'"),
        ({"beta": P.Gamma(1, 1), "sigma": P.HalfNormal(1)}, "normal", ValueError, "both"),
        ({"alpha": 1.0}, "normal", TypeError, r"priors\['alpha'\] must be a bayesfit.priors"),
        ([P.Gamma(1, 1)], "normal", TypeError, "priors must be a dict"),
    ],
)
def test_resolve_priors_rejects(priors, likelihood, exc, match):
    with pytest.raises(exc, match=match):
        P.resolve_priors(priors, likelihood)
