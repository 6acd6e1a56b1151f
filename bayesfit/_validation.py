"""Input checks shared by every public entry point.

Each check runs before any work and raises a :class:`ValueError` or :class:`TypeError` whose
message names the argument, the problem and where it is (``"y contains NaN at index 5"``).
Arrays keep their namespace and device: a CuPy array is checked on the GPU and only the
location of a bad value, on the error path, is copied to the host.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.validation import _check_feature_names

from bayesfit._backend import device_of, get_namespace, is_array, to_numpy
from bayesfit._warnings import warn

__all__ = [
    "ARRAY",
    "BOOLEAN",
    "ArrayLike",
    "InstanceOf",
    "Interval",
    "Options",
    "as_floating",
    "as_numeric",
    "check_X_y",
    "check_array",
    "check_distribution",
    "check_features",
    "check_finite",
    "check_labels",
    "check_probabilities",
    "check_random_state",
    "check_sample_weight",
    "check_squares",
    "check_tensor",
    "check_value",
    "shape_of",
    "validate_params",
]


# -- hyperparameters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A numeric constraint: ``kind`` (``numbers.Real`` or ``numbers.Integral``) in a range."""

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"  # which ends are included: "both", "left", "right", "neither"

    def describe(self) -> str:
        noun = "an int" if self.kind is numbers.Integral else "a finite number"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"{noun} in {left}{low}, {high}{right}"

    def accepts(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        value = float(value)  # type: ignore[arg-type]
        if not np.isfinite(value):
            return False
        low_open = self.closed in ("right", "neither")
        high_open = self.closed in ("left", "neither")
        if self.low is not None and (value < self.low or (value == self.low and low_open)):
            return False
        return self.high is None or not (
            value > self.high or (value == self.high and high_open)
        )


@dataclass(frozen=True)
class Options:
    """A constraint that the value is one of a fixed set (compared with ``==``)."""

    values: tuple[Any, ...]

    def describe(self) -> str:
        if self.values == (None,):
            return "None"
        if self.values == (True, False):
            return "True or False"
        return "one of " + ", ".join(repr(v) for v in self.values)

    def accepts(self, value: object) -> bool:
        return any(value is v or (type(value) is type(v) and value == v) for v in self.values)


@dataclass(frozen=True)
class InstanceOf:
    """A constraint that the value is an instance of ``kind``."""

    kind: type | tuple[type, ...]
    description: str

    def describe(self) -> str:
        return self.description

    def accepts(self, value: object) -> bool:
        return isinstance(value, self.kind)


@dataclass(frozen=True)
class ArrayLike:
    """A constraint that the value is array-like (an array of any namespace, a list, a tuple).

    Only the kind is checked here, at the door; the shape, dtype and values are checked
    where they are known (against M in ``fit``), by :func:`check_array`.
    """

    def describe(self) -> str:
        return "an array-like of numbers"

    def accepts(self, value: object) -> bool:
        return is_array(value) or isinstance(value, list | tuple | np.ndarray)


Constraint = Interval | Options | InstanceOf | ArrayLike
POSITIVE = Interval(numbers.Real, 0.0, None, "neither")
NONNEGATIVE = Interval(numbers.Real, 0.0, None, "left")
POSITIVE_INT = Interval(numbers.Integral, 1, None, "left")
NONNEGATIVE_INT = Interval(numbers.Integral, 0, None, "left")
NONE = Options((None,))
BOOLEAN = Options((True, False))
ARRAY = ArrayLike()


def check_value(label: str, value: object, allowed: Constraint | Sequence[Constraint]) -> None:
    """Raise ``ValueError("<label> must be <what>; got <value>")`` unless a constraint accepts.

    Parameters
    ----------
    label : str
        What the value is, as the message should name it (``"n"``,
        ``"MAPRegression: parameter 'alpha'"``).
    value : object
        The value to check.
    allowed : constraint or sequence of constraints
        The value passes if any one accepts it.
    """
    rules = allowed if isinstance(allowed, Sequence) else [allowed]
    if not any(c.accepts(value) for c in rules):
        must = " or ".join(c.describe() for c in rules)
        raise ValueError(f"{label} must be {must}; got {value!r}")


@functools.cache
def _constructor_parameters(cls: type) -> tuple[str, ...]:
    signature = inspect.signature(cls.__init__)
    return tuple(name for name in signature.parameters if name != "self")


def validate_params(owner: object, constraints: dict[str, list[Constraint]]) -> None:
    """Check ``owner``'s hyperparameters against a constraint table.

    The table must cover every parameter of ``type(owner).__init__``, as scikit-learn's
    ``check_param_validation`` demands: a parameter cannot go unchecked by omission.

    Parameters
    ----------
    owner : object
        An estimator or basis whose attributes hold the hyperparameters.
    constraints : dict
        Parameter name -> list of constraints; a value passes if any one accepts it.

    Raises
    ------
    ValueError
        Naming the parameter, what it must be and what it got.
    TypeError
        If the table misses a constructor parameter (a bug in the class, not in the input).
    """
    missing = [p for p in _constructor_parameters(type(owner)) if p not in constraints]
    if missing:
        raise TypeError(
            f"{type(owner).__name__}._parameter_constraints does not cover the constructor "
            f"parameter(s) {missing}"
        )
    for name, allowed in constraints.items():
        check_value(f"{type(owner).__name__}: parameter {name!r}", getattr(owner, name), allowed)


def check_random_state(random_state: object, name: str = "random_state") -> np.random.Generator:
    """Turn ``None``, an int or a :class:`numpy.random.Generator` into a Generator.

    Raises
    ------
    TypeError
        For anything else (in particular the legacy ``RandomState`` and floats).
    """
    if random_state is None or (
        isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
    ):
        if random_state is not None and random_state < 0:
            raise ValueError(f"{name} must be a non-negative int, got {random_state}")
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise TypeError(
        f"{name} must be None, an int or a numpy.random.Generator, "
        f"got {type(random_state).__name__}"
    )


# -- arrays ------------------------------------------------------------------------------------


def _describe_position(index: tuple[int, ...], ndim: int) -> str:
    if ndim == 0:
        return "its only element"
    if ndim == 1:
        return f"index {index[0]}"
    if ndim == 2:
        return f"row {index[0]}, column {index[1]}"
    return f"index {index}"


def check_finite(x: Any, name: str, xp: ModuleType, row_offset: int = 0) -> None:
    """Raise a ValueError naming the first NaN or inf of ``x`` and where it is."""
    # The sum is finite whenever every entry is (barring overflow, which falls through to the
    # exact check): one reduction, without the boolean temporary of the size of x.
    if bool(xp.isfinite(xp.sum(x))) or bool(xp.all(xp.isfinite(x))):
        return
    host = to_numpy(x)
    first = tuple(int(i) for i in np.argwhere(~np.isfinite(host))[0])
    kind = "NaN" if np.isnan(host[first]) else "inf"
    where = (first[0] + row_offset, *first[1:])
    raise ValueError(f"{name} contains {kind} at {_describe_position(where, host.ndim)}")


def _to_host_numeric(x: Any, name: str) -> np.ndarray:
    """Convert a non-array input (list, pandas, scalar) to a numeric NumPy array."""
    if x is None:
        raise TypeError(f"{name} must be array-like, got None")
    if isinstance(x, str | bytes):
        raise TypeError(f"{name} must be array-like of numbers, got a string")
    if hasattr(x, "toarray") or hasattr(x, "tocsr"):
        raise TypeError(f"{name} is a sparse matrix; bayesfit needs a dense array")
    if hasattr(x, "to_numpy"):  # pandas Series / DataFrame
        x = x.to_numpy()
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be array-like of numbers: {exc}") from exc
    if arr.dtype.kind in "OUS":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must contain only numbers: {exc}") from exc
    return arr


def as_numeric(x: Any, name: str, *, xp: ModuleType, device: Any = None) -> Any:
    """Return ``x`` as an array of ``xp`` with a real (integer or floating) dtype.

    ``device``, when given, is the device of the data ``x`` goes with: lists and host
    arrays are put there, and an array already on another device is an error (a second
    GPU's data cannot meet the first's).

    Raises
    ------
    TypeError
        None, strings, sparse matrices, booleans, non-numeric objects.
    ValueError
        Complex values; an array on another device than ``device``.
    """
    if not is_array(x) or (isinstance(x, np.ndarray) and x.dtype.kind in "OUS"):
        x = xp.asarray(_to_host_numeric(x, name), device=device)
    elif device is not None and device_of(x) != device:
        if isinstance(x, np.ndarray):  # host data: copy it to the data's device
            x = xp.asarray(x, device=device)
        else:
            raise ValueError(
                f"{name} is on device {device_of(x)}, the data on {device}: put them on one "
                f"device"
            )
    dtype = x.dtype
    if xp.isdtype(dtype, "bool"):
        raise TypeError(f"{name} has boolean dtype; pass numbers (e.g. {name}.astype(float))")
    if xp.isdtype(dtype, "complex floating"):
        raise ValueError(f"Complex data not supported: {name} has dtype {dtype}")
    if not xp.isdtype(dtype, ("real floating", "integral")):
        raise TypeError(f"{name} must have a numeric dtype, got {dtype}")
    return x


def as_floating(x: Any, *, xp: ModuleType) -> Any:
    """Return a real array unchanged if floating, else converted to float64."""
    return x if xp.isdtype(x.dtype, "real floating") else xp.astype(x, xp.float64)


def check_array(
    x: Any,
    name: str = "X",
    *,
    ndim: int = 2,
    xp: ModuleType | None = None,
    row_offset: int = 0,
    finite: bool = True,
    device: Any = None,
) -> Any:
    """Validate a numeric array and return it, floating, in its namespace.

    Parameters
    ----------
    x : array_like
        The input. Lists and pandas objects go to the default backend.
    name : str
        The argument's name, used in error messages.
    ndim : {1, 2}
        2: a matrix of samples by features, 1-D input promoted to one feature column.
        1: a vector; a single column ``(n, 1)`` is flattened with a
        :class:`~sklearn.exceptions.DataConversionWarning`.
    xp : module, optional
        The namespace to use; by default the one :func:`get_namespace` gives for ``x``.
    row_offset : int, default 0
        Added to the row reported for NaN/inf, when ``x`` is a block of a larger array.
    finite : bool, default True
        Check for NaN and inf (one pass over ``x``). The estimators pass False where their
        sufficient statistics show non-finite data at no cost (then :func:`check_squares`
        finds the culprit).
    device : optional
        The device of the data ``x`` goes with (see :func:`as_numeric`).

    Returns
    -------
    array
        Real floating array: float32 and float64 are kept, integers become the namespace's
        default float (float64).

    Raises
    ------
    TypeError
        None, strings, sparse matrices, booleans, non-numeric objects.
    ValueError
        Complex values, wrong number of dimensions, no samples or no features, NaN or inf.
    """
    if xp is None:
        xp = get_namespace(x)
    x = as_floating(as_numeric(x, name, xp=xp, device=device), xp=xp)
    if ndim == 2:
        if x.ndim == 0:
            raise ValueError(f"{name} must be 1-D or 2-D, got a scalar")
        if x.ndim == 1:
            x = xp.reshape(x, (-1, 1))
        if x.ndim != 2:
            raise ValueError(f"{name} must be 1-D or 2-D, got {x.ndim}-D with shape {x.shape}")
        if x.shape[1] == 0:
            raise ValueError(
                f"{name} has 0 feature(s) (shape={x.shape}) while a minimum of 1 is required."
            )
    else:
        if x.ndim == 2 and x.shape[1] == 1:
            warn(
                f"A column-vector {name} was passed when a 1d array was expected; "
                f"it was flattened",
                DataConversionWarning,
            )
            x = xp.reshape(x, (-1,))
        if x.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got {x.ndim}-D with shape {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} has 0 samples (shape={x.shape}); at least 1 is required")
    if finite:
        check_finite(x, name, xp, row_offset)
    return x


def check_X_y(
    X: Any, y: Any, *, row_offset: int = 0, finite: bool = True, multi_output: bool = False
) -> tuple[Any, Any, ModuleType]:
    """Validate a design ``X`` and targets ``y`` together.

    ``row_offset`` and ``finite`` are as in :func:`check_array`. With ``multi_output``, a
    2-D ``y`` of shape (n, K) is K targets and stays 2-D (a single column too: its shape is
    kept as given); without, ``y`` must be 1-D (a single column is flattened).

    Returns
    -------
    X, y : arrays
        ``X`` 2-D, ``y`` 1-D (or 2-D, with ``multi_output``), in one namespace and of one
        floating dtype (the wider).
    xp : module
        Their namespace.

    Raises
    ------
    ValueError
        If the numbers of samples differ, besides everything :func:`check_array` raises.
    """
    if y is None:
        raise ValueError("this estimator requires y to be passed, but the target y is None")
    xp = get_namespace(X, y)
    X = check_array(X, "X", xp=xp, row_offset=row_offset, finite=finite)
    shape = shape_of(y)
    targets = 2 if multi_output and len(shape) == 2 else 1
    if multi_output and len(shape) > 2:
        raise ValueError(
            f"y must be 1-D or 2-D, got {len(shape)}-D with shape {shape}: one column per "
            f"target"
        )
    y = check_array(y, "y", ndim=targets, xp=xp, row_offset=row_offset, finite=finite)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: {X.shape[0]} and {y.shape[0]}"
        )
    dtype = xp.result_type(X.dtype, y.dtype)
    return xp.astype(X, dtype, copy=False), xp.astype(y, dtype, copy=False), xp


