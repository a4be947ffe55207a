"""The correlation engine validated statistically: against pingouin, under the null, for power, and against a
plain loop. Calibration on autocorrelated and shocked organisations: tests/feedback/test_calibration.py."""

import math
import re

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats

from feedback import correlation


def simulate(rng, *, teams=10, cycles=6, rho=0.0):
    """Teams with very different levels, whose score and metric co-vary within the team with correlation rho."""
    groups = np.repeat(np.arange(teams), cycles)
    levels_x = rng.normal(0, 5, teams)[groups]
    levels_y = rng.normal(0, 5, teams)[groups]
    within = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=teams * cycles)
    return groups, levels_x + within[:, 0], levels_y + within[:, 1]


def association(groups, x, y, **options):
    """association_test with each team's points taken as its cycles 0, 1, 2, … in order."""
    cycles = np.concatenate([np.arange(n) for n in np.unique(groups, return_counts=True)[1]])
    return correlation.association_test(groups, cycles, x, y, **options)


def test_results_match_pingouins_rm_corr():
    rng = np.random.default_rng(7)
    groups, x, y = simulate(rng, teams=8, cycles=5, rho=0.5)
    ours = correlation.rm_corr(groups, x, y)
    theirs = pingouin.rm_corr(pd.DataFrame({"team": groups, "x": x, "y": y}), x="x", y="y", subject="team")
    assert ours.r == pytest.approx(theirs["r"].iloc[0], abs=1e-9)
    assert ours.dof == theirs["dof"].iloc[0] == 8 * 5 - 8 - 1
    assert ours.p_parametric == pytest.approx(theirs["pval"].iloc[0], rel=1e-6)
    low, high = theirs["CI95"].iloc[0]
    assert (ours.ci_low, ours.ci_high) == (pytest.approx(low, abs=0.01), pytest.approx(high, abs=0.01))


def test_differences_between_teams_are_not_mistaken_for_an_association():
    # Big teams score high and deploy a lot, but within each team the two are unrelated.
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(10), 6)
    size = np.arange(10)[groups] * 10.0
    x, y = size + rng.normal(0, 1, 60), size + rng.normal(0, 1, 60)
    assert stats.pearsonr(x, y)[0] > 0.95
    assert abs(correlation.rm_corr(groups, x, y).r) < 0.3
    assert association(groups, x, y, permutations=199).p > 0.05


def test_the_p_value_is_uniform_without_a_relation_even_with_departments_and_missing_cycles():
    # 20 teams in 4 departments × 8 cycles, 15% of cells missing: P(p ≤ α) should be α.
    rng = np.random.default_rng(12)
    department = np.repeat(np.arange(4), 5)
    p_values = []
    for seed in range(1000):
        teams, cycles = np.nonzero(rng.random((20, 8)) >= 0.15)
        keep = correlation.usable(teams)
        teams, cycles = teams[keep], cycles[keep]
        x, y = rng.normal(size=len(teams)), rng.normal(size=len(teams))
        p_values.append(
            correlation.association_test(
                teams, cycles, x, y, departments=department[teams], permutations=199, seed=seed
            ).p
        )
    p_values = np.array(p_values)
    for alpha in (0.05, 0.2):
        # three standard errors of a share over 1,000 draws
        assert abs((p_values <= alpha).mean() - alpha) <= 3 * np.sqrt(alpha * (1 - alpha) / 1000)


def test_a_strong_relation_gets_the_smallest_p_the_permutations_allow_never_zero():
    rng = np.random.default_rng(11)
    strong = simulate(rng, teams=12, cycles=6, rho=0.95)
    assert association(*strong, permutations=500).p == pytest.approx(1 / 501)


def test_false_discoveries_stay_at_or_below_the_nominal_level_on_simulated_organisations():
    # 200 organisations, each testing 4 dimensions × 3 metrics × 2 lags = 24 pairs, 3 of them real (rho 0.5).
    rng = np.random.default_rng(2026)
    proportions = []
    for _ in range(200):
        p_values, real = [], []
        for test in range(24):
            rho = 0.5 if test < 3 else 0.0
            groups, x, y = simulate(rng, teams=8, cycles=6, rho=rho)
            p_values.append(association(groups, x, y, permutations=199, seed=test).p)
            real.append(rho > 0)
        discovered = [q <= 0.05 for q in correlation.false_discovery_q(p_values)]
        false = sum(d and not r for d, r in zip(discovered, real, strict=True))
        proportions.append(false / max(1, sum(discovered)))
    fdr = float(np.mean(proportions))
    # BH bounds the FDR at 0.05 × 21/24; allow two standard errors of simulation noise.
    assert fdr <= 0.05 + 2 * np.std(proportions) / np.sqrt(len(proportions))


