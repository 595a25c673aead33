"""From scores to decisions: confusion counts at every threshold, business cost,
the deployment base rate, the FN/FP cost ratio, and the areas under the curves.

A case is predicted positive iff ``score >= threshold`` (scikit-learn's convention).
A sweep is computed once per data choice; everything else works on its counts
(O(number of distinct scores)), so a million scored rows stay fast. Bootstrap and
calibration live in :mod:`core.bootstrap` and :mod:`core.calibration`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Sweep:
    """Weighted confusion counts at every distinct threshold, highest first.

    ``thresholds[0]`` is ``+inf`` (nothing predicted positive); then come the distinct
    scores in decreasing order, so the last entry predicts everything positive.
    """

    thresholds: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray

    @property
    def total(self) -> float:
        return float(self.tp[0] + self.fp[0] + self.fn[0] + self.tn[0])

    def index_at(self, threshold: float) -> int:
        """Index of the sweep row whose decisions equal those at ``threshold``.

        Predictions at ``t`` are those at the smallest sweep threshold ``>= t``: the
        last row whose threshold is ``>= t``. One binary search.
        """
        if np.isnan(threshold):
            raise ValueError("The threshold must be a number.")
        # thresholds are decreasing; count how many are >= threshold
        ascending = self.thresholds[::-1]
        n_ge = len(ascending) - np.searchsorted(ascending, threshold, side="left")
        return int(max(n_ge - 1, 0))


def threshold_sweep(y_true, scores, sample_weight=None) -> Sweep:
    """Weighted TP, FP, FN, TN at ``+inf`` and at every distinct score, in O(n log n).

    Ties are grouped afterwards, so no sort needs to be stable, and counts are
    cumulative sums in float64: exact for counts and integer weights up to 2**53.

    Without weights only the labels' counts matter, so the scores of positives and
    of negatives are sorted apart in place (NumPy's SIMD sort, several times faster
    than ``argsort``), and one stable ``argsort`` then merges the two sorted runs in
    linear time to tell which sorted score is a positive. With weights, one
    ``argsort`` of the scores orders the weights.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), values in {0, 1}
    scores : array-like of shape (n_samples,), finite floats
    sample_weight : array-like of shape (n_samples,), non-negative, optional
    """
    y = np.asarray(y_true, dtype=float).ravel()
    s = np.asarray(scores, dtype=float).ravel()
    if y.shape != s.shape:
        raise ValueError("y_true and scores must have the same length.")
    if s.size == 0:
        raise ValueError("There are no scores to sweep.")
    if not np.all(np.isfinite(s)):
        raise ValueError("Scores must be finite numbers.")
    is_pos = y == 1
    if not np.all(is_pos | (y == 0)):
        raise ValueError("y_true must contain only 0 and 1.")
    n = len(s)
    if sample_weight is None:
        return _unweighted_sweep(s, is_pos)
    wt = np.asarray(sample_weight, dtype=float).ravel()
    if wt.shape != s.shape:
        raise ValueError("sample_weight must have one value per score.")
    if not np.all(np.isfinite(wt)) or np.any(wt < 0):
        raise ValueError("Weights must be finite and not negative.")
    order = np.argsort(-s)
    s_sorted = s[order]
    wt = wt[order]
    tp_cum = np.cumsum(is_pos[order] * wt)
    fp_cum = np.cumsum(wt) - tp_cum
    # last position of each run of equal scores
    ends = np.flatnonzero(np.diff(s_sorted) != 0)
    ends = np.append(ends, n - 1)
    P, N = tp_cum[-1], fp_cum[-1]
    tp = np.concatenate(([0.0], tp_cum[ends]))
    fp = np.concatenate(([0.0], fp_cum[ends]))
    return Sweep(
        thresholds=np.concatenate(([np.inf], s_sorted[ends])),
        tp=tp,
        fp=fp,
        fn=P - tp,
        tn=N - fp,
    )


def _unweighted_sweep(s: np.ndarray, is_pos: np.ndarray) -> Sweep:
    """The sweep with every weight 1, from two in-place SIMD sorts.

    Fresh large arrays cost page faults, so results are written with ``out=`` into
    arrays allocated once.
    """
    n = len(s)
    n_neg = n - int(np.count_nonzero(is_pos))
    merged = np.empty(n)
    np.compress(~is_pos, s, out=merged[:n_neg])
    np.compress(is_pos, s, out=merged[n_neg:])
    merged[:n_neg].sort()
    merged[n_neg:].sort()
    order = np.argsort(merged, kind="stable")  # merges the two sorted runs: O(n)
    s_asc = np.take(merged, order, out=merged)  # take buffers when out overlaps
    # pos_before[i]: positives among the i lowest scores, i = 0..n
    pos_before = np.empty(n + 1)
    pos_before[0] = 0.0
    np.cumsum(order >= n_neg, out=pos_before[1:])
    del order
    # first position of each run of equal scores, ascending
    new_run = np.not_equal(s_asc[1:], s_asc[:-1])
    m = int(np.count_nonzero(new_run)) + 1  # distinct scores
    starts = np.empty(m, dtype=np.intp)
    starts[0] = 0
    starts[1:] = np.flatnonzero(new_run)
    starts[1:] += 1
    starts = starts[::-1]  # highest scores first
    P, N = pos_before[-1], float(n) - pos_before[-1]
    thresholds, tp, fp = np.empty(m + 1), np.empty(m + 1), np.empty(m + 1)
    thresholds[0] = np.inf
    tp[0] = fp[0] = 0.0
    np.take(s_asc, starts, out=thresholds[1:])
    np.take(pos_before, starts, out=tp[1:])
    np.subtract(P, tp[1:], out=tp[1:])  # positives scoring >= each threshold
    np.subtract(n, starts, out=fp[1:])  # all cases scoring >= each threshold
    np.subtract(fp[1:], tp[1:], out=fp[1:])
    return Sweep(thresholds=thresholds, tp=tp, fp=fp, fn=P - tp, tn=N - fp)


def _ratio(num, den):
    """num / den, 0 where den is 0."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


