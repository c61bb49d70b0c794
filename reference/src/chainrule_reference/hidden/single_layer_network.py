"""Hidden tests of notebook 07, a single-layer network."""
from __future__ import annotations

import numpy as np

from chainrule.visible.single_layer_network import SINGLE_LAYER_MISTAKES as MISTAKES
from chainrule.checking import CheckFailure, describe, expect_close
from chainrule.visible.single_layer_network import (DIGITS_RUN, SPIRAL_RUN, digits_run_inputs, judge_delta1_by_hand,
                                                    judge_digits_run,
                                                    judge_spiral_run, nonfinite_result, relu_layer_mistakes,
                                                    sgd_step_mistakes, spiral_run_inputs, train_two_layer,
                                                    train_two_layer_batches, two_layer_predict)

from ..single_layer_network import single_layer_parts, two_layer_parts
from ..spec import backward_of, Case, compose, draw_upstream, draw_with_kinks, forward_of, HiddenTest

__all__ = ["NOTEBOOK", "TESTS"]

NOTEBOOK = "07-single-layer-network"


def _relu_cases(backward):
    def draw(shape, dtype=np.float64, zeros=False):
        def make(rng):
            x = draw_with_kinks(rng, shape, dtype) if zeros else rng.normal(0, 1.5, shape).astype(dtype)
            return {"x": x, "dout": draw_upstream(rng, shape, dtype)} if backward else {"x": x}
        return make
    return (
        Case("a (4, 6) array", draw((4, 6))),
        Case("values exactly at the kink 0, shape (3, 5)", draw((3, 5), zeros=True)),
        Case("a float32 (5, 3) array with zeros", draw((5, 3), np.float32, zeros=True), rtol=1e-6, atol=1e-7),
        Case("a 1-D array of 7", draw((7,))),
        Case("a (2, 3, 4) tensor", draw((2, 3, 4), zeros=True)),
        Case("a single entry, shape (1, 1), at the kink",
             lambda rng: {"x": np.zeros((1, 1)), "dout": np.array([[1.75]])} if backward else {"x": np.zeros((1, 1))}),
    )


# ---- the single-layer network (column form) -----------------------------------------------------

def _single_inputs(rng, Dx, Dh, Nc, kink=False, shift=0.0):
    x = rng.normal(0, 1, (Dx, 1))
    y = np.zeros((Nc, 1))
    y[rng.integers(Nc)] = 1.0
    params = {"W": rng.normal(0, 1, (Dh, Dx)), "b1": rng.normal(0, 0.5, (Dh, 1)),
              "U": rng.normal(0, 1, (Nc, Dh)), "b2": rng.normal(0, 0.5, (Nc, 1)) + shift}
    if kink:   # hidden unit 0 sits exactly at z = 0; units 1 and 2 are off and on
        params["W"][0] = 0.0
        params["b1"][0] = 0.0
        params["W"][1], params["b1"][1] = 0.5 * np.abs(params["W"][1]) * -np.sign(x[:, 0]), -0.25
        params["W"][2], params["b1"][2] = 0.5 * np.abs(params["W"][2]) * np.sign(x[:, 0]), 0.25
    return {"x": x, "y": y, "params": params}


def _single_mistakes(inputs):
    x, y, params = inputs["x"], inputs["y"], inputs["params"]
    W, U = params["W"], params["U"]
    p = single_layer_parts(x, y, params)
    z, h, d1 = p["z"], p["h"], p["delta2"]    # d1: dL/dtheta, the output layer's error signal
    back = U.T @ d1
    d2 = {"kink": back * (z >= 0), "no_mask": back, "h_not_mask": back * h}
    d2_missing_y = (U.T @ p["yhat"]) * (z > 0)
    d1_scores = p["theta"] - y
    d2_scores = (U.T @ d1_scores) * (z > 0)
    right = p["delta1"]                         # dL/dz, the hidden layer's
    return {
        "J": [("the loss was computed from the scores theta: it is -log(softmax(theta)) of the true class",
               float(-np.sum(y * p["theta"])))],
        "grads['W']": [(MISTAKES["transposed"], x @ right.T)]
        + [(MISTAKES[k], v @ x.T) for k, v in d2.items()]
        + [(MISTAKES["missing_y"], d2_missing_y @ x.T), (MISTAKES["delta1_scores"], d2_scores @ x.T)],
        "grads['b1']": [(MISTAKES[k], v) for k, v in d2.items()]
        + [(MISTAKES["missing_y"], d2_missing_y), (MISTAKES["delta1_scores"], d2_scores)],
        "grads['U']": [(MISTAKES["transposed"], h @ d1.T), (MISTAKES["missing_y"], p["yhat"] @ h.T),
                       (MISTAKES["delta1_scores"], d1_scores @ h.T), (MISTAKES["z_not_h"], d1 @ z.T)],
        "grads['b2']": [(MISTAKES["missing_y"], p["yhat"]), (MISTAKES["delta1_scores"], d1_scores)],
        "grads['x']": [(MISTAKES[k], W.T @ v) for k, v in d2.items()]
        + [(MISTAKES["missing_y"], W.T @ d2_missing_y), (MISTAKES["delta1_scores"], W.T @ d2_scores)],
    }