def shape_of(x: Any) -> tuple[int, ...]:
    """Return the shape of an array of any namespace, a DataFrame or a nested list."""
    shape = getattr(x, "shape", None)  # arrays and DataFrames: no conversion, no copy
    return tuple(int(n) for n in (shape if shape is not None else np.asarray(x).shape))


def check_squares(x: Any, name: str, *, xp: ModuleType, row_offset: int = 0) -> None:
    """Raise a ValueError at the first entry of ``x`` that is NaN, inf or whose square overflows.

    Called on the error path only, once the sufficient statistics have shown that something
    is not finite: the array is copied to the host to find the place.
    """
    host = to_numpy(x)
    limit = math.sqrt(float(np.finfo(host.dtype).max))
    bad = ~(np.abs(host) <= limit)  # NaN compares False
    if not bad.any():
        return
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    value = host[first]
    where = _describe_position((first[0] + row_offset, *first[1:]), host.ndim)
    if np.isnan(value) or np.isinf(value):
        kind = "NaN" if np.isnan(value) else "inf"
        raise ValueError(f"{name} contains {kind} at {where}")
    raise ValueError(
        f"{name} contains {float(value):g} at {where}, whose square overflows {host.dtype}: "
        f"rescale the data (e.g. standardise it, or change its units)"
    )


