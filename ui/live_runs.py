"""Wall-clock scheduling of live training runs: how many epochs fit in a page's
batch. The runs themselves (:class:`core.fitting.LiveRun`) step by epoch count
only."""

from __future__ import annotations

import time


def advance_together(runs, max_epochs: int, time_budget_s: float | None = None) -> int:
    """Advance several :class:`core.fitting.LiveRun` s in lockstep, one epoch
    each in turn, so runs compared side by side always show the same epoch (a
    finished run just stays).

    Stops after ``max_epochs`` rounds, when every run is done, or past the time
    budget; returns the number of rounds.
    """
    runs = list(runs)
    t0 = time.perf_counter()
    rounds = 0
    while rounds < max_epochs and not all(r.done for r in runs):
        for run in runs:
            run.advance(1)
        rounds += 1
        if time_budget_s is not None and time.perf_counter() - t0 > time_budget_s:
            break
    return rounds
