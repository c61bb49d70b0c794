"""Gather the public names of a package's topic modules into the package itself."""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any


def collect(package: str, path: list[str], namespace: dict[str, Any]) -> list[str]:
    """Import every module of ``package`` not starting with ``_`` and copy its ``__all__`` names
    into ``namespace``; returns the names. Two modules exporting one name is an error."""
    names: list[str] = []
    for info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        for name in module.__all__:
            if name in namespace:
                raise ValueError(f"{package}: two modules export {name}")
            namespace[name] = getattr(module, name)
            names.append(name)
    return names
