"""Run a hidden test against a learner's functions, score it and explain any failure.

A notebook's test cell calls ``grade("central_difference", globals())``: the
learner's functions are taken from the notebook's namespace by name, run on
the hidden inputs (copies; warnings captured; the reference implementation
switched off), and compared with the reference.

Partial credit (:class:`TestReport`): every case of a hidden test is run and
earns an equal share of the test's points when its values are right. Values
come first; two matters of style, an input changed in place and right values
in another dtype, cost :data:`STYLE_COST` of the test's points once, named in
the verdict, and never the values' points.

Learner text (exception messages, warnings) reaches a verdict cut short, and a
passing test reports the learner's warnings by category and count only (NumPy's
own floating-point texts aside): a correct function cannot echo its hidden
inputs into the feedback.
"""
from __future__ import annotations

import builtins
import functools
import inspect
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from chainrule.checking import CheckFailure, call_learner, describe, expect_close, style_notes

from ._registry import REFERENCE, is_reference, learner_code
from .hidden import HIDDEN_TESTS
from .spec import Case, HiddenTest, Inputs, draw_inputs

__all__ = ["LEARNER_TEXT", "STYLE_COST", "TestReport", "WarningTally", "argument_names", "compare_case", "cut",
           "grade", "learner_impl", "run_hidden_test"]

LEARNER_TEXT = 200  # characters of a learner's exception message, or warning text, that a verdict quotes
STYLE_COST = 0.1  # share of a test's points that style notes (input changed in place, dtype) cost, once
OTHER_FAILURES_LISTED = 5  # failing cases a verdict names after the first one, which it explains in full


def cut(text: str, limit: int = LEARNER_TEXT) -> str:
    """``text`` cut to ``limit`` characters, saying so."""
    return text if len(text) <= limit else text[:limit] + " [...]"


def argument_names(name: str) -> list[str] | None:
    """The parameter names of graded function ``name`` (from the reference), for messages; None if unknown."""
    return list(inspect.signature(REFERENCE[name]).parameters) if name in REFERENCE else None


def learner_impl(test: HiddenTest, namespace: Mapping[str, Any],
                 warnings_seen: WarningTally) -> dict[str, Callable]:
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


@functools.lru_cache(maxsize=None)
def reference_answer(test: HiddenTest, index: int) -> tuple[Any, dict[str, list[tuple[str, Any]]]]:
    """The reference's answer to case ``index`` of ``test`` and the known mistakes on its inputs.

    Computed once per process: a case's inputs are the same on every draw (:func:`draw_inputs`), so a
    class's submissions share them (notebook 07's reference training runs are 0.24 s a submission).
    """
    inputs = draw_inputs(test)[index]
    return test.run(REFERENCE, inputs), test.mistakes(inputs) if test.mistakes else {}


def compare_case(test: HiddenTest, index: int, inputs: Inputs, actual: Any) -> None:
    """Raise CheckFailure unless ``actual`` is the reference's answer for case ``index``."""
    case: Case = test.cases[index]
    expected, mistakes = reference_answer(test, index)
    try:
        if test.judge is not None:
            test.judge(actual, expected, inputs)
            return
        expect_close(actual, expected, name=test.functions[0] if test.outputs is None else "the result",
                     rtol=case.rtol if case.rtol is not None else test.rtol,
                     atol=case.atol if case.atol is not None else test.atol,
                     same_dtype=test.same_dtype, output_names=test.outputs, mistakes=mistakes)
    except CheckFailure as failure:
        described = f"  inputs: {_describe_inputs(inputs)}\n" if inputs else ""  # a by-hand checkpoint takes none
        raise CheckFailure(
            f"Hidden test '{test.name}', case {index + 1} of {len(test.cases)} ({case.label}):\n"
            f"{described}{failure}") from None


