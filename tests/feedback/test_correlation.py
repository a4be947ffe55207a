"""The correlation engine validated statistically: against pingouin, under the null, and for power."""

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


def test_the_permutation_p_agrees_with_the_t_test_at_moderate_n_and_is_never_zero():
    rng = np.random.default_rng(11)
    groups, x, y = simulate(rng, teams=12, cycles=6, rho=0.3)
    parametric = correlation.rm_corr(groups, x, y).p_parametric
    assert correlation.permutation_p(groups, x, y, permutations=4000) == pytest.approx(parametric, abs=0.03)
    strong = simulate(rng, teams=12, cycles=6, rho=0.95)
    assert 0 < correlation.permutation_p(*strong, permutations=500) <= 1 / 501 + 1e-12


def test_false_discoveries_stay_at_or_below_the_nominal_level_on_simulated_organisations():
    # 200 organisations, each testing 4 dimensions × 3 metrics × 2 lags = 24 pairs, 3 of them real (rho 0.5).
    rng = np.random.default_rng(2026)
    proportions = []
    for _ in range(200):
        p_values, real = [], []
        for test in range(24):
            rho = 0.5 if test < 3 else 0.0
            groups, x, y = simulate(rng, teams=8, cycles=6, rho=rho)
            p_values.append(correlation.permutation_p(groups, x, y, permutations=199, seed=test))
            real.append(rho > 0)
        discovered = [q <= 0.05 for q in correlation.false_discovery_q(p_values)]
        false = sum(d and not r for d, r in zip(discovered, real, strict=True))
        proportions.append(false / max(1, sum(discovered)))
    fdr = float(np.mean(proportions))
    # BH bounds the FDR at 0.05 × 21/24; allow two standard errors of simulation noise.
    assert fdr <= 0.05 + 2 * np.std(proportions) / np.sqrt(len(proportions))


def test_a_planted_effect_is_found_with_the_power_the_maths_predicts():
    # rho 0.4, 10 teams × 6 cycles: dof 49; Fisher-z power ≈ Φ(atanh(0.4)·√(n − 3) − 1.96) with n = dof + 2.
    rng = np.random.default_rng(5)
    rho, teams, cycles, runs = 0.4, 10, 6, 300
    n = teams * cycles - teams - 1 + 2
    predicted = stats.norm.cdf(np.arctanh(rho) * np.sqrt(n - 3) - 1.959964)
    found = sum(
        correlation.permutation_p(*simulate(rng, teams=teams, cycles=cycles, rho=rho), permutations=299) < 0.05
        for _ in range(runs)
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
    assert "one cycle later" in sentence and "12 teams, 93 team-cycles" in sentence and "q = 0.010" in sentence
    assert "not evidence that one causes" in sentence and " causes " not in sentence.replace("one causes the", "")
    _, null_sentence = correlation.describe(
        dimension="meaning", metric="revenue", lower_is_better=False, lag=0, result=result, q=0.4
    )
    assert null_sentence.startswith("No reliable association")


def test_per_team_permutation_p_values_match_a_plain_test_for_one_team():
    rng = np.random.default_rng(9)
    groups, x, y = simulate(rng, teams=6, cycles=12, rho=0.6)
    pooled, per_team = correlation.permutation_test(groups, x, y, permutations=3000, seed=1)
    assert len(per_team) == 6 and 0 < pooled < 0.01
    for team in per_team:
        mask = groups == team.team
        r, p = stats.pearsonr(x[mask], y[mask])
        assert team.r == pytest.approx(r, abs=1e-9)
        assert team.p == pytest.approx(p, abs=0.05)
        assert team.ci_low < team.r < team.ci_high
