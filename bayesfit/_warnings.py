"""Warnings that point at the user's line.

Every warning bayesfit issues goes through :func:`warn`, which skips every frame inside the
bayesfit package, however deep the call (a decorator, a helper, a kernel), so the reported
file and line are the caller's: ``model.fit(X, y)`` in the user's script, not
``bayesfit/linear.py``. A hand-counted ``stacklevel`` breaks as soon as a frame is added.
"""

from __future__ import annotations

import os
import warnings

__all__ = ["PACKAGE_DIR", "warn"]

#: The directory of the installed bayesfit package: frames under it are not the caller's.
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def warn(message: str, category: type[Warning]) -> None:
    """Issue ``category(message)`` attributed to the first frame outside bayesfit.

    Parameters
    ----------
    message : str
        What happened and the remedy.
    category : type of Warning
        Usually a :class:`~bayesfit.BayesfitWarning` subclass.
    """
    warnings.warn(message, category, skip_file_prefixes=(PACKAGE_DIR + os.sep,))
