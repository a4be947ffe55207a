import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback import statistics


@pytest.mark.parametrize(("value", "points", "expected"), [(1, 5, 5), (2, 5, 4), (3, 5, 3), (5, 5, 1), (1, 7, 7)])
def test_reverse_scoring_mirrors_the_scale(value, points, expected):
    assert statistics.reverse_score(value, points=points) == expected


def test_enps_is_percent_promoters_minus_percent_detractors():
    # 3 promoters, 1 passive, 2 detractors of 6 → 50% − 33.3%.
    assert statistics.enps([10, 9, 9, 8, 6, 0]) == pytest.approx(100 * (3 - 2) / 6)


@given(st.lists(st.integers(0, 10), min_size=1, max_size=60))
def test_enps_groups_count_every_answer_once_and_give_the_enps(answers):
    distribution = {answer: answers.count(answer) for answer in set(answers)}
    groups = statistics.enps_groups(distribution)
    assert groups.n == len(answers)
    assert (groups.promoters, groups.passives) == (sum(a >= 9 for a in answers), sum(a in (7, 8) for a in answers))
    assert 100 * (groups.share(groups.promoters) - groups.share(groups.detractors)) == pytest.approx(
        statistics.enps(answers)
    )


@pytest.mark.parametrize("distribution", [{11: 1}, {-1: 2}, {5: -1}])
def test_enps_groups_refuse_answers_outside_0_to_10_and_negative_counts(distribution):
    with pytest.raises(ValueError, match="0–10"):
        statistics.enps_groups(distribution)


def test_summary_has_n_mean_sample_sd_and_favourable_share():
    summary = statistics.summarise([3.0, 4.0, 5.0], favourable_answers=4, item_answers=6)
    assert summary.respondents == 3
    assert summary.mean == pytest.approx(4.0)
    assert summary.sd == pytest.approx(1.0)
    assert summary.favourable == pytest.approx(4 / 6)


def test_a_single_respondent_has_no_standard_deviation():
    assert statistics.summarise([4.0], favourable_answers=1, item_answers=1).sd is None


def test_summarising_nobody_is_an_error():
    with pytest.raises(ValueError):
        statistics.summarise([], favourable_answers=0, item_answers=0)


def test_cronbach_alpha_matches_pingouin():
    import numpy as np
    import pandas as pd
    import pingouin

    rng = np.random.default_rng(1)
    trait = rng.normal(0, 1, 40)
    items = np.clip(np.round(3 + trait[:, None] + rng.normal(0, 0.8, (40, 5))), 1, 5)
    expected = pingouin.cronbach_alpha(pd.DataFrame(items))[0]
    assert statistics.cronbach_alpha(items) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 60), st.integers(2, 8), st.floats(0.2, 3.0), st.integers(0, 2**32 - 1))
def test_alphas_interval_is_pingouins(respondents, items, noise, seed):
    import numpy as np
    import pandas as pd
    import pingouin

    rng = np.random.default_rng(seed)
    answers = np.clip(
        np.round(3 + rng.normal(0, 1, (respondents, 1)) + rng.normal(0, noise, (respondents, items))), 1, 5
    )
    alpha = statistics.cronbach_alpha(answers)
    if alpha is None:  # every respondent's total alike
        return
    expected_alpha, expected_interval = pingouin.cronbach_alpha(pd.DataFrame(answers))
    interval = statistics.cronbach_alpha_interval(alpha, respondents=respondents, items=items)
    assert alpha == pytest.approx(expected_alpha, abs=1e-9)
    assert interval == pytest.approx(tuple(expected_interval), abs=5e-4)  # pingouin rounds to 3 decimals


def test_alphas_95_percent_interval_covers_the_population_alpha_95_percent_of_the_time():
    import numpy as np

    # given: 20 respondents answering 5 parallel items (true score variance 1, error variance 1): α = 5/6
    rng = np.random.default_rng(7)
    respondents, items, population = 20, 5, 5 * 0.5 / (1 + 4 * 0.5)
    covered = 0
    for _ in range(3000):
        answers = rng.normal(0, 1, (respondents, 1)) + rng.normal(0, 1, (respondents, items))
        low, high = statistics.cronbach_alpha_interval(
            statistics.cronbach_alpha(answers), respondents=respondents, items=items
        )
        covered += low <= population <= high
    # then: within simulation error (±0.8 points at 3000 draws) of 95%
    assert 0.942 <= covered / 3000 <= 0.958