@dataclass
class TestReport:
    """How each case of a hidden test went: its share of the points, and what the verdict says.

    ``failures`` holds, by case index, the explanation of each case whose values were wrong (or that
    raised); ``notes`` the style notes of cases whose values were right.
    """
    test: HiddenTest
    failures: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    judged: int = 0  # cases run and judged so far

    def fail_rest(self, reason: str) -> None:
        """Count the cases not judged yet as failed for ``reason`` (the process died, time ran out)."""
        for index in range(self.judged, len(self.test.cases)):
            self.failures.setdefault(index, reason)
        self.judged = len(self.test.cases)

    @property
    def right(self) -> int:
        """Cases whose values were right."""
        return len(self.test.cases) - len(self.failures)

    @property
    def fraction(self) -> float:
        """The share of the test's points earned: right cases over all cases, less :data:`STYLE_COST` for style."""
        earned = self.right / len(self.test.cases) - (STYLE_COST if self.notes else 0.0)
        return round(max(earned, 0.0), 4)

    def message(self) -> str:
        """The verdict: the score, the first failing case explained in full, the others named, the style notes."""
        n, name = len(self.test.cases), self.test.name
        if not self.failures:
            head = f"Hidden test '{name}': all {n} cases passed."
        else:
            head = f"Hidden test '{name}': {self.right} of {n} cases passed."
        lines = [head]
        if self.failures:
            first, *others = sorted(self.failures)
            lines.append(self.failures[first])
            if others:
                shown = ", ".join(f"{i + 1} ({self.test.cases[i].label})" for i in others[:OTHER_FAILURES_LISTED])
                more = f" and {len(others) - OTHER_FAILURES_LISTED} more" if len(others) > OTHER_FAILURES_LISTED else ""
                lines.append(f"Also failing: case{'s' if len(others) > 1 else ''} {shown}{more}.")
        if self.notes:
            lines.append(f"Style (costs {STYLE_COST:.0%} of the points; the values keep theirs):")
            lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines)


def run_hidden_test(test: HiddenTest, impl: Mapping[str, Callable], warnings_seen: WarningTally,
                    report: TestReport | None = None, accept: Callable[[Any], None] | None = None) -> TestReport:
    """Run every case of ``test`` on ``impl``, compare, and record each case's outcome in ``report``.

    ``accept(actual)`` (optional) vets a result before it is compared: the
    out-of-kernel grader refuses objects that still live in the learner's process.
    An exception of the learner's code is quoted cut to :data:`LEARNER_TEXT` characters.
    A caller that may be interrupted (the learner's process dying) passes its own ``report``
    and keeps the cases judged before.
    """
    report = report if report is not None else TestReport(test)
    for index, inputs in enumerate(draw_inputs(test)):
        header = f"Hidden test '{test.name}', case {index + 1} of {len(test.cases)} ({test.cases[index].label}):"
        with style_notes() as notes:
            failure = None
            try:
                with learner_code(), warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    actual = test.run(impl, inputs)
                if accept is not None:
                    accept(actual)
                warnings_seen.extend(f"{w.category.__name__}: {w.message}" for w in caught)
            except CheckFailure as err:
                failure = f"{header}\n  {err}"
            except NotImplementedError as err:  # a class's method still holds its stub
                failure = f"{header}\n  your code is not implemented yet ({cut(str(err))})."
            except Exception as err:  # raised by learner code outside a wrapped call (a class's method)
                failure = f"{header}\n  your code raised {cut(type(err).__name__, 60)}: {cut(str(err))}"
            else:  # the comparison's own errors (an overflow on a huge int, say) are the caller's to handle
                try:
                    compare_case(test, index, inputs, actual)
                except CheckFailure as err:
                    failure = str(err)
            if failure is None:
                report.notes += [note for note in notes if note not in report.notes]
            else:
                report.failures[index] = failure + "".join(f"\n  Also: {note}" for note in notes)
        report.judged = index + 1
    return report