def check_sample_weight(
    sample_weight: Any,
    n_samples: int,
    *,
    xp: ModuleType,
    dtype: Any,
    device: Any = None,
    row_offset: int = 0,
    allow_all_zero: bool = False,
) -> Any:
    """Validate frequency weights: one finite, non-negative number per sample, not all zero.

    Parameters
    ----------
    sample_weight : array_like of shape (n_samples,) or None
        None means every weight is one (and is returned as None: no work is spent on it).
    n_samples : int
        The number of samples the weights must match.
    xp, dtype, device
        The namespace, floating dtype and device of the data; the weights are returned in
        them.
    row_offset : int, default 0
        Added to the index reported, when the weights belong to a chunk of a larger data set.
    allow_all_zero : bool, default False
        For a chunk of a stream: its weights may all be zero if other chunks' are not (the
        total is checked at the end).

    Raises
    ------
    ValueError
        A length other than ``n_samples``, NaN, inf or a negative weight (naming the first),
        or every weight zero.
    TypeError
        What :func:`as_numeric` rejects.
    """
    if sample_weight is None:
        return None
    if is_array(sample_weight) and get_namespace(sample_weight) is not xp:
        raise TypeError(
            f"sample_weight is an array of {get_namespace(sample_weight).__name__}, the data "
            f"of {xp.__name__}: pass them in one array library"
        )
    w = as_numeric(sample_weight, "sample_weight", xp=xp, device=device)
    if w.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D, got {w.ndim}-D with shape {w.shape}")
    if w.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight has {w.shape[0]} entries for {n_samples} samples; give one weight "
            f"per sample"
        )
    w = xp.astype(w, dtype)
    check_finite(w, "sample_weight", xp, row_offset)
    if not bool(xp.min(w) >= 0):
        host = to_numpy(w)
        i = int(np.argwhere(host < 0)[0, 0])
        raise ValueError(
            f"sample_weight must be non-negative (frequency weights); got {float(host[i])!r} "
            f"at index {i + row_offset}"
        )
    if not allow_all_zero and not bool(xp.max(w) > 0):
        raise ValueError("sample_weight is zero for every sample: nothing to fit")
    return w


