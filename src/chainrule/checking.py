"""The checking machinery shared by visible checks, hidden tests and graders.

Checks *return* numbers (see :mod:`chainrule.gradcheck`); the helpers here
*raise* :class:`CheckFailure`, an ``AssertionError`` whose message says what was
expected, what came, where they differ most, and the likely mistake.

The three entry points:

* :func:`call_learner` runs a learner's function safely: inputs are copied,
  NumPy warnings are captured (so a correct answer never loses points because
  of a harmless overflow), in-place changes to inputs are reported.
* :func:`expect_close` compares a learner's output, of any nesting of tuples,
  lists, dicts, arrays and numbers, with the expected one: type, dtype, shape
  and finiteness first, values last.
* :func:`diagnose` names the known mistake an answer matches, if any.

Values come first: a function whose values are wrong is told so, whatever else it did. Two
things are matters of style rather than values: changing an input in place, and returning
the right values in another dtype. Inside :func:`style_notes` they are noted rather than
raised (the hidden tests charge them a small fraction of the points); outside, they fail a
check once the values are known to be right.
"""
from __future__ import annotations

import contextlib
import copy
import numbers
import os
import traceback
import warnings
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

__all__ = [
    "CheckFailure",
    "LearnerCall",
    "call_learner",
    "describe",
    "diagnose",
    "expect_close",
    "frame_name",
    "generic_mistakes",
    "in_learner_code",
    "in_place_message",
    "learner_code",
    "out_and_cache",
    "rel_error",
    "same_value",
    "pending_style_notes",
    "style_note",
    "style_notes",
]


_PACKAGE = os.path.dirname(os.path.abspath(__file__))  # frames of chainrule itself are not the learner's


class CheckFailure(AssertionError):
    """A check failed; the message is written for the learner."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows for a failed check: the message, not a traceback through the checking code.

        The message says what was expected, what came and the likely mistake. Where the learner's own
        code raised (the exception chained as ``__cause__``), the last lines of that code the error
        passed through follow, and nothing of the course's package.
        """
        lines = [f"\x1b[0;31mCheckFailure\x1b[0m: {self}"]
        cause = self.__cause__
        if cause is not None and cause.__traceback__ is not None:
            frames = [f for f in traceback.extract_tb(cause.__traceback__) if not f.filename.startswith(_PACKAGE)]
            lines += [line.rstrip("\n") for line in traceback.format_list(frames[-2:])]
        return lines


_learner_depth = 0


@contextlib.contextmanager
def learner_code() -> Iterator[None]:
    """Mark the code run inside as the learner's (while grading): tools that would do the
    exercise for the learner (the reference, the course's own numerical gradients) refuse to run."""
    global _learner_depth
    _learner_depth += 1
    try:
        yield
    finally:
        _learner_depth -= 1


def in_learner_code() -> bool:
    """True while :func:`learner_code` is active."""
    return _learner_depth > 0


_notes: list[str] | None = None  # the style notes being collected, if any


@contextlib.contextmanager
def style_notes() -> Iterator[list[str]]:
    """Collect style notes (an input changed in place, a right value in another dtype) instead of raising.

    Yields the list the notes go to; each note is a sentence naming what happened and how to fix it.
    """
    global _notes
    outer, _notes = _notes, []
    try:
        yield _notes
    finally:
        _notes = outer


def pending_style_notes() -> list[str]:
    """The notes :func:`style_notes` has collected so far (none outside it)."""
    return list(_notes or [])


def style_note(message: str) -> None:
    """Note a matter of style inside :func:`style_notes`; outside, fail with ``message``."""
    if _notes is None:
        raise CheckFailure(message)
    if message not in _notes:
        _notes.append(message)


class LearnerCall:
    """What a learner's function returned, the warnings it raised and the inputs it changed in place."""

    def __init__(self, result: Any, warning_messages: list[str], changed: list[str]):
        self.result = result
        self.warnings = warning_messages
        self.changed = changed


