"""Does a finding mean what it says? Simulated organisations through Align's own statistics.

Each simulated organisation has TEAMS teams in DEPARTMENTS departments, CYCLES cycles, DIMENSIONS survey
dimensions and METRICS metrics, and is tested as `feedback.services.correlations_refresh` tests a real one:
every dimension × metric × lag through `feedback.correlation.association_test`, then Benjamini–Hochberg
(`false_discovery_q`) across the lot, a finding at q ≤ 0.05. Scenarios:

- nulls, where no dimension is related to any metric: independent cycles; AR(1) series (φ = 0.7 within each
  team); shocks shared by a department, by the whole organisation, a department's random walk; all at
  once; AR(1) with φ from 0.3 to 0.95 by team; teams on their own trends; lone teams in their departments;
  15% of cycles missing; a small organisation (6 teams in one department × 6 cycles, where teams are
  shuffled on their own);
- planted: one dimension × metric pair related within teams with r = 0.5, at lag 0 or lag 1.

Printed, with simulation standard errors: family-wise error (share of organisations with at least one false
finding; target ≤ 0.05, ≤ 0.06 allowing for simulation error), false discovery rate (mean share of false
findings among findings), power (share of organisations where the planted pair is found; target ≥ 0.8), and
the coverage of the 95% intervals on r (the finding's, rm_corr_within_periods; each team's own,
team_intervals; and the Fisher-z intervals they replaced) of r = 0 on null pairs and of the planted r
(planted_r) on the planted pair, and how often the finding's interval and its p disagree. Then the change
intervals (`feedback.statistics.change_between`, `enps_change_between`): how often their 95% interval
covers a zero change between two cycles of 5–30 respondents each.

python -m bench calibration (CALIBRATION_ORGS organisations per scenario, default 1000; a few minutes).
"""

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from feedback import correlation, statistics

TEAMS, DEPARTMENTS, CYCLES, DIMENSIONS, METRICS, LAGS = 20, 4, 8, 3, 3, (0, 1)
PERMUTATIONS = 2000  # as correlations_refresh: p can reach 1/2001, below BH's 0.05/18 for a lone finding
PLANTED_R = 0.5

NULLS = [
    "independent",
    "AR(1) φ 0.7",
    "department shocks",
    "organisation shocks",
    "department random walks",
    "AR(1) + both shocks",
    "AR(1) φ 0.3–0.95 by team",
    "team trends",
    "lone teams, AR(1) + both shocks",
    "15% cycles missing, AR(1) + both shocks",
    "small organisation, AR(1) + both shocks",
]
PLANTED = [
    "planted, lag 0",
    "planted, lag 1",
    "planted, AR(1) φ 0.7, lag 0",
    "planted, AR(1) + shocks, lag 1",
    "small organisation, planted, lag 0",
]


def _ar1(rng: np.random.Generator, shape: tuple, phi) -> np.ndarray:
    """Stationary AR(1) series of unit variance along the last axis; phi may vary along the others."""
    phi = np.broadcast_to(np.asarray(phi, dtype=float)[..., None], shape)[..., 0]
    noise = rng.normal(size=shape)
    out = np.empty(shape)
    out[..., 0] = noise[..., 0]
    for t in range(1, shape[-1]):
        out[..., t] = phi * out[..., t - 1] + np.sqrt(1 - phi**2) * noise[..., t]
    return out


def _series(rng: np.random.Generator, kind: str, count: int, department: np.ndarray, cycles: int) -> np.ndarray:
    """Return (count, teams, cycles) null series of one kind (scenario) around each team's own level."""
    teams, departments = len(department), int(department.max()) + 1
    shape = (count, teams, cycles)
    if kind == "independent":
        within = rng.normal(size=shape)
    elif kind == "AR(1) φ 0.7":
        within = _ar1(rng, shape, 0.7)
    elif kind == "department shocks":
        within = 0.7 * rng.normal(size=shape) + 0.7 * rng.normal(size=(count, departments, cycles))[:, department]
    elif kind == "organisation shocks":
        within = 0.7 * rng.normal(size=shape) + 0.7 * rng.normal(size=(count, 1, cycles))
    elif kind == "department random walks":
        within = (
            0.6 * rng.normal(size=shape)
            + 0.6 * rng.normal(size=(count, departments, cycles))[:, department]
            + 0.5 * rng.normal(size=(count, 1, cycles))
            + np.cumsum(rng.normal(0, 0.4, (count, departments, cycles)), axis=2)[:, department]
        )
    elif kind == "AR(1) φ 0.3–0.95 by team":
        within = _ar1(rng, shape, rng.uniform(0.3, 0.95, (count, teams)))
    elif kind == "team trends":
        slope = rng.normal(0, 0.25, (count, teams, 1))
        within = slope * (np.arange(cycles) - (cycles - 1) / 2) + rng.normal(size=shape)
    else:  # AR(1) + department and organisation shocks, each AR(1) too
        within = (
            0.7 * _ar1(rng, shape, 0.7)
            + 0.5 * _ar1(rng, (count, departments, cycles), 0.7)[:, department]
            + 0.5 * _ar1(rng, (count, 1, cycles), 0.7)
        )
    return within + rng.normal(0, 1, (count, teams, 1))