def rates(sweep: Sweep) -> dict[str, np.ndarray]:
    """Precision, recall, F1, accuracy, specificity, share flagged and false-positive
    rate at every row of the sweep (a rate whose denominator is 0 is 0)."""
    tp, fp, fn, tn = sweep.tp, sweep.fp, sweep.fn, sweep.tn
    return {
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
        "accuracy": _ratio(tp + tn, tp + fp + fn + tn),
        "specificity": _ratio(tn, tn + fp),
        "flagged": _ratio(tp + fp, tp + fp + fn + tn),
        "fpr": _ratio(fp, fp + tn),
    }


def metrics_at(sweep: Sweep, threshold: float) -> dict[str, float]:
    """Counts and rates at any threshold (not only those in the sweep).

    Returns a dict with ``tp fp fn tn precision recall f1 accuracy specificity``
    (plus ``flagged``, the share predicted positive, and ``fpr``). Precision is 0 when
    nothing is predicted positive.
    """
    i = sweep.index_at(threshold)
    row = Sweep(*(a[i : i + 1] for a in (sweep.thresholds, sweep.tp, sweep.fp,
                                          sweep.fn, sweep.tn)))
    counts = {"tp": row.tp, "fp": row.fp, "fn": row.fn, "tn": row.tn}
    return {k: float(v[0]) for k, v in (counts | rates(row)).items()}


def neighbour_score(sweep: Sweep, threshold: float, up: bool) -> float:
    """The next distinct score above ``threshold`` (``up``) or below it: ``+inf``
    (flag no one) above the highest score; ``threshold`` itself when there is no
    lower score. One binary search."""
    if np.isnan(threshold):
        raise ValueError("The threshold must be a number.")
    ascending = sweep.thresholds[::-1]  # a view: distinct scores, then +inf
    if up:
        i = int(np.searchsorted(ascending, threshold, side="right"))
        return float(ascending[i]) if i < len(ascending) else float(threshold)
    i = int(np.searchsorted(ascending, threshold, side="left")) - 1
    return float(ascending[i]) if i >= 0 else float(threshold)


def step_by_share(sweep: Sweep, threshold: float, share: float) -> float:
    """The distinct score nearest ``threshold`` at which the share of cases flagged
    has moved by at least ``|share|`` (``share > 0``: more flagged, the threshold
    goes down; ``< 0``: fewer, up, ``+inf`` past the highest score), or the end of
    the sweep; always at least one distinct score away unless at the end. The
    flagged count grows along the sweep, so this is a binary search over its rows
    (O(log n), no array built)."""
    if not np.isfinite(share):
        raise ValueError("The step must be a finite share.")
    i = sweep.index_at(threshold)
    n = len(sweep.thresholds)

    def flagged(j: int) -> float:
        return float(sweep.tp[j] + sweep.fp[j])

    target = flagged(i) + share * sweep.total
    if share > 0:  # the first row flagging at least the target
        j = min(max(bisect_left(range(n), target, key=flagged), i + 1), n - 1)
    else:  # the last row flagging at most the target
        j = max(min(bisect_right(range(n), target, key=flagged) - 1, i - 1), 0)
    return float(sweep.thresholds[j])


