"""The metric upload's preview names the team and metric a row will be saved under, as stored, not as typed
(issue 20): `ACME/engineering/Ｐｌａｔｆｏｒｍ` is saved for Acme/Engineering/Platform, and the preview said so only
in the typist's spelling."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.services.metrics import MetricRow, metric_rows_matched
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform():
    acme = TeamFactory(name="Acme")
    return TeamFactory(name="Platform", parent=TeamFactory(name="Engineering", parent=acme))


def named(metric: str, team: str | None) -> tuple[str | None, str | None]:
    (matched,) = metric_rows_matched(rows=[MetricRow(metric, team, None, None, None)])
    return matched


def test_a_team_typed_in_another_case_and_width_is_shown_as_stored(platform):
    assert named("REVENUE", "ACME/engineering/Ｐｌａｔｆｏｒｍ") == ("revenue", "Acme/Engineering/Platform")
    assert named("revenue", " Acme / Engineering / Platform/ ") == ("revenue", "Acme/Engineering/Platform")


def test_an_unknown_team_or_metric_is_none_and_no_team_is_the_organisation(platform):
    assert named("no-such-metric", "Acme/Nowhere") == (None, None)
    assert named("revenue", None) == ("revenue", None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.lists(st.sampled_from([str.lower, str.upper, str.title, str.swapcase]), min_size=3, max_size=3))
def test_any_case_of_each_part_is_shown_as_the_stored_path(platform, cases):
    typed = "/".join(case(part) for case, part in zip(cases, ["Acme", "Engineering", "Platform"], strict=True))
    assert named("revenue", typed)[1] == "Acme/Engineering/Platform"
