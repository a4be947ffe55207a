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