def test_a_planted_effect_is_found_with_the_power_the_maths_predicts():
    # rho 0.4, 10 teams × 6 cycles in one department: the test removes 10 team means and 6 cycle means
    # (one shared, 15 in all), so Fisher-z power ≈ Φ(atanh(0.4)·√(n − 3) − 1.96) with n = 60 − 15 − 1 + 2.
    rng = np.random.default_rng(5)
    rho, teams, cycles, runs = 0.4, 10, 6, 300
    n = teams * cycles - (teams + cycles - 1) - 1 + 2
    predicted = stats.norm.cdf(np.arctanh(rho) * np.sqrt(n - 3) - 1.959964)
    found = sum(
        association(*simulate(rng, teams=teams, cycles=cycles, rho=rho), permutations=299, seed=run).p < 0.05
        for run in range(runs)
    )
    assert found / runs == pytest.approx(predicted, abs=0.08)


def test_too_little_data_is_refused_before_anything_is_computed():
    assert not correlation.enough_data(np.repeat(np.arange(4), 6))  # 4 teams
    assert not correlation.enough_data(np.repeat(np.arange(8), 3))  # 3 cycles each
    assert correlation.enough_data(np.repeat(np.arange(5), 4))


def test_the_sentence_says_associated_never_causes_and_carries_n_interval_and_q():
    result = correlation.RmCorr(
        r=-0.42, dof=80, p_parametric=0.001, ci_low=-0.58, ci_high=-0.22, n_teams=12, n_points=93
    )
    direction, sentence = correlation.describe(
        dimension="psychological safety",
        metric="change failure rate",
        lower_is_better=True,
        lag=1,
        result=result,
        q=0.01,
    )
    assert direction == "better"
    assert "one cycle later" in sentence and "12 teams, 93 team-cycles" in sentence and "q = 0.0100" in sentence
    assert "not evidence that one causes" in sentence and " causes " not in sentence.replace("one causes the", "")
    _, null_sentence = correlation.describe(
        dimension="meaning", metric="revenue", lower_is_better=False, lag=0, result=result, q=0.4
    )
    assert null_sentence.startswith("No reliable association")


def test_per_team_permutation_p_values_match_a_plain_test_for_one_team():
    rng = np.random.default_rng(9)
    groups, x, y = simulate(rng, teams=6, cycles=12, rho=0.6)
    result = association(groups, x, y, permutations=3000, seed=1)
    assert len(result.per_team) == 6 and 0 < result.p < 0.01
    for team in result.per_team:
        mask = groups == team.team
        r, p = stats.pearsonr(x[mask], y[mask])
        assert team.r == pytest.approx(r, abs=1e-9)
        assert team.p == pytest.approx(p, abs=0.08)  # prewhitened by the pooled φ, here near 0
        assert team.ci_low < team.r < team.ci_high


def test_a_team_is_tested_on_its_own_series_not_on_what_its_department_did():
    # Two teams in one department: the relation is in team 0 only. Centred on their department's means the
    # two teams' series would be mirror images and team 1 would "have" team 0's relation.
    rng = np.random.default_rng(4)
    groups = np.repeat([0, 1], 12)
    x = rng.normal(size=24)
    y = np.where(groups == 0, 0.9 * x, 0) + rng.normal(0, 0.4, 24)
    result = association(groups, x, y, departments=np.zeros(24), permutations=999)
    own = {team.team: team.p for team in result.per_team}
    assert own[0] < 0.01 and own[1] > 0.05


def test_the_ar1_coefficient_is_corrected_for_the_bias_of_short_series():
    # 200 teams × 8 cycles: least squares on team-centred series gives about 0.46 for φ = 0.7 (Nickell).
    rng = np.random.default_rng(8)
    for phi in (0.0, 0.7):
        series = np.empty((200, 8))
        series[:, 0] = rng.normal(size=200) / np.sqrt(1 - phi**2)
        for t in range(1, 8):
            series[:, t] = phi * series[:, t - 1] + rng.normal(size=200)
        centred = series - series.mean(axis=1, keepdims=True)
        raw = (centred[:, 1:] * centred[:, :-1]).sum() / (centred[:, :-1] ** 2).sum()
        assert raw < phi - 0.1
        assert correlation.ar1_coefficient(centred[:, 1:].ravel(), centred[:, :-1].ravel(), 7) == pytest.approx(
            phi, abs=0.06
        )


