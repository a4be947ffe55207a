"""The correlation engine at 500 teams (50 departments) × 26 cycles × 8 dimensions × 10 metrics × 2 lags.

App: feedback.correlation (rm_corr and association_test: numpy, all permutations of a pair at once, pooled and
per team). Baseline, in the same run: a within-team permutation test done the plain way — shuffle each team in
a Python loop, then scipy.stats.pearsonr — on a sample of pairs, since running all of it would take hours.
Both are reported per permutation of one pair (the unit of work). (Until 2026-11 the app side was the
within-team test itself; association_test also removes department means, prewhitens and shuffles by
department — see feedback/correlation.py.)
"""

import numpy as np
from scipy import stats

from feedback import correlation

from .common import measured, row

TEAMS, CYCLES, DIMENSIONS, METRICS, LAGS = 500, 26, 8, 10, (0, 1)
TEAMS_PER_DEPARTMENT = 10
PERMUTATIONS = 2000
BASELINE_PAIRS, BASELINE_PERMUTATIONS = 2, 20


def synthetic(rng):
    groups = np.repeat(np.arange(TEAMS), CYCLES)
    scores = rng.normal(3.5, 0.5, (DIMENSIONS, TEAMS * CYCLES))
    metrics = rng.normal(0, 1, (METRICS, TEAMS * CYCLES))
    metrics[0] += 0.3 * scores[0]  # one planted association
    return groups, scores, metrics


def pairs(groups, scores, metrics):
    """Yield (teams, x, y, cycles, departments) for every dimension × metric × lag."""
    cycle = np.tile(np.arange(CYCLES), TEAMS)
    department = groups // TEAMS_PER_DEPARTMENT
    for d in range(DIMENSIONS):
        for m in range(METRICS):
            for lag in LAGS:
                if lag:
                    keep = cycle < CYCLES - 1
                    yield groups[keep], scores[d][keep], np.roll(metrics[m], -1)[keep], cycle[keep], department[keep]
                else:
                    yield groups, scores[d], metrics[m], cycle, department


def naive_permutation_p(groups, x, y, permutations, rng):
    teams = {}
    for index, team in enumerate(groups):
        teams.setdefault(team, []).append(index)
    xc, yc = x.copy(), y.copy()
    for members in teams.values():
        xc[members] -= x[members].mean()
        yc[members] -= y[members].mean()
    observed = abs(stats.pearsonr(xc, yc)[0])
    extreme = 0
    for _ in range(permutations):
        shuffled = yc.copy()
        for members in teams.values():
            shuffled[members] = rng.permutation(yc[members])
        extreme += abs(stats.pearsonr(xc, shuffled)[0]) >= observed
    return (1 + extreme) / (1 + permutations)


def run() -> list[dict]:
    rng = np.random.default_rng(0)
    groups, scores, metrics = synthetic(rng)
    all_pairs = list(pairs(groups, scores, metrics))
    with measured() as app:
        p_values = []
        for seed, (g, x, y, cycles, departments) in enumerate(all_pairs):
            correlation.rm_corr(g, x, y)
            test = correlation.association_test(
                g, cycles, x, y, departments=departments, permutations=PERMUTATIONS, seed=seed
            )
            p_values.append(test.p)
        correlation.false_discovery_q(p_values)
    with measured() as naive:
        for g, x, y, *_ in all_pairs[:BASELINE_PAIRS]:
            naive_permutation_p(g, x, y, BASELINE_PERMUTATIONS, rng)
    app_per_perm = app.seconds / (len(all_pairs) * PERMUTATIONS) * 1e6
    naive_per_perm = naive.seconds / (BASELINE_PAIRS * BASELINE_PERMUTATIONS) * 1e6
    return [
        {
            **row("analysis: µs per permutation of one pair", app_per_perm, naive_per_perm, "µs", False),
            "note": f"{len(all_pairs)} pairs × {PERMUTATIONS} permutations in {app.seconds:.1f} s, "
            f"peak {app.peak_mib:.0f} MiB (naive: peak {naive.peak_mib:.0f} MiB)",
        }
    ]
