"""The leadership dashboard: who sees what, suppression, exports, the audit log and its query count."""

import csv
import io
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.models import GroupScore, ReportAccess
from feedback.selectors.dashboard import dashboard, reported_cycles
from surveys.models import Person, Team
from tests.factories import PersonFactory, UserFactory, manager_of, organisation_with_aggregates

pytestmark = pytest.mark.django_db
URL = reverse("feedback:dashboard")


@pytest.fixture
def acme():
    return organisation_with_aggregates(departments=2, teams_per_department=4, cycles=3)


def login(client, *teams, email, role):
    user, _ = manager_of(*teams, email=email, role=role)
    client.force_login(user)
    return user


def test_an_admin_sees_the_whole_organisation_with_hidden_groups_marked_suppressed(client, acme):
    login(client, acme, email="alice@example.com", role=Person.Role.ADMIN)
    page = client.get(URL).content.decode()
    small = Team.objects.get(name="Team 0.0")  # 3 respondents, below the threshold
    assert ">Acme</a>" in page and ">Team 1.3</a>" in page
    row = page.split(f">{small.name}</a>")[1].split("</tr>")[0]
    assert "suppressed" in row and "n=" not in row
    shown = GroupScore.objects.filter(team=acme, shown=True).order_by("-cycle__opens_at", "dimension__name").first()
    assert f"{shown.mean:.2f}" in page and f"n={shown.respondents}" in page


def test_a_leader_sees_only_their_subtree_and_nothing_outside_it(client, acme):
    department = Team.objects.get(name="Department 0")
    login(client, department, email="lee@example.com", role=Person.Role.LEADER)
    page = client.get(URL).content.decode()
    assert ">Department 0</a>" in page and ">Team 0.1</a>" in page
    assert "Department 1" not in page and ">Acme</a>" not in page
    assert client.get(URL, {"root": acme.id}).status_code == 404
    assert client.get(URL, {"root": Team.objects.get(name="Team 1.1").id}).status_code == 404
    assert client.get(URL, {"root": 999_999}).status_code == 404


def test_a_manager_sees_their_team_but_not_its_department(client, acme):
    team = Team.objects.get(name="Team 0.1")
    login(client, team, email="maria@example.com", role=Person.Role.MANAGER)
    assert client.get(URL).status_code == 200
    assert client.get(URL, {"root": team.parent_id}).status_code == 404


def test_members_and_people_without_a_login_get_no_dashboard(client, acme):
    assert client.get(URL).status_code == 302  # to the login page
    user = UserFactory(username="charlie@example.com")
    PersonFactory(email="charlie@example.com", team=Team.objects.get(name="Team 0.1"), user=user)
    client.force_login(user)
    assert client.get(URL).status_code == 404


def test_the_heatmap_csv_marks_suppressed_cells_and_neutralises_formulas(client, acme):
    Team.objects.filter(name="Team 1.2").update(name="=HYPERLINK(evil)")
    # names shown are the cycle's frozen names
    from surveys.models import CycleTeam

    CycleTeam.objects.filter(name="Team 1.2").update(name="=HYPERLINK(evil)")
    login(client, acme, email="alice@example.com", role=Person.Role.ADMIN)
    response = client.get(URL, {"export": "heatmap"})
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    by_group = {row[0]: row for row in rows[1:]}
    assert by_group["Team 0.0"][2:] == ["suppressed"] * (len(rows[0]) - 2)
    assert "'=HYPERLINK(evil)" in by_group
    assert float(by_group["Acme"][2]) > 0


def test_every_view_and_export_is_in_the_audit_log(client, acme):
    user = login(client, acme, email="alice@example.com", role=Person.Role.ADMIN)
    client.get(URL)
    client.get(URL, {"export": "trends"})
    log = list(ReportAccess.objects.order_by("at").values_list("user", "viewer", "report", "format"))
    assert log == [
        (user.id, "alice@example.com", "dashboard", "page"),
        (user.id, "alice@example.com", "dashboard:trends", "csv"),
    ]
    page = client.get(reverse("feedback:manage_audit_log")).content.decode()
    assert "alice@example.com" in page and "dashboard:trends" in page


def test_malformed_filters_get_a_400_that_names_them_and_the_default_view(client, acme):
    login(client, acme, email="alice@example.com", role=Person.Role.ADMIN)
    for query in ({"first": "x"}, {"dimension": "nope"}, {"export": "passwords"}, {"cycle": "1e9"}):
        response = client.get(URL, query)
        page = response.content.decode()
        assert response.status_code == 400, query
        assert "were not understood" in page and f"<li>{next(iter(query))}:" in page and ">Acme</a>" in page


def visible_figures(data):
    """Return {(cycle, group, dimension): value} of every figure a dashboard shows."""
    found = {}
    for row in data.heatmap:
        for cell in row.cells:
            if cell.shown:
                found[(data.heat_cycle.id, row.team_id, cell.dimension.id)] = cell.value
    for trend in data.trends:
        for point in trend.points:
            if point.shown:
                found[(point.cycle.id, data.root.id, trend.dimension.id)] = point.value
    return found


def test_no_combination_of_filters_shows_a_figure_the_organisation_view_hides(acme):
    # given what the unfiltered organisation view shows for each cycle (proven safe by the disclosure tests)
    cycles = reported_cycles()
    everything = {}
    for cycle in cycles:
        everything |= visible_figures(dashboard(root=acme, heat_cycle=cycle.id, first_cycle=cycles[0].id))
    dimensions = list({d.id for d in dashboard(root=acme).dimensions})
    # then every subtree × cycle range × heatmap cycle × dimension subset shows only figures from it
    for root, first, last, chosen in itertools.product(Team.objects.all(), cycles, cycles, cycles):
        for size in range(1, len(dimensions) + 1):
            for subset in itertools.combinations(dimensions, size):
                data = dashboard(
                    root=root, first_cycle=first.id, last_cycle=last.id, heat_cycle=chosen.id, dimension_ids=subset
                )
                shown = visible_figures(data)
                assert shown.items() <= everything.items(), (root, first, last, chosen, subset)


def test_the_dashboard_query_count_does_not_grow_with_the_number_of_teams(client, django_assert_max_num_queries):
    client.force_login(UserFactory(username="root@example.com", is_superuser=True))
    counts = []
    for departments, teams_each in ((2, 5), (50, 10)):  # 10 teams, then 500
        root = organisation_with_aggregates(
            departments=departments, teams_per_department=teams_each, cycles=4, name=f"Org {departments}"
        )
        with django_assert_max_num_queries(30), CaptureQueriesContext(connection) as queries:
            page = client.get(URL, {"root": root.id}).content.decode()
        assert page.count("<tr>") > departments * teams_each  # every group is on the page
        counts.append(len(queries))
    assert counts[0] == counts[1]