# ---- the two-layer network (row form) -------------------------------------------------------------

def _batch_inputs(rng, N, D, H, C, reg, kink=False, shift=0.0):
    X = rng.normal(0, 1, (N, D))
    y = rng.integers(0, C, N)
    params = {"W1": rng.normal(0, 1, (D, H)), "b1": rng.normal(0, 0.5, H),
              "W2": rng.normal(0, 1, (H, C)), "b2": rng.normal(0, 0.5, C) + shift}
    if kink:   # hidden unit 0 sits exactly at z = 0 for every example
        params["W1"][:, 0] = 0.0
        params["b1"][0] = 0.0
    return {"params": params, "X": X, "y": y, "reg": reg}


def _batch_mistakes(inputs):
    params, X, y, reg = inputs["params"], inputs["X"], inputs["y"], inputs.get("reg", 0.0)
    W1, W2, b1, b2 = params["W1"], params["W2"], params["b1"], params["b2"]
    N = X.shape[0]
    p = two_layer_parts(params, X, y, reg)
    z, h, ds = p["z"], p["h"], p["dscores"]
    back = ds @ W2.T
    dz = {"kink": back * (z >= 0), "no_mask": back, "h_not_mask": back * h}
    data_W1, data_W2 = X.T @ p["dz"], h.T @ ds
    data_b1, data_b2 = p["dz"].sum(axis=0), ds.sum(axis=0)
    bias_penalty = 0.5 * reg * float(np.sum(b1 ** 2) + np.sum(b2 ** 2))

    def weight(data, penalty):
        return [(MISTAKES["transposed"], (data + penalty).T), (MISTAKES["no_reg_grad"], data),
                (MISTAKES["reg_grad_2"], data + 2 * penalty), (MISTAKES["no_1_over_n"], N * data + penalty),
                (MISTAKES["data_sign"], -data + penalty), (MISTAKES["extra_1_over_n"], data / N + penalty)]

    with np.errstate(all="ignore"):
        block = np.log(p["probs"][:, y])

    return {
        "loss": [(MISTAKES["loss_sum"], N * p["data_loss"] + p["reg_loss"]),
                 (MISTAKES["no_reg_loss"], p["data_loss"]),
                 (MISTAKES["reg_loss_half"], p["data_loss"] + 2 * p["reg_loss"]),
                 (MISTAKES["reg_biases"], p["data_loss"] + p["reg_loss"] + bias_penalty),
                 (MISTAKES["loss_block"], -np.mean(block) + p["reg_loss"]),
                 (MISTAKES["loss_block"], -np.sum(block) / N + p["reg_loss"])],
        "grads['W1']": [(MISTAKES[k], X.T @ v + reg * W1) for k, v in dz.items()] + weight(data_W1, reg * W1),
        "grads['b1']": [(MISTAKES[k], v.sum(axis=0)) for k, v in dz.items()]
        + [(MISTAKES["reg_biases"], data_b1 + reg * b1), (MISTAKES["no_1_over_n"], N * data_b1),
           (MISTAKES["extra_1_over_n"], data_b1 / N),
           (MISTAKES["data_sign"], -data_b1), (MISTAKES["keepdims"], data_b1[None, :])],
        "grads['W2']": [(MISTAKES["z_not_h"], z.T @ ds + reg * W2)] + weight(data_W2, reg * W2),
        "grads['b2']": [(MISTAKES["reg_biases"], data_b2 + reg * b2), (MISTAKES["no_1_over_n"], N * data_b2),
                        (MISTAKES["extra_1_over_n"], data_b2 / N),
                        (MISTAKES["data_sign"], -data_b2), (MISTAKES["keepdims"], data_b2[None, :])],
    }


