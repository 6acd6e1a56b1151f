r"""First-order optimizers with one interface: ``step(params, grads)``.

``params`` and ``grads`` are both dicts (name -> array) or both lists of arrays of one array
namespace (NumPy, CuPy, array-API). ``step`` writes the updated arrays back into ``params``
(it replaces the entries; it never modifies an array in place, so it works on backends whose
arrays are immutable) and returns it. Each optimizer keeps per-parameter state (velocities,
running averages) under the parameter's key, and can save and restore it with
:meth:`Optimizer.state_dict` / :meth:`Optimizer.load_state_dict`.

==================  ======================================================================
:class:`SGD`        :math:`\theta \leftarrow \theta - \eta g`
:class:`Momentum`   heavy ball (Polyak) or, with ``nesterov=True``, Nesterov's look-ahead
:class:`Adagrad`    per-coordinate rate :math:`\eta / \sqrt{\sum_s g_s^2}`
:class:`RMSProp`    per-coordinate rate from an exponential average of :math:`g^2`
:class:`Adam`       RMSProp plus a momentum term, both bias-corrected
==================  ======================================================================

The defaults are the ones in the papers and in the common libraries (PyTorch, Keras).

Every optimizer reads its learning rate through one hook, :meth:`Optimizer.current_learning_rate`,
once per step: ``learning_rate`` is a positive number or a schedule from
:mod:`bayesfit.nn.schedules` (or any callable of the step count :math:`t`), and assigning
``optimizer.learning_rate`` (a callback may) changes the rate from the next step on.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from types import ModuleType
from typing import Any, ClassVar

from bayesfit._backend import get_namespace
from bayesfit._validation import (
    BOOLEAN,
    NONNEGATIVE,
    POSITIVE,
    Constraint,
    InstanceOf,
    Interval,
    check_tensor,
    check_value,
    validate_params,
)

__all__ = ["SGD", "Adagrad", "Adam", "Momentum", "Optimizer", "RMSProp"]

_UNIT = Interval(numbers.Real, 0.0, 1.0, "left")  # decay rates: 0 <= rate < 1
_SCHEDULE = InstanceOf(Callable, "a schedule (a callable of the step count)")
#: A constant rate or a schedule: a callable of the step count returning the rate.
LearningRate = float | Callable[[int], float]


def _keys(params: Any, grads: Any) -> list[Any]:
    """Return the keys shared by ``params`` and ``grads``, checking that their layouts match."""
    if isinstance(params, dict) and isinstance(grads, dict):
        if params.keys() != grads.keys():
            raise ValueError(
                f"params and grads must have the same keys; params has {sorted(params)}, "
                f"grads has {sorted(grads)}"
            )
        keys = list(params)
    elif isinstance(params, list) and isinstance(grads, list | tuple):
        if len(params) != len(grads):
            raise ValueError(
                f"params and grads must have the same length, got {len(params)} and "
                f"{len(grads)}"
            )
        keys = list(range(len(params)))
    else:
        raise TypeError(
            "params must be a dict or a list of arrays and grads the same kind of container, "
            f"got {type(params).__name__} and {type(grads).__name__}"
        )
    for k in keys:
        if params[k].shape != grads[k].shape:
            raise ValueError(
                f"grads[{k!r}] has shape {grads[k].shape} but params[{k!r}] has shape "
                f"{params[k].shape}"
            )
    return keys


class Optimizer:
    """Base class: hyperparameter checks, the ``step`` loop and the state's save/restore.

    A subclass lists its hyperparameters in ``_parameter_constraints``, the names of its
    per-parameter state arrays in ``_slots``, and implements ``_update(key, p, g, *, lr, xp)``,
    which gets the step's learning rate from :meth:`current_learning_rate`. :meth:`step` checks
    its arguments and calls ``_step``, which updates without checks; a training loop that has
    checked its data and the optimizer's state once (:class:`bayesfit.nn.MLP`) calls
    ``_step`` directly.

    Attributes
    ----------
    t : int
        Number of steps taken so far.
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "learning_rate": [POSITIVE, _SCHEDULE],
    }
    _slots: ClassVar[tuple[str, ...]] = ()

    def _setup(self) -> None:
        validate_params(self, self._parameter_constraints)
        self.t = 0
        self._state: dict[str, dict[Any, Any]] = {name: {} for name in self._slots}

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._parameter_constraints)
        return f"{type(self).__name__}({args})"

    def current_learning_rate(self) -> float:
        r"""Return the learning rate of the next step: the one place the rate is read.

        Returns
        -------
        float
            ``learning_rate`` itself, or a schedule's value at the step count :math:`t`
            (steps taken so far; 0 before the first).

        Raises
        ------
        ValueError
            If the rate is not a finite number :math:`\ge 0` (a schedule that returned NaN,
            or a callback that assigned a bad value), naming the step.
        """
        rate = self.learning_rate
        if callable(rate):
            rate = rate(self.t)
        if not NONNEGATIVE.accepts(rate):  # the label is only formatted on failure
            check_value(f"{type(self).__name__}: learning_rate at step {self.t}", rate,
                        NONNEGATIVE)
        return rate

    def step(self, params: dict[str, Any] | list[Any], grads: Any) -> Any:
        """Return ``params`` after one update, written back into the same container.

        Parameters
        ----------
        params : dict of arrays or list of arrays
            The parameters. Their entries are replaced by the updated arrays.
        grads : dict or list of arrays
            Gradients of the loss, with the same keys (or length) and shapes as ``params``.

        Returns
        -------
        dict or list
            ``params``, updated.

        Raises
        ------
        ValueError
            If the keys or shapes of ``params`` and ``grads`` differ, or differ from the
            parameters the optimizer's state was built for, or a gradient has NaN or inf
            (which would silently corrupt the parameters).
        """
        keys = _keys(params, grads)
        xp = get_namespace(*(params[k] for k in keys))
        # copies: _step may overwrite the gradients it is given, and these are the caller's
        checked = {
            k: xp.asarray(check_tensor(grads[k], f"grads[{k!r}]", xp=xp), copy=True)
            for k in keys
        }
        self._check_keys(keys)
        return self._step(params, checked, xp=xp)

    def _check_keys(self, keys: Any) -> None:
        """Refuse parameters other than those the state was built for."""
        known = {k for slot in self._state.values() for k in slot}
        if known and known != set(keys):
            raise ValueError(
                f"params has keys {sorted(keys, key=str)} but this optimizer's state is for "
                f"{sorted(known, key=str)}; use one optimizer per set of parameters"
            )

    def _step(self, params: Any, grads: Any, *, xp: ModuleType) -> Any:
        """Update ``params`` in the container, without checks.

        ``grads`` are finite arrays that nobody else holds (the training loop's fresh
        gradients, or the copies :meth:`step` makes): ``_update`` may overwrite them, which
        saves a temporary the size of the parameters. The parameters themselves are never
        written into.
        """
        lr = self.current_learning_rate()
        self.t += 1
        for k in range(len(params)) if isinstance(params, list) else params:
            params[k] = self._update(k, params[k], grads[k], lr=lr, xp=xp)
        return params

    def _slot(self, name: str, key: Any, like: Any, *, xp: Any) -> Any:
        """Return the state array ``name`` of parameter ``key``, zeros on first use."""
        slot = self._state[name]
        if key not in slot:
            slot[key] = xp.zeros_like(like)
        return slot[key]

    def _update(self, key: Any, p: Any, g: Any, *, lr: float, xp: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """Return everything needed to resume: hyperparameters, step count and state arrays.

        Returns
        -------
        dict
            ``{"optimizer": class name, "hyperparameters": {...}, "t": int,
            "state": {slot: {parameter key: array}}}``. The arrays are the optimizer's own;
            it never modifies them in place, so they stay valid after further steps.

        Examples
        --------
        >>> import numpy as np
        >>> opt = Momentum(learning_rate=0.1)
        >>> params = opt.step({"w": np.array([1.0])}, {"w": np.array([2.0])})
        >>> resumed = Momentum()
        >>> resumed.load_state_dict(opt.state_dict())
        >>> resumed
        Momentum(learning_rate=0.1, momentum=0.9, nesterov=False)
        >>> resumed.state_dict()["state"]["velocity"]["w"]
        array([-0.2])
        """
        return {
            "optimizer": type(self).__name__,
            "hyperparameters": {name: getattr(self, name) for name in self._parameter_constraints},
            "t": self.t,
            "state": {name: dict(slot) for name, slot in self._state.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore hyperparameters, step count and state saved by :meth:`state_dict`.

        Parameters
        ----------
        state : dict
            The output of :meth:`state_dict` of an optimizer of the same class.

        Raises
        ------
        ValueError
            If ``state`` comes from another optimizer class or lacks an entry.
        """
        if not isinstance(state, dict) or state.get("optimizer") != type(self).__name__:
            got = state.get("optimizer") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"state is not a {type(self).__name__} state_dict (got {got!r})")
        missing = {"hyperparameters", "t", "state"} - state.keys()
        missing |= set(self._slots) - state.get("state", {}).keys()
        if missing:
            raise ValueError(f"state lacks the entries {sorted(missing)}")
        for name, value in state["hyperparameters"].items():
            setattr(self, name, value)
        validate_params(self, self._parameter_constraints)
        self.t = int(state["t"])
        self._state = {name: dict(state["state"][name]) for name in self._slots}


class SGD(Optimizer):
    r"""Plain (stochastic) gradient descent.

    Parameters
    ----------
    learning_rate : float or schedule, default 0.01
        Step size :math:`\eta > 0`, or a schedule :math:`\eta_t` (:mod:`bayesfit.nn.schedules`).

    Notes
    -----
    .. math:: \theta_{t+1} = \theta_t - \eta\, g_t, \qquad g_t = \nabla L(\theta_t)

    Examples
    --------
    >>> import numpy as np
    >>> SGD(learning_rate=0.1).step([np.array([1.0, 1.0])], [np.array([2.0, -4.0])])
    [array([0.8, 1.4])]
    """

    def __init__(self, learning_rate: LearningRate = 0.01):
        self.learning_rate = learning_rate
        self._setup()

    def _update(self, key: Any, p: Any, g: Any, *, lr: float, xp: Any) -> Any:
        g *= lr  # g is scratch (see _step); on immutable arrays this rebinds g
        return p - g


class Momentum(Optimizer):
    r"""Gradient descent with momentum (heavy ball), optionally Nesterov's accelerated form.

    Parameters
    ----------
    learning_rate : float or schedule, default 0.01
        Step size :math:`\eta > 0`, or a schedule :math:`\eta_t` (:mod:`bayesfit.nn.schedules`).
    momentum : float, default 0.9
        Decay :math:`\mu \in [0, 1)` of the velocity.
    nesterov : bool, default False
        Take the gradient at the look-ahead point (Sutskever et al. 2013's form).

    Notes
    -----
    .. math::

        v_{t+1} = \mu v_t - \eta g_t, \qquad
        \theta_{t+1} = \theta_t + v_{t+1} \quad\text{(heavy ball)}, \qquad
        \theta_{t+1} = \theta_t + \mu v_{t+1} - \eta g_t \quad\text{(Nesterov)}

    The Nesterov line is the usual rewriting of "step with the velocity, then correct with the
    gradient there" in terms of the gradient at the current parameters (as in PyTorch and
    Keras); both forms start with :math:`v_0 = 0`.

    Examples
    --------
    >>> import numpy as np
    >>> Momentum(learning_rate=0.1, nesterov=True).step({"w": np.array([1.0])},
    ...                                                {"w": np.array([1.0])})
    {'w': array([0.81])}
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **Optimizer._parameter_constraints,
        "momentum": [_UNIT],
        "nesterov": [BOOLEAN],
    }
    _slots = ("velocity",)

    def __init__(
        self, learning_rate: LearningRate = 0.01, momentum: float = 0.9, nesterov: bool = False
    ):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self._setup()

    def _update(self, key: Any, p: Any, g: Any, *, lr: float, xp: Any) -> Any:
        v = self.momentum * self._slot("velocity", key, p, xp=xp) - lr * g
        self._state["velocity"][key] = v
        if self.nesterov:
            return p + self.momentum * v - lr * g
        return p + v


class Adagrad(Optimizer):
    r"""Adagrad: a per-coordinate step that shrinks with the sum of squared gradients.

    Parameters
    ----------
    learning_rate : float or schedule, default 0.01
        Base step size :math:`\eta > 0`, or a schedule :math:`\eta_t`.
    eps : float, default 1e-10
        Added to the root to avoid dividing by zero.

    Notes
    -----
    .. math::

        G_t = G_{t-1} + g_t \odot g_t, \qquad
        \theta_{t+1} = \theta_t - \eta\, g_t \oslash (\sqrt{G_t} + \epsilon)

    (Duchi, Hazan and Singer 2011; :math:`G_0 = 0`.) The first step moves every coordinate by
    :math:`\eta` against the sign of its gradient.

    Examples
    --------
    >>> import numpy as np
    >>> Adagrad(learning_rate=0.1).step([np.array([1.0, 1.0])], [np.array([2.0, -4.0])])
    [array([0.9, 1.1])]
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **Optimizer._parameter_constraints,
        "eps": [POSITIVE],
    }
    _slots = ("sum_sq",)

    def __init__(self, learning_rate: LearningRate = 0.01, eps: float = 1e-10):
        self.learning_rate = learning_rate
        self.eps = eps
        self._setup()

    def _update(self, key: Any, p: Any, g: Any, *, lr: float, xp: Any) -> Any:
        s = self._slot("sum_sq", key, p, xp=xp) + g * g
        self._state["sum_sq"][key] = s
        return p - lr * g / (xp.sqrt(s) + self.eps)


class RMSProp(Optimizer):
    r"""RMSProp: a per-coordinate step scaled by a running root mean square of the gradient.

    Parameters
    ----------
    learning_rate : float or schedule, default 0.001
        Step size :math:`\eta > 0`, or a schedule :math:`\eta_t` (:mod:`bayesfit.nn.schedules`).
    rho : float, default 0.9
        Decay :math:`\rho \in [0, 1)` of the running average (Hinton's lecture 6e).
    eps : float, default 1e-8
        Added to the root to avoid dividing by zero.

    Notes
    -----
    .. math::

        E_t = \rho E_{t-1} + (1 - \rho)\, g_t \odot g_t, \qquad
        \theta_{t+1} = \theta_t - \eta\, g_t \oslash (\sqrt{E_t} + \epsilon)

    with :math:`E_0 = 0`, so the first step is :math:`\eta / \sqrt{1 - \rho}` against the sign
    of each coordinate's gradient.

    Examples
    --------
    >>> import numpy as np
    >>> RMSProp(learning_rate=0.1, rho=0.75).step([np.array([1.0])], [np.array([3.0])])
    [array([0.8])]
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **Optimizer._parameter_constraints,
        "rho": [_UNIT],
        "eps": [POSITIVE],
    }
    _slots = ("mean_sq",)

    def __init__(self, learning_rate: LearningRate = 0.001, rho: float = 0.9, eps: float = 1e-8):
        self.learning_rate = learning_rate
        self.rho = rho
        self.eps = eps
        self._setup()

    def _update(self, key: Any, p: Any, g: Any, *, lr: float, xp: Any) -> Any:
        e = self.rho * self._slot("mean_sq", key, p, xp=xp) + (1.0 - self.rho) * (g * g)
        self._state["mean_sq"][key] = e
        return p - lr * g / (xp.sqrt(e) + self.eps)


class Adam(Optimizer):
    r"""Adam: bias-corrected running averages of the gradient and of its square.

    Parameters
    ----------
    learning_rate : float or schedule, default 0.001
        Step size :math:`\eta > 0`, or a schedule :math:`\eta_t` (:mod:`bayesfit.nn.schedules`).
    beta1, beta2 : float, default 0.9 and 0.999
        Decay rates in :math:`[0, 1)` of the first and second moment averages (Kingma and Ba
        2015's names; they are not the noise precision :math:`\beta` of the regression models).
    eps : float, default 1e-8
        Added to the root to avoid dividing by zero.

    Notes
    -----
    .. math::

        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t \odot g_t,

        \hat m_t = m_t / (1 - \beta_1^t), \qquad \hat v_t = v_t / (1 - \beta_2^t), \qquad
        \theta_{t+1} = \theta_t - \eta\, \hat m_t \oslash (\sqrt{\hat v_t} + \epsilon)

    The bias correction makes the first step :math:`\eta` against the sign of each coordinate's
    gradient, whatever its size.

    Examples
    --------
    >>> import numpy as np
    >>> Adam(learning_rate=0.1).step([np.array([1.0, 1.0])], [np.array([2.0, -4.0])])
    [array([0.9, 1.1])]
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **Optimizer._parameter_constraints,
        "beta1": [_UNIT],
        "beta2": [_UNIT],
        "eps": [POSITIVE],
    }
    _slots = ("m", "v")

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ):
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self._setup()

    def _update(self, key: Any, p: Any, g: Any, *, lr: float, xp: Any) -> Any:
        m = self.beta1 * self._slot("m", key, p, xp=xp) + (1.0 - self.beta1) * g
        v = self.beta2 * self._slot("v", key, p, xp=xp) + (1.0 - self.beta2) * (g * g)
        self._state["m"][key] = m
        self._state["v"][key] = v
        m_hat = m / (1.0 - self.beta1**self.t)
        v_hat = v / (1.0 - self.beta2**self.t)
        return p - lr * m_hat / (xp.sqrt(v_hat) + self.eps)


def __dir__() -> list[str]:  # the public API, not the names this module imports
    return sorted(__all__)
