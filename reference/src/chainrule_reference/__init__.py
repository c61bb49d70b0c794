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
import pkgutil

from ._registry import REFERENCE

__all__ = ["REFERENCE"]

# Importing every module registers its reference functions in REFERENCE.
for _info in pkgutil.iter_modules(__path__):
    if not _info.name.startswith("_") and _info.name not in ("grading", "spec", "hidden", "sandbox", "nbgrader_plugin",
                                                             "classgrade", "selfcheck"):
        importlib.import_module(f"{__name__}.{_info.name}")