@dataclass(frozen=True)
class CostMatrix:
    """The cost of one decision in each cell of the confusion matrix, in money.

    A gain is a negative cost (a caught fraud that saves 100 is ``tp=-100``).
    """

    tp: float = 0.0
    fp: float = 1.0
    fn: float = 1.0
    tn: float = 0.0

    def __post_init__(self):
        for name in ("tp", "fp", "fn", "tn"):
            value = getattr(self, name)
            if not np.isfinite(value):
                raise ValueError(f"The {name.upper()} cost must be a finite number.")


def expected_cost(sweep: Sweep, cost: CostMatrix) -> np.ndarray:
    """Mean cost per example at each sweep threshold, shape ``(len(thresholds),)``."""
    total = sweep.total
    if total <= 0:
        raise ValueError("The total weight is zero: there is nothing to cost.")
    return (
        sweep.tp * cost.tp
        + sweep.fp * cost.fp
        + sweep.fn * cost.fn
        + sweep.tn * cost.tn
    ) / total


def best_threshold(sweep: Sweep, cost: CostMatrix) -> float:
    """A sweep threshold of lowest expected cost; the largest such on ties.

    May be ``+inf``: flagging no one is then the cheapest decision.
    """
    return float(sweep.thresholds[int(np.argmin(expected_cost(sweep, cost)))])


def bayes_threshold(cost: CostMatrix) -> float:
    """Cost-optimal threshold for calibrated probabilities,
    ``(c_fp - c_tn) / ((c_fp - c_tn) + (c_fn - c_tp))``.

    Flag a case when its expected cost if flagged, ``p c_tp + (1 - p) c_fp``, is at most
    its cost if not, ``p c_fn + (1 - p) c_tn``, that is when ``p d >= c_fp - c_tn`` with
    ``d = (c_fp - c_tn) + (c_fn - c_tp)``. When ``d > 0`` (the usual case: a mistake
    costs more than the right call) this is ``p >= (c_fp - c_tn) / d``; the threshold
    may lie outside [0, 1], meaning flag everyone or no one. Unchanged when every cost
    is scaled by the same positive factor or shifted by the same amount.

    When ``d < 0`` the formula's value is still returned (it is the contract), but no
    rule "flag when ``p >= t``" is then optimal: check :func:`bayes_rule_applies`
    before showing it as a decision. Raises ``ValueError`` when ``d = 0``.
    """
    num = cost.fp - cost.tn
    den = num + (cost.fn - cost.tp)
    if den == 0:
        raise ValueError(
            "With these costs, flagging a case never changes the expected cost by a "
            "fixed amount: there is no single Bayes threshold (FP - TN + FN - TP is 0)."
        )
    return num / den


def adjusted_bayes_threshold(
    threshold: float, sample_prevalence: float, deployment_prevalence: float
) -> float:
    """The Bayes threshold for probabilities calibrated at base rate ``pi`` (the
    data's), used where the base rate is ``pi'`` (production).

    Bayes' rule moves every probability's odds by the ratio of the prior odds:
    ``p'/(1-p') = p/(1-p) * [pi'/(1-pi')] / [pi/(1-pi)]``. Flagging when
    ``p' >= t*`` is therefore flagging when
    ``p/(1-p) >= [t*/(1-t*)] * [pi/(1-pi)] / [pi'/(1-pi')]``; the returned value is
    that odds bound turned back into a probability. Worked in log-odds so no odds
    overflow. A threshold outside (0, 1) (flag everyone, or no one) is returned
    unchanged: no base rate changes that decision.
    """
    t = float(threshold)
    pi, pi_new = float(sample_prevalence), float(deployment_prevalence)
    for name, v in (("sample", pi), ("deployment", pi_new)):
        if not 0.0 < v < 1.0:
            raise ValueError(f"The {name} prevalence must be strictly between 0 and 1.")
    if not 0.0 < t < 1.0:
        return t
    log_odds = (np.log(t) - np.log1p(-t)) + (np.log(pi) - np.log1p(-pi)) - (
        np.log(pi_new) - np.log1p(-pi_new))
    return float(1.0 / (1.0 + np.exp(-log_odds)))


