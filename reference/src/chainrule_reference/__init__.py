"""chainrule_reference: the reference implementations and hidden tests of the chainrule course.

Installed for self-study and for grading; left out of a classroom's student
environment (the learner library ``chainrule`` does not need it).

* one module of reference functions per notebook (``scalar_derivatives``,
  ``computational_graphs``, ...), with the curriculum's names and signatures;
* :mod:`chainrule_reference.hidden`: the hidden tests, as data;
* :func:`chainrule_reference.grading.grade`: what a notebook's test cell calls;
* :mod:`chainrule_reference.sandbox` and :mod:`chainrule_reference.nbgrader_plugin`:
  class grading outside the learner's kernel (docs/grading.md);
* :mod:`chainrule_reference.classgrade`: the ``chainrule grade`` command;
* :mod:`chainrule_reference.selfcheck`: the ``course.py check`` command.
"""
import importlib

from ._registry import REFERENCE

__all__ = ["REFERENCE", "NOTEBOOK_MODULES"]

# The reference functions' modules, one per notebook. Importing them registers
# their functions in REFERENCE; the grading tools (which import nbgrader and
# nbconvert, seconds of start-up) are imported only by those who use them.
NOTEBOOK_MODULES = ("scalar_derivatives", "computational_graphs", "jacobians", "layouts", "affine_layers", "losses",
                    "single_layer_network", "activations", "training", "autodiff")
for _name in NOTEBOOK_MODULES:
    importlib.import_module(f"{__name__}.{_name}")
