"""When a theme is rising: a clear rise over the weeks before, not noise on small counts.

The rule, as the reports state it (RULE): this week has at least MIN_COUNT questions, at least twice the
mean of the weeks before, and so many that a Poisson count with that mean (at least FLOOR, so a theme new
this week needs MIN_COUNT) would reach it by chance less than once in a hundred weeks.
"""
from __future__ import annotations

import math
from typing import Sequence

MIN_COUNT = 4
FACTOR = 2.0
FLOOR = 0.5  # the smallest weekly mean assumed: a theme never seen before is not certain to stay unseen
CHANCE = 0.01
RULE = (f"今週 {MIN_COUNT}件以上、それまでの週の平均の {FACTOR:g}倍以上、かつ平均どおりなら偶然には"
        f"{CHANCE:.0%}未満の確率でしか起きない件数（ポアソン分布）のとき「増加中」としています。")


def is_rising(weekly: Sequence[int]) -> bool:
    """`weekly` oldest first; the last week is the one judged against the ones before."""
    if len(weekly) < 2:
        return False
    *before, now = weekly
    mean = sum(before) / len(before)
    return now >= MIN_COUNT and now >= FACTOR * mean and chance(now, mean) < CHANCE


def chance(count: int, mean: float) -> float:
    """P(a week has `count` or more) when weeks average `mean`: the Poisson tail, summed here (SciPy's
    statistics cost the worker, which runs the reports, ~40 MB for this one sum)."""
    mu = max(mean, FLOOR)
    if count <= 0:
        return 1.0

    def weight(k: int) -> float:
        return math.exp(k * math.log(mu) - mu - math.lgamma(k + 1))
    if count - 1 < mu:  # most of the mass lies above: one minus the few counts below
        return max(0.0, 1.0 - math.fsum(weight(k) for k in range(count)))
    tail, k = [], count  # the counts from `count` up, until they no longer add anything
    while not tail or tail[-1] > 1e-18 * tail[0]:
        tail.append(weight(k))
        k += 1
    return math.fsum(tail)