def bayes_rule_applies(cost: CostMatrix) -> bool:
    """True when "flag when ``p >= bayes_threshold(cost)``" is the cost-optimal rule
    for calibrated probabilities, i.e. ``(c_fp - c_tn) + (c_fn - c_tp) > 0``: mistakes
    cost more, in total, than the right calls. Otherwise flagging pays for cases
    *less* likely to be positive (or never, or always) and no threshold is optimal.
    """
    return (cost.fp - cost.tn) + (cost.fn - cost.tp) > 0


# ---------------------------------------------------------------------------------
# Base rate, costs per case, cost ratio
# ---------------------------------------------------------------------------------


def sample_prevalence(sweep: Sweep) -> float:
    """Weighted share of positives in the sweep's data."""
    return float((sweep.tp[0] + sweep.fn[0]) / sweep.total)


def reweight_sweep(sweep: Sweep, prevalence: float) -> Sweep:
    """The sweep as it would look at a deployment base rate ``prevalence``.

    Positive cases (TP, FN) are weighted by ``pi / p_sample`` and negative cases
    (FP, TN) by ``(1 - pi) / (1 - p_sample)``, where ``p_sample`` is the share of
    positives in the data. The total weight is unchanged, recall and specificity are
    unchanged, and precision, accuracy, share flagged and expected cost become those
    of a population with base rate ``pi`` and the same score distribution per class.
    """
    pi = float(prevalence)
    if not 0.0 < pi < 1.0:
        raise ValueError("The deployment prevalence must be strictly between 0 and 1.")
    p = sample_prevalence(sweep)
    if not 0.0 < p < 1.0:
        raise ValueError("The data need both classes to re-weight to a prevalence.")
    wp, wn = pi / p, (1.0 - pi) / (1.0 - p)
    return Sweep(
        thresholds=sweep.thresholds,
        tp=sweep.tp * wp,
        fp=sweep.fp * wn,
        fn=sweep.fn * wp,
        tn=sweep.tn * wn,
    )


def cost_at(sweep: Sweep, cost: CostMatrix, threshold: float) -> float:
    """Mean cost per case when flagging ``score >= threshold``."""
    i = sweep.index_at(threshold)
    return float(
        (sweep.tp[i] * cost.tp + sweep.fp[i] * cost.fp + sweep.fn[i] * cost.fn
         + sweep.tn[i] * cost.tn) / sweep.total
    )


@dataclass(frozen=True)
class Comparison:
    """Mean cost per case at the optimum and at the usual alternatives."""

    optimum: float  # the threshold compared
    at_optimum: float
    at_default: float  # threshold 0.5 (or the default given)
    flag_everyone: float
    flag_no_one: float
    default_threshold: float = 0.5

    def saved_vs(self, which: str, per: float = 1.0) -> float:
        """Money saved per ``per`` cases by the optimum instead of ``which``
        (``"default"``, ``"everyone"`` or ``"no_one"``); negative means it costs more.
        """
        other = {"default": self.at_default, "everyone": self.flag_everyone,
                 "no_one": self.flag_no_one}[which]
        return (other - self.at_optimum) * per


def compare_costs(
    sweep: Sweep, cost: CostMatrix, threshold: float, default_threshold: float = 0.5
) -> Comparison:
    """Expected cost per case at ``threshold`` against the default threshold,
    flagging everyone (the last sweep row) and flagging no one (``+inf``)."""
    c = expected_cost(sweep, cost)
    return Comparison(
        optimum=float(threshold),
        at_optimum=cost_at(sweep, cost, threshold),
        at_default=cost_at(sweep, cost, default_threshold),
        flag_everyone=float(c[-1]),
        flag_no_one=float(c[0]),
        default_threshold=float(default_threshold),
    )


POLICIES = ("optimum", "default", "everyone", "no_one")


@dataclass(frozen=True)
class Recommendation:
    """What to adopt, and the held-out check that chose it.

    ``optimum`` is the cost-optimal threshold on the validation half. It is
    recommended unless a trivial policy (the default threshold, flagging everyone,
    flagging no one) costs strictly less on the held-out half; then the cheapest of
    those is, and ``beaten_by`` names every policy that beat the optimum.
    ``held_out`` and ``validation`` hold each policy's mean cost per case.
    """

    policy: str  # one of POLICIES
    threshold: float
    optimum: float
    thresholds: dict[str, float]
    held_out: dict[str, float]
    validation: dict[str, float]
    beaten_by: tuple[str, ...]

    @property
    def cost(self) -> float:
        """Held-out mean cost per case of the recommendation."""
        return self.held_out[self.policy]

    def saved_vs(self, policy: str, per: float = 1.0) -> float:
        """Held-out money saved per ``per`` cases by the recommendation against
        ``policy``; never negative for a trivial policy."""
        return (self.held_out[policy] - self.cost) * per


