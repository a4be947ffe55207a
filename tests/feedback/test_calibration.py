"""A finding means what it says: simulated organisations through Align's own statistics.

A fast subset of `python -m bench calibration` (bench/calibration.py: 20 teams in 4 departments × 8 cycles,
3 dimensions × 3 metrics × 2 lags, association_test and Benjamini–Hochberg as correlations_refresh runs
them). With no relation anywhere, at most about 5% of organisations may show any finding (BH at q ≤ 0.05
controls the family-wise error at 5% when nothing is real); a relation of r = 0.5 within teams must be found
in at least 80% of them. Within-team shuffles, which Align used before, showed a finding in 33% of
autocorrelated, 46% of department-shocked and 97% of organisation-shocked organisations (bench, 200 each),
and fail every null test here (44, 67, 146 and 139 of 150).

The 95% interval shown with r must cover the true r 95% of the time: r = 0 on every null pair, the planted
r on the planted pair. Before it allowed for autocorrelation and shared shocks it covered 0 in 83% (AR(1)),
85% (department shocks), 62% (organisation shocks) and 59% (all three) of null pairs; each team's own
interval in 88% with AR(1). Its simulation error counts each organisation's 18 pairs (or 18 × 20 teams) as
one cluster: about ±0.007 at 150 organisations (±0.003 for teams), so a scenario fails outside 0.95 ± three
of its standard errors (about ±0.02; ±0.01 for teams, which may cover more: see the check).

Simulation error: 150 organisations estimate a share of 0.05 to ±0.018, so a null scenario fails only when
its share is above 0.06 with 99% confidence (one-sided Clopper–Pearson), i.e. from 17 of 150 organisations;
the four together fail from 50 of 600 (0.083). Fixed seeds: the same code gives the same counts.
"""

import pytest
from scipy import stats

from bench import calibration

NULLS = ["AR(1) φ 0.7", "department shocks", "organisation shocks", "AR(1) + both shocks"]
ORGANISATIONS = 150
TARGET = 0.06  # 0.05, and room for the discreteness of 2,000 permutations and simulation error


def share_lower_bound(count: int, n: int, confidence: float = 0.99) -> float:
    """Return the one-sided Clopper–Pearson lower confidence bound of a share count / n."""
    return float(stats.beta.ppf(1 - confidence, count, n - count + 1)) if count else 0.0


@pytest.fixture(scope="module")
def null_tallies():
    return {scenario: calibration.simulate(scenario, organisations=ORGANISATIONS, seed=1) for scenario in NULLS}


@pytest.mark.parametrize("scenario", NULLS)
def test_without_any_relation_few_organisations_see_a_finding(null_tallies, scenario):
    # given autocorrelated or shocked scores and metrics, none related to another
    tally = null_tallies[scenario]
    # then the share of organisations with at least one finding is not above 6% (at 99% confidence)
    assert share_lower_bound(tally.with_false, tally.organisations) <= TARGET, (
        f"{tally.with_false} of {tally.organisations} organisations showed a finding"
    )


def test_across_every_null_scenario_together_few_organisations_see_a_finding(null_tallies):
    found = sum(t.with_false for t in null_tallies.values())
    total = sum(t.organisations for t in null_tallies.values())
    assert share_lower_bound(found, total) <= TARGET, f"{found} of {total} organisations showed a finding"


@pytest.mark.parametrize("scenario", NULLS)
def test_without_any_relation_the_interval_shown_with_r_covers_zero_95_percent_of_the_time(null_tallies, scenario):
    # given autocorrelated or shocked scores and metrics, none related to another
    coverage = null_tallies[scenario].null_interval
    # then the finding's 95% interval covers r = 0 in 95% of pairs, within three simulation standard errors
    assert coverage.error < 0.012, "too few organisations to tell"
    assert abs(coverage.share - 0.95) <= 3 * coverage.error, f"covers 0 in {coverage}"


@pytest.mark.parametrize("scenario", NULLS)
def test_without_any_relation_each_teams_own_interval_covers_zero_at_least_95_percent_of_the_time(
    null_tallies, scenario
):
    # given the same organisations, each team with 8 cycles and its own r and interval
    coverage = null_tallies[scenario].team_interval
    # then no fewer than 95% of them cover 0, within three simulation standard errors. More may: with AR(1)
    # φ = 0.7 a team's 8 points are worth about 3 independent ones, where the t interval is conservative
    # (about 98%).
    assert coverage.error < 0.006, "too few organisations to tell"
    assert coverage.share >= 0.95 - 3 * coverage.error, f"covers 0 in {coverage}"
    assert coverage.share <= 0.995, f"covers 0 in {coverage}: the interval says nothing"


@pytest.mark.parametrize(("scenario", "seed"), [("planted, lag 0", 2), ("planted, lag 1", 3)])
def test_a_relation_of_r_half_within_teams_is_found_in_most_organisations(scenario, seed):
    # given one dimension × metric pair related within teams (r = 0.5), in the same cycle or one cycle later
    tally = calibration.simulate(scenario, organisations=60, seed=seed)
    # then it is found in at least 80% of organisations (Align finds it in about 97–99%)
    assert tally.planted_found / tally.organisations >= 0.8
    # and the interval shown with it covers the planted r = 0.5 in 95% of organisations (at 60, one
    # standard error is 0.028: three below 0.95 is 0.865)
    assert tally.planted_interval.share >= 0.95 - 3 * (0.95 * 0.05 / tally.organisations) ** 0.5
    # and the false discovery rate stays within BH's 5%, give or take three standard errors
    fdr = tally.false_share / tally.organisations
    error = ((tally.false_share_squares / tally.organisations - fdr**2) / tally.organisations) ** 0.5
    assert fdr <= 0.05 + 3 * error
