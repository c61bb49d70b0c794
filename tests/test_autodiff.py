"""Notebook 10's reference classes and functions against two independent witnesses,
central differences (chainrule.gradcheck) and automatic differentiation (autograd),
on randomized values, in float64 and float32; plus the edge cases the notebook cares
about (a node used twice, relu exactly at 0, long chains, notebook 07's network) and
the machinery of its hidden tests (scenarios, broken engines, plots).
"""
from __future__ import annotations

import importlib.util
import math

import autograd
import autograd.numpy as anp
import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule import CheckFailure
from chainrule.gradcheck import num_derivative, num_grad
from chainrule.plots import plot_autodiff_cost, plot_engine_training, time_gradients
from chainrule.visible.autodiff import DUAL_EXPRESSIONS, run_value_scenario
from chainrule_reference import autodiff as ref
from chainrule_reference.hidden import autodiff as hidden

pytestmark = pytest.mark.nb10

settings.register_profile("course", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("course")

DTYPES = [np.float64, np.float32]
TOL = {np.float64: dict(rtol=1e-9, atol=1e-12), np.float32: dict(rtol=2e-4, atol=1e-5)}
AWAY = st.floats(0.3, 3.0).flatmap(lambda m: st.sampled_from([m, -m]))   # magnitudes away from 0
SEEDS = st.integers(0, 2 ** 32 - 1)


class Box:
    """A wrapper that gives autograd's traced numbers the methods of Value (.exp(), .relu(), ...).

    The same scenario-building function then runs on Values and, through this, under autograd.
    """

    def __init__(self, x):
        self.x = x

    @staticmethod
    def _raw(other):
        return other.x if isinstance(other, Box) else other

    def __add__(self, o): return Box(self.x + Box._raw(o))
    def __radd__(self, o): return Box(Box._raw(o) + self.x)
    def __sub__(self, o): return Box(self.x - Box._raw(o))
    def __rsub__(self, o): return Box(Box._raw(o) - self.x)
    def __mul__(self, o): return Box(self.x * Box._raw(o))
    def __rmul__(self, o): return Box(Box._raw(o) * self.x)
    def __truediv__(self, o): return Box(self.x / Box._raw(o))
    def __rtruediv__(self, o): return Box(Box._raw(o) / self.x)
    def __pow__(self, p): return Box(self.x ** p)
    def __neg__(self): return Box(-self.x)
    def exp(self): return Box(anp.exp(self.x))
    def log(self): return Box(anp.log(self.x))
    def tanh(self): return Box(anp.tanh(self.x))
    def relu(self): return Box(anp.where(self.x > 0, self.x, 0.0))   # gradient 0 at exactly 0


def _boxed(value, flat, start):
    """Leaves for the builder from the flat autograd vector: Box per number, nested lists for arrays."""
    shape = np.shape(value)
    size = int(np.prod(shape)) if shape else 1
    if not shape:
        return Box(flat[start]), start + 1
    items = [Box(flat[start + k]) for k in range(size)]
    if len(shape) == 1:
        return items, start + size
    return [items[r * shape[1]:(r + 1) * shape[1]] for r in range(shape[0])], start + size


def autograd_scenario(build, numbers):
    """``{"L.data": ..., "<leaf>.grad": ...}`` of a scenario, by autograd."""
    names = list(numbers)
    flat0 = np.concatenate([np.ravel(np.asarray(numbers[k], dtype=np.float64)) for k in names])

    def loss(flat):
        leaves, start = {}, 0
        for k in names:
            leaves[k], start = _boxed(numbers[k], flat, start)
        return build(**leaves).x

    grad = autograd.grad(loss)(flat0)
    result, start = {"L.data": float(loss(flat0))}, 0
    for k in names:
        shape = np.shape(numbers[k])
        size = int(np.prod(shape)) if shape else 1
        result[f"{k}.grad"] = float(grad[start]) if not shape else grad[start:start + size].reshape(shape)
        start += size
    return result


def assert_results_close(actual, expected, **tol):
    assert actual.keys() == expected.keys()
    for key in expected:
        np.testing.assert_allclose(actual[key], expected[key], err_msg=key, **tol)


# ---- Dual ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@given(av=AWAY, ad=AWAY, bv=AWAY, bd=AWAY, c=AWAY, p=st.sampled_from([2, 3, -1, -2]))
def test_dual_arithmetic_matches_autograd_and_central_differences(dtype, av, ad, bv, bd, c, p):
    """Is the derivative part of every Dual operation the derivative along the seeded direction?"""
    a, b = ref.Dual(dtype(av), dtype(ad)), ref.Dual(dtype(bv), dtype(bd))
    for label, op in DUAL_EXPRESSIONS:
        out = op(a, b, c, p)

        def along(t, op=op):
            return op(av + ad * t, bv + bd * t, c, p)

        assert float(out.value) == pytest.approx(op(av, bv, c, p), rel=TOL[dtype]["rtol"], abs=TOL[dtype]["atol"]), label
        assert float(out.derivative) == pytest.approx(autograd.grad(along)(0.0), rel=TOL[dtype]["rtol"],
                                                      abs=TOL[dtype]["atol"]), label
        assert float(out.derivative) == pytest.approx(num_derivative(along, 0.0), rel=1e-4, abs=1e-6), label


def test_dual_of_a_polynomial_is_exact():
    """Does a Dual give p(x) and p'(x) of x^3 - 2x + 1 at 1.5 exactly (the notebook's worked example)?"""
    x = ref.Dual(1.5, 1.0)
    out = x ** 3 - 2 * x + 1
    assert (out.value, out.derivative) == (1.375, 4.75)


@pytest.mark.parametrize("fn, witness", [(ref.dual_sin, anp.sin), (ref.dual_exp, anp.exp), (ref.dual_log, anp.log)],
                         ids=["sin", "exp", "log"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@given(v=st.floats(0.1, 3.0), d=AWAY)
def test_dual_functions_match_autograd(fn, witness, dtype, v, d):
    """Are dual_sin, dual_exp and dual_log g(v) + g'(v) d eps, by autograd and central differences?"""
    out = fn(ref.Dual(dtype(v), dtype(d)))
    tol = dict(rel=TOL[dtype]["rtol"], abs=TOL[dtype]["atol"])
    assert out.value == pytest.approx(float(witness(v)), **tol)
    assert out.derivative == pytest.approx(d * autograd.grad(witness)(v), **tol)
    assert out.derivative == pytest.approx(d * num_derivative(witness, v), rel=1e-5, abs=1e-8)


def test_dual_functions_treat_numbers_as_constants():
    """Does a plain number (a constant) come back with derivative 0?"""
    for fn in (ref.dual_sin, ref.dual_exp, ref.dual_log):
        assert fn(2.0).derivative == 0.0


def _chain(xs):
    total = 0.0
    for i in range(len(xs) - 1):
        total = total + xs[i] * xs[i + 1] / (1 + xs[i] ** 2)
    return total


def _mixed(xs):
    return ref.dual_exp(xs[0] * 0.3) * xs[-1] - ref.dual_log(1 + xs[0] ** 2) + ref.dual_sin(xs[-1])


@given(seed=SEEDS, n=st.integers(1, 8))
def test_forward_mode_gradient_matches_autograd(seed, n):
    """Is forward mode's gradient autograd's reverse-mode gradient, for chains of 1 to 8 inputs?"""
    x = np.random.default_rng(seed).normal(0, 1.5, n)
    expected = autograd.grad(lambda v: _chain([v[i] for i in range(n)]))(x) if n > 1 else np.zeros(1)
    np.testing.assert_allclose(ref.forward_mode_gradient(_chain, x), expected, rtol=1e-10, atol=1e-12)

    def mixed_ag(v):
        return anp.exp(v[0] * 0.3) * v[-1] - anp.log(1 + v[0] ** 2) + anp.sin(v[-1])
    np.testing.assert_allclose(ref.forward_mode_gradient(_mixed, x), autograd.grad(mixed_ag)(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ref.forward_mode_gradient(_chain, x), num_grad(_chain, x), rtol=1e-5, atol=1e-7)


def test_forward_mode_gradient_on_float32_and_integer_input():
    """Does forward mode accept float32 and integer arrays, returning float64 of shape (n,)?"""
    for x in (np.array([1.5, -0.5, 2.0], dtype=np.float32), np.array([2, -1, 3])):
        grad = ref.forward_mode_gradient(_chain, x)
        assert grad.dtype == np.float64 and grad.shape == (3,)
        np.testing.assert_allclose(grad, num_grad(_chain, x.astype(np.float64)), rtol=1e-5, atol=1e-7)


# ---- Value ---------------------------------------------------------------------------------------

SCENARIOS = [case for case in hidden._VALUE_CASES]


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda c: c.label)
@given(seed=SEEDS)
def test_value_matches_autograd_on_every_hidden_scenario(case, seed):
    """On every hidden scenario, are the reference engine's L and leaf gradients autograd's?"""
    inputs = case.draw(np.random.default_rng(seed))
    build = inputs.pop("expression")
    actual = run_value_scenario(ref.Value, build, inputs)
    assert_results_close(actual, autograd_scenario(build, inputs), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", [c for c in SCENARIOS if "exactly 0" not in c.label], ids=lambda c: c.label)
def test_value_matches_central_differences_on_every_hidden_scenario(case):
    """Away from kinks, are the reference engine's gradients central differences of its own L.data?"""
    inputs = case.draw(np.random.default_rng(0))
    build = inputs.pop("expression")
    actual = run_value_scenario(ref.Value, build, inputs)
    for name, value in inputs.items():
        def data(v, name=name, value=value):
            changed = dict(inputs, **{name: v.reshape(np.shape(value)) if np.ndim(value) else float(v)})
            return run_value_scenario(ref.Value, build, changed)["L.data"]
        np.testing.assert_allclose(actual[f"{name}.grad"], num_grad(data, np.asarray(value, dtype=np.float64)),
                                   rtol=1e-5, atol=1e-7, err_msg=name)


@given(a=AWAY, b=AWAY)
def test_value_in_float32(a, b):
    """With float32 data, are the gradients those of float64 to float32 precision?"""
    def build(a, b):
        return (a * b + a).tanh() * b - (a / b).exp()
    single = run_value_scenario(ref.Value, build, {"a": np.float32(a), "b": np.float32(b)})
    double = autograd_scenario(build, {"a": float(np.float32(a)), "b": float(np.float32(b))})
    assert_results_close(single, double, **TOL[np.float32])


def test_value_accumulates_a_node_used_twice():
    """Does a node used twice get the sum of both uses (a + a, a * a, a * b + a)?"""
    a = ref.Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    a = ref.Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    a, b = ref.Value(2.0), ref.Value(-3.0)
    (a * b + a).backward()
    assert (a.grad, b.grad) == (-2.0, 2.0)


def test_value_relu_gradient_is_zero_at_zero():
    """Is relu's gradient 0 at exactly 0, 1 above and 0 below?"""
    for x, expected in ((0.0, 0.0), (-0.0, 0.0), (1e-300, 1.0), (-2.0, 0.0)):
        v = ref.Value(x)
        out = v.relu()
        out.backward()
        assert (out.data, v.grad) == (max(x, 0.0), expected)


def test_value_backward_handles_a_long_chain():
    """Does backward() work on a chain far deeper than Python's recursion limit?"""
    x = ref.Value(0.5)
    total = x
    for _ in range(5000):
        total = total + x * 0.001
    total.backward()
    assert x.grad == pytest.approx(1 + 5000 * 0.001)


def test_value_numbers_on_both_sides():
    """Do 2 + a, 2 - a, 2 * a, 2 / a give the right data and gradients?"""
    for op, data, grad in ((lambda a: 2 + a, 6.0, 1.0), (lambda a: 2 - a, -2.0, -1.0), (lambda a: 2 * a, 8.0, 2.0),
                           (lambda a: 2 / a, 0.5, -0.125)):
        a = ref.Value(4.0)
        out = op(a)
        out.backward()
        assert (out.data, a.grad) == (data, grad)


def _notebook07_on_values(x, y, params):
    """The single-layer network of notebook 07, column form, on scalar reference Values."""
    leaves = {k: [[ref.Value(float(v)) for v in row] for row in a] for k, a in {**params, "x": x}.items()}
    W, b1, U, b2, xv = (leaves[k] for k in ("W", "b1", "U", "b2", "x"))
    z = [sum((W[i][j] * xv[j][0] for j in range(len(xv))), b1[i][0]) for i in range(len(W))]
    h = [zi.relu() for zi in z]
    theta = [sum((U[c][i] * h[i] for i in range(len(h))), b2[c][0]) for c in range(len(U))]
    exps = [t.exp() for t in theta]
    total = sum(exps[1:], exps[0])
    L = -sum(float(y[c, 0]) * (exps[c] / total).log() for c in range(len(U)))
    L.backward()
    return L.data, {k: np.array([[v.grad for v in row] for row in rows]) for k, rows in leaves.items()}


def _notebook07_autograd(x, y, params):
    def loss(W, b1, U, b2, x):
        z = W @ x + b1
        h = anp.where(z > 0, z, 0.0)
        theta = U @ h + b2
        return -anp.sum(y * (theta - anp.log(anp.sum(anp.exp(theta)))))
    args = (params["W"], params["b1"], params["U"], params["b2"], x)
    grads = autograd.grad(loss, (0, 1, 2, 3, 4))(*args)
    return loss(*args), dict(zip(("W", "b1", "U", "b2", "x"), grads))


@given(seed=SEEDS, dx=st.integers(1, 4), dh=st.integers(1, 5), nc=st.integers(2, 4))
def test_value_reproduces_notebook07_gradients(seed, dx, dh, nc):
    """Does the scalar engine give notebook 07's L and five gradients (reference function, else autograd)?"""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(dx, 1))
    params = {"W": rng.normal(size=(dh, dx)), "b1": rng.normal(0, 0.3, (dh, 1)),
              "U": rng.normal(size=(nc, dh)), "b2": rng.normal(0, 0.3, (nc, 1))}
    y = np.zeros((nc, 1))
    y[rng.integers(nc)] = 1.0
    L, grads = _notebook07_on_values(x, y, params)
    if importlib.util.find_spec("chainrule_reference.single_layer_network") is not None:
        from chainrule_reference.single_layer_network import single_layer_loss_and_grads
        L_ref, grads_ref = single_layer_loss_and_grads(x, y, params)
    else:
        L_ref, grads_ref = _notebook07_autograd(x, y, params)
    L_ag, grads_ag = _notebook07_autograd(x, y, params)
    assert L == pytest.approx(L_ref, rel=1e-12, abs=1e-14) and L == pytest.approx(L_ag, rel=1e-12, abs=1e-14)
    for key in ("W", "b1", "U", "b2", "x"):
        np.testing.assert_allclose(grads[key], grads_ref[key], rtol=1e-10, atol=1e-14, err_msg=key)
        np.testing.assert_allclose(grads[key], grads_ag[key], rtol=1e-10, atol=1e-14, err_msg=key)


# ---- the hidden tests' machinery -----------------------------------------------------------------

def test_broken_engines_differ_from_the_reference_somewhere():
    """Does every broken engine of the hidden tests give a wrong answer on at least one hidden scenario?"""
    draws = [case.draw(np.random.default_rng(3)) for case in hidden._VALUE_CASES]
    for text, engine in hidden._BROKEN_ENGINES:
        differs = False
        for inputs in draws:
            numbers = {k: v for k, v in inputs.items() if k != "expression"}
            right = run_value_scenario(ref.Value, inputs["expression"], numbers)
            try:
                wrong = run_value_scenario(engine, inputs["expression"], numbers)
            except Exception:
                continue
            differs |= any(not np.allclose(wrong[k], right[k], rtol=1e-9, atol=1e-12) for k in right)
        assert differs, text


def test_unbroken_engine_is_the_reference():
    """With no rule broken, does the hidden tests' engine agree with the reference on every scenario?"""
    engine = hidden._broken_value()
    for case in hidden._VALUE_CASES:
        inputs = case.draw(np.random.default_rng(5))
        numbers = {k: v for k, v in inputs.items() if k != "expression"}
        assert_results_close(run_value_scenario(engine, inputs["expression"], numbers),
                             run_value_scenario(ref.Value, inputs["expression"], numbers), rtol=1e-12, atol=1e-15)


def test_reference_classes_refuse_learner_code():
    """Do the reference classes refuse to be constructed while learner code is graded?"""
    from chainrule import CheckFailure
    from chainrule_reference._registry import learner_code
    for cls in (ref.Dual, ref.Value):
        with learner_code(), pytest.raises(CheckFailure, match="reference implementation"):
            cls(1.0)


def test_cost_figure_helpers():
    """Do the timing helper and the cost figure run on a small example and label what they show?"""
    matplotlib.use("Agg")

    def reverse(f, x):
        xs = [ref.Value(float(v)) for v in x]
        f(xs).backward()
        return np.array([v.grad for v in xs])

    ns = [2, 4, 8]
    times = time_gradients({"forward": ref.forward_mode_gradient, "reverse": reverse}, _chain, ns,
                           np.random.default_rng(0), repeats=2)
    assert set(times) == {"forward", "reverse"} and all(t.shape == (3,) and np.all(t > 0) for t in times.values())
    fig = plot_autodiff_cost(ns, times, forward="forward", reverse="reverse")
    left, right = fig.axes
    assert left.get_xlabel() and left.get_ylabel() and right.get_title() and fig._suptitle is not None
    assert len(left.get_lines()) == 4 and left.get_legend() is not None
    assert math.isclose(right.get_lines()[0].get_ydata()[-1], times["forward"][-1] / times["reverse"][-1])


@pytest.mark.parametrize("label", ["no topological order: each node passes its grad on as soon as it is reached",
                                   "breadth-first sweep from the output (a visited set, no topological order)",
                                   "no visited set: shared nodes are swept twice"])
def test_visible_value_check_catches_a_sweep_without_topological_order(label):
    """Does the visible check's diamond fail a backward() without a topological order, saying so?"""
    from chainrule import CheckFailure

    from .variants import variant_function
    with pytest.raises(CheckFailure) as failure:
        from chainrule.visible.autodiff import check_Value
        check_Value(variant_function("10-automatic-differentiation", label))
    assert "a diamond" in str(failure.value) and "backward needs a topological order" in str(failure.value)


def test_engine_training_figure():
    """Does the training figure draw the per-step loss, its running mean and the held-out curves?"""
    rng = np.random.default_rng(0)
    losses = 0.7 * np.exp(-np.arange(30) / 10) + rng.uniform(0, 0.1, 30)
    fig = plot_engine_training(losses, [0, 10, 20, 30], [0.8, 0.4, 0.3, 0.2], [0.5, 0.8, 0.9, 0.95], smooth=5)
    left, right = fig.axes
    assert len(left.lines) == 3 and len(right.lines) == 1
    assert left.lines[1].get_xdata()[0] == 5 and np.allclose(right.lines[0].get_ydata(), [50, 80, 90, 95])
    short = plot_engine_training(losses[:3], [0, 3], [0.8, 0.7], [0.5, 0.6], smooth=5)
    assert len(short.axes[0].lines) == 2   # fewer steps than the running mean's width: no running mean


def test_diamond_checkpoint_matches_autograd_and_names_its_mistakes():
    """Are the checkpoint's four numbers autograd's gradients of the diamond, and is each known mistake named?"""
    from chainrule.visible.autodiff import DIAMOND_POINT, diamond_gradients_mistakes, judge_diamond_gradients_by_hand

    def diamond(a, b, c):
        d = a * b
        return (d * c) * 2 + d, d

    a, b, c = DIAMOND_POINT["a"], DIAMOND_POINT["b"], DIAMOND_POINT["c"]
    dd = autograd.grad(lambda d: (d * c) * 2 + d)(a * b)
    da, db, dc = autograd.grad(lambda a, b, c: diamond(a, b, c)[0], (0, 1, 2))(a, b, c)
    expected = (dd, da, db, dc)
    assert np.allclose(ref.diamond_gradients_by_hand(), expected)
    judge_diamond_gradients_by_hand(list(expected))
    for description, wrong in diamond_gradients_mistakes()["diamond_gradients_by_hand"]:
        assert not np.allclose(wrong, expected)
        with pytest.raises(CheckFailure, match="Likely mistake") as failure:
            judge_diamond_gradients_by_hand(wrong)
        assert str(-6.0) not in str(failure.value) and "4.0" not in str(failure.value)