def recommend(val: Sweep, test: Sweep, cost: CostMatrix,
              default_threshold: float = 0.5) -> Recommendation:
    """Choose on validation, check on held-out: the validation optimum, unless a
    trivial policy beats it on ``test`` (see :class:`Recommendation`).

    "Flag everyone" is the lowest score of either half (every case is at or above
    it); "flag no one" is ``+inf``. A tie keeps the optimum, so with one half for
    both (``val is test``) the optimum always stands, as it should.
    """
    everyone = float(min(val.thresholds[-1], test.thresholds[-1]))
    thresholds = {"optimum": best_threshold(val, cost),
                  "default": float(default_threshold), "everyone": everyone,
                  "no_one": float(np.inf)}
    held_out = {k: cost_at(test, cost, t) for k, t in thresholds.items()}
    validation = {k: cost_at(val, cost, t) for k, t in thresholds.items()}
    scale = max(abs(v) for v in held_out.values()) or 1.0
    tol = 1e-12 * scale  # float noise is no win
    beaten = tuple(k for k in POLICIES[1:]
                   if held_out[k] < held_out["optimum"] - tol)
    policy = min(beaten, key=held_out.get) if beaten else "optimum"
    return Recommendation(policy, thresholds[policy], thresholds["optimum"],
                          thresholds, held_out, validation, beaten)


@dataclass(frozen=True)
class Capacity:
    """The cheapest threshold that flags at most a share of the cases, and what
    the cap costs against the unconstrained optimum (mean costs per case)."""

    max_share: float
    threshold: float
    cost: float
    flagged: float  # share flagged at ``threshold``
    optimum: float
    optimum_cost: float

    @property
    def binding(self) -> bool:
        """True when the unconstrained optimum flags more than the cap allows."""
        return self.threshold != self.optimum

    @property
    def price(self) -> float:
        """Extra mean cost per case the cap causes (0 when it does not bind)."""
        return self.cost - self.optimum_cost


def best_under_capacity(sweep: Sweep, cost: CostMatrix,
                        max_share: float) -> Capacity:
    """The lowest-cost sweep threshold whose share flagged, ``(TP + FP) / total``,
    is at most ``max_share`` (the largest threshold on ties, as
    :func:`best_threshold`). Flagging no one (``+inf``) always fits, so there is
    always an answer. Exact: every sweep row is a candidate.
    """
    share = float(max_share)
    if not 0.0 <= share <= 1.0:
        raise ValueError("The capacity must be a share between 0 and 1.")
    c = expected_cost(sweep, cost)
    flagged = (sweep.tp + sweep.fp) / sweep.total
    fits = flagged <= share * (1 + 1e-12)  # float noise is no excess
    masked = np.where(fits, c, np.inf)
    i, best = int(np.argmin(masked)), int(np.argmin(c))
    return Capacity(share, float(sweep.thresholds[i]), float(c[i]),
                    float(flagged[i]), float(sweep.thresholds[best]),
                    float(c[best]))


def capacity_share(count: float, cases: float) -> float:
    """The share cap that a capacity of ``count`` cases per period means when
    ``cases`` arrive per period: ``count / cases``, at most 1 (a team that can
    review every case has no cap). Flagging a share ``s`` of the cases flags
    ``s * cases`` of them per period, so ``s * cases <= count`` is
    ``s <= count / cases``."""
    count, cases = float(count), float(cases)
    if not (np.isfinite(count) and count >= 0):
        raise ValueError("The cases reviewed per period must be a number >= 0.")
    if not (np.isfinite(cases) and cases > 0):
        raise ValueError("The cases arriving per period must be a number > 0.")
    return min(count / cases, 1.0)


