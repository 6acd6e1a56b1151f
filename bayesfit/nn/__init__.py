"""Neural nets on the bayesfit array backend.

Activations, the MLP with backpropagation written out (its output heads in
:mod:`bayesfit.nn.heads`), the mini-batch training loop (:mod:`bayesfit.nn.train`), the
optimizers (:mod:`bayesfit.nn.optim`) and their learning-rate schedules
(:mod:`bayesfit.nn.schedules`), and a finite-difference gradient check.
"""

from bayesfit.nn import optim, schedules
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
from bayesfit.nn.mlp import MLP, prior_weight_decay
from bayesfit.nn.train import EarlyStopping, History

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
    "schedules",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_grad",
    "tanh",
    "tanh_grad",
]