def _stable_judge(outputs, mistakes, rtol=1e-6, atol=1e-9):
    """A judge that compares ``(loss, grads)`` with the reference's like the default comparison, but names the
    unshifted softmax when the answer holds NaN or infinity where the reference's does not (scores near 1000)."""
    def judge(actual, expected, inputs):
        if (isinstance(actual, tuple) and len(actual) == 2 and nonfinite_result(actual)
                and not nonfinite_result(expected)):
            raise CheckFailure(f"{outputs[0]} or grads contains NaN or infinity.\n"
                               f"  Likely mistake: {MISTAKES['unstable']}.")
        expect_close(actual, expected, name="the result", rtol=rtol, atol=atol, output_names=outputs,
                     mistakes=mistakes(inputs))
    return judge


# ---- gradient descent and the training run -------------------------------------------------------

def _sgd_inputs(rng, shapes, lr):
    params = {k: rng.normal(0, 1, s) for k, s in shapes.items()}
    grads = {k: rng.normal(0, 1, s) for k, s in shapes.items()}
    return {"params": params, "grads": grads, "lr": lr}


def _train(impl, inputs):
    X, y = inputs["X"], inputs["y"]
    with np.errstate(all="ignore"):
        run = compose(impl, train_two_layer, ("two_layer_loss", "sgd_step"), X, y, inputs["hidden"], inputs["lr"],
                      inputs["reg"], inputs["iters"], np.random.default_rng(inputs["seed"]))
    params, losses = _checked_run(run, X, y, inputs["hidden"], inputs["iters"])
    return {"params": params, "losses": losses, "accuracy": _accuracy(params, X, y)}


def _judge(actual, expected, inputs):
    judge_spiral_run(actual, SPIRAL_RUN["bar"], inputs, reference_accuracy=expected["accuracy"])


