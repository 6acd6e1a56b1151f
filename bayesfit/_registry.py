"""Where each estimator class lives, for rebuilding estimators from their dicts.

``from_dict`` reads a class name from the dict; this table says which module defines it.
The module is imported on first use, so loading a plain least-squares model never imports
PyMC, and no estimator module has to register itself in another module's table.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["ESTIMATOR_MODULES", "estimator_class"]

#: Class name -> the module that defines it. Add a line for each new estimator.
ESTIMATOR_MODULES: dict[str, str] = {
    "MLERegression": "bayesfit.linear",
    "MAPRegression": "bayesfit.linear",
    "BayesianRegression": "bayesfit.linear",
    "EvidenceRegression": "bayesfit.linear",
    "ARDRegression": "bayesfit.linear",
    "PyMCRegression": "bayesfit.pymc_models",
    "MLEClassifier": "bayesfit.classify",
    "MAPClassifier": "bayesfit.classify",
    "BayesianClassifier": "bayesfit.classify",
    "EvidenceClassifier": "bayesfit.classify",
    "FullBayesRegression": "bayesfit.fullbayes",
    "FullBayesClassifier": "bayesfit.classify",
}


def estimator_class(name: object) -> type | None:
    """Return the estimator class called ``name``, importing its module; None if unknown."""
    module = ESTIMATOR_MODULES.get(name) if isinstance(name, str) else None
    return None if module is None else getattr(import_module(module), name)
