"""The visible checks that learner notebooks call, one module per notebook.

A check takes the learner's function, runs it on the notebook's example, and
prints ``[ok] ...`` or raises :class:`chainrule.CheckFailure` with what was
expected, what came, and the likely mistake. Checks need no reference
implementation.

Every name in a module's ``__all__`` is available here, so a notebook writes
``from chainrule.visible import check_affine_backward``. The checks taken from
here judge values before style (:func:`chainrule.checking.style_notes`), record their outcome for :func:`chainrule.progress.what_is_left`, and in a
Jupyter kernel, importing this package lets Run All go on past unsolved
exercises (:mod:`chainrule.progress`).
"""
from .. import progress
from .._collect import collect
from ._common import values_first

__all__ = collect(__name__, __path__, globals())

for _name in __all__:
    if _name.startswith("check_"):
        globals()[_name] = progress.recorded(values_first(globals()[_name]))

progress.install()