def _train_digits(impl, inputs):
    X, y = inputs["X"], inputs["y"]
    with np.errstate(all="ignore"):
        run = compose(impl, train_two_layer_batches, ("two_layer_loss", "sgd_step"), X, y, inputs["X_val"],
                      inputs["y_val"], inputs["hidden"], inputs["lr"], inputs["reg"], inputs["epochs"],
                      inputs["batch_size"], np.random.default_rng(inputs["seed"]))
    steps = inputs["epochs"] * -(-len(X) // inputs["batch_size"])
    params, losses = _checked_run(run, X, y, inputs["hidden"], steps)
    return {"params": params, "losses": losses, "train_accuracy": _accuracy(params, X, y),
            "val_accuracy": _accuracy(params, inputs["X_val"], inputs["y_val"])}


def _judge_digits(actual, expected, inputs):
    judge_digits_run(actual, DIGITS_RUN["bar"], inputs, reference_accuracy=expected["val_accuracy"])


def _checked_run(run, X, y, hidden, steps):
    """The final parameters and the losses of a training run, checked to be what a run returns.

    The grader runs the training loop in the learner's process (:func:`~..spec.compose`), where the
    learner's code decides what comes back, as her sgd_step decides the parameters it returns: the
    accuracies are computed here, from the parameters, on this process's copy of the data.
    """
    classes = int(np.max(y)) + 1
    shapes = {"W1": (X.shape[1], hidden), "b1": (hidden,), "W2": (hidden, classes), "b2": (classes,)}
    params = run.get("params") if type(run) is dict else None
    losses = run.get("losses") if type(run) is dict else None
    if type(params) is not dict or set(params) != set(shapes) or any(
            type(params[k]) is not np.ndarray or params[k].shape != shape or params[k].dtype.kind not in "biuf"
            for k, shape in shapes.items()):
        raise CheckFailure(f"the training run ended with parameters that are {describe(params)}, not real arrays of "
                           f"the shapes {shapes}.")
    if type(losses) is not np.ndarray or losses.ndim != 1 or not 1 <= len(losses) <= steps \
            or losses.dtype.kind not in "biuf":
        raise CheckFailure(f"the training run's losses are {describe(losses)}, not one number per step taken.")
    return params, losses.astype(np.float64)


def _accuracy(params, X, y) -> float:
    with np.errstate(all="ignore"):
        return float(np.mean(two_layer_predict(params, X) == y))


TESTS = [
    HiddenTest("relu_forward", ("relu_forward",), _relu_cases(backward=False), call=forward_of("relu_forward"),
               mistakes=lambda i: {"relu_forward": relu_layer_mistakes(i["x"])}, same_dtype=True, rtol=0, atol=0),
    HiddenTest("relu_backward", ("relu_backward", "relu_forward"), _relu_cases(backward=True),
               call=backward_of("relu_forward", "relu_backward"),
               mistakes=lambda i: {"relu_backward": relu_layer_mistakes(i["x"], i["dout"])}, same_dtype=True),
    HiddenTest("delta1_by_hand", ("delta1_by_hand",),
               (Case("the checkpoint's example: delta2 [0.5, -1, 0.5], U (3, 4), z [2, -1, 0, 0.5]", lambda rng: {}),),
               judge=lambda actual, expected, inputs: judge_delta1_by_hand(actual), points=1),
    HiddenTest(
        "single_layer_loss_and_grads", ("single_layer_loss_and_grads",),
        (Case("Dx = 4, Dh = 6, Nc = 3", lambda rng: _single_inputs(rng, 4, 6, 3)),
         Case("Dx = 5, Dh = 3, Nc = 4", lambda rng: _single_inputs(rng, 5, 3, 4)),
         Case("a hidden unit exactly at the kink z = 0 (Dx = 3, Dh = 5, Nc = 2)",
              lambda rng: _single_inputs(rng, 3, 5, 2, kink=True)),
         Case("one input and one hidden unit (Dx = 1, Dh = 1, Nc = 3)", lambda rng: _single_inputs(rng, 1, 1, 3)),
         Case("scores near 1000 (b2 shifted by 1000)", lambda rng: _single_inputs(rng, 3, 4, 3, shift=1000.0))),
        outputs=("J", "grads"), mistakes=_single_mistakes, rtol=1e-6, atol=1e-9, points=3,
        judge=_stable_judge(("J", "grads"), _single_mistakes)),
    HiddenTest(
        "two_layer_loss", ("two_layer_loss",),
        (Case("N = 5, D = 4, H = 6, C = 3, reg = 0", lambda rng: _batch_inputs(rng, 5, 4, 6, 3, 0.0)),
         Case("N = 7, D = 3, H = 5, C = 4, reg = 0.1", lambda rng: _batch_inputs(rng, 7, 3, 5, 4, 0.1)),
         Case("one example, N = 1 (D = 2, H = 4, C = 3, reg = 0.05)", lambda rng: _batch_inputs(rng, 1, 2, 4, 3, 0.05)),
         Case("a hidden unit exactly at the kink z = 0 (N = 6, D = 3, H = 4, C = 3, reg = 0.01)",
              lambda rng: _batch_inputs(rng, 6, 3, 4, 3, 0.01, kink=True)),
         Case("scores near 1000 (b2 shifted by 1000), N = 4, reg = 0.2",
              lambda rng: _batch_inputs(rng, 4, 2, 3, 3, 0.2, shift=1000.0)),
         Case("reg left out (its default is 0)", lambda rng: {
             k: v for k, v in _batch_inputs(rng, 3, 2, 3, 2, 0.0).items() if k != "reg"})),
        outputs=("loss", "grads"), mistakes=_batch_mistakes, rtol=1e-6, atol=1e-9, points=3,
        judge=_stable_judge(("loss", "grads"), _batch_mistakes)),
    HiddenTest(
        "sgd_step", ("sgd_step",),
        (Case("a two-layer network's parameters, lr = 0.1",
              lambda rng: _sgd_inputs(rng, {"W1": (3, 4), "b1": (4,), "W2": (4, 2), "b2": (2,)}, 0.1)),
         Case("the column-form network's parameters, lr = 0.05",
              lambda rng: _sgd_inputs(rng, {"W": (5, 3), "b1": (5, 1), "U": (2, 5), "b2": (2, 1)}, 0.05)),
         Case("a single parameter, lr = 2.5", lambda rng: _sgd_inputs(rng, {"w": (6,)}, 2.5))),
        mistakes=lambda i: sgd_step_mistakes(i["params"], i["grads"], i["lr"]), rtol=1e-10, atol=1e-12),
    HiddenTest("train_spiral", ("two_layer_loss", "sgd_step"),
               (Case("the notebook's spiral and settings", lambda rng: spiral_run_inputs()),),
               call=_train, judge=_judge, points=2),
    HiddenTest("train_digits", ("two_layer_loss", "sgd_step"),
               (Case("the notebook's digits (training and validation parts) and settings",
                     lambda rng: digits_run_inputs()),),
               call=_train_digits, judge=_judge_digits, points=2),
]
