"""A metric measured in % whatever way its unit was written (issue 20, attack round 8): `％` and `percent` were
other units, so 150 was stored as a share and 12% refused. And a file whose every value of a % metric lies between
0 and 1 is probably fractions: the preview says so, without refusing it."""

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import services, units
from feedback.models import MetricDefinition, MetricValue
from feedback.services.metrics import MetricRow, metric_values_plan, percent_fraction_warnings
from surveys.models import Person
from tests.factories import TeamFactory, manager_of

pytestmark = pytest.mark.django_db

HEADER = "metric,team,period_start,period_end,value\n"


def define(key: str, unit: str) -> MetricDefinition:
    return services.metric_definition_create(
        key=key, name=key, unit=unit, category="business", direction="higher", time_rollup="mean", team_rollup="mean"
    )


@pytest.fixture
def alice(client):
    """Alice is an admin of Acme."""
    acme = TeamFactory(name="Acme")
    user, _ = manager_of(acme, email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    return user


def plan_errors(key: str, value: float, *, percent: bool = False) -> list[str]:
    row = MetricRow(key, None, date(2026, 1, 1), date(2026, 1, 31), value, percent=percent)
    return [error.message for error in metric_values_plan(rows=[row])[2]]


@pytest.mark.parametrize("unit", ["\uff05", "percent", "Percent", "PERCENT", " per cent ", "\u066a", "\ufe6a"])
def test_each_spelling_of_per_cent_is_stored_as_the_unit_percent(unit):
    assert define("uptime", unit).unit == "%"


@pytest.mark.parametrize("unit", ["\uff05", "percent", "Per Cent"])
def test_a_metric_defined_before_with_another_spelling_takes_values_as_a_percent_metric(unit):
    # given: a definition stored before units were normalised
    MetricDefinition.objects.create(key="uptime-fw", name="Uptime", unit=unit)
    # then: 150 is no share, and 12% is 12
    assert plan_errors("uptime-fw", 150.0)[0].startswith("“uptime-fw” is measured in % (a share, 0 to 100)")
    assert plan_errors("uptime-fw", 12.0, percent=True) == []


def test_other_units_are_kept_as_typed():
    assert define("area", " m² ").unit == "m²"
    assert define("growth", "% change").unit == "% change"
    assert not units.percent_spelling("percentage points")


WORDS = st.sampled_from(["percent", "per cent", "%", "\uff05", "\u066a", "\ufe6a"])


@settings(max_examples=1000, deadline=None)
@given(
    word=WORDS,
    cases=st.lists(st.sampled_from([str.lower, str.upper]), min_size=8, max_size=8),
    padding=st.sampled_from(["", " ", "\u00a0", "\t", "\u3000"]),
    wide=st.booleans(),
)
def test_any_spelling_of_per_cent_in_any_case_width_or_padding_is_percent(word, cases, padding, wide):
    typed = "".join(case(char) for case, char in zip(cases, word, strict=False)) + word[len(cases) :]
    if wide:  # full-width letters, as an East Asian input method types them
        typed = "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in typed)
    assert units.percent_spelling(padding + typed + padding)
    assert units.unit_stored(padding + typed + padding) == "%"


# The preview's warning about fractions.


def upload(client, text: str):
    data = SimpleUploadedFile("m.csv", text.encode())
    return client.post(reverse("feedback:manage_metrics_upload"), {"file": data})


def test_the_attack_s_uptime_fractions_are_warned_about_and_can_still_be_saved(client, alice):
    define("uptime", "%")
    text = HEADER + "uptime,Acme,2026-01-01,2026-01-31,0.999\nuptime,Acme,2026-02-01,2026-02-28,0.95\n"
    page = upload(client, text).content.decode()
    assert (
        "All values of uptime in the file lie between 0 and 1: if these are fractions, multiply them by 100 "
        "(uptime is measured in %, so 0.999 is stored as 0.999%, not 99.9%)."
    ) in page
    token = re.search(r'name="confirm" value="([^"]+)"', page).group(1)
    client.post(reverse("feedback:manage_metrics_upload"), {"confirm": token})
    assert sorted(MetricValue.objects.values_list("value", flat=True)) == [0.95, 0.999]


def test_no_warning_when_one_value_is_a_whole_percent_or_written_with_a_percent_sign(client, alice):
    define("uptime", "%")
    assert (
        percent_fraction_warnings(
            rows=[MetricRow("uptime", None, None, None, 0.5), MetricRow("uptime", None, None, None, 99.0)]
        )
        == []
    )
    assert percent_fraction_warnings(rows=[MetricRow("uptime", None, None, None, 0.5, percent=True)]) == []
    assert percent_fraction_warnings(rows=[MetricRow("revenue", None, None, None, 0.5)]) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(
        st.tuples(
            st.floats(0, 100, allow_nan=False) | st.floats(0, 1, exclude_min=True, exclude_max=True), st.booleans()
        ),
        min_size=1,
        max_size=6,
    )
)
def test_a_percent_metric_is_warned_about_exactly_when_every_value_lies_between_0_and_1_without_a_sign(values):
    if not MetricDefinition.objects.filter(key="uptime").exists():
        define("uptime", "percent")
    rows = [MetricRow("uptime", None, None, None, value, percent=sign) for value, sign in values]
    fractions = all(0 < value < 1 and not sign for value, sign in values)
    assert bool(percent_fraction_warnings(rows=rows)) == fractions
