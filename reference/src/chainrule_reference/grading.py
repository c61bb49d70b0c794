"""Run a hidden test against a learner's functions and explain any failure.

A notebook's test cell calls ``grade("central_difference", globals())``: the
learner's functions are taken from the notebook's namespace by name, run on
the hidden inputs (copies; warnings captured; the reference implementation
switched off), and compared with the reference.
"""
from __future__ import annotations

import inspect
import warnings
from typing import Any, Callable, Mapping

import numpy as np

from chainrule.checking import CheckFailure, call_learner, describe, expect_close

from ._registry import REFERENCE, is_reference, learner_code
from .hidden import HIDDEN_TESTS
from .spec import Case, HiddenTest, Inputs, draw_inputs

__all__ = ["argument_names", "compare_case", "grade", "learner_impl", "run_hidden_test", "warnings_note"]


def argument_names(name: str) -> list[str] | None:
    """The parameter names of graded function ``name`` (from the reference), for messages; None if unknown."""
    return list(inspect.signature(REFERENCE[name]).parameters) if name in REFERENCE else None


def learner_impl(test: HiddenTest, namespace: Mapping[str, Any],
                 warnings_seen: list[str]) -> dict[str, Callable]:
    """The learner's functions for ``test``, each wrapped by :func:`call_learner`.

    A class (notebook 10's ``Value``, say) is handed over as it is: its methods
    run inside :func:`grade`'s guard.
    """
    impl = {}
    for name in test.functions:
        if name not in namespace:
            raise CheckFailure(f"{name} is not defined: run the cell that defines it first.")
        fn = namespace[name]
        if is_reference(fn):
            raise CheckFailure(
                f"{name} is the reference implementation from chainrule_reference, not your own "
                "code. Graded functions and classes must be written in the notebook.")
        if isinstance(fn, type):
            impl[name] = fn
            continue
        arg_names = argument_names(name)

        def wrapped(*args, _fn=fn, _name=name, _arg_names=arg_names):
            with learner_code():
                call = call_learner(_fn, args, name=_name, arg_names=_arg_names)
            warnings_seen.extend(call.warnings)
            return call.result

        impl[name] = wrapped
    return impl


def _describe_inputs(inputs: Inputs) -> str:
    parts = []
    for key, value in inputs.items():
        if isinstance(value, np.ndarray) and value.size <= 6:
            parts.append(f"{key}={np.array2string(value, precision=4, separator=', ')} ({value.dtype})")
        elif isinstance(value, str) and len(value) <= 40:
            parts.append(f"{key}={value!r}")
        elif isinstance(value, (bool, np.bool_)):
            parts.append(f"{key}={bool(value)}")
        elif isinstance(value, (float, int, np.number)):
            parts.append(f"{key}={value:.6g}")
        elif callable(value):
            parts.append(f"{key}={getattr(value, '__name__', 'a function')}")
        else:
            parts.append(f"{key}: {describe(value)}")
    return ", ".join(parts)


def compare_case(test: HiddenTest, index: int, inputs: Inputs, actual: Any) -> None:
    """Raise CheckFailure unless ``actual`` is the reference's answer for case ``index``."""
    case: Case = test.cases[index]
    expected = test.run(REFERENCE, inputs)
    mistakes = test.mistakes(inputs) if test.mistakes else {}
    try:
        if test.judge is not None:
            test.judge(actual, expected, inputs)
            return
        expect_close(actual, expected, name=test.functions[0] if test.outputs is None else "the result",
                     rtol=case.rtol if case.rtol is not None else test.rtol,
                     atol=case.atol if case.atol is not None else test.atol,
                     same_dtype=test.same_dtype, output_names=test.outputs, mistakes=mistakes)
    except CheckFailure as failure:
        raise CheckFailure(
            f"Hidden test '{test.name}', case {index + 1} of {len(test.cases)} ({case.label}):\n"
            f"  inputs: {_describe_inputs(inputs)}\n{failure}") from None


def run_hidden_test(test: HiddenTest, impl: Mapping[str, Callable], warnings_seen: list[str],
                    accept: Callable[[Any], None] | None = None) -> None:
    """Run every case of ``test`` on ``impl`` and compare; raise CheckFailure at the first failing case.

    ``accept(actual)`` (optional) vets a result before it is compared: the
    out-of-kernel grader refuses objects that still live in the learner's process.
    """
    for index, inputs in enumerate(draw_inputs(test)):
        header = f"Hidden test '{test.name}', case {index + 1} of {len(test.cases)} ({test.cases[index].label}):"
        try:
            with learner_code(), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                actual = test.run(impl, inputs)
            if accept is not None:
                accept(actual)
        except CheckFailure as failure:
            raise CheckFailure(f"{header}\n  {failure}") from failure.__cause__
        except NotImplementedError as err:  # a class's method still holds its stub
            raise CheckFailure(f"{header}\n  your code is not implemented yet ({err}).") from None
        except Exception as err:  # raised by learner code outside a wrapped call (a class's method)
            raise CheckFailure(f"{header}\n  your code raised {type(err).__name__}: {err}") from err
        warnings_seen.extend(f"{w.category.__name__}: {w.message}" for w in caught)
        compare_case(test, index, inputs, actual)


def warnings_note(warnings_seen: list[str]) -> str:
    """The line that reports the learner's NumPy warnings (they never cost points)."""
    return (f"Note: your code raised NumPy warnings during the hidden tests (no points lost): "
            f"{'; '.join(sorted(set(warnings_seen)))}")


def grade(name: str, namespace: Mapping[str, Any]) -> None:
    """Run the hidden test ``name`` on the learner's functions in ``namespace``.

    Passes silently; fails with a CheckFailure that explains the first failing
    case. Warnings the learner's code raised are reported on stdout (they never
    cost points).
    """
    test = HIDDEN_TESTS[name]
    warnings_seen: list[str] = []
    run_hidden_test(test, learner_impl(test, namespace, warnings_seen), warnings_seen)
    if warnings_seen:
        print(warnings_note(warnings_seen))
