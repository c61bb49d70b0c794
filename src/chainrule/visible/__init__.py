"""The visible checks that learner notebooks call, one module per notebook.

A check takes the learner's function, runs it on the notebook's example, and
prints ``[ok] ...`` or raises :class:`chainrule.CheckFailure` with what was
expected, what came, and the likely mistake. Checks need no reference
implementation.

Every name in a module's ``__all__`` is available here, so a notebook writes
``from chainrule.visible import check_affine_backward``.
"""
import importlib
import pkgutil

__all__: list[str] = []

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name.startswith("_"):
        continue
    _module = importlib.import_module(f"{__name__}.{_info.name}")
    for _name in _module.__all__:
        if _name in globals():
            raise ValueError(f"two visible checks are named {_name}")
        globals()[_name] = getattr(_module, _name)
        __all__.append(_name)
