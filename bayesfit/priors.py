r"""Typed hyperpriors for :class:`~bayesfit.pymc_models.PyMCRegression`.

Each prior is a small frozen object that checks its parameters when it is made, knows how to
make its PyMC variable (:meth:`Prior.to_pymc`, importing PyMC only then) and its SciPy twin
(:meth:`Prior.to_scipy`, used for prior draws, by the quadrature of
:class:`~bayesfit.FullBayesRegression` and as the independent reference in tests), and gives
the derivative of its log density (:meth:`Prior.dlogpdf`, for that quadrature's mode search).
All of them live on :math:`(0, \infty)`: they are priors for precisions, scales and degrees of
freedom.

==========================  =================================================  ==============
prior                       density on :math:`x > 0`                           PyMC
==========================  =================================================  ==============
``Gamma(a, b)``             :math:`b^a x^{a-1} e^{-b x} / \Gamma(a)` (rate b)  ``pm.Gamma``
``Exponential(rate)``       :math:`\lambda e^{-\lambda x}`                     ``pm.Exponential``
``HalfNormal(scale)``       :math:`\sqrt{2/\pi}\, s^{-1} e^{-x^2/2s^2}`        ``pm.HalfNormal``
``HalfCauchy(scale)``       :math:`2 / (\pi s (1 + x^2/s^2))`                  ``pm.HalfCauchy``
``LogNormal(mu, sigma)``    :math:`\ln x \sim \mathcal N(\mu, \sigma^2)`        ``pm.LogNormal``
==========================  =================================================  ==============

The names follow PRML (appendix B): ``Gamma(a, b)`` has shape ``a`` and *rate* ``b``, mean
:math:`a/b`, as in the conjugate prior of a precision (PRML eq. 2.146).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

import numpy as np
import scipy.stats

from bayesfit._validation import POSITIVE, Interval, check_random_state, check_value

__all__ = [
    "DEFAULT_PRIORS",
    "LASSO_PRIORS",
    "Exponential",
    "Gamma",
    "HalfCauchy",
    "HalfNormal",
    "LogNormal",
    "Prior",
    "from_dict",
    "resolve_priors",
]

_REAL = Interval(numbers.Real)


@dataclass(frozen=True)
class Prior:
    """Base class: parameter checks on construction, PyMC and SciPy forms.

    Subclasses are frozen dataclasses whose fields are the parameters; ``_constraints``
    maps each field to the :class:`~bayesfit._validation.Interval` it must lie in, and
    ``_pymc_name`` names the PyMC distribution.
    """

    _constraints: ClassVar[dict[str, Interval]] = {}
    _pymc_name: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            check_value(
                f"{type(self).__name__}: parameter {f.name!r}", value, self._constraints[f.name]
            )
            object.__setattr__(self, f.name, float(value))

    def _pymc_kwargs(self) -> dict[str, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_pymc(self, name: str, **kwargs: Any) -> Any:
        """Return a PyMC random variable ``name`` with this distribution.

        Must be called inside a ``pm.Model`` context; ``kwargs`` (``initval=``, ``dims=``)
        go to the PyMC constructor.

        Returns
        -------
        pytensor.tensor.TensorVariable
        """
        import pymc as pm  # only here: `import bayesfit` must not import PyMC

        return getattr(pm, self._pymc_name)(name, **self._pymc_kwargs(), **kwargs)

    def to_scipy(self) -> Any:  # pragma: no cover - abstract
        """Return the equal :mod:`scipy.stats` frozen distribution."""
        raise NotImplementedError

    def dlogpdf(self, x: Any) -> Any:  # pragma: no cover - abstract
        r"""Return :math:`\frac{d}{dx} \ln p(x)` at ``x > 0`` (NumPy arrays or floats)."""
        raise NotImplementedError

    def sample(self, n: int, random_state: Any = None) -> Any:
        """Draw ``n`` values (a NumPy array of shape ``(n,)``) from the prior.

        Parameters
        ----------
        n : int
        random_state : None, int or numpy.random.Generator
        """
        return self.to_scipy().rvs(size=n, random_state=check_random_state(random_state))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict; :func:`from_dict` rebuilds the prior."""
        return {"class": type(self).__name__, **asdict(self)}


