"""Report filters and API query parameters that name nothing are refused, never read as the default.

An outside tester found `/reports/dashboard/?cycle=999` (or -1, or an open cycle's id) showing the latest closed
cycle with 200 while `cycle=1e3` gave 400, and the API's unknown-team error carrying "index": "None".
"""

import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import services
from feedback.forms import DashboardFilters
from feedback.models import GroupScore
from feedback.selectors.dashboard import _in_range, reported_cycles
from surveys.models import Cycle, Person, Team
from tests.factories import CycleFactory, TeamFactory, manager_of, organisation_with_aggregates

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("feedback:dashboard")


@pytest.fixture
def acme(client):
    """Acme with three closed cycles and one open; alice, its admin, is logged in."""
    root = organisation_with_aggregates(departments=1, teams_per_department=2, cycles=3)
    CycleFactory(name="Open pulse", state=Cycle.State.OPEN)
    user, _ = manager_of(root, email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    return root


def closed() -> list[Cycle]:
    return reported_cycles()


def open_cycle() -> Cycle:
    return Cycle.objects.get(name="Open pulse")


@pytest.mark.parametrize("name", ["cycle", "first", "last"])
@pytest.mark.parametrize("given_id", ["999", "-1", "open"])
def test_a_cycle_filter_naming_no_reported_cycle_is_a_400_naming_it_with_the_default_view(client, acme, name, given_id):
    wanted = str(open_cycle().id) if given_id == "open" else given_id
    response = client.get(DASHBOARD, {name: wanted})
    page = response.content.decode()
    assert response.status_code == 400
    assert f"<li>{name}: No closed or published cycle has the id {wanted}.</li>" in page
    assert f"Heatmap: {closed()[-1].name}" in page  # the default view, said to be one


def test_a_reported_cycle_is_shown_and_one_outside_the_range_shown_is_refused(client, acme):
    first, middle, last = closed()
    response = client.get(DASHBOARD, {"cycle": middle.id})
    assert response.status_code == 200 and f"Heatmap: {middle.name}" in response.content.decode()
    response = client.get(DASHBOARD, {"first": first.id, "last": first.id, "cycle": last.id})
    assert response.status_code == 400
    assert (
        f"<li>cycle: The cycle {last.name} (id {last.id}) is not among the cycles shown ({first.name} to {first.name})"
        in (response.content.decode())
    )


def test_the_other_filters_keep_their_answers(client, acme):
    assert client.get(DASHBOARD, {"dimension": "nope"}).status_code == 400
    assert client.get(DASHBOARD, {"export": "passwords"}).status_code == 400
    # a group outside the viewer's scope, or none, is a 404 as before: ids of teams cannot be probed
    assert client.get(DASHBOARD, {"root": 999_999}).status_code == 404
    assert client.get(DASHBOARD, {"root": -1}).status_code == 404


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    chosen=st.fixed_dictionaries(
        {},
        optional={
            "first": st.integers(-3, 3),
            "last": st.integers(-3, 3),
            "cycle": st.integers(-3, 3),
        },
    )
)
def test_the_filters_are_valid_exactly_when_they_name_reported_cycles_and_a_shown_heatmap_cycle(acme, chosen):
    # indexes into [-3 … 3]: 0 to 2 a closed cycle, 3 the open one, negatives ids no cycle has
    cycles = list(Cycle.objects.order_by("opens_at"))
    ids = {name: (cycles[i].id if i >= 0 else -1 - i) for name, i in chosen.items()}
    reported = {c.id for c in closed()}
    valid = all(i in reported for i in ids.values())
    if valid and "cycle" in ids:
        valid = ids["cycle"] in {c.id for c in _in_range(closed(), ids.get("first"), ids.get("last"))}
    form = DashboardFilters({k: str(v) for k, v in ids.items()})
    assert (form.is_valid() and not form.refuse_unreported(closed(), group=acme.name)) is valid


def test_the_team_report_refuses_an_unknown_export_naming_it_and_shows_the_report(client, acme):
    team = Team.objects.get(name="Team 0.0")
    url = reverse("feedback:team_report", args=[team.id])
    response = client.get(url, {"export": "passwords"})
    page = response.content.decode()
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert "These parameters were not understood and were left out: export:" in page and "passwords" in page
    assert client.get(url).status_code == 200
    assert client.get(url, {"export": "scores"})["Content-Type"].startswith("text/csv")


# The API's list filters


@pytest.fixture
def machine(client):
    _, secret = services.api_token_create(name="CI exporter", created_by=None)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def test_an_unknown_team_or_date_in_the_list_filter_is_answered_with_index_null(machine):
    TeamFactory(name="Platform", parent=TeamFactory(name="Engineering", parent=TeamFactory(name="Acme")))
    url = reverse("api-metric-values")
    response = machine.get(url, {"team": "Nowhere"})
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "errors": [
            {
                "index": None,
                "field": "team",
                "message": "There is no team “Nowhere”. (A path starts at the top-level team, such as "
                "Acme/Engineering/Platform.)",
            }
        ]
    }
    response = machine.get(url, {"start": "yesterday"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["index"] is None and error["field"] == "start"


def test_the_readme_s_team_filter_names_a_team_by_its_whole_path(machine):
    # the demo's root is Acme: Engineering/Platform names no team, Acme/Engineering/Platform does
    TeamFactory(name="Platform", parent=TeamFactory(name="Engineering", parent=TeamFactory(name="Acme")))
    url = reverse("api-metric-values")
    assert machine.get(url, {"team": "Acme/Engineering/Platform", "start": "2026-10-01"}).status_code == 200
    assert machine.get(url, {"team": "Engineering/Platform"}).json()["errors"][0]["index"] is None


def test_every_group_link_of_a_dashboard_over_an_older_range_opens_that_range(client, acme):
    # round 5: the heatmap's and movers' group links dropped first/last, so from an older range they were refused
    import re

    first, middle, _ = closed()
    chosen = sorted(GroupScore.objects.values_list("dimension__key", flat=True).distinct())[:1]
    query = {"first": first.id, "last": middle.id, "cycle": first.id, "dimension": chosen}
    page = client.get(DASHBOARD, query).content.decode()
    links = [href.replace("&amp;", "&") for href in re.findall(r'href="(\?root=[^"]+)"', page)]
    assert links
    for link in links:
        assert f"first={first.id}" in link and f"last={middle.id}" in link and f"dimension={chosen[0]}" in link
        response = client.get(DASHBOARD + link)
        assert response.status_code == 200, link
        assert f"Heatmap: {first.name}" in response.content.decode()
