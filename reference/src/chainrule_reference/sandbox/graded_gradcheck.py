"""``chainrule.gradcheck`` as the grader's sandbox has it: the course's numerical tools refuse to run.

The sandbox (:mod:`.process`) puts this file in place of the learner library's
``gradcheck.py`` in the learner's process. There, every line of code is the
learner's graded code, so the tools that would do an exercise for the learner
(notebook 03 asks for numerical gradients, notebook 05 for Jacobians built
analytically) are simply absent: no flag to reset, no original function to
unwrap. The grader's own numerical checks run in the grader's process.
"""
from .checking import CheckFailure

__all__ = ["num_derivative", "num_grad", "num_jacobian", "num_vjp"]


def _refused(name: str):
    def refused(*args, **kwargs):
        raise CheckFailure(f"the code under test called chainrule's {name}: graded "
                           "functions must compute their answer themselves.")
    refused.__name__ = refused.__qualname__ = name
    return refused


num_derivative = _refused("num_derivative")
num_grad = _refused("num_grad")
num_jacobian = _refused("num_jacobian")
num_vjp = _refused("num_vjp")