def test_a_trend_a_department_shares_is_not_an_association():
    # Every team of a department rises in score and in metric together, cycle after cycle; nothing relates
    # a team's score to its metric beyond that. Within-team shuffles alone would call it a strong relation.
    rng = np.random.default_rng(6)
    groups = np.repeat(np.arange(12), 8)
    department = groups // 4
    trend = np.tile(np.arange(8.0), 12) * (1 + department)
    x, y = trend + rng.normal(size=96), trend + rng.normal(size=96)
    assert correlation.rm_corr(groups, x, y).r > 0.8
    assert association(groups, x, y, departments=department, permutations=999).p > 0.05


def test_teams_alone_in_their_departments_are_tested_together_not_dropped():
    # Six departments of one team each: alone, removing a department's means would leave nothing of them.
    rng = np.random.default_rng(10)
    groups = np.repeat(np.arange(6), 8)
    x = rng.normal(size=48)
    y = 0.8 * x + rng.normal(0, 0.5, 48)
    assert association(groups, x, y, departments=groups, permutations=999).p < 0.01


def plain_association_p(teams, cycles, x, y, departments, permutations, seed, unit_permutations=None):
    """association_test's pooled p the slow way: dictionaries, one team and one permutation at a time."""
    labels = sorted(set(teams.tolist()))
    names = sorted({str(d) for d in departments})
    department = {t: names.index(str(departments[list(teams).index(t)])) for t in labels}
    size = {d: sum(department[t] == d for t in labels) for d in department.values()}
    block = {t: department[t] if size[department[t]] > 1 else len(names) for t in labels}
    first = min(cycles)
    points = {t: {} for t in labels}
    for team, cycle, a, b in zip(teams, cycles, x, y, strict=True):
        points[team][cycle - first] = [a, b]

    def centre_twice(which):
        for _ in range(500):  # block × cycle means, then team means, until both are zero
            cells = {}
            for t in labels:
                for c, v in points[t].items():
                    cells.setdefault((block[t], c), []).append(v[which])
            for t in labels:
                for c, v in points[t].items():
                    v[which] -= np.mean(cells[(block[t], c)])
                mean = np.mean([v[which] for v in points[t].values()])
                for v in points[t].values():
                    v[which] -= mean

    centre_twice(0)
    centre_twice(1)
    pairs = [(points[t][c][0], points[t][c - 1][0]) for t in labels for c in points[t] if c - 1 in points[t]]
    periods = len(teams) / len(labels) - 1
    phi = correlation.ar1_coefficient(np.array([a for a, _ in pairs]), np.array([b for _, b in pairs]), periods)
    for which in (0, 1):
        filtered = {
            (t, c): v[which] - phi * points[t][c - 1][which] if c - 1 in points[t] else v[which] * np.sqrt(1 - phi**2)
            for t in labels
            for c, v in points[t].items()
        }
        for (t, c), value in filtered.items():
            points[t][c][which] = value
        for t in labels:
            mean = np.mean([v[which] for v in points[t].values()])
            for v in points[t].values():
                v[which] -= mean
        centre_twice(which)

    def r(shuffled):
        cells = {}
        for (t, c), value in shuffled.items():
            cells.setdefault((block[t], c), []).append(value)
        centred = {(t, c): value - np.mean(cells[(block[t], c)]) for (t, c), value in shuffled.items()}
        for t in labels:
            mean = np.mean([centred[(t, c)] for c in points[t]])
            for c in points[t]:
                centred[(t, c)] -= mean
        numerator = sum(points[t][c][0] * shuffled[(t, c)] for t in labels for c in points[t])
        return abs(numerator) / np.sqrt(sum(v * v for v in centred.values()))

    observed = r({(t, c): v[1] for t in labels for c, v in points[t].items()})
    # One key per block and cycle; per team and cycle when that allows fewer than 10 × B shuffles.
    cycles_of_block = {b: {c for t in labels if block[t] == b for c in points[t]} for b in block.values()}
    distinct = np.prod([float(math.factorial(len(cs))) for cs in cycles_of_block.values()])
    decisive = permutations if unit_permutations is None else unit_permutations
    unit = block if distinct >= 10 * (decisive + 1) else {t: i for i, t in enumerate(labels)}
    keys = np.random.default_rng(seed).random((permutations, max(unit.values()) + 1, max(cycles) - first + 1))
    extreme = 0
    for k in keys:
        shuffled = {}
        for t in labels:
            own = sorted(points[t])
            by_key = sorted(own, key=lambda c, t=t: k[unit[t], c])
            shuffled.update({(t, c): points[t][source][1] for c, source in zip(own, by_key, strict=True)})
        extreme += r(shuffled) >= observed * (1 - 1e-9)
    return (1 + extreme) / (1 + permutations)