def check_features(owner: Any, X: Any, raw: Any, *, reset: bool) -> None:
    """Record (``reset=True``) or check the number and names of features of ``X``.

    ``raw`` is the input as the user passed it, so that pandas column names are seen.

    Raises
    ------
    ValueError
        If ``X`` has a different number of features, or other names, than at fit time.
    """
    _check_feature_names(owner, raw, reset=reset)
    n_features = X.shape[1]
    if reset:
        owner.n_features_in_ = n_features
    elif n_features != owner.n_features_in_:
        hint = ""
        if getattr(raw, "ndim", np.ndim(raw)) == 1:
            hint = (
                ". Reshape your data: 1-D X is read as n_samples values of one feature; "
                "a single sample is X of shape (1, n_features)"
            )
        raise ValueError(
            f"X has {n_features} features, but {type(owner).__name__} is expecting "
            f"{owner.n_features_in_} features as input{hint}"
        )


# -- arrays of any rank: losses, probabilities, class labels -------------------------------------


def _first_position(bad: Any) -> str:
    """Describe where the first True entry of the host boolean array ``bad`` is."""
    return _describe_position(tuple(int(i) for i in np.argwhere(bad)[0]), bad.ndim)


def check_tensor(x: Any, name: str, *, xp: ModuleType) -> Any:
    """Validate a non-empty, finite, real array of any rank and return it floating.

    Parameters
    ----------
    x : array_like
        The input; lists go to ``xp``.
    name : str
        The argument's name, used in error messages.
    xp : module
        The namespace.

    Returns
    -------
    array
        float32/float64 kept, integers converted to float64.

    Raises
    ------
    TypeError
        What :func:`as_numeric` rejects.
    ValueError
        Complex, empty, NaN or inf.
    """
    x = as_floating(as_numeric(x, name, xp=xp), xp=xp)
    if math.prod(x.shape) == 0:
        raise ValueError(f"{name} is empty (shape={x.shape}); at least one value is required")
    check_finite(x, name, xp)
    return x


