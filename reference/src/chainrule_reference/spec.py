"""Hidden tests as data: how inputs are drawn, how the functions are called,
what is compared and with what tolerance.

The same :class:`HiddenTest` serves the test cell inside a learner's notebook
(:func:`chainrule_reference.grading.grade`) and a grader that runs the
learner's code in another process: both draw the inputs with
:func:`draw_inputs`, run them with :meth:`HiddenTest.run` and compare with
:func:`chainrule_reference.grading.compare_case`.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from chainrule.checking import out_and_cache

__all__ = ["Case", "HiddenTest", "backward_of", "compose", "draw_inputs", "draw_upstream", "draw_with_kinks",
           "forward_of"]

Inputs = dict[str, Any]
Impl = Mapping[str, Callable]


@dataclass(frozen=True)
class Case:
    """One hidden input: a label for messages and a function that draws it.

    ``draw(rng)`` returns the arguments in call order, as a dict by name.
    ``rtol``/``atol`` override the test's tolerances (float32 cases need looser ones).
    """
    label: str
    draw: Callable[[np.random.Generator], Inputs]
    rtol: float | None = None
    atol: float | None = None


def _call_first(functions: Sequence[str]) -> Callable[[Impl, Inputs], Any]:
    def call(impl: Impl, inputs: Inputs) -> Any:
        return impl[functions[0]](*inputs.values())
    return call


@dataclass(frozen=True)
class HiddenTest:
    """The hidden test of one test cell (``name`` is the cell's grade id).

    Attributes:
        functions: the learner functions the test needs, by name.
        cases: the hidden inputs.
        outputs: names of the items of a returned tuple, for messages; None if
            the function returns one value.
        call: ``call(impl, inputs)`` runs the functions of ``impl`` (learner's
            or reference's, by name) on the inputs; default: the first
            function with the inputs as positional arguments.
        mistakes: ``mistakes(inputs)`` gives, per output path, the known wrong
            answers ``(description, value)`` used to diagnose a failure.
        same_dtype: outputs must have the dtype of the inputs (layer functions).
        judge: ``judge(actual, expected, inputs)`` replaces the comparison with
            the reference's answer, for tests that set a bar rather than a value
            (a training run's accuracy, say); it raises CheckFailure.
    """
    name: str
    functions: tuple[str, ...]
    cases: tuple[Case, ...]
    outputs: tuple[str, ...] | None = None
    call: Callable[[Impl, Inputs], Any] | None = None
    mistakes: Callable[[Inputs], dict[str, list[tuple[str, Any]]]] | None = None
    rtol: float = 1e-6
    atol: float = 1e-9
    same_dtype: bool = False
    judge: Callable[[Any, Any, Inputs], None] | None = None
    points: int = field(default=1, compare=False)

    def run(self, impl: Impl, inputs: Inputs) -> Any:
        """Run the test's functions from ``impl`` on one case's inputs."""
        return (self.call or _call_first(self.functions))(impl, inputs)

    def seed(self) -> int:
        """The fixed seed of this test: a regrade draws the same inputs."""
        return zlib.crc32(self.name.encode())


def draw_inputs(test: HiddenTest) -> list[Inputs]:
    """The inputs of every case of ``test``, the same on every call."""
    return [case.draw(np.random.default_rng([test.seed(), i])) for i, case in enumerate(test.cases)]


def forward_of(forward: str) -> Callable[[Impl, Inputs], Any]:
    """``call`` for a layer's forward test: ``out`` of ``forward(*inputs)``; the cache is not judged."""
    def call(impl: Impl, inputs: Inputs) -> Any:
        return out_and_cache(impl[forward](*inputs.values()), forward)[0]
    return call


def backward_of(forward: str, backward: str) -> Callable[[Impl, Inputs], Any]:
    """``call`` for a layer's backward test: ``backward(dout, cache)`` with the cache from ``forward``.

    The inputs hold the forward's arguments in order, then ``dout``. The cache
    always comes from the same implementation's forward (the learner's own,
    when grading), since what goes into it is the learner's choice.
    """
    def call(impl: Impl, inputs: Inputs) -> Any:
        args = [v for k, v in inputs.items() if k != "dout"]
        _, cache = out_and_cache(impl[forward](*args), forward)
        return impl[backward](inputs["dout"], cache)
    return call


def compose(impl: Impl, runner: Callable, functions: Sequence[str], *args: Any) -> Any:
    """``runner(*functions of impl, *args)``: a course function that calls the learner's functions many
    times over (a training loop, say).

    Where ``impl`` holds a learner's functions in another process (the sandbox grader's), ``impl.compose``
    runs the whole of ``runner`` there, in one request instead of one per call. ``runner`` is then a
    function of the learner library ``chainrule`` (that process has nothing else), and what it returns is
    the learner's to decide: the caller judges it as it would judge a learner function's result.
    """
    there = getattr(impl, "compose", None)
    if there is not None:
        return there(runner, functions, args)
    return runner(*(impl[name] for name in functions), *args)


def draw_upstream(rng: np.random.Generator, shape, dtype=np.float64) -> np.ndarray:
    """An upstream gradient ``dout`` far from +-1 (so a missing ``* dout`` shows), both signs."""
    return (rng.uniform(0.5, 2.5, shape) * rng.choice([-1.0, 1.0], shape)).astype(dtype)


def draw_with_kinks(rng: np.random.Generator, shape, dtype=np.float64) -> np.ndarray:
    """Normal values with about a quarter of the entries exactly 0 (the kink), and +-1e-3 beside them."""
    x = rng.normal(0, 1.5, shape)
    x[rng.uniform(size=shape) < 0.25] = 0.0
    x.flat[0], x.flat[-1] = 0.0, 1e-3
    if x.size > 2:
        x.flat[1] = -1e-3
    return x.astype(dtype)
