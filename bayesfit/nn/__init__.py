"""Neural-net building blocks on the bayesfit array backend: activations (more to come)."""

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

__all__ = [
    "leaky_relu",
    "leaky_relu_grad",
    "log_softmax",
    "log_softmax_grad",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_grad",
    "tanh",
    "tanh_grad",
]
