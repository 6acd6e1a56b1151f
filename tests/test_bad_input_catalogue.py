"""A catalogue of bad inputs to every public entry point.

Every array argument of every public function and method is fed the standard bad values
(NaN, inf, empty, wrong shape, None, a string, and the wrong dtypes object, complex and
bool), and every scalar argument out-of-range or wrongly-typed values. Each case must raise
a ValueError or TypeError before doing any work, with a message that names the argument
(as a whole word). The number of cases is printed by ``test_catalogue_size`` (run pytest
with ``-s``) and stated in docs/reliability.md.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import bayesfit as bf
from bayesfit import basis as B
from bayesfit import info, losses, nn
from bayesfit.nn import optim
from bayesfit.posterior import GaussianPosterior


@dataclass(frozen=True)
class Case:
    """``call()`` must raise ValueError/TypeError naming ``name``."""

    id: str
    call: Callable[[], Any]
    name: str


CASES: list[Case] = []


def _add(entry: str, name: str, problem: str, call: Callable[[], Any], names: str | None = None):
    CASES.append(Case(f"{entry}:{name}:{problem}", call, names or name))


def _with(valid: np.ndarray, value: float) -> np.ndarray:
    bad = np.array(valid, dtype=np.float64)
    bad.flat[bad.size // 2] = value
    return bad


def _object(valid: np.ndarray) -> np.ndarray:
    bad = np.array(valid, dtype=object)
    bad.flat[0] = "one"
    return bad


def bad_arrays(valid: Any, wrong_shape: Any = None) -> dict[str, Any]:
    """The standard bad values for an array argument whose valid value is ``valid``."""
    valid = np.asarray(valid)
    bads = {
        "nan": _with(valid, np.nan),
        "inf": _with(valid, np.inf),
        "-inf": _with(valid, -np.inf),
        "empty": np.empty((0, *valid.shape[1:])),
        "none": None,
        "string": "1, 2, 3",
        "object": _object(valid),
        "complex": valid.astype(np.complex128) + 1j,
        "bool": valid.astype(bool),
    }
    if wrong_shape is not None:
        bads["wrong_shape"] = wrong_shape
    return bads


def array_cases(entry: str, name: str, valid: Any, call: Callable[[Any], Any], *,
                wrong_shape: Any = None, skip: tuple[str, ...] = (), names: str | None = None):
    """Add a case for each bad value of the array argument ``name``; ``call(v)`` runs
    the entry point with ``name=v`` and everything else valid."""
    for problem, value in bad_arrays(valid, wrong_shape).items():
        if problem not in skip:
            _add(entry, name, problem, lambda v=value: call(v), names)


def value_cases(entry: str, name: str, values: dict[str, Any], call: Callable[[Any], Any],
                names: str | None = None):
    """Add a case for each (problem, value) of a scalar or option argument."""
    for problem, value in values.items():
        _add(entry, name, problem, lambda v=value: call(v), names)


BAD_POSITIVE = {"zero": 0.0, "negative": -1.0, "nan": np.nan, "inf": np.inf, "string": "1",
                "none": None, "bool": True}
BAD_POSITIVE_INT = {"zero": 0, "negative": -3, "float": 2.5, "string": "3", "none": None,
                    "bool": True}
BAD_RANDOM_STATE = {"string": "seed", "negative": -1, "float": 1.5,
                    "legacy": np.random.RandomState(0)}
BAD_BOOL = {"string": "yes", "int": 2, "none": None}
BAD_REDUCTION = {"unknown": "max", "none": None, "int": 1}

# -- data ------------------------------------------------------------------------------------------

x = np.linspace(0.0, 1.0, 8)
t = 0.5 + 2.0 * x + 0.1 * np.random.default_rng(0).normal(size=8)
X2 = x[:, None]
X3D = np.zeros((8, 1, 1))
TWO_FEATURES = np.zeros((8, 2))

W = np.ones(8)  # valid sample weights
BAD_WEIGHTS = {"negative": _with(W, -1.0), "all zero": np.zeros(8), "length": np.ones(7)}

# -- the four estimators ---------------------------------------------------------------------------

ESTIMATORS = {
    "MLERegression": lambda **kw: bf.MLERegression(B.Polynomial(2), **kw),
    "MAPRegression": lambda **kw: bf.MAPRegression(B.Polynomial(2), **kw),
    "BayesianRegression": lambda **kw: bf.BayesianRegression(B.Polynomial(2), **kw),
    "EvidenceRegression": lambda **kw: bf.EvidenceRegression(B.Polynomial(2), **kw),
    "ARDRegression": lambda **kw: bf.ARDRegression(B.Polynomial(2), **kw),
}
FITTED = {name: make().fit(x, t) for name, make in ESTIMATORS.items()}

for est, make in ESTIMATORS.items():
    fitted = FITTED[est]
    for method in ("fit", "partial_fit"):
        entry = f"{est}.{method}"
        array_cases(entry, "X", X2, lambda v, m=method, k=make: getattr(k(), m)(v, t),
                    wrong_shape=X3D)
        # K targets are a y of shape (8, K) where the estimator takes them
        array_cases(entry, "y", t, lambda v, m=method, k=make: getattr(k(), m)(x, v),
                    wrong_shape=np.zeros((8, 2, 1) if fitted._multi_output else (8, 2)))
        _add(entry, "y", "length", lambda m=method, k=make: getattr(k(), m)(x, t[:-1]))
    for method in ("fit", "partial_fit"):
        array_cases(f"{est}.{method}", "sample_weight", W,
                    lambda v, m=method, k=make: getattr(k(), m)(x, t, v),
                    wrong_shape=np.ones((8, 2)), skip=("none",))
        value_cases(f"{est}.{method}", "sample_weight", BAD_WEIGHTS,
                    lambda v, m=method, k=make: getattr(k(), m)(x, t, v))
    array_cases(f"{est}.fit_stream", "sample_weight", W,
                lambda v, k=make: k().fit_stream([(x, t, v)]), skip=("none",))
    value_cases(f"{est}.fit_stream", "sample_weight", BAD_WEIGHTS,
                lambda v, k=make: k().fit_stream([(x, t, v)]))
    _add(f"{est}.partial_fit", "X", "features",
         lambda f=fitted: f.__class__(B.Polynomial(2)).fit(x, t).partial_fit(TWO_FEATURES, t))
    entry = f"{est}.fit_stream"
    array_cases(entry, "X", X2, lambda v, k=make: k().fit_stream([(v, t)]), wrong_shape=X3D)
    array_cases(entry, "y", t, lambda v, k=make: k().fit_stream([(x, v)]))
    value_cases(entry, "chunks", {"empty": [], "not iterable": 5, "none": None},
                lambda v, k=make: k().fit_stream(v))
    value_cases(entry, "chunk", {"not a pair": [(x,)], "a string": ["xy"]},
                lambda v, k=make: k().fit_stream(v))
    for method in ("predict", "predictive"):
        entry = f"{est}.{method}"
        array_cases(entry, "X", X2, lambda v, f=fitted, m=method: getattr(f, m)(v),
                    wrong_shape=TWO_FEATURES)
    for method in ("score", "log_predictive_density"):
        entry = f"{est}.{method}"
        array_cases(entry, "X", X2, lambda v, f=fitted, m=method: getattr(f, m)(v, t),
                    wrong_shape=TWO_FEATURES)
        array_cases(entry, "y", t, lambda v, f=fitted, m=method: getattr(f, m)(x, v),
                    wrong_shape=t[:-1])
    value_cases(f"{est}.log_predictive_density", "reduction", BAD_REDUCTION,
                lambda v, f=fitted: f.log_predictive_density(x, t, reduction=v))
    if hasattr(fitted, "sample_functions"):
        entry = f"{est}.sample_functions"
        array_cases(entry, "X", X2, lambda v, f=fitted: f.sample_functions(v, 2),
                    wrong_shape=TWO_FEATURES)
        value_cases(entry, "n", BAD_POSITIVE_INT, lambda v, f=fitted: f.sample_functions(x, v))
        value_cases(entry, "random_state", BAD_RANDOM_STATE,
                    lambda v, f=fitted: f.sample_functions(x, 2, random_state=v))
    value_cases(f"{est}.fit", "basis", {"string": "poly:3", "class": B.Polynomial},
                lambda v, e=est: getattr(bf, e)(basis=v).fit(x, t))

for est in ("MAPRegression", "BayesianRegression"):
    for param in ("alpha", "beta"):
        value_cases(f"{est}.fit", param, BAD_POSITIVE,
                    lambda v, e=est, p=param: ESTIMATORS[e](**{p: v}).fit(x, t))
for param, bads in {
    "prior": {"unknown": "horseshoe", "none": None, "int": 1},
    "l1_ratio": {"negative": -0.1, "above one": 1.5, "nan": np.nan, "string": "0.5", "none": None},
    "penalize_bias": {"string": "yes", "int": 2},
    "tol": BAD_POSITIVE,
    "max_iter": BAD_POSITIVE_INT,
}.items():
    value_cases("MAPRegression.fit", param, bads,
                lambda v, p=param: ESTIMATORS["MAPRegression"](prior="elastic_net",
                                                               **{p: v}).fit(x, t))
for prior in ("laplace", "elastic_net"):
    for param in ("alpha", "beta"):
        value_cases(f"MAPRegression.fit[{prior}]", param, BAD_POSITIVE,
                    lambda v, p=param, q=prior: ESTIMATORS["MAPRegression"](
                        prior=q, **{p: v}).fit(x, t))
LASSO = ESTIMATORS["MAPRegression"](prior="laplace").fit(x, t)
array_cases("MAPRegression.path", "alphas", np.array([1.0, 0.1]), lambda v: LASSO.path(v),
            wrong_shape=np.ones((2, 2)), skip=("bool",))
value_cases("MAPRegression.path", "alphas", {"zero": [1.0, 0.0], "negative": [-1.0]},
            lambda v: LASSO.path(v))
M = 3  # weights of Polynomial(2)
array_cases("BayesianRegression.fit", "prior_mean", np.zeros(M),
            lambda v: bf.BayesianRegression(B.Polynomial(2), prior_mean=v).fit(x, t),
            wrong_shape=np.zeros(M + 1), skip=("empty", "none"))  # None: the default
array_cases("BayesianRegression.fit", "prior_cov", np.eye(M),
            lambda v: bf.BayesianRegression(B.Polynomial(2), prior_cov=v).fit(x, t),
            wrong_shape=np.eye(M + 1), skip=("empty", "none"))
value_cases("BayesianRegression.fit", "prior_cov", {"not PD": -np.eye(M)},
            lambda v: bf.BayesianRegression(B.Polynomial(2), prior_cov=v).fit(x, t))
value_cases("MLERegression.fit", "rcond",
            {"negative": -1e-3, "above one": 2.0, "nan": np.nan, "string": "1e-8", "bool": True},
            lambda v: ESTIMATORS["MLERegression"](rcond=v).fit(x, t))
for param, bads in {
    "alpha_init": BAD_POSITIVE, "beta_init": BAD_POSITIVE, "max_iter": BAD_POSITIVE_INT,
    "tol": BAD_POSITIVE, "global_search": BAD_BOOL,
}.items():
    bads = {k: v for k, v in bads.items() if not (k == "none" and param.endswith("_init"))}
    value_cases("EvidenceRegression.fit", param, bads,
                lambda v, p=param: ESTIMATORS["EvidenceRegression"](**{p: v}).fit(x, t))

for param, bads in {
    "threshold": {k: v for k, v in BAD_POSITIVE.items() if k != "inf"},  # inf: keep all
    "max_iter": BAD_POSITIVE_INT,
    "tol": BAD_POSITIVE,
}.items():
    value_cases("ARDRegression.fit", param, bads,
                lambda v, p=param: ESTIMATORS["ARDRegression"](**{p: v}).fit(x, t))

# -- PyMCRegression (fitted lazily: only the cases that need a fit pay for PyMC) -----------------


@functools.cache
def _pymc_fitted():
    from bayesfit.priors import Gamma

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bf.ConvergenceWarning)  # a short run, on purpose
        return bf.PyMCRegression(B.Polynomial(2), priors={"alpha": Gamma(2.0, 2.0)}, chains=2,
                                 draws=30, tune=30, random_seed=0, progressbar=False).fit(x, t)


def _pymc(**kw):
    return bf.PyMCRegression(B.Polynomial(2), progressbar=False, **kw)


est = "PyMCRegression"
array_cases(f"{est}.fit", "X", X2, lambda v: _pymc().fit(v, t), wrong_shape=X3D)
array_cases(f"{est}.fit", "y", t, lambda v: _pymc().fit(x, v), wrong_shape=np.zeros((8, 2)))
_add(f"{est}.fit", "y", "length", lambda: _pymc().fit(x, t[:-1]))
array_cases(f"{est}.fit", "sample_weight", W, lambda v: _pymc().fit(x, t, v),
            wrong_shape=np.ones((8, 2)), skip=("none",))
value_cases(f"{est}.fit", "sample_weight", BAD_WEIGHTS, lambda v: _pymc().fit(x, t, v))
array_cases(f"{est}.fit", "prior_mean", np.zeros(M), lambda v: _pymc(prior_mean=v).fit(x, t),
            wrong_shape=np.zeros(M + 1), skip=("empty", "none"))
for param, bads in {
    "likelihood": {"unknown": "laplace", "none": None},
    "priors": {"list": [1.0], "unknown name": {"lambda": 1.0}, "not a prior": {"alpha": -1.0}},
    "method": {"unknown": "metropolis", "gibbs without weight_prior='laplace'": "gibbs"},
    "weight_prior": {"unknown": "horseshoe", "none": None, "int": 1},
    "draws": BAD_POSITIVE_INT,
    "tune": {"negative": -1, "float": 2.5, "string": "10"},
    "chains": BAD_POSITIVE_INT,
    "cores": {"zero": 0, "float": 1.5},
    "target_accept": {"zero": 0.0, "one": 1.0, "nan": np.nan, "string": "0.9"},
    "random_seed": {"string": "seed", "float": 1.5, "legacy": np.random.RandomState(0)},
    "progressbar": BAD_BOOL,
    "nuts_sampler": {"unknown": "stan"},
    "basis": {"string": "poly:2"},
}.items():
    value_cases(f"{est}.fit", param, bads, lambda v, p=param: _pymc(**{p: v}).fit(x, t))
for method in ("predict", "predictive", "posterior_predictive"):
    array_cases(f"{est}.{method}", "X", X2, lambda v, m=method: getattr(_pymc_fitted(), m)(v),
                wrong_shape=TWO_FEATURES)
for method in ("score", "log_predictive_density"):
    array_cases(f"{est}.{method}", "X", X2,
                lambda v, m=method: getattr(_pymc_fitted(), m)(v, t), wrong_shape=TWO_FEATURES)
    array_cases(f"{est}.{method}", "y", t,
                lambda v, m=method: getattr(_pymc_fitted(), m)(x, v), wrong_shape=t[:-1])
value_cases(f"{est}.log_predictive_density", "reduction", BAD_REDUCTION,
            lambda v: _pymc_fitted().log_predictive_density(x, t, reduction=v))
array_cases(f"{est}.sample_functions", "X", X2, lambda v: _pymc_fitted().sample_functions(v, 2),
            wrong_shape=TWO_FEATURES)
value_cases(f"{est}.sample_functions", "n", {**BAD_POSITIVE_INT, "more than the draws": 61},
            lambda v: _pymc_fitted().sample_functions(x, v))
value_cases(f"{est}.sample_functions", "random_state", BAD_RANDOM_STATE,
            lambda v: _pymc_fitted().sample_functions(x, 2, random_state=v))
value_cases(f"{est}.posterior_predictive", "random_state", BAD_RANDOM_STATE,
            lambda v: _pymc_fitted().posterior_predictive(x, random_state=v))
value_cases(f"{est}.posterior_predictive", "extend_idata", BAD_BOOL,
            lambda v: _pymc_fitted().posterior_predictive(x, extend_idata=v))

# -- FullBayesRegression (the quadrature: no MCMC) and the draw-based extras --------------------


@functools.cache
def _full_fitted():
    return bf.FullBayesRegression(B.Polynomial(2), draws=50, chains=2, random_seed=0).fit(x, t)


def _full(**kw):
    return bf.FullBayesRegression(B.Polynomial(2), **kw)


est = "FullBayesRegression"
array_cases(f"{est}.fit", "X", X2, lambda v: _full().fit(v, t), wrong_shape=X3D)
array_cases(f"{est}.fit", "y", t, lambda v: _full().fit(x, v), wrong_shape=np.zeros((8, 2)))
_add(f"{est}.fit", "y", "length", lambda: _full().fit(x, t[:-1]))
array_cases(f"{est}.fit", "prior_mean", np.zeros(M), lambda v: _full(prior_mean=v).fit(x, t),
            wrong_shape=np.zeros(M + 1), skip=("empty", "none"))
for param, bads in {
    "likelihood": {"unknown": "laplace", "none": None},
    "priors": {"list": [1.0], "unknown name": {"lambda": 1.0}, "not a prior": {"alpha": -1.0}},
    "method": {"unknown": "metropolis", "gibbs without weight_prior='laplace'": "gibbs"},
    "weight_prior": {"unknown": "horseshoe", "none": None, "int": 1},
    "draws": BAD_POSITIVE_INT,
    "chains": BAD_POSITIVE_INT,
    "random_seed": {"string": "seed", "float": 1.5, "legacy": np.random.RandomState(0)},
    "log_likelihood": {"string": "always", "int": 1, "none": None},
    "tune": {"negative": -1},
    "target_accept": {"one": 1.0},
    "nuts_sampler": {"unknown": "stan"},
    "basis": {"string": "poly:2"},
}.items():
    value_cases(f"{est}.fit", param, bads, lambda v, p=param: _full(**{p: v}).fit(x, t))
_add(f"{est}.fit", "method", "quadrature for student_t",
     lambda: _full(method="quadrature", likelihood="student_t").fit(x, t))
# the Bayesian lasso: conjugate Gamma priors under "lambda" and "beta", Gibbs, normal noise
for param, bads in {
    "priors": {"sigma": {"sigma": bf.priors.HalfNormal(1.0)},
               "alpha": {"alpha": bf.priors.Gamma(1.0, 1.0)},
               "lambda not Gamma": {"lambda": bf.priors.HalfCauchy(1.0)},
               "beta not Gamma": {"beta": bf.priors.LogNormal(0.0, 1.0)}},
    "method": {"quadrature": "quadrature", "nuts": "nuts", "collapsed": "collapsed"},
    "likelihood": {"student_t": "student_t"},
    "prior_mean": {"zeros": np.zeros(M)},
}.items():
    value_cases(f"{est}.fit[laplace]", param, bads,
                lambda v, p=param: _full(weight_prior="laplace", **{p: v}).fit(x, t))
for method in ("predict", "predictive", "posterior_predictive"):
    array_cases(f"{est}.{method}", "X", X2, lambda v, m=method: getattr(_full_fitted(), m)(v),
                wrong_shape=TWO_FEATURES)
for method in ("score", "log_predictive_density", "add_log_likelihood"):
    array_cases(f"{est}.{method}", "X", X2,
                lambda v, m=method: getattr(_full_fitted(), m)(v, t), wrong_shape=TWO_FEATURES)
    array_cases(f"{est}.{method}", "y", t,
                lambda v, m=method: getattr(_full_fitted(), m)(x, v), wrong_shape=t[:-1])
value_cases(f"{est}.summary", "level", {"zero": 0.0, "one": 1.0, "nan": np.nan, "string": "0.9"},
            lambda v: _full_fitted().summary(level=v))
value_cases(f"{est}.sample_functions", "n", {**BAD_POSITIVE_INT, "more than the draws": 101},
            lambda v: _full_fitted().sample_functions(x, v))

for est in ("BayesianRegression", "EvidenceRegression", "ARDRegression"):
    fitted = FITTED[est]
    for method in ("loo", "to_arviz"):
        array_cases(f"{est}.{method}", "X", X2, lambda v, f=fitted, m=method: getattr(f, m)(v, t),
                    wrong_shape=TWO_FEATURES)
        array_cases(f"{est}.{method}", "y", t, lambda v, f=fitted, m=method: getattr(f, m)(x, v),
                    wrong_shape=t[:-1])
    value_cases(f"{est}.to_arviz", "draws", BAD_POSITIVE_INT,
                lambda v, f=fitted: f.to_arviz(x, t, draws=v))
    value_cases(f"{est}.to_arviz", "random_seed", BAD_RANDOM_STATE,
                lambda v, f=fitted: f.to_arviz(x, t, random_seed=v))

# -- Predictive and GaussianPosterior --------------------------------------------------------------

PRED = FITTED["BayesianRegression"].predictive(x)
value_cases("Predictive.interval", "level",
            {"zero": 0.0, "one": 1.0, "above": 1.5, "nan": np.nan, "string": "0.9"},
            lambda v: PRED.interval(v))
value_cases("Predictive.sample", "n", BAD_POSITIVE_INT, lambda v: PRED.sample(v))
value_cases("Predictive.sample", "random_state", BAD_RANDOM_STATE,
            lambda v: PRED.sample(2, random_state=v))
array_cases("Predictive", "mean", np.zeros(3), lambda v: bf.Predictive(v, np.ones(3)),
            wrong_shape=np.zeros(4))
array_cases("Predictive", "var", np.ones(3), lambda v: bf.Predictive(np.zeros(3), v),
            wrong_shape=np.ones(4), skip=("inf",))  # an infinite variance is legitimate
value_cases("Predictive", "var", {"negative": -np.ones(3)},
            lambda v: bf.Predictive(np.zeros(3), v))
array_cases("Predictive.log_density", "y", np.zeros(8), lambda v: PRED.log_density(v),
            wrong_shape=np.zeros(5))

POST = GaussianPosterior(np.zeros(2), np.eye(2))
array_cases("GaussianPosterior", "mean", np.zeros(2), lambda v: GaussianPosterior(v, np.eye(2)),
            wrong_shape=np.zeros((2, 2)))
array_cases("GaussianPosterior", "cov", np.eye(2), lambda v: GaussianPosterior(np.zeros(2), v),
            wrong_shape=np.eye(3))
value_cases("GaussianPosterior.sample", "cov", {"not PD": -np.eye(2)},
            lambda v: GaussianPosterior(np.zeros(2), v).sample(2))
value_cases("GaussianPosterior.sample", "n", BAD_POSITIVE_INT, lambda v: POST.sample(v))
value_cases("GaussianPosterior.sample", "random_state", BAD_RANDOM_STATE,
            lambda v: POST.sample(2, random_state=v))
for method in ("predictive_mean", "predictive_var"):
    array_cases(f"GaussianPosterior.{method}", "Phi", np.ones((4, 2)),
                lambda v, m=method: getattr(POST, m)(v), wrong_shape=np.ones((4, 3)))
value_cases("GaussianPosterior.predictive_var", "beta",
            {k: v for k, v in BAD_POSITIVE.items() if k != "none"},
            lambda v: POST.predictive_var(np.ones((4, 2)), beta=v))
value_cases("GaussianPosterior.kl_to", "other",
            {"array": np.zeros(2), "other dimension": GaussianPosterior(np.zeros(3), np.eye(3))},
            lambda v: POST.kl_to(v))

# -- bases -----------------------------------------------------------------------------------------

BASES = {
    "Identity": B.Identity,
    "Polynomial": B.Polynomial,
    "GaussianRBF": lambda: B.GaussianRBF(3),
    "Sigmoidal": lambda: B.Sigmoidal(3),
}
for name, make in BASES.items():
    array_cases(f"{name}.fit", "X", X2, lambda v, k=make: k().fit(v), wrong_shape=X3D)
    array_cases(f"{name}.transform", "X", X2, lambda v, k=make: k().fit(x).transform(v),
                wrong_shape=TWO_FEATURES)
    value_cases(f"{name}.fit", "bias", BAD_BOOL,
                lambda v, k=make: k().set_params(bias=v).fit(x))
value_cases("Polynomial.fit", "degree", {"negative": -1, "float": 1.5, "string": "3"},
            lambda v: B.Polynomial(v).fit(x))
for name, cls, scale in (("GaussianRBF", B.GaussianRBF, "width"),
                         ("Sigmoidal", B.Sigmoidal, "scale")):
    value_cases(f"{name}.fit", "n_centers", {"zero": 0, "float": 2.5, "string": "3"},
                lambda v, c=cls: c(n_centers=v).fit(x))
    value_cases(f"{name}.fit", scale, {k: v for k, v in BAD_POSITIVE.items() if k != "none"},
                lambda v, c=cls, s=scale: c(3, **{s: v}).fit(x))
    array_cases(f"{name}.fit", "centers", np.array([0.0, 0.5, 1.0]),
                lambda v, c=cls: c(centers=v).fit(x), skip=("none", "string"))

# -- info ------------------------------------------------------------------------------------------

P = np.array([0.2, 0.3, 0.5])
Q = np.array([0.25, 0.25, 0.5])
JOINT = np.array([[0.1, 0.2], [0.3, 0.4]])
array_cases("info.entropy", "p", P, info.entropy)
value_cases("info.entropy", "p", {"negative": np.array([-0.2, 0.7, 0.5]),
                                  "sum not one": np.array([0.2, 0.2, 0.2])}, info.entropy)
value_cases("info.entropy", "axis", {"out of bounds": 3}, lambda v: info.entropy(P, axis=v))
value_cases("info.entropy", "base", {"one": 1, "zero": 0, "negative": -2, "string": "e",
                                     "nan": np.nan}, lambda v: info.entropy(P, base=v))
value_cases("info.entropy", "normalize", {"string": "yes"},
            lambda v: info.entropy(P, normalize=v))
array_cases("info.self_information", "p", P, info.self_information)
value_cases("info.self_information", "p", {"above one": np.array([1.5])},
            info.self_information)
for fname in ("cross_entropy", "kl_divergence", "js_divergence"):
    f = getattr(info, fname)
    array_cases(f"info.{fname}", "p", P, lambda v, f=f: f(v, Q))
    array_cases(f"info.{fname}", "q", Q, lambda v, f=f: f(P, v), wrong_shape=Q[:2])
    value_cases(f"info.{fname}", "base", {"one": 1}, lambda v, f=f: f(P, Q, base=v))
for fname in ("mutual_information", "conditional_entropy"):
    f = getattr(info, fname)
    array_cases(f"info.{fname}", "joint", JOINT, f, wrong_shape=P)
    value_cases(f"info.{fname}", "joint", {"negative": -JOINT}, f)
COV = np.array([[2.0, 0.3], [0.3, 1.0]])
array_cases("info.gaussian_entropy", "cov", COV, info.gaussian_entropy,
            wrong_shape=np.ones((2, 3)))
value_cases("info.gaussian_entropy", "cov", {"not PD": -COV}, info.gaussian_entropy)
MU = np.zeros(2)
for i, (name, valid, wrong) in enumerate(
    (("mean0", MU, np.zeros(3)), ("cov0", COV, np.eye(3)), ("mean1", MU, np.zeros(3)),
     ("cov1", COV, np.eye(3)))
):
    def call_kl(v, i=i):
        args = [MU, COV, MU, COV]
        args[i] = v
        return info.gaussian_kl(*args)

    array_cases("info.gaussian_kl", name, valid, call_kl, wrong_shape=wrong)
SAMPLES = np.random.default_rng(0).normal(size=(20, 1))


def _logn(s):
    return -0.5 * s[:, 0] ** 2


value_cases("info.kl_monte_carlo", "logp", {"not callable": 5},
            lambda v: info.kl_monte_carlo(v, _logn, SAMPLES))
value_cases("info.kl_monte_carlo", "logq", {"not callable": "q"},
            lambda v: info.kl_monte_carlo(_logn, v, SAMPLES))
array_cases("info.kl_monte_carlo", "samples", SAMPLES,
            lambda v: info.kl_monte_carlo(_logn, _logn, v), skip=("string", "none"))
value_cases("info.kl_monte_carlo", "samples", {"one draw": SAMPLES[:1]},
            lambda v: info.kl_monte_carlo(_logn, _logn, v))

# -- losses ----------------------------------------------------------------------------------------

Y = np.array([0.5, -1.0, 2.0, 0.0])
Y01 = np.array([1.0, 0.0, 1.0, 0.0])
PROBS = np.array([0.9, 0.2, 0.6, 0.4])
LABELS = np.array([0, 2, 1, 1])
CLASS_P = np.full((4, 3), 1 / 3)
for g in ("", "_grad"):
    for fname, names, valids in (
        ("mse", ("y", "pred"), (Y, Y)),
        ("gaussian_nll", ("y", "mean", "var"), (Y, Y, np.ones(4))),
        ("binary_cross_entropy", ("y", "probs"), (Y01, PROBS)),
        ("bernoulli_nll", ("y", "probs"), (Y01, PROBS)),
        ("categorical_nll", ("labels", "probs"), (LABELS, CLASS_P)),
        ("cross_entropy", ("targets", "logits"), (LABELS, np.zeros((4, 3)))),
    ):
        f = getattr(losses, fname + g)
        for i, name in enumerate(names):
            def call_loss(v, f=f, i=i, valids=valids):
                args = list(valids)
                args[i] = v
                return f(*args)

            wrong = valids[i][:3]  # fewer samples than the other argument
            array_cases(f"losses.{fname}{g}", name, valids[i], call_loss, wrong_shape=wrong)
        value_cases(f"losses.{fname}{g}", "reduction", BAD_REDUCTION,
                    lambda v, f=f, valids=valids: f(*valids, reduction=v))
    entry = f"losses.gaussian_nll{g}"
    f = getattr(losses, "gaussian_nll" + g)
    value_cases(entry, "var", {"zero": np.zeros(4), "negative": -np.ones(4)},
                lambda v, f=f: f(Y, Y, v))
    value_cases(entry, "beta", {k: v for k, v in BAD_POSITIVE.items() if k != "none"},
                lambda v, f=f: f(Y, Y, beta=v))
    _add(entry, "var", "and beta", lambda f=f: f(Y, Y, np.ones(4), beta=1.0), "beta")
    _add(entry, "var", "nor beta", lambda f=f: f(Y, Y), "beta")
    f = getattr(losses, "binary_cross_entropy" + g)
    value_cases(f"losses.binary_cross_entropy{g}", "probs", {"above one": PROBS + 0.5},
                lambda v, f=f: f(Y01, v))
    value_cases(f"losses.binary_cross_entropy{g}", "y", {"above one": Y01 + 1.0},
                lambda v, f=f: f(v, PROBS))
    array_cases(f"losses.binary_cross_entropy{g}", "logits", np.zeros(4),
                lambda v, f=f: f(Y01, logits=v), wrong_shape=np.zeros(3))
    _add(f"losses.binary_cross_entropy{g}", "logits", "and probs",
         lambda f=f: f(Y01, PROBS, logits=np.zeros(4)), "logits")
    f = getattr(losses, "bernoulli_nll" + g)
    value_cases(f"losses.bernoulli_nll{g}", "y", {"not 0/1": np.array([0.5, 1, 0, 1])},
                lambda v, f=f: f(v, PROBS))
    f = getattr(losses, "categorical_nll" + g)
    value_cases(f"losses.categorical_nll{g}", "labels",
                {"out of range": np.array([0, 3, 1, 1]), "float": LABELS.astype(float)},
                lambda v, f=f: f(v, CLASS_P))
    value_cases(f"losses.categorical_nll{g}", "probs", {"rows not summing to one": CLASS_P / 2},
                lambda v, f=f: f(LABELS, v))
    f = getattr(losses, "cross_entropy" + g)
    value_cases(f"losses.cross_entropy{g}", "targets", {"out of range": np.array([0, 3, 1, 1])},
                lambda v, f=f: f(v, np.zeros((4, 3))))
    value_cases(f"losses.cross_entropy{g}", "label_smoothing",
                {"negative": -0.1, "above one": 1.5, "nan": np.nan, "string": "0.1"},
                lambda v, f=f: f(LABELS, np.zeros((4, 3)), label_smoothing=v))

# -- nn: activations, MLP, optimizers --------------------------------------------------------------

Z = np.array([[0.5, -1.0, 2.0], [0.0, 1.0, -2.0]])
# The activations are elementwise like NumPy ufuncs (sigmoid(inf) = 1, NaN in gives NaN out,
# empty in gives empty out): the MLP relies on that to report a diverging loss as a
# FloatingPointError. Only the type and dtype checks apply.
UFUNC = ("nan", "inf", "-inf", "empty")
for fname in ("sigmoid", "tanh", "relu", "leaky_relu", "softmax", "log_softmax"):
    f = getattr(nn, fname)
    fg = getattr(nn, fname + "_grad")
    array_cases(f"nn.{fname}", "z", Z, f, skip=UFUNC)
    array_cases(f"nn.{fname}_grad", "z", Z, lambda v, fg=fg: fg(v, np.ones_like(Z)), skip=UFUNC)
    array_cases(f"nn.{fname}_grad", "grad_output", np.ones_like(Z), lambda v, fg=fg: fg(Z, v),
                wrong_shape=np.ones((2, 2)), skip=("none", *UFUNC))
for f in (nn.softmax, nn.log_softmax):
    value_cases(f"nn.{f.__name__}", "axis", {"out of bounds": 2},
                lambda v, f=f: f(Z, axis=v))
value_cases("nn.leaky_relu", "negative_slope", {"negative": -0.1, "nan": np.nan, "string": "a"},
            lambda v: nn.leaky_relu(Z, negative_slope=v))

XN = np.random.default_rng(1).normal(size=(10, 2))
YN = XN[:, 0] - XN[:, 1]


def _mlp(**kw):
    return nn.MLP([2, 4, 1], random_state=0, **kw)


value_cases("nn.MLP", "layer_sizes", {"one layer": [2], "zero width": [2, 0, 1],
                                      "string": "2-4-1", "float": [2, 4.5, 1]},
            lambda v: nn.MLP(v))
value_cases("nn.MLP", "activation", {"unknown": "swish"}, lambda v: nn.MLP([2, 1], activation=v))
value_cases("nn.MLP", "output", {"unknown": "exp"}, lambda v: nn.MLP([2, 1], output=v))
value_cases("nn.MLP", "loss", {"unknown": "hinge"}, lambda v: nn.MLP([2, 1], loss=v))
value_cases("nn.MLP", "weight_decay", {"negative": -1.0, "nan": np.nan, "string": "0"},
            lambda v: nn.MLP([2, 1], weight_decay=v))
value_cases("nn.MLP", "random_state", {"string": "0", "float": 1.5},
            lambda v: nn.MLP([2, 1], random_state=v))
value_cases("nn.MLP", "l1", {"negative": -0.1, "nan": np.nan, "string": "0"},
            lambda v: nn.MLP([2, 1], l1=v))
value_cases("nn.MLP", "dropout", {"one": 1.0, "negative": -0.1, "nan": np.nan, "string": "0.5",
                                  "too many rates": [0.1, 0.2], "a rate above 1": [1.5]},
            lambda v: nn.MLP([2, 4, 1], dropout=v))
for method in ("objective", "objective_and_grads"):
    value_cases(f"nn.MLP.{method}", "masks",
                {"not a list": np.ones((10, 4)), "wrong shape": [np.ones((10, 3))],
                 "nan": [np.full((10, 4), np.nan)]},
                lambda v, m=method: getattr(_mlp(dropout=0.5), m)(XN, YN, masks=v))
value_cases("nn.MLP.dropout_masks", "random_state", BAD_RANDOM_STATE,
            lambda v: _mlp(dropout=0.5).dropout_masks(XN, random_state=v))
array_cases("nn.MLP.dropout_masks", "X", XN, lambda v: _mlp(dropout=0.5).dropout_masks(v),
            wrong_shape=np.zeros((10, 3)))
for method in ("fit", "objective", "objective_and_grads"):
    array_cases(f"nn.MLP.{method}", "X", XN,
                lambda v, m=method: getattr(_mlp(), m)(v, YN, **({"progress": False}
                                                                 if m == "fit" else {})),
                wrong_shape=np.zeros((10, 3)))
    array_cases(f"nn.MLP.{method}", "y", YN,
                lambda v, m=method: getattr(_mlp(), m)(XN, v, **({"progress": False}
                                                                 if m == "fit" else {})),
                wrong_shape=YN[:-1])
for method in ("predict", "forward"):
    array_cases(f"nn.MLP.{method}", "X", XN, lambda v, m=method: getattr(_mlp(), m)(v),
                wrong_shape=np.zeros((10, 3)))
for param, bads in {
    "epochs": BAD_POSITIVE_INT,
    "batch_size": {k: v for k, v in BAD_POSITIVE_INT.items() if k != "none"},
    "shuffle": BAD_BOOL,
    "progress": {"string": "yes"},
    "optimizer": {"unknown": "lbfgs", "int": 3},
    "random_state": BAD_RANDOM_STATE,
    "validation_data": {"single array": XN, "triple": (XN, YN, YN)},
    "callbacks": {"not callable": [5]},
}.items():
    value_cases("nn.MLP.fit", param, bads,
                lambda v, p=param: _mlp().fit(XN, YN, **{"progress": False, p: v}))
value_cases("nn.MLP.predict", "return_std", {"without gaussian_nll": True},
            lambda v: _mlp().predict(XN, return_std=v))
value_cases("nn.MLP.predict_proba", "loss", {"mse": None}, lambda v: _mlp().predict_proba(XN))
value_cases("nn.gradient_check", "eps", {"zero": 0.0, "negative": -1e-4, "nan": np.nan},
            lambda v: nn.gradient_check(_mlp(), XN, YN, eps=v))
value_cases("nn.prior_weight_decay", "alpha", BAD_POSITIVE, lambda v: nn.prior_weight_decay(v, 10))
value_cases("nn.prior_weight_decay", "n_samples", BAD_POSITIVE_INT,
            lambda v: nn.prior_weight_decay(1.0, v))
value_cases("nn.prior_weight_decay", "beta", {k: v for k, v in BAD_POSITIVE.items()
                                             if k != "none"},
            lambda v: nn.prior_weight_decay(1.0, 10, beta=v))
value_cases("nn.EarlyStopping", "monitor", {"unknown": "acc"}, lambda v: nn.EarlyStopping(v))
value_cases("nn.EarlyStopping", "patience", BAD_POSITIVE_INT,
            lambda v: nn.EarlyStopping(patience=v))
value_cases("nn.EarlyStopping", "min_delta", {"negative": -1.0, "nan": np.nan},
            lambda v: nn.EarlyStopping(min_delta=v))
value_cases("nn.EarlyStopping", "restore_best", BAD_BOOL,
            lambda v: nn.EarlyStopping(restore_best=v))
for cls in (optim.SGD, optim.Momentum, optim.Adagrad, optim.RMSProp, optim.Adam):
    value_cases(f"optim.{cls.__name__}", "learning_rate",
                {k: v for k, v in BAD_POSITIVE.items() if k != "none"},
                lambda v, c=cls: c(learning_rate=v))
value_cases("optim.Momentum", "momentum", {"one": 1.0, "negative": -0.1},
            lambda v: optim.Momentum(momentum=v))
value_cases("optim.Momentum", "nesterov", BAD_BOOL, lambda v: optim.Momentum(nesterov=v))
value_cases("optim.RMSProp", "rho", {"one": 1.0, "negative": -0.1},
            lambda v: optim.RMSProp(rho=v))
for param in ("beta1", "beta2"):
    value_cases("optim.Adam", param, {"one": 1.0, "negative": -0.1},
                lambda v, p=param: optim.Adam(**{p: v}))
for cls in (optim.Adagrad, optim.RMSProp, optim.Adam):
    value_cases(f"optim.{cls.__name__}", "eps", {"negative": -1.0, "zero": 0.0},
                lambda v, c=cls: c(eps=v))
BAD_DECAY = {"zero": 0.0, "above one": 1.5, "nan": np.nan, "string": "0.5", "none": None}
value_cases("schedules.StepDecay", "initial_rate", BAD_POSITIVE,
            lambda v: nn.schedules.StepDecay(v, step_size=2))
value_cases("schedules.StepDecay", "gamma", BAD_DECAY,
            lambda v: nn.schedules.StepDecay(0.1, step_size=2, gamma=v))
value_cases("schedules.ExponentialDecay", "initial_rate", BAD_POSITIVE,
            lambda v: nn.schedules.ExponentialDecay(v, gamma=0.5))
value_cases("schedules.ExponentialDecay", "gamma", BAD_DECAY,
            lambda v: nn.schedules.ExponentialDecay(0.1, gamma=v))
value_cases("schedules.CosineDecay", "initial_rate", BAD_POSITIVE,
            lambda v: nn.schedules.CosineDecay(v, total_steps=10))
value_cases("schedules.StepDecay", "step_size", BAD_POSITIVE_INT,
            lambda v: nn.schedules.StepDecay(0.1, step_size=v))
value_cases("schedules.CosineDecay", "total_steps", BAD_POSITIVE_INT,
            lambda v: nn.schedules.CosineDecay(0.1, total_steps=v))
value_cases("schedules.CosineDecay", "final_rate",
            {"negative": -1.0, "nan": np.nan, "above initial_rate": 0.2, "string": "0"},
            lambda v: nn.schedules.CosineDecay(0.1, 10, final_rate=v))
value_cases("optim.SGD", "learning_rate", {"not callable": [0.1]},
            lambda v: optim.SGD(learning_rate=v))
value_cases("optim.SGD.step", "learning_rate",
            {"schedule gives nan": lambda t: np.nan, "schedule gives negative": lambda t: -1.0,
             "schedule gives a string": lambda t: "0.1"},
            lambda v: optim.SGD(learning_rate=v).step([np.ones(3)], [np.ones(3)]))
PARAMS = {"w": np.ones(3)}
array_cases("optim.SGD.step", "grads", np.ones(3),
            lambda v: optim.SGD().step({"w": np.ones(3)}, {"w": v}),
            wrong_shape=np.ones(4), skip=("none", "string", "empty"))
value_cases("optim.SGD.step", "grads", {"other keys": {"v": np.ones(3)}, "not a dict": 3},
            lambda v: optim.SGD().step({"w": np.ones(3)}, v))

# -- the classification ladder ---------------------------------------------------------------------

labels = np.array([0, 1, 0, 1, 1, 0, 1, 0])
Xc = np.c_[x, x[::-1] ** 2]
CLASSIFIERS = {
    "MLEClassifier": lambda **kw: bf.MLEClassifier(**kw),
    "MAPClassifier": lambda **kw: bf.MAPClassifier(**kw),
    "BayesianClassifier": lambda **kw: bf.BayesianClassifier(**kw),
    "EvidenceClassifier": lambda **kw: bf.EvidenceClassifier(**kw),
    "FullBayesClassifier": lambda **kw: bf.FullBayesClassifier(progressbar=False, **kw),
}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", bf.BayesfitWarning)  # 8 points: the MLE separates them
    FITTED_CLASSIFIERS = {name: make().fit(Xc, labels) for name, make in CLASSIFIERS.items()
                          if name != "FullBayesClassifier"}
for est, make in CLASSIFIERS.items():
    entry = f"{est}.fit"
    array_cases(entry, "X", Xc, lambda v, k=make: k().fit(v, labels), wrong_shape=X3D)
    array_cases(entry, "y", labels, lambda v, k=make: k().fit(Xc, v),
                wrong_shape=np.zeros((8, 2)), skip=("bool",))  # boolean labels are labels
    _add(entry, "y", "length", lambda k=make: k().fit(Xc, labels[:-1]))
    _add(entry, "y", "one class", lambda k=make: k().fit(Xc, np.zeros(8, int)))
    _add(entry, "y", "continuous", lambda k=make: k().fit(Xc, t))
    array_cases(entry, "sample_weight", np.ones(8),
                lambda v, k=make: k().fit(Xc, labels, sample_weight=v),
                wrong_shape=np.ones(7), skip=("none",))
    value_cases(entry, "sample_weight", {"negative": -np.ones(8), "all zero": np.zeros(8),
                                         "one class": labels.astype(float)},
                lambda v, k=make: k().fit(Xc, labels, sample_weight=v))
    value_cases(entry, "basis", {"string": "poly:3", "class": B.Polynomial},
                lambda v, k=make: k(basis=v).fit(Xc, labels))
for est in ("MLEClassifier", "MAPClassifier", "BayesianClassifier", "EvidenceClassifier"):
    for param, bads in {"max_iter": BAD_POSITIVE_INT, "tol": BAD_POSITIVE}.items():
        value_cases(f"{est}.fit", param, bads,
                    lambda v, e=est, p=param: CLASSIFIERS[e](**{p: v}).fit(Xc, labels))
    fitted = FITTED_CLASSIFIERS[est]
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        array_cases(f"{est}.{method}", "X", Xc, lambda v, f=fitted, m=method: getattr(f, m)(v),
                    wrong_shape=np.zeros((8, 3)))
    array_cases(f"{est}.score", "X", Xc, lambda v, f=fitted: f.score(v, labels),
                wrong_shape=np.zeros((8, 3)))
    _add(f"{est}.score", "y", "length", lambda f=fitted: f.score(Xc, labels[:-1]))
    value_cases(f"{est}.summary", "level", {"zero": 0.0, "one": 1.0, "nan": np.nan,
                                            "string": "0.9"},
                lambda v, f=fitted: f.summary(level=v))
for est in ("MAPClassifier", "BayesianClassifier"):
    value_cases(f"{est}.fit", "alpha", BAD_POSITIVE,
                lambda v, e=est: CLASSIFIERS[e](alpha=v).fit(Xc, labels))
for est in ("BayesianClassifier", "EvidenceClassifier"):
    value_cases(f"{est}.fit", "n_draws", BAD_POSITIVE_INT,
                lambda v, e=est: CLASSIFIERS[e](n_draws=v).fit(Xc, labels))
    value_cases(f"{est}.fit", "random_state", {"string": "seed", "float": 1.5},
                lambda v, e=est: CLASSIFIERS[e](random_state=v).fit(Xc, labels))
value_cases("EvidenceClassifier.fit", "alpha_init",
            {k: v for k, v in BAD_POSITIVE.items() if k != "none"},
            lambda v: bf.EvidenceClassifier(alpha_init=v).fit(Xc, labels))
value_cases("EvidenceClassifier.fit", "global_search", BAD_BOOL,
            lambda v: bf.EvidenceClassifier(global_search=v).fit(Xc, labels))
for param, bads in {
    "alpha_prior": {"float": 1.0, "string": "gamma"},
    "draws": BAD_POSITIVE_INT,
    "tune": {"negative": -1, "float": 2.5, "string": "10"},
    "chains": BAD_POSITIVE_INT,
    "cores": {"zero": 0, "float": 1.5},
    "target_accept": {"zero": 0.0, "one": 1.0, "nan": np.nan, "string": "0.9"},
    "random_seed": {"string": "seed", "float": 1.5, "legacy": np.random.RandomState(0)},
    "progressbar": BAD_BOOL,
    "nuts_sampler": {"unknown": "stan"},
}.items():
    value_cases("FullBayesClassifier.fit", param, bads,
                lambda v, p=param: bf.FullBayesClassifier(**{p: v}).fit(Xc, labels))

PROBA = np.c_[1.0 - np.linspace(0.1, 0.9, 8), np.linspace(0.1, 0.9, 8)]
for fn in (bf.classify.calibration_bins, bf.classify.expected_calibration_error):
    entry = f"classify.{fn.__name__}"
    array_cases(entry, "proba", PROBA, lambda v, f=fn: f(labels, v), wrong_shape=PROBA[:-1],
                skip=("bool",))
    value_cases(entry, "proba", {"not probabilities": PROBA * 2, "rows not summing to 1":
                                 PROBA * 0.5, "one column": PROBA[:, :1]},
                lambda v, f=fn: f(labels, v))
    value_cases(entry, "y", {"length": labels[:-1], "2-D": labels[:, None] * np.ones(2),
                             "nan": labels.astype(float) * np.nan},
                lambda v, f=fn: f(v, PROBA))
    value_cases(entry, "classes", {"too few": [0], "2-D": [[0, 1]]},
                lambda v, f=fn: f(labels, PROBA, classes=v))
    value_cases(entry, "n_bins", BAD_POSITIVE_INT, lambda v, f=fn: f(labels, PROBA, n_bins=v))

# -- datasets, streaming, compare ------------------------------------------------------------------

for fname in ("sinusoid", "linear"):
    f = getattr(bf.datasets, fname)
    value_cases(f"datasets.{fname}", "n", BAD_POSITIVE_INT, lambda v, f=f: f(v))
    value_cases(f"datasets.{fname}", "noise", {"negative": -0.1, "nan": np.nan, "string": "0.3"},
                lambda v, f=f: f(5, noise=v))
    value_cases(f"datasets.{fname}", "seed", BAD_RANDOM_STATE, lambda v, f=f: f(5, seed=v))
value_cases("datasets.linear", "coef", {"one number": (0.5,), "strings": ("a", "b"),
                                        "nan": (np.nan, 1.0)},
            lambda v: bf.datasets.linear(5, coef=v))
value_cases("datasets.sinusoid", "evenly_spaced", BAD_BOOL,
            lambda v: bf.datasets.sinusoid(5, evenly_spaced=v))
array_cases("datasets.sinusoid_fn", "x", x, bf.datasets.sinusoid_fn, skip=UFUNC)  # elementwise

value_cases("streaming.iter_array_chunks", "chunksize", BAD_POSITIVE_INT,
            lambda v: list(bf.streaming.iter_array_chunks(x, t, chunksize=v)))
_add("streaming.iter_array_chunks", "y", "length",
     lambda: list(bf.streaming.iter_array_chunks(x, t[:-1])))
_add("streaming.iter_array_chunks", "sample_weight", "length",
     lambda: list(bf.streaming.iter_array_chunks(x, t, sample_weight=W[:-1])))


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalogue") / "d.csv"
    path.write_text("x,t\n0,1\n1,2\n")
    return path


CSV_CASES = {
    "x:int": (dict(x=5, y="t"), "x"),
    "y:list": (dict(x="x", y=["t"]), "y"),
    "x:missing column": (dict(x="nope", y="t"), "nope"),
    "chunksize:zero": (dict(x="x", y="t", chunksize=0), "chunksize"),
    "sample_weight:int": (dict(x="x", y="t", sample_weight=1), "sample_weight"),
    "sample_weight:missing column": (dict(x="x", y="t", sample_weight="w"), "w"),
}

DATA = (x, t, x, t)
for i, name in enumerate(("x", "t", "x_test", "t_test")):
    def call_compare(v, i=i):
        args = list(DATA)
        args[i] = v
        return bf.compare_estimators(*args, degrees=[1])

    array_cases("compare_estimators", name, DATA[i], call_compare,
                wrong_shape=TWO_FEATURES if name.startswith("x") else t[:-1],
                names="x_test" if name.startswith("x_") else ("t_test" if name.startswith("t_")
                                                               else name))
for param, bads in {
    "degrees": {"negative": [-1], "empty": [], "float": [1.5], "string": "0-9"},
    "alpha": BAD_POSITIVE,
    "beta": BAD_POSITIVE,
    "methods": {"unknown": ["bogus"], "empty": []},
    "pymc_options": {"list": [1]},
}.items():
    value_cases("compare_estimators", param, bads,
                lambda v, p=param: bf.compare_estimators(*DATA, **{"degrees": [1], p: v}))

for i, name in enumerate(("x", "t", "x_test", "t_test")):
    def call_sweep(v, i=i):
        args = list(DATA)
        args[i] = v
        return bf.compare.lambda_sweep(*args, log_lambdas=[0.0])

    array_cases("compare.lambda_sweep", name, DATA[i], call_sweep,
                wrong_shape=TWO_FEATURES if name.startswith("x") else t[:-1],
                names="x_test" if name.startswith("x_") else ("t_test" if name.startswith("t_")
                                                               else name))
value_cases("compare.lambda_sweep", "degree", {"negative": -1, "float": 2.5, "string": "3"},
            lambda v: bf.compare.lambda_sweep(*DATA, degree=v))
value_cases("compare.lambda_sweep", "log_lambdas", {"empty": [], "nan": [np.nan], "2-D": [[0.0]]},
            lambda v: bf.compare.lambda_sweep(*DATA, log_lambdas=v))
for i, name in enumerate(("x", "t")):
    def call_sequential(v, i=i):
        args = [x, t]
        args[i] = v
        return bf.compare.sequential_posteriors(*args, steps=(0, 1))

    array_cases("compare.sequential_posteriors", name, (x, t)[i], call_sequential,
                wrong_shape=TWO_FEATURES if name == "x" else t[:-1])
for param, bads in {
    "alpha": BAD_POSITIVE,
    "beta": BAD_POSITIVE,
    "steps": {"too many": (0, len(x) + 1), "negative": (-1,), "float": (1.5,), "empty": ()},
}.items():
    value_cases("compare.sequential_posteriors", param, bads,
                lambda v, p=param: bf.compare.sequential_posteriors(x, t, **{p: v}))

value_cases("datasets.overlapping_clusters", "n", BAD_POSITIVE_INT,
            lambda v: bf.datasets.overlapping_clusters(v))
value_cases("datasets.overlapping_clusters", "separation",
            {"negative": -1.0, "nan": np.nan, "string": "3"},
            lambda v: bf.datasets.overlapping_clusters(10, separation=v))
value_cases("datasets.overlapping_clusters", "seed", BAD_RANDOM_STATE,
            lambda v: bf.datasets.overlapping_clusters(10, seed=v))
CDATA = (Xc, labels, Xc, labels)
for i, name in enumerate(("X", "y", "X_test", "y_test")):
    def call_compare_classifiers(v, i=i):
        args = list(CDATA)
        args[i] = v
        return bf.compare_classifiers(*args, methods=["map"])

    if name.startswith("X"):
        array_cases("compare_classifiers", name, Xc, call_compare_classifiers,
                    wrong_shape=X3D)
    else:
        value_cases("compare_classifiers", name, {"length": labels[:-1], "none": None,
                                                  "nan": labels * np.nan},
                    call_compare_classifiers)
for param, bads in {
    "alpha": BAD_POSITIVE,
    "methods": {"unknown": ["bogus"], "empty": []},
    "n_bins": BAD_POSITIVE_INT,
    "fullbayes_options": {"list": [1]},
}.items():
    value_cases("compare_classifiers", param, bads,
                lambda v, p=param: bf.compare_classifiers(*CDATA, **{"methods": ["map"], p: v}))


# -- the tests -------------------------------------------------------------------------------------


def _names(message: str, name: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", message) is not None


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_raises_naming_the_argument(case):
    with pytest.raises((ValueError, TypeError)) as info_:
        case.call()
    assert _names(str(info_.value), case.name), f"{case.id}: {info_.value}"


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_read_csv_chunks_bad_arguments(case, csv_path):
    kwargs, name = CSV_CASES[case]
    with pytest.raises((ValueError, TypeError)) as info_:
        list(bf.streaming.read_csv_chunks(csv_path, **kwargs))
    assert _names(str(info_.value), name), str(info_.value)


def test_nothing_is_half_written_by_a_rejected_partial_fit():
    model = bf.BayesianRegression(B.Polynomial(2)).fit(x, t)
    before = model.stats_
    with pytest.raises(ValueError, match="y contains NaN"):
        model.partial_fit(x, _with(t, np.nan))
    assert model.stats_ is before


def _public_entry_points() -> set[str]:
    """Every public function of the data modules, and fit of every estimator (from __all__)."""
    import importlib
    import inspect

    expected = set()
    for module_name in ("info", "losses", "datasets", "streaming", "compare"):
        module = importlib.import_module(f"bayesfit.{module_name}")
        expected |= {f"{module_name}.{n}" for n in module.__all__
                     if inspect.isfunction(getattr(module, n))}
    expected |= {f"{n}.fit" for n in bf.__all__
                 if inspect.isclass(getattr(bf, n)) and hasattr(getattr(bf, n), "fit")}
    return expected


def test_catalogue_covers_every_public_entry_point():
    entries = {c.id.split(":")[0] for c in CASES} | {"streaming.read_csv_chunks"}  # CSV_CASES
    entries |= {f"compare.{e}" for e in entries if "." not in e}  # compare_estimators
    missing = sorted(_public_entry_points() - entries)
    assert missing == [], f"public entry points without bad-input cases: {missing}"
    print(f"\nbad-input catalogue: {len(CASES) + len(CSV_CASES)} cases over "
          f"{len({c.id.split(':')[0] for c in CASES}) + 1} entry points")


def test_predictive_accepts_an_infinite_variance():
    # Student-t noise with nu <= 2 has infinite variance: a valid (if useless) predictive.
    p = bf.Predictive(np.zeros(2), np.array([1.0, np.inf]))
    assert np.isinf(p.std[1]) and np.isinf(p.interval(0.9)[1][1])
