"""The course's figures, one module per topic; each function returns a matplotlib Figure.

Every name in a module's ``__all__`` is available here, so a notebook writes
``from chainrule.plots import plot_tangent``.
"""
from .._collect import collect

__all__ = collect(__name__, __path__, globals())
