import pytest

from feedback import statistics


@pytest.mark.parametrize(("value", "points", "expected"), [(1, 5, 5), (2, 5, 4), (3, 5, 3), (5, 5, 1), (1, 7, 7)])
def test_reverse_scoring_mirrors_the_scale(value, points, expected):
    assert statistics.reverse_score(value, points=points) == expected


def test_enps_is_percent_promoters_minus_percent_detractors():
    # 3 promoters, 1 passive, 2 detractors of 6 → 50% − 33.3%.
    assert statistics.enps([10, 9, 9, 8, 6, 0]) == pytest.approx(100 * (3 - 2) / 6)


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
