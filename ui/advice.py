"""Words about training: optimizer names, what happened when a run diverged or
rose, and what the reference optimum is (or why there is none)."""

from __future__ import annotations

import numpy as np

from ui.format import short_number as num

# A run whose cost ends above this multiple of its start has gone the wrong way.
ROSE_FACTOR = 1.5

OPTIMIZER_NAMES = {
    "gd": "gradient descent",
    "sgd": "mini-batch SGD",
    "momentum": "momentum",
    "adam": "Adam",
    "newton": "Newton's method",
}


def explain_divergence(costs, *, learning_rate: float, optimizer: str,
                       standardised: bool, feature_scale: float,
                       non_finite: bool = False) -> str:
    """Plain words: what happened to the cost and what to try.

    ``costs`` are the finite costs from the start to the last finite epoch;
    ``feature_scale`` is the largest standard deviation among the model's features.
    """
    costs = np.asarray(costs, dtype=float)
    start, last, epochs = costs[0], costs[-1], len(costs) - 1
    unscaled = not standardised and feature_scale > 3.0
    what = "too high" + (" for unscaled features" if unscaled else "")
    lr = num(learning_rate)
    if non_finite:
        happened = (f"the weights overflowed and the cost became infinite after "
                    f"epoch {epochs} (last finite cost {num(last)}, from "
                    f"{num(start)} at the start)")
    else:
        happened = (f"cost rose from {num(start)} to {num(last)} in {epochs} "
                    f"epoch{'s' if epochs != 1 else ''}")
    tries = []
    if unscaled:
        tries.append("standardise the features")
    if optimizer == "newton":
        # Newton divides by the curvature p(1 - p), nearly 0 where the model is
        # confidently wrong: there its steps are huge whatever the learning rate.
        tries += ["start nearer w = 0, b = 0", "add some L2",
                  f"use a smaller learning rate (try {num(learning_rate / 10)})"]
        advice = ", ".join(tries[:-1]) + " or " + tries[-1]
        return (f"Newton's method diverged (learning rate {lr}): {happened}. Its "
                "steps divide by the curvature, which is nearly zero where the model "
                "is confidently wrong, so they overshoot wildly. Training stopped at "
                f"the last finite point; {advice}.")
    tries.append(f"lower the learning rate (try {num(learning_rate / 10)})")
    name = OPTIMIZER_NAMES.get(optimizer, optimizer)
    advice = tries[0] if len(tries) == 1 else ", ".join(tries[:-1]) + " or " + tries[-1]
    return (f"Learning rate {lr} is {what} ({name}): {happened}. "
            f"Training stopped at the last finite point; {advice}.")


def describe_rise(costs) -> str | None:
    """Words for a run that did not diverge but ends higher than it started."""
    costs = np.asarray(costs, dtype=float)
    if len(costs) > 1 and costs[-1] > ROSE_FACTOR * costs[0]:
        return (f"The cost went up, from {num(costs[0])} to {num(costs[-1])}: the "
                f"steps overshoot the minimum. Lower the learning rate.")
    return None


def reference_message(reference) -> str:
    """One sentence on a :class:`core.fitting.Reference`: the optimum found, or
    why there is none."""
    if reference.missing == "one_class":
        return "The training rows hold only one class: no reference fit."
    if reference.missing == "separable":
        return (
            "No finite optimum: the training data are perfectly separable and there "
            "is no L2 penalty, so log loss keeps falling towards 0 as the weights "
            "grow without bound. Add some L2 to get a reference."
        )
    C = reference.C
    c_text = "no penalty" if C is None else f"C = 1/(l2 n) = {C:.4g}"
    return f"scikit-learn LogisticRegression ({c_text}): J* = {reference.cost:.6f}"


def reference_bound_message(reference) -> str | None:
    """What the reference fit left out to stay within its work budget (None when it
    used every row and converged)."""
    if reference is None or not reference.capped:
        return None
    parts = []
    if reference.rows < reference.n_rows:
        parts.append(f"on a {reference.rows:,}-row subsample of the "
                     f"{reference.n_rows:,} training rows")
    if not reference.converged:
        parts.append(f"stopped at {reference.max_iter:,} iterations, before it "
                     "converged")
    return ("To answer within a few seconds, the scikit-learn reference was fitted "
            + " and ".join(parts) + ": read it as a close guide, not the exact "
            "optimum.")


def optimum_method(optimum) -> str:
    """How :func:`core.slices.fitted_optimum` found its optimum, for a sentence."""
    if optimum.newton:
        return f"Newton's method on all {optimum.n_rows:,} rows"
    rows = (f"a seeded {optimum.rows:,}-row subsample of the {optimum.n_rows:,} rows"
            if optimum.rows < optimum.n_rows else f"all {optimum.n_rows:,} rows")
    return (f"scikit-learn's lbfgs on {rows}: Newton's method on data this big would "
            "take too long")