def in_place_message(name: str, arg_name: str, arg: Any) -> str:
    """The style note for function ``name`` having changed its input ``arg_name`` (whose value was ``arg``)."""
    fix = (f"build a new dict of new arrays (`{{k: v.copy() for k, v in {arg_name}.items()}}`)"
           if isinstance(arg, dict) else f"work on a copy (`{arg_name} = {arg_name}.copy()`)")
    return f"{name} changed its input {arg_name} in place: {fix}, or build new arrays."


def frame_name(frame) -> str:
    """``Class.method`` for a method's frame, else the function's name (for messages about a learner's error)."""
    owner = frame.f_locals.get("self")
    name = frame.f_code.co_name
    return f"{type(owner).__name__}.{name}" if owner is not None and not isinstance(owner, type) else name


def rel_error(a, b, floor: float = 1e-8) -> float:
    """Largest elementwise relative error ``|a - b| / max(|a| + |b|, floor)``."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor), initial=0.0))


def describe(value: Any) -> str:
    """A short description of a value's type, dtype and shape: ``float32 (3, 4)``."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    if isinstance(value, np.generic):
        return f"NumPy scalar {value.dtype}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, numbers.Number):
        return type(value).__name__
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of {len(value)}"
    if isinstance(value, dict):
        return f"dict with keys {sorted(map(str, value))}"
    if callable(value):
        return "function"
    return type(value).__name__


def _copy_input(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (dict, list, tuple)):
        return copy.deepcopy(value)
    return value


def same_value(a: Any, b: Any) -> bool:
    """Exact equality of two inputs, recursively (arrays bitwise, NaNs equal)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.shape == b.shape and a.dtype == b.dtype
                and bool(np.array_equal(a, b, equal_nan=True)))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return a is b or a == b


def call_learner(fn: Callable, args: Sequence[Any], *, name: str,
                 arg_names: Sequence[str] | None = None) -> LearnerCall:
    """Call ``fn(*args)`` on copies of ``args``; raise CheckFailure if it fails.

    Warnings raised inside the call (overflow in ``exp``, say) are recorded
    rather than printed: they are returned in ``LearnerCall.warnings``.
    A function that changes one of its inputs in place gets a :func:`style_note`
    that names the input (a failure outside :func:`style_notes`).
    """
    if not callable(fn):
        raise CheckFailure(f"{name} should be a function, but it is {describe(fn)}.")
    arg_names = list(arg_names or [f"argument {i + 1}" for i in range(len(args))])
    given = [_copy_input(a) for a in args]
    saved = [_copy_input(a) for a in given]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(*given)
        except NotImplementedError as err:
            raise CheckFailure(f"{name} is not implemented yet ({err}).") from None
        except CheckFailure:
            raise
        except Exception as err:  # the learner's bug: report it, keep the traceback
            raise CheckFailure(f"{name} raised {type(err).__name__}: {err}") from err
    changed = [arg_name for arg_name, before, after in zip(arg_names, saved, given)
               if not callable(before) and not same_value(before, after)]
    for arg_name in changed:
        style_note(in_place_message(name, arg_name, saved[arg_names.index(arg_name)]))
    messages = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    return LearnerCall(result, messages, changed)


def out_and_cache(result: Any, name: str) -> tuple[Any, Any]:
    """Split what a layer's forward returned into ``(out, cache)``, or say why it cannot."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailure(f"{name} should return a tuple (out, cache), but it returned {describe(result)}.")
    return result


