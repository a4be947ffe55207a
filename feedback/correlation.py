"""Repeated-measures correlation between a survey dimension and a metric across teams over cycles.

Pure: numpy arrays in, numbers out (DESIGN.md §6). The association reported is Bakdash & Marusich's (2017)
repeated-measures correlation ("Repeated measures correlation", Frontiers in Psychology 8:456): centre both
variables within each team, so differences *between* teams (a big team always deploys more) cannot pose as an
association; what remains is whether a team's score and metric move together from cycle to cycle. The r
shown (rm_corr_within_periods) also removes each department's cycle mean, as the test below does, so that
a quarter the whole department shared is not read as its teams' scores and metrics moving together.

Its 95% interval is Fisher's z with Dutilleul's (1993) effective sample size, estimated from the centred
series' covariances between every pair of points (same team, same department, elsewhere; at every pair of
cycles): Fisher's z on the n points, as in Bakdash & Marusich, assumes independent cycles. Coverage of the
true r (bench/calibration.py; 20 teams in 4 departments × 8 cycles, 400 organisations × 18 pairs per
scenario, ± one simulation standard error, organisations as clusters), before → after:
  independent 0.950 ± 0.003 → 0.957 ± 0.002; AR(1) φ = 0.7 0.856 ± 0.005 → 0.949 ± 0.003; department shocks
  0.827 ± 0.005 → 0.955 ± 0.002; organisation shocks 0.599 ± 0.006 → 0.953 ± 0.002; AR(1) and both shocks
  0.649 ± 0.007 → 0.946 ± 0.003; 15% of cycles missing 0.702 → 0.937; 6 teams × 6 cycles 0.739 → 0.958;
  the planted r = 0.5 at lag 0 0.948 ± 0.011 → 0.950 ± 0.011 (the rest: bench/calibration.py's table).
Each team's own interval (team_intervals) covered 0 in 88% of AR(1) teams; now 98.5% (8 points of an
AR(1) φ = 0.7 series are worth about 3 independent ones, where the interval is conservative), 95–97% on the
other nulls. The interval and the permutation p disagree (one excludes 0 at 5%, the other not) on 2% of
pairs with independent cycles and 4–6.5% with autocorrelation: they test the same centred association,
but p after prewhitening and the interval without it.

Its significance is not the textbook one. Scores and business metrics trend and autocorrelate, and whole
departments or the whole company move together; two unrelated series that each wander correlate far more
often than independent points would (Yule 1926; Granger & Newbold 1974, "Spurious regressions in
econometrics"), and permuting cycles within a team, which assumes cycles are exchangeable, then finds
relations that are not there (on simulated organisations with no relation at all, 33% showed a finding with
AR(1) φ = 0.7, 46% with department-wide shocks, 97% with organisation-wide ones). association_test therefore
removes what departments share, prewhitens (Box & Jenkins) and permutes whole departments' cycles together
(Winkler et al. 2014): 3–5% (bench/calibration.py and tests/feedback/test_calibration.py check family-wise
error, FDR and power by simulation). False discoveries across everything tested are controlled with Benjamini–Hochberg.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from . import numbers
from .tables import p_text

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
    effective_n: float | None = None  # the n its interval and p were taken with (Dutilleul's M where estimated)


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
    """Return the repeated-measures correlation of x and y with teams as subjects (pingouin's; independent
    cycles assumed: what Align shows is rm_corr_within_periods).

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


def _team_blocks(team_department: np.ndarray) -> np.ndarray:
    """Return each team's block: its department, or one block for all teams alone in theirs (alone, removing
    the department's mean would leave nothing of them)."""
    teams_per_department = np.bincount(team_department)
    alone = teams_per_department[team_department] < 2
    return np.where(alone, len(teams_per_department), team_department)


def _department_labels(departments, order: np.ndarray, starts: np.ndarray, n_teams: int) -> np.ndarray:
    """Return one department number per team (its first point's label, as text: ids, names or None)."""
    if departments is None:
        return np.zeros(n_teams, dtype=np.int64)
    first = np.asarray(departments, dtype=object)[order][starts[:-1]]
    return np.unique(first.astype(str), return_inverse=True)[1]


def _sorted_by_team(teams, cycles, x, y, departments):
    """Return (labels, team, cycle, x, y, starts, team_block): points sorted by team, then cycle; cycles from
    0; each team's first point's index (and the end); each team's block (_team_blocks)."""
    teams, cycles = np.asarray(teams), np.asarray(cycles, dtype=np.int64)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    labels, team = np.unique(teams, return_inverse=True)
    order = np.lexsort((cycles, team))
    team, cycle, x, y = team[order], cycles[order], x[order], y[order]
    starts = np.searchsorted(team, np.arange(len(labels) + 1))
    team_block = _team_blocks(_department_labels(departments, order, starts, len(labels)))
    return labels, team, cycle - cycle.min(), x, y, starts, team_block


