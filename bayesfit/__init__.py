"""bayesfit: Bayesian regression from least squares to full Bayes, on one API.

``import bayesfit`` is cheap: the estimators (which subclass scikit-learn's), the bases and
the other submodules load on first attribute access (PEP 562), and PyMC and matplotlib only
when a model or plot that needs them is used.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from bayesfit._backend import get_backend, set_backend, to_numpy, use_backend
from bayesfit.exceptions import BayesfitWarning, ConvergenceWarning, NumericalWarning

try:
    __version__ = version("bayesfit")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0.0.0+unknown"

# public name -> module that defines it (a module name maps to the module itself)
_LAZY = {
    "MLERegression": "bayesfit.linear",
    "MAPRegression": "bayesfit.linear",
    "BayesianRegression": "bayesfit.linear",
    "EvidenceRegression": "bayesfit.linear",
    "ARDRegression": "bayesfit.linear",
    "MLEClassifier": "bayesfit.classify",
    "MAPClassifier": "bayesfit.classify",
    "BayesianClassifier": "bayesfit.classify",
    "EvidenceClassifier": "bayesfit.classify",
    "FullBayesClassifier": "bayesfit.classify",
    "Predictive": "bayesfit.posterior",
    "from_dict": "bayesfit.linear",
    "GaussianPosterior": "bayesfit.posterior",
    "RegressionSummary": "bayesfit.summary",
    "compare_estimators": "bayesfit.compare",
    "compare_classifiers": "bayesfit.compare",
    "ComparisonReport": "bayesfit.compare",
    "PyMCRegression": "bayesfit.pymc_models",
    "FullBayesRegression": "bayesfit.fullbayes",
    "fullbayes": "bayesfit.fullbayes",
    "priors": "bayesfit.priors",
    "pymc_models": "bayesfit.pymc_models",
    "basis": "bayesfit.basis",
    "classify": "bayesfit.classify",
    "compare": "bayesfit.compare",
    "datasets": "bayesfit.datasets",
    "info": "bayesfit.info",
    "linear": "bayesfit.linear",
    "losses": "bayesfit.losses",
    "nn": "bayesfit.nn",
    "plots": "bayesfit.plots",
    "posterior": "bayesfit.posterior",
    "streaming": "bayesfit.streaming",
    "summary": "bayesfit.summary",
}

__all__ = [
    "BayesfitWarning",
    "ConvergenceWarning",
    "NumericalWarning",
    "__version__",
    "get_backend",
    "set_backend",
    "to_numpy",
    "use_backend",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    try:
        module_name = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'bayesfit' has no attribute {name!r}") from None
    module = import_module(module_name)
    value = module if module_name.rsplit(".", 1)[1] == name else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
