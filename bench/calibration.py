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
the coverage of the 95% interval shown with each finding (rmcorr's) on null pairs. Then the change
intervals (`feedback.statistics.change_between`, `enps_change_between`): how often their 95% interval
covers a zero change between two cycles of 5–30 respondents each.

python -m bench calibration (CALIBRATION_ORGS organisations per scenario, default 1000; a few minutes).
"""

import os
import time
from dataclasses import dataclass

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
class Tally:
    organisations: int = 0
    with_false: int = 0  # organisations with at least one false finding
    false_share: float = 0.0  # Σ over organisations of false findings / max(1, findings)
    false_share_squares: float = 0.0
    planted_found: int = 0
    null_pairs: int = 0
    null_covered: int = 0  # null pairs whose 95% interval covers 0
    untested: int = 0  # pairs refused for too little data

    def add(self, *, false: int, found: int, planted_found: bool, null_pairs: int, null_covered: int) -> None:
        share = false / max(1, found)
        self.organisations += 1
        self.with_false += false > 0
        self.false_share += share
        self.false_share_squares += share * share
        self.planted_found += planted_found
        self.null_pairs += null_pairs
        self.null_covered += null_covered


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
        keys, p_values, covered = [], [], []
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
                    result = correlation.rm_corr(teams, xs, ys)
                    seed = run * 1000 + len(keys)
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
                            team_min_points=cycles + 1,  # the pooled test only
                        ).p
                    keys.append((d, m, lag))
                    p_values.append(p)
                    covered.append(result.ci_low <= 0 <= result.ci_high)
        findings = {k for k, q in zip(keys, correlation.false_discovery_q(p_values), strict=True) if q <= 0.05}
        null = [k != planted for k in keys]
        tally.add(
            false=len(findings - {planted}),
            found=len(findings),
            planted_found=planted in findings,
            null_pairs=sum(null),
            null_covered=sum(c for c, n in zip(covered, null, strict=True) if n),
        )
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
    """Return the printed report: every scenario through Align's test (and the test before it), then the
    change intervals."""
    lines = [
        f"{TEAMS} teams ({DEPARTMENTS} departments) × {CYCLES} cycles, {DIMENSIONS} dimensions × {METRICS} metrics "
        f"× {len(LAGS)} lags = {DIMENSIONS * METRICS * len(LAGS)} tests per organisation, {PERMUTATIONS} "
        f"permutations, BH q ≤ 0.05. ± one simulation standard error. Align: {organisations} organisations per "
        f"scenario; before (within-team shuffles, as Align tested until 2026-11): {before_organisations}.",
        "Targets: family-wise error on the nulls ≤ 0.05 (0.06 with simulation error); power ≥ 0.8 (20 × 8).",
        "",
        f"{'scenario':<40} {'family-wise error':>17} {'FDR':>13} {'power':>13} {'CI covers 0':>13}"
        f" {'before: FWE':>13} {'before: power':>13}",
    ]
    for scenario in NULLS + PLANTED:
        started = time.perf_counter()
        tally = simulate(scenario, organisations=organisations)
        old = simulate(scenario, organisations=before_organisations, before=True)
        planted = scenario in PLANTED
        lines.append(
            f"{scenario:<40} {_share(tally.with_false, tally.organisations):>17} "
            f"{_mean(tally.false_share, tally.false_share_squares, tally.organisations):>13} "
            f"{_share(tally.planted_found, tally.organisations) if planted else '—':>13} "
            f"{_share(tally.null_covered, tally.null_pairs):>13} {_share(old.with_false, old.organisations):>13} "
            f"{_share(old.planted_found, old.organisations) if planted else '—':>13}"
            f"  ({time.perf_counter() - started:.0f} s)"
        )
    lines += [
        "",
        "CI covers 0: how often the 95% interval shown with a finding (rmcorr's, Fisher z) covers r = 0 on null",
        "pairs. It assumes independent cycles, so it is too narrow on autocorrelated and shocked data; the",
        "finding's significance (q) does not rest on it.",
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
