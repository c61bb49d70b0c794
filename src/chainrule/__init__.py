"""chainrule: the learner's library for the chainrule course on backpropagation.

* :mod:`chainrule.gradcheck`: numerical derivatives, gradients and Jacobians (central differences);
* :mod:`chainrule.checking`: comparing answers and explaining what is wrong;
* :mod:`chainrule.visible`: the checks each notebook's exercises call;
* :mod:`chainrule.stats`: statistical checks of random answers (is a draw normal?);
* :mod:`chainrule.data`: toy data sets made in code;
* :mod:`chainrule.plots`: the course's figures.

It holds no solutions: the reference implementations live in the separate
package ``chainrule_reference``.
"""
from .checking import CheckFailure, rel_error
from .gradcheck import num_derivative, num_grad, num_jacobian, num_vjp

__all__ = ["CheckFailure", "num_derivative", "num_grad", "num_jacobian", "num_vjp", "rel_error"]
__version__ = "0.1.0"
