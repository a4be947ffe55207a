"""Repeated-measures correlation between a survey dimension and a metric across teams over cycles.

Pure: numpy arrays in, numbers out (DESIGN.md §6). Bakdash & Marusich (2017), "Repeated measures
correlation", Frontiers in Psychology 8:456: centre both variables within each team, so differences
*between* teams (a big team always deploys more) cannot pose as an association; what remains is whether a
team's score and metric move together from cycle to cycle. Significance comes from permuting the metric
within each team (the exact null of "no within-team association", valid at the small n we have), the
interval from Fisher's z, and false discoveries across everything tested are controlled with
Benjamini–Hochberg.
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

# Below this much data nothing is reported, however striking the r (DESIGN.md §6).
MIN_TEAMS = 5
MIN_CYCLES_PER_TEAM = 4
# A single team's own correlation needs more: at 8 points |r| must exceed about 0.71 for p < .05.
MIN_POINTS_FOR_ONE_TEAM = 8


@dataclass(frozen=True)
class RmCorr:
    r: float
    dof: int
    p_parametric: float
    ci_low: float
    ci_high: float
    n_teams: int
    n_points: int


def _centre_within(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=values) / counts
    return values - means[inverse]


def usable(groups: np.ndarray) -> np.ndarray:
    """Return a mask of the points whose team has at least MIN_CYCLES_PER_TEAM points."""
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    return counts[inverse] >= MIN_CYCLES_PER_TEAM


def enough_data(groups: np.ndarray) -> bool:
    """Return whether at least MIN_TEAMS teams have at least MIN_CYCLES_PER_TEAM points each."""
    _, counts = np.unique(groups, return_counts=True)
    return int((counts >= MIN_CYCLES_PER_TEAM).sum()) >= MIN_TEAMS


def rm_corr(groups: np.ndarray, x: np.ndarray, y: np.ndarray) -> RmCorr:
    """Return the repeated-measures correlation of x and y with teams as subjects.

    1. Centre x and y on each team's own means.
    2. r = Σ x̃ỹ / √(Σ x̃² Σ ỹ²), with N − k − 1 degrees of freedom (N points, k teams).
    3. The parametric p from t = r √(dof / (1 − r²)); the 95% interval from Fisher's z with n = dof + 2
       (as pingouin and the R package rmcorr do).
    """
    groups, x, y = np.asarray(groups), np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    xc, yc = _centre_within(groups, x), _centre_within(groups, y)
    n_teams = len(np.unique(groups))
    dof = len(x) - n_teams - 1
    denominator = np.sqrt((xc @ xc) * (yc @ yc))
    r = float(xc @ yc / denominator) if denominator > 0 else 0.0
    r = max(-1.0, min(1.0, r))
    if dof < 1:
        raise ValueError("need more points than teams + 1")
    t = r * np.sqrt(dof / max(1e-300, 1 - r * r))
    p = float(2 * stats.t.sf(abs(t), dof))
    if dof > 1:
        z, se = np.arctanh(np.clip(r, -0.999999, 0.999999)), 1 / np.sqrt(dof - 1)
        low, high = float(np.tanh(z - 1.959964 * se)), float(np.tanh(z + 1.959964 * se))
    else:
        low, high = -1.0, 1.0
    return RmCorr(r, dof, p, low, high, n_teams, len(x))


@dataclass(frozen=True)
class TeamCorrelation:
    team: object
    n_points: int
    r: float
    p: float
    ci_low: float
    ci_high: float


def permutation_test(
    groups: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    *,
    permutations: int = 2000,
    seed: int = 0,
    team_min_points: int = 8,
) -> tuple[float, list[TeamCorrelation]]:
    """Return the within-team permutation p-value, and each long-enough team's own correlation and p-value.

    y is shuffled among each team's own points, which keeps every team's level and spread and breaks only
    the cycle-to-cycle pairing; p = (1 + #|r*| ≥ |r|) / (1 + B). The same shuffles give every team with at
    least team_min_points points its own permutation test, at no extra cost.

    Vectorised: teams with the same number of points form a (teams × points) block, and one call to
    Generator.permuted shuffles every row of many permutations at once — linear time, no sorting.
    """
    groups, x, y = np.asarray(groups), np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    xc, yc = _centre_within(groups, x), _centre_within(groups, y)
    norm = np.sqrt((xc @ xc) * (yc @ yc))
    labels, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    blocks = []
    for size in np.unique(counts):
        teams = np.flatnonzero(counts == size)
        positions = order[starts[teams][:, None] + np.arange(size)[None, :]]  # (teams, size)
        xs, ys = xc[positions], yc[positions]
        team_norms = np.sqrt((xs * xs).sum(axis=1) * (ys * ys).sum(axis=1))
        blocks.append((teams, xs, ys, team_norms, np.abs((xs * ys).sum(axis=1))))
    observed = abs(xc @ yc) / norm if norm > 0 else np.inf
    rng = np.random.default_rng(seed)
    pooled_extreme = 0
    team_extreme = np.zeros(len(labels))
    # In chunks, so memory stays around a few tens of MB however many points there are.
    chunk = max(1, min(permutations, 2_000_000 // max(1, len(yc))))
    for done in range(0, permutations, chunk):
        size = min(chunk, permutations - done)
        numerators = np.zeros(size)
        for teams, xs, ys, _, team_observed in blocks:
            shuffled = rng.permuted(np.broadcast_to(ys, (size, *ys.shape)), axis=2)
            per_team = np.einsum("bts,ts->bt", shuffled, xs)
            numerators += per_team.sum(axis=1)
            team_extreme[teams] += (np.abs(per_team) >= team_observed - 1e-12).sum(axis=0)
        if norm > 0:
            pooled_extreme += int(np.count_nonzero(np.abs(numerators) / norm >= observed - 1e-12))
    pooled = float((1 + pooled_extreme) / (1 + permutations)) if norm > 0 else 1.0
    per_team = []
    for teams, xs, ys, team_norms, _ in blocks:
        for row, team in enumerate(teams):
            points = xs.shape[1]
            if points < team_min_points or team_norms[row] == 0:
                continue
            r = float((xs[row] @ ys[row]) / team_norms[row])
            z, se = np.arctanh(np.clip(r, -0.999999, 0.999999)), 1 / np.sqrt(points - 3)
            p = float((1 + team_extreme[team]) / (1 + permutations))
            per_team.append(
                TeamCorrelation(
                    labels[team], points, r, p, float(np.tanh(z - 1.959964 * se)), float(np.tanh(z + 1.959964 * se))
                )
            )
    return pooled, per_team


def permutation_p(
    groups: np.ndarray, x: np.ndarray, y: np.ndarray, *, permutations: int = 2000, seed: int = 0
) -> float:
    """Return the two-sided within-team permutation p-value (see permutation_test)."""
    return permutation_test(groups, x, y, permutations=permutations, seed=seed)[0]


def false_discovery_q(p_values: list[float]) -> list[float]:
    """Return Benjamini–Hochberg adjusted q-values for p-values from every test of one analysis."""
    if not p_values:
        return []
    return [float(q) for q in stats.false_discovery_control(np.asarray(p_values), method="bh")]


def describe(
    *,
    dimension: str,
    metric: str,
    lower_is_better: bool,
    lag: int,
    result: RmCorr,
    q: float,
    alpha: float = 0.05,
) -> tuple[str, str]:
    """Return (direction, sentence): whether higher scores went with a better metric, in plain words.

    The sentence says "associated with", never "causes", and always carries n, the interval and q.
    """
    better = (result.r < 0) if lower_is_better else (result.r > 0)
    direction = "better" if better else "worse"
    when = "in the same cycle" if lag == 0 else "one cycle later"
    moves = "lower" if result.r < 0 else "higher"
    strength = f"r = {result.r:+.2f}, 95% CI {result.ci_low:+.2f} to {result.ci_high:+.2f}, q = {q:.3f}"
    data = f"{result.n_teams} teams, {result.n_points} team-cycles"
    if q <= alpha:
        sentence = (
            f"When a team's {dimension} rose, its {metric} tended to be {moves} {when} ({direction}): "
            f"{strength}; {data}. This is an association within teams over time, not evidence that one causes "
            "the other."
        )
    else:
        sentence = (
            f"No reliable association between {dimension} and {metric} {when} ({strength}; {data}). "
            "Absence of evidence is not evidence of absence."
        )
    return direction, sentence