def check_probabilities(p: Any, name: str, *, xp: ModuleType) -> Any:
    """Validate an array of probabilities: finite and in [0, 1], any rank, not empty.

    Two reductions (min, max) decide; no temporary of the size of ``p`` is made unless the
    check fails and the first bad entry is located on the host.

    Returns
    -------
    array
        ``p``, floating.
    """
    p = as_floating(as_numeric(p, name, xp=xp), xp=xp)
    if math.prod(p.shape) == 0:
        raise ValueError(f"{name} is empty (shape={p.shape}); at least one value is required")
    # NaN propagates through min/max, so it fails the comparison too.
    if bool(xp.min(p) >= 0) and bool(xp.max(p) <= 1):
        return p
    host = to_numpy(p)
    bad = ~((host >= 0) & (host <= 1))
    raise ValueError(
        f"{name} must be probabilities in [0, 1]; got {float(host[bad].flat[0])!r} "
        f"at {_first_position(bad)}"
    )


def check_labels(labels: Any, n_classes: int, name: str, *, xp: ModuleType) -> Any:
    """Validate integer class labels in ``[0, n_classes)``.

    Raises
    ------
    ValueError
        A non-integer dtype (float labels are ambiguous with soft targets), or a label out of
        range (naming the first one and where it is), or no labels at all.
    """
    labels = as_numeric(labels, name, xp=xp)
    if not xp.isdtype(labels.dtype, "integral"):
        raise ValueError(
            f"{name} must be integer class labels (an integer dtype), got dtype {labels.dtype}; "
            f"convert with astype(int), or pass one-hot/soft targets with the class axis last"
        )
    if math.prod(labels.shape) == 0:
        raise ValueError(f"{name} is empty (shape={labels.shape}); at least one label is required")
    if bool(xp.min(labels) >= 0) and bool(xp.max(labels) < n_classes):
        return labels
    host = to_numpy(labels)
    bad = (host < 0) | (host >= n_classes)
    raise ValueError(
        f"{name} must be in [0, {n_classes}) for {n_classes} classes; got {int(host[bad].flat[0])} "
        f"at {_first_position(bad)}"
    )