def generic_mistakes(expected: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Wrong answers that many functions share, derived from the right one."""
    e = np.asarray(expected, dtype=np.float64)
    found = [
        ("the sign is flipped", -e),
        ("a factor 2 is missing", e / 2),
        ("there is an extra factor 2: the result is twice the right one", e * 2),
    ]
    if e.ndim >= 2 and e.shape[0] > 1:
        n = e.shape[0]
        found += [(f"a factor 1/N is missing (N = {n})", e * n),
                  (f"there is an extra factor 1/N (N = {n})", e / n)]
    if e.ndim == 2 and e.shape[0] == e.shape[1]:
        found.append(("this is the transpose of the right answer: check the layout "
                      "(a gradient has the shape of its parameter)", e.T))
    return found


def diagnose(actual: Any, candidates: Iterable[tuple[str, Any]], *,
             rtol: float = 1e-5, atol: float = 1e-8) -> str | None:
    """The first candidate mistake whose value ``actual`` matches, or None."""
    try:
        a = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    for text, wrong in candidates:
        w = np.asarray(wrong, dtype=np.float64)
        if w.shape == a.shape and np.all(np.isfinite(w)) and np.allclose(a, w, rtol=rtol, atol=atol):
            return text
    return None


def _is_number(value: Any) -> bool:
    return (isinstance(value, (numbers.Real, np.floating, np.integer))
            and not isinstance(value, (bool, np.bool_)))


_BOOL_FIX = ("A comparison such as z > 0 gives booleans: turn them into numbers with (z > 0) * 1.0, which works "
             "on a Python float as well as on an array (a Python float's z > 0 is a plain bool, which has no "
             ".astype) and keeps a float32 array's dtype.")


def _check_leaf(path: str, actual: Any, expected: Any, *, rtol: float, atol: float,
                same_dtype: bool, mistakes: Sequence[tuple[str, Any]]) -> None:
    exp = np.asarray(expected)
    if exp.ndim == 0:
        if isinstance(actual, np.ndarray) and actual.ndim == 0:
            actual = actual[()]
        if not _is_number(actual):
            raise CheckFailure(f"{path} should be a number, but it is {describe(actual)}."
                               + (f" {_BOOL_FIX}" if isinstance(actual, (bool, np.bool_)) else ""))
        act = np.asarray(actual, dtype=np.float64)
    else:
        if not isinstance(actual, np.ndarray):
            raise CheckFailure(
                f"{path} should be a NumPy array of shape {exp.shape}, but it is {describe(actual)}.")
        if actual.dtype.kind not in "fiu":
            raise CheckFailure(f"{path} should hold real numbers, but its dtype is {actual.dtype}."
                               + (f" {_BOOL_FIX}" if actual.dtype.kind == "b" else ""))
        if actual.shape != exp.shape:
            # A known mistake of another shape (a Jacobian where a gradient belongs, say) is
            # named first; otherwise the shapes themselves suggest the mistake.
            hint = diagnose(actual, mistakes) or diagnose_shape(actual.shape, exp.shape)
            raise CheckFailure(
                f"{path} has shape {actual.shape}, expected {exp.shape}." + (f"\n  Likely mistake: {hint}." if hint else ""))
        act = actual
    dtype = (f"{path} has dtype {actual.dtype}, expected {exp.dtype} (the dtype of the input). Avoid creating "
             "float64 arrays (np.zeros(shape) without dtype=, or * 1.0 on booleans)."
             if same_dtype and exp.ndim and actual.dtype != exp.dtype else None)
    if not np.all(np.isfinite(act)):
        raise CheckFailure(f"{path} contains NaN or infinity: {np.asarray(act)!r}" + (f"\n  Also: {dtype}" if dtype else ""))
    act64 = np.asarray(act, dtype=np.float64)
    exp64 = np.asarray(exp, dtype=np.float64)
    err = np.abs(act64 - exp64)
    bad = err > atol + rtol * np.abs(exp64)
    if not np.any(bad):
        if dtype:
            style_note(dtype)
        return
    worst = np.unravel_index(int(np.argmax(np.where(bad, err, -1))), exp64.shape) if exp64.ndim else ()
    where = f" at index {tuple(int(i) for i in worst)}" if exp64.ndim else ""
    lines = [f"{path} is wrong{where}: expected {exp64[worst]:.6g}, got {act64[worst]:.6g} "
             f"(worst relative error {rel_error(act64, exp64):.2e}, tolerance rtol={rtol:g}, atol={atol:g})."]
    if exp64.size > 1 and exp64.size <= 12:
        # prefix= indents the continuation rows of a 2-D array under the first one, so the columns line up
        for label, values in (("  expected: ", exp64), ("  got:      ", act64)):
            lines.append(label + np.array2string(values, precision=5, separator=', ', prefix=label))
    # A candidate mistake that is itself close to the right answer names nothing.
    candidates = [(text, wrong) for text, wrong in list(mistakes) + generic_mistakes(exp64)
                  if np.shape(wrong) != exp64.shape
                  or not np.allclose(np.asarray(wrong, dtype=np.float64), exp64, rtol=max(rtol, 1e-6),
                                     atol=max(atol, 1e-10))]
    hint = diagnose(act64, candidates, rtol=max(rtol, 1e-6), atol=max(atol, 1e-10))
    if hint:
        lines.append(f"  Likely mistake: {hint}.")
    if dtype:
        lines.append(f"  Also: {dtype}")
    raise CheckFailure("\n".join(lines))


def diagnose_shape(actual: tuple, expected: tuple) -> str | None:
    """Name the likely mistake behind a wrong shape."""
    if len(actual) == len(expected) == 2 and actual == expected[::-1]:
        return ("the result is transposed: a gradient has the shape of its parameter "
                "(write the shapes down and find the only product that fits)")
    if actual == (1,) + expected:
        return "keepdims=True was used where the plain shape is expected"
    if expected == (1,) + actual:
        return "the keepdims form (1, M) is expected here"
    if actual[1:] == expected and actual[:1] != ():
        return "a sum over the batch (axis 0) is missing"
    if actual == expected[1:]:
        return "there is an extra sum over the batch (axis 0)"
    return None


def expect_close(actual: Any, expected: Any, *, name: str = "result", rtol: float = 1e-6,
                 atol: float = 1e-9, same_dtype: bool = False,
                 output_names: Sequence[str] | None = None,
                 mistakes: dict[str, Sequence[tuple[str, Any]]] | None = None) -> None:
    """Raise CheckFailure unless ``actual`` matches ``expected`` in structure and value.

    ``expected`` may nest tuples, lists and dicts of arrays and numbers;
    ``actual`` must have the same structure (a tuple where a tuple is expected,
    the same dict keys, ...). ``output_names`` names the items of a top-level
    tuple (``("dx", "dw", "db")``) in messages. ``mistakes`` maps a leaf's path
    (``"dx"``, ``"grads['W']"``) to candidate wrong answers ``(description, value)``.
    """
    mistakes = mistakes or {}

    def walk(path: str, act: Any, exp: Any) -> None:
        if isinstance(exp, (tuple, list)):
            if not isinstance(act, (tuple, list)) or len(act) != len(exp):
                names = f" ({', '.join(output_names)})" if output_names and path == name else ""
                raise CheckFailure(
                    f"{path} should be a tuple of {len(exp)} values{names}, but it is {describe(act)}.")
            for i, (a, e) in enumerate(zip(act, exp)):
                top = output_names is not None and path == name
                walk(output_names[i] if top else f"{path}[{i}]", a, e)
        elif isinstance(exp, dict):
            if not isinstance(act, dict):
                raise CheckFailure(f"{path} should be a dict with keys {sorted(exp)}, but it is {describe(act)}.")
            if set(act) != set(exp):
                raise CheckFailure(f"{path} has keys {sorted(map(str, act))}, expected {sorted(exp)}.")
            for key in exp:
                walk(f"{path}[{key!r}]", act[key], exp[key])
        else:
            _check_leaf(path, act, exp, rtol=rtol, atol=atol, same_dtype=same_dtype,
                        mistakes=mistakes.get(path, ()))

    walk(name, actual, expected)