def _pair_sums(team: np.ndarray, cycle: np.ndarray, team_block: np.ndarray, values: np.ndarray, n_cycles: int):
    """Return (3, cycles, cycles): Σ of values_p · values_q over ordered pairs of points p at cycle s and q at
    cycle t, for pairs in the same team, in the same block but different teams, and in different blocks."""
    grid = np.zeros((len(team_block), n_cycles))
    grid[team, cycle] = values
    blocks = np.zeros((int(team_block.max()) + 1, n_cycles))
    np.add.at(blocks, team_block, grid)
    total = blocks.sum(axis=0)
    own, shared = grid.T @ grid, blocks.T @ blocks
    return np.stack([own, shared - own, np.outer(total, total) - shared])


def _same_team_sums(team: np.ndarray, cycle: np.ndarray, values: np.ndarray, n_teams: int, n_cycles: int):
    """Return (cycles, cycles): Σ of values_p · values_q over ordered pairs of points p at cycle s and q at
    cycle t in the same team (_pair_sums' first matrix, alone)."""
    grid = np.zeros((n_teams, n_cycles))
    grid[team, cycle] = values
    return grid.T @ grid


def _intervals(r: np.ndarray, effective_n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the 95% intervals of r: Fisher's z ± c, c chosen so that an interval excludes 0 exactly when the
    t test of r with effective_n − 2 degrees of freedom rejects at 5% (for independent points, c ≈
    1.96/√(n − 3)); (−1, 1) where effective_n ≤ 2."""
    r, effective_n = np.asarray(r, dtype=float), np.asarray(effective_n, dtype=float)
    dof = np.maximum(effective_n - 2, 1e-9)
    t = stats.t.ppf(0.975, dof)
    half = np.arctanh(np.minimum(0.999999, t / np.sqrt(dof + t * t)))
    z = np.arctanh(np.clip(r, -0.999999, 0.999999))
    some = effective_n > 2
    return np.where(some, np.tanh(z - half), -1.0), np.where(some, np.tanh(z + half), 1.0)


def rm_corr_within_periods(
    teams: np.ndarray, cycles: np.ndarray, x: np.ndarray, y: np.ndarray, *, departments: np.ndarray | None = None
) -> RmCorr:
    """Return the repeated-measures correlation shown with a finding: within teams and within periods.

    1. Remove each block × cycle mean, then each team's mean, from x and y, exactly as association_test
       does (blocks: departments, teams alone in theirs together). This is rmcorr (Bakdash & Marusich 2017)
       with a department-period effect besides the team's: what a whole department or the organisation went
       through in a cycle (a reorganisation, a good quarter) is not counted as a team's score and metric
       moving together. rmcorr alone counts it: a trend every team of a department shares makes its r 0.8
       where nothing relates score and metric, next to a permutation p of 0.5. Where departments share
       nothing the two r agree (mean 0.495 and 0.493 for a planted 0.5 with AR(1) and shared shocks).
    2. r = Σ x̌y̌ / √(Σ x̌² Σ y̌²).
    3. Its effective sample size M (Dutilleul 1993, "Modifying the t test for assessing the correlation
       between two spatial processes", Biometrics 49:305; Clifford, Richardson & Hémon 1989; for time series
       Bartlett 1935, Bayley & Hammersley 1946, Pyper & Peterman 1998): with C_x, C_y the covariance
       matrices of the centred series over all points, Var(r) ≈ tr(C_x C_y) / (tr C_x tr C_y) = 1/(M − 1),
       which is 1/(n − 1) for n independent points. C is estimated without a model: every pair of points
       falls in one of three classes — same team, same block but another team, another block — and a pair
       of cycles (s, t); the mean of x̌_p x̌_q over the pairs of a class and (s, t) estimates every entry of
       C_x in that cell, and the sum over cells of (pairs × mean_x × mean_y) estimates tr(C_x C_y)
       (unbiased under no relation, where x and y are independent). This takes in autocorrelation at every
       lag, what the teams of a block still share, and the bias of centring short series (Nickell 1981),
       which sits in the centred covariances themselves: nothing needs correcting. M is at most what
       independent points would give.
    4. The interval: Fisher's z with the half-width at which Dutilleul's modified t test (M − 2 degrees of
       freedom) rejects r = 0; p_parametric is that test. So the interval excludes 0 exactly when p < 0.05.

    Measured coverage, before and after: the module docstring.
    """
    labels, team, cycle, x, y, _, team_block = _sorted_by_team(teams, cycles, x, y, departments)
    n_cycles = int(cycle.max()) + 1
    block_cycle = team_block[team] * n_cycles + cycle
    xc, yc = _two_way_centred(team, block_cycle, x), _two_way_centred(team, block_cycle, y)
    cells = len(np.unique(block_cycle))
    dof = len(x) - len(labels) - (cells - len(np.unique(team_block))) - 1
    if dof < 1:
        raise ValueError("need more points than teams + department-cycles")
    squares = (xc @ xc) * (yc @ yc)
    if squares <= 0:
        return RmCorr(0.0, dof, 1.0, -1.0, 1.0, len(labels), len(x), float(dof + 2))
    r = max(-1.0, min(1.0, float(xc @ yc / np.sqrt(squares))))
    pairs = _pair_sums(team, cycle, team_block, np.ones_like(x), n_cycles)
    products = _pair_sums(team, cycle, team_block, xc, n_cycles) * _pair_sums(team, cycle, team_block, yc, n_cycles)
    variance = float((products[pairs > 0] / pairs[pairs > 0]).sum()) / squares
    effective_n = min(float(dof + 2), 1 + 1 / variance) if variance > 0 else float(dof + 2)
    low, high = (float(v) for v in _intervals(r, effective_n))
    if effective_n > 2:
        t = abs(r) * math.sqrt((effective_n - 2) / max(1e-300, 1 - r * r))
        p = float(2 * stats.t.sf(t, effective_n - 2))
    else:
        p = 1.0
    return RmCorr(r, dof, p, low, high, len(labels), len(x), effective_n)


def team_intervals(
    teams: np.ndarray, cycles: np.ndarray, x: np.ndarray, y: np.ndarray, *, min_points: int = MIN_POINTS_FOR_ONE_TEAM
) -> dict[object, tuple[int, float, float, float]]:
    """Return {team: (points, r, low, high)}: each team's own Pearson r and its 95% interval, for every team
    with at least min_points points whose series vary.

    The interval is rm_corr_within_periods' (Dutilleul's effective size, step 3), with C_x and C_y the
    team-centred series' same-team covariances at each pair of cycles, pooled over all teams: one team's 8
    points cannot estimate their own autocorrelation. Shocks a team shares with others are part of its own
    series here, and so of its own r (as they are of its own permutation test's series).
    """
    teams, cycles = np.asarray(teams), np.asarray(cycles, dtype=np.int64)
    labels, team = np.unique(teams, return_inverse=True)
    shown, points, r, low, high = _team_intervals(
        team, cycles - cycles.min(), len(labels), np.asarray(x, dtype=float), np.asarray(y, dtype=float), min_points
    )
    names = labels[shown].tolist()
    return dict(zip(names, zip(points.tolist(), r.tolist(), low.tolist(), high.tolist(), strict=True), strict=True))


def _team_intervals(team: np.ndarray, cycle: np.ndarray, n_teams: int, x: np.ndarray, y: np.ndarray, min_points: int):
    """Return team_intervals as arrays (shown team indexes, and their points, r, low and high), for points
    already coded: team as indexes 0 … n_teams − 1, cycle from 0."""
    n_cycles = int(cycle.max()) + 1
    xc, yc = _centre(team, x), _centre(team, y)
    sxy, sxx, syy = (np.bincount(team, u * v, n_teams) for u, v in ((xc, yc), (xc, xc), (yc, yc)))
    points = np.bincount(team, minlength=n_teams)
    shown = np.flatnonzero((points >= min_points) & (sxx * syy > 0))
    if not len(shown):
        empty = np.empty(0)
        return shown, empty.astype(np.int64), empty, empty, empty
    pairs = _same_team_sums(team, cycle, np.ones_like(x), n_teams, n_cycles)
    cov_x = _same_team_sums(team, cycle, xc, n_teams, n_cycles) / np.maximum(pairs, 1)
    cov_y = _same_team_sums(team, cycle, yc, n_teams, n_cycles) / np.maximum(pairs, 1)
    presence = np.zeros((n_teams, n_cycles))
    presence[team, cycle] = 1
    presence = presence[shown]
    variance = np.einsum("ic,cd,id->i", presence, cov_x * cov_y, presence) / (
        (presence @ np.diag(cov_x)) * (presence @ np.diag(cov_y))
    )
    effective_n = np.minimum(points[shown], 1 + 1 / np.maximum(variance, 1e-12))
    r = np.clip(sxy[shown] / np.sqrt(sxx[shown] * syy[shown]), -1.0, 1.0)
    low, high = _intervals(r, effective_n)
    return shown, points[shown], r, low, high


@dataclass(frozen=True)
class TeamCorrelation:
    team: object
    n_points: int
    r: float
    p: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Association:
    p: float  # two-sided permutation p-value of the pooled association
    phi: float  # the AR(1) coefficient both series were prewhitened with
    per_team: list[TeamCorrelation]
    permutations: int = 0  # drawn: fewer than asked for where every test stopped early (stop_after)


def nickell_bias(phi: float, periods: float) -> float:
    """Return the large-N bias of the within-team least-squares AR(1) estimate at true φ and `periods` cycles.

    Nickell (1981), "Biases in dynamic models with fixed effects", Econometrica 49(6), eq. 18: centring each
    team on its own mean biases φ̂ by about −(1 + φ)/(T − 1) — −0.24 at φ = 0.7 and 8 cycles, which left
    uncorrected would leave most of the autocorrelation in place.
    """
    phi = min(phi, 1 - 1e-9)
    t = max(periods, 2.0 + 1e-9)
    shortfall = 1 - (1 - math.copysign(abs(phi) ** t, phi)) / (t * (1 - phi))  # t need not be whole
    return -(1 + phi) / (t - 1) * shortfall / (1 - 2 * phi / ((1 - phi) * (t - 1)) * shortfall)


def ar1_coefficient(x: np.ndarray, previous: np.ndarray, periods: float) -> float:
    """Return the pooled AR(1) coefficient of team-centred x on its previous cycle, Nickell-corrected.

    Least squares over every pair of consecutive cycles of every team, then φ ← φ̂ − bias(φ) by fixed-point
    iteration (the bias changes slowly with φ, so it converges in a few steps), clipped to ±0.95.
    """
    denominator = previous @ previous
    if denominator <= 0:
        return 0.0
    raw = float(x @ previous / denominator)
    phi = raw
    for _ in range(50):
        updated = min(0.95, max(-0.95, raw - nickell_bias(phi, periods)))
        if abs(updated - phi) < 1e-10:
            break
        phi = updated
    return phi


def _centre(index: np.ndarray, values: np.ndarray) -> np.ndarray:
    means = np.bincount(index, weights=values) / np.maximum(1, np.bincount(index))
    return values - means[index]


def _two_way_centred(team: np.ndarray, block_cycle: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Remove block × cycle means, then team means: exact in one pass when every team has every cycle, and
    by alternating projections (a few passes) when some miss cycles."""
    for _ in range(20):
        values = _centre(team, _centre(block_cycle, values))
        if np.abs(np.bincount(block_cycle, weights=values)).max() < 1e-9 * (1 + np.abs(values).max()):
            break
    return values


def _prewhitened(team: np.ndarray, cycle: np.ndarray, x: np.ndarray, y: np.ndarray):
    """Return (φ, x′, y′) for centred x and y sorted by team, then cycle: both filtered by x's AR(1).

    Where the team has the previous cycle, x′ₜ = xₜ − φxₜ₋₁; a team's first point, or its first after a gap,
    is scaled by √(1 − φ²) instead (Prais & Winsten 1954), which gives it the variance of the others and keeps
    it: dropping it cost a fifth of the points at 8 cycles, and power at lag 1 fell from 0.97 to 0.94.
    Then x′ and y′ are centred on each team's mean again.
    """
    follows = np.flatnonzero((team[1:] == team[:-1]) & (cycle[1:] == cycle[:-1] + 1)) + 1
    # Nickell's T: the points each team is centred over, less one. (The transitions alone would be fewer
    # where cycles are missing and overcorrect: φ̂ 0.13 on white noise with 30% missing, against 0.02.)
    phi = ar1_coefficient(x[follows], x[follows - 1], len(team) / max(1, len(np.unique(team))) - 1)

    def filtered(values: np.ndarray) -> np.ndarray:
        out = values * math.sqrt(1 - phi * phi)
        out[follows] = values[follows] - phi * values[follows - 1]
        return _centre(team, out)

    return phi, filtered(x), filtered(y)


@dataclass(frozen=True)
class _Stack:
    """Every group of teams (one unit, the same cycles) with the same number of cycles: shuffled together."""

    units: np.ndarray  # (groups, 1): each group's unit of shuffling (its block, or its one team)
    cycles: np.ndarray  # (groups, cycles): each group's cycles, in order
    cells: np.ndarray  # (groups, cycles): the block × cycle cell of each
    teams: np.ndarray  # (groups,): how many teams each group has
    diagonal: np.ndarray  # (groups, cycles): flat index of cross[g, j, 0]
    members: np.ndarray  # (members,): its teams, each group's together
    first: np.ndarray  # (groups,): each group's first member
    rows: np.ndarray  # (members, cycles): each member's points
    member_group: np.ndarray  # (members,): each member's group


@dataclass(frozen=True)
class _StackSums:
    """One pair's sums over one stack."""

    cross: np.ndarray  # (groups, cycles, cycles): Σ over a group's teams of x′ y′ᵀ
    sums: np.ndarray  # (groups, cycles): Σ over a group's teams of y′
    own_x: np.ndarray  # (members, cycles): each member's own series, for its own test
    own_y: np.ndarray


def association_test(
    teams: np.ndarray,
    cycles: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    *,
    departments: np.ndarray | None = None,
    permutations: int = 2000,
    seed: int = 0,
    team_min_points: int = MIN_POINTS_FOR_ONE_TEAM,
    unit_permutations: int | None = None,
    stop_after: int | None = None,
) -> Association:
    """Return the permutation p-value of the within-team association of x and y, and each team's own test.

    One point per team and cycle (cycles are consecutive integers: 3 follows 2); departments gives each
    point's team's department (None: all one department).

    1. Blocks: teams share a block with their department; teams alone in theirs share one block together
       (alone, removing the department's mean would leave nothing of them).
    2. Remove each block × cycle mean, then each team's own mean, from x and y. This takes out shocks a
       department or the whole company share (a reorganisation, a good quarter) and, as in rmcorr, every
       difference between teams.
    3. Prewhiten (Box & Jenkins, Time Series Analysis: Forecasting and Control, 1970: the prewhitening that
       identifies a transfer function from a cross-correlation): one AR(1) coefficient φ for x, pooled over
       consecutive cycles within teams and corrected for Nickell's (1981) small-T bias; then
       x′ₜ = xₜ − φxₜ₋₁ and y′ₜ = yₜ − φyₜ₋₁ where the team has cycle t − 1 (first points: see
       _prewhitened), and step 2 again. Once x′ is white, shuffling it is valid however autocorrelated y is
       (under the null, x and y are independent).
    4. Permute cycles synchronously within each block (exchangeability blocks: Winkler et al. 2014,
       "Permutation inference for the general linear model", NeuroImage 92:381; Winkler et al. 2015,
       "Multi-level block permutation", NeuroImage 123:253): each permutation draws one random key per
       block and cycle, and every team of the block orders its own points by those keys — the same shuffle
       for the whole block when teams have the same cycles, and still a shuffle of the team's own points
       when they do not. What the teams of a block share survives every permutation. Where a block's teams
       have different cycles their shuffles differ, and a shuffled y′ no longer sums to zero in each block
       × cycle: it is centred again before r* is taken, as Freedman & Lane (1983, Journal of Business &
       Economic Statistics 1:292) refit the nuisance after permuting (without this, with 15% of cycles
       missing 10.7% of null organisations showed a finding). When the blocks' cycles allow fewer than
       10 × B distinct synchronised shuffles (Π over blocks of (cycles)!: one department of 7 cycles has
       5,040), p could not get small however strong the relation, so each team is shuffled on its own
       instead, with the same re-centring (B is unit_permutations where given: a rerun of the same test with
       more permutations must not switch to the other unit). p = (1 + #|r*| ≥ |r|) / (1 + B).
    5. With stop_after = h, each test (the pooled one and each team's) stops at its h-th exceedance: after L
       permutations, p = h / L; a test with fewer than h exceedances in all B gets the p of step 4. This is
       Besag & Clifford's (1991, "Sequential Monte Carlo p-values", Biometrika 78:301) sequential p-value:
       valid (under the null P(p ≤ u) ≤ u for every u) and exactly step 4's p wherever that p is at most
       h / (B + 1), the only p-values small enough for Benjamini–Hochberg to count among many tests. A null
       pair stops after about h / p permutations (on average h(1 + ln(B/h)) of the B), instead of B. The
       shuffles are those of a run without a stopping rule and the same seed.

    Vectorised: with synchronised permutations the pooled statistic of a block's teams with the same cycles
    is Σⱼ Mⱼ,σ(j) for their cross-product matrix M = X′ᵀY′ (cycles × cycles), so a permutation costs one
    gather per cycle and block, whatever the number of teams.

    Each team with at least team_min_points points also gets its own test: its own series (team-centred,
    not its department's residual, so that one team's relation cannot show up in its neighbour's),
    prewhitened with an AR(1) coefficient pooled over all teams the same way, against its own points under
    the same shuffles (for one team, a uniform random permutation of its cycles). Its r and interval are
    the plain Pearson r of its raw points and team_intervals' (autocorrelation allowed for).
    """
    return association_tests(
        teams, cycles, np.asarray(x, dtype=float)[None], np.asarray(y, dtype=float)[None], departments=departments,
        permutations=permutations, seed=seed, team_min_points=team_min_points, unit_permutations=unit_permutations,
        stop_after=stop_after,
    )[0]  # fmt: skip


def association_tests(
    teams: np.ndarray,
    cycles: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    *,
    departments: np.ndarray | None = None,
    permutations: int = 2000,
    seed: int = 0,
    team_min_points: int = MIN_POINTS_FOR_ONE_TEAM,
    unit_permutations: int | None = None,
    stop_after: int | None = None,
) -> list[Association]:
    """Return association_test of several pairs measured at the same points, sharing their shuffles.

    xs, ys: (pairs, points), every pair at the points teams, cycles and departments give. Each pair's result
    is exactly association_test's for it alone with the same seed (the same shuffles, drawn once for all):
    sorting the points, the blocks and the shuffles' order are worked out once, and each chunk's random
    keys are drawn and sorted once for every pair still testing. The issue #24 bench: the eight dimensions
    of one metric tested together.
    """
    xs, ys = np.atleast_2d(np.asarray(xs, dtype=float)), np.atleast_2d(np.asarray(ys, dtype=float))
    labels, team, cycle, x_all, y_all, starts, team_block = _sorted_by_team(teams, cycles, xs.T, ys.T, departments)
    n_pairs, n_teams = xs.shape[0], len(labels)
    n_cycles = int(cycle.max()) + 1
    block_cycle = team_block[team] * n_cycles + cycle
    cells, cell = np.unique(block_cycle, return_inverse=True)
    cell_sizes = np.bincount(cell).astype(float)
    points = np.bincount(team, minlength=n_teams)

    # Shuffled alike: a block's teams (step 4), or each team on its own when the blocks' cycles allow too few
    # distinct shuffles: Π over blocks of (its cycles)! — one department of 6 cycles has 720, and p could
    # never go below 1/720 however strong the relation.
    cycles_per_block = np.bincount(np.unique(block_cycle) // n_cycles)
    distinct = sum(math.lgamma(n + 1) for n in cycles_per_block.tolist())
    # unit_permutations: a rerun with more permutations (resolved_association_test) is the same test as the
    # first run, so the first run's count decides the unit, not its own.
    decisive = permutations if unit_permutations is None else unit_permutations
    unit = team_block if distinct >= math.log(10 * (decisive + 1)) else np.arange(n_teams)
    # Teams of one unit with the same cycles shuffle as one: one cross-product matrix per such group, and
    # groups with as many cycles stacked, so that one argsort shuffles them all. No loop over teams: with
    # hundreds of teams and 160 pairs, per-team Python objects cost more than the permutations.
    presence = np.zeros((n_teams, n_cycles), dtype=bool)
    presence[team, cycle] = True
    group_of = np.unique(np.column_stack([unit, presence]), axis=0, return_inverse=True)[1].ravel()
    stacks = []
    for length in np.unique(points):
        members = np.flatnonzero(points == length)
        members = members[np.argsort(group_of[members], kind="stable")]  # teams of a group together
        first = np.flatnonzero(np.diff(group_of[members], prepend=-1))  # each group's first team
        rows = starts[members][:, None] + np.arange(length)  # (teams, cycles)
        stacks.append(
            _Stack(
                units=unit[members[first]][:, None],
                cycles=cycle[rows[first]],
                cells=cell[rows[first]],
                teams=np.diff(np.append(first, len(members))),
                diagonal=(np.arange(len(first))[:, None] * length + np.arange(length)) * length,
                members=members,
                first=first,
                rows=rows,
                member_group=np.searchsorted(first, np.arange(len(members)), side="right") - 1,
            )
        )
    unequal = sum(len(s.teams) for s in stacks) > len(set(team_block))  # then y* is centred again (step 4)

    observed, y_squares = np.full(n_pairs, np.inf), np.zeros(n_pairs)
    own_observed, eligible = np.zeros((n_pairs, n_teams)), np.zeros((n_pairs, n_teams), dtype=bool)
    phis, sums = [], []
    for p in range(n_pairs):
        x, y = x_all[:, p], y_all[:, p]
        phi, xt, yt = _prewhitened(
            team, cycle, _two_way_centred(team, block_cycle, x), _two_way_centred(team, block_cycle, y)
        )
        xt, yt = _two_way_centred(team, cell, xt), _two_way_centred(team, cell, yt)
        x_norm, y_squares[p] = np.sqrt(xt @ xt), yt @ yt
        # Each team's own series: centred on its own means only, prewhitened the same way.
        _, own_x, own_y = _prewhitened(team, cycle, _centre(team, x), _centre(team, y))
        own_norm = np.sqrt(np.bincount(team, own_x * own_x, n_teams) * np.bincount(team, own_y * own_y, n_teams))
        own_observed[p] = np.abs(np.bincount(team, own_x * own_y, n_teams))
        eligible[p] = (points >= team_min_points) & (own_norm > 0)
        pair_sums = []
        for s in stacks:
            xs_, ys_ = xt[s.rows], yt[s.rows]
            pair_sums.append(
                _StackSums(
                    cross=np.add.reduceat(xs_[:, :, None] * ys_[:, None, :], s.first, axis=0),
                    sums=np.add.reduceat(ys_, s.first, axis=0),
                    own_x=own_x[s.rows],
                    own_y=own_y[s.rows],
                )
            )
        if x_norm > 0 and y_squares[p] > 0:
            trace = sum(np.trace(t.cross, axis1=1, axis2=2).sum() for t in pair_sums)
            observed[p] = abs(float(trace)) / np.sqrt(y_squares[p])
        phis.append(phi)
        sums.append(pair_sums)

    tie = 1 - 1e-9  # a shuffle that gives the observed statistic back counts, whatever the rounding
    rng = np.random.default_rng(seed)
    # Exceedances so far, and the permutation at which a test stopped (0: still running), for each pair's
    # pooled test (column 0) and each team's (column 1 + team): each stops on its own (step 5).
    extreme = np.zeros((n_pairs, 1 + n_teams), dtype=np.int64)
    stopped_at = np.zeros((n_pairs, 1 + n_teams), dtype=np.int64)
    running = np.column_stack([np.isfinite(observed), eligible])
    drawn = np.zeros(n_pairs, dtype=np.int64)  # permutations drawn while each pair still tested something
    stop = permutations + 1 if stop_after is None else stop_after  # never reached without a stopping rule
    n_units = int(unit.max()) + 1
    # In chunks, so memory stays around a few tens of MB however many points there are; with a stopping rule
    # the first chunks are small, since most tests stop within a few dozen permutations.
    chunk = max(1, min(permutations, 2_000_000 // max(1, len(team))))
    size, done = (chunk if stop_after is None else min(chunk, 4 * stop_after)), 0
    while done < permutations and running.any():
        size = min(size, permutations - done)
        # All of a chunk's keys are drawn whatever has stopped: the same seed gives every test the same
        # shuffles as a run without a stopping rule.
        keys = rng.random((size, n_units, n_cycles))
        pooled = np.flatnonzero(running[:, 0])
        numerators, cell_sums = np.zeros((n_pairs, size)), np.zeros((n_pairs, size * len(cells) if unequal else 0))
        for s, stack_sums in zip(stacks, zip(*sums, strict=True), strict=True):
            groups, length = s.cycles.shape
            team_running = running[:, 1 + s.members]  # (pairs, members)
            testing = np.flatnonzero(team_running.any(axis=0))
            if len(pooled):
                wanted = np.arange(groups)
            elif len(testing):
                wanted = np.unique(s.member_group[testing])
            else:
                continue
            # (size, groups, cycles): which of its own points each point's y′ comes from. Gathers go through
            # flat indexes: numpy's take with one index array is several times faster than broadcast ones.
            shuffle = np.argsort(keys[:, s.units[wanted], s.cycles[wanted]], axis=2)
            for p in pooled:
                numerators[p] += stack_sums[p].cross.take(shuffle + s.diagonal).sum(axis=(1, 2))  # Σⱼ M[g, j, σ(j)]
                if unequal:
                    into = np.arange(size)[:, None, None] * len(cells) + s.cells
                    moved = stack_sums[p].sums.take(shuffle + (np.arange(groups) * length)[:, None])
                    cell_sums[p] += np.bincount(into.ravel(), moved.ravel(), size * len(cells))
            if not len(testing):
                continue
            at = np.searchsorted(wanted, s.member_group[testing])
            own_shuffle = shuffle.take(at, axis=1) + (np.arange(len(testing)) * length)[:, None]
            for p in np.flatnonzero(team_running[:, testing].any(axis=1)):
                mine = team_running[p, testing]
                chosen = own_shuffle if mine.all() else own_shuffle[:, mine]
                own_y, own_x = stack_sums[p].own_y[testing], stack_sums[p].own_x[testing[mine]]
                per_team = np.einsum("sek,ek->se", own_y.take(chosen), own_x)
                which = 1 + s.members[testing[mine]]
                _tally(np.abs(per_team) >= own_observed[p, which - 1] * tie, which, extreme[p], stopped_at[p],
                       done=done, stop=stop)  # fmt: skip
        for p in pooled:
            shuffled_squares = np.full(size, y_squares[p])
            if unequal:
                # ‖team-centred(cell-centred(y*))‖²: y*'s team sums are 0, so its cell means alone decide it.
                cell_means = cell_sums[p].reshape(size, len(cells)) / cell_sizes
                shuffled_squares -= (cell_means**2 * cell_sizes).sum(axis=1)
                for s in stacks:
                    team_sums = cell_means[:, s.cells].sum(axis=2)  # (size, groups)
                    shuffled_squares -= (s.teams * team_sums**2).sum(axis=1) / s.cycles.shape[1]
            # r* = x′ᵀy* / (‖x′‖ ‖y*‖): ‖x′‖ is the same in every permutation, so it is left out of both sides.
            shuffled = np.abs(numerators[p]) / np.sqrt(np.maximum(shuffled_squares, 1e-300))
            _tally((shuffled >= observed[p] * tie)[:, None], np.zeros(1, dtype=np.int64), extreme[p], stopped_at[p],
                   done=done, stop=stop)  # fmt: skip
        done += size
        drawn[running.any(axis=1)] = done
        running &= stopped_at == 0
        size = min(2 * size, chunk)
    # Besag & Clifford: h / L where the test stopped at its h-th exceedance, L permutations in; else the
    # usual (1 + exceedances) / (1 + B).
    p_values = np.where(stopped_at > 0, stop / np.maximum(stopped_at, 1), (1 + extreme) / (1 + permutations))

    results = []
    for p in range(n_pairs):
        # Each team's own r (Pearson, raw points) and interval (team_intervals).
        shown, n, r, low, high = _team_intervals(team, cycle, n_teams, x_all[:, p], y_all[:, p], team_min_points)
        keep = eligible[p, shown]
        shown, n, r, low, high = shown[keep], n[keep], r[keep], low[keep], high[keep]
        columns = (labels[shown], n, r, p_values[p, 1 + shown].astype(float), low, high)
        per_team = [TeamCorrelation(*values) for values in zip(*(c.tolist() for c in columns), strict=True)]
        pooled_p = float(p_values[p, 0]) if np.isfinite(observed[p]) else 1.0
        results.append(Association(pooled_p, phis[p], per_team, permutations=int(drawn[p])))
    return results


def _tally(exceeding: np.ndarray, tests: np.ndarray, extreme: np.ndarray, stopped_at: np.ndarray, *, done: int,
           stop: int) -> None:  # fmt: skip
    """Count a chunk's exceedances (permutations × tests) into extreme[tests]; where a test reaches `stop`
    of them, record in stopped_at the permutation (counted from 1 over the whole run) that made it so."""
    reached = extreme[tests] + exceeding.cumsum(axis=0) >= stop
    now = reached[-1]
    stopped_at[tests[now]] = done + 1 + reached[:, now].argmax(axis=0)
    extreme[tests] = np.minimum(extreme[tests] + exceeding.sum(axis=0), stop)


# The false discovery rate findings are held to (Benjamini–Hochberg's q).
FDR = 0.05
# A permutation p-value can be no smaller than 1/(B + 1). A pair whose p lies among the smallest B can give
# (at most REFINE_BELOW exceedances) is tested again with enough permutations that 1/(B + 1) is RESOLUTION
# times finer than Benjamini–Hochberg's first threshold, FDR/m for m pairs: with 2,000 permutations and more
# than 100 pairs, a lone strong association could otherwise never be significant.
REFINE_BELOW = 10
RESOLUTION = 10
# Besag–Clifford's h (association_test, step 5): a test stops at its STOP_AFTER-th exceedance. Equal to
# REFINE_BELOW, a pair is refined exactly when its test ran all its permutations without stopping.
STOP_AFTER = REFINE_BELOW


def permutations_resolving(tests: int, *, fdr: float = FDR) -> int:
    """Return how many permutations B make the smallest p-value, 1/(B + 1), a RESOLUTION-th of FDR/tests."""
    return math.ceil(RESOLUTION * max(tests, 1) / fdr)


def needs_refining(p: float, *, permutations: int, tests: int, fdr: float = FDR) -> bool:
    """Return whether a permutation p-value from `permutations` shuffles is too coarse to be read among `tests`
    pairs: it lies among the smallest values B allows (at most REFINE_BELOW − 1 exceedances) and B is below
    permutations_resolving(tests).

    Testing such a pair again with fresh permutations, and keeping only the new p-value, stays valid: under the
    null, P(final p ≤ t) ≤ t for every t, since a pair is retested only when its first p is at most the bound,
    and the retest is independent of the first."""
    return permutations < permutations_resolving(tests, fdr=fdr) and p <= REFINE_BELOW / (permutations + 1)


def resolved_association_test(
    teams: np.ndarray,
    cycles: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    *,
    departments: np.ndarray | None,
    permutations: int,
    tests: int,
    seed: int,
    refine_seed: int,
    stop_after: int | None = None,
) -> Association:
    """Return association_test's result, tested again with permutations_resolving(tests) fresh permutations
    (seed refine_seed) where the first p needs_refining among `tests` pairs.

    The rerun is the same test with more permutations: it shuffles by the unit the first run's count chose
    (unit_permutations), so that the p kept never comes from a different test than the one that asked for it.
    """
    return resolved_association_tests(
        teams, cycles, np.asarray(x, dtype=float)[None], np.asarray(y, dtype=float)[None], departments=departments,
        permutations=permutations, tests=tests, seed=seed, refine_seeds=[refine_seed], stop_after=stop_after,
    )[0]  # fmt: skip


def resolved_association_tests(
    teams: np.ndarray,
    cycles: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    *,
    departments: np.ndarray | None,
    permutations: int,
    tests: int,
    seed: int,
    refine_seeds: list[int],
    stop_after: int | None = None,
) -> list[Association]:
    """Return resolved_association_test for several pairs at the same points (xs, ys: (pairs, points)): tested
    together with one seed (association_tests, shuffles shared), and each pair whose p needs_refining tested
    again on its own with its refine seed (refine_seeds[i] for pair i)."""
    xs, ys = np.atleast_2d(np.asarray(xs, dtype=float)), np.atleast_2d(np.asarray(ys, dtype=float))
    first = association_tests(
        teams, cycles, xs, ys, departments=departments, permutations=permutations, seed=seed, stop_after=stop_after
    )
    resolved = []
    for i, test in enumerate(first):
        if needs_refining(test.p, permutations=permutations, tests=tests):
            test = association_test(
                teams, cycles, xs[i], ys[i], departments=departments, permutations=permutations_resolving(tests),
                seed=refine_seeds[i], unit_permutations=permutations, stop_after=stop_after,
            )  # fmt: skip
        resolved.append(test)
    return resolved


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
    shown_q = p_text(q)  # as every page and CSV shows it: four decimals, or below 0.0001, never 0
    shown_q = f"q < {shown_q[1:]}" if shown_q.startswith("<") else f"q = {shown_q}"
    r, low, high = (numbers.text(v, sign=True) for v in (result.r, result.ci_low, result.ci_high))
    strength = f"r = {r}, 95% CI {low} to {high}, {shown_q}"
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