@dataclass(frozen=True)
class Gamma(Prior):
    r"""Gamma prior with shape ``a`` and rate ``b``: mean :math:`a/b`, variance :math:`a/b^2`.

    Examples
    --------
    >>> from bayesfit.priors import Gamma
    >>> Gamma(2.0, 0.5).to_scipy().mean()
    np.float64(4.0)
    """

    a: float
    b: float

    _constraints: ClassVar[dict[str, Interval]] = {"a": POSITIVE, "b": POSITIVE}
    _pymc_name: ClassVar[str] = "Gamma"

    def _pymc_kwargs(self) -> dict[str, float]:
        return {"alpha": self.a, "beta": self.b}

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.gamma(a, scale=1/b)``."""
        return scipy.stats.gamma(self.a, scale=1.0 / self.b)

    def dlogpdf(self, x: Any) -> Any:
        r"""Return :math:`(a - 1)/x - b`."""
        return (self.a - 1.0) / x - self.b


@dataclass(frozen=True)
class Exponential(Prior):
    r"""Exponential prior with rate :math:`\lambda` (mean :math:`1/\lambda`).

    Examples
    --------
    >>> from bayesfit.priors import Exponential
    >>> Exponential(0.5).to_scipy().mean()
    np.float64(2.0)
    """

    rate: float

    _constraints: ClassVar[dict[str, Interval]] = {"rate": POSITIVE}
    _pymc_name: ClassVar[str] = "Exponential"

    def _pymc_kwargs(self) -> dict[str, float]:
        return {"lam": self.rate}

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.expon(scale=1/rate)``."""
        return scipy.stats.expon(scale=1.0 / self.rate)

    def dlogpdf(self, x: Any) -> Any:
        r"""Return :math:`-\lambda` (at every ``x``)."""
        return 0.0 * x - self.rate