_WARNING_CATEGORIES = frozenset(name for name, value in vars(builtins).items()
                                if isinstance(value, type) and issubclass(value, Warning))
_FLOATING = re.compile(r"RuntimeWarning: (?:overflow|underflow|divide by zero|invalid value) encountered in "
                       r"(?:scalar )?(\w+)")
_NUMPY_OPERATIONS = frozenset(name for name in dir(np) if isinstance(getattr(np, name), np.ufunc)) | {
    "cast", "reduce", "accumulate", "dot", "divmod"}
_NUMPY_TEXTS_QUOTED = 5  # distinct NumPy texts a note quotes
_TEXTS_KEPT = 20  # distinct texts a tally with ``keep_texts`` keeps


def _is_numpy_floating_text(text: str) -> bool:
    """Is ``text`` one of NumPy's fixed floating-point warnings ('RuntimeWarning: overflow encountered in exp')?"""
    found = _FLOATING.fullmatch(text)
    return found is not None and found.group(1) in _NUMPY_OPERATIONS


class WarningTally:
    """The warnings a learner's code raised during a hidden test (texts ``"Category: message"``), counted as they come.

    NumPy's own floating-point texts are kept: they teach, and they carry nothing of the inputs. Any
    other warning is counted under its category (a built-in warning class, else ``Warning``), its text
    dropped, so that a correct function cannot echo its hidden inputs into the feedback. With
    ``keep_texts`` (the learner's own kernel, where the inputs are no secret) texts are kept, cut short.
    The tally stays small whatever comes: a bounded set of keys, with counts.
    """

    def __init__(self, keep_texts: bool = False):
        self.keep_texts = keep_texts
        self.counts: Counter[str] = Counter()

    def extend(self, texts: Iterable[Any]) -> None:
        for text in texts:
            self.counts[self._key(text)] += 1

    def __bool__(self) -> bool:
        return bool(self.counts)

    def _key(self, text: Any) -> str:
        text = text if type(text) is str else ""
        if _is_numpy_floating_text(text):
            return text
        if self.keep_texts:
            key = cut(text)
            return key if key in self.counts or len(self.counts) < _TEXTS_KEPT else "other warnings"
        category = text.split(":", 1)[0]
        return category if category in _WARNING_CATEGORIES else "Warning"

    def note(self) -> str:
        """The line that reports the warnings (they never cost points)."""
        numpy_texts = sorted(k for k in self.counts if _is_numpy_floating_text(k))
        parts = numpy_texts[:_NUMPY_TEXTS_QUOTED]
        if len(numpy_texts) > _NUMPY_TEXTS_QUOTED:
            parts.append(f"{len(numpy_texts) - _NUMPY_TEXTS_QUOTED} more NumPy warnings")
        others = sorted(k for k in self.counts if k not in numpy_texts)
        for key in others:
            count = self.counts[key]
            parts.append(f"{key} ({'once' if count == 1 else f'{count} times'})")
        hidden = " The texts of warnings other than NumPy's own are not shown." if others and not self.keep_texts \
            else ""
        return f"Note: your code raised warnings during the hidden tests (no points lost): {'; '.join(parts)}.{hidden}"


def grade(name: str, namespace: Mapping[str, Any]) -> None:
    """Run the hidden test ``name`` on the learner's functions in ``namespace``.

    Passes with a line when every case is right and there is no style note; otherwise fails with a
    CheckFailure giving the share of the points earned and explaining the first failing case.
    Warnings the learner's code raised are reported on stdout (they never cost points).
    """
    test = HIDDEN_TESTS[name]
    warnings_seen = WarningTally(keep_texts=True)
    report = run_hidden_test(test, learner_impl(test, namespace, warnings_seen), warnings_seen)
    if warnings_seen:
        print(warnings_seen.note())
    if report.failures or report.notes:
        raise CheckFailure(f"{report.message()}\nScore: {report.fraction:.0%} of the points.")