def test_alpha_is_undefined_without_two_items_or_three_responses():
    assert statistics.cronbach_alpha([[1], [2], [3]]) is None
    assert statistics.cronbach_alpha([[1, 2], [2, 3]]) is None


def test_a_large_significant_change_is_flagged():
    test = statistics.change_between([2, 2.5, 3, 2, 2.5, 3, 2], [4, 4.5, 4, 5, 4, 4.5, 4])
    assert test.flagged and test.difference > 1.5 and test.p < 0.01
    assert test.ci_low < test.difference < test.ci_high


def test_a_significant_but_tiny_change_is_not_flagged():
    before = [3.0, 3.1] * 200
    after = [3.1, 3.2] * 200
    test = statistics.change_between(before, after)
    assert test.p < 0.05 and abs(test.difference) < statistics.PRACTICAL_CHANGE
    assert not test.flagged


def test_noise_is_not_flagged():
    test = statistics.change_between([3, 4, 2, 5, 3, 4], [4, 3, 3, 4, 5, 2])
    assert not test.flagged and test.ci_low < 0 < test.ci_high


# Intervals cover what they claim: simulated null pairs at survey teams' sizes. The simulation error of a
# coverage over N pairs is √(0.95·0.05/N): 0.34 points at 4,000, so the bounds below are 3 standard errors.


def _scale_scores(rng, n):
    """Seven 5-point items driven by one trait per person, as the Edmondson scale answers behave."""
    import numpy as np

    trait = rng.normal(0, 0.7, n)
    return np.clip(np.round(3 + trait[:, None] + rng.normal(0, 0.8, (n, 7))), 1, 5).mean(axis=1)


def test_the_change_interval_covers_a_zero_change_95_percent_of_the_time_at_5_to_30_respondents():
    import numpy as np

    rng = np.random.default_rng(19)
    pairs = 4000
    covered = 0
    for _ in range(pairs):
        before, after = (_scale_scores(rng, n) for n in rng.integers(5, 31, 2))
        test = statistics.change_between(before, after)
        covered += test.ci_low <= 0 <= test.ci_high
    assert 0.94 <= covered / pairs <= 0.96


@pytest.mark.parametrize(
    "mix",  # shares of detractors (0–6), passives (7–8) and promoters (9–10)
    [(0.3, 0.4, 0.3), (0.1, 0.3, 0.6), (0.05, 0.15, 0.8), (0.6, 0.3, 0.1), (0.2, 0.2, 0.6)],
)
def test_the_enps_change_interval_covers_a_zero_change_at_least_95_percent_of_the_time(mix):
    import numpy as np

    rng = np.random.default_rng(20)
    pairs = 3000
    covered = 0
    for _ in range(pairs):
        before, after = (list(rng.choice([3, 8, 10], size=n, p=mix)) for n in rng.integers(5, 31, 2))
        test = statistics.enps_change_between(before, after)
        covered += test.ci_low <= 0 <= test.ci_high
    assert covered / pairs >= 0.94  # 94.5% or more, within simulation error (0.4 points)


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(st.integers(0, 10), min_size=2, max_size=30),
    after=st.lists(st.integers(0, 10), min_size=2, max_size=30),
)
def test_a_change_is_significant_exactly_when_its_interval_excludes_zero(before, after):
    for test in (statistics.change_between(before, after), statistics.enps_change_between(before, after)):
        excludes_zero = test.ci_low > 0 or test.ci_high < 0
        assert (test.p < 0.05) == excludes_zero or test.ci_low == test.ci_high
        assert not test.flagged or excludes_zero or test.ci_low == test.ci_high


def test_an_enps_change_is_in_enps_points():
    # -30 (2 promoters, 3 passives, 5 detractors of 10) to 47 (8 promoters, 6 passives, 1 detractor of 15)
    before = [10, 9, 7, 8, 7, 0, 3, 5, 6, 1]
    after = [10] * 8 + [7] * 6 + [2]
    test = statistics.enps_change_between(before, after)
    assert statistics.enps(before) == -30 and round(statistics.enps(after)) == 47
    assert test.difference == pytest.approx(statistics.enps(after) - statistics.enps(before))
    assert test.flagged and test.ci_low > 0
