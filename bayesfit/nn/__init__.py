"""Neural nets on the bayesfit array backend.

Activations, the MLP with backpropagation written out, the optimizers (:mod:`bayesfit.nn.optim`)
and a finite-difference gradient check.
"""

from bayesfit.nn import optim
from bayesfit.nn.activations import (
    leaky_relu,
    leaky_relu_grad,
    log_softmax,
    log_softmax_grad,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_grad,
    tanh,
    tanh_grad,
)
from bayesfit.nn.gradcheck import gradient_check
from bayesfit.nn.mlp import MLP, EarlyStopping, History, prior_weight_decay

__all__ = [
    "MLP",
    "EarlyStopping",
    "History",
    "gradient_check",
    "leaky_relu",
    "leaky_relu_grad",
    "log_softmax",
    "log_softmax_grad",
    "optim",
    "prior_weight_decay",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_grad",
    "tanh",
    "tanh_grad",
]
