"""What the grader holds of the learner's process: proxies of its objects, and its exceptions.

A :class:`RemoteObject` stands for an object that lives in the learner's
process; every use of it (an attribute, a call, arithmetic) is a request to
that process, through the ``request``/``operate`` methods of the
:class:`~.process.Sandbox` that made it. A learner's class gets a proxy that
is a real class (``isinstance(Value, type)`` holds), whose calls make
instances over there. :func:`raise_local` turns an exception of the learner's
code into a local one of the same type and cause, its message cut short.

What the grader keeps of a learner's process is bounded and dies with its
sandbox: the proxy classes live in the sandbox's ``proxy_types`` (at most
:data:`MAX_PROXY_TYPES` of them; past that, objects get a generic one), and a
sandbox hands over at most :data:`MAX_PROXIES` objects.
"""
from __future__ import annotations

import builtins
from typing import Any

from ..grading import LEARNER_TEXT, cut
from .wire import RemoteError, WireError

__all__ = ["MAX_PROXIES", "MAX_PROXY_TYPES", "RemoteClass", "RemoteObject", "local_error", "proxy_for", "raise_local",
           "remote_values"]

# A learner's process may hand over this many objects, of this many types, before the grader refuses
# more (measured: the course's solutions hand over at most 721 objects of a handful of types per notebook).
MAX_PROXIES = 10_000
MAX_PROXY_TYPES = 256
CHECK_TEXT = 2 * LEARNER_TEXT  # a CheckFailure of the learner's process: a fixed text around a learner's message
GENERIC = "object"  # the name of a proxy class past MAX_PROXY_TYPES, or for a name that is no identifier


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
        return CheckFailure(cut(err.message, CHECK_TEXT))
    name = err.type_name[:60]
    kind = _SAFE_ERRORS.get(name) or type(name if name.isidentifier() else "Error", (Exception,), {})
    local = kind(cut(err.message))
    local.raised_in = err.raised_in[:80]
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


def _proxy_type(sandbox, name: str, is_callable: bool) -> type:
    """A proxy class named like the learner's type (so messages say 'Value', not 'RemoteObject'),
    made once per sandbox; past :data:`MAX_PROXY_TYPES` names, a generic one."""
    name = name[:80] if name.isidentifier() else GENERIC
    key = (name, is_callable)
    if key not in sandbox.proxy_types and len(sandbox.proxy_types) >= MAX_PROXY_TYPES:
        key = (GENERIC, is_callable)
    if key not in sandbox.proxy_types:
        base = _RemoteCallable if is_callable else RemoteObject
        sandbox.proxy_types[key] = type(key[0], (base,), {"__slots__": ()})
    return sandbox.proxy_types[key]


class RemoteClass(type):
    """The type of a proxy of a learner's class: calling it makes an instance in the learner's process."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._sandbox.request("call", target=cls, args=list(args), kwargs=kwargs)


def proxy_for(sandbox, ident: int, name: str, kind: str) -> Any:
    """A new proxy of the learner's object ``ident`` (``kind``: "class", "function" or "object").

    Raises WireError past :data:`MAX_PROXIES` objects, or past :data:`MAX_PROXY_TYPES` classes: the
    grader refuses the message, so the learner's process ends and the test fails.
    """
    if len(sandbox.proxies) >= MAX_PROXIES:
        raise WireError(f"it handed over more than {MAX_PROXIES} of its objects")
    if kind != "class":
        return _proxy_type(sandbox, name, kind == "function")(sandbox, ident)
    if len(sandbox.proxy_types) >= MAX_PROXY_TYPES:
        raise WireError(f"it handed over more than {MAX_PROXY_TYPES} classes")
    made = RemoteClass(name[:80] if name.isidentifier() else GENERIC, (), {"_sandbox": sandbox, "_ident": ident})
    sandbox.proxy_types[ident] = made  # counted with the types (a key no name shares)
    return made


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