def distribution_tolerance(dtype: Any, *, xp: ModuleType) -> float:
    """Return the tolerance on ``|sum(p) - 1|``: the square root of the dtype's epsilon.

    About 1.5e-8 for float64 and 3.5e-4 for float32: loose enough for a softmax or a
    normalisation computed in that precision, tight enough to catch unnormalised counts.
    """
    return math.sqrt(float(xp.finfo(dtype).eps))


def check_distribution(
    p: Any, name: str, *, axis: int, normalize: bool, xp: ModuleType
) -> Any:
    """Validate probability vectors along ``axis`` (or rescale them with ``normalize=True``).

    Parameters
    ----------
    p : array_like
        Non-negative, finite, not empty.
    name : str
        The argument's name, used in error messages.
    axis : int
        The axis each distribution lies along.
    normalize : bool
        False: each slice must sum to one within :func:`distribution_tolerance`.
        True: each slice is divided by its sum, which must be positive.
    xp : module
        The namespace.

    Returns
    -------
    array
        ``p`` (floating), divided by its sums if ``normalize``.

    Raises
    ------
    ValueError
        Negative, NaN or inf entries, a bad axis, or sums that are not one (not positive when
        normalising); the message names the first offending place.
    """
    check_value("normalize", normalize, BOOLEAN)
    p = as_floating(as_numeric(p, name, xp=xp), xp=xp)
    if p.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension, got a scalar")
    if not -p.ndim <= axis < p.ndim:
        raise ValueError(f"axis {axis} is out of bounds for {name} with {p.ndim} dimension(s)")
    if math.prod(p.shape) == 0:
        raise ValueError(f"{name} is empty (shape={p.shape}); at least one value is required")
    if not bool(xp.min(p) >= 0):  # NaN fails this comparison as well
        host = to_numpy(p)
        bad = ~(host >= 0)
        raise ValueError(
            f"{name} must be non-negative and not NaN; got {float(host[bad].flat[0])!r} "
            f"at {_first_position(bad)}"
        )
    sums = xp.sum(p, axis=axis, keepdims=True)
    tol = distribution_tolerance(p.dtype, xp=xp)

    def ok(s: Any, lib: Any) -> Any:  # evaluated on xp, and on the host to locate a failure
        return (s > 0) & lib.isfinite(s) if normalize else lib.abs(s - 1) <= tol

    if not bool(xp.all(ok(sums, xp))):
        host = np.squeeze(to_numpy(sums), axis=axis)
        bad = np.atleast_1d(~ok(host, np))
        problem = (
            "a sum that is zero or inf and cannot be normalised"
            if normalize
            else "a sum that differs from 1 (pass normalize=True to rescale)"
        )
        where = f" at {_first_position(bad)}" if host.ndim else ""
        raise ValueError(
            f"{name} along axis {axis} has {problem}: {float(np.atleast_1d(host)[bad][0])!r}{where}"
        )
    return p / sums if normalize else p
