"""What the grader holds of the learner's process: proxies of its objects, and its exceptions.

A :class:`RemoteObject` stands for an object that lives in the learner's
process; every use of it (an attribute, a call, arithmetic) is a request to
that process, through the ``request``/``operate`` methods of the
:class:`~.process.Sandbox` that made it. A learner's class gets a proxy that
is a real class (``isinstance(Value, type)`` holds), whose calls make
instances over there. :func:`raise_local` turns an exception of the learner's
code into a local one of the same type, message and cause.
"""
from __future__ import annotations

import builtins
from typing import Any

from .wire import RemoteError

__all__ = ["RemoteClass", "RemoteObject", "local_error", "proxy_for", "raise_local", "remote_values"]


_SAFE_ERRORS = {name: getattr(builtins, name) for name in (
                    "ArithmeticError", "AssertionError", "AttributeError", "FloatingPointError", "ImportError",
                    "IndexError", "KeyError", "LookupError", "MemoryError", "ModuleNotFoundError", "NameError",
                    "NotImplementedError", "OSError", "OverflowError", "RecursionError", "RuntimeError", "SyntaxError",
                    "TypeError", "UnboundLocalError", "ValueError", "ZeroDivisionError")}


def raise_local(err: RemoteError) -> None:
    """Raise the learner's exception here, as the same built-in type where there is one.

    ``CheckFailure`` stays a CheckFailure (its message is written for the
    learner); any other type becomes a local class of the same name. The
    learner's function that raised it is kept as ``raised_in``, the exception
    it was raised from as ``__cause__``.
    """
    raise local_error(err) from (local_error(err.cause) if err.cause is not None else None)


def local_error(err: RemoteError) -> Exception:
    """The local exception that stands for ``err``."""
    from chainrule.checking import CheckFailure

    if err.type_name == "CheckFailure":
        return CheckFailure(err.message)
    kind = _SAFE_ERRORS.get(err.type_name) or type(err.type_name if err.type_name.isidentifier() else "Error",
                                                   (Exception,), {})
    local = kind(err.message)
    local.raised_in = err.raised_in
    return local


class RemoteObject:
    """An object that lives in the learner's process; every use of it is a request."""

    __slots__ = ("_sandbox", "_ident")

    def __init__(self, sandbox, ident: int):
        object.__setattr__(self, "_sandbox", sandbox)
        object.__setattr__(self, "_ident", ident)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # NumPy and copy probe these; never ask the learner's object
        return self._sandbox.request("getattr", target=self, name=name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._sandbox.request("setattr", target=self, name=name, value=value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object of the submission>"

    __hash__ = object.__hash__

    def __float__(self) -> float:
        return _exactly(self._sandbox.operate("float", self), float)

    def __int__(self) -> int:
        return _exactly(self._sandbox.operate("int", self), int)

    def __bool__(self) -> bool:
        return _exactly(self._sandbox.operate("bool", self), bool)

    def __len__(self) -> int:
        return _exactly(self._sandbox.operate("len", self), int)

    def __iter__(self):
        return iter(_exactly(self._sandbox.operate("list", self), list))


def _exactly(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise TypeError(f"expected a {kind.__name__} from the submission's object, got {type(value).__name__}")
    return value


def _forward(name: str, reflected: bool = False):
    if reflected:
        def method(self, other):
            return self._sandbox.operate(name, other, self)
    else:
        def method(self, *others):
            return self._sandbox.operate(name, self, *others)
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul"):
    setattr(RemoteObject, f"__{_name}__", _forward(_name))
    setattr(RemoteObject, f"__r{_name}__", _forward(_name, reflected=True))
for _name in ("neg", "pos", "abs", "eq", "ne", "lt", "le", "gt", "ge", "getitem", "contains"):
    setattr(RemoteObject, f"__{_name}__", _forward(_name))


class _RemoteCallable(RemoteObject):
    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._sandbox.request("call", target=self, args=list(args), kwargs=kwargs)


_PROXY_TYPES: dict[tuple[str, bool], type] = {}


def _proxy_type(name: str, is_callable: bool) -> type:
    """A proxy class named like the learner's type (so messages say 'Value', not 'RemoteObject')."""
    key = (name, is_callable)
    if key not in _PROXY_TYPES:
        base = _RemoteCallable if is_callable else RemoteObject
        _PROXY_TYPES[key] = type(name if name.isidentifier() else "object", (base,), {"__slots__": ()})
    return _PROXY_TYPES[key]


class RemoteClass(type):
    """The type of a proxy of a learner's class: calling it makes an instance in the learner's process."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._sandbox.request("call", target=cls, args=list(args), kwargs=kwargs)


def proxy_for(sandbox, ident: int, name: str, kind: str) -> Any:
    """A new proxy of the learner's object ``ident`` (``kind``: "class", "function" or "object")."""
    if kind == "class":
        return RemoteClass(name, (), {"_sandbox": sandbox, "_ident": ident})
    return _proxy_type(name, kind == "function")(sandbox, ident)


def remote_values(value: Any, depth: int = 0) -> list[str]:
    """Type names of the learner's objects inside ``value`` (nested tuples, lists, dicts)."""
    if isinstance(value, (RemoteObject, RemoteClass)):
        return [type(value).__name__ if isinstance(value, RemoteObject) else "class"]
    found: list[str] = []
    if depth < 64 and isinstance(value, (tuple, list)):
        for v in value:
            found += remote_values(v, depth + 1)
    elif depth < 64 and isinstance(value, dict):
        for v in value.values():
            found += remote_values(v, depth + 1)
    return found