def test_the_vectorised_test_gives_the_p_value_of_a_plain_loop():
    # Teams missing cycles, teams alone in their departments, a team without a department, shuffled input.
    rng = np.random.default_rng(4)
    teams, cycles = np.repeat(np.arange(11), 7), np.tile(np.arange(7), 11) + 3
    keep = rng.permutation(np.flatnonzero(rng.random(77) > 0.15))
    departments = np.array(["a"] * 4 + ["b"] * 3 + ["c", None, "d", "e"], dtype=object)[teams]
    x = rng.normal(size=77) + 0.3 * np.tile(rng.normal(size=7), 11)  # a shock each cycle
    y = 0.15 * x + rng.normal(size=77)
    teams, cycles, x, y, departments = teams[keep], cycles[keep], x[keep], y[keep], departments[keep]
    fast = correlation.association_test(teams, cycles, x, y, departments=departments, permutations=300, seed=5)
    assert fast.p == pytest.approx(plain_association_p(teams, cycles, x, y, departments, 300, 5), abs=1e-12)
    assert 0.01 < fast.p < 0.99  # neither extreme, so the comparison means something


def test_the_vectorised_test_gives_the_p_value_of_a_plain_loop_when_teams_are_shuffled_on_their_own():
    # One department of 5 cycles: 120 synchronised shuffles are too few, so each team is shuffled alone.
    rng = np.random.default_rng(8)
    teams, cycles = np.repeat(np.arange(7), 5), np.tile(np.arange(5), 7)
    keep = rng.random(35) > 0.1
    x = rng.normal(size=35)
    y = 0.2 * x + rng.normal(size=35)
    teams, cycles, x, y = teams[keep], cycles[keep], x[keep], y[keep]
    departments = np.zeros(len(teams))
    fast = correlation.association_test(teams, cycles, x, y, departments=departments, permutations=300, seed=2)
    assert fast.p == pytest.approx(plain_association_p(teams, cycles, x, y, departments, 300, 2), abs=1e-12)
    assert 0.01 < fast.p < 0.99


def test_a_refined_p_comes_from_the_same_test_as_the_first_whatever_its_permutation_count():
    # given one department of 6 cycles: 720 synchronised shuffles are enough for 50 permutations (10 × 51)
    # but not for 200, so the count alone would switch the refined test to shuffling each team on its own
    rng = np.random.default_rng(4)
    teams, cycles = np.repeat(np.arange(6), 6), np.tile(np.arange(6), 6)
    x = rng.normal(size=36)
    y = 0.35 * x + rng.normal(size=36)
    departments = np.zeros(36)
    first = correlation.association_test(teams, cycles, x, y, departments=departments, permutations=50, seed=1)
    assert correlation.needs_refining(first.p, permutations=50, tests=1)
    assert correlation.permutations_resolving(1) == 200
    # when
    refined = correlation.resolved_association_test(
        teams, cycles, x, y, departments=departments, permutations=50, tests=1, seed=1, refine_seed=2
    )
    # then the rerun shuffles whole departments, as the first run did
    assert refined.p == pytest.approx(plain_association_p(teams, cycles, x, y, departments, 200, 2, 50), abs=1e-12)
    assert refined.p != pytest.approx(plain_association_p(teams, cycles, x, y, departments, 200, 2), abs=1e-12)


def test_a_small_organisation_with_few_cycles_can_still_show_a_strong_relation():
    # 5 teams in one department × 5 cycles: synchronised shuffles alone could not give p below 1/120.
    rng = np.random.default_rng(1)
    groups, x, y = simulate(rng, teams=5, cycles=5, rho=0.9)
    assert association(groups, x, y, departments=np.zeros(25), permutations=1999).p < 0.002


@pytest.mark.parametrize(("q", "shown"), [(0.0, "q < 0.0001"), (2.1e-5, "q < 0.0001"), (0.00015, "q = 0.0002"),
                                          (0.012345, "q = 0.0123")])  # fmt: skip
def test_a_finding_s_sentence_shows_q_as_its_tables_do_and_never_as_zero(q, shown):
    result = correlation.RmCorr(r=0.6, dof=80, p_parametric=0.001, ci_low=0.4, ci_high=0.75, n_teams=12, n_points=93)
    _, sentence = correlation.describe(
        dimension="trust", metric="churn", lower_is_better=True, lag=0, result=result, q=q
    )
    assert shown in sentence and not re.search(r"q = 0(\.0+)?;", sentence)  # never a q of zero