@dataclass(frozen=True)
class HalfNormal(Prior):
    r"""Half-normal prior: :math:`|z|`, :math:`z \sim \mathcal N(0, s^2)`.

    Examples
    --------
    >>> from bayesfit.priors import HalfNormal
    >>> round(float(HalfNormal(1.0).to_scipy().mean()), 4)
    0.7979
    """

    scale: float

    _constraints: ClassVar[dict[str, Interval]] = {"scale": POSITIVE}
    _pymc_name: ClassVar[str] = "HalfNormal"

    def _pymc_kwargs(self) -> dict[str, float]:
        return {"sigma": self.scale}

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.halfnorm(scale=scale)``."""
        return scipy.stats.halfnorm(scale=self.scale)

    def dlogpdf(self, x: Any) -> Any:
        r"""Return :math:`-x / s^2`."""
        return -x / self.scale**2


@dataclass(frozen=True)
class HalfCauchy(Prior):
    r"""Half-Cauchy prior with scale :math:`s` (Gelman 2006's default for a scale).

    Examples
    --------
    >>> from bayesfit.priors import HalfCauchy
    >>> float(HalfCauchy(2.0).to_scipy().median())
    2.0
    """

    scale: float

    _constraints: ClassVar[dict[str, Interval]] = {"scale": POSITIVE}
    _pymc_name: ClassVar[str] = "HalfCauchy"

    def _pymc_kwargs(self) -> dict[str, float]:
        return {"beta": self.scale}

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.halfcauchy(scale=scale)``."""
        return scipy.stats.halfcauchy(scale=self.scale)

    def dlogpdf(self, x: Any) -> Any:
        r"""Return :math:`-2x / (s^2 + x^2)`."""
        return -2.0 * x / (self.scale**2 + x * x)


@dataclass(frozen=True)
class LogNormal(Prior):
    r"""Log-normal prior: :math:`\ln x \sim \mathcal N(\mu, \sigma^2)`.

    A small ``sigma`` pins the hyperparameter near :math:`e^\mu` (used to recover the
    fixed-:math:`\alpha, \beta` posterior of :class:`~bayesfit.BayesianRegression`).

    Examples
    --------
    >>> import math
    >>> from bayesfit.priors import LogNormal
    >>> float(LogNormal(math.log(3.0), 0.1).to_scipy().median())
    3.0
    """

    mu: float
    sigma: float

    _constraints: ClassVar[dict[str, Interval]] = {"mu": _REAL, "sigma": POSITIVE}
    _pymc_name: ClassVar[str] = "LogNormal"

    def _pymc_kwargs(self) -> dict[str, float]:
        return {"mu": self.mu, "sigma": self.sigma}

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.lognorm(s=sigma, scale=exp(mu))``."""
        return scipy.stats.lognorm(s=self.sigma, scale=math.exp(self.mu))

    def dlogpdf(self, x: Any) -> Any:
        r"""Return :math:`-(1 + (\ln x - \mu)/\sigma^2) / x`."""
        return -(1.0 + (np.log(x) - self.mu) / self.sigma**2) / x


_CLASSES: dict[str, type[Prior]] = {
    cls.__name__: cls for cls in (Gamma, Exponential, HalfNormal, HalfCauchy, LogNormal)
}

#: The default hyperpriors (see ``docs/full-bayes.md``): nearly flat in :math:`\ln\alpha` and
#: :math:`\ln\beta` over many orders of magnitude (those of scikit-learn's ``BayesianRidge``),
#: so that the data, not the prior, set the precisions; and Juárez & Steel's (2010)
#: ``Gamma(2, 0.1)`` on the Student-t degrees of freedom.
DEFAULT_PRIORS: dict[str, Prior] = {
    "alpha": Gamma(1e-6, 1e-6),
    "beta": Gamma(1e-6, 1e-6),
    "nu": Gamma(2.0, 0.1),
}

_NOISE_KEYS = ("beta", "sigma")

#: The hyperpriors of the Bayesian lasso (``FullBayesRegression(weight_prior="laplace")``):
#: Park & Casella's (2008) conjugate Gamma on :math:`\lambda^2` under the key ``"lambda"``
#: (shape 1: an exponential with mean 10, flat near 0 and weak against the information of a
#: few weights), and the nearly flat Gamma on the noise precision.
LASSO_PRIORS: dict[str, Prior] = {"lambda": Gamma(1.0, 0.1), "beta": Gamma(1e-6, 1e-6)}


_LASSO_HINTS = {
    "sigma": "; the Gibbs sampler needs the conjugate Gamma prior on the noise precision: "
    "give 'beta' instead",
    "alpha": "; the Laplace prior's rate is lambda / sigma, with its prior under 'lambda'",
}


def _resolve_lasso_priors(priors: dict[str, Any]) -> dict[str, Prior]:
    for key, value in priors.items():
        if key not in LASSO_PRIORS:
            hint = _LASSO_HINTS.get(key, "")
            raise ValueError(
                f"priors has an unknown name {key!r} for weight_prior='laplace'; allowed: "
                f"lambda, beta{hint}"
            )
        if not isinstance(value, Gamma):
            raise TypeError(
                f"priors[{key!r}] must be a bayesfit.priors.Gamma for weight_prior='laplace' "
                f"(the conjugate prior the Gibbs sampler draws from"
                + (", on lambda^2" if key == "lambda" else "") + f"), got {value!r}"
            )
    return {key: priors.get(key, default) for key, default in LASSO_PRIORS.items()}


def resolve_priors(
    priors: Any, likelihood: str, weight_prior: str = "gaussian"
) -> dict[str, Prior]:
    r"""Return the full prior table: the defaults updated with the user's ``priors``.

    Parameters
    ----------
    priors : dict or None
        Maps ``"alpha"`` (weight precision), one of ``"beta"`` (noise precision) or
        ``"sigma"`` (noise standard deviation, or scale of the Student-t), and ``"nu"``
        (Student-t degrees of freedom) to :class:`Prior` objects. Missing keys take the
        defaults. For ``weight_prior="laplace"``: ``"lambda"`` (a :class:`Gamma` on
        :math:`\lambda^2`) and ``"beta"`` (a :class:`Gamma`), defaults
        :data:`LASSO_PRIORS`.
    likelihood : {"normal", "student_t"}
    weight_prior : {"gaussian", "laplace"}, default "gaussian"
        The prior on the weights: Gaussian with precision :math:`\alpha`, or the Bayesian
        lasso's Laplace prior with rate :math:`\lambda/\sigma`.

    Returns
    -------
    dict
        Keys ``"alpha"``, exactly one of ``"beta"``/``"sigma"``, and ``"nu"`` for the
        Student-t likelihood; ``"lambda"`` and ``"beta"`` for the Laplace prior.

    Raises
    ------
    TypeError
        If ``priors`` is not a dict of :class:`Prior` objects.
    ValueError
        For an unknown name, both ``"beta"`` and ``"sigma"``, or ``"nu"`` with the normal
        likelihood.

    Examples
    --------
    >>> from bayesfit.priors import HalfNormal, resolve_priors
    >>> sorted(resolve_priors({"sigma": HalfNormal(1.0)}, "normal"))
    ['alpha', 'sigma']
    """
    priors = {} if priors is None else priors
    if not isinstance(priors, dict):
        raise TypeError(f"priors must be a dict of bayesfit.priors objects, got {priors!r}")
    if weight_prior == "laplace":
        return _resolve_lasso_priors(priors)
    allowed = ("alpha", *_NOISE_KEYS) + (("nu",) if likelihood == "student_t" else ())
    for key, value in priors.items():
        if key not in allowed:
            raise ValueError(
                f"priors has an unknown name {key!r} for likelihood={likelihood!r}; "
                f"allowed: {', '.join(allowed)}"
            )
        if not isinstance(value, Prior):
            raise TypeError(
                f"priors[{key!r}] must be a bayesfit.priors object (e.g. Gamma(1.0, 1.0)), "
                f"got {value!r}"
            )
    if all(k in priors for k in _NOISE_KEYS):
        raise ValueError("priors sets both 'beta' and 'sigma'; the noise takes one prior")
    resolved = {"alpha": priors.get("alpha", DEFAULT_PRIORS["alpha"])}
    noise = "sigma" if "sigma" in priors else "beta"
    resolved[noise] = priors[noise] if noise in priors else DEFAULT_PRIORS["beta"]
    if likelihood == "student_t":
        resolved["nu"] = priors.get("nu", DEFAULT_PRIORS["nu"])
    return resolved


def from_dict(d: dict[str, Any]) -> Prior:
    """Rebuild a prior written by :meth:`Prior.to_dict`.

    Raises
    ------
    ValueError
        If ``d`` names no known prior.
    """
    params = dict(d)
    cls = _CLASSES.get(params.pop("class", None))
    if cls is None:
        raise ValueError(f"not a bayesfit prior dict: {d!r}")
    return cls(**params)


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
