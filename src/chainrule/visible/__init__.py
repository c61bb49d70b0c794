"""The visible checks that learner notebooks call, one module per notebook.

A check takes the learner's function, runs it on the notebook's example, and
prints ``[ok] ...`` or raises :class:`chainrule.CheckFailure` with what was
expected, what came, and the likely mistake. Checks need no reference
implementation.

Every name in a module's ``__all__`` is available here, so a notebook writes
``from chainrule.visible import check_affine_backward``.
"""
from .._collect import collect

__all__ = collect(__name__, __path__, globals())