# What a planted scenario's series are like apart from the planted relation.
PLANTED_KIND = {
    "planted, lag 0": "independent",
    "planted, lag 1": "independent",
    "planted, AR(1) φ 0.7, lag 0": "AR(1) φ 0.7",
    "planted, AR(1) + shocks, lag 1": "AR(1) + both shocks",
    "small organisation, planted, lag 0": "AR(1) + both shocks",
}


def organisation(rng: np.random.Generator, scenario: str):
    """Return (scores, metrics, department, observed, planted): one simulated organisation.

    scores (dimensions, teams, cycles), metrics (metrics, teams, cycles), each team's department, which
    (team, cycle) cells were measured, and the planted (dimension, metric, lag) or None.
    """
    sizes, cycles = [TEAMS // DEPARTMENTS] * DEPARTMENTS, CYCLES
    if scenario.startswith("lone"):
        sizes = [8, 6, 3, 1, 1, 1]
    elif scenario.startswith("small"):  # one department of 6 teams, 6 cycles: 720 synchronised shuffles
        sizes, cycles = [6], 6
    department = np.repeat(np.arange(len(sizes)), sizes)
    prefix = next(
        (p for p in ("lone teams, ", "15% cycles missing, ", "small organisation, ") if scenario.startswith(p)), ""
    )
    kind = PLANTED_KIND.get(scenario, scenario.removeprefix(prefix))
    x = _series(rng, kind, DIMENSIONS, department, cycles)
    y = _series(rng, kind, METRICS, department, cycles)
    planted = None
    if scenario in PLANTED_KIND:
        lag = int(scenario[-1])
        planted = (0, 0, lag)
        # Metric 0 at t + lag follows dimension 0's movement within each team at t, r = PLANTED_R; the rest
        # of it is noise of the scenario's kind, except with AR(1) alone, where it is white: the harder case,
        # as an autocorrelated score carries less information once prewhitened.
        moving = x[0] - x[0].mean(axis=1, keepdims=True)
        noise = rng.normal(size=moving.shape) if kind == "AR(1) φ 0.7" else y[0] - y[0].mean(axis=1, keepdims=True)
        y[0, :, lag:] = PLANTED_R * moving[:, : cycles - lag] + np.sqrt(1 - PLANTED_R**2) * noise[:, lag:]
    observed = np.ones((len(department), cycles), dtype=bool)
    if scenario.startswith("15%"):
        observed = rng.random(observed.shape) >= 0.15
    return x, y, department, observed, planted


@dataclass
class Coverage:
    """How often 95% intervals cover the true r, counted per organisation (its intervals are not independent)."""

    covered: list[int] = field(default_factory=list)
    intervals: list[int] = field(default_factory=list)

    def add(self, covered: int, intervals: int) -> None:
        if intervals:
            self.covered.append(covered)
            self.intervals.append(intervals)

    @property
    def share(self) -> float:
        return sum(self.covered) / max(1, sum(self.intervals))

    @property
    def error(self) -> float:
        """The simulation standard error of share: the ratio estimator's, organisations as clusters."""
        k, n = len(self.intervals), np.asarray(self.intervals, dtype=float)
        if k < 2:
            return float("nan")
        residuals = np.asarray(self.covered) - self.share * n
        return float(np.sqrt(k / (k - 1) * (residuals**2).sum()) / n.sum())

    def __str__(self) -> str:
        return f"{self.share:.3f} ± {self.error:.3f}" if self.intervals else "—"


@dataclass
class Tally:
    organisations: int = 0
    with_false: int = 0  # organisations with at least one false finding
    false_share: float = 0.0  # Σ over organisations of false findings / max(1, findings)
    false_share_squares: float = 0.0
    planted_found: int = 0
    untested: int = 0  # pairs refused for too little data
    # The 95% intervals shown: the finding's (now rm_corr_within_periods; before, rm_corr's Fisher z) and each
    # team's own (team_intervals; before, Fisher z on its points), on null pairs (true r = 0) and on the
    # planted pair (true r: planted_r).
    null_interval: Coverage = field(default_factory=Coverage)
    null_interval_before: Coverage = field(default_factory=Coverage)
    planted_interval: Coverage = field(default_factory=Coverage)
    planted_interval_before: Coverage = field(default_factory=Coverage)
    team_interval: Coverage = field(default_factory=Coverage)
    team_interval_before: Coverage = field(default_factory=Coverage)
    tested: int = 0
    disagreements: int = 0  # pairs whose interval excludes 0 but p > 0.05, or the reverse
    shown_with_zero: int = 0  # findings (q ≤ 0.05) whose interval covers 0

    def add(self, *, false: int, found: int, planted_found: bool) -> None:
        share = false / max(1, found)
        self.organisations += 1
        self.with_false += false > 0
        self.false_share += share
        self.false_share_squares += share * share
        self.planted_found += planted_found


def planted_r(scenario: str, lag: int) -> float:
    """Return the planted pair's true within-team r: the ratio E Σ x̃ỹ / √(E Σ x̃² E Σ ỹ²) over a team's
    centred points, which both the finding's r and a team's own r estimate.

    It is PLANTED_R where the metric's noise is a series of the same kind as the score. With AR(1) alone the
    noise is white while the score is AR(1), and centring a short AR(1) series on its mean removes more of
    its variance than it removes of white noise's: with n points, E Σ x̃² = n − (1/n) Σᵢⱼ φ^|i−j| against
    n − 1, so r = 0.5 a / √(a (0.25 a + 0.75 (n − 1))) — 0.407 at φ = 0.7 and 8 cycles.
    """
    if PLANTED_KIND[scenario] != "AR(1) φ 0.7":
        return PLANTED_R
    n = (6 if scenario.startswith("small") else CYCLES) - lag
    steps = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    a = n - (0.7**steps).sum() / n
    return float(PLANTED_R * a / np.sqrt(a * (PLANTED_R**2 * a + (1 - PLANTED_R**2) * (n - 1))))


def within_team_p(teams: np.ndarray, x: np.ndarray, y: np.ndarray, *, permutations: int, seed: int) -> float:
    """Return the p-value of the test Align used before: centre on team means, shuffle y within each team."""
    _, team, counts = np.unique(teams, return_inverse=True, return_counts=True)
    centred = [v - (np.bincount(team, weights=v) / counts)[team] for v in (x, y)]
    observed = abs(centred[0] @ centred[1])
    rng = np.random.default_rng(seed)
    numerators = np.zeros(permutations)
    for size in np.unique(counts):
        rows = np.flatnonzero(np.isin(team, np.flatnonzero(counts == size))).reshape(-1, size)
        xs, ys = centred[0][rows], centred[1][rows]
        shuffled = rng.permuted(np.broadcast_to(ys, (permutations, *ys.shape)), axis=2)
        numerators += np.einsum("bts,ts->b", shuffled, xs)
    return float((1 + np.count_nonzero(np.abs(numerators) >= observed * (1 - 1e-9))) / (1 + permutations))


def simulate(
    scenario: str, *, organisations: int, seed: int = 0, permutations: int = PERMUTATIONS, before: bool = False
) -> Tally:
    """Run organisations of one scenario through correlation.rm_corr, association_test and BH.

    before: test with within_team_p instead of association_test, as Align did before (for comparison).
    """
    rng = np.random.default_rng(seed)
    tally = Tally()
    for run in range(organisations):
        x, y, department, observed, planted = organisation(rng, scenario)
        cycles = x.shape[-1]
        keys, p_values, excludes_zero = [], [], []
        counts = defaultdict(lambda: [0, 0])  # interval kind: [covered, intervals] in this organisation
        for d in range(x.shape[0]):
            for m in range(y.shape[0]):
                for lag in LAGS:
                    present = observed[:, : cycles - lag] & observed[:, lag:]
                    teams, indexes = np.nonzero(present)
                    groups = correlation.usable(teams)
                    teams, indexes = teams[groups], indexes[groups]
                    if not correlation.enough_data(teams):
                        tally.untested += 1
                        continue
                    xs, ys = x[d, teams, indexes], y[m, teams, indexes + lag]
                    shown = correlation.rm_corr_within_periods(teams, indexes, xs, ys, departments=department[teams])
                    old = correlation.rm_corr(teams, xs, ys)
                    # One seed per metric and lag, as correlations_refresh shares shuffles among the dimensions of
                    # one metric and lag (association_tests gives each pair exactly association_test's result).
                    seed = run * 1000 + m * len(LAGS) + lag
                    if before:
                        p = within_team_p(teams, xs, ys, permutations=permutations, seed=seed)
                    else:
                        p = correlation.association_test(
                            teams,
                            indexes,
                            xs,
                            ys,
                            departments=department[teams],
                            permutations=permutations,
                            seed=seed,
                            team_min_points=cycles + 1,  # the pooled test only: team_intervals below
                            stop_after=correlation.STOP_AFTER,  # as correlations_refresh runs it
                        ).p
                    keys.append((d, m, lag))
                    p_values.append(p)
                    excludes_zero.append(not shown.ci_low <= 0 <= shown.ci_high)
                    tally.tested += 1
                    tally.disagreements += excludes_zero[-1] != (p <= 0.05)
                    truth = planted_r(scenario, lag) if (d, m, lag) == planted else 0.0
                    which = "planted" if (d, m, lag) == planted else "null"
                    for kind, low, high in [("", shown.ci_low, shown.ci_high), ("_before", old.ci_low, old.ci_high)]:
                        counts[f"{which}_interval{kind}"][0] += low <= truth <= high
                        counts[f"{which}_interval{kind}"][1] += 1
                    own = correlation.team_intervals(teams, indexes, xs, ys).values()
                    if own and which == "null":
                        n, r = (np.array(column, dtype=float) for column in list(zip(*own, strict=True))[:2])
                        z, half = np.arctanh(np.clip(r, -0.999999, 0.999999)), 1.959964 / np.sqrt(n - 3)
                        for kind, lows, highs in [
                            ("", [low for *_, low, _ in own], [high for *_, high in own]),
                            ("_before", np.tanh(z - half), np.tanh(z + half)),
                        ]:
                            covering = (np.asarray(lows) <= 0) & (np.asarray(highs) >= 0)
                            counts[f"team_interval{kind}"][0] += int(covering.sum())
                            counts[f"team_interval{kind}"][1] += len(own)
        findings = {k for k, q in zip(keys, correlation.false_discovery_q(p_values), strict=True) if q <= 0.05}
        tally.shown_with_zero += sum(not excludes_zero[keys.index(k)] for k in findings)
        tally.add(false=len(findings - {planted}), found=len(findings), planted_found=planted in findings)
        for kind, (covered, intervals) in counts.items():
            getattr(tally, kind).add(covered, intervals)
    return tally


def _share(count: int, n: int) -> str:
    share = count / max(1, n)
    return f"{share:.3f} ± {np.sqrt(share * (1 - share) / max(1, n)):.3f}"


def _mean(total: float, squares: float, n: int) -> str:
    mean = total / max(1, n)
    sd = np.sqrt(max(0.0, squares / max(1, n) - mean * mean))
    return f"{mean:.3f} ± {sd / np.sqrt(max(1, n)):.3f}"


def _scale_scores(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seven 5-point items driven by one trait per person (as in tests/feedback/test_statistics.py)."""
    trait = rng.normal(0, 0.7, n)
    return np.clip(np.round(3 + trait[:, None] + rng.normal(0, 0.8, (n, 7))), 1, 5).mean(axis=1)


def change_coverage(pairs: int, seed: int = 0) -> list[tuple[str, int, int]]:
    """Return (what, covered, pairs): how often each change interval covers a true zero change."""
    rng = np.random.default_rng(seed)
    rows = []
    covered = 0
    for _ in range(pairs):
        before, after = (_scale_scores(rng, n) for n in rng.integers(5, 31, 2))
        test = statistics.change_between(before, after)
        covered += test.ci_low <= 0 <= test.ci_high
    rows.append(("scale score (change_between)", covered, pairs))
    for mix in [(0.3, 0.4, 0.3), (0.05, 0.15, 0.8), (0.6, 0.3, 0.1)]:
        covered = 0
        for _ in range(pairs):
            before, after = (list(rng.choice([3, 8, 10], size=n, p=mix)) for n in rng.integers(5, 31, 2))
            test = statistics.enps_change_between(before, after)
            covered += test.ci_low <= 0 <= test.ci_high
        rows.append((f"eNPS, detractors/passives/promoters {mix} (enps_change_between)", covered, pairs))
    return rows


def table(organisations: int, before_organisations: int, pairs: int) -> str:
    """Return the printed report: every scenario through Align's test (and the test before it), the r
    intervals' coverage, then the change intervals."""
    lines = [
        f"{TEAMS} teams ({DEPARTMENTS} departments) × {CYCLES} cycles, {DIMENSIONS} dimensions × {METRICS} metrics "
        f"× {len(LAGS)} lags = {DIMENSIONS * METRICS * len(LAGS)} tests per organisation, {PERMUTATIONS} "
        f"permutations, BH q ≤ 0.05. ± one simulation standard error. Align: {organisations} organisations per "
        f"scenario; before (within-team shuffles, as Align tested until 2026-11): {before_organisations}.",
        "Targets: family-wise error on the nulls ≤ 0.05 (0.06 with simulation error); power ≥ 0.8 (20 × 8).",
        "",
        f"{'scenario':<40} {'family-wise error':>17} {'FDR':>13} {'power':>13}"
        f" {'before: FWE':>13} {'before: power':>13}",
    ]
    tallies = {}
    for scenario in NULLS + PLANTED:
        started = time.perf_counter()
        tally = tallies[scenario] = simulate(scenario, organisations=organisations)
        old = simulate(scenario, organisations=before_organisations, before=True)
        planted = scenario in PLANTED
        lines.append(
            f"{scenario:<40} {_share(tally.with_false, tally.organisations):>17} "
            f"{_mean(tally.false_share, tally.false_share_squares, tally.organisations):>13} "
            f"{_share(tally.planted_found, tally.organisations) if planted else '—':>13} "
            f"{_share(old.with_false, old.organisations):>13} "
            f"{_share(old.planted_found, old.organisations) if planted else '—':>13}"
            f"  ({time.perf_counter() - started:.0f} s)"
        )
    lines += [
        "",
        "95% intervals on r (target 0.95; ± one simulation standard error, organisations as clusters). Finding:",
        "the interval shown with a finding (rm_corr_within_periods; before: rmcorr's Fisher z, independent",
        "cycles assumed). Team: each team's own r's (team_intervals; before: Fisher z on its points), teams",
        "with 8 points or more, null pairs. Disagree: pairs whose interval excludes 0 while p > 0.05, or the",
        "reverse. Shown with 0: findings (q ≤ 0.05) whose interval covers 0.",
        "",
        f"{'scenario':<40} {'finding: r = 0':>14} {'before':>13} {'planted r':>10} {'covered':>13} {'before':>13}"
        f" {'team: r = 0':>13} {'before':>13} {'disagree':>13} {'shown with 0':>13}",
    ]
    for scenario, tally in tallies.items():
        planted = scenario in PLANTED
        truth = ", ".join(f"{planted_r(scenario, lag):.3f}" for lag in {int(scenario[-1])}) if planted else "—"
        lines.append(
            f"{scenario:<40} {tally.null_interval!s:>14} {tally.null_interval_before!s:>13} {truth:>10} "
            f"{tally.planted_interval!s:>13} {tally.planted_interval_before!s:>13} {tally.team_interval!s:>13} "
            f"{tally.team_interval_before!s:>13} {_share(tally.disagreements, tally.tested):>13} "
            f"{_share(tally.shown_with_zero, tally.organisations) if planted else '—':>13}"
        )
    lines += [
        "",
        f"Change intervals, {pairs} null pairs of 5–30 respondents each (target 0.95):",
    ]
    for what, covered, n in change_coverage(pairs):
        lines.append(f"  {what:<70} {_share(covered, n)}")
    return "\n".join(lines)


def run() -> list[dict]:
    return [
        {
            "table": table(
                int(os.environ.get("CALIBRATION_ORGS", "1000")),
                int(os.environ.get("CALIBRATION_BEFORE_ORGS", "200")),
                pairs=int(os.environ.get("CALIBRATION_PAIRS", "4000")),
            )
        }
    ]