@dataclass(frozen=True)
class Scenarios:
    """Several cost matrices compared (``k`` of them, in the order given).

    ``thresholds[b]`` is scenario ``b``'s cost-optimal threshold on the sweep that
    chooses; on the sweep that reports, ``costs[a, b]`` is the mean cost per case
    under scenario ``a``'s matrix at scenario ``b``'s threshold, and ``regret[a, b]
    = costs[a, b] - costs[a, a]``: what adopting ``b``'s threshold costs under
    ``a`` (negative when ``b``'s threshold happens to do better there than ``a``'s
    own, which a threshold chosen on other rows can). ``flagged``, ``precision``
    and ``recall`` are at each scenario's threshold on the reporting sweep."""

    thresholds: np.ndarray  # (k,)
    costs: np.ndarray  # (k, k): row a = whose costs, column b = whose threshold
    regret: np.ndarray  # (k, k)
    flagged: np.ndarray  # (k,)
    precision: np.ndarray  # (k,)
    recall: np.ndarray  # (k,)

    @property
    def least_regret(self) -> int:
        """The scenario whose threshold has the smallest worst regret under any
        scenario's costs (minimax regret; the first on ties)."""
        return int(np.argmin(self.regret.max(axis=0)))


def compare_scenarios(choose: Sweep, report: Sweep,
                      costs: list[CostMatrix]) -> Scenarios:
    """Each cost matrix's optimum on ``choose`` (:func:`best_threshold`: the largest
    threshold on ties), and every matrix's cost at every optimum on ``report``
    (pass the same sweep twice to choose and report on the same rows).
    O(k * number of distinct scores)."""
    if not costs:
        raise ValueError("There are no scenarios to compare.")
    thresholds = np.array([best_threshold(choose, c) for c in costs])
    rows = np.array([report.index_at(t) for t in thresholds])
    table = np.array([expected_cost(report, c)[rows] for c in costs])
    r = rates(Sweep(*(a[rows] for a in (report.thresholds, report.tp, report.fp,
                                         report.fn, report.tn))))
    return Scenarios(thresholds, table, table - np.diag(table)[:, None],
                     r["flagged"], r["precision"], r["recall"])


def scaled_cost(sweep: Sweep, cost: CostMatrix) -> np.ndarray:
    """The expected cost at every sweep row scaled to its own range: 0 at the
    cheapest threshold, 1 at the dearest (all 0 when every threshold costs the
    same), so curves of matrices in different units share one axis."""
    c = expected_cost(sweep, cost)
    lo, span = float(c.min()), float(np.ptp(c))
    if span <= 1e-12 * max(1.0, float(np.abs(c).max())):
        return np.zeros_like(c)
    return (c - lo) / span


def cost_ratio(cost: CostMatrix) -> float | None:
    """The regret ratio ``(c_FN - c_TP) / (c_FP - c_TN)``: what a missed positive
    costs, over what a false alarm costs, each compared with the right decision.

    Only this ratio moves the optimal threshold (the expected cost is
    ``P c_TP + N c_TN + FP (c_FP - c_TN) + FN (c_FN - c_TP)``). None unless both
    regrets are positive.
    """
    d_fp, d_fn = cost.fp - cost.tn, cost.fn - cost.tp
    if d_fp <= 0 or d_fn <= 0:
        return None
    return d_fn / d_fp


def optimum_by_ratio(sweep: Sweep, ratios) -> tuple[np.ndarray, np.ndarray]:
    """Empirical optimal threshold and Bayes threshold for each FN/FP regret ratio.

    For ratio ``r`` the costs are ``FP = 1, FN = r`` (TP = TN = 0), which has the same
    optimum as any matrix with that regret ratio. Returns ``(empirical, bayes)``,
    each of shape ``(len(ratios),)``; ``bayes = 1 / (1 + r)``. Exact: every sweep row
    is searched, one vectorised pass per ratio.
    """
    r = np.asarray(ratios, dtype=float).ravel()
    if np.any(~np.isfinite(r)) or np.any(r <= 0):
        raise ValueError("Cost ratios must be positive numbers.")
    fp, fn = sweep.fp, sweep.fn
    out = np.empty(len(r))
    for k, ratio in enumerate(r):
        out[k] = sweep.thresholds[int(np.argmin(fp + ratio * fn))]
    return out, 1.0 / (1.0 + r)


# ---------------------------------------------------------------------------------
# Areas under the curves
# ---------------------------------------------------------------------------------


def average_precision(sweep: Sweep) -> float:
    """Average precision: ``sum_k (R_k - R_{k-1}) P_k`` over the sweep (scikit-learn's
    definition, no interpolation)."""
    r = rates(sweep)
    return float(np.sum(np.diff(r["recall"]) * r["precision"][1:]))


def roc_auc(sweep: Sweep) -> float:
    """Area under the ROC curve by the trapezoid rule over every sweep row (ties
    count one half, as in the Mann-Whitney statistic)."""
    r = rates(sweep)
    return float(np.trapezoid(r["recall"], r["fpr"]))
