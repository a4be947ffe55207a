"""Issue: a one-off survey of one small team changed everyone's default view. A group's dashboard, summary and
digest report the cycles whose audience took in the whole group, and compare only those."""

import pytest
from django.urls import reverse

from feedback.models import GroupScore
from feedback.selectors.dashboard import dashboard
from feedback.services import scores_aggregate
from feedback.services.digest import digest_text
from surveys.models import Person
from surveys.scales import Scale
from tests.downloads import csv_rows
from tests.factories import PersonFactory, TeamFactory, manager_of

pytestmark = pytest.mark.django_db
URL = reverse("feedback:dashboard")


@pytest.fixture
def acme(run_closed_cycle):
    """Acme: Engineering (6 people) and Sales, whose Field team (6 people) alone had a one-off survey last,
    answered by 4 of them; before it, two cycles for everyone, which everyone answered."""
    root = TeamFactory(name="Acme")
    engineering = TeamFactory(name="Engineering", parent=root)
    sales = TeamFactory(name="Sales", parent=root)
    field = TeamFactory(name="Field", parent=sales)
    for team in (engineering, field):
        PersonFactory.create_batch(6, team=team)
    whole = []
    for _ in range(2):
        whole.append(run_closed_cycle([(engineering, [{}] * 6), (field, [{}] * 6)], audience=[root]))
        scores_aggregate(cycle_id=whole[-1].id)
    one_off = run_closed_cycle([(field, [{}] * 4)], audience=[field])
    scores_aggregate(cycle_id=one_off.id)
    return {"acme": root, "engineering": engineering, "field": field, "whole": whole, "one_off": one_off}


def test_a_one_off_survey_of_one_team_is_not_a_cycle_of_the_groups_it_did_not_take_in_whole(acme):
    for group in ("acme", "engineering"):
        data = dashboard(root=acme[group])
        assert data.cycles == acme["whole"] and data.heat_cycle == acme["whole"][-1]
        assert all(point.shown for point in data.participation)  # no "suppressed" row for a cycle it was not in
    field = dashboard(root=acme["field"])
    assert field.cycles == [*acme["whole"], acme["one_off"]] and field.heat_cycle == acme["one_off"]


def test_the_leaders_default_dashboard_keeps_its_summary_and_its_heatmap_csv_has_rows(client, acme):
    lee, _ = manager_of(acme["engineering"], email="lee@example.com", role=Person.Role.LEADER)
    client.force_login(lee)
    page = client.get(URL).content.decode()
    assert f"Summary: {acme['whole'][-1].name}" in page and acme["one_off"].name not in page
    rows = csv_rows(client.get(URL, {"export": "heatmap"}))
    assert rows[1][0] == "Engineering"
    assert "eNPS (eNPS points, −100 to 100)" in rows[0] and "eNPS (scale points, 1–5)" not in rows[0]


def test_the_leaders_digest_reports_the_last_cycle_that_asked_their_group(acme):
    lee, _ = manager_of(acme["engineering"], email="lee@example.com", role=Person.Role.LEADER)
    text = digest_text(user=lee)
    assert f"== Engineering: {acme['whole'][-1].name} ==" in text and acme["one_off"].name not in text


def test_the_admins_summary_compares_the_whole_organisation_with_its_previous_whole_survey(client, acme):
    admin, _ = manager_of(acme["acme"], email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    page = client.get(URL, {"root": acme["acme"].id}).content.decode()
    first, last = acme["whole"]
    assert f"In {last.name}, 12 of 12 people in Acme answered (100%), against 100% in {first.name}." in page
    assert "4 of 6" not in page


def test_a_change_is_only_between_cycles_that_took_in_the_whole_group(acme, run_closed_cycle):
    # the one-off: Field is compared with its last whole survey; Sales and Acme, asked only in part, are not
    one_off = GroupScore.objects.filter(cycle=acme["one_off"])
    assert {s.previous_cycle_id for s in one_off.filter(team=acme["field"])} == {acme["whole"][-1].id}
    assert all(s.change is None for s in one_off.exclude(team=acme["field"]))
    # the next survey of everyone: Acme's change is against the last one of everyone, not the one-off
    after = run_closed_cycle([(acme["engineering"], [{}] * 6), (acme["field"], [{}] * 6)], audience=[acme["acme"]])
    scores_aggregate(cycle_id=after.id)
    assert {s.previous_cycle_id for s in GroupScore.objects.filter(cycle=after, team=acme["acme"])} == {
        acme["whole"][-1].id
    }
    assert {s.previous_cycle_id for s in GroupScore.objects.filter(cycle=after, team=acme["field"])} == {
        acme["one_off"].id
    }


def test_the_heatmap_csv_header_gives_an_enps_columns_unit_with_no_row_shown():
    from feedback.tables import heatmap_table
    from surveys.models import Dimension

    enps, meaning = Dimension(id=1, name="eNPS"), Dimension(id=2, name="Meaning")
    header = heatmap_table([], [enps, meaning], None, scales={1: Scale("enps", 11), 2: Scale("likert", 5)}).header
    assert "eNPS (eNPS points, −100 to 100)" in header and "Meaning (scale points, 1–5)" in header
