"""The visible checks that learner notebooks call, one module per notebook.

A check takes the learner's function, runs it on the notebook's example, and
prints ``[ok] ...`` or raises :class:`chainrule.CheckFailure` with what was
expected, what came, and the likely mistake. Checks need no reference
implementation.
"""
from .computational_graphs import (check_add_backward, check_circuit_forward_backward,
                                   check_fanout_forward_backward, check_max_backward, check_mul_backward,
                                   check_neuron_forward_backward, check_squared_error_forward_backward)
from .scalar_derivatives import (check_central_difference, check_composite_and_grad, check_difference_errors,
                                 check_forward_difference, check_leaky_relu_grad, check_relu_grad,
                                 check_sigmoid_grad, check_tanh_grad)

__all__ = [
    "check_add_backward", "check_central_difference", "check_circuit_forward_backward",
    "check_composite_and_grad", "check_difference_errors", "check_fanout_forward_backward",
    "check_forward_difference", "check_leaky_relu_grad", "check_max_backward", "check_mul_backward",
    "check_neuron_forward_backward", "check_relu_grad", "check_sigmoid_grad",
    "check_squared_error_forward_backward", "check_tanh_grad",
]
